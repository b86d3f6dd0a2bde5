"""Test doubles shared by the unit tests."""

from __future__ import annotations

import json
from typing import Any


class FakeResponse:
    def __init__(self, status_code: int, body: Any):
        self.status_code = status_code
        self.text = body if isinstance(body, str) else json.dumps(body)


class FakeHttp:
    """Stands in for ``requests.post``: answers in order, records every call."""

    def __init__(self) -> None:
        self.answers: list[FakeResponse | Exception] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def answer(self, status_code: int, body: Any) -> None:
        self.answers.append(FakeResponse(status_code, body))

    def fail(self, error: Exception) -> None:
        self.answers.append(error)

    def post(self, url: str, **kwargs: Any) -> FakeResponse:
        self.calls.append((url, kwargs))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
