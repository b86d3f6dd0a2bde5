"""Hardening (issue 10) through the API: path ids, control characters, per-request log keys."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.integration.conftest import API_KEY, OTHER_API_KEY
from tests.support import ALL_MODULES, call, grant

# --- 6. A path id that cannot be one of ours is answered like an unknown one --------------------------------------

BAD_IDS = {
    "newline": "inv-1\n",
    "carriage return": "inv-1\r",
    "nul": "inv-1\x00",
    "line separator": "inv-1\u2028",
    "overlong": "i" * 65,
    "far too long": "i" * 3000,  # past DynamoDB's key size: a ValidationException (500) if it reached the table
    "slash": "inv/1",
}
# Routes that name a record in their path, with the credential that reaches them.
ROUTES = [
    ("GET", "/v1/portal/invoices/{invoice_id}", "portal"),
    ("GET", "/v1/portal/invoices/{invoice_id}/pdf", "portal"),
    ("GET", "/v1/portal/invoices/{invoice_id}/comments", "portal"),
    ("GET", "/v1/portal/payments/{payment_id}", "portal"),
    ("POST", "/v1/portal/payments/{payment_id}/cancel", "portal"),
    ("GET", "/v1/portal/payments/{payment_id}/receipt", "portal"),
    ("GET", "/v1/integration/accounts/{account_id}", "integrator"),
    ("GET", "/v1/integration/contacts/{contact_id}", "integrator"),
    ("POST", "/v1/integration/contacts/{contact_id}/invite", "integrator"),
    ("GET", "/v1/integration/invoices/{doc_id}", "integrator"),
    ("GET", "/v1/integration/receipts/{doc_id}", "integrator"),
    ("GET", "/v1/integration/invoices/{doc_id}/comments", "integrator"),
]


def api_gateway(method: str, resource: str, value: str, *, token: str, body: Any = None) -> tuple[int, Any]:
    """Calls the app the way API Gateway does, with ``value`` as the route's one path parameter: API Gateway
    URL-decodes path parameters before the Lambda sees them (``chalice local`` and the test client pass them
    on still encoded, so ``%0A`` never reaches a view as a newline there). Returns (status, JSON body)."""
    from chalice.local import LambdaContext

    from app import app

    name = resource[resource.index("{") + 1:resource.index("}")]
    path = resource.replace("{" + name + "}", "x")
    event = {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"authorization": f"Bearer {token}", "content-type": "application/json"},
        "multiValueQueryStringParameters": None,
        "pathParameters": {name: value},
        "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "path": f"/api{path}", "stage": "api",
                           "identity": {"sourceIp": "203.0.113.9"}},
        "body": json.dumps(body if body is not None else {}) if method in ("POST", "PUT") else None,
        "isBase64Encoded": False,
    }
    response = app(event, LambdaContext("api_handler", 1024))
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


@pytest.fixture
def users(world: Any) -> dict[str, str]:
    world.account("acc-1")
    world.put("invoices/inv-1", {"account_id": "acc-1", "number": "FV-1", "issue_date": "2026-01-10",
                                 "due_date": "2026-02-09", "currency": "COP", "total": 100_00, "balance": 100_00})
    return {"portal": world.portal_user("c-1", "acc-1", grant(*ALL_MODULES, actions={
        "billing": ["view", "download", "comment"], "payments": ["view", "pay"]})), "integrator": API_KEY}


def test_a_decoded_bad_path_id_is_a_404_like_an_unknown_one(users: dict[str, str]) -> None:
    for method, resource, credential in ROUTES:
        for why, bad in BAD_IDS.items():
            status, body = api_gateway(method, resource, bad, token=users[credential])
            assert (status, body["error"]["code"]) == (404, "not_found"), (method, resource, why, body)


def test_an_encoded_bad_path_id_is_a_404_like_an_unknown_one(client: Any, users: dict[str, str]) -> None:
    # As `chalice local` (make run) and the test client hand them over: still percent-encoded.
    for method, resource, credential in ROUTES:
        for suffix in ("%0A", "%00", "%0D%0A", "%E2%80%A8", "i" * 64):
            path = re.sub(r"\{[a-z_]+\}", "inv-1" + suffix, resource)
            reply = call(client, method, path, token=users[credential], body={} if method == "POST" else None)
            assert (reply.status, reply.body["error"]["code"]) == (404, "not_found"), (method, resource, suffix)


def test_good_ids_still_reach_their_records(client: Any, users: dict[str, str]) -> None:
    assert call(client, "GET", "/v1/portal/invoices/inv-1", token=users["portal"]).status == 200
    assert call(client, "GET", "/v1/integration/invoices/inv-1", token=API_KEY).status == 200
    assert call(client, "GET", "/v1/integration/accounts/acc-1", token=API_KEY).status == 200
    assert api_gateway("GET", "/v1/portal/invoices/{invoice_id}", "inv-1", token=users["portal"])[0] == 200
    # An unknown but well-formed id keeps its own code.
    status, body = api_gateway("GET", "/v1/portal/invoices/{invoice_id}", "inv-2", token=users["portal"])
    assert (status, body["error"]["code"]) == (404, "document_not_found")


def test_a_put_with_a_bad_id_is_a_422_naming_it(users: dict[str, str]) -> None:
    # A PUT names the record it creates: an id that can never be one is the integrator's input error.
    for bad in ("acc-2\n", "acc-2\x00", "a" * 65):
        status, reply = api_gateway("PUT", "/v1/integration/accounts/{account_id}", bad, token=API_KEY,
                                    body={"name": "Cliente", "tax_id": "900123456-8"})
        assert status == 422 and set(reply["error"]["details"]["fields"]) == {"account_id"}, (bad, reply)


@pytest.mark.parametrize(("query", "field"), [("year=2026%0A", "year"), ("year=2026&period=11%0A", "period"),
                                              ("currency=COP%0A", "currency")])
def test_a_query_value_with_a_trailing_newline_is_refused(client: Any, users: dict[str, str], query: str,
                                                          field: str) -> None:
    reply = call(client, "GET", f"/v1/portal/statement?{query}", token=users["portal"])
    assert reply.status == 422 and field in reply.body["error"]["details"]["fields"], reply.body


# --- 9. Control characters in names, subjects and emails ----------------------------------------------------------

INJECTIONS = ("\r\nBcc: eve@evil.test", "\n", "\x00", "\x85", "\u2028")


def test_the_integrator_api_refuses_controls_naming_the_field(world: Any) -> None:
    from tests.support import sent_mail

    world.account("acc-1")
    for control in INJECTIONS:
        cases = [
            ("contacts/c-1", {"account_id": "acc-1", "name": f"Ana{control}", "email": "ana@cliente.test"}, "name"),
            ("contacts/c-1", {"account_id": "acc-1", "name": "Ana", "email": f"ana@cliente.test{control}"}, "email"),
            ("accounts/acc-2", {"name": f"Cliente{control}S.A.S.", "tax_id": "900123456-8"}, "name"),
            ("accounts/acc-2", {"name": "Cliente", "tax_id": "900123456-8",
                                "account_executive": {"name": f"Eva{control}", "email": "eva@acme.test"}},
             "account_executive.name"),
            ("invoices/inv-1", {"account_id": "acc-1", "number": f"FV-1{control}", "issue_date": "2026-01-10",
                                "due_date": "2026-02-09", "currency": "COP", "total": 100, "balance": 100}, "number"),
            ("invoices/inv-1", {"account_id": "acc-1", "number": "FV-1", "issue_date": "2026-01-10",
                                "due_date": "2026-02-09", "currency": "COP", "total": 100, "balance": 100,
                                "salesperson": {"name": "Sara", "email": f"sara@acme.test{control}"}},
             "salesperson.email"),
        ]
        for path, body, field in cases:
            reply = call(world.client, "PUT", f"/v1/integration/{path}", token=API_KEY, body=body)
            assert reply.status == 422, (path, repr(control), reply.body)
            assert set(reply.body["error"]["details"]["fields"]) == {field}, (path, repr(control), reply.body)
    assert call(world.client, "GET", "/v1/integration/contacts/c-1", token=API_KEY).status == 404
    assert sent_mail() == []


def test_a_stored_name_with_controls_cannot_make_a_mail_fail_after_the_write(world: Any) -> None:
    # Given data stored before this validation existed: a tenant name (the sender name, and the start of
    # every subject) and an account name with line breaks.
    from chalicelib.store import tenants
    from tests.support import sent_mail

    tenants.update("acme", name="Acme\r\nBcc: eve@evil.test\u2028S.A.S.")
    world.account("acc-1")
    # When a contact is given access (the write) and its invitation goes out
    reply = call(world.client, "PUT", "/v1/integration/contacts/c-1", token=API_KEY,
                 body={"account_id": "acc-1", "name": "Ana", "email": "ana@cliente.test", "portal": grant("billing")})
    assert reply.status == 201, reply.body
    resent = call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY, body={})
    # Then both mails are sent, with one-line headers and no smuggled recipient.
    assert resent.status == 202, resent.body
    mails = sent_mail()
    assert [set(m["to"]) for m in mails] == [{"ana@cliente.test"}] * 2  # moto adds the To header's again
    assert {m["subject"] for m in mails} == {"Acme Bcc: eve@evil.test S.A.S.: tu acceso al portal de clientes"}
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    for message in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        headers = message.raw_data.split("\n\n", 1)[0]
        assert "\nBcc:" not in headers and "\r" not in headers.replace("\r\n", "\n")
        assert '\nFrom: "Acme Bcc: eve@evil.test S.A.S." <portal@portico.test>' in headers.replace("\r\n", "\n")


# --- 11. The logger's per-request keys end with the request ---------------------------------------------------


def test_a_warm_request_does_not_log_the_previous_requests_tenant(world: Any, log_lines: list[Any]) -> None:
    from chalicelib.config import get_settings
    from chalicelib.store import db

    # Given a portal user of each tenant, and SES refusing to send (so both requests below log a line)
    world.account("acc-1")
    world.contact("c-1", "acc-1", grant("billing"))
    world.account("acc-9", key=OTHER_API_KEY)
    world.contact("c-9", "acc-9", grant("billing"), key=OTHER_API_KEY, email="gina@globex.test")
    db.client("ses").delete_identity(Identity=get_settings().mail_from)
    del log_lines[:]

    # When acme's integrator makes a request (the handler appends tenant=acme, caller=integrator)
    first = call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY, body={})
    assert first.status == 503, first.body
    acme = list(log_lines)
    assert acme and all(line["tenant"] == "acme" and line["caller"] == "integrator" for line in acme), acme
    del log_lines[:]

    # and then the same warm function serves a public, unauthenticated request for the other tenant
    second = call(world.client, "POST", "/v1/auth/password/forgot", body={"tenant": "globex",
                                                                          "email": "gina@globex.test"})
    assert second.status == 202, second.body

    # Then none of its lines carries the first request's keys.
    assert [line["message"] for line in log_lines] == ["mail not sent", "password reset mail not sent"]
    assert [line.get("tenant") for line in log_lines] == [None, "globex"]
    assert not any("caller" in line or "account" in line for line in log_lines), log_lines
