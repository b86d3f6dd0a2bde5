"""The demo tenant's sales data (issue 13): what `make run` shows, and a second seed run adds nothing."""

from __future__ import annotations

from typing import Any

from tests.support import PASSWORD, call


def _table_items() -> list[dict[str, Any]]:
    from chalicelib.store import db

    settings = db.ready()
    items, start = [], None
    while True:
        more = {"ExclusiveStartKey": start} if start else {}
        page = db.client("dynamodb").scan(TableName=settings.table_name, **more)
        items += page["Items"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return items


def test_demo_sales_are_seeded_once_and_shown_to_ana(client: Any) -> None:
    from chalicelib.demo import DEMO_PASSWORD, seed_demo

    assert DEMO_PASSWORD != PASSWORD
    seed_demo(api_key="demo-key-for-tests-0123456789", portal_url="http://portal.test")
    first = {(i["pk"]["S"], i["sk"]["S"]) for i in _table_items() if not i["sk"]["S"].startswith(("SESSION#",))}
    seed_demo(api_key="demo-key-for-tests-0123456789", portal_url="http://portal.test")
    second = {(i["pk"]["S"], i["sk"]["S"]) for i in _table_items() if not i["sk"]["S"].startswith(("SESSION#",))}
    assert second == first  # nothing twice: no second order, event or quote
    events = [k for k in first if k[0] == "T#demo#EVENTS" and k[1].startswith("EV#")]
    assert len([k for k in first if k[1].startswith("ORDER#")]) == 3

    login = call(client, "POST", "/v1/auth/login", body={"tenant": "demo", "email": "ana.gomez@eltornillo.example.com",
                                                         "password": DEMO_PASSWORD})
    token = login.body["token"]
    catalog = call(client, "GET", "/v1/portal/catalog?limit=100", token=token).body["items"]
    by_sku = {p["sku"]: p for p in catalog}
    assert len(by_sku) == 18
    assert by_sku["TAL-PER-750"]["price"]["unit_price"] == 349_000_00  # the wholesale list of El Tornillo
    assert by_sku["SRV-CORTE"]["price"] is None  # "consultar precio"
    orders = call(client, "GET", "/v1/portal/orders", token=token).body["items"]
    assert {o["id"]: o["status"] for o in orders} == {"PED-DEMO-0001": "delivered", "PED-DEMO-0002": "in_preparation",
                                                      "PED-DEMO-0003": "received"}
    quotes = {q["id"]: q["status"] for q in call(client, "GET", "/v1/portal/quotes", token=token).body["items"]}
    assert quotes == {"COT-2026-0101": "sent", "COT-2026-0104": "sent", "COT-2026-0087": "expired"}
    assert len(events) == len([k for k in second if k[0] == "T#demo#EVENTS" and k[1].startswith("EV#")])
