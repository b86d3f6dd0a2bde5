"""Online payments for signed-in contacts (module ``payments``): options, checkout, history, cancel, receipt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.handlers.http import json_body, json_response, page_params, query, route

if TYPE_CHECKING:
    from chalicelib.store.sessions import Context

payments = Blueprint(__name__)


def api_base(blueprint: Blueprint) -> str:
    """The API's public base URL (no /v1) for the addresses gateways call back: configured, else this
    request's own host (API Gateway's stage is part of the path there)."""
    from chalicelib.config import get_settings

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
    from chalicelib.store import payments as store

    return store.options(context)


@route(payments, "/portal/payments", methods=("POST",), module="payments", action="pay", status=201)
def create_payment(context: Context) -> Any:
    from chalicelib.domain.payments import read_payment_request
    from chalicelib.store import payments as store

    request = read_payment_request(json_body(payments))
    status, result = store.create(context, request,
                                  idempotency_key=payments.current_request.headers.get("idempotency-key"),
                                  api_base=api_base(payments))
    return json_response(result, status)


@route(payments, "/portal/payments", module="payments")
def list_payments(context: Context) -> dict[str, Any]:
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.payments import FINAL, LIVE
    from chalicelib.store import payments as store

    limit, cursor = page_params(payments)
    status = query(payments).get("status") or None
    if status is not None and status not in LIVE | FINAL:
        raise ValidationFailed({"status": f"must be one of {', '.join(sorted(LIVE | FINAL))}"})
    return store.history(context.principal, status=status, limit=limit, cursor=cursor)


@route(payments, "/portal/payments/{payment_id}", module="payments")
def get_payment(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.domain.validation import check_id
    from chalicelib.store import payments as store

    return store.payment_json(store.visible_payment(context.principal, check_id(payment_id)))


@route(payments, "/portal/payments/{payment_id}/cancel", methods=("POST",), module="payments", action="pay")
def cancel_payment(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.domain.validation import check_id
    from chalicelib.store import payments as store

    return store.cancel(context, check_id(payment_id))


@route(payments, "/portal/payments/{payment_id}/receipt", module="payments")
def payment_receipt(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.domain.validation import check_id
    from chalicelib.store import payments as store

    return store.receipt(context, check_id(payment_id))
