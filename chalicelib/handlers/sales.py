"""Sales for signed-in contacts (issue 13): the catalog and price list (module ``catalog``), the cart, orders
(module ``orders``) and quotes (module ``quotes``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.domain.validation import check_id
from chalicelib.handlers.http import client_ip, json_body, json_response, page_params, query, route
from chalicelib.handlers.views import sales as views

if TYPE_CHECKING:
    from chalicelib.services.auth import Context

sales = Blueprint(__name__)


def _optional_body() -> Any:
    """The JSON body, or None when the request has none (cancel, place an order with no details)."""
    return json_body(sales) if sales.current_request.raw_body else None


# --- catalog ------------------------------------------------------------------------------------------------------

@route(sales, "/portal/catalog", module="catalog")
def list_catalog(context: Context) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    limit, cursor = page_params(sales, default=24, maximum=100)
    params = query(sales)
    return views.catalog_page(catalog.catalog(context, q=params.get("q"), kind=params.get("kind") or None,
                                              category=params.get("category") or None, limit=limit, cursor=cursor))


@route(sales, "/portal/catalog/{sku}", module="catalog")
def get_product(context: Context, sku: str) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    return views.product(catalog.product(context, check_id(sku, "sku")), detail=True)


@route(sales, "/portal/price-list", module="catalog")
def get_price_list(context: Context) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    limit, cursor = page_params(sales, default=100, maximum=200)
    return views.price_list_page(catalog.price_list(context, limit=limit, cursor=cursor))


@route(sales, "/portal/price-list/download", module="catalog")
def download_price_list(context: Context) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    return catalog.price_list_download(context, query(sales).get("format") or "csv")


# --- cart and orders ------------------------------------------------------------------------------------------------

@route(sales, "/portal/cart", module="catalog")
def get_cart(context: Context) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    return views.cart(orders.get_cart(context))


@route(sales, "/portal/cart", methods=("PUT",), module="catalog")
def put_cart(context: Context) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    return views.cart(orders.put_cart(context, json_body(sales)))


@route(sales, "/portal/orders", methods=("POST",), module="orders", action="create", status=201)
def place_order(context: Context) -> Any:
    from chalicelib.services import orders  # lazy: loads with its first request

    status, order = orders.place_order(context, _optional_body(),
                                       idempotency_key=sales.current_request.headers.get("idempotency-key"))
    return json_response(views.order(order), status)


@route(sales, "/portal/orders", module="orders")
def list_orders(context: Context) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    limit, cursor = page_params(sales, default=25, maximum=100)
    return views.orders_page(*orders.list_orders(context, status=query(sales).get("status") or None, limit=limit,
                                                 cursor=cursor))


@route(sales, "/portal/orders/{order_id}", module="orders")
def get_order(context: Context, order_id: str) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    return views.order(orders.get_order(context, order_id))


@route(sales, "/portal/orders/{order_id}/cancel", methods=("POST",), module="orders", action="create")
def cancel_order(context: Context, order_id: str) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    return views.order(orders.cancel_order(context, order_id, _optional_body()))


@route(sales, "/portal/orders/{order_id}/reorder", methods=("POST",), module="orders", action="create")
def reorder(context: Context, order_id: str) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    return views.cart(orders.reorder(context, order_id))


# --- quotes ---------------------------------------------------------------------------------------------------------

@route(sales, "/portal/quote-requests", methods=("POST",), module="quotes", action="create", status=201)
def request_quote(context: Context) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    return views.quote_request(quotes.request_quote(context, json_body(sales)))


@route(sales, "/portal/quote-requests", module="quotes")
def list_quote_requests(context: Context) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    limit, cursor = page_params(sales, default=25, maximum=100)
    return views.quote_requests_page(*quotes.list_quote_requests(context, limit=limit, cursor=cursor))


@route(sales, "/portal/quotes", module="quotes")
def list_quotes(context: Context) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    limit, cursor = page_params(sales, default=25, maximum=100)
    items, next_cursor = quotes.list_quotes(context, status=query(sales).get("status") or None, limit=limit,
                                            cursor=cursor)
    return views.quotes_page(items, next_cursor, quotes.today(context))


@route(sales, "/portal/quotes/{quote_id}", module="quotes")
def get_quote(context: Context, quote_id: str) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    return views.quote(quotes.get_quote(context, quote_id), quotes.today(context))


@route(sales, "/portal/quotes/{quote_id}/pdf", module="quotes")
def quote_pdf(context: Context, quote_id: str) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    return quotes.quote_pdf(context, quote_id)


@route(sales, "/portal/quotes/{quote_id}/accept", methods=("POST",), module="quotes", action="create")
def accept_quote(context: Context, quote_id: str) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    result = quotes.accept_quote(context, quote_id, json_body(sales), ip=client_ip(sales),
                                 user_agent=sales.current_request.headers.get("user-agent"))
    return views.answered(result, quotes.today(context))


@route(sales, "/portal/quotes/{quote_id}/reject", methods=("POST",), module="quotes", action="create")
def reject_quote(context: Context, quote_id: str) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    return views.answered(quotes.reject_quote(context, quote_id, json_body(sales), ip=client_ip(sales)),
                          quotes.today(context))
