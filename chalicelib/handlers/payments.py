"""Online payments for signed-in contacts (module ``payments``): options, checkout, history, check now, cancel,
receipt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.config import get_settings
from chalicelib.domain.payments import read_payment_request
from chalicelib.domain.validation import check_id
from chalicelib.handlers.http import json_body, json_response, page_params, query, route
from chalicelib.handlers.views import payments as views

if TYPE_CHECKING:
    from chalicelib.services.auth import Context

payments = Blueprint(__name__)


def api_base(blueprint: Blueprint) -> str:
    """The API's public base URL (no /v1) for the addresses gateways call back: configured, else this
    request's own host (API Gateway's stage is part of the path there)."""
    configured = get_settings().api_url
    if configured:
        return configured
    request = blueprint.current_request
    context = request.context or {}
    host = request.headers.get("host") or context.get("domainName") or "localhost"
    scheme = request.headers.get("x-forwarded-proto") or ("http" if host.startswith(("127.", "localhost")) else "https")
    stage = context.get("stage")
    prefix = f"/{stage}" if stage and stage != "api" and "execute-api" in host else ""
    return f"{scheme}://{host}{prefix}"


@route(payments, "/portal/payment-options", module="payments")
def payment_options(context: Context) -> dict[str, Any]:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    return service.payment_options(context)


@route(payments, "/portal/payments", methods=("POST",), module="payments", action="pay", status=201)
def create_payment(context: Context) -> Any:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    request = read_payment_request(json_body(payments))
    status, item = service.start_payment(context, request,
                                         idempotency_key=payments.current_request.headers.get("idempotency-key"),
                                         api_base=api_base(payments))
    return json_response(views.payment(item), status)


@route(payments, "/portal/payments", module="payments")
def list_payments(context: Context) -> dict[str, Any]:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    limit, cursor = page_params(payments)
    items, next_cursor = service.list_payments(context, status=query(payments).get("status") or None, limit=limit,
                                               cursor=cursor)
    return views.payments_page(items, next_cursor)


@route(payments, "/portal/payments/{payment_id}", module="payments")
def get_payment(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    return views.payment(service.get_payment(context, check_id(payment_id)))


@route(payments, "/portal/payments/{payment_id}/check", methods=("POST",), module="payments", action="pay")
def check_payment(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    return views.payment(service.check_payment(context, check_id(payment_id)))


@route(payments, "/portal/payments/{payment_id}/cancel", methods=("POST",), module="payments", action="pay")
def cancel_payment(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    return views.payment(service.cancel_payment(context, check_id(payment_id)))


@route(payments, "/portal/payments/{payment_id}/receipt", module="payments")
def payment_receipt(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    return service.payment_receipt(context, check_id(payment_id))
