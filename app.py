"""Composition root: the Chalice app, its middleware and one blueprint a module. No routes here."""

from __future__ import annotations

from functools import partial

from chalice import Chalice, ConvertToMiddleware, CORSConfig

from chalicelib.config import get_settings
from chalicelib.handlers.auth import auth
from chalicelib.handlers.billing import billing
from chalicelib.handlers.cases import cases
from chalicelib.handlers.gateways import gateways
from chalicelib.handlers.integration import integration
from chalicelib.handlers.knowledge import knowledge
from chalicelib.handlers.meta import meta
from chalicelib.handlers.payments import payments
from chalicelib.handlers.portal import portal
from chalicelib.handlers.reconciler import reconciler
from chalicelib.handlers.reminders import reminders
from chalicelib.handlers.sales import sales
from chalicelib.handlers.sales_integration import sales_integration
from chalicelib.observability import get_logger

app = Chalice(app_name="portico", configure_logs=False)
app.debug = get_settings().debug
# clear_state: the keys a request appends (tenant, account, caller) end with it, not in a warm container's next
# request. The Lambda context keys (function_request_id, cold_start) are set again for every invocation.
app.register_middleware(ConvertToMiddleware(partial(get_logger().inject_lambda_context, clear_state=True)))
# CORS is compiled into the API Gateway definition, so the one portal origin is fixed when packaging.
app.api.cors = CORSConfig(
    allow_origin=get_settings().portal_origin,
    allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
    expose_headers=["Retry-After"],
    max_age=600,
)


@app.middleware("http")
def security_headers(event, get_response):  # type: ignore[no-untyped-def]
    response = get_response(event)
    response.headers.update({
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    })
    return response


for blueprint in (meta, auth, portal, billing, payments, gateways, integration, reminders, sales, sales_integration,
                  cases, knowledge):
    app.register_blueprint(blueprint, url_prefix="/v1")
app.register_blueprint(reconciler)
