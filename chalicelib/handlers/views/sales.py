"""Catalog products, price lists, carts, orders and quotes as the portal and the integrator API show them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import sales as rules

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.services.catalog import CatalogPage, PricedProduct, PriceListItem, PriceListPage, ProductItem
    from chalicelib.services.orders import Cart, OrderItem
    from chalicelib.services.quotes import Answered, QuoteItem, QuoteRequestItem


def _price(priced: PricedProduct) -> dict[str, Any] | None:
    price = priced.price
    if price is None:
        return None
    return {"unit_price": price.unit_price, "currency": price.currency, "min_qty": price.min_qty,
            "tiers": [{"min_qty": q, "unit_price": p} for q, p in price.tiers]}


def product(priced: PricedProduct, *, detail: bool = False) -> dict[str, Any]:
    """A catalog product with the caller's price (``null`` and ``price_reason`` when it has none: "consultar
    precio" — request a quote)."""
    item = priced.product
    result = {
        "sku": item.sku, "name": item.name, "kind": item.product_kind, "unit": item.unit, "category": item.category,
        "tax_rate": int(item.tax_rate), "image_url": priced.image_url,
        "stock": int(item.stock) if item.stock is not None else None,
        "price": _price(priced), "orderable": priced.price is not None, "price_reason": priced.reason,
    }
    if detail:
        result.update({"description": item.description, "attributes": item.attributes or {}})
    else:
        result["summary"] = (item.description or "")[:160]
    return result


def catalog_page(page: CatalogPage) -> dict[str, Any]:
    return {"items": [product(p) for p in page.items], "next_cursor": page.next_cursor, "currency": page.currency}


def price_list_page(page: PriceListPage) -> dict[str, Any]:
    return {
        "currency": page.currency,
        "lists": [{"role": role, "name": item.name, "valid_from": item.valid_from, "valid_to": item.valid_to}
                  for role, item in page.lists],
        "items": [{**{k: v for k, v in product(p).items() if k in ("sku", "name", "kind", "unit", "category",
                                                                   "tax_rate")},
                   "unit_price": p.price.unit_price if p.price else None, "min_qty": p.price.min_qty if p.price else 1,
                   "tiers": _price(p)["tiers"] if p.price else []} for p in page.items],  # type: ignore[index]
        "next_cursor": page.next_cursor,
    }


def cart(value: Cart) -> dict[str, Any]:
    return {"lines": [line.to_json() for line in value.lines], "totals": value.totals.to_json(),
            "currency": value.totals.currency, "rev": value.rev, "updated_at": value.updated_at,
            "orderable": value.orderable, "count": sum(line.qty for line in value.lines)}


def order(item: OrderItem) -> dict[str, Any]:
    details = item.details or {}
    return {
        "id": item.order_id, "number": item.order_id, "status": item.status, "source": item.source,
        "quote_id": item.quote_id, "currency": item.currency, "lines": item.lines,
        "subtotal": int(item.subtotal), "tax": int(item.tax), "total": int(item.total),
        "po_number": details.get("po_number"), "notes": details.get("notes"),
        "delivery_address": details.get("delivery_address"), "requested_date": details.get("requested_date"),
        "contact": {"id": item.contact_id, "name": item.contact_name}, "placed_at": item.placed_at,
        "updated_at": item.updated_at, "timeline": item.timeline, "cancellable": item.status == rules.RECEIVED,
    }


def order_row(item: OrderItem) -> dict[str, Any]:
    full = order(item)
    return {**{k: full[k] for k in ("id", "number", "status", "source", "quote_id", "currency", "subtotal", "tax",
                                    "total", "po_number", "placed_at", "updated_at", "cancellable")},
            "line_count": len(item.lines), "contact": full["contact"]}


def orders_page(items: list[OrderItem], next_cursor: str | None) -> dict[str, Any]:
    return {"items": [order_row(i) for i in items], "next_cursor": next_cursor}


def order_for_staff(item: OrderItem) -> dict[str, Any]:
    return {**order(item), "account_id": item.account_id}


def quote(item: QuoteItem, today: date) -> dict[str, Any]:
    data = item.data or {}
    status = rules.quote_status(item.status, item.valid_until, today)
    acceptance = {k: v for k, v in (item.acceptance or {}).items() if k != "user_agent"} or None
    return {
        "id": item.quote_id, "number": item.number, "status": status, "issue_date": item.issue_date,
        "valid_until": item.valid_until, "currency": item.currency, "lines": item.lines,
        "subtotal": int(item.subtotal), "tax": int(item.tax), "total": int(item.total), "notes": data.get("notes"),
        "terms": data.get("terms"),
        "salesperson": {"name": data["salesperson"]["name"]} if data.get("salesperson") else None,
        "contact_id": item.contact_id, "acceptance": acceptance, "rejection": item.rejection,
        "order_id": item.order_id, "can_answer": status == rules.QUOTE_SENT,
        "created_at": item.created_at, "updated_at": item.updated_at,
    }


def quote_row(item: QuoteItem, today: date) -> dict[str, Any]:
    full = quote(item, today)
    return {k: full[k] for k in ("id", "number", "status", "issue_date", "valid_until", "currency", "subtotal", "tax",
                                 "total", "order_id", "can_answer")}


def quotes_page(items: list[QuoteItem], next_cursor: str | None, today: date) -> dict[str, Any]:
    return {"items": [quote_row(i, today) for i in items], "next_cursor": next_cursor}


def answered(result: Answered, today: date) -> dict[str, Any]:
    return {**quote(result.quote, today), "order_id": result.order_id}


def quote_for_staff(item: QuoteItem, today: date) -> dict[str, Any]:
    return {**quote(item, today), "stored_status": item.status, "account_id": item.account_id,
            "acceptance": item.acceptance, "pdf_key": item.pdf_key, "notified_at": item.notified_at}


def quote_request(item: QuoteRequestItem) -> dict[str, Any]:
    return {"id": item.request_id, "text": item.text, "lines": item.lines or [],
            "attachments": [{k: a[k] for k in ("upload_id", "filename", "content_type", "size")}
                            for a in item.attachments or []],
            "contact": {"id": item.contact_id, "name": item.contact_name}, "created_at": item.created_at}


def quote_requests_page(items: list[QuoteRequestItem], next_cursor: str | None) -> dict[str, Any]:
    return {"items": [quote_request(i) for i in items], "next_cursor": next_cursor}


def product_for_staff(item: ProductItem, prices: dict[str, Any]) -> dict[str, Any]:
    return {"sku": item.sku, "name": item.name, "description": item.description, "kind": item.product_kind,
            "unit": item.unit, "category": item.category, "tax_rate": int(item.tax_rate),
            "attributes": item.attributes or {}, "image_url": item.image_url, "image_uploaded": bool(item.image_key),
            "active": bool(item.active), "stock": int(item.stock) if item.stock is not None else None,
            "prices": prices, "created_at": item.created_at, "updated_at": item.updated_at}


def price_list_for_staff(item: PriceListItem) -> dict[str, Any]:
    return {"id": item.list_id, "name": item.name, "currency": item.currency, "valid_from": item.valid_from,
            "valid_to": item.valid_to,
            "items": [{"sku": sku, "min_qty": int(q), "unit_price": int(p)}
                      for sku, tiers in sorted((item.items or {}).items()) for q, p in tiers],
            "created_at": item.created_at, "updated_at": item.updated_at}


def dashboard_cards(orders: list[OrderItem] | None, quotes: list[QuoteItem] | None, cart_value: Cart | None,
                    today: date) -> dict[str, Any]:
    """The catalog, orders and quotes cards of the dashboard (only those the contact has)."""
    cards: dict[str, Any] = {}
    if cart_value is not None:
        cards["catalog"] = {"cart_count": sum(line.qty for line in cart_value.lines),
                            "cart_total": cart_value.totals.total, "currency": cart_value.totals.currency}
    if orders is not None:
        open_orders = [o for o in orders if o.status not in rules.ORDER_FINAL]
        cards["orders"] = {"open_count": len(open_orders), "latest": [order_row(o) for o in orders[:5]]}
    if quotes is not None:
        rows = [quote_row(q, today) for q in quotes]
        waiting = [r for r in rows if r["status"] == rules.QUOTE_SENT]
        cards["quotes"] = {"open_count": len(waiting),
                           "next_expiry": min((r["valid_until"] for r in waiting), default=None),
                           "latest": rows[:5]}
    return cards
