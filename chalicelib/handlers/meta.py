"""Service metadata: the OpenAPI document, health, and a tenant's public branding for the sign-in page."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalice import Blueprint, Response

from chalicelib.handlers.http import JSON_TYPE, route
from chalicelib.handlers.views import access

meta = Blueprint(__name__)


@lru_cache(maxsize=1)
def _openapi_text() -> str:
    from importlib import resources  # lazy: with pathlib and tempfile it costs ~10 ms of import app

    return resources.files("chalicelib").joinpath("openapi.json").read_text(encoding="utf-8")


@route(meta, "/openapi.json", auth="public")
def get_openapi() -> Response:
    return Response(body=_openapi_text(), status_code=200, headers={"Content-Type": JSON_TYPE})


@route(meta, "/health", auth="public")
def get_health() -> dict[str, Any]:
    return {"status": "ok"}


@route(meta, "/tenants/{tenant}/public", auth="public")
def get_tenant_public(tenant: str) -> dict[str, Any]:
    from chalicelib.services import tenants  # lazy: loads with its first request

    return access.tenant_public_json(tenants.get_tenant(tenant))
