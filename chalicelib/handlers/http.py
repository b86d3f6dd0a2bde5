"""The one way a view is declared: authentication, error mapping and JSON responses live here.

Chalice middleware never sees the exceptions of plain views, so :func:`route` wraps each view itself.
Every route declared through it is recorded in :data:`ROUTES` (the OpenAPI and isolation tests read it).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.domain.errors import BadRequest, NotFound, PorticoError, TooManyRequests, Unauthorized, ValidationFailed
from chalicelib.domain.validation import is_path_id
from chalicelib.observability import get_logger

if TYPE_CHECKING:
    from collections.abc import Callable

    from chalice import Blueprint

JSON_TYPE = "application/json; charset=utf-8"


@dataclass(frozen=True, slots=True)
class RouteSpec:
    method: str
    path: str
    auth: str  # "portal", "integrator" or "public"
    module: str | None
    action: str | None


ROUTES: list[RouteSpec] = []


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        headers={"Content-Type": JSON_TYPE, **(headers or {})},
    )


def error_response(error: PorticoError) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooManyRequests) else None
    if isinstance(error, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="portico"'}
    body = {"error": {"code": error.code, "message": error.message, "details": error.details}}
    return json_response(body, error.status, headers)


def bearer(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, credential = value.partition(" ")
    return credential.strip() if scheme.lower() == "bearer" and credential.strip() else None


def json_body(blueprint: Blueprint) -> Any:
    """The request's JSON body; 400 when it is missing or not JSON."""
    raw = blueprint.current_request.raw_body
    if not raw:
        raise BadRequest("The request needs a JSON body.", code="malformed_json")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.", code="malformed_json") from None


def query(blueprint: Blueprint) -> dict[str, str]:
    return dict(blueprint.current_request.query_params or {})


def client_ip(blueprint: Blueprint) -> str | None:
    identity = (blueprint.current_request.context or {}).get("identity") or {}
    return identity.get("sourceIp")


def route(
    blueprint: Blueprint,
    path: str,
    *,
    methods: tuple[str, ...] = ("GET",),
    auth: str = "portal",
    module: str | None = None,
    action: str | None = "view",
    status: int = 200,
    content_types: list[str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declares a view. ``auth="portal"`` passes the session context first (and checks ``module``/``action``);
    ``auth="integrator"`` passes the API key's tenant first; ``auth="public"`` passes nothing extra.
    A dict result becomes JSON with ``status``; ``None`` becomes 204; a Response passes through."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**params: Any) -> Response:
            try:
                args = _authenticate(blueprint, auth, module, action)
                _check_path(blueprint, params)
                result = view(*args, **params)
            except PorticoError as error:
                if error.status >= 500:
                    get_logger().warning("dependency failure", extra={"code": error.code})
                return error_response(error)
            except Exception:
                get_logger().exception("unhandled error")
                return json_response(
                    {"error": {"code": "internal_error", "message": "Something went wrong on our side.",
                               "details": {}}},
                    500,
                )
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(body="", status_code=204)
            return json_response(result, status)

        for method in methods:
            ROUTES.append(RouteSpec(method=method, path="/v1" + path, auth=auth, module=module,
                                    action=action if module else None))
        kwargs: dict[str, Any] = {"methods": list(methods)}
        if content_types:
            kwargs["content_types"] = content_types
        blueprint.route(path, **kwargs)(wrapper)
        return wrapper

    return decorator


def _authenticate(blueprint: Blueprint, auth: str, module: str | None, action: str | None) -> tuple[Any, ...]:
    from chalicelib.services.auth import resolve_session  # lazy: loads with its first request
    from chalicelib.services.tenants import tenant_for_api_key  # lazy: loads with its first request

    headers = blueprint.current_request.headers
    if auth == "public":
        return ()
    if auth == "integrator":
        tenant = tenant_for_api_key(bearer(headers) or "")
        get_logger().append_keys(tenant=tenant, caller="integrator")
        return (tenant,)
    context = resolve_session(bearer(headers))
    if module:
        context.principal.require(module, action or "view")
    get_logger().append_keys(tenant=context.principal.tenant, account=context.principal.account_id)
    return (context,)


def _check_path(blueprint: Blueprint, params: dict[str, Any]) -> None:
    """A path id that cannot name a record is a 404, like an unknown one, before anything looks it up; in a PUT
    the id names the record being created, so the view's ``check_id`` answers 422 naming it instead."""
    if blueprint.current_request.method != "PUT" and not all(is_path_id(k, v) for k, v in params.items()):
        raise NotFound("There is nothing with that id.", code="not_found")


def page_params(blueprint: Blueprint, *, default: int = 50, maximum: int = 200) -> tuple[int, str | None]:
    """``limit`` and ``cursor`` from the query string (DESIGN §3); 422 for a bad limit."""
    params = query(blueprint)
    raw = params.get("limit")
    if raw is None:
        limit = default
    elif not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= maximum:
        raise ValidationFailed({"limit": f"must be a whole number from 1 to {maximum}"})
    else:
        limit = int(raw)
    return limit, params.get("cursor") or None
