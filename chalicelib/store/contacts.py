"""Contacts of an account: the contact item, the email claim of a portal user, grant and password writes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain.access import Grant
from chalicelib.store import db, keys

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from pynamodb.transactions import TransactWrite

    from chalicelib.domain.records import ContactRecord
    from chalicelib.store.models import ContactItem, PasswordTokenItem

    Writes = Callable[[TransactWrite], None]


def load(tenant: str, contact_id: str) -> ContactItem | None:
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    db.ready()
    try:
        return ContactItem.get(keys.contact(tenant, contact_id), keys.CONTACT_SK, consistent_read=True)
    except ContactItem.DoesNotExist:
        return None


def grant_of(item: ContactItem | None) -> Grant | None:
    """The stored grant of a contact (None for a new contact or one never given access)."""
    return Grant.from_json(item.portal) if item and item.portal else None


def next_item(tenant: str, contact_id: str, record: ContactRecord, *, previous: ContactItem | None,
              grant: Grant | None, stamp: str) -> ContactItem:
    """The contact as it will be stored: the pushed fields, the credentials carried over, and every
    session revoked when the grant, the email or the account changes."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    item = ContactItem(
        keys.contact(tenant, contact_id),
        keys.CONTACT_SK,
        contact_id=contact_id,
        account_id=record.account_id,
        name=record.name,
        email=record.email,
        phone=record.phone,
        language=record.language,
        portal=grant.to_json() if grant else None,
        gsi1pk=keys.contacts_of_account(tenant, record.account_id),
        gsi1sk=f"C#{contact_id}",
        created_at=previous.created_at if previous else stamp,
        updated_at=stamp,
    )
    if previous is None:
        return item
    for carried in ("password_hash", "password_set_at", "invited_at", "failed_logins", "last_failed_at",
                    "sessions_valid_after", "password_token_id"):
        setattr(item, carried, getattr(previous, carried))
    moved = previous.account_id != record.account_id or previous.email != record.email
    if moved or previous.portal != item.portal:
        # every existing session of this contact stops working now
        item.sessions_valid_after = clock.iso_precise(clock.now())
    if moved:
        # a link mailed before works no more, not even if the email or the account comes back
        item.password_token_id = None
    return item


# What an integrator's push may change on a stored contact (each only when it differs from what was read):
# credentials and sign-in attempts written meanwhile (a password set, a failed sign-in) are left alone.
_INTEGRATOR_FIELDS = ("account_id", "name", "email", "phone", "language", "portal", "gsi1pk", "gsi1sk",
                      "updated_at", "invited_at", "sessions_valid_after", "password_token_id")


def _integrator_fields(item: ContactItem, previous: ContactItem) -> list[Any]:
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    actions = []
    for name in _INTEGRATOR_FIELDS:
        value, attribute = getattr(item, name), getattr(ContactItem, name)
        if value == getattr(previous, name):
            continue
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def save_writes(tenant: str, item: ContactItem, *, previous: ContactItem | None, portal_user: bool,
                token: PasswordTokenItem | None = None) -> Writes:
    """The writes of an integrator's push: the contact (conditioned on the ``updated_at`` read before, so a
    concurrent push conflicts), its email claim while it is a portal user (conditioned on no other contact
    holding it), the release of an email it no longer uses, and an invitation's link token."""
    from chalicelib.store.models import ContactItem, EmailClaimItem  # lazy: keeps import app fast

    contact_id = item.contact_id
    mine = EmailClaimItem.pk.does_not_exist() | (EmailClaimItem.contact_id == contact_id)

    def writes(tx: TransactWrite) -> None:
        if previous is None:
            tx.save(item, condition=ContactItem.pk.does_not_exist())
        else:
            tx.update(item, actions=_integrator_fields(item, previous),
                      condition=ContactItem.updated_at == previous.updated_at)
        old_email = previous.email if previous else None
        if portal_user and item.email:
            tx.save(EmailClaimItem(keys.email_claim(tenant, item.email), keys.EMAIL_SK, contact_id=contact_id),
                    condition=mine)
        if old_email and (not portal_user or old_email != item.email):
            tx.delete(EmailClaimItem(keys.email_claim(tenant, old_email), keys.EMAIL_SK, contact_id=contact_id),
                      condition=mine)
        if token is not None:
            tx.save(token)

    return writes


def commit(writes: Writes) -> None:
    """Runs ``writes`` as one transaction (a failed condition is :class:`Conflict`)."""
    with db.transaction() as tx:
        writes(tx)


def email_holder(tenant: str, email: str) -> str | None:
    """The contact whose portal login ``email`` is, or None."""
    from chalicelib.store.models import EmailClaimItem  # lazy: keeps import app fast

    db.ready()
    try:
        return EmailClaimItem.get(keys.email_claim(tenant, email), keys.EMAIL_SK, consistent_read=True).contact_id
    except EmailClaimItem.DoesNotExist:
        return None


def unmark_invited(item: ContactItem) -> None:
    """Forgets ``invited_at`` (the invitation mail did not go out: the next push sends it again)."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    item.update(actions=[ContactItem.invited_at.remove()])


def invite_writes(contact: ContactItem, token: PasswordTokenItem, *, now: datetime) -> Writes:
    """A fresh invitation: its link token, the contact's ``invited_at`` and its newest link (so older links
    are stale)."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        tx.save(token)
        tx.update(contact, actions=[ContactItem.invited_at.set(clock.iso(now)),
                                    ContactItem.password_token_id.set(token.token_id)],
                  condition=ContactItem.pk.exists())

    return writes


def set_password_hash(contact: ContactItem, password_hash: str, *, now: datetime) -> None:
    """A new password; every set-password link mailed before is stale."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    contact.update(actions=[ContactItem.password_hash.set(password_hash),
                            ContactItem.password_set_at.set(clock.iso_precise(now)),
                            ContactItem.password_token_id.remove()])


def set_portal(contact: ContactItem, portal: dict[str, Any], *, now: datetime) -> None:
    """Stores a new grant and revokes every session of the contact."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    contact.update(actions=[ContactItem.portal.set(portal),
                            ContactItem.sessions_valid_after.set(clock.iso_precise(now)),
                            ContactItem.updated_at.set(clock.iso(now))])
