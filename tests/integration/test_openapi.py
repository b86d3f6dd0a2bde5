"""The served OpenAPI document is in step with the routes (DESIGN §3)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import call

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def routes(client: Any) -> set[tuple[str, str]]:
    import app  # noqa: F401  - registers every route
    from chalicelib.handlers.http import ROUTES

    return {(spec.method.lower(), spec.path) for spec in ROUTES}


@pytest.fixture
def document(client: Any) -> dict[str, Any]:
    reply = call(client, "GET", "/v1/openapi.json")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    assert isinstance(reply.body, dict)
    return reply.body


def documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    paths = document.get("paths") or {}
    return {(method.lower(), path) for path, item in paths.items() for method in item if method.lower() in HTTP_METHODS}


def test_openapi_is_served_as_json_3_1(document: dict[str, Any]) -> None:
    assert str(document.get("openapi", "")).startswith("3.1")
    assert document.get("info", {}).get("title")


def test_every_route_is_documented(routes: set[tuple[str, str]], document: dict[str, Any]) -> None:
    missing = sorted(routes - documented(document))
    assert not missing, f"routes missing from chalicelib/openapi.json: {missing}"


def test_every_documented_operation_is_a_route(routes: set[tuple[str, str]], document: dict[str, Any]) -> None:
    extra = sorted(documented(document) - routes)
    assert not extra, f"operations in chalicelib/openapi.json that no route serves: {extra}"
