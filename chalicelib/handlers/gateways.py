"""What payment gateways call (public, no session): PayU's confirmation and response page, Zona Virtual's
callback. They speak the gateway's format; nothing they say is trusted without verification."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from chalice import Blueprint, Response

from chalicelib.handlers.http import json_response, query, route

gateways = Blueprint(__name__)


def _redirect(url: str) -> Response:
    return Response(body="", status_code=302, headers={"Location": url})


@route(gateways, "/gateways/payu/{tenant}/confirmation", methods=("POST",), auth="public",
       content_types=["application/x-www-form-urlencoded"])
def payu_confirmation(tenant: str) -> Any:
    from chalicelib.services import payments as service  # lazy: loads with its first request

    raw = gateways.current_request.raw_body or b""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    form = dict(parse_qsl(text, keep_blank_values=True))
    return json_response(service.confirm_payu(tenant, form))


@route(gateways, "/gateways/payu/{tenant}/response", auth="public")
def payu_response(tenant: str) -> Response:
    """The browser back from PayU: what it says is display only; PayU is asked, then to the payment's page."""
    from chalicelib.services import payments as service  # lazy: loads with its first request

    return _redirect(service.payu_response(tenant, query(gateways)))


@route(gateways, "/gateways/zonavirtual/{tenant}/callback", auth="public")
def zonavirtual_callback(tenant: str) -> Response:
    """Zona Virtual's GET carries no state and no signature: it only makes us ask Zona Virtual."""
    from chalicelib.services import payments as service  # lazy: loads with its first request

    params = query(gateways)
    return _redirect(service.zonavirtual_callback(tenant, params))
