"""Sales end to end through the API (issue 13): the integrator pushes products, price lists and quotes; a contact
browses the catalog with their own prices, fills a cart, places orders, answers quotes; the ERP moves orders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.conftest import API_KEY, OTHER_API_KEY, TENANT
from tests.support import call, grant, quick_portal_user, sent_mail, today

# Orders and quote acceptance are conditional transactions: also against DynamoDB Local (`pytest -m ddblocal`).
pytestmark = pytest.mark.ddblocal

SALES = ("catalog", "orders", "quotes", "billing")
ACTIONS = {"orders": ["view", "create"], "quotes": ["view", "create"]}


def put(client: Any, path: str, body: dict[str, Any], key: str = API_KEY, expect: tuple[int, ...] = (200, 201)) -> Any:
    reply = call(client, "PUT", f"/v1/integration/{path}", token=key, body=body)
    assert reply.status in expect, reply.body
    return reply.body


def product(client: Any, sku: str, name: str, *, tax_rate: int = 1900, **extra: Any) -> Any:
    return put(client, f"products/{sku}", {"name": name, "unit": "unidad", "tax_rate": tax_rate, **extra})


@pytest.fixture
def shop(world: Any) -> dict[str, Any]:
    """Products, a general list (the tenant default) and a special list for acc-1; contact c-1 signed in."""
    client = world.client
    product(client, "TOR-001", "Tornillo drywall 6x1", category="Tornillería",
            description="Caja x 100, punta broca", attributes={"Material": "Acero", "Largo": "1 pulgada"})
    product(client, "TAL-002", "Taladro percutor 750 W", category="Herramientas", stock=12)
    product(client, "SRV-INS", "Instalación en obra", kind="service", tax_rate=0)
    product(client, "PIN-GAL", "Pintura galón blanco", category="Pinturas")  # priced by no list
    product(client, "OLD-1", "Producto descontinuado", active=False)
    put(client, "price-lists/general", {"name": "General", "currency": "COP", "items": [
        {"sku": "TOR-001", "unit_price": 25_000_00}, {"sku": "TOR-001", "unit_price": 22_000_00, "min_qty": 10},
        {"sku": "TAL-002", "unit_price": 350_000_00}, {"sku": "SRV-INS", "unit_price": 120_000_00},
        {"sku": "OLD-1", "unit_price": 1_00}]})
    put(client, "price-lists/especial", {"name": "Especial Tornillo", "currency": "COP",
                                         "valid_from": (today() - timedelta(days=10)).isoformat(),
                                         "valid_to": (today() + timedelta(days=10)).isoformat(),
                                         "items": [{"sku": "TAL-002", "unit_price": 300_000_00}]})
    put(client, "settings/sales", {"default_price_list_id": "general"})
    world.account("acc-1", price_list_id="especial", credit_limit=2_000_000_00)
    world.account("acc-2")
    world.put("contacts/c-1", {"account_id": "acc-1", "name": "Compradora Uno", "email": "c-1@cliente.test",
                               "portal": grant(*SALES, actions=ACTIONS)})
    world.put("contacts/c-2", {"account_id": "acc-2", "name": "Comprador Dos", "email": "c-2@cliente.test",
                               "portal": grant(*SALES, actions=ACTIONS)})
    return {"token": quick_portal_user(client, TENANT, "c-1", "c-1@cliente.test"),
            "other": quick_portal_user(client, TENANT, "c-2", "c-2@cliente.test")}


def get(client: Any, path: str, token: str) -> Any:
    reply = call(client, "GET", path, token=token)
    assert reply.status == 200, reply.body
    return reply.body


def events(client: Any, kind: str) -> list[dict[str, Any]]:
    reply = call(client, "GET", "/v1/integration/events?after=0&limit=200", token=API_KEY)
    return [e for e in reply.body["items"] if e["type"] == kind]


# --- catalog ------------------------------------------------------------------------------------------------------


def test_catalog_lists_active_products_with_the_accounts_own_prices(world: Any, shop: dict[str, Any]) -> None:
    page = get(world.client, "/v1/portal/catalog", shop["token"])
    by_sku = {p["sku"]: p for p in page["items"]}
    assert set(by_sku) == {"TOR-001", "TAL-002", "SRV-INS", "PIN-GAL"}  # the inactive one is hidden
    assert page["currency"] == "COP"
    assert by_sku["TAL-002"]["price"]["unit_price"] == 300_000_00  # acc-1's special list
    assert by_sku["TOR-001"]["price"]["unit_price"] == 25_000_00  # not in it: the default list decides
    assert by_sku["TOR-001"]["price"]["tiers"] == [{"min_qty": 1, "unit_price": 25_000_00},
                                                   {"min_qty": 10, "unit_price": 22_000_00}]
    assert by_sku["PIN-GAL"]["price"] is None and by_sku["PIN-GAL"]["orderable"] is False
    assert by_sku["PIN-GAL"]["price_reason"] == "no_price"
    other = {p["sku"]: p for p in get(world.client, "/v1/portal/catalog", shop["other"])["items"]}
    assert other["TAL-002"]["price"]["unit_price"] == 350_000_00  # acc-2 has no list of its own


@pytest.mark.parametrize(("query", "expected"), [
    ("?q=tornillo", {"TOR-001"}),
    ("?q=ACERO", {"TOR-001"}),  # a characteristic's value, any case
    ("?q=instalacion", {"SRV-INS"}),  # accents do not matter
    ("?kind=service", {"SRV-INS"}),
    ("?category=Herramientas", {"TAL-002"}),
    ("?q=taladro%20750", {"TAL-002"}),  # every word must match
    ("?q=nada-parecido", set()),
])
def test_catalog_search_and_filters(world: Any, shop: dict[str, Any], query: str, expected: set[str]) -> None:
    page = get(world.client, f"/v1/portal/catalog{query}", shop["token"])
    assert {p["sku"] for p in page["items"]} == expected


def test_catalog_pages_with_a_cursor(world: Any, shop: dict[str, Any]) -> None:
    seen, cursor = [], None
    for _ in range(5):
        page = get(world.client, "/v1/portal/catalog?limit=1" + (f"&cursor={cursor}" if cursor else ""),
                   shop["token"])
        seen += [p["sku"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["PIN-GAL", "SRV-INS", "TAL-002", "TOR-001"]
    reply = call(world.client, "GET", "/v1/portal/catalog?cursor=garbage", token=shop["token"])
    assert reply.status == 422 and "cursor" in reply.body["error"]["details"]["fields"]


def test_product_page_has_characteristics_and_404_for_hidden_or_unknown(world: Any, shop: dict[str, Any]) -> None:
    item = get(world.client, "/v1/portal/catalog/TOR-001", shop["token"])
    assert item["attributes"] == {"Material": "Acero", "Largo": "1 pulgada"}
    assert item["description"] == "Caja x 100, punta broca"
    for sku in ("OLD-1", "NOPE"):
        reply = call(world.client, "GET", f"/v1/portal/catalog/{sku}", token=shop["token"])
        assert reply.status == 404 and reply.body["error"]["code"] == "product_not_found"


def test_purchased_visibility_shows_only_what_the_account_was_quoted_or_ordered(world: Any,
                                                                                shop: dict[str, Any]) -> None:
    put(world.client, "settings/sales", {"catalog_visibility": "purchased"})
    assert get(world.client, "/v1/portal/catalog", shop["token"])["items"] == []
    put(world.client, "quotes/q-vis", quote_body(lines=[{"sku": "TAL-002", "description": "Taladro", "qty": 1,
                                                         "unit_price": 300_000_00, "tax_rate": 1900}]))
    assert [p["sku"] for p in get(world.client, "/v1/portal/catalog", shop["token"])["items"]] == ["TAL-002"]
    assert call(world.client, "GET", "/v1/portal/catalog/TOR-001", token=shop["token"]).status == 404
    assert get(world.client, "/v1/portal/catalog", shop["other"])["items"] == []  # acc-2 was quoted nothing


def test_price_list_page_and_downloads(world: Any, shop: dict[str, Any]) -> None:
    import requests

    page = get(world.client, "/v1/portal/price-list", shop["token"])
    assert [(x["role"], x["name"]) for x in page["lists"]] == [("account", "Especial Tornillo"),
                                                              ("default", "General")]
    assert {i["sku"]: i["unit_price"] for i in page["items"]} == {"TAL-002": 300_000_00, "TOR-001": 25_000_00,
                                                                  "SRV-INS": 120_000_00}
    csv_link = get(world.client, "/v1/portal/price-list/download?format=csv", shop["token"])
    assert csv_link["filename"].endswith(".csv")
    text = requests.get(csv_link["url"], timeout=5).content.decode("utf-8-sig")
    rows = text.strip().split("\r\n")
    assert rows[0] == "sku,name,unit,min_qty,unit_price,currency,tax_rate_percent"
    assert "TOR-001,Tornillo drywall 6x1,unidad,10,22000.00,COP,19.00" in rows
    assert "TAL-002,Taladro percutor 750 W,unidad,1,300000.00,COP,19.00" in rows
    pdf_link = get(world.client, "/v1/portal/price-list/download?format=pdf", shop["token"])
    assert requests.get(pdf_link["url"], timeout=5).content.startswith(b"%PDF")
    bad = call(world.client, "GET", "/v1/portal/price-list/download?format=xls", token=shop["token"])
    assert bad.status == 422


# --- cart and orders ----------------------------------------------------------------------------------------------


def put_cart(client: Any, token: str, lines: list[dict[str, Any]]) -> Any:
    reply = call(client, "PUT", "/v1/portal/cart", token=token, body={"lines": lines})
    assert reply.status == 200, reply.body
    return reply.body


def test_cart_is_priced_on_read_with_tiers_tax_and_unavailable_lines(world: Any, shop: dict[str, Any]) -> None:
    cart = put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 10}, {"sku": "SRV-INS", "qty": 1},
                                                  {"sku": "PIN-GAL", "qty": 2}, {"sku": "OLD-1", "qty": 1}])
    lines = {line["sku"]: line for line in cart["lines"]}
    assert lines["TOR-001"]["unit_price"] == 22_000_00 and lines["TOR-001"]["tax"] == 41_800_00
    assert lines["SRV-INS"]["tax"] == 0
    assert (lines["PIN-GAL"]["available"], lines["PIN-GAL"]["unavailable_reason"]) == (False, "no_price")
    assert lines["OLD-1"]["unavailable_reason"] == "inactive"
    assert cart["totals"] == {"currency": "COP", "subtotal": 340_000_00, "tax": 41_800_00, "total": 381_800_00}
    assert cart["orderable"] is False
    # The business changes a price: the cart shows it at the next read
    put(world.client, "price-lists/general", {"name": "General", "currency": "COP", "items": [
        {"sku": "TOR-001", "unit_price": 20_000_00}, {"sku": "SRV-INS", "unit_price": 120_000_00}]})
    lines = {line["sku"]: line for line in get(world.client, "/v1/portal/cart", shop["token"])["lines"]}
    assert lines["TOR-001"]["unit_price"] == 20_000_00
    # another contact has a cart of their own
    assert get(world.client, "/v1/portal/cart", shop["other"])["lines"] == []


def test_cart_validation_and_concurrent_change(world: Any, shop: dict[str, Any]) -> None:
    reply = call(world.client, "PUT", "/v1/portal/cart", token=shop["token"],
                 body={"lines": [{"sku": "TOR-001", "qty": 0}, {"sku": "bad sku", "qty": 1}]})
    assert reply.status == 422
    assert set(reply.body["error"]["details"]["fields"]) == {"lines[0].qty", "lines[1].sku"}
    first = put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 1}])
    put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 2}])
    stale = call(world.client, "PUT", "/v1/portal/cart", token=shop["token"],
                 body={"lines": [{"sku": "TOR-001", "qty": 5}], "rev": first["rev"]})
    assert stale.status == 409 and stale.body["error"]["code"] == "cart_changed"


def place(client: Any, token: str, body: dict[str, Any] | None = None, key: str | None = None) -> Any:
    return call(client, "POST", "/v1/portal/orders", token=token, body=body or {},
                headers={"Idempotency-Key": key} if key else None)


def test_placing_an_order_freezes_prices_empties_the_cart_mails_and_emits(world: Any, shop: dict[str, Any]) -> None:
    put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 2}, {"sku": "TAL-002", "qty": 1}])
    before = len(sent_mail())
    reply = place(world.client, shop["token"], {"po_number": "OC-77", "notes": "Entregar en bodega",
                                                "delivery_address": "Calle 1 # 2-3",
                                                "requested_date": (today() + timedelta(days=3)).isoformat()},
                  key="order-1")
    assert reply.status == 201, reply.body
    order = reply.body
    assert order["status"] == "received" and order["po_number"] == "OC-77"
    assert order["total"] == (2 * 25_000_00 + 300_000_00) * 119 // 100
    assert order["timeline"][0]["status"] == "received"
    assert get(world.client, "/v1/portal/cart", shop["token"])["lines"] == []
    mails = sent_mail()[before:]
    assert {m["to"][0] for m in mails} == {"c-1@cliente.test", "eva@acme.test"}
    assert any(order["id"] in m["subject"] for m in mails)
    placed = events(world.client, "order.placed")
    assert len(placed) == 1 and placed[0]["data"]["order_id"] == order["id"]
    assert placed[0]["data"]["po_number"] == "OC-77" and placed[0]["account_id"] == "acc-1"
    # the price changes later: the order keeps what was agreed
    put(world.client, "price-lists/especial", {"name": "Especial", "currency": "COP",
                                               "items": [{"sku": "TAL-002", "unit_price": 1_00}]})
    assert get(world.client, f"/v1/portal/orders/{order['id']}", shop["token"])["total"] == order["total"]
    # the same Idempotency-Key answers the same order, without a second one
    again = place(world.client, shop["token"], {"po_number": "OC-77", "notes": "Entregar en bodega",
                                                "delivery_address": "Calle 1 # 2-3",
                                                "requested_date": (today() + timedelta(days=3)).isoformat()},
                  key="order-1")
    assert again.status == 201 and again.body["id"] == order["id"]
    assert len(events(world.client, "order.placed")) == 1
    other_body = place(world.client, shop["token"], {"po_number": "OC-78"}, key="order-1")
    assert other_body.status == 409 and other_body.body["error"]["code"] == "idempotency_key_reused"
    listed = get(world.client, "/v1/portal/orders", shop["token"])
    assert [o["id"] for o in listed["items"]] == [order["id"]]
    assert get(world.client, "/v1/portal/orders", shop["other"])["items"] == []
    staff = call(world.client, "GET", f"/v1/integration/orders/{order['id']}", token=API_KEY)
    assert staff.status == 200 and staff.body["account_id"] == "acc-1"
    assert call(world.client, "GET", f"/v1/integration/orders/{order['id']}", token=OTHER_API_KEY).status == 404


def test_an_empty_or_unavailable_cart_is_refused(world: Any, shop: dict[str, Any]) -> None:
    reply = place(world.client, shop["token"])
    assert reply.status == 409 and reply.body["error"]["code"] == "cart_empty"
    put_cart(world.client, shop["token"], [{"sku": "PIN-GAL", "qty": 1}])
    reply = place(world.client, shop["token"])
    assert reply.status == 409 and reply.body["error"]["code"] == "cart_unavailable"
    assert reply.body["error"]["details"]["lines"] == {"lines[0]": "no_price"}
    past = place(world.client, shop["token"], {"requested_date": (today() - timedelta(days=1)).isoformat()})
    assert past.status == 422 and "requested_date" in past.body["error"]["details"]["fields"]


def test_guardrails_credit_limit_and_overdue_invoices(world: Any, shop: dict[str, Any]) -> None:
    world.put("invoices/fv-1", {"account_id": "acc-1", "number": "FV-1",
                                "issue_date": (today() - timedelta(days=70)).isoformat(),
                                "due_date": (today() - timedelta(days=40)).isoformat(), "currency": "COP",
                                "total": 1_800_000_00, "balance": 1_800_000_00})
    put_cart(world.client, shop["token"], [{"sku": "TAL-002", "qty": 1}])  # 357.000 with tax
    assert place(world.client, shop["token"]).status == 201  # guardrails are off by default
    put_cart(world.client, shop["token"], [{"sku": "TAL-002", "qty": 1}])
    put(world.client, "settings/sales", {"credit_limit_check": True})
    reply = place(world.client, shop["token"])
    assert reply.status == 409 and reply.body["error"]["code"] == "credit_limit_exceeded"
    assert reply.body["error"]["details"]["available"] == 200_000_00
    put(world.client, "settings/sales", {"credit_limit_check": False, "max_overdue_days": 30})
    reply = place(world.client, shop["token"])
    assert reply.status == 409 and reply.body["error"]["code"] == "orders_blocked_overdue"
    assert reply.body["error"]["details"]["invoices"] == ["FV-1"]
    put(world.client, "settings/sales", {"max_overdue_days": 60})
    assert place(world.client, shop["token"]).status == 201


def test_order_states_move_forward_with_mail_and_timeline(world: Any, shop: dict[str, Any]) -> None:
    put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 1}])
    order_id = place(world.client, shop["token"]).body["id"]
    path = f"orders/{order_id}/status"
    before = len(sent_mail())
    assert put(world.client, path, {"status": "confirmed"})["status"] == "confirmed"
    shipped = put(world.client, path, {"status": "shipped", "tracking": "GUIA-123"})  # steps may be skipped
    assert [e["status"] for e in shipped["timeline"]] == ["received", "confirmed", "shipped"]
    mails = sent_mail()[before:]
    assert len(mails) == 2 and all(set(m["to"]) == {"c-1@cliente.test"} for m in mails)
    assert "GUIA-123" in mails[1]["text"] and "despachado" in mails[1]["subject"]
    back = call(world.client, "PUT", f"/v1/integration/{path}", token=API_KEY, body={"status": "confirmed"})
    assert back.status == 409 and back.body["error"]["code"] == "order_transition_invalid"
    missing = call(world.client, "PUT", f"/v1/integration/{path}", token=API_KEY, body={"status": "rejected"})
    assert missing.status == 422 and "reason" in missing.body["error"]["details"]["fields"]
    put(world.client, path, {"status": "delivered"})
    final = call(world.client, "PUT", f"/v1/integration/{path}", token=API_KEY,
                 body={"status": "rejected", "reason": "tarde"})
    assert final.status == 409
    detail = get(world.client, f"/v1/portal/orders/{order_id}", shop["token"])
    assert detail["status"] == "delivered" and detail["timeline"][-1]["status"] == "delivered"
    assert [e["data"]["status"] for e in events(world.client, "order.status_changed")] == \
        ["confirmed", "shipped", "delivered"]


def test_cancel_while_received_and_reorder_fills_the_cart(world: Any, shop: dict[str, Any]) -> None:
    put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 3}])
    first = place(world.client, shop["token"]).body["id"]
    cancelled = call(world.client, "POST", f"/v1/portal/orders/{first}/cancel", token=shop["token"],
                     body={"reason": "Me equivoqué"})
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert cancelled.body["timeline"][-1]["reason"] == "Me equivoqué"
    assert events(world.client, "order.cancelled")[0]["data"]["order_id"] == first
    again = call(world.client, "POST", f"/v1/portal/orders/{first}/cancel", token=shop["token"])
    assert again.status == 409 and again.body["error"]["code"] == "order_not_cancellable"
    put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 1}, {"sku": "SRV-INS", "qty": 1}])
    cart = call(world.client, "POST", f"/v1/portal/orders/{first}/reorder", token=shop["token"])
    assert cart.status == 200
    assert {line["sku"]: line["qty"] for line in cart.body["lines"]} == {"TOR-001": 4, "SRV-INS": 1}
    assert call(world.client, "POST", f"/v1/portal/orders/{first}/reorder", token=shop["other"]).status == 404


def test_own_scope_sees_only_its_own_orders(world: Any, shop: dict[str, Any]) -> None:
    put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 1}])
    order_id = place(world.client, shop["token"]).body["id"]
    world.put("contacts/c-1b", {"account_id": "acc-1", "name": "Colega", "email": "c-1b@cliente.test",
                                "portal": grant(*SALES, scope="own", actions=ACTIONS)})
    sibling = quick_portal_user(world.client, TENANT, "c-1b", "c-1b@cliente.test")
    assert get(world.client, "/v1/portal/orders", sibling)["items"] == []
    assert call(world.client, "GET", f"/v1/portal/orders/{order_id}", token=sibling).status == 404


# --- quotes -------------------------------------------------------------------------------------------------------


def quote_body(**changes: Any) -> dict[str, Any]:
    body = {"account_id": "acc-1", "contact_id": "c-1", "number": "COT-100", "issue_date": today().isoformat(),
            "valid_until": (today() + timedelta(days=15)).isoformat(), "currency": "COP",
            "lines": [{"sku": "TOR-001", "description": "Tornillo drywall", "qty": 100, "unit_price": 20_000_00,
                       "tax_rate": 1900},
                      {"description": "Transporte", "qty": 1, "unit_price": 50_000_00, "discount": 10_000_00,
                       "tax_rate": 0}],
            "notes": "Precios sujetos a disponibilidad", "salesperson": {"name": "Sara", "email": "sara@acme.test"}}
    body.update(changes)
    return body


def test_quote_push_validates_totals_and_mails_the_contact_once(world: Any, shop: dict[str, Any]) -> None:
    wrong = call(world.client, "PUT", "/v1/integration/quotes/q-1", token=API_KEY,
                 body=quote_body(total=1, lines=[{"description": "x", "qty": 1, "unit_price": 10, "tax_rate": 1900,
                                                  "subtotal": 11}]))
    assert wrong.status == 422
    assert set(wrong.body["error"]["details"]["fields"]) == {"total", "lines[0].subtotal"}
    before = len(sent_mail())
    created = call(world.client, "PUT", "/v1/integration/quotes/q-1", token=API_KEY, body=quote_body())
    assert created.status == 201, created.body
    assert created.body["subtotal"] == 2_040_000_00 and created.body["tax"] == 380_000_00
    assert created.body["total"] == 2_420_000_00
    put(world.client, "quotes/q-1", quote_body(notes="Actualizada"))
    mails = sent_mail()[before:]
    assert len(mails) == 1 and set(mails[0]["to"]) == {"c-1@cliente.test"} and "COT-100" in mails[0]["subject"]
    moved = call(world.client, "PUT", "/v1/integration/quotes/q-1", token=API_KEY, body=quote_body(account_id="acc-2",
                                                                                                     contact_id=None))
    assert moved.status == 409 and moved.body["error"]["code"] == "account_mismatch"


def test_accepting_a_quote_records_who_and_places_its_order(world: Any, shop: dict[str, Any]) -> None:
    put(world.client, "quotes/q-1", quote_body())
    listed = get(world.client, "/v1/portal/quotes", shop["token"])
    assert [(q["id"], q["status"], q["can_answer"]) for q in listed["items"]] == [("q-1", "sent", True)]
    reply = call(world.client, "POST", "/v1/portal/quotes/q-1/accept", token=shop["token"],
                 body={"name": "Compradora Uno", "po_number": "OC-9", "note": "Aprobado por gerencia"})
    assert reply.status == 200, reply.body
    quote = reply.body
    assert quote["status"] == "accepted" and quote["order_id"]
    assert quote["acceptance"]["name"] == "Compradora Uno" and quote["acceptance"]["po_number"] == "OC-9"
    assert quote["acceptance"]["at"] and "ip" in quote["acceptance"]
    order = get(world.client, f"/v1/portal/orders/{quote['order_id']}", shop["token"])
    assert (order["status"], order["source"], order["quote_id"], order["total"]) == \
        ("received", "quote", "q-1", 2_420_000_00)
    accepted = events(world.client, "quote.accepted")
    placed = events(world.client, "order.placed")
    assert accepted[0]["data"]["order_id"] == order["id"] and placed[0]["data"]["quote_id"] == "q-1"
    assert int(placed[0]["id"]) == int(accepted[0]["id"]) + 1  # one transaction, consecutive numbers
    again = call(world.client, "POST", "/v1/portal/quotes/q-1/accept", token=shop["token"], body={"name": "X"})
    assert again.status == 409 and again.body["error"]["code"] == "quote_not_open"
    closed = call(world.client, "PUT", "/v1/integration/quotes/q-1", token=API_KEY, body=quote_body())
    assert closed.status == 409 and closed.body["error"]["code"] == "quote_closed"
    assert any("aceptada" in m["subject"] and set(m["to"]) == {"sara@acme.test"} for m in sent_mail())


def test_accepting_without_an_order_when_the_tenant_says_so(world: Any, shop: dict[str, Any]) -> None:
    put(world.client, "settings/sales", {"quote_acceptance_creates_order": False})
    put(world.client, "quotes/q-2", quote_body(number="COT-2"))
    reply = call(world.client, "POST", "/v1/portal/quotes/q-2/accept", token=shop["token"], body={"name": "Ana"})
    assert reply.status == 200 and reply.body["order_id"] is None
    assert events(world.client, "order.placed") == []


def test_rejecting_expired_and_missing_quotes(world: Any, shop: dict[str, Any]) -> None:
    put(world.client, "quotes/q-3", quote_body(number="COT-3"))
    no_reason = call(world.client, "POST", "/v1/portal/quotes/q-3/reject", token=shop["token"], body={})
    assert no_reason.status == 422
    rejected = call(world.client, "POST", "/v1/portal/quotes/q-3/reject", token=shop["token"],
                    body={"reason": "Muy caro"})
    assert rejected.status == 200 and rejected.body["status"] == "rejected"
    assert rejected.body["rejection"]["reason"] == "Muy caro"
    assert events(world.client, "quote.rejected")[0]["data"]["quote_id"] == "q-3"
    put(world.client, "quotes/q-4", quote_body(number="COT-4", issue_date=(today() - timedelta(days=20)).isoformat(),
                                               valid_until=(today() - timedelta(days=1)).isoformat()))
    assert get(world.client, "/v1/portal/quotes/q-4", shop["token"])["status"] == "expired"
    expired = call(world.client, "POST", "/v1/portal/quotes/q-4/accept", token=shop["token"], body={"name": "Ana"})
    assert expired.status == 409 and expired.body["error"]["code"] == "quote_expired"
    put(world.client, "quotes/q-draft", quote_body(number="COT-5", status="draft"))
    assert call(world.client, "GET", "/v1/portal/quotes/q-draft", token=shop["token"]).status == 404
    assert call(world.client, "GET", "/v1/portal/quotes/q-3", token=shop["other"]).status == 404
    statuses = {q["id"]: q["status"] for q in get(world.client, "/v1/portal/quotes", shop["token"])["items"]}
    assert statuses == {"q-3": "rejected", "q-4": "expired"}
    only = get(world.client, "/v1/portal/quotes?status=expired", shop["token"])["items"]
    assert [q["id"] for q in only] == ["q-4"]


def test_quote_pdf_is_the_erps_or_a_marked_representation(world: Any, shop: dict[str, Any]) -> None:
    import requests

    put(world.client, "quotes/q-1", quote_body())
    rendered = get(world.client, "/v1/portal/quotes/q-1/pdf", shop["token"])
    assert rendered["representation"] is True
    assert requests.get(rendered["url"], timeout=5).content.startswith(b"%PDF")
    upload = call(world.client, "POST", "/v1/integration/quotes/q-1/pdf", token=API_KEY)
    assert upload.status == 200
    assert requests.put(upload.body["url"], data=b"%PDF-1.4 cotizacion ERP", timeout=5,
                        headers=upload.body["headers"]).ok
    erp = get(world.client, "/v1/portal/quotes/q-1/pdf", shop["token"])
    assert erp["representation"] is False
    assert requests.get(erp["url"], timeout=5).content == b"%PDF-1.4 cotizacion ERP"


def test_quote_request_from_the_cart_and_text(world: Any, shop: dict[str, Any]) -> None:
    put_cart(world.client, shop["token"], [{"sku": "PIN-GAL", "qty": 20}])
    before = len(sent_mail())
    reply = call(world.client, "POST", "/v1/portal/quote-requests", token=shop["token"],
                 body={"from_cart": True, "text": "Necesitamos 20 galones para el viernes"})
    assert reply.status == 201, reply.body
    assert reply.body["lines"][0]["sku"] == "PIN-GAL" and reply.body["lines"][0]["unit_price"] is None
    requested = events(world.client, "quote.requested")
    assert requested[0]["data"]["text"] == "Necesitamos 20 galones para el viernes"
    mail = sent_mail()[before:]
    assert set(mail[0]["to"]) == {"eva@acme.test"} and "20 × Pintura galón blanco (PIN-GAL)" in mail[0]["text"]
    assert get(world.client, "/v1/portal/cart", shop["token"])["lines"]  # the cart is kept
    listed = get(world.client, "/v1/portal/quote-requests", shop["token"])["items"]
    assert [r["id"] for r in listed] == [reply.body["id"]]
    assert get(world.client, "/v1/portal/quote-requests", shop["other"])["items"] == []
    empty = call(world.client, "POST", "/v1/portal/quote-requests", token=shop["token"], body={})
    assert empty.status == 422 and "text" in empty.body["error"]["details"]["fields"]


# --- integrator side ----------------------------------------------------------------------------------------------


def test_product_and_price_list_validation(world: Any, shop: dict[str, Any]) -> None:
    bad = call(world.client, "PUT", "/v1/integration/products/X-1", token=API_KEY,
               body={"name": "", "tax_rate": 19.5, "kind": "box", "image_url": "http://x", "extra": 1})
    assert bad.status == 422
    assert set(bad.body["error"]["details"]["fields"]) == {"name", "tax_rate", "kind", "image_url", "extra"}
    unknown = call(world.client, "PUT", "/v1/integration/price-lists/l2", token=API_KEY,
                   body={"name": "L", "currency": "COP", "items": [{"sku": "NOPE", "unit_price": 1}]})
    assert unknown.status == 422 and "NOPE" in unknown.body["error"]["details"]["fields"]["items"]
    dup = call(world.client, "PUT", "/v1/integration/price-lists/l2", token=API_KEY,
               body={"name": "L", "currency": "COP", "valid_from": "2026-02-01", "valid_to": "2026-01-01",
                     "items": [{"sku": "TOR-001", "unit_price": 1}, {"sku": "TOR-001", "unit_price": 2}]})
    assert dup.status == 422
    assert set(dup.body["error"]["details"]["fields"]) == {"valid_to", "items[1]"}
    listed = call(world.client, "GET", "/v1/integration/price-lists/general", token=API_KEY).body
    assert {"sku": "TOR-001", "min_qty": 10, "unit_price": 22_000_00} in listed["items"]
    read = call(world.client, "GET", "/v1/integration/products/TOR-001", token=API_KEY).body
    assert set(read["prices"]) == {"general"}
    assert call(world.client, "GET", "/v1/integration/products/TOR-001", token=OTHER_API_KEY).status == 404


def test_a_price_list_that_drops_a_sku_removes_its_price(world: Any, shop: dict[str, Any]) -> None:
    put(world.client, "price-lists/general", {"name": "General", "currency": "COP",
                                              "items": [{"sku": "TOR-001", "unit_price": 1_000_00}]})
    by_sku = {p["sku"]: p for p in get(world.client, "/v1/portal/catalog", shop["other"])["items"]}
    assert by_sku["TOR-001"]["price"]["unit_price"] == 1_000_00
    assert by_sku["TAL-002"]["price"] is None and by_sku["SRV-INS"]["price"] is None


def test_a_list_outside_its_dates_gives_way_to_the_default(world: Any, shop: dict[str, Any]) -> None:
    put(world.client, "price-lists/especial", {"name": "Especial", "currency": "COP",
                                               "valid_to": (today() - timedelta(days=1)).isoformat(),
                                               "items": [{"sku": "TAL-002", "unit_price": 300_000_00}]})
    item = get(world.client, "/v1/portal/catalog/TAL-002", shop["token"])
    assert item["price"]["unit_price"] == 350_000_00


def test_product_image_upload(world: Any, shop: dict[str, Any]) -> None:
    import requests

    reply = call(world.client, "POST", "/v1/integration/products/TAL-002/image", token=API_KEY,
                 body={"content_type": "image/png", "size": 8})
    assert reply.status == 200, reply.body
    assert requests.put(reply.body["url"], data=b"\x89PNG\r\n\x1a\n", headers=reply.body["headers"], timeout=5).ok
    item = get(world.client, "/v1/portal/catalog/TAL-002", shop["token"])
    assert requests.get(item["image_url"], timeout=5).content == b"\x89PNG\r\n\x1a\n"
    bad = call(world.client, "POST", "/v1/integration/products/TAL-002/image", token=API_KEY,
               body={"content_type": "image/gif", "size": 8})
    assert bad.status == 422


def test_sales_settings_read_back(world: Any, shop: dict[str, Any]) -> None:
    settings = call(world.client, "GET", "/v1/integration/settings/sales", token=API_KEY).body
    assert settings == {"catalog_visibility": "all", "default_price_list_id": "general",
                        "credit_limit_check": False, "max_overdue_days": None,
                        "quote_acceptance_creates_order": True}
    bad = call(world.client, "PUT", "/v1/integration/settings/sales", token=API_KEY,
               body={"catalog_visibility": "some"})
    assert bad.status == 422


def test_dashboard_has_a_card_per_sales_module(world: Any, shop: dict[str, Any]) -> None:
    put_cart(world.client, shop["token"], [{"sku": "TOR-001", "qty": 2}])
    put(world.client, "quotes/q-1", quote_body())
    modules = get(world.client, "/v1/portal/dashboard", shop["token"])["modules"]
    assert modules["catalog"] == {"cart_count": 2, "cart_total": 2 * 25_000_00 * 119 // 100, "currency": "COP"}
    assert modules["quotes"]["open_count"] == 1 and modules["quotes"]["latest"][0]["id"] == "q-1"
    assert modules["orders"] == {"open_count": 0, "latest": []}


def test_quote_request_with_an_attachment_mails_a_link(world: Any, shop: dict[str, Any]) -> None:
    import requests

    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 24
    upload = call(world.client, "POST", "/v1/portal/uploads", token=shop["token"],
                  body={"filename": "plano.png", "content_type": "image/png", "size": len(png)})
    assert upload.status == 201, upload.body
    assert requests.put(upload.body["url"], data=png, headers=upload.body["headers"], timeout=5).ok
    before = len(sent_mail())
    reply = call(world.client, "POST", "/v1/portal/quote-requests", token=shop["token"],
                 body={"text": "Corte según el plano", "attachment_ids": [upload.body["upload_id"]]})
    assert reply.status == 201, reply.body
    assert reply.body["attachments"][0]["filename"] == "plano.png"
    mail = sent_mail()[before]
    assert "plano.png" in mail["text"] and "#/attachment/" in mail["text"]
    again = call(world.client, "POST", "/v1/portal/quote-requests", token=shop["token"],
                 body={"text": "Otra vez", "attachment_ids": [upload.body["upload_id"]]})
    assert again.status == 422 and "attachment_ids[0]" in again.body["error"]["details"]["fields"]


def test_an_invoiced_sku_counts_as_purchased(world: Any, shop: dict[str, Any]) -> None:
    put(world.client, "settings/sales", {"catalog_visibility": "purchased"})
    world.put("invoices/fv-sku", {"account_id": "acc-1", "number": "FV-9", "issue_date": today().isoformat(),
                                  "due_date": today().isoformat(), "currency": "COP", "total": 100, "balance": 100,
                                  "lines": [{"description": "Servicio", "quantity": 1, "unit_price": 100, "total": 100,
                                             "sku": "SRV-INS"}]})
    assert [p["sku"] for p in get(world.client, "/v1/portal/catalog", shop["token"])["items"]] == ["SRV-INS"]
    invoice = call(world.client, "GET", "/v1/integration/invoices/fv-sku", token=API_KEY).body
    assert invoice["lines"][0]["sku"] == "SRV-INS"
