"""Isolation harness: every route, refused for every caller who must not reach it, with nothing leaked.

How to extend it (later modules): add one ``Case`` row to ``CASES`` for each new route — its method, the
path template exactly as in ``ROUTES``, ``auth``, ``module`` (for portal routes of a module) and a
``build`` function that turns a :class:`Target` (the records of one account) into the concrete path and
body. ``test_every_route_has_a_case`` fails until the row exists. Module rows join the module scenarios
on their own; rows whose records can be linked to one contact set ``own_scope=True`` and join the
``own``-scope scenario. When a module needs more records, create them in :func:`scene` under account
``acc-a`` with :data:`MARK` in every free-text field, so a leak of any of them is detected.

Scenarios:

- no credentials, a garbage bearer, or the wrong kind of credential → 401, nothing leaked or changed;
- another tenant's API key on integrator routes → the row's ``other_tenant`` statuses (401/404 unless
  the write lands in the caller's own tenant), nothing of this tenant leaked or changed;
- portal routes: a signed-out session → 401; an ended or not-yet-started grant → 403; a module the
  tenant disabled or the grant lacks → 404 ``module_not_enabled``; a contact of another account sees
  none of account ``acc-a``'s records or ids and changes nothing; a contact with ``own`` scope sees
  none of the records linked to another contact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pytest

import app as app_module  # registers every route in ROUTES
from chalicelib.handlers.http import ROUTES
from tests.integration.conftest import API_KEY, OTHER_API_KEY, TENANT
from tests.support import (
    ALL_MODULES,
    PASSWORD,
    Reply,
    call,
    grant,
    password_hash,
    rewrite_grant,
    set_password_hash,
    today,
)

if TYPE_CHECKING:
    from collections.abc import Callable

# Every free-text value of the victim account's records carries this mark (ids do not: they are echoed).
MARK = "Zqx7Victima"

# Routes anyone may call. A route made public, or no longer public, must be reviewed here.
PUBLIC = {
    ("POST", "/v1/auth/login"),
    ("POST", "/v1/auth/password/set"),
    ("POST", "/v1/auth/password/forgot"),
    ("GET", "/v1/openapi.json"),
    ("GET", "/v1/health"),
    ("GET", "/v1/tenants/{tenant}/public"),
    # a mailed attachment link: the token is the credential (tests/integration/test_uploads_hardening.py)
    ("GET", "/v1/attachment-links/{token}"),
    # a mailed reminder's opt-out link: the token is the credential (tests/integration/test_reminders.py)
    ("POST", "/v1/reminders/opt-out"),
    # gateway callbacks: verified by signature or by asking the gateway (tests/integration/test_payments.py)
    ("POST", "/v1/gateways/payu/{tenant}/confirmation"),
    ("GET", "/v1/gateways/payu/{tenant}/response"),
    ("GET", "/v1/gateways/zonavirtual/{tenant}/callback"),
}


# --- the world the scenarios run in -----------------------------------------------------------------------------


class Target:
    """One account's records as a request names them: the victim in refusal scenarios, or the caller's own.

    The account and its portal contact exist from the start; documents are created (with :data:`MARK`
    in every free-text field when ``marked``) the first time a row names them, which keeps the scenarios
    that do not need them cheap. A new module adds its records here the same way.
    """

    def __init__(self, client: Any, letter: str, *, marked: bool):
        self.client = client
        self.tenant = TENANT
        self.mark = f" {MARK}" if marked else ""
        self.account_id, self.contact_id = f"acc-{letter}", f"c-{letter}"
        self.email = f"{'alicia.' + MARK.lower() if marked else 'bruno'}@cliente-{letter}.test"
        self.documents: dict[str, str] = {}  # integrator path segment → id, for the documents created so far
        self._token: str | None = None
        self._session_id: str | None = None
        mark, lower = self.mark, self.mark.strip().lower()
        self.account_body = {
            "name": f"Cliente{mark} Ltda", "tax_id": "900123456-8", "city": f"Cali{mark}",
            "address": f"Calle 1{mark}", "email": f"cartera{'.' + lower if marked else ''}@cliente-{letter}.test",
            "account_executive": {"name": f"Eva{mark}", "email": "eva@acme.test"},
        }
        _put(client, f"accounts/{self.account_id}", self.account_body)
        _put(client, f"contacts/{self.contact_id}", {"account_id": self.account_id, "name": f"Alicia{mark}",
                                                     "email": self.email, "phone": "+57 300 111 2233",
                                                     "portal": full_grant(*ALL_MODULES)})
        set_password_hash(TENANT, self.contact_id, password_hash())

    def _document(self, segment: str, prefix: str, body: dict[str, Any]) -> str:
        doc_id = f"{prefix}-{self.account_id}"
        _put(self.client, f"{segment}/{doc_id}", {"account_id": self.account_id, "contact_id": self.contact_id,
                                                  "currency": "COP", **body})
        self.documents[segment] = doc_id
        return doc_id

    @cached_property
    def invoice_id(self) -> str:
        mark = self.mark
        return self._document("invoices", "inv", {
            "number": f"FV{mark}", "issue_date": "2026-01-10", "due_date": "2026-02-09", "total": 500_000_00,
            "balance": 400_000_00, "description": f"Factura{mark}",
            "salesperson": {"name": f"Sara{mark}", "email": "sara@acme.test"},
            "lines": [{"description": f"Servicio{mark}", "quantity": 1, "unit_price": 500_000_00,
                       "total": 500_000_00}],
        })

    @cached_property
    def credit_note_id(self) -> str:
        return self._document("credit-notes", "cn", {
            "number": f"NC{self.mark}", "issue_date": "2026-01-12", "total": 50_000_00,
            "reason": f"Devolución{self.mark}", "applied_to": [{"invoice_id": self.invoice_id, "amount": 50_000_00}]})

    @cached_property
    def debit_note_id(self) -> str:
        return self._document("debit-notes", "dn", {
            "number": f"ND{self.mark}", "issue_date": "2026-01-13", "total": 10_000_00,
            "reason": f"Intereses{self.mark}"})

    @cached_property
    def payment_id(self) -> str:
        """A payment of this target's contact (created through the portal, as a customer would)."""
        reply = call(self.client, "POST", "/v1/portal/payments", token=self.token(),
                     body={"gateway": "payu", "items": [{"invoice_id": self.invoice_id}]})
        assert reply.status == 201, reply.body
        return reply.body["id"]

    @cached_property
    def receipt_id(self) -> str:
        return self._document("receipts", "rc", {
            "number": f"RC{self.mark}", "issue_date": "2026-01-14", "total": 50_000_00,
            "method": f"Consignación{self.mark}", "applied_to": [{"invoice_id": self.invoice_id, "amount": 50_000_00}]})

    # --- sales (issue 13): the catalog is the tenant's (never marked); prices, orders and quotes are the account's

    @cached_property
    def sku(self) -> str:
        sku = f"sku-{self.account_id}"
        _put(self.client, f"products/{sku}", {"name": f"Producto {self.account_id}", "tax_rate": 1900})
        self.documents["products"] = sku
        return sku

    @cached_property
    def price_list_id(self) -> str:
        """The account's own price list (its name marked), assigned to it."""
        list_id = f"pl-{self.account_id}"
        _put(self.client, f"price-lists/{list_id}", {"name": f"Lista{self.mark}", "currency": "COP",
                                                    "items": [{"sku": self.sku, "unit_price": 12_345_00}]})
        _put(self.client, f"accounts/{self.account_id}", {**self.account_body, "price_list_id": list_id})
        self.documents["price-lists"] = list_id
        return list_id

    @cached_property
    def order_id(self) -> str:
        """An order of this target's contact, placed through the portal from its cart (notes marked)."""
        _ = self.price_list_id
        reply = call(self.client, "PUT", "/v1/portal/cart", token=self.token(),
                     body={"lines": [{"sku": self.sku, "qty": 2}]})
        assert reply.status == 200, reply.body
        reply = call(self.client, "POST", "/v1/portal/orders", token=self.token(),
                     body={"po_number": f"OC{self.mark}", "notes": f"Notas{self.mark}"})
        assert reply.status == 201, reply.body
        self.documents["orders"] = reply.body["id"]
        return str(reply.body["id"])

    @cached_property
    def quote_id(self) -> str:
        quote_id = f"q-{self.account_id}"
        _put(self.client, f"quotes/{quote_id}", {
            "account_id": self.account_id, "contact_id": self.contact_id, "number": f"COT{self.mark}",
            "issue_date": today().isoformat(), "valid_until": (today() + timedelta(days=30)).isoformat(),
            "currency": "COP", "notes": f"Notas{self.mark}",
            "lines": [{"sku": self.sku, "description": f"Linea{self.mark}", "qty": 1, "unit_price": 100,
                       "tax_rate": 1900}]})
        self.documents["quotes"] = quote_id
        return quote_id
    @cached_property
    def case_id(self) -> str:
        """A support case of this target's contact (opened through the portal, as a customer would)."""
        reply = call(self.client, "POST", "/v1/portal/cases", token=self.token(),
                     body={"subject": f"Caso{self.mark}", "description": f"Detalle{self.mark}",
                           "category": "technical"})
        assert reply.status == 201, reply.body
        self.documents["cases"] = reply.body["id"]
        return str(reply.body["id"])

    @cached_property
    def article_id(self) -> str:
        """A knowledge-base article only this target's account may read."""
        article_id = f"kb-{self.account_id}"
        _put(self.client, f"kb/{article_id}", {"title": f"Guía{self.mark}", "body_markdown": f"Texto{self.mark}",
                                               "category": "general", "audience": {"accounts": [self.account_id]}})
        self.documents["kb"] = article_id
        return article_id

    def token(self) -> str:
        """A live session of this target's contact (signed in on first use)."""
        if self._token is None:
            reply = call(self.client, "POST", "/v1/auth/login",
                         body={"tenant": self.tenant, "email": self.email, "password": PASSWORD})
            assert reply.status == 200, reply.body
            self._token, self._session_id = reply.body["token"], reply.body["session"]["id"]
        return self._token

    def session_id(self) -> str:
        self.token()
        assert self._session_id is not None
        return self._session_id

    def ids(self) -> set[str]:
        found = {self.account_id, self.contact_id, *self.documents.values()}
        if "payment_id" in self.__dict__:  # created by a row
            found.add(self.__dict__["payment_id"])
        found.discard(self.documents.get("products"))  # the catalog is the tenant's: every account sees it
        if self._session_id:
            found.add(self._session_id)
        return found


class Scene:
    """``victim``: account acc-a, contact c-a, marked records. ``other``: account acc-b with contact c-b,
    another account of the same tenant (built on first use: most scenarios do not need it)."""

    def __init__(self, client: Any):
        from chalicelib.services import gateways

        self.client = client
        gateways.configure(TENANT, "payu", {"merchant_id": "508029", "account_id": "512321", "api_key": "k" * 26,
                                            "api_login": "l" * 15, "test": True})
        self.victim = Target(client, "a", marked=True)

    @cached_property
    def other(self) -> Target:
        return Target(self.client, "b", marked=False)


def full_grant(*modules: str, scope: str = "account") -> dict[str, Any]:
    """Every action of each module, so refusals come from isolation and never from a missing action."""
    from chalicelib.domain.access import MODULE_ACTIONS

    return grant(*modules, scope=scope, actions={m: list(MODULE_ACTIONS[m]) for m in modules})


def _put(client: Any, path: str, body: dict[str, Any]) -> None:
    reply = call(client, "PUT", f"/v1/integration/{path}", token=API_KEY, body=body)
    assert reply.status in (200, 201), reply.body


@pytest.fixture
def scene(world: Any) -> Scene:
    return Scene(world.client)


# --- the table --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    path: str
    body: Any = None


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the template, exactly as in ROUTES
    auth: str  # "portal" or "integrator"
    build: Callable[[Target], Request]
    module: str | None = None  # the module of a portal route (as declared in ROUTES)
    other_tenant: frozenset[int] = frozenset({401, 404})  # acceptable answers to another tenant's key
    own_scope: bool = False  # the route reads records that may be linked to one contact
    # acceptable answers to a contact of another account (a create lands in the caller's own account)
    other_account: frozenset[int] = frozenset({200, 204, 404})
    # acceptable answers to an own-scope contact naming another contact's records
    own_scope_statuses: frozenset[int] = frozenset({200, 201, 404})

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _integration(path: str) -> str:
    return f"/v1/integration/{path}"


def _invoice_body(t: Target) -> dict[str, Any]:
    return {"account_id": t.account_id, "number": "FV-INTRUSO", "issue_date": "2026-01-10",
            "due_date": "2026-02-09", "currency": "COP", "total": 100, "balance": 100}


def _note_body(t: Target) -> dict[str, Any]:
    return {"account_id": t.account_id, "number": "NC-INTRUSO", "issue_date": "2026-01-10", "currency": "COP",
            "total": 100}


def _document_cases(segment: str, attr: str, body: Callable[[Target], dict[str, Any]]) -> list[Case]:
    template = f"/v1/integration/{segment}/{{doc_id}}"
    return [
        Case("PUT", template, "integrator", lambda t: Request(_integration(f"{segment}/{getattr(t, attr)}"), body(t))),
        Case("GET", template, "integrator", lambda t: Request(_integration(f"{segment}/{getattr(t, attr)}"))),
    ]


CASES: list[Case] = [
    # integrator
    Case("PUT", "/v1/integration/accounts/{account_id}", "integrator",
         lambda t: Request(_integration(f"accounts/{t.account_id}"),
                           {"name": "Intruso S.A.S.", "tax_id": "900123456-8"}),
         other_tenant=frozenset({200, 201})),  # the other tenant's own account with the same id
    Case("GET", "/v1/integration/accounts/{account_id}", "integrator",
         lambda t: Request(_integration(f"accounts/{t.account_id}"))),
    Case("PUT", "/v1/integration/contacts/{contact_id}", "integrator",
         lambda t: Request(_integration(f"contacts/{t.contact_id}"),
                           {"account_id": t.account_id, "name": "Intruso", "email": "intruso@otro.test"})),
    Case("GET", "/v1/integration/contacts/{contact_id}", "integrator",
         lambda t: Request(_integration(f"contacts/{t.contact_id}"))),
    Case("POST", "/v1/integration/contacts/{contact_id}/invite", "integrator",
         lambda t: Request(_integration(f"contacts/{t.contact_id}/invite"))),
    *_document_cases("invoices", "invoice_id", _invoice_body),
    *_document_cases("credit-notes", "credit_note_id", _note_body),
    *_document_cases("debit-notes", "debit_note_id", _note_body),
    *_document_cases("receipts", "receipt_id", _note_body),
    Case("POST", "/v1/integration/invoices/{doc_id}/pdf", "integrator",
         lambda t: Request(_integration(f"invoices/{t.invoice_id}/pdf"))),
    Case("GET", "/v1/integration/invoices/{doc_id}/comments", "integrator",
         lambda t: Request(_integration(f"invoices/{t.invoice_id}/comments"))),
    Case("POST", "/v1/integration/invoices/{doc_id}/comments", "integrator",
         lambda t: Request(_integration(f"invoices/{t.invoice_id}/comments"), {"body": "Respuesta intrusa"})),
    Case("GET", "/v1/integration/events", "integrator", lambda t: Request("/v1/integration/events"),
         other_tenant=frozenset({200})),  # the other tenant's own (empty) feed
    Case("POST", "/v1/integration/batch", "integrator",
         lambda t: Request("/v1/integration/batch", {"items": [
             {"type": "account", "id": t.account_id, "data": {"name": "Intruso S.A.S.", "tax_id": "900123456-8"}},
             {"type": "contact", "id": t.contact_id,
              "data": {"account_id": t.account_id, "name": "Intruso", "email": "intruso@otro.test"}},
             {"type": "invoice", "id": t.invoice_id, "data": _invoice_body(t)},
             {"type": "credit_note", "id": t.credit_note_id, "data": _note_body(t)}]}),
         other_tenant=frozenset({200})),  # the items land in the other tenant's own records (or fail there)
    # portal
    Case("POST", "/v1/auth/logout", "portal", lambda t: Request("/v1/auth/logout")),
    Case("POST", "/v1/auth/logout-all", "portal", lambda t: Request("/v1/auth/logout-all")),
    Case("GET", "/v1/me", "portal", lambda t: Request("/v1/me")),
    Case("GET", "/v1/me/sessions", "portal", lambda t: Request("/v1/me/sessions")),
    Case("DELETE", "/v1/me/sessions/{session_id}", "portal", lambda t: Request(f"/v1/me/sessions/{t.session_id()}")),
    Case("GET", "/v1/portal/dashboard", "portal", lambda t: Request(_with_documents(t, "/v1/portal/dashboard"))),
    Case("POST", "/v1/portal/uploads", "portal",
         lambda t: Request("/v1/portal/uploads", {"filename": "pago.png", "content_type": "image/png", "size": 10}),
         other_account=frozenset({201})),  # an upload of the caller's own account
    # billing
    Case("GET", "/v1/portal/receivables", "portal", lambda t: Request(_with_documents(t, "/v1/portal/receivables")),
         module="billing", own_scope=True),
    # The statement's header is the company's own data, which an own-scope sibling may see; own-scope
    # statements are checked in test_billing instead.
    Case("GET", "/v1/portal/statement", "portal",
         lambda t: Request(_with_documents(t, "/v1/portal/statement?year=2026&period=01")), module="billing"),
    Case("GET", "/v1/portal/statement/pdf", "portal",
         lambda t: Request(_with_documents(t, "/v1/portal/statement/pdf?year=2026&period=01")), module="billing"),
    Case("GET", "/v1/portal/invoices", "portal", lambda t: Request(_with_documents(t, "/v1/portal/invoices")),
         module="billing", own_scope=True),
    Case("GET", "/v1/portal/invoices/{invoice_id}", "portal",
         lambda t: Request(f"/v1/portal/invoices/{_commented(t)}"), module="billing", own_scope=True),
    Case("GET", "/v1/portal/invoices/{invoice_id}/pdf", "portal",
         lambda t: Request(f"/v1/portal/invoices/{t.invoice_id}/pdf"), module="billing", own_scope=True),
    Case("GET", "/v1/portal/invoices/{invoice_id}/comments", "portal",
         lambda t: Request(f"/v1/portal/invoices/{_commented(t)}/comments"), module="billing", own_scope=True),
    # payments
    Case("GET", "/v1/portal/payment-options", "portal", lambda t: Request("/v1/portal/payment-options"),
         module="payments"),
    Case("POST", "/v1/portal/payments", "portal",
         lambda t: Request("/v1/portal/payments", {"gateway": "payu", "items": [{"invoice_id": t.invoice_id}]}),
         module="payments", own_scope=True, other_account=frozenset({422}), own_scope_statuses=frozenset({422})),
    Case("GET", "/v1/portal/payments", "portal", lambda t: Request(_paid(t, "/v1/portal/payments")),
         module="payments", own_scope=True),
    Case("GET", "/v1/portal/payments/{payment_id}", "portal", lambda t: Request(f"/v1/portal/payments/{t.payment_id}"),
         module="payments", own_scope=True),
    Case("POST", "/v1/portal/payments/{payment_id}/check", "portal",
         lambda t: Request(f"/v1/portal/payments/{t.payment_id}/check"), module="payments", own_scope=True),
    Case("POST", "/v1/portal/payments/{payment_id}/cancel", "portal",
         lambda t: Request(f"/v1/portal/payments/{t.payment_id}/cancel"), module="payments", own_scope=True),
    Case("GET", "/v1/portal/payments/{payment_id}/receipt", "portal",
         lambda t: Request(f"/v1/portal/payments/{t.payment_id}/receipt"), module="payments", own_scope=True),
    Case("POST", "/v1/portal/invoices/{invoice_id}/comments", "portal",
         lambda t: Request(f"/v1/portal/invoices/{t.invoice_id}/comments",
                           {"body": "Comentario intruso", "payment_proof": True}), module="billing", own_scope=True),
    # support cases (issue 14)
    Case("POST", "/v1/portal/cases", "portal",
         lambda t: Request("/v1/portal/cases", {"subject": "Intruso", "description": "x", "category": "other"}),
         module="cases", own_scope=True, other_account=frozenset({201}), own_scope_statuses=frozenset({201})),
    Case("GET", "/v1/portal/cases", "portal", lambda t: Request(_with_case(t, "/v1/portal/cases")), module="cases",
         own_scope=True),
    Case("GET", "/v1/portal/cases/report", "portal", lambda t: Request(_with_case(t, "/v1/portal/cases/report")),
         module="cases", own_scope=True),
    Case("GET", "/v1/portal/cases/report/csv", "portal",
         lambda t: Request(_with_case(t, "/v1/portal/cases/report/csv")), module="cases", own_scope=True),
    Case("GET", "/v1/portal/cases/report/pdf", "portal",
         lambda t: Request(_with_case(t, "/v1/portal/cases/report/pdf")), module="cases", own_scope=True),
    Case("GET", "/v1/portal/cases/categories", "portal", lambda t: Request("/v1/portal/cases/categories"),
         module="cases"),
    Case("GET", "/v1/portal/cases/{case_id}", "portal", lambda t: Request(f"/v1/portal/cases/{t.case_id}"),
         module="cases", own_scope=True),
    Case("POST", "/v1/portal/cases/{case_id}/comments", "portal",
         lambda t: Request(f"/v1/portal/cases/{t.case_id}/comments", {"body": "Intruso"}), module="cases",
         own_scope=True, own_scope_statuses=frozenset({404})),
    Case("POST", "/v1/portal/cases/{case_id}/close", "portal",
         lambda t: Request(f"/v1/portal/cases/{t.case_id}/close", {"rating": 1}), module="cases", own_scope=True,
         own_scope_statuses=frozenset({404})),
    Case("POST", "/v1/portal/cases/{case_id}/reopen", "portal",
         lambda t: Request(f"/v1/portal/cases/{t.case_id}/reopen"), module="cases", own_scope=True,
         own_scope_statuses=frozenset({404})),
    Case("GET", "/v1/integration/cases/{case_id}", "integrator",
         lambda t: Request(_integration(f"cases/{t.case_id}"))),
    Case("PUT", "/v1/integration/cases/{case_id}", "integrator",
         lambda t: Request(_integration(f"cases/{t.case_id}"), {"status": "resolved"})),
    Case("POST", "/v1/integration/cases/{case_id}/comments", "integrator",
         lambda t: Request(_integration(f"cases/{t.case_id}/comments"), {"body": "Respuesta intrusa"})),
    Case("GET", "/v1/integration/settings/support", "integrator", lambda t: Request(_integration("settings/support")),
         other_tenant=frozenset({200})),  # the other tenant's own settings
    Case("PUT", "/v1/integration/settings/support", "integrator",
         lambda t: Request(_integration("settings/support"), {"reopen_days": 3}), other_tenant=frozenset({200})),
    # knowledge base (issue 14): an article for one account only
    Case("GET", "/v1/portal/kb", "portal", lambda t: Request(_with_article(t, "/v1/portal/kb")), module="knowledge"),
    Case("GET", "/v1/portal/kb/{article_id}", "portal", lambda t: Request(f"/v1/portal/kb/{t.article_id}"),
         module="knowledge"),
    Case("POST", "/v1/portal/kb/{article_id}/vote", "portal",
         lambda t: Request(f"/v1/portal/kb/{t.article_id}/vote", {"helpful": False}), module="knowledge",
         other_account=frozenset({404})),
    Case("PUT", "/v1/integration/kb/{article_id}", "integrator",
         lambda t: Request(_integration(f"kb/{t.article_id}"), {"title": "Intruso", "body_markdown": "x",
                                                                "category": "general"}),
         other_tenant=frozenset({200, 201})),  # the other tenant's own article with the same id
    Case("GET", "/v1/integration/kb/{article_id}", "integrator", lambda t: Request(_integration(f"kb/{t.article_id}"))),
    # payment reminders: the contact's own switch (no id names anyone else's)
    Case("GET", "/v1/me/preferences", "portal", lambda t: Request("/v1/me/preferences"), module="profile"),
    Case("PUT", "/v1/me/preferences", "portal", lambda t: Request("/v1/me/preferences", {"reminders": False}),
         module="profile", other_account=frozenset({200})),
    # sales (issue 13): integrator
    Case("PUT", "/v1/integration/products/{sku}", "integrator",
         lambda t: Request(_integration(f"products/{t.sku}"), {"name": "Intruso", "tax_rate": 0}),
         other_tenant=frozenset({200, 201})),  # the other tenant's own product with the same SKU
    Case("GET", "/v1/integration/products/{sku}", "integrator", lambda t: Request(_integration(f"products/{t.sku}"))),
    Case("POST", "/v1/integration/products/{sku}/image", "integrator",
         lambda t: Request(_integration(f"products/{t.sku}/image"), {"content_type": "image/png", "size": 10})),
    Case("PUT", "/v1/integration/price-lists/{price_list_id}", "integrator",
         lambda t: Request(_integration(f"price-lists/{t.price_list_id}"),
                           {"name": "Intrusa", "currency": "COP", "items": [{"sku": t.sku, "unit_price": 1}]}),
         other_tenant=frozenset({401, 404, 422})),  # its tenant has no such product
    Case("GET", "/v1/integration/price-lists/{price_list_id}", "integrator",
         lambda t: Request(_integration(f"price-lists/{t.price_list_id}"))),
    Case("GET", "/v1/integration/settings/sales", "integrator", lambda t: Request(_integration("settings/sales")),
         other_tenant=frozenset({200})),  # the other tenant's own settings
    Case("PUT", "/v1/integration/settings/sales", "integrator",
         lambda t: Request(_integration("settings/sales"), {"catalog_visibility": "purchased"}),
         other_tenant=frozenset({200})),
    Case("PUT", "/v1/integration/quotes/{quote_id}", "integrator",
         lambda t: Request(_integration(f"quotes/{t.quote_id}"), {
             "account_id": t.account_id, "number": "COT-INTRUSA", "issue_date": "2026-01-10",
             "valid_until": "2026-02-10", "currency": "COP",
             "lines": [{"description": "x", "qty": 1, "unit_price": 1, "tax_rate": 0}]})),
    Case("GET", "/v1/integration/quotes/{quote_id}", "integrator",
         lambda t: Request(_integration(f"quotes/{t.quote_id}"))),
    Case("POST", "/v1/integration/quotes/{quote_id}/pdf", "integrator",
         lambda t: Request(_integration(f"quotes/{t.quote_id}/pdf"))),
    Case("GET", "/v1/integration/orders/{order_id}", "integrator",
         lambda t: Request(_integration(f"orders/{t.order_id}"))),
    Case("PUT", "/v1/integration/orders/{order_id}/status", "integrator",
         lambda t: Request(_integration(f"orders/{t.order_id}/status"), {"status": "confirmed"})),
    # sales: portal
    Case("GET", "/v1/portal/catalog", "portal", lambda t: Request(_with_sales(t, "/v1/portal/catalog")),
         module="catalog"),
    Case("GET", "/v1/portal/catalog/{sku}", "portal", lambda t: Request(_with_sales(t, f"/v1/portal/catalog/{t.sku}")),
         module="catalog"),
    Case("GET", "/v1/portal/price-list", "portal", lambda t: Request(_with_sales(t, "/v1/portal/price-list")),
         module="catalog"),
    Case("GET", "/v1/portal/price-list/download", "portal",
         lambda t: Request(_with_sales(t, "/v1/portal/price-list/download?format=csv")), module="catalog"),
    Case("GET", "/v1/portal/cart", "portal", lambda t: Request(_with_sales(t, "/v1/portal/cart")), module="catalog",
         own_scope=True),
    Case("PUT", "/v1/portal/cart", "portal",
         lambda t: Request(_with_sales(t, "/v1/portal/cart"), {"lines": [{"sku": t.sku, "qty": 1}]}),
         module="catalog", own_scope=True),  # the caller's own cart
    Case("POST", "/v1/portal/orders", "portal", lambda t: Request(_with_sales(t, "/v1/portal/orders"), {}),
         module="orders", own_scope=True, other_account=frozenset({409}),  # the caller's own (empty) cart
         own_scope_statuses=frozenset({409})),
    Case("GET", "/v1/portal/orders", "portal", lambda t: Request(_with_sales(t, "/v1/portal/orders")),
         module="orders", own_scope=True),
    Case("GET", "/v1/portal/orders/{order_id}", "portal", lambda t: Request(f"/v1/portal/orders/{t.order_id}"),
         module="orders", own_scope=True),
    Case("POST", "/v1/portal/orders/{order_id}/cancel", "portal",
         lambda t: Request(f"/v1/portal/orders/{t.order_id}/cancel", {}), module="orders", own_scope=True),
    Case("POST", "/v1/portal/orders/{order_id}/reorder", "portal",
         lambda t: Request(f"/v1/portal/orders/{t.order_id}/reorder"), module="orders", own_scope=True),
    Case("POST", "/v1/portal/quote-requests", "portal",
         lambda t: Request(_with_sales(t, "/v1/portal/quote-requests"), {"text": "Cotización intrusa"}),
         module="quotes", own_scope=True, other_account=frozenset({201})),  # a request of the caller's account
    Case("GET", "/v1/portal/quote-requests", "portal", lambda t: Request(_requested(t, "/v1/portal/quote-requests")),
         module="quotes", own_scope=True),
    Case("GET", "/v1/portal/quotes", "portal", lambda t: Request(_with_sales(t, "/v1/portal/quotes")),
         module="quotes", own_scope=True),
    Case("GET", "/v1/portal/quotes/{quote_id}", "portal", lambda t: Request(f"/v1/portal/quotes/{t.quote_id}"),
         module="quotes", own_scope=True),
    Case("GET", "/v1/portal/quotes/{quote_id}/pdf", "portal", lambda t: Request(f"/v1/portal/quotes/{t.quote_id}/pdf"),
         module="quotes", own_scope=True),
    Case("POST", "/v1/portal/quotes/{quote_id}/accept", "portal",
         lambda t: Request(f"/v1/portal/quotes/{t.quote_id}/accept", {"name": "Intruso"}), module="quotes",
         own_scope=True),
    Case("POST", "/v1/portal/quotes/{quote_id}/reject", "portal",
         lambda t: Request(f"/v1/portal/quotes/{t.quote_id}/reject", {"reason": "Intruso"}), module="quotes",
         own_scope=True),
]


def _requested(t: Target, path: str) -> str:
    """``path``, after the target's contact asked for a quote (its text marked)."""
    reply = call(t.client, "POST", "/v1/portal/quote-requests", token=t.token(), body={"text": f"Pedido{t.mark}"})
    assert reply.status == 201, reply.body
    return path


def _with_sales(t: Target, path: str) -> str:
    """``path``, after the target's account has its own price list, an order and a quote (so a leak would show)."""
    _ = (t.price_list_id, t.order_id, t.quote_id)
    return path


def _with_documents(t: Target, path: str) -> str:
    """``path``, after the target's account has one of each billing document (so a leak would show)."""
    _ = (t.invoice_id, t.credit_note_id, t.debit_note_id, t.receipt_id)
    return path


def _with_case(t: Target, path: str) -> str:
    """``path``, after the target's contact opened a (marked) case."""
    _ = t.case_id
    return path


def _with_article(t: Target, path: str) -> str:
    """``path``, after an article for the target's account only was published."""
    _ = t.article_id
    return path


def _commented(t: Target) -> str:
    """The target's invoice, with a marked comment of its contact on it."""
    reply = call(t.client, "POST", f"/v1/portal/invoices/{t.invoice_id}/comments", token=t.token(),
                 body={"body": f"Soporte{t.mark}"})
    assert reply.status == 201, reply.body
    return t.invoice_id


def _paid(t: Target, path: str) -> str:
    """``path``, after the target's contact started a payment (so a leak of it would show)."""
    _ = t.payment_id
    return path


INTEGRATOR = [c for c in CASES if c.auth == "integrator"]
PORTAL = [c for c in CASES if c.auth == "portal"]
MODULE_CASES = [c for c in PORTAL if c.module]
OWN_SCOPE_CASES = [c for c in PORTAL if c.own_scope]


def cases(rows: list[Case]) -> Any:
    return pytest.mark.parametrize("case", rows, ids=[str(c) for c in rows])


# --- checks -----------------------------------------------------------------------------------------------------


def send(client: Any, case: Case, request: Request, token: str | None = None,
         headers: dict[str, str] | None = None) -> Reply:
    return call(client, case.method, request.path, token=token, body=request.body, headers=headers)


def text(reply: Reply) -> str:
    return json.dumps(reply.body, ensure_ascii=False).lower() + json.dumps(reply.headers).lower()


def assert_nothing_leaked(reply: Reply, *, ids: set[str] = frozenset()) -> None:  # type: ignore[assignment]
    body = text(reply)
    assert MARK.lower() not in body, f"the victim's data leaked: {reply.body}"
    for leaked in ids:
        assert f'"{leaked.lower()}"' not in body, f"the victim's id {leaked} leaked: {reply.body}"


def snapshot(t: Target, *, with_events: bool = True) -> dict[str, Any]:
    """Everything the victim's tenant knows about the target, read with its own key."""
    paths = [f"accounts/{t.account_id}", f"contacts/{t.contact_id}",
             *(f"{segment}/{doc_id}" for segment, doc_id in t.documents.items())]
    if "invoices" in t.documents:
        paths.append(f"invoices/{t.documents['invoices']}/comments")
    if with_events:
        paths.append("events")
    result = {}
    for path in paths:
        reply = call(t.client, "GET", _integration(path), token=API_KEY)
        assert reply.status == 200, reply.body
        result[path] = reply.body
    return result


def assert_alive(t: Target) -> None:
    assert call(t.client, "GET", "/v1/me", token=t.token()).status == 200, "the victim's session was harmed"


# --- the table covers the routes --------------------------------------------------------------------------------


def test_routes_are_all_declared_through_route() -> None:
    # Chalice's own table and ROUTES must agree, so a view registered around `route()` cannot escape.
    chalice_routes = {(method, path) for path, entries in app_module.app.routes.items() for method in entries}
    assert chalice_routes == {(r.method, r.path) for r in ROUTES}


def test_every_route_has_a_case() -> None:
    protected = {(r.method, r.path) for r in ROUTES if r.auth != "public"}
    rows = [c.key for c in CASES]
    assert len(rows) == len(set(rows)), "a route has two rows"
    missing = sorted(protected - set(rows))
    assert not missing, f"routes without an isolation row in CASES: {missing}"
    stale = sorted(set(rows) - protected)
    assert not stale, f"rows for routes that are not protected routes: {stale}"


def test_cases_match_the_routes_auth_and_module() -> None:
    specs = {(r.method, r.path): r for r in ROUTES}
    for case in CASES:
        spec = specs[case.key]
        assert (case.auth, case.module) == (spec.auth, spec.module), str(case)


def test_public_routes_are_exactly_the_allow_list() -> None:
    assert {(r.method, r.path) for r in ROUTES if r.auth == "public"} == PUBLIC


# --- scenarios: no or wrong credentials -------------------------------------------------------------------------


@cases(CASES)
def test_without_valid_credentials_is_401(scene: Scene, case: Case, subtests: Any) -> None:
    target = scene.victim
    request = case.build(target)
    credentials = {
        "none": None,
        "garbage": "garbage-credential-0123456789",
        # the wrong kind: an integrator key is not a session, a session is not an integrator key
        "wrong_kind": API_KEY if case.auth == "portal" else target.token(),
        "session_token_shaped_forgery": f"{target.token().split('.')[0]}.{'A' * 43}",
    }
    before = snapshot(target)
    for name, token in credentials.items():
        with subtests.test(credential=name):
            reply = send(target.client, case, request, token=token)
            assert reply.status == 401, reply.body
            assert reply.body["error"]["code"] in ("invalid_session", "invalid_api_key")
            assert_nothing_leaked(reply)
    assert snapshot(target) == before
    if case.auth == "portal":
        assert_alive(target)


# --- scenarios: another tenant's integrator ---------------------------------------------------------------------


@cases(INTEGRATOR)
def test_other_tenants_key_reaches_nothing_of_this_tenant(scene: Scene, case: Case) -> None:
    target = scene.victim
    request = case.build(target)
    before = snapshot(target)
    reply = send(target.client, case, request, token=OTHER_API_KEY)
    assert reply.status in case.other_tenant, reply.body
    assert_nothing_leaked(reply)
    assert snapshot(target) == before


# --- scenarios: portal sessions and grants ----------------------------------------------------------------------


@cases(PORTAL)
def test_signed_out_session_is_401(scene: Scene, case: Case) -> None:
    target = scene.victim
    token = target.token()
    request = case.build(target)
    assert call(target.client, "POST", "/v1/auth/logout", token=token).status == 204
    reply = send(target.client, case, request, token=token)
    assert reply.status == 401, reply.body
    assert reply.body["error"]["code"] in ("invalid_session", "session_expired")
    assert_nothing_leaked(reply)


@cases(PORTAL)
@pytest.mark.parametrize(
    ("window", "code"),
    [
        ((-60, -1), "access_ended"),
        ((1, 30), "access_not_started"),
    ],
    ids=["ended", "not_started"],
)
def test_grant_outside_its_window_is_403(scene: Scene, case: Case, window: tuple[int, int], code: str) -> None:
    target = scene.victim
    token = target.token()
    request = case.build(target)
    rewrite_grant(TENANT, target.contact_id, start_date=today() + timedelta(days=window[0]),
                  end_date=today() + timedelta(days=window[1]))
    reply = send(target.client, case, request, token=token)
    assert reply.status == 403, reply.body
    assert reply.body["error"]["code"] == code
    assert_nothing_leaked(reply)


@cases(MODULE_CASES)
def test_module_disabled_for_the_tenant_is_404(scene: Scene, case: Case) -> None:
    from chalicelib.store import tenants

    target = scene.victim
    token = target.token()
    request = case.build(target)
    tenants.update(TENANT, modules=frozenset(ALL_MODULES) - {case.module})
    reply = send(target.client, case, request, token=token)
    assert reply.status == 404, reply.body
    assert reply.body["error"]["code"] == "module_not_enabled"
    assert_nothing_leaked(reply)


@cases(MODULE_CASES)
def test_module_missing_from_the_grant_is_404(scene: Scene, case: Case) -> None:
    target = scene.victim
    token = target.token()
    request = case.build(target)
    granted = grant(*(m for m in ALL_MODULES if m != case.module))
    rewrite_grant(TENANT, target.contact_id, modules=granted["modules"])
    reply = send(target.client, case, request, token=token)
    assert reply.status == 404, reply.body
    assert reply.body["error"]["code"] == "module_not_enabled"
    assert_nothing_leaked(reply)


@cases(PORTAL)
def test_contact_of_another_account_sees_and_changes_nothing(scene: Scene, case: Case) -> None:
    victim, intruder = scene.victim, scene.other
    request = case.build(victim)  # names the victim's records (and signs the victim in)
    before = snapshot(victim, with_events=False)
    reply = send(intruder.client, case, request, token=intruder.token())
    assert reply.status < 500, reply.body
    assert reply.status in case.other_account, reply.body
    assert_nothing_leaked(reply, ids=victim.ids())
    assert snapshot(victim, with_events=False) == before
    assert_alive(victim)


@cases(OWN_SCOPE_CASES)
def test_own_scope_sees_nothing_of_another_contact(scene: Scene, case: Case, world: Any) -> None:
    # A second contact of the victim's account, with `own` scope on the route's module, asks for records
    # linked to the victim's contact c-a.
    victim = scene.victim
    assert case.module is not None
    _put(victim.client, "contacts/c-a2", {"account_id": victim.account_id, "name": "Sibling",
                                          "email": "sibling@cliente-a.test",
                                          "portal": full_grant(case.module, scope="own")})
    set_password_hash(TENANT, "c-a2", password_hash())
    sibling = world.login(TENANT, "sibling@cliente-a.test")
    reply = send(victim.client, case, case.build(victim), token=sibling)
    assert reply.status in case.own_scope_statuses, reply.body
    assert_nothing_leaked(reply)
