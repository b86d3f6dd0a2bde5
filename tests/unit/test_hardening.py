"""Hardening (issue 10): missing S3 objects without s3:ListBucket, stage limits, the local stack's port check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.store import files

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
DEPLOYED = sorted(name for name, stage in CONFIG["stages"].items() if "iam_policy_file" in stage)


# --- 1. A missing object is a 403 when the role may not list the bucket -----------------------------------------


def _s3_error(operation: str, status: int, code: str, message: str) -> ClientError:
    # The shape botocore gives: a HEAD has no body, so its code is the bare status.
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


class S3WithoutListBucket:
    """An S3 client for a role with s3:GetObject but not s3:ListBucket: S3 will not say whether a key exists,
    so a missing key is 403 (HEAD: code ``403``; GET: ``AccessDenied``), never 404."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def head_object(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("HeadObject", params))
        raise _s3_error("HeadObject", 403, "403", "Forbidden")

    def get_object(self, **params: Any) -> dict[str, Any]:
        self.calls.append(("GetObject", params))
        raise _s3_error("GetObject", 403, "AccessDenied", "Access Denied")


class S3Failing:
    """An S3 that is down: errors that are not about the key must still propagate."""

    def head_object(self, **params: Any) -> dict[str, Any]:
        raise _s3_error("HeadObject", 503, "503", "Service Unavailable")

    def get_object(self, **params: Any) -> dict[str, Any]:
        raise _s3_error("GetObject", 500, "InternalError", "We encountered an internal error.")


def test_a_403_on_a_head_of_our_bucket_reads_as_absent_and_is_logged(log_lines: list[dict[str, Any]]) -> None:
    s3 = S3WithoutListBucket()
    bucket = files.Bucket(s3, "portico-test-files")
    key = "acme/acc-1/invoices/inv-1/representation.pdf"

    assert bucket.exists(key) is False
    # A GET's 403 names its reason (AccessDenied: a KMS or bucket-policy deny) and is not taken for "absent";
    # with s3:ListBucket (the stage policies grant it) a missing key's GET is a 404.
    for read in (lambda: bucket.read_bytes(key), lambda: bucket.read_upload(key, max_bytes=8)):
        with pytest.raises(ClientError):
            read()

    assert [operation for operation, _ in s3.calls] == ["HeadObject", "GetObject", "GetObject"]
    assert all(params["Bucket"] == "portico-test-files" and params["Key"] == key for _, params in s3.calls)
    absent = [line for line in log_lines if line["message"] == "s3 object treated as absent (403)"]
    assert [line["operation"] for line in absent] == ["HeadObject"]
    assert all(line["key"] == key and line["level"] == "WARNING" for line in absent)


def test_other_s3_failures_still_raise() -> None:
    bucket = files.Bucket(S3Failing(), "portico-test-files")
    for read in (lambda: bucket.exists("k"), lambda: bucket.read_bytes("k"),
                 lambda: bucket.read_upload("k", max_bytes=8)):
        with pytest.raises(ClientError):
            read()


def _policy(stage: str) -> dict[str, Any]:
    return json.loads((ROOT / ".chalice" / CONFIG["stages"][stage]["iam_policy_file"]).read_text())


@pytest.mark.parametrize("stage", DEPLOYED)
def test_every_deployed_stage_may_list_its_own_bucket_only(stage: str) -> None:
    # With s3:ListBucket, S3 answers 404 for a missing key; the store copes with 403 either way.
    bucket = CONFIG["stages"][stage]["environment_variables"]["PORTICO_BUCKET"]
    statements = _policy(stage)["Statement"]
    listing = [s for s in statements if "s3:ListBucket" in s["Action"]]
    assert [s["Resource"] for s in listing] == [f"arn:aws:s3:::{bucket}"]
    objects = [s for s in statements if "s3:GetObject" in s["Action"]]
    assert [s["Resource"] for s in objects] == [f"arn:aws:s3:::{bucket}/*"]


# What each S3 client call of the store needs from IAM (HEAD is authorised by s3:GetObject).
S3_ACTIONS = {"head_object": "s3:GetObject", "get_object": "s3:GetObject", "put_object": "s3:PutObject",
              "delete_object": "s3:DeleteObject"}


@pytest.mark.parametrize("stage", DEPLOYED)
def test_every_s3_call_of_the_store_is_allowed_on_the_bucket(stage: str) -> None:
    # moto ignores IAM, so a missing action (s3:DeleteObject once) shows only in AWS, after a write.
    import re

    source = (ROOT / "chalicelib" / "store" / "files.py").read_text()
    calls = set(re.findall(r"\.client\.(\w+)\(", source)) - {"generate_presigned_url"}
    assert calls and calls <= set(S3_ACTIONS), calls
    bucket = CONFIG["stages"][stage]["environment_variables"]["PORTICO_BUCKET"]
    allowed = {action for s in _policy(stage)["Statement"] if s["Resource"] == f"arn:aws:s3:::{bucket}/*"
               for action in s["Action"]}
    assert {S3_ACTIONS[call] for call in calls} <= allowed


# --- 4. Limits of every deployed stage: reserved concurrency and API Gateway throttling ---------------------------


def test_the_deployed_stages_are_dev_and_prod() -> None:
    from devtools import package

    assert package.deployed_stages() == DEPLOYED == ["dev", "prod"]


@pytest.mark.parametrize("stage", DEPLOYED)
def test_every_deployed_stage_caps_its_api(stage: str) -> None:
    from devtools import package

    reserved = package.api_reserved_concurrency(stage)
    assert isinstance(reserved, int) and reserved > 0
    throttling = package.API_THROTTLING[stage]
    assert 0 < throttling["ThrottlingRateLimit"] <= throttling["ThrottlingBurstLimit"] <= reserved
    merged = package.resources_template(stage)["Resources"]["RestAPI"]
    assert merged == {"Properties": {"MethodSettings": [{"ResourcePath": "/*", "HttpMethod": "*", **throttling}]}}


def _packaged(stage: str) -> dict[str, Any]:
    """The parts of `chalice package`'s template that carry the limits, as it writes them, plus the merge."""
    from devtools import package

    return {"Resources": {
        "APIHandler": {"Properties": {"ReservedConcurrentExecutions": package.api_reserved_concurrency(stage)}},
        "RestAPI": {"Properties": {"StageName": "api", "DefinitionBody": {},
                                   **package.resources_template(stage)["Resources"]["RestAPI"]["Properties"]}},
        "ApiHandlerRole": {"Properties": {"Policies": [{"PolicyDocument": _policy(stage)}]}},
    }}


@pytest.mark.parametrize("stage", DEPLOYED)
def test_package_check_names_each_missing_limit(stage: str) -> None:
    from devtools import package

    assert package.limit_problems(_packaged(stage), stage) == []

    unreserved = _packaged(stage)
    del unreserved["Resources"]["APIHandler"]["Properties"]["ReservedConcurrentExecutions"]
    assert [p.split(":")[0] for p in package.limit_problems(unreserved, stage)] == ["APIHandler"]

    unthrottled = _packaged(stage)
    del unthrottled["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    assert [p.split(":")[0] for p in package.limit_problems(unthrottled, stage)] == ["RestAPI", "RestAPI"]

    unlisted = _packaged(stage)
    statements = unlisted["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    statements[:] = [s for s in statements if "s3:ListBucket" not in s["Action"]]
    assert [p.split(":")[0] for p in package.limit_problems(unlisted, stage)] == ["ApiHandlerRole"]


# --- 4. Per-tenant mail caps (settings only; the services layer enforces them) ------------------------------------

CAPS = {
    "PORTICO_INVITATIONS_PER_TENANT_HOUR": ("invitations_per_tenant_hour", 200),
    "PORTICO_RESET_MAILS_PER_TENANT_HOUR": ("reset_mails_per_tenant_hour", 100),
    "PORTICO_RESET_MAILS_PER_CONTACT_HOUR": ("reset_mails_per_contact_hour", 3),
}


def test_mail_caps_have_their_defaults() -> None:
    from chalicelib.config import load_settings

    settings = load_settings({})
    assert {variable: getattr(settings, field) for variable, (field, _) in CAPS.items()} == {
        variable: default for variable, (_, default) in CAPS.items()}


@pytest.mark.parametrize("variable", sorted(CAPS))
def test_each_mail_cap_is_overridable_and_validated(variable: str) -> None:
    from chalicelib.config import ConfigError, load_settings

    field, _ = CAPS[variable]
    assert getattr(load_settings({variable: "25"}), field) == 25
    assert getattr(load_settings({variable: " 7 "}), field) == 7
    for bad in ("0", "-1", "ten", "2.5", "", "²", "١٢", "1000001"):
        with pytest.raises(ConfigError, match=variable):
            load_settings({variable: bad})


def test_reconcile_seconds_refuses_non_ascii_digits_as_a_config_error() -> None:
    # "²".isdigit() is True but int("²") raises ValueError: it must be the ConfigError naming the variable.
    from chalicelib.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="PORTICO_RECONCILE_SECONDS"):
        load_settings({"PORTICO_RECONCILE_SECONDS": "²"})


def test_the_mail_caps_are_documented() -> None:
    rows = {line.split("|")[1].strip(): line for line in (ROOT / "docs" / "operations.md").read_text().splitlines()
            if line.startswith("| `PORTICO_")}
    for variable, (_, default) in CAPS.items():
        assert rows[f"`{variable}`"].rstrip().endswith(f"| `{default}` |")


# --- 6. Validating patterns match the whole value: "$" would also match before a trailing newline ---------------


@pytest.mark.parametrize("good", ["inv-1", "A.b_c-9", "x" * 64])
def test_check_id_takes_ids(good: str) -> None:
    from chalicelib.domain.validation import check_id

    assert check_id(good) == good


@pytest.mark.parametrize("bad", ["inv-1\n", "inv-1\r\n", "\ninv-1", "inv-1\x00", "x" * 65, "-inv", "inv 1", ""])
def test_check_id_refuses_anything_else(bad: str) -> None:
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.validation import check_id, is_path_id

    with pytest.raises(ValidationFailed):
        check_id(bad, "account_id")
    assert not is_path_id("account_id", bad)


def test_path_ids_are_ids_and_tenants_are_slugs() -> None:
    from chalicelib.domain.validation import is_path_id

    assert is_path_id("invoice_id", "FV-2026.001") and is_path_id("payment_id", "pay_20261123140000123456abcdef")
    assert is_path_id("tenant", "acme") and not is_path_id("tenant", "Acme") and not is_path_id("tenant", "acme\n")
    assert not is_path_id("doc_id", None)


def test_every_validating_pattern_refuses_a_trailing_newline() -> None:
    from chalicelib.domain import validation

    for pattern, good in ((validation.EMAIL_RE, "ana@cliente.test"), (validation.ID_RE, "acc-1"),
                          (validation.CURRENCY_RE, "COP"), (validation.PHONE_RE, "+57 300 111 2233"),
                          (validation.SLUG_RE, "acme")):
        assert pattern.match(good) and pattern.fullmatch(good), pattern
        for bad in (good + "\n", good + "\r\n", "\n" + good):
            # .match too: handlers/billing.py checks ?currency= with CURRENCY_RE.match
            assert not pattern.match(bad) and not pattern.search(bad), (pattern, bad)


def test_nit_slug_and_statement_parameters_refuse_a_trailing_newline() -> None:
    import argparse
    from datetime import date

    from chalicelib import cli
    from chalicelib.domain import billing
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.tax_ids import nit_problem

    assert nit_problem("900123456-8") is None and nit_problem("900123456-8\n") is not None
    assert cli._slug("acme") == "acme"
    with pytest.raises(argparse.ArgumentTypeError):
        cli._slug("acme\n")
    today = date(2026, 11, 23)
    assert billing.statement_period({"year": "2026", "period": "11"}, today=today).start == date(2026, 11, 1)
    for params, field in (({"year": "2026\n"}, "year"), ({"year": "2026", "period": "11\n"}, "period"),
                          ({"from": "2026-11-01\n", "to": "2026-11-20"}, "from")):
        with pytest.raises(ValidationFailed) as refused:
            billing.statement_period(params, today=today)
        assert field in refused.value.fields


def test_no_dollar_anchored_pattern_is_left_in_the_code() -> None:
    import re

    literal = re.compile(r"""re\.(?:compile|match|fullmatch|search)\(\s*r?(["'])(.*?)\1""")
    found = []
    for path in [ROOT / "app.py", *sorted(ROOT.glob("chalicelib/**/*.py")), *sorted(ROOT.glob("devtools/*.py"))]:
        for pattern in (match.group(2) for match in literal.finditer(path.read_text())):
            if pattern.endswith("$") and not pattern.endswith("\\$"):
                found.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert found == []


# --- 9. Control characters: refused where records are read, cleaned where mail headers are written -------------

CONTROLS = {"CR": "\r", "LF": "\n", "CRLF": "\r\n", "NUL": "\x00", "TAB": "\t", "ESC": "\x1b", "DEL": "\x7f",
            "NEL (C1)": "\x85", "CSI (C1)": "\x9b", "LINE SEPARATOR": "\u2028", "PARAGRAPH SEPARATOR": "\u2029"}


def _fields(read: Any, *args: Any, **kwargs: Any) -> set[str]:
    from chalicelib.domain.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        read(*args, **kwargs)
    return set(refused.value.fields)


@pytest.mark.parametrize("control", CONTROLS.values(), ids=CONTROLS.keys())
def test_names_subjects_and_emails_refuse_controls_naming_the_field(control: str) -> None:
    from chalicelib.domain import records

    account = {"name": "ACME S.A.S.", "tax_id": "900123456-8", "email": "cartera@acme.test",
               "account_executive": {"name": "Eva", "email": "eva@acme.test"}}
    for path, body in (("name", {**account, "name": f"ACME{control}Bcc: eve@evil.test"}),
                       ("name", {**account, "name": f"ACME{control}"}),  # even at the end, where strip() hid it
                       ("email", {**account, "email": f"cartera{control}@acme.test"}),
                       ("city", {**account, "city": f"Cali{control}"}),
                       ("account_executive.name", {**account, "account_executive": {"name": f"Eva{control}X",
                                                                                     "email": "eva@acme.test"}}),
                       ("account_executive.email", {**account, "account_executive": {
                           "name": "Eva", "email": f"eva@acme.test{control}Bcc: eve@evil.test"}})):
        assert _fields(records.read_account, body, default_currency="COP") == {path}, (path, body)

    invoice = {"account_id": "acc-1", "number": "FV-1", "issue_date": "2026-01-10", "due_date": "2026-02-09",
               "currency": "COP", "total": 100, "balance": 100, "salesperson": {"name": "Sara", "email": "s@acme.test"}}
    assert _fields(records.read_document, "invoice", {**invoice, "number": f"FV{control}1"}) == {"number"}
    assert _fields(records.read_document, "invoice", {
        **invoice, "salesperson": {"name": f"Sara{control}", "email": "s@acme.test"}}) == {"salesperson.name"}


def test_multi_line_text_keeps_line_breaks_and_tabs_but_not_other_controls() -> None:
    from chalicelib.domain import attachments, records

    invoice = {"account_id": "acc-1", "number": "FV-1", "issue_date": "2026-01-10", "due_date": "2026-02-09",
               "currency": "COP", "total": 100, "balance": 100,
               "description": "Servicio de noviembre\r\n\tsegunda línea",
               "lines": [{"description": "Uno\ndos", "quantity": 1, "unit_price": 100, "total": 100}]}
    document = records.read_document("invoice", invoice)
    assert document.extra["description"] == "Servicio de noviembre\r\n\tsegunda línea"
    assert attachments.read_comment({"body": "Pagado.\nAdjunto soporte."}).body == "Pagado.\nAdjunto soporte."
    for control in ("\x00", "\x1b", "\x85", "\u2028"):
        assert _fields(records.read_document, "invoice", {**invoice, "description": f"a{control}b"}) == {"description"}
        assert _fields(attachments.read_comment, {"body": f"a{control}b"}) == {"body"}


def test_a_tenant_name_on_the_command_line_is_one_line() -> None:
    from chalicelib import cli

    parser = cli.build_parser()
    args = parser.parse_args(["tenant", "create", "acme", "--name", "ACME S.A.S.", "--portal-url", "https://p.test"])
    assert args.name == "ACME S.A.S."
    for bad in ("ACME\r\nBcc: eve@evil.test", "ACME\x00", "   "):
        with pytest.raises(SystemExit):
            parser.parse_args(["tenant", "create", "acme", "--name", bad, "--portal-url", "https://p.test"])


def _parsed(mail: Any, sender_name: str) -> Any:
    import email
    from email import policy

    from chalicelib.store import mailer

    raw = mailer.compose(mail, sender_name=sender_name, mail_from="portal@portico.test").as_bytes()
    return email.message_from_bytes(raw, policy=policy.default)


def test_mail_headers_from_stored_values_with_controls_are_cleaned_not_raised() -> None:
    from chalicelib.domain.mail import Mail

    mail = Mail(to=("ana@cliente.test\r\n",), subject="ACME\r\nBcc: eve@evil.test\x00: factura FV\u2028-1",
                text="Hola\x00 Ana\n", html="<p>Hola</p>")
    parsed = _parsed(mail, sender_name="ACME\nS.A.S.\x1b\u2029")
    assert sorted(parsed.keys()) == ["Content-Type", "Date", "From", "MIME-Version", "Subject", "To"]
    assert parsed["Subject"] == "ACME Bcc: eve@evil.test : factura FV -1"
    assert parsed["From"].addresses[0].display_name == "ACME S.A.S."
    assert parsed["From"].addresses[0].addr_spec == "portal@portico.test"
    assert parsed["To"] == "ana@cliente.test"


@pytest.mark.parametrize("local", ["0@[", ".:", "a;b,c", 'q"t', "x\\y<z>"])
def test_addresses_the_header_parser_cannot_take_still_compose(local: str) -> None:
    # Found by the property below: Python's address parser raises (some with an AttributeError) on specials.
    from chalicelib.domain.mail import Mail

    parsed = _parsed(Mail(to=(f"{local}@cliente.test",), subject="s", text="x", html="<p>x</p>"), "ACME")
    assert str(parsed["To"]).endswith("@cliente.test")


def test_any_header_text_composes() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from chalicelib.domain.mail import Mail
    from chalicelib.domain.validation import CONTROL_RE

    @settings(max_examples=300, deadline=None)
    @given(subject=st.text(max_size=300), sender=st.text(max_size=120), local=st.text(max_size=30))
    def composes(subject: str, sender: str, local: str) -> None:
        parsed = _parsed(Mail(to=(f"{local}@cliente.test",), subject=subject, text="x", html="<p>x</p>"), sender)
        assert "Bcc" not in parsed and "Cc" not in parsed
        for name in ("Subject", "From", "To"):
            assert not CONTROL_RE.search(str(parsed[name])), (name, str(parsed[name]))

    composes()


# --- 13. `make run` right after a stop: a port in TIME_WAIT is free ---------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_in_time_wait() -> int:
    """A port whose server closed a connection first (as `make run`'s servers do on Ctrl-C), so the server's
    end of it lingers in TIME_WAIT for a minute while nothing listens."""
    import socket

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as every server of the stack does
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: its end goes to TIME_WAIT once the client closes too
    assert client.recv(1) == b""
    client.close()
    listener.close()
    with socket.socket() as plain:  # the precondition: an ordinary bind is refused now
        with pytest.raises(OSError):
            plain.bind(("127.0.0.1", port))
    return port


def _ports(**chosen: int) -> Any:
    from devtools.stack import Ports

    return Ports(**{"ui": _free_port(), "api": _free_port(), "sandbox": _free_port(), "aws": _free_port(),
                    "dynamodb": _free_port(), **chosen})


def test_a_port_in_time_wait_is_free() -> None:
    from devtools.stack import busy_ports

    assert busy_ports(_ports(ui=_port_in_time_wait(), api=_port_in_time_wait())) == []


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0"])  # noqa: S104 - a listener on every interface
def test_a_listening_port_is_busy(address: str) -> None:
    import socket

    from devtools.stack import busy_ports

    for reuse in (0, 1):
        with socket.socket() as listener:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, reuse)
            listener.bind((address, 0))
            listener.listen()
            port = listener.getsockname()[1]
            assert busy_ports(_ports(api=port)) == [
                f"port {port} (API, set PORTICO_API_PORT to use another) is already in use"]


def test_every_server_of_the_stack_binds_a_port_in_time_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.server import ThreadedMotoServer

    from devtools import stack

    monkeypatch.delenv("AWS_EXECUTION_ENV", raising=False)  # chalice's local server sets it; restored after

    ports = _ports(ui=_port_in_time_wait(), api=_port_in_time_wait(), sandbox=_port_in_time_wait(),
                   aws=_port_in_time_wait())
    for server in (stack.portal_server(ports), stack.api_server(ports),
                   stack.sandbox_server(ports, stack.gateway_settings(ports))):
        assert server.server_address[1] in (ports.ui, ports.api, ports.sandbox)
        server.server_close()
    moto = ThreadedMotoServer(ip_address=stack.HOST, port=ports.aws, verbose=False)
    moto.start()
    moto.stop()
