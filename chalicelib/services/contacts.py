"""Contacts as the integrator pushes them: their portal grant, their email claim and their invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.config import get_settings
from chalicelib.domain import clock, mail, passwords
from chalicelib.domain.access import Grant
from chalicelib.domain.errors import Conflict, GatewayUnavailable, NotFound, TooManyRequests, ValidationFailed
from chalicelib.domain.records import read_contact
from chalicelib.store import accounts, contacts, events, limits, mailer, sessions, tenants

if TYPE_CHECKING:
    from chalicelib.store.models import ContactItem as ContactItem
    from chalicelib.store.tenants import Tenant

INVITE_HOURS = 72


@dataclass(frozen=True, slots=True)
class Invitation:
    """An invitation mail that went out (``sent``), or why it did not (``reason``, and ``retry_after``
    seconds until it may be sent)."""

    sent: bool
    sent_to: str | None = None
    expires_in_hours: int | None = None
    reason: str | None = None
    retry_after: int | None = None


@dataclass(frozen=True, slots=True)
class SavedContact:
    contact: ContactItem
    created: bool
    invitation: Invitation | None = None  # set when this push sent the invitation


def get_contact(tenant_slug: str, contact_id: str) -> ContactItem:
    """The contact; 404 ``contact_not_found``."""
    item = contacts.load(tenant_slug, contact_id)
    if item is None:
        raise NotFound("There is no contact with that id.", code="contact_not_found")
    return item


def upsert_contact(tenant_slug: str, contact_id: str, body: Any) -> SavedContact:
    """Validates and creates or updates a contact (422 naming each bad field; 404 ``account_not_found``).
    Claims the email for portal users (409 ``email_taken`` when another portal user has it), revokes the
    contact's sessions when the grant, the email or the account changes, and sends the invitation the first
    time access is enabled (emitting ``contact.invited``) unless the tenant sent ``invitations_per_tenant_hour``
    this hour: then the contact is saved and ``invitation`` says it was not sent."""
    tenant = tenants.get(tenant_slug)
    previous = contacts.load(tenant_slug, contact_id)  # its updated_at guards the write
    record = read_contact(body, today=clock.today(tenant.timezone), previous=contacts.grant_of(previous))
    if not accounts.exists(tenant_slug, record.account_id):
        raise NotFound("There is no account with that id; push the account first.", code="account_not_found",
                       details={"account_id": record.account_id})
    grant = record.grant if record.grant is not None else contacts.grant_of(previous)
    portal_user = bool(grant and grant.enabled)
    if portal_user and not record.email:
        raise ValidationFailed({"email": "is required while portal access is enabled (it is the login)"})
    now = clock.now()
    stamp = clock.iso_precise(now)  # updated_at is the optimistic-concurrency check
    item = contacts.next_item(tenant_slug, contact_id, record, previous=previous, grant=grant, stamp=stamp)
    created = previous is None
    if not (portal_user and (previous is None or previous.invited_at is None)):
        _commit(tenant_slug, item, contacts.save_writes(tenant_slug, item, previous=previous,
                                                        portal_user=portal_user))
        return SavedContact(contact=item, created=created)
    return SavedContact(contact=item, created=created,
                        invitation=_save_with_invitation(tenant, item, previous=previous, now=now))


def _save_with_invitation(tenant: Tenant, item: ContactItem, *, previous: ContactItem | None,
                          now: datetime) -> Invitation:
    """Saves a push that gives a contact access for the first time, with its invitation: the link token and
    ``contact.invited`` in the same transaction, the mail after it. Over the tenant's hourly cap the push is
    saved alone; ``invited_at`` stays unset, so the next push (or ``POST …/invite``) sends the invitation."""
    slug = tenant.slug
    if not limits.take(_invitations_limit(slug, now)):
        _commit(slug, item, contacts.save_writes(slug, item, previous=previous, portal_user=True))
        return Invitation(sent=False, reason="rate_limited", retry_after=limits.seconds_left(now))
    token, link_item = sessions.new_link(slug, item.contact_id, purpose="invite", email=item.email or "",
                                         account_id=item.account_id, now=now,
                                         expires=now + timedelta(hours=INVITE_HOURS))
    item.invited_at = item.updated_at
    item.password_token_id = link_item.token_id
    _commit(slug, item, contacts.save_writes(slug, item, previous=previous, portal_user=True, token=link_item),
            event={"email": item.email})
    try:
        return _send_invitation(tenant, item, token)
    except GatewayUnavailable:
        # Not invited after all: the same PUT, retried, sends the invitation again.
        contacts.unmark_invited(item)
        raise


def _commit(tenant_slug: str, item: ContactItem, writes: contacts.Writes, *,
            event: dict[str, Any] | None = None) -> None:
    """Commits a push, with the ``contact.invited`` event when ``event`` (its data) is given. A failed
    condition is ``email_taken`` when another contact holds the email, else ``write_conflict`` (the contact
    itself changed meanwhile)."""
    try:
        if event is not None:
            events.append(tenant_slug, "contact.invited", account_id=item.account_id, contact_id=item.contact_id,
                          data=event, writes=writes)
        else:
            contacts.commit(writes)
    except Conflict:
        if item.email and contacts.email_holder(tenant_slug, item.email) not in (None, item.contact_id):
            raise Conflict("That email already belongs to another portal user of this portal.",
                           code="email_taken", details={"email": item.email}) from None
        raise


def _send_invitation(tenant: Tenant, contact: ContactItem, token: str) -> Invitation:
    """Mails the invitation; a mail failure is :class:`GatewayUnavailable` (503, the caller may retry)."""
    message = mail.invitation(tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), name=contact.name,
                              email=contact.email or "", link=mail.set_password_link(tenant.portal_url, token),
                              language=contact.language)
    mailer.send(message, sender_name=tenant.name)
    return Invitation(sent=True, sent_to=contact.email, expires_in_hours=INVITE_HOURS)


def _invitations_limit(tenant_slug: str, now: datetime) -> limits.Limit:
    cap = get_settings().invitations_per_tenant_hour
    return limits.per_tenant_hour(tenant_slug, "invite", cap=cap, now=now)


def invite_contact(tenant_slug: str, contact_id: str) -> Invitation:
    """(Re-)sends the invitation with a fresh single-use link; 404 for an unknown contact, 409 unless portal
    access is enabled and current, 429 ``invitations_rate_limited`` once the tenant sent
    ``invitations_per_tenant_hour`` this hour. Emits ``contact.invited`` (``resent: true``)."""
    contact = get_contact(tenant_slug, contact_id)
    grant = Grant.from_json(contact.portal)
    if not grant.enabled or not contact.email:
        raise Conflict("Portal access is not enabled for this contact.", code="access_not_enabled")
    tenant = tenants.get(tenant_slug)
    if grant.inactive_reason(clock.today(tenant.timezone)):
        raise Conflict("The contact's access window is not current; update the grant first.",
                       code="access_not_current", details={"start_date": contact.portal.get("start_date"),
                                                           "end_date": contact.portal.get("end_date")})
    now = clock.now()
    if not limits.take(_invitations_limit(tenant_slug, now)):
        raise TooManyRequests("This portal has sent as many invitations as it may this hour; try again later.",
                              retry_after=limits.seconds_left(now), code="invitations_rate_limited")
    token, link_item = sessions.new_link(tenant_slug, contact_id, purpose="invite", email=contact.email,
                                         account_id=contact.account_id, now=now,
                                         expires=now + timedelta(hours=INVITE_HOURS))
    events.append(tenant_slug, "contact.invited", account_id=contact.account_id, contact_id=contact_id,
                  data={"email": contact.email, "resent": True},
                  writes=contacts.invite_writes(contact, link_item, now=now))
    return _send_invitation(tenant, contact, token)


def set_password_directly(tenant_slug: str, contact_id: str, password: str) -> None:
    """Sets a password without a link (demo data and staff tooling); the policy still applies."""
    contact = get_contact(tenant_slug, contact_id)
    checked = passwords.check_policy(password, email=contact.email)
    contacts.set_password_hash(contact, passwords.hash_password(checked), now=clock.now())


def set_access_window(tenant_slug: str, contact_id: str, *, start_date: str, end_date: str) -> None:
    """Moves a grant's window as staff may (even into the past, to end access); sessions are revoked."""
    contact = contacts.load(tenant_slug, contact_id)
    if contact is None or not contact.portal:
        raise NotFound("There is no contact with portal access and that id.", code="contact_not_found")
    contacts.set_portal(contact, {**contact.portal, "start_date": start_date, "end_date": end_date},
                        now=clock.now())
