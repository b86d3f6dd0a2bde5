"""Helpers shared by the integration tests: an integrator and a portal user speaking to the test client."""

from __future__ import annotations

import email
import json
from dataclasses import dataclass
from datetime import date, timedelta
from email import policy
from typing import Any

ALL_MODULES = ("billing", "payments", "orders", "quotes", "catalog", "cases", "knowledge", "opportunities",
               "forms", "documents", "projects", "assets", "contracts", "profile")
PASSWORD = "Correcto-Caballo-Bateria-42"


def today() -> date:
    from chalicelib.domain import clock

    return clock.today("America/Bogota")


def grant(*modules: str, scope: str = "account", start: date | None = None, end: date | None = None,
          enabled: bool = True, actions: dict[str, list[str]] | None = None) -> dict[str, Any]:
    start = start or today() - timedelta(days=30)
    end = end or today() + timedelta(days=365)
    return {
        "enabled": enabled,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "modules": {m: {"scope": scope, "actions": (actions or {}).get(m, ["view"])} for m in modules},
    }


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def call(client: Any, method: str, path: str, *, token: str | None = None, body: Any = None,
         headers: dict[str, str] | None = None, raw: str | None = None) -> Reply:
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    payload = raw if raw is not None else (json.dumps(body) if body is not None else None)
    response = getattr(client.http, method.lower())(path, headers=sent, body=payload)
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    parsed = json.loads(text) if text else None
    return Reply(response.status_code, {k.lower(): v for k, v in response.headers.items()}, parsed)


def sent_mail() -> list[dict[str, Any]]:
    """Every mail the in-process SES has accepted, oldest first, parsed into to/subject/text/html."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    result = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        parsed = email.message_from_string(message.raw_data, policy=policy.default)
        text = parsed.get_body(("plain",))
        html = parsed.get_body(("html",))
        result.append({
            "to": message.destinations,
            "subject": str(parsed["Subject"]),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        })
    return result


def link_token(mail: dict[str, Any]) -> str:
    marker = "#/set-password?token="
    start = mail["text"].index(marker) + len(marker)
    return mail["text"][start:].split()[0]
