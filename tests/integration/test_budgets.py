"""DynamoDB calls per request (DESIGN §6: count calls, never wall time)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import API_KEY, TENANT
from tests.support import PASSWORD, call, count_dynamodb_calls, grant

BUDGETS = {
    "GET /v1/me": 2,  # an authenticated portal read (issue 3)
    "GET /v1/me/sessions": 2,
    "POST /v1/auth/login": 6,
    "GET /v1/integration/accounts/{account_id}": 2,
}


@pytest.fixture
def signed_in(world: Any) -> str:
    world.account("acc-1")
    return world.portal_user("c-1", "acc-1", grant("billing"))


def measure(monkeypatch: pytest.MonkeyPatch, client: Any, method: str, path: str, **kwargs: Any) -> Any:
    with count_dynamodb_calls(monkeypatch) as calls:
        reply = call(client, method, path, **kwargs)
    assert 200 <= reply.status < 300, reply.body
    print(f"{method} {path}: {calls!r}")  # shown with -s: the measured counts
    return calls


def test_counter_sees_dynamodb_calls_and_only_those(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.store import db

    with count_dynamodb_calls(monkeypatch) as calls:
        db.client("dynamodb").describe_table(TableName="portico-test")
        db.client("s3").list_buckets()
    assert calls.operations == ["DescribeTable"]
    db.client("dynamodb").describe_table(TableName="portico-test")
    assert len(calls) == 1  # nothing is counted after the block


def test_portal_me_budget(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "GET", "/v1/me", token=signed_in)
    assert len(calls) <= BUDGETS["GET /v1/me"], calls


def test_portal_sessions_budget(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.login(TENANT, "c-1@cliente.test")  # a second session to list
    calls = measure(monkeypatch, world.client, "GET", "/v1/me/sessions", token=signed_in)
    assert len(calls) <= BUDGETS["GET /v1/me/sessions"], calls


def test_login_budget(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = measure(monkeypatch, world.client, "POST", "/v1/auth/login",
                    body={"tenant": TENANT, "email": "c-1@cliente.test", "password": PASSWORD})
    assert len(calls) <= BUDGETS["POST /v1/auth/login"], calls


def test_integrator_get_account_budget(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.account("acc-1")
    calls = measure(monkeypatch, world.client, "GET", "/v1/integration/accounts/acc-1", token=API_KEY)
    assert len(calls) <= BUDGETS["GET /v1/integration/accounts/{account_id}"], calls


def test_budgets_hold_for_a_refused_request_too(signed_in: str, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A garbage token must be refused without touching the table at all.
    with count_dynamodb_calls(monkeypatch) as calls:
        reply = call(world.client, "GET", "/v1/me", token="garbage")
    assert reply.status == 401
    assert len(calls) == 0, calls
