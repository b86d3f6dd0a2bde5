"""``make run``: the whole of Pórtico on one machine, bound to 127.0.0.1.

Starts Amazon's DynamoDB Local (``devtools/dynamodb_local.py``) for DynamoDB and the AWS emulator (moto server) for
S3 and SES, creates the table, bucket and mail sender, seeds tenant ``demo`` (once: a second run adds nothing),
then serves the API (chalice local), the static portal (with a generated ``config.js``) and the
sandbox (mail outbox, PayU and Zona Virtual). The API is pointed at the sandbox's gateways
(``PORTICO_PAYU_CHECKOUT_URL``, ``PORTICO_PAYU_REPORTS_URL``, ``PORTICO_ZONAVIRTUAL_URL``) and the sandbox
knows the API (``PORTICO_API_URL``, the demo commerce's Zona Virtual return URL). Ctrl-C stops everything.
A busy port is reported by name with exit status 2.

What a developer loads survives a restart: DynamoDB Local keeps its tables in ``PORTICO_DATA_DIR`` (default
``.local/data``), and the files bucket, which moto holds in memory, is saved there on stop and restored on start.
``make reset`` deletes the folder. While the stack runs, ``.local/stack.env`` holds the variables that point the
``portico`` command (or the AWS CLI) at it.

Everything runs in this one process (``chalice local`` serves the app in a thread here), so the stack's clock
is one :class:`devtools.sandbox_gateways.ClockOffset`: installed into ``chalicelib.domain.clock.now`` (local
stage only) and handed to the sandbox, whose ``POST /sandbox/clock {"advance_minutes": N}`` moves the API's,
the reconciler loop's and the gateways' time forward together (``GET /sandbox/clock`` shows the offset;
``POST /sandbox/reconcile`` runs the reconciler at once). The offset lives as long as the process: a new
``make run`` starts at the real time. A separate ``portico`` command does not see it.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Ports:
    ui: int
    api: int
    sandbox: int
    aws: int
    dynamodb: int = 8003

    @classmethod
    def from_env(cls) -> Ports:
        def port(name: str, default: int) -> int:
            value = os.environ.get(name, str(default))
            if not value.isdigit() or not 0 < int(value) < 65536:
                raise SystemExit(f"{name} must be a port number, not {value!r}")
            return int(value)

        return cls(ui=port("PORTICO_UI_PORT", 8000), api=port("PORTICO_API_PORT", 8001),
                   sandbox=port("PORTICO_SANDBOX_PORT", 8002), aws=port("PORTICO_AWS_PORT", 5055),
                   dynamodb=port("PORTICO_DYNAMODB_PORT", 8003))

    def named(self) -> list[tuple[str, str, int]]:
        return [("portal UI", "PORTICO_UI_PORT", self.ui), ("API", "PORTICO_API_PORT", self.api),
                ("sandbox", "PORTICO_SANDBOX_PORT", self.sandbox), ("AWS emulator", "PORTICO_AWS_PORT", self.aws),
                ("DynamoDB Local", "PORTICO_DYNAMODB_PORT", self.dynamodb)]


def busy_ports(ports: Ports) -> list[str]:
    """The ports something listens on (or holds bound). A port whose last connections linger in TIME_WAIT after
    a stop is free: the probe binds with SO_REUSEADDR, as every server here does (http.server's and werkzeug's
    servers set it), and Linux still refuses that bind while a socket listens on the port (or holds it bound
    without SO_REUSEADDR)."""
    busy = []
    for label, variable, number in ports.named():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, number))
            except OSError:
                busy.append(f"port {number} ({label}, set {variable} to use another) is already in use")
    return busy


def api_origin(ports: Ports) -> str:
    return f"http://{HOST}:{ports.api}"


def sandbox_origin(ports: Ports) -> str:
    return f"http://{HOST}:{ports.sandbox}"


def data_dir() -> Path:
    """Where the stack keeps what survives a restart (``PORTICO_DATA_DIR``, default ``.local/data``)."""
    return Path(os.environ.get("PORTICO_DATA_DIR") or ROOT / ".local" / "data").resolve()


def aws_environment(ports: Ports) -> dict[str, str]:
    """The variables that point boto3 (the app, ``portico``, the AWS CLI) at the stack: DynamoDB Local for DynamoDB,
    moto for the rest."""
    return {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{HOST}:{ports.aws}",
        "AWS_ENDPOINT_URL_DYNAMODB": f"http://{HOST}:{ports.dynamodb}",
        "PORTICO_STAGE": "local",
    }


def configure_environment(ports: Ports) -> None:
    """The local stage's environment, set before the app is imported (CORS reads the portal origin); the
    payment gateways are the sandbox's."""
    sandbox = sandbox_origin(ports)
    os.environ.update({
        **aws_environment(ports),
        "PORTICO_PORTAL_ORIGIN": f"http://{HOST}:{ports.ui}",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        "POWERTOOLS_METRICS_NAMESPACE": "PorticoLocal",
        "PORTICO_API_URL": api_origin(ports),
        "PORTICO_PAYU_CHECKOUT_URL": f"{sandbox}/payu/checkout",
        "PORTICO_PAYU_REPORTS_URL": f"{sandbox}/payu/reports-api/4.0/service.cgi",
        "PORTICO_ZONAVIRTUAL_URL": f"{sandbox}/zonavirtual/Apis_CicloPago/api",
    })
    os.environ.pop("AWS_PROFILE", None)


class _PortalHandler(SimpleHTTPRequestHandler):
    config_js = b""

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(self.config_js)
            return
        super().do_GET()

    def end_headers(self) -> None:
        if not self.path.startswith("/config.js"):
            self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


def portal_server(ports: Ports) -> ThreadingHTTPServer:
    handler = type("PortalHandler", (_PortalHandler,), {
        "config_js": (
            "window.PORTICO_CONFIG = "
            f'{{"apiBase": "http://{HOST}:{ports.api}/v1", "tenant": "demo", '
            f'"sandbox": "http://{HOST}:{ports.sandbox}"}};\n'
        ).encode(),
    })
    return ThreadingHTTPServer((HOST, ports.ui), functools.partial(handler, directory=str(ROOT / "static_site")))


def access_log_wanted() -> bool:
    """``PORTICO_ACCESS_LOG=1`` prints a line for every API request; quiet by default."""
    return os.environ.get("PORTICO_ACCESS_LOG", "").strip().lower() in ("1", "true", "yes", "on")


_dynamodb_calls = threading.local()
DYNAMODB_CALLS_HEADER = "X-Portico-DynamoDB-Calls"


def count_dynamodb_calls() -> None:
    """Counts each thread's DynamoDB calls (PynamoDB's and boto3's), so the API can answer every request with how
    many it made: ``X-Portico-DynamoDB-Calls``, read by the scale bench and visible in a browser's network panel."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def counted(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            _dynamodb_calls.count = getattr(_dynamodb_calls, "count", 0) + 1
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]


def api_server(ports: Ports) -> Any:
    """chalice local's server. ``create_local_server`` also makes ``app.current_request`` a thread's own (its
    LocalChalice): the server answers each request on a thread, and concurrent requests must not read each other's
    bodies (aws/chalice#759). Its request handler is swapped for one that logs only with ``PORTICO_ACCESS_LOG`` and
    says how many DynamoDB calls the request made (:func:`count_dynamodb_calls`)."""
    from chalice.cli.factory import CLIFactory
    from chalice.local import ChaliceRequestHandler, create_local_server

    class RequestHandler(ChaliceRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            if access_log_wanted():
                super().log_message(format, *args)

        def handle_one_request(self) -> None:  # one request of a keep-alive connection (its thread's)
            _dynamodb_calls.count = 0
            super().handle_one_request()

        def _send_http_response(self, code: int, headers: Any, body: Any) -> None:
            counted = {**headers, DYNAMODB_CALLS_HEADER: str(getattr(_dynamodb_calls, "count", 0))}
            super()._send_http_response(code, counted, body)

    factory = CLIFactory(project_dir=str(ROOT))
    config = factory.create_config_obj(chalice_stage_name="local")
    server = create_local_server(config.chalice_app, config, HOST, ports.api).server
    server.RequestHandlerClass = functools.partial(RequestHandler, app_object=config.chalice_app, config=config)
    # http.server listens with a backlog of 5: more parallel clients than that see refused connections. Linux takes
    # a new backlog from a second listen().
    server.socket.listen(128)
    return server


def install_clock(offset: Any, *, stage: str) -> None:
    """Makes ``chalicelib.domain.clock.now`` add ``offset()`` — in the ``local`` stage only (anything else
    stops here: a moved clock must never reach a deployed stage)."""
    from chalicelib.domain import clock

    if stage != "local":
        raise SystemExit(f"make run: the clock can be moved in the local stage only, not {stage!r}")
    clock.set_offset_source(offset)


def _reconcile_now() -> Any:
    from chalicelib.services import reconciler

    return reconciler.reconcile_due()


def gateway_settings(ports: Ports, *, clock: Any = None) -> Any:
    """The sandbox's gateways: its public URL, the API's, and the demo tenant's Zona Virtual commerce returning
    to ``{api}/v1/gateways/zonavirtual/demo/callback`` (in real Zona Pagos, set in the commerce's panel).
    ``PORTICO_SANDBOX_TIMEOUT_SECONDS`` (default 12) is how long the ``"timeout"`` failure switches sleep.
    ``clock``: the stack's :class:`~devtools.sandbox_gateways.ClockOffset`, which the sandbox's control API
    moves; with it comes ``/sandbox/reconcile``."""
    from dataclasses import replace

    from devtools.sandbox_gateways import ZONAVIRTUAL_DEMO, GatewaySettings

    timeout = os.environ.get("PORTICO_SANDBOX_TIMEOUT_SECONDS", "12")
    try:
        seconds = float(timeout)
    except ValueError:
        raise SystemExit(f"PORTICO_SANDBOX_TIMEOUT_SECONDS must be a number of seconds, not {timeout!r}") from None
    api = api_origin(ports)
    return GatewaySettings(
        public_url=sandbox_origin(ports), api_base=api, timeout_seconds=seconds,
        zonavirtual_commerces=(replace(ZONAVIRTUAL_DEMO, return_url=f"{api}/v1/gateways/zonavirtual/demo/callback"),),
        clock=clock, reconcile=_reconcile_now if clock is not None else None,
    )


def sandbox_server(ports: Ports, gateways: Any) -> Any:
    from werkzeug.serving import make_server

    from devtools.sandbox import create_sandbox

    app = create_sandbox(aws_url=f"http://{HOST}:{ports.aws}", gateways=gateways)
    return make_server(HOST, ports.sandbox, app, threaded=True)


def _serve(server: Any, name: str) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    return thread


def reconciler_loop(stop: threading.Event, every_seconds: int) -> threading.Thread:
    """The 7-minute EventBridge schedule never fires locally (DESIGN §8): run the reconciler from a loop."""
    from chalicelib.observability import get_logger
    from chalicelib.services import reconciler

    def loop() -> None:
        while not stop.wait(every_seconds):
            try:
                reconciler.reconcile_due()
            except Exception:  # the loop outlives one bad run, like the schedule would
                get_logger().exception("local reconciler run failed")

    thread = threading.Thread(target=loop, name="reconciler", daemon=True)
    thread.start()
    return thread


MANIFEST = "manifest.json"


def save_files(folder: Path) -> int:
    """Copies the files bucket (moto holds it in memory) into ``folder``: one file an object, and a manifest of
    keys and content types. Returns how many were saved."""
    from chalicelib.config import get_settings
    from chalicelib.store import db

    s3, bucket = db.client("s3"), get_settings().bucket
    saved = folder.with_name(folder.name + ".new")
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir(parents=True)
    manifest: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            got = s3.get_object(Bucket=bucket, Key=entry["Key"])
            name = f"{len(manifest):06d}"
            (saved / name).write_bytes(got["Body"].read())
            manifest.append({"key": entry["Key"], "file": name, "content_type": got.get("ContentType", ""),
                             "metadata": got.get("Metadata", {})})
    (saved / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False))
    shutil.rmtree(folder, ignore_errors=True)
    saved.rename(folder)  # whole or not at all: a stop interrupted while saving keeps the previous copy
    return len(manifest)


def restore_files(folder: Path) -> int:
    """Puts back what :func:`save_files` saved; returns how many objects."""
    from chalicelib.config import get_settings
    from chalicelib.store import db

    if not (folder / MANIFEST).exists():
        return 0
    s3, bucket = db.client("s3"), get_settings().bucket
    manifest = json.loads((folder / MANIFEST).read_text())
    for entry in manifest:
        extra = {"ContentType": entry["content_type"]} if entry["content_type"] else {}
        s3.put_object(Bucket=bucket, Key=entry["key"], Body=(folder / entry["file"]).read_bytes(),
                      Metadata=entry["metadata"], **extra)
    return len(manifest)


def write_stack_env(ports: Ports) -> Path:
    """``.local/stack.env``: ``set -a; . .local/stack.env; set +a`` points ``portico`` and the AWS CLI at this
    stack."""
    path = ROOT / ".local" / "stack.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name}={value}\n" for name, value in aws_environment(ports).items()))
    return path


def say(line: str) -> None:
    print(f"make run: {line}", flush=True)


def main() -> int:
    ports = Ports.from_env()
    problems = busy_ports(ports)
    if problems:
        for problem in problems:
            print(f"make run: {problem}", file=sys.stderr)
        return 2
    from devtools.dynamodb_local import DynamoDBLocal, NotAvailable, ensure_installed, java_command
    from devtools.sandbox_gateways import ClockOffset

    offset = ClockOffset()
    gateways = gateway_settings(ports, clock=offset)
    started = time.monotonic()
    configure_environment(ports)
    for noisy in ("werkzeug", "moto", "botocore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    sys.path.insert(0, str(ROOT))

    data = data_dir()
    dynamodb = DynamoDBLocal(ports.dynamodb, data_dir=data / "dynamodb", log=data / "dynamodb-local.log", say=say)
    try:
        java_command(say)
        ensure_installed(say)  # the first run: one line a step
        say(f"starting DynamoDB Local on {HOST}:{ports.dynamodb} (data in {data})…")
        dynamodb.launch()
    except NotAvailable as missing:
        print(f"make run: {missing}", file=sys.stderr)
        return 1

    from moto.server import ThreadedMotoServer

    say(f"starting the AWS emulator for S3 and SES (moto) on {HOST}:{ports.aws}…")
    moto_server = ThreadedMotoServer(ip_address=HOST, port=ports.aws, verbose=False)
    moto_server.start()

    from chalicelib.config import get_settings
    from chalicelib.demo import seed_demo
    from chalicelib.store import db

    try:
        dynamodb.wait_ready()
    except NotAvailable as failed:
        moto_server.stop()
        print(f"make run: {failed}", file=sys.stderr)
        return 1
    install_clock(offset, stage=get_settings().stage)
    count_dynamodb_calls()
    db.create_resources()
    restored = restore_files(data / "files")
    say(f"seeding tenant demo (once; {restored} stored files restored)…")
    demo = seed_demo(api_key=get_settings().demo_api_key, portal_url=f"http://{HOST}:{ports.ui}")
    servers = [(api_server(ports), "api"), (portal_server(ports), "portal"),
               (sandbox_server(ports, gateways), "sandbox")]
    for server, name in servers:
        _serve(server, name)
    stack_env = write_stack_env(ports)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    reconciler_loop(stop, get_settings().reconcile_seconds)
    elapsed = time.monotonic() - started
    print(
        f"\nPórtico is ready ({elapsed:.1f} s)\n"
        f"  portal      http://{HOST}:{ports.ui}/\n"
        f"  API         http://{HOST}:{ports.api}/v1   (OpenAPI: /v1/openapi.json)\n"
        f"  mail outbox http://{HOST}:{ports.sandbox}/mail\n"
        f"  gateways    http://{HOST}:{ports.sandbox}/   (PayU, Zona Virtual; control API /sandbox/…)\n"
        f"  clock       POST http://{HOST}:{ports.sandbox}/sandbox/clock {{\"advance_minutes\": N}} moves it\n"
        f"  reconciler  every {get_settings().reconcile_seconds} s (PORTICO_RECONCILE_SECONDS)\n"
        f"  DynamoDB    http://{HOST}:{ports.dynamodb}   (DynamoDB Local; data kept in {data}, make reset wipes it)\n"
        f"  S3, SES     http://{HOST}:{ports.aws}   (moto)\n"
        f"  portico     set -a; . {stack_env.relative_to(ROOT)}; set +a   then .venv/bin/portico …\n"
        f"  access log  {'on' if access_log_wanted() else 'off (PORTICO_ACCESS_LOG=1 prints every request)'}\n\n"
        f"  tenant {demo['tenant']}, integrator key: {demo['api_key']}\n"
        f"  demo logins (password {demo['password']}):\n"
        + "".join(f"    {email:38} {what}\n" for email, what in demo["logins"].items())
        + f"  invited, no password yet: {demo['invited']}\n\nCtrl-C stops everything.",
        flush=True,
    )
    stop.wait()
    print("\nstopping…", flush=True)
    for server, _ in servers:
        server.shutdown()
    try:
        say(f"saved {save_files(data / 'files')} stored files to {data / 'files'}")
    finally:
        stack_env.unlink(missing_ok=True)
        moto_server.stop()
        dynamodb.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
