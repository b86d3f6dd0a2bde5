"""The catalog (module ``catalog``): products and services with the caller's own prices, the price list page and
its CSV/PDF downloads; and the integrator's side: products, their images, price lists and the sales settings.

Prices are resolved by :func:`chalicelib.domain.sales.resolve_price` from the entries each product carries (one
per price list that prices it), so a catalog page reads the account and one Query (docs/data-model.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import attachments, clock
from chalicelib.domain import sales as rules
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.services import pdfs
from chalicelib.store import files, tenants
from chalicelib.store import sales as stored

if TYPE_CHECKING:
    from chalicelib.domain.access import Principal
    from chalicelib.store.models import AccountItem
    from chalicelib.store.models import PriceListItem as PriceListItem
    from chalicelib.store.models import ProductItem as ProductItem
    from chalicelib.store.sessions import Context
    from chalicelib.store.tenants import Tenant

IMAGE_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
DOWNLOAD_PAGE = 200


# --- how an account prices ------------------------------------------------------------------------------------------

def price_context(tenant: Tenant, account: AccountItem | None, principal: Principal) -> rules.PriceContext:
    data = account.data if account is not None else {}
    settings = rules.sales_settings(tenant.sales)
    return rules.PriceContext(account_list=data.get("price_list_id"), default_list=settings["default_price_list_id"],
                              currency=data.get("currency") or tenant.currency, today=clock.today(principal.timezone))


def product_view(item: ProductItem) -> rules.ProductView:
    return rules.ProductView(sku=item.sku, name=item.name, kind=item.product_kind, unit=item.unit,
                             tax_rate=int(item.tax_rate), active=bool(item.active), prices=stored.prices_of(item))


def image_url(item: ProductItem) -> str | None:
    """A presigned GET of the uploaded image (15 minutes), else the ERP's https address."""
    if item.image_key:
        return str(files.presign_get(item.image_key)["url"])
    return item.image_url


@dataclass(frozen=True, slots=True)
class PricedProduct:
    product: ProductItem
    price: rules.Price | None
    reason: str | None  # why there is no price (domain/sales.py NO_PRICE)
    image_url: str | None


def _priced(item: ProductItem, ctx: rules.PriceContext) -> PricedProduct:
    price, reason = rules.display_price(stored.prices_of(item), ctx)
    return PricedProduct(item, price, reason, image_url(item))


@dataclass(frozen=True, slots=True)
class CatalogPage:
    items: list[PricedProduct]
    next_cursor: str | None
    currency: str


def _visibility(context: Context) -> str:
    return str(rules.sales_settings(context.tenant.sales)["catalog_visibility"])


def catalog(context: Context, *, q: str | None, kind: str | None, category: str | None, limit: int,
            cursor: str | None) -> CatalogPage:
    """A page of the catalog with the caller's prices: 1 GetItem (the account) + 1 Query; with visibility
    ``purchased`` 1 BatchGetItem (account, purchased SKUs) + 1 BatchGetItem (a page of them)."""
    principal, tenant = context.principal, context.tenant
    terms = rules.search_terms(q)
    purchased_only = _visibility(context) == "purchased"
    account, purchased, _ = stored.account_and_purchased(principal, with_purchased=purchased_only)
    ctx = price_context(tenant, account, principal)
    if purchased_only:
        def keep(item: ProductItem) -> bool:
            return bool(item.active) and (not kind or item.product_kind == kind) \
                and (not category or item.category == category) and all(t in item.search for t in terms)

        items, next_cursor = stored.purchased_page(principal.tenant, sorted(purchased or ()), limit=limit,
                                                   cursor=cursor, keep=keep)
    else:
        items, next_cursor = stored.catalog_page(principal.tenant, terms=terms, kind=kind, category=category,
                                                 limit=limit, cursor=cursor)
    return CatalogPage([_priced(i, ctx) for i in items], next_cursor, ctx.currency)


def product(context: Context, sku: str) -> PricedProduct:
    """One product with the caller's price and tiers; 404 when it is unknown, inactive or not visible to them."""
    principal = context.principal
    purchased_only = _visibility(context) == "purchased"
    account, purchased, _ = stored.account_and_purchased(principal, with_purchased=purchased_only)
    item = stored.load_product(principal.tenant, sku)
    if item is None or not item.active or (purchased_only and sku not in (purchased or set())):
        raise NotFound("There is no product with that SKU.", code="product_not_found")
    return _priced(item, price_context(context.tenant, account, principal))


def visible_skus(context: Context, purchased: set[str] | None) -> set[str] | None:
    """None when the whole catalog is visible, else the SKUs the account was quoted or ordered."""
    return purchased if _visibility(context) == "purchased" else None


# --- the price list page --------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PriceListPage:
    currency: str
    lists: list[tuple[str, PriceListItem]]  # (role "account"|"default", list) that apply today
    items: list[PricedProduct]
    next_cursor: str | None


def _applying_lists(context: Context) -> tuple[rules.PriceContext, list[tuple[str, PriceListItem]]]:
    principal = context.principal
    account, _, _ = stored.account_and_purchased(principal, with_purchased=False)
    ctx = price_context(context.tenant, account, principal)
    lists: list[tuple[str, PriceListItem]] = []
    found = stored.price_lists(principal.tenant, [i for i in (ctx.account_list, ctx.default_list) if i])
    for role, list_id in (("account", ctx.account_list), ("default", ctx.default_list)):
        if not list_id or any(item.list_id == list_id for _, item in lists):
            continue
        item = found.get(list_id)
        if item is not None and item.currency == ctx.currency and \
                rules.ListEntry(list_id, item.currency, item.valid_from, item.valid_to, ()).valid_on(ctx.today):
            lists.append((role, item))
    return ctx, lists


def price_list(context: Context, *, limit: int, cursor: str | None) -> PriceListPage:
    """The products the caller has a price for today, with the lists those prices come from."""
    if _visibility(context) == "purchased":
        raise NotFound("The price list is not published in this portal; ask your account executive.",
                       code="price_list_not_available")
    ctx, lists = _applying_lists(context)
    if not lists:
        return PriceListPage(ctx.currency, [], [], None)
    items, next_cursor = stored.catalog_page(context.principal.tenant, terms=[], kind=None, category=None,
                                             limit=limit, cursor=cursor, priced_by=[i.list_id for _, i in lists],
                                             dense=any(role == "default" for role, _ in lists))
    priced = [p for p in (_priced(i, ctx) for i in items) if p.price is not None]
    return PriceListPage(ctx.currency, lists, priced, next_cursor)


def price_list_download(context: Context, fmt: str) -> dict[str, Any]:
    """The caller's whole price list as CSV or PDF: ``{url, expires_at, filename}`` (a presigned GET, cached by a
    digest of what it prints)."""
    if fmt not in ("csv", "pdf"):
        raise ValidationFailed({"format": "must be csv or pdf"})
    first = price_list(context, limit=DOWNLOAD_PAGE, cursor=None)
    rows, cursor = list(first.items), first.next_cursor
    while cursor:
        page = price_list(context, limit=DOWNLOAD_PAGE, cursor=cursor)
        rows += page.items
        cursor = page.next_cursor
    table = [{"sku": p.product.sku, "name": p.product.name, "unit": p.product.unit,
              "tax_rate": int(p.product.tax_rate), "tiers": [list(t) for t in p.price.tiers] if p.price else []}
             for p in rows]
    header = {"currency": first.currency, "lists": [{"role": role, "id": item.list_id, "name": item.name,
                                                    "valid_from": item.valid_from, "valid_to": item.valid_to}
                                                   for role, item in first.lists]}
    return pdfs.price_list_file(context, header, table, fmt)


# --- the integrator -------------------------------------------------------------------------------------------------

def put_product(tenant: str, sku: str, body: Any) -> tuple[ProductItem, bool]:
    data = rules.read_product(body)
    search = rules.search_text(sku, data["name"], data.get("description"), data.get("category"),
                               data.get("attributes") or {})
    return stored.upsert_product(tenant, sku, data, search=search)


def prices_for_staff(item: ProductItem) -> dict[str, Any]:
    """The product's entries of every price list (what the integrator reads back)."""
    return stored.prices_of(item)


def get_product(tenant: str, sku: str) -> ProductItem:
    item = stored.load_product(tenant, sku)
    if item is None:
        raise NotFound("There is no product with that SKU.", code="product_not_found")
    return item


def product_image_upload(tenant: str, sku: str, body: Any) -> dict[str, Any]:
    """A presigned PUT (15 minutes) for the product's image: PNG, JPEG or WebP up to 5 MB."""
    item = get_product(tenant, sku)
    content_type, size = rules.read_image_upload(body, tuple(IMAGE_TYPES))
    key = files.object_key(tenant, "_catalog", "images", f"{attachments.safe_filename(item.sku)}."
                           f"{IMAGE_TYPES[content_type]}")
    stored.set_product_image(tenant, sku, key)
    return {**files.presign_put(key, content_type=content_type, size=size), "key": key}


def put_price_list(tenant: str, list_id: str, body: Any) -> tuple[PriceListItem, bool]:
    return stored.save_price_list(tenant, list_id, rules.read_price_list(body))


def get_price_list(tenant: str, list_id: str) -> PriceListItem:
    item = stored.load_price_list(tenant, list_id)
    if item is None:
        raise NotFound("There is no price list with that id.", code="price_list_not_found")
    return item


def sales_settings(tenant_slug: str) -> dict[str, Any]:
    return rules.sales_settings(tenants.get(tenant_slug).sales)


def put_sales_settings(tenant_slug: str, body: Any) -> dict[str, Any]:
    """Changes the tenant's sales settings (only the fields sent); returns them all."""
    current = rules.sales_settings(tenants.get(tenant_slug).sales)
    updated = rules.read_sales_settings(body, current)
    tenants.update(tenant_slug, sales=updated)
    return rules.sales_settings(updated)
