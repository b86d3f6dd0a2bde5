"""Payment reminders' persistence: what the daily run reads (tenants, accounts, invoices due on given days, the
contacts of an account, live checkouts, reminders already sent) and the markers and opt-out tokens it writes.

Reads of one run, per tenant: the tenants index (one Query for all tenants), the tenant's accounts (gsi1, one
Query a page) and, for each account the integrator left reminders on for, ONE Query of its open invoices due
inside the schedule's span (lsi2 ``UNPAID#{first}`` … ``UNPAID#{last}#~``, filtered to the exact days). Only an
account with invoices due today costs more: its contacts (gsi1), the markers of what was already sent (one
BatchGetItem per 100) and, when one of those invoices is locked by a checkout, that payment (BatchGetItem).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, tokens
from chalicelib.domain.payments import LIVE
from chalicelib.store import db, keys
from chalicelib.store.tenants import Tenant, tenant_from_item

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from datetime import datetime

    from pynamodb.transactions import TransactWrite

    from chalicelib.domain.reminders import DueInvoice
    from chalicelib.domain.tokens import TokenParts
    from chalicelib.store.models import (
        AccountItem,
        BillingDocumentItem,
        ContactItem,
        ReminderItem,
        ReminderOptOutItem,
    )

    Writes = Callable[[TransactWrite], None]

BATCH = 100  # BatchGetItem's limit
MARKER_KEEP_DAYS = 90  # a marker's day never comes again; TTL only cleans up


def all_tenants() -> list[Tenant]:
    """Every tenant in the tenants index (gsi1 ``TENANTS``), by slug."""
    from chalicelib.store.models import TenantItem  # lazy: keeps import app fast

    db.ready()
    return [tenant_from_item(item) for item in TenantItem.gsi1.query(keys.TENANTS_INDEX)
            if isinstance(item, TenantItem)]


def accounts(tenant: str) -> Iterator[AccountItem]:
    """The tenant's accounts (gsi1, a page of up to 1 MB a Query)."""
    from chalicelib.store.models import AccountItem  # lazy: keeps import app fast

    db.ready()
    for item in AccountItem.gsi1.query(keys.accounts_of_tenant(tenant)):
        if isinstance(item, AccountItem):
            yield item


def due_invoices(tenant: str, account_id: str, due_dates: list[str]) -> list[BillingDocumentItem]:
    """The account's open invoices due on one of ``due_dates``: one Query of lsi2 over the span from the first to
    the last date, filtered to those days (and a balance) before they are returned."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    if not due_dates:
        return []
    db.ready()
    span = BillingDocumentItem.lsi2sk.between(keys.open_invoices_due_from(min(due_dates)),
                                              keys.open_invoices_due_through(max(due_dates)))
    wanted = BillingDocumentItem.due_date.is_in(*sorted(set(due_dates))) & (BillingDocumentItem.balance > 0)
    return [item for item in BillingDocumentItem.lsi2.query(keys.account(tenant, account_id), span,
                                                              filter_condition=wanted)
            if isinstance(item, BillingDocumentItem) and item.doc_type == "invoice"]


def contacts(tenant: str, account_id: str) -> list[ContactItem]:
    """Every contact of the account (gsi1)."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    db.ready()
    return [item for item in ContactItem.gsi1.query(keys.contacts_of_account(tenant, account_id))
            if isinstance(item, ContactItem)]


def live_payments(tenant: str, account_id: str, payment_ids: set[str]) -> set[str]:
    """Those of ``payment_ids`` (checkout locks of the account's invoices) that are still live payments."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    pk = keys.account(tenant, account_id)
    wanted = [(pk, keys.payment_sk(p)) for p in sorted(payment_ids)]
    live: set[str] = set()
    for start in range(0, len(wanted), BATCH):
        live |= {p.payment_id for p in PaymentItem.batch_get(wanted[start:start + BATCH], consistent_read=True)
                 if p.status in LIVE}
    return live


def marker_key(tenant: str, contact_id: str, line: DueInvoice) -> tuple[str, str]:
    return keys.contact(tenant, contact_id), keys.reminder_sk(line.invoice_id, line.due_date, line.step)


def already_sent(wanted: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of the marker keys ``wanted`` that exist (one BatchGetItem per 100)."""
    from chalicelib.store.models import ReminderItem  # lazy: keeps import app fast

    db.ready()
    found: set[tuple[str, str]] = set()
    for start in range(0, len(wanted), BATCH):
        found |= {(item.pk, item.sk) for item in ReminderItem.batch_get(wanted[start:start + BATCH],
                                                                         consistent_read=True)}
    return found


def new_marker(tenant: str, contact_id: str, line: DueInvoice, *, day: str, now: datetime) -> ReminderItem:
    from chalicelib.store.models import ReminderItem  # lazy: keeps import app fast

    pk, sk = marker_key(tenant, contact_id, line)
    return ReminderItem(pk, sk, invoice_id=line.invoice_id, due_date=line.due_date, step=line.step, sent_on=day,
                        created_at=clock.iso(now), ttl=int(now.timestamp()) + MARKER_KEEP_DAYS * 86400)


def new_opt_out(tenant: str, contact_id: str, *, now: datetime, expires: datetime) -> tuple[str, ReminderOptOutItem]:
    """A token for a mail's opt-out link: the token to mail and its item (not yet written)."""
    from chalicelib.store.models import ReminderOptOutItem  # lazy: keeps import app fast

    token_id = tokens.new_id()
    token, digest = tokens.issue(tenant, contact_id, token_id)
    return token, ReminderOptOutItem(keys.contact(tenant, contact_id), keys.reminder_opt_out_sk(token_id),
                                     token_id=token_id, secret_hash=digest, expires_at=clock.iso(expires),
                                     created_at=clock.iso(now), ttl=int(expires.timestamp()) + 86400)


def sent_writes(markers: list[ReminderItem], opt_out: ReminderOptOutItem) -> Writes:
    """The markers of one mail, each put only if absent (a concurrent run that wrote one first makes the whole
    transaction fail), and the mail's opt-out token."""
    from chalicelib.store.models import ReminderItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        for marker in markers:
            tx.save(marker, condition=ReminderItem.pk.does_not_exist())
        tx.save(opt_out)

    return writes


def opt_out_records(parts: TokenParts) -> tuple[ReminderOptOutItem | None, ContactItem | None, Tenant | None]:
    """The opt-out token a link names, its contact and its tenant (None where missing): one BatchGetItem."""
    from chalicelib.store.models import PorticoItem  # lazy: keeps import app fast

    db.ready()
    token_key = (keys.contact(parts.tenant, parts.contact_id), keys.reminder_opt_out_sk(parts.token_id))
    contact_key = (keys.contact(parts.tenant, parts.contact_id), keys.CONTACT_SK)
    tenant_key = (keys.tenant(parts.tenant), keys.TENANT_SK)
    found: dict[tuple[str, str], Any] = {(i.pk, i.sk): i for i in PorticoItem.batch_get(
        [token_key, contact_key, tenant_key], consistent_read=True)}
    tenant_item = found.get(tenant_key)
    return found.get(token_key), found.get(contact_key), tenant_from_item(tenant_item) if tenant_item else None


def set_reminders(contact: ContactItem, *, receive: bool, now: datetime) -> None:
    """The contact's own switch: ``receive`` False stamps ``reminders_opted_out_at``, True removes it. The
    integrator's fields (and ``updated_at``, its concurrency check) are left alone."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    action = ContactItem.reminders_opted_out_at.remove() if receive \
        else ContactItem.reminders_opted_out_at.set(clock.iso(now))
    contact.update(actions=[action], condition=ContactItem.pk.exists())

