"""Sales rules (issue 13): products, price lists and how a price is resolved, carts, orders and their states,
quotes and their acceptance. Pure: data in, decisions out; no clock reads without a parameter.

Money is integer minor units plus an ISO 4217 currency (DESIGN §2). Tax rates are **basis points**: an integer
number of hundredths of a percent (``1900`` = 19 %, ``500`` = 5 %, ``0`` = exempt), so no float ever touches a
rate. Prices are before tax; a line's tax is ``round_half_up(subtotal × rate / 10 000)``, rounded per line, and a
document's tax is the sum of its lines' (as Colombian e-invoices show it).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.domain.validation import CURRENCY_RE, ID_RE, Reader

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import date

KINDS = ("product", "service")
SKU_RE = ID_RE  # a SKU is an id: 1-64 letters, digits, ".", "_" or "-"
MAX_TAX_RATE = 10_000  # 100 %
MAX_ATTRIBUTES = 30
MAX_PRICE_LIST_ITEMS = 8_000  # lines; the list is stored whole in one item, held under MAX_PRICE_LIST_BYTES
MAX_PRICE_LIST_BYTES = 300_000  # of its items as stored JSON: DynamoDB's item limit is 400 KB
MAX_TIERS = 10  # quantity breaks of one SKU in one list
MAX_CART_LINES = 100  # one order is one transaction with room for its other writes
MAX_QTY = 1_000_000
MAX_QUOTE_LINES = 200
VISIBILITIES = ("all", "purchased")

# Orders move forward along FLOW; `rejected` (by the business, with a reason) from any open state; `cancelled`
# (by the contact) only while `received`.
RECEIVED, CONFIRMED, IN_PREPARATION, SHIPPED, DELIVERED = "received", "confirmed", "in_preparation", "shipped", \
    "delivered"
REJECTED, CANCELLED = "rejected", "cancelled"
FLOW = (RECEIVED, CONFIRMED, IN_PREPARATION, SHIPPED, DELIVERED)
ORDER_STATUSES = (*FLOW, REJECTED, CANCELLED)
ORDER_FINAL = frozenset({DELIVERED, REJECTED, CANCELLED})

# Quotes: the ERP sends `sent` (or `draft`, which the portal does not show); the contact accepts or rejects a
# `sent` quote until its `valid_until`; past it the portal reads it `expired`. The ERP may also cancel it.
QUOTE_DRAFT, QUOTE_SENT, QUOTE_ACCEPTED, QUOTE_REJECTED, QUOTE_EXPIRED, QUOTE_CANCELLED = \
    "draft", "sent", "accepted", "rejected", "expired", "cancelled"
QUOTE_STATUSES = (QUOTE_DRAFT, QUOTE_SENT, QUOTE_ACCEPTED, QUOTE_REJECTED, QUOTE_EXPIRED, QUOTE_CANCELLED)
QUOTE_VISIBLE = frozenset({QUOTE_SENT, QUOTE_ACCEPTED, QUOTE_REJECTED, QUOTE_EXPIRED, QUOTE_CANCELLED})


# --- money --------------------------------------------------------------------------------------------------------

def tax_of(subtotal: int, rate_bp: int) -> int:
    """``subtotal × rate / 10 000`` rounded half up, in integers (minor units never see a float)."""
    return (subtotal * rate_bp * 2 + 10_000) // 20_000 if subtotal >= 0 else -tax_of(-subtotal, rate_bp)


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    subtotal: int
    tax: int
    total: int

    def to_json(self) -> dict[str, Any]:
        return {"currency": self.currency, "subtotal": self.subtotal, "tax": self.tax, "total": self.total}


def totals(lines: Iterable[Mapping[str, Any]], currency: str) -> Totals:
    """Sums of the lines' ``subtotal`` and ``tax``."""
    subtotal = tax = 0
    for line in lines:
        subtotal += int(line["subtotal"])
        tax += int(line["tax"])
    return Totals(currency, subtotal, tax, subtotal + tax)


# --- text search --------------------------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case without accents, for search: ``Tornillería`` → ``tornilleria``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search_text(sku: str, name: str, description: str | None, category: str | None,
                attributes: Mapping[str, str]) -> str:
    """What a catalog search matches: SKU, name, description, category and characteristics, folded."""
    parts = [sku, name, description or "", category or "", *attributes.values()]
    return " ".join(fold(" ".join(parts)).split())


def search_terms(q: str | None) -> list[str]:
    """The folded words of a search (each must appear); at most 5."""
    return fold(q or "").split()[:5]


# --- price resolution ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ListEntry:
    """One SKU in one price list: the list's currency and validity (copied onto the product) and its tiers."""

    list_id: str
    currency: str
    valid_from: str | None
    valid_to: str | None
    tiers: tuple[tuple[int, int], ...]  # (min_qty, unit_price), ascending min_qty

    def valid_on(self, day: date) -> bool:
        iso = day.isoformat()
        return (self.valid_from is None or self.valid_from <= iso) and (self.valid_to is None or iso <= self.valid_to)

    @classmethod
    def from_json(cls, list_id: str, data: Mapping[str, Any]) -> ListEntry:
        tiers = tuple(sorted((int(t[0]), int(t[1])) for t in data.get("tiers") or ()))
        return cls(list_id, str(data.get("currency") or ""), data.get("valid_from") or None,
                   data.get("valid_to") or None, tiers)

    def to_json(self) -> dict[str, Any]:
        return {"currency": self.currency, "valid_from": self.valid_from, "valid_to": self.valid_to,
                "tiers": [list(t) for t in self.tiers]}


@dataclass(frozen=True, slots=True)
class Price:
    """The price a customer pays for one SKU at a quantity, and where it came from."""

    list_id: str
    currency: str
    unit_price: int
    min_qty: int  # the smallest quantity the list sells
    tiers: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class PriceContext:
    """Which lists apply to an account today: its own (if any) before the tenant's default, in its currency."""

    account_list: str | None
    default_list: str | None
    currency: str
    today: date

    def candidates(self) -> list[str]:
        return [lid for lid in dict.fromkeys((self.account_list, self.default_list)) if lid]


NO_PRICE = "no_price"  # no list that applies prices it: "consultar precio" (request a quote)
BELOW_MIN = "below_min_qty"


def resolve_price(prices: Mapping[str, Mapping[str, Any]] | None, ctx: PriceContext, qty: int = 1
                  ) -> tuple[Price | None, str | None]:
    """The account's price of a SKU for ``qty`` units: ``(price, None)`` or ``(None, reason)``.

    The account's list decides when it is valid today, is in the account's currency and prices the SKU; otherwise
    the tenant's default list does, under the same conditions. Within a list the tier with the largest
    ``min_qty`` ≤ ``qty`` applies; a quantity below the list's smallest ``min_qty`` is ``below_min_qty`` (the
    next list is not asked: the list that prices a SKU sets its minimum). No list → ``no_price``.
    """
    for list_id in ctx.candidates():
        raw = (prices or {}).get(list_id)
        if not raw:
            continue
        entry = ListEntry.from_json(list_id, raw)
        if not entry.tiers or entry.currency != ctx.currency or not entry.valid_on(ctx.today):
            continue
        applicable = [t for t in entry.tiers if t[0] <= qty]
        minimum = entry.tiers[0][0]
        if not applicable:
            return None, BELOW_MIN
        return Price(list_id, entry.currency, applicable[-1][1], minimum, entry.tiers), None
    return None, NO_PRICE


def display_price(prices: Mapping[str, Mapping[str, Any]] | None, ctx: PriceContext) -> tuple[Price | None, str | None]:
    """The catalog's price: at the smallest quantity the applying list sells (1 when it has no minimum)."""
    price, reason = resolve_price(prices, ctx, 1)
    if reason == BELOW_MIN:
        for list_id in ctx.candidates():
            raw = (prices or {}).get(list_id)
            if raw and (tiers := ListEntry.from_json(list_id, raw).tiers):
                return resolve_price(prices, ctx, tiers[0][0])
    return price, reason


# --- priced lines (cart, order) -----------------------------------------------------------------------------------

UNAVAILABLE_REASONS = ("not_found", "inactive", NO_PRICE, BELOW_MIN, "not_visible")


@dataclass(frozen=True, slots=True)
class ProductView:
    """What pricing needs of a stored product."""

    sku: str
    name: str
    kind: str
    unit: str
    tax_rate: int
    active: bool
    prices: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class PricedLine:
    sku: str
    qty: int
    name: str | None
    unit: str | None
    unit_price: int | None
    tax_rate: int | None
    subtotal: int
    tax: int
    total: int
    available: bool
    reason: str | None
    min_qty: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "qty": self.qty, "name": self.name, "unit": self.unit,
                "unit_price": self.unit_price, "tax_rate": self.tax_rate, "subtotal": self.subtotal,
                "tax": self.tax, "total": self.total, "available": self.available, "unavailable_reason": self.reason,
                "min_qty": self.min_qty}


def price_line(sku: str, qty: int, product: ProductView | None, ctx: PriceContext, *, visible: bool = True
               ) -> PricedLine:
    """A cart line priced now; an unavailable line (unknown, inactive, not visible, no price, below the minimum)
    counts nothing in the totals."""
    def unavailable(reason: str, min_qty: int | None = None) -> PricedLine:
        return PricedLine(sku, qty, product.name if product else None, product.unit if product else None, None,
                          product.tax_rate if product else None, 0, 0, 0, False, reason, min_qty)

    if product is None:
        return unavailable("not_found")
    if not product.active:
        return unavailable("inactive")
    if not visible:
        return unavailable("not_visible")
    price, reason = resolve_price(product.prices, ctx, qty)
    if price is None:
        minimum = None
        if reason == BELOW_MIN:
            shown, _ = display_price(product.prices, ctx)
            minimum = shown.min_qty if shown else None
        return unavailable(reason or NO_PRICE, minimum)
    subtotal = price.unit_price * qty
    tax = tax_of(subtotal, product.tax_rate)
    return PricedLine(sku, qty, product.name, product.unit, price.unit_price, product.tax_rate, subtotal, tax,
                      subtotal + tax, True, None, price.min_qty)


# --- what the integrator pushes -----------------------------------------------------------------------------------

def _tax_rate(r: Reader, field_name: str = "tax_rate", *, required: bool = False) -> int | None:
    return r.integer(field_name, required=required, minimum=0, maximum=MAX_TAX_RATE)


def read_product(body: object) -> dict[str, Any]:
    """A product or service as the ERP pushes it (``PUT /v1/integration/products/{sku}``)."""
    r = Reader(body)
    attributes: dict[str, str] = {}
    raw_attributes = r.raw("attributes")
    if raw_attributes is not None:
        if not isinstance(raw_attributes, dict):
            r.fail("attributes", "must be an object of characteristic → value")
        elif len(raw_attributes) > MAX_ATTRIBUTES:
            r.fail("attributes", f"must have at most {MAX_ATTRIBUTES} characteristics")
        else:
            values = Reader(raw_attributes, path="attributes", errors=r.errors, strict=False)
            for name in raw_attributes:
                if not isinstance(name, str) or not name.strip() or len(name) > 60 or \
                        re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", name):
                    r.fail("attributes", "names must be 1-60 characters on one line")
                    continue
                value = values.text(name, required=True, max_len=200)
                if value:
                    attributes[name.strip()] = value
    image_url = r.text("image_url", max_len=500)
    if image_url and not image_url.startswith("https://"):
        r.fail("image_url", "must be an https:// address (or upload an image)")
    product = {
        "name": r.text("name", required=True, max_len=200),
        "description": r.text("description", max_len=2000, multiline=True),
        "kind": r.choice("kind", KINDS, default="product"),
        "unit": r.text("unit", max_len=20) or "unidad",
        "category": r.text("category", max_len=80),
        "tax_rate": _tax_rate(r, required=True),
        "attributes": attributes,
        "image_url": image_url,
        "active": r.boolean("active", default=True),
        "stock": r.integer("stock", minimum=0, maximum=10**12),
    }
    r.finish()
    return product


@dataclass(frozen=True, slots=True)
class PriceListRecord:
    name: str
    currency: str
    valid_from: str | None
    valid_to: str | None
    items: dict[str, tuple[tuple[int, int], ...]]  # sku → tiers (min_qty, unit_price), ascending

    def entry(self, sku: str, list_id: str) -> ListEntry:
        return ListEntry(list_id, self.currency, self.valid_from, self.valid_to, self.items[sku])


def read_price_list(body: object) -> PriceListRecord:
    """``PUT /v1/integration/price-lists/{id}``: ``items`` lists each (sku, min_qty) once; ``min_qty`` ≥ 1
    (default 1) is the quantity from which ``unit_price`` applies."""
    r = Reader(body)
    name = r.text("name", required=True, max_len=120)
    currency = r.text("currency", required=True, max_len=3, pattern=CURRENCY_RE, message="must be an ISO 4217 code")
    valid_from, valid_to = r.date("valid_from"), r.date("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        r.fail("valid_to", "must not be before valid_from")
    items: dict[str, list[tuple[int, int]]] = {}
    for index, item in enumerate(r.items("items", required=True, max_items=MAX_PRICE_LIST_ITEMS)):
        sku = item.text("sku", required=True, max_len=64, pattern=SKU_RE, message="must be a SKU")
        unit_price = item.integer("unit_price", required=True, minimum=0)
        min_qty = item.integer("min_qty", minimum=1, maximum=MAX_QTY)
        item.finish()
        if sku is None or unit_price is None:
            continue
        tiers = items.setdefault(sku, [])
        qty = min_qty or 1
        if any(t[0] == qty for t in tiers):
            r.fail(f"items[{index}]", f"repeats {sku} with min_qty {qty}")
        elif len(tiers) >= MAX_TIERS:
            r.fail(f"items[{index}]", f"{sku} has more than {MAX_TIERS} quantity breaks")
        else:
            tiers.append((qty, unit_price))
    stored_size = len(json.dumps({sku: [list(t) for t in tiers] for sku, tiers in items.items()},
                                 separators=(",", ":")))
    if stored_size > MAX_PRICE_LIST_BYTES:
        r.fail("items", f"is too large to keep as one list ({stored_size:,} bytes of SKUs and prices; at most "
                        f"{MAX_PRICE_LIST_BYTES:,}): split it into several lists")
    r.finish()
    assert name and currency
    return PriceListRecord(name, currency, valid_from.isoformat() if valid_from else None,
                           valid_to.isoformat() if valid_to else None,
                           {sku: tuple(sorted(tiers)) for sku, tiers in items.items()})


def read_sales_settings(body: object, previous: Mapping[str, Any]) -> dict[str, Any]:
    """``PUT /v1/integration/settings/sales``: fields left out keep their value."""
    r = Reader(body)
    settings = dict(previous)
    if r.has("catalog_visibility"):
        settings["catalog_visibility"] = r.choice("catalog_visibility", VISIBILITIES)
    if "default_price_list_id" in r.data:
        value = r.text("default_price_list_id", max_len=64, pattern=ID_RE, message="must be a price list id")
        settings["default_price_list_id"] = value
    if r.has("credit_limit_check"):
        settings["credit_limit_check"] = r.boolean("credit_limit_check")
    if "max_overdue_days" in r.data:
        settings["max_overdue_days"] = r.integer("max_overdue_days", minimum=0, maximum=3650)
    if r.has("quote_acceptance_creates_order"):
        settings["quote_acceptance_creates_order"] = r.boolean("quote_acceptance_creates_order")
    r.finish()
    return settings


def sales_settings(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The tenant's sales settings with their defaults: every product visible, no default list, no guardrails,
    accepting a quote places its order."""
    raw = raw or {}
    return {
        "catalog_visibility": raw.get("catalog_visibility") or "all",
        "default_price_list_id": raw.get("default_price_list_id"),
        "credit_limit_check": bool(raw.get("credit_limit_check")),
        "max_overdue_days": raw.get("max_overdue_days"),
        "quote_acceptance_creates_order": raw.get("quote_acceptance_creates_order", True) is not False,
    }


@dataclass(frozen=True, slots=True)
class QuoteRecord:
    account_id: str
    contact_id: str | None
    number: str
    issue_date: str
    valid_until: str
    currency: str
    status: str
    lines: list[dict[str, Any]]
    subtotal: int
    tax: int
    total: int
    notes: str | None
    salesperson: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def skus(self) -> set[str]:
        return {line["sku"] for line in self.lines if line.get("sku")}


def read_quote(body: object) -> QuoteRecord:
    """``PUT /v1/integration/quotes/{id}``: the ERP's quote. Each line's ``subtotal`` is ``qty × unit_price −
    discount`` and its ``tax`` follows its ``tax_rate`` (both computed when left out); the quote's totals must be
    the sums of its lines'."""
    r = Reader(body)
    account_id = r.text("account_id", required=True, max_len=64, pattern=ID_RE, message="must be an account id")
    contact_id = r.text("contact_id", max_len=64, pattern=ID_RE, message="must be a contact id")
    number = r.text("number", required=True, max_len=40)
    issue_date = r.date("issue_date", required=True)
    valid_until = r.date("valid_until", required=True)
    if issue_date and valid_until and valid_until < issue_date:
        r.fail("valid_until", "must not be before issue_date")
    currency = r.text("currency", required=True, max_len=3, pattern=CURRENCY_RE, message="must be an ISO 4217 code")
    status = r.choice("status", (QUOTE_DRAFT, QUOTE_SENT, QUOTE_CANCELLED), default=QUOTE_SENT)
    lines = []
    for line in r.items("lines", required=True, max_items=MAX_QUOTE_LINES):
        sku = line.text("sku", max_len=64, pattern=SKU_RE, message="must be a SKU")
        description = line.text("description", required=True, max_len=300, multiline=True)
        qty = line.integer("qty", required=True, minimum=1, maximum=MAX_QTY)
        unit_price = line.integer("unit_price", required=True, minimum=0)
        discount = line.integer("discount", minimum=0) or 0
        rate = _tax_rate(line, required=True)
        unit = line.text("unit", max_len=20)
        given_subtotal, given_tax = line.integer("subtotal", minimum=0), line.integer("tax", minimum=0)
        line.finish()
        if qty is None or unit_price is None or rate is None:
            continue
        subtotal = qty * unit_price - discount
        if subtotal < 0:
            line.fail("discount", "must not exceed qty × unit_price")
        if given_subtotal is not None and given_subtotal != subtotal:
            line.fail("subtotal", f"must be qty × unit_price − discount ({subtotal})")
        tax = tax_of(max(subtotal, 0), rate) if given_tax is None else given_tax
        lines.append({"sku": sku, "description": description, "qty": qty, "unit": unit, "unit_price": unit_price,
                      "discount": discount, "tax_rate": rate, "subtotal": subtotal, "tax": tax,
                      "total": subtotal + tax})
    if r.has("lines") and not r.data.get("lines"):
        r.fail("lines", "must have at least one line")
    sums = totals(lines, currency or "")
    for name, expected in (("subtotal", sums.subtotal), ("tax", sums.tax), ("total", sums.total)):
        given = r.integer(name, minimum=0)
        if given is not None and given != expected:
            r.fail(name, f"must be the sum of the lines ({expected})")
    salesperson_reader = r.obj("salesperson")
    salesperson = None
    if salesperson_reader is not None:
        salesperson = {"name": salesperson_reader.text("name", required=True, max_len=120) or "",
                       "email": salesperson_reader.email("email") or ""}
    notes = r.text("notes", max_len=2000, multiline=True)
    terms = r.text("terms", max_len=2000, multiline=True)
    r.finish()
    assert account_id and number and issue_date and valid_until and currency and status
    return QuoteRecord(account_id=account_id, contact_id=contact_id, number=number, issue_date=issue_date.isoformat(),
                       valid_until=valid_until.isoformat(), currency=currency, status=status, lines=lines,
                       subtotal=sums.subtotal, tax=sums.tax, total=sums.total, notes=notes,
                       salesperson={k: v for k, v in salesperson.items() if v} if salesperson else None,
                       extra={"terms": terms} if terms else {})


def quote_status(stored_status: str, valid_until: str, today: date) -> str:
    """What the portal calls a quote: a `sent` one past its `valid_until` (tenant's day) is `expired`."""
    if stored_status == QUOTE_SENT and valid_until < today.isoformat():
        return QUOTE_EXPIRED
    return stored_status


# --- what the portal sends ----------------------------------------------------------------------------------------

def read_cart(body: object) -> list[tuple[str, int]]:
    """``PUT /v1/portal/cart`` ``{lines: [{sku, qty}]}``: the whole cart; a SKU once; qty ≥ 1."""
    r = Reader(body)
    lines: list[tuple[str, int]] = []
    for index, line in enumerate(r.items("lines", required=True, max_items=MAX_CART_LINES)):
        sku = line.text("sku", required=True, max_len=64, pattern=SKU_RE, message="must be a SKU")
        qty = line.integer("qty", required=True, minimum=1, maximum=MAX_QTY)
        line.finish()
        if sku is None or qty is None:
            continue
        if any(s == sku for s, _ in lines):
            r.fail(f"lines[{index}].sku", "is already in the cart: change that line's qty")
            continue
        lines.append((sku, qty))
    r.finish()
    return lines


def merge_lines(current: Sequence[tuple[str, int]], added: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """``added`` into ``current``: a SKU already there adds its quantity (reorder fills the cart)."""
    merged = dict(current)
    for sku, qty in added:
        merged[sku] = min(merged.get(sku, 0) + qty, MAX_QTY)
    return list(merged.items())[:MAX_CART_LINES]


@dataclass(frozen=True, slots=True)
class OrderRequest:
    po_number: str | None
    notes: str | None
    delivery_address: str | None
    requested_date: str | None

    def to_json(self) -> dict[str, Any]:
        return {"po_number": self.po_number, "notes": self.notes, "delivery_address": self.delivery_address,
                "requested_date": self.requested_date}


def read_order_request(body: object, *, today: date) -> OrderRequest:
    """``POST /v1/portal/orders`` ``{po_number?, notes?, delivery_address?, requested_date?}`` (an empty body
    is fine); ``requested_date`` today or later."""
    r = Reader(body if body is not None else {})
    po = r.text("po_number", max_len=40)
    notes = r.text("notes", max_len=1000, multiline=True)
    address = r.text("delivery_address", max_len=300, multiline=True)
    requested = r.date("requested_date")
    if requested and requested < today:
        r.fail("requested_date", "must be today or later")
    r.finish()
    return OrderRequest(po, notes, address, requested.isoformat() if requested else None)


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: str
    reason: str | None
    note: str | None
    tracking: str | None


def read_status_change(body: object) -> StatusChange:
    """``PUT /v1/integration/orders/{id}/status`` ``{status, reason?, note?, tracking?}``; ``rejected`` needs a
    reason."""
    r = Reader(body)
    status = r.choice("status", (*FLOW[1:], REJECTED), required=True)
    reason = r.text("reason", max_len=500, multiline=True, required=status == REJECTED)
    note = r.text("note", max_len=500, multiline=True)
    tracking = r.text("tracking", max_len=120)
    r.finish()
    assert status
    return StatusChange(status, reason, note, tracking)


def transition_problem(current: str, target: str) -> str | None:
    """Why an order cannot go from ``current`` to ``target`` (None when it can): forward along the flow (steps may
    be skipped), ``rejected`` from any open state, nothing out of a final state."""
    if current in ORDER_FINAL:
        return f"the order is already {current}"
    if target == REJECTED:
        return None
    if target not in FLOW or FLOW.index(target) <= FLOW.index(current):
        return f"an order {current} cannot go back or stay: next is one of {', '.join(FLOW[FLOW.index(current) + 1:])}"
    return None


def read_cancellation(body: object) -> str | None:
    """``POST /v1/portal/orders/{id}/cancel`` ``{reason?}`` (an empty body is fine)."""
    r = Reader(body if body is not None else {})
    reason = r.text("reason", max_len=500, multiline=True)
    r.finish()
    return reason


@dataclass(frozen=True, slots=True)
class Acceptance:
    name: str
    po_number: str | None
    note: str | None


def read_acceptance(body: object) -> Acceptance:
    """``POST /v1/portal/quotes/{id}/accept`` ``{name, po_number?, note?}``: ``name`` is who signs."""
    r = Reader(body)
    name = r.text("name", required=True, max_len=120)
    po = r.text("po_number", max_len=40)
    note = r.text("note", max_len=1000, multiline=True)
    r.finish()
    assert name
    return Acceptance(name, po, note)


def read_rejection(body: object) -> str:
    r = Reader(body)
    reason = r.text("reason", required=True, max_len=1000, multiline=True)
    r.finish()
    assert reason
    return reason


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    from_cart: bool
    text: str | None
    attachment_ids: tuple[str, ...]


def read_quote_request(body: object) -> QuoteRequest:
    """``POST /v1/portal/quote-requests`` ``{from_cart?, text?, attachment_ids?}``: the cart's lines, a free
    text, or both; up to 5 attachments (uploads of the caller)."""
    r = Reader(body)
    from_cart = bool(r.boolean("from_cart", default=False))
    text = r.text("text", max_len=4000, multiline=True)
    ids = r.raw("attachment_ids") or []
    if not isinstance(ids, list) or not all(isinstance(i, str) and ID_RE.fullmatch(i) for i in ids):
        r.fail("attachment_ids", "must be a list of upload ids")
        ids = []
    elif len(ids) > 5:
        r.fail("attachment_ids", "must have at most 5 uploads")
    elif len(set(ids)) != len(ids):
        r.fail("attachment_ids", "names an upload more than once")
    if not from_cart and not text:
        r.fail("text", "is required unless the request is from the cart")
    r.finish()
    return QuoteRequest(from_cart, text, tuple(ids))


def read_image_upload(body: object, types: tuple[str, ...]) -> tuple[str, int]:
    """``POST /v1/integration/products/{sku}/image`` ``{content_type, size}`` (≤ 5 MB)."""
    r = Reader(body if body is not None else {})
    content_type = r.choice("content_type", types, required=True)
    size = r.integer("size", required=True, minimum=1, maximum=MAX_IMAGE_BYTES)
    r.finish()
    assert content_type and size
    return content_type, size


MAX_IMAGE_BYTES = 5 * 1024 * 1024


def decimal_text(minor: int, exponent: int) -> str:
    """``1250050`` with exponent 2 → ``12500.50``: an amount for a CSV cell (a dot, no grouping), exact."""
    sign = "-" if minor < 0 else ""
    units, fraction = divmod(abs(int(minor)), 10**exponent)
    return f"{sign}{units}.{fraction:0{exponent}d}" if exponent else f"{sign}{units}"


def price_list_csv(rows: Sequence[Mapping[str, Any]], *, currency: str, exponent: int) -> str:
    """The price list as CSV (RFC 4180, ``;``-free: comma separated, quoted where needed): one row per SKU and
    quantity break, prices before tax with the rate in percent. A cell that would start a formula in a
    spreadsheet (``=``, ``+``, ``-``, ``@``) is prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["sku", "name", "unit", "min_qty", "unit_price", "currency", "tax_rate_percent"])

    def cell(text: str) -> str:
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text

    for row in rows:
        rate = int(row["tax_rate"])
        for min_qty, unit_price in row["tiers"]:
            writer.writerow([cell(str(row["sku"])), cell(str(row["name"])), cell(str(row["unit"])), int(min_qty),
                             decimal_text(int(unit_price), exponent), currency, decimal_text(rate, 2)])
    return out.getvalue()
