"""The integrator's sales API (issue 13): products and their images, price lists, the tenant's sales settings,
quotes with their PDFs, and moving orders along their states."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.domain.validation import check_id
from chalicelib.handlers.http import json_body, json_response, route
from chalicelib.handlers.views import sales as views

sales_integration = Blueprint(__name__)


def _saved(result: dict[str, Any], created: bool) -> Any:
    return json_response(result, 201 if created else 200)


@route(sales_integration, "/integration/products/{sku}", methods=("PUT",), auth="integrator")
def put_product(tenant: str, sku: str) -> Any:
    from chalicelib.services import catalog  # lazy: loads with its first request

    item, created = catalog.put_product(tenant, check_id(sku, "sku"), json_body(sales_integration))
    return _saved(views.product_for_staff(item, catalog.prices_for_staff(item)), created)


@route(sales_integration, "/integration/products/{sku}", auth="integrator")
def get_product(tenant: str, sku: str) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    item = catalog.get_product(tenant, sku)
    return views.product_for_staff(item, catalog.prices_for_staff(item))


@route(sales_integration, "/integration/products/{sku}/image", methods=("POST",), auth="integrator")
def upload_product_image(tenant: str, sku: str) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    return catalog.product_image_upload(tenant, sku, json_body(sales_integration))


@route(sales_integration, "/integration/price-lists/{price_list_id}", methods=("PUT",), auth="integrator")
def put_price_list(tenant: str, price_list_id: str) -> Any:
    from chalicelib.services import catalog  # lazy: loads with its first request

    item, created = catalog.put_price_list(tenant, check_id(price_list_id, "price_list_id"),
                                           json_body(sales_integration))
    return _saved(views.price_list_for_staff(item), created)


@route(sales_integration, "/integration/price-lists/{price_list_id}", auth="integrator")
def get_price_list(tenant: str, price_list_id: str) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    return views.price_list_for_staff(catalog.get_price_list(tenant, price_list_id))


@route(sales_integration, "/integration/settings/sales", auth="integrator")
def get_sales_settings(tenant: str) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    return catalog.sales_settings(tenant)


@route(sales_integration, "/integration/settings/sales", methods=("PUT",), auth="integrator")
def put_sales_settings(tenant: str) -> dict[str, Any]:
    from chalicelib.services import catalog  # lazy: loads with its first request

    return catalog.put_sales_settings(tenant, json_body(sales_integration))


@route(sales_integration, "/integration/quotes/{quote_id}", methods=("PUT",), auth="integrator")
def put_quote(tenant: str, quote_id: str) -> Any:
    from chalicelib.services import quotes  # lazy: loads with its first request

    item, created = quotes.put_quote(tenant, check_id(quote_id, "quote_id"), json_body(sales_integration))
    return _saved(views.quote_for_staff(item, quotes.tenant_today(tenant)), created)


@route(sales_integration, "/integration/quotes/{quote_id}", auth="integrator")
def get_quote(tenant: str, quote_id: str) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    return views.quote_for_staff(quotes.quote_for_staff(tenant, quote_id), quotes.tenant_today(tenant))


@route(sales_integration, "/integration/quotes/{quote_id}/pdf", methods=("POST",), auth="integrator")
def upload_quote_pdf(tenant: str, quote_id: str) -> dict[str, Any]:
    from chalicelib.services import quotes  # lazy: loads with its first request

    return quotes.quote_pdf_upload(tenant, quote_id)


@route(sales_integration, "/integration/orders/{order_id}", auth="integrator")
def get_order(tenant: str, order_id: str) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    return views.order_for_staff(orders.order_for_staff(tenant, order_id))


@route(sales_integration, "/integration/orders/{order_id}/status", methods=("PUT",), auth="integrator")
def put_order_status(tenant: str, order_id: str) -> dict[str, Any]:
    from chalicelib.services import orders  # lazy: loads with its first request

    return views.order_for_staff(orders.change_status(tenant, check_id(order_id, "order_id"),
                                                      json_body(sales_integration)))
