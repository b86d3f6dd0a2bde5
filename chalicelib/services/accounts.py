"""The integrator's customer accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.records import read_account
from chalicelib.store import accounts, tenants

if TYPE_CHECKING:
    from chalicelib.store.models import AccountItem as AccountItem


def upsert_account(tenant_slug: str, account_id: str, body: Any) -> tuple[AccountItem, bool]:
    """Validates the pushed account (422 naming each bad field; the currency defaults to the tenant's) and
    creates or replaces it; returns it and whether it was created."""
    data = read_account(body, default_currency=tenants.get(tenant_slug).currency)
    return accounts.upsert(tenant_slug, account_id, data)


def get_account(tenant_slug: str, account_id: str) -> AccountItem:
    """The account; 404 ``account_not_found``."""
    item = accounts.load(tenant_slug, account_id)
    if item is None:
        raise NotFound("There is no account with that id.", code="account_not_found")
    return item
