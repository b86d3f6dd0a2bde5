"""Fixtures and helpers for the payment tests: the real gateway sandbox (devtools/sandbox_gateways.py) served
over HTTP on 127.0.0.1 inside the test process, a movable clock, and a portal user who pays.

The API is the chalice test ``Client`` (no HTTP server), so the sandbox cannot call it back: PayU's
confirmation POSTs are captured instead of sent (``sandbox.post_form`` is replaced) and the tests deliver
them through the test client, form-encoded, exactly as PayU would post them. Zona Virtual's browser callback
(``callback_url`` from the control API) is likewise followed through the test client. Everything the API asks
the gateways (checkout start, Reports API, VerificacionPago) goes over real HTTP to the sandbox — moto's
``mock_aws`` lets plain HTTP to 127.0.0.1 through.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from tests.integration.conftest import API_KEY, TENANT
from tests.support import PASSWORD, Reply, call, grant, set_password_hash

if TYPE_CHECKING:
    from collections.abc import Iterator

API_BASE = "http://api.portico.test"  # PORTICO_API_URL: only ever parsed back into a test-client path
PAYU_CREDENTIALS = {"merchant_id": "508029", "account_id": "512321", "api_key": "4Vj8eK4rloUd272L48hsrarnUA",
                    "api_login": "pRRXKOl8ikMmt9u", "algorithm": "SHA256", "test": True}
ZONAVIRTUAL_CREDENTIALS = {"commerce_id": 31685, "user": "PorticoDemo", "password": "PorticoDemo2026", "test": True}
PAYMENT_ACTIONS = {"billing": ["view", "download"], "payments": ["view", "pay"]}


# --- the gateway sandbox ---------------------------------------------------------------------------------------


@dataclass
class SandboxServer:
    """The sandbox app served on 127.0.0.1:<free port> in a daemon thread (one per test module)."""

    url: str
    gateways: Any  # devtools.sandbox_gateways.GatewaySandbox
    server: Any
    outbox: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def capture(self, url: str, form: dict[str, str]) -> int | None:
        """Stands in for the sandbox's HTTP POST of a confirmation: kept for the test to deliver."""
        with self.lock:
            self.outbox.append((url, dict(form)))
        return 200


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    import logging

    from werkzeug.serving import make_server

    from devtools.sandbox import create_sandbox
    from devtools.sandbox_gateways import ZONAVIRTUAL_DEMO, GatewaySettings

    # public_url None: links (Zona Virtual's pay page) use the request's host, i.e. this server.
    settings = GatewaySettings(
        api_base=API_BASE, timeout_seconds=1.0, http_timeout_seconds=2.0,
        zonavirtual_commerces=(replace(ZONAVIRTUAL_DEMO,
                                       return_url=f"{API_BASE}/v1/gateways/zonavirtual/{TENANT}/callback"),))
    app = create_sandbox(aws_url="http://127.0.0.1:9", gateways=settings)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line a request otherwise
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="gateway-sandbox", daemon=True)
    thread.start()
    box = SandboxServer(url=f"http://127.0.0.1:{server.server_port}", gateways=app.extensions["gateways"],
                        server=server)
    box.gateways.post_form = box.capture
    box.gateways.get_url = lambda url: None  # callbacks are followed by the tests, through the test client
    try:
        yield box
    finally:
        server.shutdown()


class Sandbox:
    """The running sandbox as a test sees it: its control API, its switches and PayU's captured confirmations."""

    def __init__(self, server: SandboxServer):
        self.server = server
        self.url = server.url

    def control(self, method: str, path: str, body: dict[str, Any] | None = None, expect: int = 200) -> Any:
        response = requests.request(method, f"{self.url}{path}", json=body, timeout=10)
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()

    def switches(self, **values: Any) -> dict[str, Any]:
        return self.control("POST", "/sandbox/switches", values)

    def reset(self) -> None:
        self.control("POST", "/sandbox/reset")
        with self.server.lock:
            self.server.outbox.clear()

    def state(self) -> dict[str, Any]:
        return self.control("GET", "/sandbox/state")

    # PayU

    def payu_checkout(self, payment: dict[str, Any], expect: int = 200) -> requests.Response:
        """What the browser does with the checkout: POSTs its fields to the WebCheckout URL."""
        checkout = payment["checkout"]
        assert checkout["method"] == "POST", checkout
        response = requests.post(checkout["url"], data=checkout["fields"], timeout=10)
        assert response.status_code == expect, response.text
        return response

    def payu_resolve(self, reference: str, state: str, method: str | None = None, bank: str | None = None
                     ) -> dict[str, Any]:
        body: dict[str, Any] = {"state": state}
        if method:
            body["method"] = method
        if bank:
            body["bank"] = bank
        return self.control("POST", f"/sandbox/payu/{reference}/resolve", body)

    def take_confirmations(self) -> list[dict[str, str]]:
        """The confirmation forms the sandbox 'sent' since the last call, in the order it sent them."""
        with self.server.lock:
            forms = [form for _, form in self.server.outbox]
            self.server.outbox.clear()
        return forms

    # Zona Virtual

    def zv_resolve(self, reference: str, state: str, method: str = "CARD", **extra: Any) -> dict[str, Any]:
        return self.control("POST", f"/sandbox/zonavirtual/{reference}/resolve",
                            {"state": state, "method": method, **extra})


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    """Points the API at the sandbox. Must be set up before ``aws``/``client`` (they read the settings):
    test modules use it as an autouse fixture, which pytest sets up before the requested ones."""
    from chalicelib.config import reset_settings
    from chalicelib.store import gateways

    url = sandbox_server.url
    monkeypatch.setenv("PORTICO_PAYU_CHECKOUT_URL", f"{url}/payu/checkout")
    monkeypatch.setenv("PORTICO_PAYU_REPORTS_URL", f"{url}/payu/reports-api/4.0/service.cgi")
    monkeypatch.setenv("PORTICO_ZONAVIRTUAL_URL", f"{url}/zonavirtual/Apis_CicloPago/api")
    monkeypatch.setenv("PORTICO_API_URL", API_BASE)
    reset_settings()
    gateways.forget_cache()
    box = Sandbox(sandbox_server)
    box.reset()
    try:
        yield box
    finally:
        box.reset()
        gateways.forget_cache()
        reset_settings()


def one_request_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS requests made one at a time. moto is not thread-safe (the reconciler checks payments in a thread pool)
    and DynamoDB makes each request atomic and isolated anyway, so this models DynamoDB while threads still
    interleave freely between their requests."""
    import botocore.client

    lock = threading.Lock()
    real_call = botocore.client.BaseClient._make_api_call

    def atomic(self: Any, operation: str, params: Any) -> Any:
        with lock:
            return real_call(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", atomic)


# --- time ---------------------------------------------------------------------------------------------------------


class Clock:
    """``chalicelib.domain.clock.now`` moved forward by ``offset`` (the real clock keeps running)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        from chalicelib.domain import clock

        self.real = clock.now
        self.offset = timedelta(0)
        monkeypatch.setattr(clock, "now", lambda: self.real() + self.offset)

    def advance(self, **delta: float) -> datetime:
        self.offset += timedelta(**delta)
        return self.now()

    def now(self) -> datetime:
        return self.real() + self.offset


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


# --- a portal user who pays -----------------------------------------------------------------------------------


def to_path(url: str) -> str:
    """A URL of the API (PORTICO_API_URL) as a test-client path."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == API_BASE, url
    return parts.path + (f"?{parts.query}" if parts.query else "")


@lru_cache(maxsize=1)
def cheap_password_hash() -> str:
    """An Argon2id hash of PASSWORD with tiny parameters: verifying it (they travel in the hash) takes well
    under a millisecond, where the production parameters take a third of a second on a loaded test machine."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def configure_gateways(tenant: str = TENANT, *, partial_payments: bool | None = None) -> None:
    from chalicelib.services import gateways

    gateways.configure(tenant, "payu", dict(PAYU_CREDENTIALS), partial_payments=partial_payments)
    gateways.configure(tenant, "zonavirtual", dict(ZONAVIRTUAL_CREDENTIALS))


class Payer:
    """A portal user with payments (view, pay) and billing (view) of one account, and the integrator next to it."""

    def __init__(self, world: Any, sandbox: Sandbox | None, *, account_id: str = "acc-1", contact_id: str = "c-1",
                 tenant: str = TENANT, key: str = API_KEY, portal: dict[str, Any] | None = None,
                 new_account: bool = True):
        self.world, self.client, self.sandbox = world, world.client, sandbox
        self.account_id, self.contact_id, self.tenant, self.key = account_id, contact_id, tenant, key
        self.email = f"{contact_id}@cliente.test"
        if new_account:
            world.account(account_id, key=key)
        world.put(f"contacts/{contact_id}", {
            "account_id": account_id, "name": f"Persona {contact_id}", "email": self.email,
            "portal": portal or grant("billing", "payments", actions=PAYMENT_ACTIONS)}, key)
        set_password_hash(tenant, contact_id, cheap_password_hash())
        self.token = self.relogin()

    def relogin(self) -> str:
        """Signs in through the API (a fresh session, e.g. after moving the clock past the idle limit)."""
        reply = call(self.client, "POST", "/v1/auth/login",
                     body={"tenant": self.tenant, "email": self.email, "password": PASSWORD})
        assert reply.status == 200, reply.body
        self.token = reply.body["token"]
        return self.token

    # the ERP

    def invoice(self, doc_id: str, balance: int, *, total: int | None = None, currency: str = "COP",
                issued: str | None = None, **extra: Any) -> dict[str, Any]:
        from tests.support import today

        day = issued or today().isoformat()
        return self.world.put(f"invoices/{doc_id}", {
            "account_id": self.account_id, "number": doc_id.upper(), "issue_date": day, "due_date": day,
            "currency": currency, "total": total if total is not None else balance, "balance": balance, **extra},
            self.key)

    def erp_invoice(self, doc_id: str) -> dict[str, Any]:
        reply = call(self.client, "GET", f"/v1/integration/invoices/{doc_id}", token=self.key)
        assert reply.status == 200, reply.body
        return reply.body

    def balance(self, doc_id: str) -> int:
        return int(self.erp_invoice(doc_id)["balance"])

    def events(self, *types: str) -> list[dict[str, Any]]:
        reply = call(self.client, "GET", "/v1/integration/events?limit=200", token=self.key)
        assert reply.status == 200, reply.body
        return [e for e in reply.body["items"] if not types or e["type"] in types]

    # the portal

    def portal(self, method: str, path: str, **kwargs: Any) -> Reply:
        return call(self.client, method, f"/v1/portal/{path}", token=self.token, **kwargs)

    def ok(self, path: str) -> Any:
        reply = self.portal("GET", path)
        assert reply.status == 200, (path, reply.body)
        return reply.body

    def receivables(self) -> dict[str, int]:
        """Invoice id → visible balance, of the open invoices the portal lists."""
        return {row["id"]: row["balance"] for row in self.ok("receivables")["invoices"]}

    def create(self, *items: str | tuple[str, int], gateway: str = "payu", key: str | None = None) -> Reply:
        body = {"gateway": gateway, "items": [{"invoice_id": i} if isinstance(i, str)
                                              else {"invoice_id": i[0], "amount": i[1]} for i in items]}
        return self.portal("POST", "payments", body=body, headers={"Idempotency-Key": key} if key else None)

    def pay(self, *items: str | tuple[str, int], gateway: str = "payu", key: str | None = None,
            at_gateway: bool = True) -> dict[str, Any]:
        """A created payment; for PayU, its checkout form posted to the sandbox too (unless ``at_gateway``)."""
        reply = self.create(*items, gateway=gateway, key=key)
        assert reply.status == 201, reply.body
        if gateway == "payu" and at_gateway:
            assert self.sandbox is not None
            self.sandbox.payu_checkout(reply.body)
        return reply.body

    def payment(self, payment_id: str) -> dict[str, Any]:
        return self.ok(f"payments/{payment_id}")

    # what the gateways send

    def confirm(self, form: dict[str, str], tenant: str | None = None) -> Reply:
        """PayU's confirmation POST (form-encoded) through the test client."""
        return call(self.client, "POST", f"/v1/gateways/payu/{tenant or self.tenant}/confirmation",
                    raw=urlencode(form), headers={"Content-Type": "application/x-www-form-urlencoded"})

    def deliver(self) -> list[Reply]:
        """Delivers every confirmation the sandbox sent since the last time, in its order."""
        assert self.sandbox is not None
        return [self.confirm(form) for form in self.sandbox.take_confirmations()]

    def payu(self, payment: dict[str, Any], state: str, method: str | None = None) -> dict[str, Any]:
        """The customer finishes at PayU with ``state``; its confirmation is delivered; returns the form."""
        assert self.sandbox is not None
        answer = self.sandbox.payu_resolve(payment["reference"], state, method)
        replies = self.deliver()
        assert [r.status for r in replies] == [200] * len(replies), [r.body for r in replies]
        return answer["confirmation"]["form"] if answer.get("confirmation") else {}

    def callback(self, url: str) -> Reply:
        """The browser back from Zona Virtual (a GET of the callback URL) through the test client."""
        return call(self.client, "GET", to_path(url))

    def zonavirtual(self, payment: dict[str, Any], state: str, method: str = "CARD", **extra: Any) -> Reply:
        assert self.sandbox is not None
        answer = self.sandbox.zv_resolve(payment["reference"], state, method, **extra)
        reply = self.callback(answer["callback_url"])
        assert reply.status == 302, reply.body
        return reply

    def reconcile(self) -> dict[str, int]:
        """One reconciler run, the way the 7-minute schedule invokes it (DESIGN §8)."""
        event = self.client.events.generate_cw_event(
            source="aws.events", detail_type="Scheduled Event", detail={},
            resources=["arn:aws:events:us-east-1:123456789012:rule/portico-reconcile_payments"])
        return self.client.lambda_.invoke("reconcile_payments", event).payload


def stored_payment(tenant: str, account_id: str, payment_id: str) -> dict[str, Any]:
    """A payment as stored (for checks at a moved clock, when the portal session has lapsed)."""
    from chalicelib.handlers.views.payments import payment as payment_json
    from chalicelib.store import keys
    from chalicelib.store.models import PaymentItem

    return payment_json(PaymentItem.get(keys.account(tenant, account_id), keys.payment_sk(payment_id),
                                        consistent_read=True))


def portal_allocations(tenant: str, account_id: str) -> list[Any]:
    """Every allocation of an approved portal payment in the account."""
    from chalicelib.store import keys
    from chalicelib.store.models import AllocationItem

    pk = keys.account(tenant, account_id)
    return [a for a in AllocationItem.query(pk, AllocationItem.sk.startswith("INV#"), consistent_read=True)
            if isinstance(a, AllocationItem) and a.doc_type == "portal_payment"]


def stored_payments(tenant: str, account_id: str) -> list[Any]:
    from chalicelib.store import keys
    from chalicelib.store.models import PaymentItem

    return list(PaymentItem.query(keys.account(tenant, account_id), PaymentItem.sk.startswith(keys.PAYMENT_PREFIX),
                                  consistent_read=True))


@pytest.fixture(autouse=True)
def gateways_at_the_sandbox(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """Autouse in the modules that bind it (``gateways_at_the_sandbox = payments_support.…``): the API points at
    the sandbox before ``aws``/``client`` read the settings, and moto's requests go one at a time."""
    one_request_at_a_time(monkeypatch)
    return sandbox


@pytest.fixture
def payer(world: Any, sandbox: Sandbox) -> Payer:
    """The tenant's customer, with both gateways configured at the sandbox."""
    configure_gateways()
    return Payer(world, sandbox)
