"""Contacts of an account, their portal grant, email claims and invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, mail, tokens
from chalicelib.domain.access import Grant
from chalicelib.domain.errors import Conflict, GatewayUnavailable, NotFound, ValidationFailed
from chalicelib.store import accounts, db, events, keys, mailer, tenants

if TYPE_CHECKING:
    from chalicelib.domain.records import ContactRecord
    from chalicelib.store.models import ContactItem
    from chalicelib.store.tenants import Tenant

INVITE_HOURS = 72
RESET_HOURS = 2


def contact_json(item: ContactItem) -> dict[str, Any]:
    return {
        "id": item.contact_id,
        "account_id": item.account_id,
        "name": item.name,
        "email": item.email,
        "phone": item.phone,
        "language": item.language,
        "portal": Grant.from_json(item.portal).to_json(),
        "invited_at": item.invited_at,
        "password_set": item.password_hash is not None,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def load(tenant: str, contact_id: str) -> ContactItem | None:
    from chalicelib.store.models import ContactItem

    db.ready()
    try:
        return ContactItem.get(keys.contact(tenant, contact_id), keys.CONTACT_SK, consistent_read=True)
    except ContactItem.DoesNotExist:
        return None


def get(tenant: str, contact_id: str) -> dict[str, Any]:
    item = load(tenant, contact_id)
    if item is None:
        raise NotFound("There is no contact with that id.", code="contact_not_found")
    return contact_json(item)


def grant_of(item: ContactItem | None) -> Grant | None:
    """The stored grant of a contact (None for a new contact or one never given access)."""
    return Grant.from_json(item.portal) if item and item.portal else None


def upsert(tenant: Tenant, contact_id: str, record: ContactRecord, *, previous: ContactItem | None
           ) -> tuple[dict[str, Any], bool]:
    """Creates or updates a contact. Claims the email for portal users (409 when taken), revokes the
    contact's sessions when the grant changes, and sends the invitation the first time access is enabled.
    ``previous`` is the contact as read before validating (its ``updated_at`` guards the write).
    Returns the contact (with ``invitation`` when one was sent) and whether it was created."""
    from chalicelib.store.models import ContactItem, EmailClaimItem

    slug = tenant.slug
    if not accounts.exists(slug, record.account_id):
        raise NotFound("There is no account with that id; push the account first.", code="account_not_found",
                       details={"account_id": record.account_id})
    stamp = clock.iso_precise(clock.now())  # updated_at is the optimistic-concurrency check
    grant = record.grant if record.grant is not None else grant_of(previous)
    portal_user = bool(grant and grant.enabled)
    if portal_user and not record.email:
        raise ValidationFailed({"email": "is required while portal access is enabled (it is the login)"})
    item = _next_item(slug, contact_id, record, previous=previous, grant=grant, stamp=stamp)
    invite = portal_user and (previous is None or previous.invited_at is None)
    token = None
    if invite:
        item.invited_at = stamp

    def writes(tx: Any) -> None:
        if previous is None:
            tx.save(item, condition=ContactItem.pk.does_not_exist())
        else:
            # Only the integrator's fields: credentials and lockout written meanwhile are left alone.
            tx.update(item, actions=_integrator_fields(item, previous),
                      condition=ContactItem.updated_at == previous.updated_at)
        old_email = previous.email if previous else None
        if portal_user and record.email:
            claim = EmailClaimItem(keys.email_claim(slug, record.email), keys.EMAIL_SK, contact_id=contact_id)
            tx.save(claim, condition=EmailClaimItem.pk.does_not_exist() | (EmailClaimItem.contact_id == contact_id))
        if old_email and (not portal_user or old_email != record.email):
            tx.delete(
                EmailClaimItem(keys.email_claim(slug, old_email), keys.EMAIL_SK, contact_id=contact_id),
                condition=EmailClaimItem.pk.does_not_exist() | (EmailClaimItem.contact_id == contact_id),
            )
        if token is not None:
            tx.save(token)

    if not invite:
        _write_or_conflict(slug, contact_id, record, writes, invited=False)
        return contact_json(item), previous is None
    link, token = _password_token(tenant, contact_id, purpose="invite", hours=INVITE_HOURS)
    _write_or_conflict(slug, contact_id, record, writes, invited=True)
    result = contact_json(item)
    try:
        result["invitation"] = _send(tenant, item, link, kind="invite")
    except GatewayUnavailable:
        # Not invited after all: the same PUT, retried, sends the invitation again.
        item.update(actions=[ContactItem.invited_at.remove()])
        raise
    return result, previous is None


_INTEGRATOR_FIELDS = ("account_id", "name", "email", "phone", "language", "portal", "gsi1pk", "gsi1sk",
                      "updated_at", "invited_at", "sessions_valid_after")


def _integrator_fields(item: ContactItem, previous: ContactItem) -> list[Any]:
    from chalicelib.store.models import ContactItem

    actions = []
    for name in _INTEGRATOR_FIELDS:
        value, attribute = getattr(item, name), getattr(ContactItem, name)
        if value == getattr(previous, name):
            continue
        actions.append(attribute.remove() if value is None else attribute.set(value))
    return actions


def _next_item(tenant: str, contact_id: str, record: ContactRecord, *, previous: ContactItem | None,
               grant: Grant | None, stamp: str) -> ContactItem:
    """The contact as it will be stored: the pushed fields, the credentials carried over, and every
    session revoked when the grant, the email or the account changes."""
    from chalicelib.store.models import ContactItem

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
                    "locked_until", "sessions_valid_after"):
        setattr(item, carried, getattr(previous, carried))
    if (
        previous.portal != item.portal
        or previous.account_id != record.account_id
        or previous.email != record.email
    ):
        # every existing session of this contact stops working now
        item.sessions_valid_after = clock.iso_precise(clock.now())
    return item


def _write_or_conflict(tenant: str, contact_id: str, record: ContactRecord, writes: Any, *, invited: bool) -> None:
    """Commits the contact's writes; a failed condition is ``email_taken`` when another contact holds the
    email, and ``write_conflict`` when the contact itself changed meanwhile."""
    from chalicelib.store.models import EmailClaimItem

    try:
        if invited:
            events.append(tenant, "contact.invited", account_id=record.account_id, contact_id=contact_id,
                          data={"email": record.email}, writes=writes)
        else:
            with db.transaction() as tx:
                writes(tx)
    except Conflict:
        if record.email:
            try:
                claim = EmailClaimItem.get(keys.email_claim(tenant, record.email), keys.EMAIL_SK, consistent_read=True)
            except EmailClaimItem.DoesNotExist:
                claim = None
            if claim is not None and claim.contact_id != contact_id:
                raise Conflict("That email already belongs to another portal user of this portal.",
                               code="email_taken", details={"email": record.email}) from None
        raise


def _password_token(tenant: Tenant, contact_id: str, *, purpose: str, hours: int) -> tuple[str, Any]:
    from chalicelib.store.models import PasswordTokenItem

    token_id = tokens.new_id()
    token, digest = tokens.issue(tenant.slug, contact_id, token_id)
    expires = clock.now() + timedelta(hours=hours)
    item = PasswordTokenItem(
        keys.contact(tenant.slug, contact_id),
        keys.password_token_sk(token_id),
        token_id=token_id,
        secret_hash=digest,
        purpose=purpose,
        expires_at=clock.iso(expires),
        created_at=clock.iso(clock.now()),
        ttl=int(expires.timestamp()) + 86400,
    )
    return mail.set_password_link(tenant.portal_url, token), item


def _send(tenant: Tenant, contact: ContactItem, link: str, *, kind: str) -> dict[str, Any]:
    compose = mail.invitation if kind == "invite" else mail.password_reset
    message = compose(tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), name=contact.name,
                      email=contact.email or "", link=link, language=contact.language)
    mailer.send(message, sender_name=tenant.name)
    return {"sent_to": contact.email, "expires_in_hours": INVITE_HOURS if kind == "invite" else RESET_HOURS}


def invite(tenant: str, contact_id: str) -> dict[str, Any]:
    """(Re-)sends the invitation with a fresh single-use link; 409 unless portal access is enabled."""
    from chalicelib.store.models import ContactItem

    contact = load(tenant, contact_id)
    if contact is None:
        raise NotFound("There is no contact with that id.", code="contact_not_found")
    grant = Grant.from_json(contact.portal)
    if not grant.enabled or not contact.email:
        raise Conflict("Portal access is not enabled for this contact.", code="access_not_enabled")
    info = tenants.get(tenant)
    if grant.inactive_reason(clock.today(info.timezone)):
        raise Conflict("The contact's access window is not current; update the grant first.",
                       code="access_not_current", details={"start_date": contact.portal.get("start_date"),
                                                           "end_date": contact.portal.get("end_date")})
    link, token = _password_token(info, contact_id, purpose="invite", hours=INVITE_HOURS)
    stamp = clock.iso(clock.now())

    def writes(tx: Any) -> None:
        tx.save(token)
        tx.update(contact, actions=[ContactItem.invited_at.set(stamp)], condition=ContactItem.pk.exists())

    events.append(tenant, "contact.invited", account_id=contact.account_id, contact_id=contact_id,
                  data={"email": contact.email, "resent": True}, writes=writes)
    return {"invitation": _send(info, contact, link, kind="invite")}


def send_reset(tenant: Tenant, contact: ContactItem) -> None:
    link, token = _password_token(tenant, contact.contact_id, purpose="reset", hours=RESET_HOURS)
    token.save()
    _send(tenant, contact, link, kind="reset")


def set_password_directly(tenant: str, contact_id: str, password: str) -> None:
    """Sets a password without a link (demo data and staff tooling); the policy still applies."""
    from chalicelib.domain import passwords
    from chalicelib.store.models import ContactItem

    contact = load(tenant, contact_id)
    if contact is None:
        raise NotFound("There is no contact with that id.", code="contact_not_found")
    checked = passwords.check_policy(password, email=contact.email)
    stamp = clock.iso(clock.now())
    contact.update(actions=[ContactItem.password_hash.set(passwords.hash_password(checked)),
                            ContactItem.password_set_at.set(stamp)])


def set_access_window(tenant: str, contact_id: str, *, start_date: str, end_date: str) -> None:
    """Moves a grant's window as staff may (even into the past, to end access); sessions are revoked."""
    from chalicelib.store.models import ContactItem

    contact = load(tenant, contact_id)
    if contact is None or not contact.portal:
        raise NotFound("There is no contact with portal access and that id.", code="contact_not_found")
    portal = {**contact.portal, "start_date": start_date, "end_date": end_date}
    stamp = clock.iso(clock.now())
    contact.update(actions=[ContactItem.portal.set(portal),
                            ContactItem.sessions_valid_after.set(clock.iso_precise(clock.now())),
                            ContactItem.updated_at.set(stamp)])
