"""What an account was quoted, ordered or invoiced (issue 13): the SKUs catalog visibility ``purchased`` shows.
Written in the transaction of the quote, order or invoice that names them; read by :mod:`chalicelib.store.sales`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.store import keys

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite


def purchased_writes(tx: TransactWrite, tenant: str, account_id: str, skus: set[str]) -> None:
    """Adds ``skus`` to the account's ``PURCHASED`` string set (created on first use)."""
    from chalicelib.store.models import PurchasedItem  # lazy: keeps import app fast

    if skus:
        tx.update(PurchasedItem(keys.account(tenant, account_id), keys.PURCHASED_SK),
                  actions=[PurchasedItem.skus.add(set(skus)), PurchasedItem.kind.set(PurchasedItem)])
