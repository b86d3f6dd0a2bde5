"""Unit tests are pure domain: any AWS call from one of them is a mistake and fails the test."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.client

    def refuse(self: Any, operation_name: str, api_params: Any) -> Any:
        raise AssertionError(f"unit tests must not call AWS ({self.meta.service_model.service_name}.{operation_name})")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A fake ``requests.post`` for the gateway clients (tests/unit/fakes.py)."""
    import requests

    from tests.unit.fakes import FakeHttp

    fake = FakeHttp()
    monkeypatch.setattr(requests, "post", fake.post)
    return fake
