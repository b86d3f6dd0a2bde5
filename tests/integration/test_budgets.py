"""DynamoDB calls per request (DESIGN §6: count calls, never wall time)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.conftest import API_KEY, TENANT
from tests.support import PASSWORD, call, count_dynamodb_calls, grant, today

BUDGETS = {
    "GET /v1/me": 2,  # an authenticated portal read (issue 3)
    "GET /v1/me/sessions": 2,
    "POST /v1/auth/login": 6,
    "GET /v1/integration/accounts/{account_id}": 2,
    # the key's Query + 1 BatchGetItem (the account, the id index) + the transaction
    "PUT /v1/integration/invoices/{doc_id} (new)": 3,
    # + the stored invoice (GetItem), its allocations (Query: portal payments not yet posted) and, when the
    # new balance is 0, the tenant's time zone for paid_on (GetItem)
    "PUT /v1/integration/invoices/{doc_id} (replaced)": 6,
    # billing: 1 BatchGetItem (session, contact, tenant) + the module's reads
    "GET /v1/portal/receivables": 2,  # + 1 Query (open invoices on lsi2)
    "GET /v1/portal/statement": 4,  # a current month: + header/month totals, movements, invoices open at the end
    "GET /v1/portal/invoices/{invoice_id}": 2,  # + 1 Query (the invoice, its allocations and comments)
    "GET /v1/portal/dashboard": 3,  # + 2 for billing (open invoices, latest comments)
    "GET /v1/portal/invoices": 2,  # + 1 Query (a page)
    # payments: 1 BatchGetItem (session, contact, tenant) + the module's reads
    "GET /v1/portal/payments/{payment_id}": 2,  # + 1 GetItem (the payment)
    "GET /v1/portal/payments": 2,  # + 1 Query (a page, newest first)
    # payment reminders
    "GET /v1/me/preferences": 2,  # + 1 GetItem (the account's reminders flag)
    "PUT /v1/me/preferences": 3,  # + 1 UpdateItem (the contact) + 1 GetItem (the account)
    "POST /v1/reminders/opt-out": 2,  # 1 BatchGetItem (token, contact, tenant) + 1 UpdateItem (the contact)
    # sales (issue 13): 1 BatchGetItem (session, contact, tenant) + at most 2
    "GET /v1/portal/catalog": 3,  # + GetItem (the account: its price list) + Query (a page, prices on each product)
    "GET /v1/portal/catalog?purchased": 3,  # + BatchGetItem (account, purchased SKUs) + BatchGetItem (the page)
    "GET /v1/portal/catalog/{sku}": 3,  # + GetItem (account) + GetItem (product)
    "GET /v1/portal/cart": 3,  # + BatchGetItem (cart, account, purchased SKUs) + BatchGetItem (its products)
    "GET /v1/portal/orders": 2,  # + Query (lsi1 ORDER#, newest first)
    "GET /v1/portal/orders/{order_id}": 2,  # + GetItem
    "GET /v1/portal/quotes": 2,  # + Query (lsi1 QUOTE#)
    "GET /v1/portal/quotes/{quote_id}": 2,  # + GetItem
    # every module's card: billing 2, payments 1, catalog 2 (the cart and its products), orders 1, quotes 1
    "GET /v1/portal/dashboard (sales)": 8,
    # support cases: 1 BatchGetItem (session, contact, tenant) + the module's calls
    "GET /v1/portal/cases": 2,  # + 1 Query (a page on lsi1)
    "GET /v1/portal/cases/{case_id}": 2,  # + 1 Query (the case and its thread)
    "GET /v1/portal/cases/report": 3,  # + 1 Query (the period's cases) + 1 Query (the open ones, for the oldest)
    "GET /v1/portal/cases/categories": 1,  # the tenant's settings came with the session
    # + GetItem (idempotency) + GetItem (case counter) + GetItem (event counter) + TransactWriteItems + GetItem
    # (the account, for the desk mail)
    "POST /v1/portal/cases": 6,
    "POST /v1/portal/cases/{case_id}/comments": 4,  # + Query (case) + GetItem (event counter) + TransactWriteItems
    "POST /v1/portal/cases/{case_id}/close": 5,  # + Query + GetItem (event counter) + TransactWriteItems + Query
    "GET /v1/portal/dashboard (billing, payments, cases)": 5,  # + 2 billing + 1 payments + 1 cases (open cases)
    # knowledge base
    "GET /v1/portal/kb": 2,  # + 1 Query (the tenant's index partition; a page per MB, ~1,000 articles)
    "GET /v1/portal/kb/{article_id}": 2,  # + 1 BatchGetItem (the article and the contact's vote)
    "POST /v1/portal/kb/{article_id}/vote": 4,  # + BatchGetItem + TransactWriteItems + BatchGetItem (re-read)
    "PUT /v1/integration/kb/{article_id}": 3,  # Query (the API key) + GetItem (the article) + TransactWriteItems
}


@pytest.fixture
def signed_in(world: Any) -> str:
    world.account("acc-1")
    return world.portal_user("c-1", "acc-1", grant("billing"))


def measure(monkeypatch: pytest.MonkeyPatch, client: Any, method: str, path: str, **kwargs: Any) -> Any:
    with count_dynamodb_calls(monkeypatch) as calls:
        reply = call(client, method, path, **kwargs)
    assert 200 <= reply.status < 300, reply.body
    print(f"{method} {path}: {calls!r}")  # shown with -s: the measured counts
    return calls


def test_counter_sees_dynamodb_calls_and_only_those(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.store import db

    with count_dynamodb_calls(monkeypatch) as calls:
        db.client("dynamodb").describe_table(TableName="portico-test")
        db.client("s3").list_buckets()
    assert calls.operations == ["DescribeTable"]
    db.client("dynamodb").describe_table(TableName="portico-test")
    assert len(calls) == 1  # nothing is counted after the block


def test_portal_me_budget(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/me", token=signed_in)
    assert len(calls) <= BUDGETS["GET /v1/me"], calls


def test_portal_sessions_budget(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.login(TENANT, "c-1@cliente.test")  # a second session to list
    calls = measure(monkeypatch, world.client, "GET", "/v1/me/sessions", token=signed_in)
    assert len(calls) <= BUDGETS["GET /v1/me/sessions"], calls


def test_login_budget(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "POST", "/v1/auth/login",
                    body={"tenant": TENANT, "email": "c-1@cliente.test", "password": PASSWORD})
    assert len(calls) <= BUDGETS["POST /v1/auth/login"], calls


def test_integrator_get_account_budget(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.account("acc-1")
    calls = measure(monkeypatch, world.client, "GET", "/v1/integration/accounts/acc-1", token=API_KEY)
    assert len(calls) <= BUDGETS["GET /v1/integration/accounts/{account_id}"], calls


def test_integrator_put_invoice_budget(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.account("acc-1")
    body = {"account_id": "acc-1", "number": "FV-1", "issue_date": "2026-10-01", "due_date": "2026-10-31",
            "currency": "COP", "total": 100_000_00, "balance": 100_000_00}
    calls = measure(monkeypatch, world.client, "PUT", "/v1/integration/invoices/fv-1", token=API_KEY, body=body)
    assert len(calls) <= BUDGETS["PUT /v1/integration/invoices/{doc_id} (new)"], calls
    calls = measure(monkeypatch, world.client, "PUT", "/v1/integration/invoices/fv-1", token=API_KEY,
                    body={**body, "balance": 0})
    assert len(calls) <= BUDGETS["PUT /v1/integration/invoices/{doc_id} (replaced)"], calls


def test_budgets_hold_for_a_refused_request_too(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A garbage token must be refused without touching the table at all.
    with count_dynamodb_calls(monkeypatch) as calls:
        reply = call(world.client, "GET", "/v1/me", token="garbage")
    assert reply.status == 401
    assert len(calls) == 0, calls


# --- billing ------------------------------------------------------------------------------------------------------


@pytest.fixture
def billing_data(signed_in: str, world: Any) -> str:
    """acc-1 with open, overdue and paid invoices, a credit note and a receipt applied to them, months of
    history (so the statement has month totals to add up) and a comment thread; returns c-1's token."""

    def day(n: int) -> str:
        return (today() + timedelta(days=n)).isoformat()

    for n, (issued, due, total, balance) in enumerate([(-100, -70, 1000, 1000), (-40, -10, 2000, 1500),
                                                      (-5, 25, 3000, 3000), (-1, 29, 400, 0), (0, 30, 500, 500)]):
        world.put(f"invoices/fv-{n}", {"account_id": "acc-1", "number": f"FV-{n}", "issue_date": day(issued),
                                       "due_date": day(due), "currency": "COP", "total": total, "balance": balance,
                                       "lines": [{"description": "Servicio", "quantity": 1, "unit_price": total,
                                                  "total": total}],
                                       "salesperson": {"name": "Sara Ventas", "email": "sara@acme.test"}})
    world.put("credit-notes/nc-1", {"account_id": "acc-1", "number": "NC-1", "issue_date": day(-20),
                                    "currency": "COP", "total": 500, "applied_to": [{"invoice_id": "fv-1",
                                                                                     "amount": 500}]})
    world.put("receipts/rc-1", {"account_id": "acc-1", "number": "RC-1", "issue_date": day(0), "currency": "COP",
                                "total": 400, "applied_to": [{"invoice_id": "fv-3", "amount": 400}]})
    for body in ("¿Recibieron el pago?", "Sí, gracias"):
        reply = call(world.client, "POST", "/v1/integration/invoices/fv-1/comments", token=API_KEY,
                     body={"body": body})
        assert reply.status == 201, reply.body
    return signed_in


def test_receivables_budget(billing_data: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/portal/receivables", token=billing_data)
    assert len(calls) <= BUDGETS["GET /v1/portal/receivables"], calls
    assert calls.operations == ["BatchGetItem", "Query"], calls


def test_statement_budget(billing_data: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/portal/statement", token=billing_data)
    assert len(calls) <= BUDGETS["GET /v1/portal/statement"], calls
    assert calls.operations[0] == "BatchGetItem", calls
    assert set(calls.operations[1:]) == {"Query"}, calls


def test_invoice_detail_budget(billing_data: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/portal/invoices/fv-1", token=billing_data)
    assert len(calls) <= BUDGETS["GET /v1/portal/invoices/{invoice_id}"], calls
    assert calls.operations == ["BatchGetItem", "Query"], calls


def test_dashboard_budget(billing_data: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/portal/dashboard", token=billing_data)
    assert len(calls) <= BUDGETS["GET /v1/portal/dashboard"], calls
    assert calls.operations == ["BatchGetItem", "Query", "Query"], calls


@pytest.mark.parametrize("query", ["", "?status=pending", "?status=paid&limit=1", "?q=fv&from=2020-01-01"])
def test_invoice_list_budget(billing_data: str, world: Any, monkeypatch: pytest.MonkeyPatch, query: str) -> None:
    calls = measure(monkeypatch, world.client, "GET", f"/v1/portal/invoices{query}", token=billing_data)
    assert len(calls) <= BUDGETS["GET /v1/portal/invoices"], calls


# --- payments -----------------------------------------------------------------------------------------------------


@pytest.fixture
def payments_data(world: Any) -> tuple[str, list[str]]:
    """acc-1 with three PayU payments of c-1 (PayU's checkout is a signed form built locally: no gateway call);
    returns c-1's token and the payment ids, oldest first."""
    from chalicelib.services import gateways
    from tests.support import quick_portal_user

    gateways.configure(TENANT, "payu", {"merchant_id": "508029", "account_id": "512321",
                                        "api_key": "4Vj8eK4rloUd272L48hsrarnUA", "api_login": "pRRXKOl8ikMmt9u",
                                        "test": True})
    world.account("acc-1")
    world.put("contacts/c-1", {"account_id": "acc-1", "name": "Persona c-1", "email": "c-1@cliente.test",
                               "portal": grant("billing", "payments", actions={"payments": ["view", "pay"]})})
    token = quick_portal_user(world.client, TENANT, "c-1", "c-1@cliente.test")
    payment_ids = []
    for n in range(3):
        world.put(f"invoices/fv-{n}", {"account_id": "acc-1", "number": f"FV-{n}", "issue_date": today().isoformat(),
                                       "due_date": today().isoformat(), "currency": "COP", "total": 1000 * (n + 1),
                                       "balance": 1000 * (n + 1)})
        reply = call(world.client, "POST", "/v1/portal/payments", token=token,
                     body={"gateway": "payu", "items": [{"invoice_id": f"fv-{n}"}]})
        assert reply.status == 201, reply.body
        payment_ids.append(reply.body["id"])
    return token, payment_ids


def test_payment_detail_budget(payments_data: tuple[str, list[str]], world: Any,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    token, payment_ids = payments_data
    calls = measure(monkeypatch, world.client, "GET", f"/v1/portal/payments/{payment_ids[1]}", token=token)
    assert len(calls) <= BUDGETS["GET /v1/portal/payments/{payment_id}"], calls
    assert calls.operations == ["BatchGetItem", "GetItem"], calls


@pytest.mark.parametrize("query", ["", "?status=created", "?limit=1"])
def test_payment_list_budget(payments_data: tuple[str, list[str]], world: Any, monkeypatch: pytest.MonkeyPatch,
                             query: str) -> None:
    token, _ = payments_data
    calls = measure(monkeypatch, world.client, "GET", f"/v1/portal/payments{query}", token=token)
    assert len(calls) <= BUDGETS["GET /v1/portal/payments"], calls
    assert calls.operations == ["BatchGetItem", "Query"], calls


# --- payment reminders ------------------------------------------------------------------------------------------


@pytest.fixture
def profile_user(world: Any) -> str:
    world.account("acc-1")
    return world.portal_user("c-1", "acc-1", grant("billing", "profile", actions={"profile": ["view", "edit"]}))


def test_preferences_budget(profile_user: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/me/preferences", token=profile_user)
    assert len(calls) <= BUDGETS["GET /v1/me/preferences"], calls
    assert calls.operations == ["BatchGetItem", "GetItem"], calls


def test_preferences_change_budget(profile_user: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "PUT", "/v1/me/preferences", token=profile_user,
                    body={"reminders": False})
    assert len(calls) <= BUDGETS["PUT /v1/me/preferences"], calls
    assert calls.operations == ["BatchGetItem", "UpdateItem", "GetItem"], calls


def test_opt_out_budget(profile_user: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from chalicelib.services import reminders
    from tests.support import sent_mail

    world.put("invoices/fv-1", {"account_id": "acc-1", "number": "FV-1", "issue_date": today().isoformat(),
                                "due_date": today().isoformat(), "currency": "COP", "total": 100, "balance": 100})
    reminders.send_due(tenant=TENANT)
    token = re.search(r"opt-out\?token=(\S+)", sent_mail()[-1]["text"]).group(1)
    calls = measure(monkeypatch, world.client, "POST", "/v1/reminders/opt-out", body={"token": token})
    assert len(calls) <= BUDGETS["POST /v1/reminders/opt-out"], calls
    assert calls.operations == ["BatchGetItem", "UpdateItem"], calls


# --- sales (issue 13) -------------------------------------------------------------------------------------------


@pytest.fixture
def sales_user(world: Any) -> tuple[str, str, str]:
    """acc-1 with 30 products, a default and an own price list, a 10-line cart, an order and a quote; returns c-1's
    token, the order id and the quote id."""
    from tests.support import quick_portal_user

    for n in range(30):
        world.put(f"products/P-{n:02d}", {"name": f"Producto {n}", "tax_rate": 1900, "category": "A" if n % 2 else "B"})
    world.put("price-lists/general", {"name": "General", "currency": "COP",
                                      "items": [{"sku": f"P-{n:02d}", "unit_price": 1000 + n} for n in range(30)]})
    world.put("price-lists/own", {"name": "Propia", "currency": "COP", "items": [{"sku": "P-01", "unit_price": 900}]})
    world.put("settings/sales", {"default_price_list_id": "general"})
    world.account("acc-1", price_list_id="own")
    modules = ("billing", "payments", "catalog", "orders", "quotes")
    world.put("contacts/c-1", {"account_id": "acc-1", "name": "Persona c-1", "email": "c-1@cliente.test",
                               "portal": grant(*modules, actions={"orders": ["view", "create"]})})
    token = quick_portal_user(world.client, TENANT, "c-1", "c-1@cliente.test")
    call(world.client, "PUT", "/v1/portal/cart", token=token, body={"lines": [{"sku": "P-00", "qty": 1}]})
    order = call(world.client, "POST", "/v1/portal/orders", token=token, body={})
    assert order.status == 201, order.body
    world.put("quotes/q-1", {"account_id": "acc-1", "contact_id": "c-1", "number": "C-1",
                             "issue_date": today().isoformat(),
                             "valid_until": (today() + timedelta(days=9)).isoformat(),
                             "currency": "COP", "lines": [{"sku": "P-02", "description": "x", "qty": 1,
                                                           "unit_price": 5, "tax_rate": 0}]})
    reply = call(world.client, "PUT", "/v1/portal/cart", token=token,
                 body={"lines": [{"sku": f"P-{n:02d}", "qty": n + 1} for n in range(10)]})
    assert reply.status == 200, reply.body
    return token, order.body["id"], "q-1"


@pytest.mark.parametrize(("label", "path"), [
    ("GET /v1/portal/catalog", "/v1/portal/catalog"),
    ("GET /v1/portal/catalog", "/v1/portal/catalog?q=producto%201&category=A&limit=5"),
    ("GET /v1/portal/catalog", "/v1/portal/catalog?kind=service"),
    ("GET /v1/portal/catalog/{sku}", "/v1/portal/catalog/P-01"),
    ("GET /v1/portal/cart", "/v1/portal/cart"),
    ("GET /v1/portal/orders", "/v1/portal/orders"),
    ("GET /v1/portal/quotes", "/v1/portal/quotes"),
])
def test_sales_read_budgets(sales_user: tuple[str, str, str], world: Any, monkeypatch: pytest.MonkeyPatch,
                            label: str, path: str) -> None:
    calls = measure(monkeypatch, world.client, "GET", path, token=sales_user[0])
    assert len(calls) <= BUDGETS[label], calls
    assert calls.operations[0] == "BatchGetItem", calls


def test_catalog_page_with_cursor_stays_in_budget(sales_user: tuple[str, str, str], world: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    first = call(world.client, "GET", "/v1/portal/catalog?limit=10", token=sales_user[0]).body
    assert first["next_cursor"]
    calls = measure(monkeypatch, world.client, "GET", f"/v1/portal/catalog?limit=10&cursor={first['next_cursor']}",
                    token=sales_user[0])
    assert calls.operations == ["BatchGetItem", "GetItem", "Query"], calls


def test_purchased_catalog_budget(sales_user: tuple[str, str, str], world: Any,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    world.put("settings/sales", {"catalog_visibility": "purchased"})
    calls = measure(monkeypatch, world.client, "GET", "/v1/portal/catalog", token=sales_user[0])
    assert len(calls) <= BUDGETS["GET /v1/portal/catalog?purchased"], calls
    assert calls.operations == ["BatchGetItem", "BatchGetItem", "BatchGetItem"], calls


def test_order_and_quote_detail_budgets(sales_user: tuple[str, str, str], world: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    token, order_id, quote_id = sales_user
    calls = measure(monkeypatch, world.client, "GET", f"/v1/portal/orders/{order_id}", token=token)
    assert calls.operations == ["BatchGetItem", "GetItem"], calls
    calls = measure(monkeypatch, world.client, "GET", f"/v1/portal/quotes/{quote_id}", token=token)
    assert calls.operations == ["BatchGetItem", "GetItem"], calls


def test_dashboard_with_every_sales_module_budget(sales_user: tuple[str, str, str], world: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/portal/dashboard", token=sales_user[0])
    assert len(calls) <= BUDGETS["GET /v1/portal/dashboard (sales)"], calls
# --- support cases and the knowledge base (issue 14) --------------------------------------------------------------

@pytest.fixture
def support_user(world: Any) -> str:
    world.account("acc-1")
    token = world.portal_user("c-1", "acc-1", grant("billing", "payments", "cases", "knowledge",
                                                    actions={"cases": ["view", "create", "comment"]}))
    for n in range(3):
        reply = call(world.client, "POST", "/v1/portal/cases", token=token,
                     body={"subject": f"Caso {n}", "description": "Detalle", "category": "technical"})
        assert reply.status == 201, reply.body
    reply = call(world.client, "POST", "/v1/integration/cases/CAS-000001/comments", token=API_KEY,
                 body={"body": "Respuesta"})
    assert reply.status == 201, reply.body
    world.put("kb/kb-1", {"title": "Cómo descargar facturas", "body_markdown": "Entra a Facturas.",
                          "category": "billing"})
    return token


@pytest.mark.parametrize("request_budget", [
    ("GET", "/v1/portal/cases", None, "GET /v1/portal/cases"),
    ("GET", "/v1/portal/cases?status=open&q=caso", None, "GET /v1/portal/cases"),
    ("GET", "/v1/portal/cases/CAS-000001", None, "GET /v1/portal/cases/{case_id}"),
    ("GET", "/v1/portal/cases/report", None, "GET /v1/portal/cases/report"),
    ("GET", "/v1/portal/cases/categories", None, "GET /v1/portal/cases/categories"),
    ("POST", "/v1/portal/cases", {"subject": "Nuevo", "description": "x", "category": "other"},
     "POST /v1/portal/cases"),
    ("POST", "/v1/portal/cases/CAS-000001/comments", {"body": "Gracias"}, "POST /v1/portal/cases/{case_id}/comments"),
    ("POST", "/v1/portal/cases/CAS-000002/close", {"rating": 5}, "POST /v1/portal/cases/{case_id}/close"),
    ("GET", "/v1/portal/dashboard", None, "GET /v1/portal/dashboard (billing, payments, cases)"),
    ("GET", "/v1/portal/kb?q=facturas", None, "GET /v1/portal/kb"),
    ("GET", "/v1/portal/kb/kb-1", None, "GET /v1/portal/kb/{article_id}"),
    ("POST", "/v1/portal/kb/kb-1/vote", {"helpful": True}, "POST /v1/portal/kb/{article_id}/vote"),
], ids=lambda v: f"{v[0]} {v[1]}")
def test_support_budgets(support_user: str, world: Any, monkeypatch: pytest.MonkeyPatch,
                         request_budget: tuple[str, str, Any, str]) -> None:
    method, path, body, budget = request_budget
    headers = {"Idempotency-Key": "budget-1"} if method == "POST" and path == "/v1/portal/cases" else None
    calls = measure(monkeypatch, world.client, method, path, token=support_user, body=body, headers=headers)
    assert len(calls) <= BUDGETS[budget], calls


def test_publish_article_budget(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "PUT", "/v1/integration/kb/kb-1", token=API_KEY,
                    body={"title": "T", "body_markdown": "B", "category": "c"})
    assert len(calls) <= BUDGETS["PUT /v1/integration/kb/{article_id}"], calls
