"""Accounts: the tenant's customers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain.errors import NotFound
from chalicelib.store import db, keys

if TYPE_CHECKING:
    from chalicelib.store.models import AccountItem


def load(tenant: str, account_id: str) -> AccountItem | None:
    from chalicelib.store.models import AccountItem  # lazy: keeps import app fast

    db.ready()
    try:
        return AccountItem.get(keys.account(tenant, account_id), keys.ACCOUNT_SK)
    except AccountItem.DoesNotExist:
        return None


def get(tenant: str, account_id: str) -> dict[str, Any]:
    """The account's stored fields as one mapping (id, the integrator's data, stamps); 404 when unknown.

    Kept for the billing, payment and comment code that prints an account (PDFs, mails); the API JSON
    of an account is built by ``handlers/views/access.py`` from :func:`load`.
    """
    item = load(tenant, account_id)
    if item is None:
        raise NotFound("There is no account with that id.", code="account_not_found")
    return {"id": item.account_id, **item.data, "created_at": item.created_at, "updated_at": item.updated_at}


def exists(tenant: str, account_id: str) -> bool:
    return load(tenant, account_id) is not None


def upsert(tenant: str, account_id: str, data: dict[str, Any]) -> tuple[AccountItem, bool]:
    """Creates or replaces the account's data; returns it and whether it was created."""
    from chalicelib.store.models import AccountItem  # lazy: keeps import app fast

    db.ready()
    stamp = clock.iso(clock.now())
    try:
        previous = AccountItem.get(keys.account(tenant, account_id), keys.ACCOUNT_SK, consistent_read=True)
        created_at = previous.created_at
    except AccountItem.DoesNotExist:
        previous, created_at = None, stamp
    item = AccountItem(
        keys.account(tenant, account_id),
        keys.ACCOUNT_SK,
        account_id=account_id,
        data={k: v for k, v in data.items() if v is not None},
        gsi1pk=keys.accounts_of_tenant(tenant),
        gsi1sk=f"A#{account_id}",
        created_at=created_at,
        updated_at=stamp,
    )
    item.save()
    return item, previous is None
