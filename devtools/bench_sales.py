"""The catalog at scale (issue 13): 5,000 products priced by a 5,000-line default list and a 500-line account list,
pushed through the integrator's code paths; then the portal's catalog page (plain, searched, filtered, the next
page), a product, the price list page and a 20-line cart, each request's DynamoDB calls counted and held to the
budget (≤ 2 after the session's one BatchGetItem). Run by ``make bench`` (devtools/bench.py) or
``python -m devtools.bench --only sales``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

PRODUCTS = 5_000
ACCOUNT_LIST = 500
CART_LINES = 20
TENANT = "bench-sales"
EMAIL = "compras@bench-sales.example.com"
PASSWORD = "Bench-Catalogo-Precio-5000"  # noqa: S105 - a bench login in an emulated table
BUDGET = 3  # the session's BatchGetItem + 2
WORDS = ("tornillo", "tuerca", "arandela", "taladro", "broca", "pintura", "cable", "tubo", "llave", "martillo",
         "cinta", "guante", "lija", "pegante", "sellador", "bisagra", "candado", "manguera", "codo", "valvula")
FINISHES = ("galvanizado", "inoxidable", "negro", "blanco", "cromado", "rojo", "azul", "verde")


@dataclass
class Measured:
    label: str
    calls: list[str]
    items: int
    ms: float


def _count(client: Any, method: str, path: str, token: str, body: Any = None) -> tuple[Any, list[str], float]:
    import json

    import botocore.client

    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self: Any, operation: str, params: Any) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counting  # type: ignore[method-assign]
    started = time.perf_counter()
    try:
        response = getattr(client.http, method.lower())(path, headers={"Authorization": f"Bearer {token}",
                                                                       "Content-Type": "application/json"},
                                                        body=json.dumps(body) if body is not None else None)
    finally:
        botocore.client.BaseClient._make_api_call = original  # type: ignore[method-assign]
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.body
    return json.loads(response.body), calls, elapsed


def _seed(today: Any) -> tuple[str, str]:
    """5,000 products with the default list's prices bulk-written (BatchWriteItem: moto's TransactWriteItems copies
    the whole table per transaction and keeps every copy's items tracked, so the ~54 transactions of a 5,300-line
    list PUT exhaust memory here, which DynamoDB does not); the 500-SKU account list goes through the real PUT
    (6 transactions), timed, while the table holds only its 500 products."""
    from chalicelib.domain import sales as rules
    from chalicelib.domain.access import MODULES
    from chalicelib.services import accounts, catalog, contacts, tenants
    from chalicelib.store import db, keys
    from chalicelib.store.models import PriceListItem, ProductItem

    rng = random.Random(13)
    tenants.create_tenant(TENANT, name="Bench Ventas S.A.S.", timezone="America/Bogota",
                          portal_url="http://portal.test", currency="COP", modules=frozenset(MODULES))
    db.ready()
    skus = [f"SKU-{n:05d}" for n in range(PRODUCTS)]
    sample = set(rng.sample(skus, ACCOUNT_LIST))
    general: dict[str, tuple[tuple[int, int], ...]] = {}

    def bulk(chosen: list[str]) -> None:
        with ProductItem.batch_write() as batch:
            for sku in chosen:
                n = int(sku[4:])
                word, finish = WORDS[n % len(WORDS)], FINISHES[(n // len(WORDS)) % len(FINISHES)]
                data = rules.read_product({
                    "name": f"{word.title()} {finish} referencia {n}", "description": f"{word} {finish} para obra",
                    "kind": "service" if n % 50 == 0 else "product", "category": word.title(), "tax_rate": 1900,
                    "attributes": {"Acabado": finish, "Calibre": str(n % 12)}, "stock": rng.randrange(0, 500)})
                tiers = ((1, rng.randrange(1_000, 500_000) * 100),) + (((12, 1_000_00),) if n < 300 else ())
                general[sku] = tiers
                entry = rules.ListEntry("general", "COP", None, None, tiers).to_json()
                search = rules.search_text(sku, data["name"], data["description"], data["category"], data["attributes"])
                batch.save(ProductItem(
                    keys.catalog(TENANT), keys.product_sk(sku), sku=sku, name=data["name"],
                    description=data["description"], product_kind=data["kind"], unit=data["unit"],
                    category=data["category"], tax_rate=data["tax_rate"], attributes=data["attributes"], active=True,
                    stock=data["stock"], search=search, prices={"general": entry},
                    created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z"))

    # The account list's SKUs first, so its real PUT runs on a small table (moto copies the table per transaction)
    bulk(sorted(sample))
    started = time.perf_counter()
    catalog.put_price_list(TENANT, "mayorista", {"name": "Mayorista", "currency": "COP", "items": [
        {"sku": s, "unit_price": 900_00} for s in sorted(sample)]})
    lists_s = time.perf_counter() - started
    started = time.perf_counter()
    bulk([s for s in skus if s not in sample])
    PriceListItem(keys.catalog(TENANT), keys.price_list_sk("general"), list_id="general", name="General",
                  currency="COP", items={s: [list(t) for t in tiers] for s, tiers in general.items()}).save()
    products_s = time.perf_counter() - started
    catalog.put_sales_settings(TENANT, {"default_price_list_id": "general"})
    accounts.upsert_account(TENANT, "big", {"name": "Cliente Grande S.A.S.", "tax_id": "900123456-8",
                                            "price_list_id": "mayorista"})
    portal = {"enabled": True, "start_date": today.isoformat(),
              "end_date": today.replace(year=today.year + 1).isoformat(),
              "modules": {m: {"scope": "account", "actions": ["view"]} for m in ("catalog", "orders", "quotes")}}
    contacts.upsert_contact(TENANT, "ana", {"account_id": "big", "name": "Ana", "email": EMAIL, "portal": portal})
    contacts.set_password_directly(TENANT, "ana", PASSWORD)
    return (f"{PRODUCTS:,} products with a {PRODUCTS + 300:,}-line default list bulk-written in {products_s:.1f} s; "
            f"the {ACCOUNT_LIST}-SKU account list through PUT /price-lists in {lists_s:.1f} s"), skus[0]


def catalog_at_scale() -> int:
    """Seeds and measures; prints the table; returns 1 when a request exceeded its budget."""
    import json

    from devtools.bench import sandbox

    print(f"\ncatalog at scale (moto in process, tenant {TENANT!r}):")
    started = time.perf_counter()
    failures = []
    with sandbox() as client:
        from chalicelib.domain import clock

        today = clock.today("America/Bogota")
        seeded, _ = _seed(today)
        print(f"  seed: {seeded}")
        login = client.http.post("/v1/auth/login", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"tenant": TENANT, "email": EMAIL, "password": PASSWORD}))
        token = json.loads(login.body)["token"]
        cart = {"lines": [{"sku": f"SKU-{n * 97 % PRODUCTS:05d}", "qty": 1 + n} for n in range(CART_LINES)]}
        _count(client, "PUT", "/v1/portal/cart", token, cart)
        results = []
        first, _, _ = _count(client, "GET", "/v1/portal/catalog", token)
        plan = [
            ("catalog page (24)", "/v1/portal/catalog"),
            ("catalog page 2", f"/v1/portal/catalog?cursor={first['next_cursor']}"),
            ("catalog search 'tornillo inoxidable'", "/v1/portal/catalog?q=tornillo%20inoxidable"),
            ("catalog kind=service", "/v1/portal/catalog?kind=service&limit=50"),
            ("catalog category=Broca", "/v1/portal/catalog?category=Broca"),
            ("product", "/v1/portal/catalog/SKU-00042"),
            ("cart (20 lines)", "/v1/portal/cart"),
            ("price list page (100)", "/v1/portal/price-list"),
            ("price list page 2", "/v1/portal/price-list?cursor=NEXT"),
        ]
        cursors: dict[str, str] = {}
        for label, template in plan:
            path = template.replace("NEXT", cursors.get("/v1/portal/price-list", ""))
            body, calls, ms = _count(client, "GET", path, token)
            cursors[path] = body.get("next_cursor") or ""
            items = len(body.get("items") or body.get("lines") or [body])
            results.append(Measured(label, calls, items, ms))
    print(f"  {'request':<40} {'calls':>5} {'items':>6} {'ms':>8}  sequence")
    for r in results:
        budgeted = r.label.startswith(("catalog", "cart", "product"))
        flag = "" if not budgeted or len(r.calls) <= BUDGET else f"  > budget {BUDGET}"
        print(f"  {r.label:<40} {len(r.calls):>5} {r.items:>6} {r.ms:>8.1f}  {', '.join(r.calls)}{flag}")
        if flag:
            failures.append(f"{r.label}: {len(r.calls)} calls")
    print(f"  (budget for catalog pages, a product and the cart: {BUDGET} DynamoDB calls, the session's included; "
          f"ms through the in-process test client and moto, for orientation only)")
    print(f"\n  catalog bench: {time.perf_counter() - started:.0f} s")
    for failure in failures:
        import sys

        print(f"BUDGET EXCEEDED: {failure}", file=sys.stderr)
    return 1 if failures else 0
