"""Sales as stored (issue 13): the catalog partition (products and price lists), carts, what an account was quoted
or ordered, orders, quotes and quote requests.

Portal reads take the caller's :class:`Principal` and read only its tenant's catalog and its own account's (and,
for ``own`` scope, its own contact's) orders and quotes. How each screen reads:

- catalog page: 1 GetItem of the account (its price list) + 1 Query of the catalog partition (prices ride on each
  product), or with visibility ``purchased`` 1 BatchGetItem (account, purchased SKUs) + 1 BatchGetItem (a page of
  those products);
- cart: 1 BatchGetItem (cart, account, purchased SKUs) + 1 BatchGetItem (its products);
- orders and quotes lists: 1 Query of lsi1 (``ORDER#`` / ``QUOTE#``), details 1 GetItem.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.store import db, documents, events, files, keys
from chalicelib.store.billing import own_contact
from chalicelib.store.purchased import purchased_writes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from pynamodb.transactions import TransactWrite

    from chalicelib.domain.access import Principal
    from chalicelib.domain.sales import PriceListRecord, QuoteRecord
    from chalicelib.store.idempotency import Claim
    from chalicelib.store.models import (
        AccountItem,
        CartItem,
        OrderItem,
        PriceListItem,
        ProductItem,
        QuoteItem,
        QuoteRequestItem,
        UploadItem,
    )

BATCH = 100  # BatchGetItem and TransactWriteItems both take at most 100 keys
TX_ITEMS = 99  # product price writes per transaction, leaving room for the price list itself


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def order_number(day: str) -> str:
    """``PED-20261204-7K3QXZ``: the day it was placed and six random characters (no 0/O, 1/I)."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"PED-{day.replace('-', '')}-{''.join(secrets.choice(alphabet) for _ in range(6))}"


def _batch_get(model: Any, pairs: Sequence[tuple[str, str]]) -> list[Any]:
    found: list[Any] = []
    for start in range(0, len(pairs), BATCH):
        found.extend(model.batch_get(list(pairs[start:start + BATCH])))
    return found


# --- products -------------------------------------------------------------------------------------------------------

def load_product(tenant: str, sku: str) -> ProductItem | None:
    from chalicelib.store.models import ProductItem  # lazy: keeps import app fast

    db.ready()
    try:
        return ProductItem.get(keys.catalog(tenant), keys.product_sk(sku), consistent_read=True)
    except ProductItem.DoesNotExist:
        return None


def upsert_product(tenant: str, sku: str, data: dict[str, Any], *, search: str) -> tuple[ProductItem, bool]:
    """Creates or updates a product's fields, keeping its prices (written by its price lists) and image."""
    from chalicelib.store.models import ProductItem  # lazy: keeps import app fast

    previous = load_product(tenant, sku)
    stamp = clock.iso(clock.now())
    item = ProductItem(keys.catalog(tenant), keys.product_sk(sku))
    fields = {"sku": sku, "name": data["name"], "description": data.get("description"),
              "product_kind": data["kind"], "unit": data["unit"], "category": data.get("category"),
              "tax_rate": data["tax_rate"], "attributes": data.get("attributes") or None,
              "image_url": data.get("image_url"), "active": data["active"], "stock": data.get("stock"),
              "search": search, "updated_at": stamp}
    actions: list[Any] = [getattr(ProductItem, name).set(value) if value is not None
                          else getattr(ProductItem, name).remove() for name, value in fields.items()]
    actions += [ProductItem.prices.set(ProductItem.prices | {}),  # if_not_exists: a new product has no prices yet
                ProductItem.created_at.set(ProductItem.created_at | stamp),
                ProductItem.kind.set(ProductItem)]
    item.update(actions=actions)
    return item, previous is None


def set_product_image(tenant: str, sku: str, key: str) -> None:
    from chalicelib.store.models import ProductItem  # lazy: keeps import app fast

    db.ready()
    ProductItem(keys.catalog(tenant), keys.product_sk(sku)).update(
        actions=[ProductItem.image_key.set(key)], condition=ProductItem.pk.exists())


def products(tenant: str, skus: Iterable[str]) -> dict[str, ProductItem]:
    """The products with these SKUs that exist (BatchGetItem, 100 a call)."""
    from chalicelib.store.models import ProductItem  # lazy: keeps import app fast

    db.ready()
    pk = keys.catalog(tenant)
    return {item.sku: item for item in _batch_get(ProductItem, [(pk, keys.product_sk(s)) for s in dict.fromkeys(skus)])}


def _encode(sk: str, listing: str) -> str:
    raw = json.dumps({"sk": sk, "list": listing}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, listing: str, prefix: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("list") != listing or not isinstance(data.get("sk"), str) \
                or not data["sk"].startswith(prefix) or len(data["sk"]) > 200:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed({"cursor": "is not a cursor of this list; start again without it"}) from None
    return str(data["sk"])


def _listing(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()[:16]


def catalog_page(tenant: str, *, terms: list[str], kind: str | None, category: str | None, limit: int,
                 cursor: str | None, priced_by: Sequence[str] = (), dense: bool = False
                 ) -> tuple[list[ProductItem], str | None]:
    """One Query of the catalog partition: active products (of ``kind``/``category``, matching every search term,
    priced by one of ``priced_by`` when given), by SKU. A selective page reads up to DynamoDB's 1 MB and may come
    back shorter than ``limit`` with a cursor: the next page goes on from there. ``dense`` says that nearly every
    product passes ``priced_by`` (the tenant's default list prices them), so a page reads ``limit + 1`` items."""
    from chalicelib.store.models import PorticoItem, ProductItem  # lazy: keeps import app fast

    settings = db.ready()
    listing = _listing("catalog", terms, kind, category, list(priced_by))
    values: dict[str, Any] = {":pk": {"S": keys.catalog(tenant)}, ":prefix": {"S": keys.PRODUCT_PREFIX},
                              ":yes": {"BOOL": True}}
    # Every attribute by placeholder: several of their names are DynamoDB reserved words.
    names: dict[str, str] = {"#active": "active", "#search": "search", "#kind": "product_kind",
                             "#category": "category", "#prices": "prices"}
    filters = ["#active = :yes"]
    if kind:
        values[":kind"] = {"S": kind}
        filters.append("#kind = :kind")
    if category:
        values[":category"] = {"S": category}
        filters.append("#category = :category")
    for n, term in enumerate(terms):
        values[f":t{n}"] = {"S": term}
        filters.append(f"contains(#search, :t{n})")
    if priced_by:
        names.update({f"#l{n}": list_id for n, list_id in enumerate(priced_by)})
        filters.append("(" + " OR ".join(f"attribute_exists(#prices.#l{n})" for n in range(len(priced_by))) + ")")
    used = " ".join(filters)
    names = {k: v for k, v in names.items() if k in used}
    params: dict[str, Any] = {
        "TableName": settings.table_name, "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "FilterExpression": " AND ".join(filters), "ExpressionAttributeValues": values,
        "ExpressionAttributeNames": names,
    }
    if not terms and not kind and not category and (dense or not priced_by):
        params["Limit"] = limit + 1  # nearly every product passes (only inactive ones fail): a page is the answer
    if cursor:
        params["ExclusiveStartKey"] = {"pk": values[":pk"], "sk": {"S": _decode(cursor, listing, keys.PRODUCT_PREFIX)}}
    answer = db.client("dynamodb").query(**params)
    rows = [PorticoItem.from_raw_data(raw) for raw in answer.get("Items", [])]
    found = [row for row in rows if isinstance(row, ProductItem)]
    if len(found) > limit:
        return found[:limit], _encode(found[limit - 1].sk, listing)
    last = answer.get("LastEvaluatedKey")
    return found, _encode(last["sk"]["S"], listing) if last else None


def purchased_page(tenant: str, skus: Sequence[str], *, limit: int, cursor: str | None,
                   keep: Callable[[ProductItem], bool]) -> tuple[list[ProductItem], str | None]:
    """A page of the products among ``skus`` (sorted) that ``keep`` accepts: one BatchGetItem of up to ``limit``
    SKUs after the cursor (at most 100)."""
    listing = _listing("purchased", len(skus))
    after = _decode(cursor, listing, keys.PRODUCT_PREFIX)[len(keys.PRODUCT_PREFIX):] if cursor else ""
    pending = [s for s in sorted(skus) if s > after][:min(limit, BATCH)]
    found = products(tenant, pending)
    page = [found[s] for s in pending if s in found and keep(found[s])]
    more = bool(pending) and any(s > pending[-1] for s in skus)
    return page, _encode(keys.product_sk(pending[-1]), listing) if more else None


# --- price lists ------------------------------------------------------------------------------------------------------

def load_price_list(tenant: str, list_id: str) -> PriceListItem | None:
    from chalicelib.store.models import PriceListItem  # lazy: keeps import app fast

    db.ready()
    try:
        return PriceListItem.get(keys.catalog(tenant), keys.price_list_sk(list_id), consistent_read=True)
    except PriceListItem.DoesNotExist:
        return None


def price_lists(tenant: str, list_ids: Sequence[str]) -> dict[str, PriceListItem]:
    """The price lists with these ids that exist (one BatchGetItem)."""
    from chalicelib.store.models import PriceListItem  # lazy: keeps import app fast

    db.ready()
    if not list_ids:
        return {}
    pk = keys.catalog(tenant)
    return {item.list_id: item for item in _batch_get(PriceListItem, [(pk, keys.price_list_sk(i))
                                                                      for i in dict.fromkeys(list_ids)])}


def save_price_list(tenant: str, list_id: str, record: PriceListRecord) -> tuple[PriceListItem, bool]:
    """Writes the list and its entry on each product it prices (and removes it from those it no longer prices).
    422 naming the SKUs that are not products. Up to 99 product writes a transaction, the list itself in the last:
    a list of more than 99 SKUs is written in several transactions, each whole; a retry of the same PUT completes
    one that stopped halfway, and the list item (what ``GET`` answers) changes only at the end."""
    from chalicelib.store.models import PriceListItem, ProductItem  # lazy: keeps import app fast

    previous = load_price_list(tenant, list_id)
    existing = products(tenant, record.items)
    unknown = sorted(set(record.items) - set(existing))
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        raise ValidationFailed({"items": f"names SKUs that are not products (push them first): {shown}"})
    stamp = clock.iso(clock.now())
    pk = keys.catalog(tenant)
    writes: list[tuple[str, Any]] = []
    for sku in record.items:
        entry = record.entry(sku, list_id).to_json()
        if prices_of(existing[sku]).get(list_id) != entry:
            writes.append((sku, ProductItem.prices[list_id].set(entry)))
    dropped = set((previous.items or {}) if previous else {}) - set(record.items)
    writes += [(sku, ProductItem.prices[list_id].remove()) for sku in sorted(dropped)]
    item = PriceListItem(pk, keys.price_list_sk(list_id), list_id=list_id, name=record.name, currency=record.currency,
                         valid_from=record.valid_from, valid_to=record.valid_to,
                         items={sku: [list(t) for t in tiers] for sku, tiers in record.items.items()},
                         created_at=previous.created_at if previous else stamp, updated_at=stamp)
    chunks = [writes[i:i + TX_ITEMS] for i in range(0, len(writes), TX_ITEMS)] or [[]]
    for index, chunk in enumerate(chunks):
        with db.transaction(conflict="A product changed while the price list was written; send it again.") as tx:
            for sku, action in chunk:
                tx.update(ProductItem(pk, keys.product_sk(sku)), actions=[action], condition=ProductItem.pk.exists())
            if index == len(chunks) - 1:
                tx.save(item)
    return item, previous is None


def prices_of(item: ProductItem) -> dict[str, Any]:
    """A product's price entries as plain JSON values."""
    return _plain(item.prices) or {}


def _plain(value: Any) -> Any:
    """A stored map entry as plain JSON values (to compare with what would be written)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=lambda v: v.as_dict() if hasattr(v, "as_dict") else int(v)))


# --- what an account sees ---------------------------------------------------------------------------------------------

def _account_key(principal: Principal) -> tuple[str, str]:
    return keys.account(principal.tenant, principal.account_id), keys.ACCOUNT_SK


def _purchased_key(principal: Principal) -> tuple[str, str]:
    return keys.account(principal.tenant, principal.account_id), keys.PURCHASED_SK


def _cart_key(principal: Principal) -> tuple[str, str]:
    return keys.contact(principal.tenant, principal.contact_id), keys.CART_SK


def account_and_purchased(principal: Principal, *, with_purchased: bool, with_cart: bool = False
                          ) -> tuple[AccountItem | None, set[str] | None, CartItem | None]:
    """The caller's account item, its purchased SKUs (when asked; else None) and the caller's cart (when asked):
    one GetItem or one BatchGetItem."""
    from chalicelib.store.models import AccountItem, CartItem, PorticoItem, PurchasedItem  # lazy: keeps import app fast

    db.ready()
    wanted = [_account_key(principal)] + ([_purchased_key(principal)] if with_purchased else []) \
        + ([_cart_key(principal)] if with_cart else [])
    if len(wanted) == 1:
        try:
            return AccountItem.get(*wanted[0]), None, None
        except AccountItem.DoesNotExist:
            return None, None, None
    found = {(i.pk, i.sk): i for i in PorticoItem.batch_get(wanted)}
    account = found.get(_account_key(principal))
    purchased = found.get(_purchased_key(principal))
    cart = found.get(_cart_key(principal))
    skus = set(purchased.skus or ()) if isinstance(purchased, PurchasedItem) else set()
    return (account if isinstance(account, AccountItem) else None, skus if with_purchased else None,
            cart if isinstance(cart, CartItem) else None)


# --- carts ----------------------------------------------------------------------------------------------------------

def load_cart(principal: Principal) -> CartItem | None:
    from chalicelib.store.models import CartItem  # lazy: keeps import app fast

    db.ready()
    try:
        return CartItem.get(*_cart_key(principal), consistent_read=True)
    except CartItem.DoesNotExist:
        return None


def save_cart(principal: Principal, lines: Sequence[tuple[str, int]], previous: CartItem | None) -> CartItem:
    """Replaces the caller's cart, conditioned on the version read (409 ``cart_changed`` if another device
    changed it in between)."""
    from chalicelib.store.models import CartItem  # lazy: keeps import app fast

    db.ready()
    stamp = clock.iso(clock.now())
    rev = int(previous.rev) + 1 if previous else 1
    item = CartItem(*_cart_key(principal), lines=[[s, q] for s, q in lines], rev=rev, updated_at=stamp,
                    created_at=previous.created_at if previous else stamp)
    condition = CartItem.pk.does_not_exist() if previous is None else (CartItem.rev == int(previous.rev))
    try:
        item.save(condition=condition)
    except Exception as exc:
        if db.is_condition_failure(exc):
            raise Conflict("The cart changed on another device; read it again.", code="cart_changed") from exc
        raise
    return item


# --- orders ---------------------------------------------------------------------------------------------------------

def new_order(principal: Principal, *, order_id: str, contact_name: str, currency: str, lines: list[dict[str, Any]],
              subtotal: int, tax: int, total: int, details: dict[str, Any], source: str, quote_id: str | None,
              stamp: str) -> OrderItem:
    from chalicelib.store.models import OrderItem  # lazy: keeps import app fast

    return OrderItem(
        keys.account(principal.tenant, principal.account_id), keys.order_sk(order_id),
        lsi1sk=keys.order_lsi(stamp, order_id), order_id=order_id, account_id=principal.account_id,
        contact_id=principal.contact_id, contact_name=contact_name, status="received", currency=currency,
        lines=lines, subtotal=subtotal, tax=tax, total=total, details={k: v for k, v in details.items() if v},
        source=source, quote_id=quote_id, placed_at=stamp, created_at=stamp, updated_at=stamp,
        timeline=[{"at": stamp, "status": "received", "by": "contact", "name": contact_name}],
    )


def _order_writes(tx: TransactWrite, tenant: str, order: OrderItem) -> None:
    from chalicelib.store.models import DocumentIndexItem, OrderItem  # lazy: keeps import app fast

    tx.save(order, condition=OrderItem.pk.does_not_exist())
    tx.save(DocumentIndexItem(keys.document_index(tenant, "order", order.order_id), keys.DOC_INDEX_SK,
                              account_id=order.account_id), condition=DocumentIndexItem.pk.does_not_exist())
    purchased_writes(tx, tenant, order.account_id, {line["sku"] for line in order.lines if line.get("sku")})


def place_order(principal: Principal, order: OrderItem, *, cart: CartItem, claim: Claim | None,
                event_data: dict[str, Any]) -> None:
    """The order, its id index, the emptied cart (only if it is still the cart that was priced), the purchased
    SKUs, the idempotency record and ``order.placed``: one transaction."""
    from chalicelib.store.models import CartItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        _order_writes(tx, principal.tenant, order)
        tx.update(cart, actions=[CartItem.lines.set([]), CartItem.rev.set(int(cart.rev) + 1),
                                 CartItem.updated_at.set(order.placed_at)], condition=CartItem.rev == int(cart.rev))
        if claim is not None:
            claim.record(tx, 201, {"id": order.order_id})

    events.append(principal.tenant, "order.placed", account_id=principal.account_id,
                  contact_id=principal.contact_id, data=event_data, writes=writes,
                  conflict_message="The cart changed while the order was placed; review it and try again.")


def record_order(principal: Principal, order: OrderItem, *, event_data: dict[str, Any]) -> None:
    """An order recorded without a cart (the demo's history), with its index and ``order.placed``; 409
    ``write_conflict`` when one with that id exists."""
    events.append(principal.tenant, "order.placed", account_id=principal.account_id,
                  contact_id=principal.contact_id, data=event_data,
                  writes=lambda tx: _order_writes(tx, principal.tenant, order))


def load_order(tenant: str, account_id: str, order_id: str) -> OrderItem | None:
    from chalicelib.store.models import OrderItem  # lazy: keeps import app fast

    db.ready()
    try:
        return OrderItem.get(keys.account(tenant, account_id), keys.order_sk(order_id), consistent_read=True)
    except OrderItem.DoesNotExist:
        return None


def visible_order(principal: Principal, order_id: str) -> OrderItem:
    """The caller's order (own scope: one the caller placed) or 404 ``order_not_found``."""
    item = load_order(principal.tenant, principal.account_id, order_id)
    mine = own_contact(principal, "orders")
    if item is None or (mine is not None and item.contact_id != mine):
        raise NotFound("There is no order with that id.", code="order_not_found")
    return item


def order_for_staff(tenant: str, order_id: str) -> OrderItem:
    """Any order of the tenant (its id index, then the order), or 404 ``order_not_found``."""

    account_id = documents.owner(tenant, "order", order_id)
    item = load_order(tenant, account_id, order_id) if account_id else None
    if item is None:
        raise NotFound("There is no order with that id.", code="order_not_found")
    return item


def orders_page(principal: Principal, *, status: str | None, limit: int, cursor: str | None
                ) -> tuple[list[OrderItem], str | None]:
    """The caller's orders, newest first (one Query of lsi1 a page)."""
    from chalicelib.store.models import OrderItem  # lazy: keeps import app fast

    return _lsi1_page(principal, OrderItem, keys.ORDER_LSI_PREFIX, "orders", status=status, limit=limit,
                      cursor=cursor)


def _lsi1_page(principal: Principal, model: Any, prefix: str, module: str, *, status: str | None, limit: int,
               cursor: str | None, status_of: Callable[[Any], str] | None = None) -> tuple[list[Any], str | None]:
    db.ready()
    pk = keys.account(principal.tenant, principal.account_id)
    mine = own_contact(principal, module)
    listing = _listing(prefix, status, mine)
    start = None
    if cursor:
        sk = _decode(cursor, listing, "")
        pair = sk.split("\n")
        if len(pair) != 2 or not pair[1].startswith(prefix):
            raise ValidationFailed({"cursor": "is not a cursor of this list; start again without it"})
        start = {"pk": {"S": pk}, "sk": {"S": pair[0]}, "lsi1sk": {"S": pair[1]}}
    rows: list[Any] = []
    next_cursor = None
    last: Any = None
    for item in model.lsi1.query(pk, model.lsi1sk.startswith(prefix), scan_index_forward=False,
                                 last_evaluated_key=start, page_size=max(limit + 1, 25)):
        if not isinstance(item, model) or (mine is not None and item.contact_id != mine):
            continue
        if status and (status_of(item) if status_of else item.status) != status:
            continue
        if len(rows) == limit:
            next_cursor = _encode(f"{last.sk}\n{last.lsi1sk}", listing)
            break
        rows.append(item)
        last = item
    return rows, next_cursor


def latest(principal: Principal, model_name: str) -> list[Any]:
    """The newest 50 orders or quotes of the caller (the dashboard's cards): one Query of lsi1."""
    from chalicelib.store.models import OrderItem, QuoteItem  # lazy: keeps import app fast

    model, prefix, module = (OrderItem, keys.ORDER_LSI_PREFIX, "orders") if model_name == "orders" \
        else (QuoteItem, keys.QUOTE_LSI_PREFIX, "quotes")
    db.ready()
    mine = own_contact(principal, module)
    found = []
    for item in model.lsi1.query(keys.account(principal.tenant, principal.account_id),
                                 model.lsi1sk.startswith(prefix), scan_index_forward=False, page_size=50,
                                 limit=50):
        if isinstance(item, model) and (mine is None or item.contact_id == mine):
            found.append(item)
    return found


def change_order_status(tenant: str, order: OrderItem, *, status: str, entry: dict[str, Any],
                        event_type: str, event_data: dict[str, Any]) -> OrderItem:
    """Moves the order to ``status`` with a timeline entry, if it is still in the state it was read in (409
    ``write_conflict`` otherwise), with its event: one transaction."""
    from chalicelib.store.models import OrderItem  # lazy: keeps import app fast

    timeline = [*order.timeline, entry]

    def writes(tx: TransactWrite) -> None:
        tx.update(order, actions=[OrderItem.status.set(status), OrderItem.timeline.set(timeline),
                                  OrderItem.updated_at.set(entry["at"])], condition=OrderItem.status == order.status)

    events.append(tenant, event_type, account_id=order.account_id, contact_id=order.contact_id, data=event_data,
                  writes=writes, conflict_message="The order changed meanwhile; read it again.")
    order.status, order.timeline, order.updated_at = status, timeline, entry["at"]
    return order


# --- quotes ---------------------------------------------------------------------------------------------------------

def load_quote(tenant: str, account_id: str, quote_id: str) -> QuoteItem | None:
    from chalicelib.store.models import QuoteItem  # lazy: keeps import app fast

    db.ready()
    try:
        return QuoteItem.get(keys.account(tenant, account_id), keys.quote_sk(quote_id), consistent_read=True)
    except QuoteItem.DoesNotExist:
        return None


def quote_for_staff(tenant: str, quote_id: str) -> QuoteItem:

    account_id = documents.owner(tenant, "quote", quote_id)
    item = load_quote(tenant, account_id, quote_id) if account_id else None
    if item is None:
        raise NotFound("There is no quote with that id.", code="quote_not_found")
    return item


def visible_quote(principal: Principal, quote_id: str) -> QuoteItem:
    """The caller's quote (own scope: one addressed to the caller; drafts never) or 404 ``quote_not_found``."""
    item = load_quote(principal.tenant, principal.account_id, quote_id)
    mine = own_contact(principal, "quotes")
    if item is None or item.status == "draft" or (mine is not None and item.contact_id != mine):
        raise NotFound("There is no quote with that id.", code="quote_not_found")
    return item


def upsert_quote(tenant: str, quote_id: str, record: QuoteRecord) -> tuple[QuoteItem, QuoteItem | None]:
    """Creates or replaces the ERP's quote (with its id index and the SKUs it quotes); returns it and the previous
    version. 409 ``account_mismatch`` for an id of another account, ``quote_closed`` once the contact answered."""
    from chalicelib.store.models import DocumentIndexItem, QuoteItem  # lazy: keeps import app fast

    owner = documents.owner(tenant, "quote", quote_id)
    if owner is not None and owner != record.account_id:
        raise Conflict("This quote id belongs to another account.", code="account_mismatch",
                       details={"account_id": owner})
    previous = load_quote(tenant, record.account_id, quote_id) if owner else None
    if previous is not None and previous.status in ("accepted", "rejected"):
        raise Conflict(f"The customer already {previous.status} this quote; send a new quote instead.",
                       code="quote_closed", details={"status": previous.status})
    stamp = clock.iso(clock.now())
    data = {"notes": record.notes, "salesperson": record.salesperson, **record.extra}
    item = QuoteItem(
        keys.account(tenant, record.account_id), keys.quote_sk(quote_id),
        lsi1sk=keys.quote_lsi(record.issue_date, quote_id), quote_id=quote_id, account_id=record.account_id,
        contact_id=record.contact_id, number=record.number, issue_date=record.issue_date,
        valid_until=record.valid_until, currency=record.currency, status=record.status, lines=record.lines,
        subtotal=record.subtotal, tax=record.tax, total=record.total, data={k: v for k, v in data.items() if v},
        pdf_key=previous.pdf_key if previous else None, notified_at=previous.notified_at if previous else None,
        created_at=previous.created_at if previous else stamp, updated_at=stamp)
    with db.transaction(conflict="The quote changed meanwhile; send it again.") as tx:
        if previous is None:
            tx.save(item, condition=QuoteItem.pk.does_not_exist())
            tx.save(DocumentIndexItem(keys.document_index(tenant, "quote", quote_id), keys.DOC_INDEX_SK,
                                      account_id=record.account_id), condition=DocumentIndexItem.pk.does_not_exist())
        else:
            tx.save(item, condition=QuoteItem.status == previous.status)
        if record.status != "draft":
            purchased_writes(tx, tenant, record.account_id, record.skus)
    return item, previous


def mark_quote_notified(item: QuoteItem) -> None:
    from chalicelib.store.models import QuoteItem  # lazy: keeps import app fast

    item.update(actions=[QuoteItem.notified_at.set(clock.iso(clock.now()))])


def quote_pdf_upload(tenant: str, quote_id: str) -> dict[str, Any]:
    """A presigned PUT (15 minutes) for the ERP's PDF of a quote."""
    from chalicelib.store.models import QuoteItem  # lazy: keeps import app fast

    item = quote_for_staff(tenant, quote_id)
    key = files.object_key(tenant, item.account_id, "quotes", f"{quote_id}.pdf")
    if item.pdf_key != key:
        item.update(actions=[QuoteItem.pdf_key.set(key)])
    return {**files.presign_put(key, content_type="application/pdf"), "key": key}


def quote_pdf_uploaded(item: QuoteItem) -> bool:
    return bool(item.pdf_key) and files.exists(item.pdf_key or "")


def quotes_page(principal: Principal, *, status: str | None, limit: int, cursor: str | None,
                status_of: Callable[[Any], str]) -> tuple[list[QuoteItem], str | None]:
    """The caller's quotes (never drafts), newest issue date first (one Query of lsi1 a page)."""
    from chalicelib.store.models import QuoteItem  # lazy: keeps import app fast

    rows, next_cursor = _lsi1_page(principal, QuoteItem, keys.QUOTE_LSI_PREFIX, "quotes", status=status,
                                   limit=limit, cursor=cursor, status_of=status_of)
    return [q for q in rows if q.status != "draft"], next_cursor


def answer_quote(principal: Principal, quote: QuoteItem, *, status: str, record: dict[str, Any], today: str,
                 order: OrderItem | None, event_data: dict[str, Any], order_event: dict[str, Any] | None) -> None:
    """The contact's acceptance (with the order it places, when it does) or rejection, conditioned on the quote
    being still ``sent`` and valid today, with ``quote.accepted``/``quote.rejected`` (and ``order.placed``): one
    transaction. 409 ``quote_not_open`` when it was answered meanwhile."""
    from chalicelib.store.models import QuoteItem  # lazy: keeps import app fast

    field = QuoteItem.acceptance if status == "accepted" else QuoteItem.rejection

    def writes(tx: TransactWrite) -> None:
        actions: list[Any] = [QuoteItem.status.set(status), field.set(record), QuoteItem.updated_at.set(record["at"])]
        if order is not None:
            actions.append(QuoteItem.order_id.set(order.order_id))
            _order_writes(tx, principal.tenant, order)
        tx.update(quote, actions=actions,
                  condition=(QuoteItem.status == "sent") & (QuoteItem.valid_until >= today))

    try:
        events.append(principal.tenant, f"quote.{status}", account_id=principal.account_id,
                      contact_id=principal.contact_id, data=event_data, writes=writes,
                      also=[("order.placed", order_event)] if order_event is not None else (),
                      conflict_message="The quote changed meanwhile.")
    except Conflict as exc:
        raise Conflict("This quote was already answered or is no longer open.", code="quote_not_open") from exc


# --- quote requests -------------------------------------------------------------------------------------------------

def save_quote_request(principal: Principal, item: QuoteRequestItem, used: list[UploadItem], *,
                       event_data: dict[str, Any], links: list[Any]) -> None:
    """The request, its uploads marked used (each once), its mailed attachment links and ``quote.requested``."""
    from chalicelib.store.models import AttachmentLinkItem, QuoteRequestItem, UploadItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        tx.save(item, condition=QuoteRequestItem.pk.does_not_exist())
        for upload in used:
            tx.update(upload, actions=[UploadItem.used_at.set(item.created_at), UploadItem.used_by.set(item.request_id),
                                       UploadItem.ttl.remove()], condition=UploadItem.used_at.does_not_exist())
        for link in links:
            tx.save(link, condition=AttachmentLinkItem.pk.does_not_exist())

    events.append(principal.tenant, "quote.requested", account_id=principal.account_id,
                  contact_id=principal.contact_id, data=event_data, writes=writes,
                  conflict_message="An attachment was used meanwhile; send the request again.")


def quote_request_item(principal: Principal, *, request_id: str, contact_name: str, text: str | None,
                       lines: list[dict[str, Any]], attachments: list[dict[str, Any]], stamp: str) -> QuoteRequestItem:
    from chalicelib.store.models import QuoteRequestItem  # lazy: keeps import app fast

    return QuoteRequestItem(
        keys.account(principal.tenant, principal.account_id), keys.quote_request_sk(request_id),
        lsi1sk=keys.quote_request_lsi(stamp, request_id), request_id=request_id, account_id=principal.account_id,
        contact_id=principal.contact_id, contact_name=contact_name, text=text, lines=lines or None,
        attachments=attachments or None, created_at=stamp)


def quote_requests_page(principal: Principal, *, limit: int, cursor: str | None
                        ) -> tuple[list[QuoteRequestItem], str | None]:
    """The caller's quote requests, newest first (own scope: the caller's own), one Query of lsi1 a page."""
    from chalicelib.store.models import QuoteRequestItem  # lazy: keeps import app fast

    return _lsi1_page(principal, QuoteRequestItem, keys.QUOTE_REQUEST_LSI_PREFIX, "quotes", status=None,
                      limit=limit, cursor=cursor)


# --- the account's open balance (order guardrails) --------------------------------------------------------------------

def open_invoices_of_account(principal: Principal) -> list[Any]:
    """Every open invoice of the caller's whole account (the guardrails judge the company, whatever the caller's
    billing scope): one Query of lsi2."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    db.ready()
    return [item for item in BillingDocumentItem.lsi2.query(
        keys.account(principal.tenant, principal.account_id),
        BillingDocumentItem.lsi2sk.startswith(keys.UNPAID_LSI_PREFIX), consistent_read=True)
        if isinstance(item, BillingDocumentItem)]
