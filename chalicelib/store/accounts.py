"""Accounts: the tenant's customers."""

from __future__ import annotations

from typing import Any

from chalicelib.domain import clock
from chalicelib.domain.errors import NotFound
from chalicelib.store import db, keys


def _json(item: Any) -> dict[str, Any]:
    return {"id": item.account_id, **item.data, "created_at": item.created_at, "updated_at": item.updated_at}


def get(tenant: str, account_id: str) -> dict[str, Any]:
    from chalicelib.store.models import AccountItem

    db.ready()
    try:
        return _json(AccountItem.get(keys.account(tenant, account_id), keys.ACCOUNT_SK))
    except AccountItem.DoesNotExist:
        raise NotFound("There is no account with that id.", code="account_not_found") from None


def exists(tenant: str, account_id: str) -> bool:
    try:
        get(tenant, account_id)
    except NotFound:
        return False
    return True


def upsert(tenant: str, account_id: str, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Creates or replaces the account's data; returns it and whether it was created."""
    from chalicelib.store.models import AccountItem

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
    return _json(item), previous is None
