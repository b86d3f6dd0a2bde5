"""Helpers shared by the integration tests: an integrator and a portal user speaking to the test client."""

from __future__ import annotations

import email
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from email import policy
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

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


# --- Added for the budget, auth and isolation tests -------------------------------------------------------------


class DynamoCalls:
    """The DynamoDB operations made while a :func:`count_dynamodb_calls` block was open, in order."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def __len__(self) -> int:
        return len(self.operations)

    def __repr__(self) -> str:
        return f"{len(self.operations)} DynamoDB calls: {', '.join(self.operations) or '-'}"


@contextmanager
def count_dynamodb_calls(monkeypatch: Any) -> Iterator[DynamoCalls]:
    """Counts every DynamoDB API call (PynamoDB's and boto3's alike) made inside the block.

    Wraps ``botocore.client.BaseClient._make_api_call`` through pytest's ``monkeypatch``; the wrapper
    counts only while the block is open and is removed at the test's teardown.
    """
    import botocore.client

    calls = DynamoCalls()
    original = botocore.client.BaseClient._make_api_call
    counting = True

    def wrapper(self: Any, operation_name: str, api_params: Any) -> Any:
        if counting and self.meta.service_model.service_name == "dynamodb":
            calls.operations.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", wrapper)
    try:
        yield calls
    finally:
        counting = False


def override_settings(monkeypatch: Any, **changes: Any) -> None:
    """The settings with ``changes`` for the rest of the test.

    Setting PORTICO_* variables in a test does not work: the chalice test client swaps in the dev stage's
    variables while it runs, so re-reading the environment would point at another table. The test's own
    settings are copied instead.
    """
    from dataclasses import replace

    from chalicelib import config

    settings = replace(config.get_settings(), **changes)
    monkeypatch.setattr(config, "load_settings", lambda env=None: settings)
    config.reset_settings()


def wait_for_new_second() -> None:
    """Sleeps until just after the wall clock turns a second.

    Stored instants have whole-second resolution; a test that signs in and then revokes (logout-all,
    grant change, password change) right after this call does both within the same second, which is
    what a fast real user or integrator does too.
    """
    import time

    time.sleep(1.02 - time.time() % 1)


def rewrite_grant(tenant: str, contact_id: str, **changes: Any) -> dict[str, Any]:
    """Changes a contact's stored grant directly (dates as ``date`` or ISO strings, or ``enabled``).

    The integrator API cannot write a window that has already ended or not yet started; tests that
    need one write the stored ``ContactItem.portal`` instead. Returns the new grant JSON.
    """
    from chalicelib.store import keys
    from chalicelib.store.models import ContactItem

    item = ContactItem.get(keys.contact(tenant, contact_id), keys.CONTACT_SK, consistent_read=True)
    portal = dict(item.portal or {})
    portal.update({k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()})
    item.update(actions=[ContactItem.portal.set(portal)])
    return portal


def set_password_hash(tenant: str, contact_id: str, password_hash: str) -> None:
    """Stores a ready-made password hash (saves one Argon2 hash where the set-password flow is not under test)."""
    from chalicelib.store import keys
    from chalicelib.store.models import ContactItem

    item = ContactItem.get(keys.contact(tenant, contact_id), keys.CONTACT_SK, consistent_read=True)
    item.update(actions=[ContactItem.password_hash.set(password_hash)])


@lru_cache(maxsize=1)
def password_hash() -> str:
    """An Argon2 hash of :data:`PASSWORD`, computed once per test run."""
    from chalicelib.domain import passwords

    return passwords.hash_password(PASSWORD)


def quick_portal_user(client: Any, tenant: str, contact_id: str, email: str) -> str:
    """Gives an invited contact the password :data:`PASSWORD` directly and signs in; returns the token.

    For tests where the set-password flow is not under test (it costs one Argon2 hash per user).
    """
    set_password_hash(tenant, contact_id, password_hash())
    reply = call(client, "POST", "/v1/auth/login", body={"tenant": tenant, "email": email, "password": PASSWORD})
    assert reply.status == 200, reply.body
    return reply.body["token"]
