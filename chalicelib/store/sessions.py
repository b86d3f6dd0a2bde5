"""Sign-in, sessions and the portal principal: the one place that decides who may read what.

Resolving a bearer token costs one BatchGetItem (session, contact, tenant), so an authenticated portal
read stays within two DynamoDB calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, passwords, tokens
from chalicelib.domain.access import Grant, Principal
from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    GatewayUnavailable,
    NotFound,
    TooManyRequests,
    Unauthorized,
)
from chalicelib.observability import get_logger
from chalicelib.store import contacts, db, events, keys
from chalicelib.store.tenants import Tenant, tenant_from_item

if TYPE_CHECKING:
    from chalicelib.store.models import ContactItem, SessionItem

IDLE_MINUTES = 30
ABSOLUTE_HOURS = 12
# last_seen_at is written at most this often, so most requests stay read-only.
TOUCH_SECONDS = 120
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15

_BAD_LOGIN = "The email or password is not correct."
_ACCESS_REASONS = {
    "access_disabled": "Your portal access is disabled. Contact your account executive.",
    "access_not_started": "Your portal access has not started yet.",
    "access_ended": "Your portal access has ended. Contact your account executive to renew it.",
}


@dataclass(frozen=True, slots=True)
class Context:
    """What a resolved session knows: the principal plus the records it was checked against."""

    principal: Principal
    tenant: Tenant
    contact: ContactItem
    session: SessionItem


def _batch(keys_: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    from chalicelib.store.models import PorticoItem

    db.ready()
    return {(item.pk, item.sk): item for item in PorticoItem.batch_get(keys_, consistent_read=True)}


def _portal_user(tenant_slug: str, email: str) -> tuple[Any, ContactItem | None]:
    """The tenant item and the portal user holding ``email`` (None for either when there is none)."""
    claim_key = (keys.email_claim(tenant_slug, email), keys.EMAIL_SK)
    tenant_key = (keys.tenant(tenant_slug), keys.TENANT_SK)
    found = _batch([claim_key, tenant_key])
    claim, tenant_item = found.get(claim_key), found.get(tenant_key)
    contact = contacts.load(tenant_slug, claim.contact_id) if claim and tenant_item else None
    return tenant_item, contact


def login(tenant_slug: str, email: str, password: str, *, user_agent: str | None, ip: str | None) -> dict[str, Any]:
    from chalicelib.store.models import ContactItem, SessionItem

    tenant_item, contact = _portal_user(tenant_slug, email)
    now = clock.now()
    if contact is not None and contact.locked_until and clock.parse_iso(contact.locked_until) > now:
        retry = int((clock.parse_iso(contact.locked_until) - now).total_seconds()) + 1
        raise TooManyRequests("Too many failed sign-ins. Try again later.", retry_after=retry, code="login_locked")
    # Argon2 runs whether or not the user exists, so timing does not reveal who has an account.
    if not passwords.verify_password(contact.password_hash if contact else None, password) or contact is None:
        if contact is not None:
            _record_failure(contact)
        raise Unauthorized(_BAD_LOGIN, code="invalid_credentials")
    tenant = tenant_from_item(tenant_item)
    session_id = tokens.new_id()
    principal = _principal(tenant, contact, session_id)  # refuses a lapsed grant before anything is written
    token, digest = tokens.issue(tenant_slug, contact.contact_id, session_id)
    expires = now + timedelta(hours=ABSOLUTE_HOURS)
    session = SessionItem(
        keys.contact(tenant_slug, contact.contact_id),
        keys.session_sk(session_id),
        session_id=session_id,
        secret_hash=digest,
        expires_at=clock.iso(expires),
        last_seen_at=clock.iso(now),
        created_at=clock.iso_precise(now),
        user_agent=(user_agent or "")[:200] or None,
        ip=ip,
        ttl=int(expires.timestamp()) + 86400,
    )

    def writes(tx: Any) -> None:
        tx.save(session, condition=SessionItem.pk.does_not_exist())
        if contact.failed_logins or contact.locked_until:
            tx.update(contact, actions=[ContactItem.failed_logins.set(0), ContactItem.locked_until.remove()])

    events.append(tenant_slug, "contact.signed_in", account_id=contact.account_id, contact_id=contact.contact_id,
                  data={"session_id": session_id}, writes=writes)
    context = Context(principal=principal, tenant=tenant, contact=contact, session=session)
    return {"token": token, "expires_at": session.expires_at, **me(context)}


def _record_failure(contact: ContactItem) -> None:
    from chalicelib.store.models import ContactItem

    now = clock.now()
    stamp = clock.iso(now)
    window_start = clock.iso(now - timedelta(minutes=LOCK_MINUTES))
    # Failures count within a 15-minute window; an old streak starts again from one. Both writes are
    # conditional and ADD is atomic, so parallel attempts can neither lose a count nor reset each other.
    streak = ContactItem.last_failed_at > window_start
    for _ in range(3):
        try:
            contact.update(actions=[ContactItem.failed_logins.add(1), ContactItem.last_failed_at.set(stamp)],
                           condition=streak)
            break
        except Exception as exc:
            if not db.is_condition_failure(exc):
                raise
        try:
            contact.update(actions=[ContactItem.failed_logins.set(1), ContactItem.last_failed_at.set(stamp)],
                           condition=ContactItem.last_failed_at.does_not_exist() | ~streak)
            break
        except Exception as exc:
            if not db.is_condition_failure(exc):
                raise
    if int(contact.failed_logins or 0) >= MAX_FAILED_LOGINS:
        until = now + timedelta(minutes=LOCK_MINUTES)
        contact.update(actions=[ContactItem.failed_logins.set(0), ContactItem.locked_until.set(clock.iso(until))])


def _principal(tenant: Tenant, contact: ContactItem, session_id: str) -> Principal:
    """The principal of a live grant; 403 naming why when the grant does not allow access today."""
    grant = Grant.from_json(contact.portal)
    reason = grant.inactive_reason(clock.today(tenant.timezone))
    if reason:
        raise Forbidden(_ACCESS_REASONS[reason], code=reason)
    return Principal(
        tenant=tenant.slug,
        account_id=contact.account_id,
        contact_id=contact.contact_id,
        session_id=session_id,
        modules=grant.effective_modules(tenant.modules),
        timezone=tenant.timezone,
    )


def _revoked_for_contact(session_created_at: str, contact: ContactItem) -> bool:
    """Whether a grant change, password change or sign-out everywhere came after the session began."""
    if not contact.sessions_valid_after:
        return False
    return clock.parse_iso(session_created_at) <= clock.parse_iso(contact.sessions_valid_after)


def _live(session: SessionItem, contact: ContactItem, now: datetime) -> bool:
    """Not revoked (itself or through the contact), not past its absolute or idle expiry."""
    return not (
        session.revoked_at
        or clock.parse_iso(session.expires_at) <= now
        or clock.parse_iso(session.last_seen_at) + timedelta(minutes=IDLE_MINUTES) <= now
        or _revoked_for_contact(session.created_at, contact)
    )


def resolve(token: str | None) -> Context:
    """The context of a bearer session token; 401 for anything not a live session, 403 for a lapsed grant."""
    from chalicelib.store.models import SessionItem

    parts = tokens.parse(token)
    if parts is None:
        raise Unauthorized("Sign in to continue.", code="invalid_session")
    session_key = (keys.contact(parts.tenant, parts.contact_id), keys.session_sk(parts.token_id))
    contact_key = (keys.contact(parts.tenant, parts.contact_id), keys.CONTACT_SK)
    tenant_key = (keys.tenant(parts.tenant), keys.TENANT_SK)
    found = _batch([session_key, contact_key, tenant_key])
    session, contact, tenant_item = found.get(session_key), found.get(contact_key), found.get(tenant_key)
    now = clock.now()
    if session is None or contact is None or tenant_item is None or not tokens.matches(parts, session.secret_hash):
        raise Unauthorized("Sign in to continue.", code="invalid_session")
    if not _live(session, contact, now):
        raise Unauthorized("Your session has ended. Sign in again.", code="session_expired")
    tenant = tenant_from_item(tenant_item)
    principal = _principal(tenant, contact, session.session_id)
    if (now - clock.parse_iso(session.last_seen_at)).total_seconds() >= TOUCH_SECONDS:
        session.update(actions=[SessionItem.last_seen_at.set(clock.iso(now))])
    return Context(principal=principal, tenant=tenant, contact=contact, session=session)


def me(context: Context) -> dict[str, Any]:
    from chalicelib.store import accounts

    account = accounts.get(context.principal.tenant, context.principal.account_id)
    contact = context.contact
    window = Grant.from_json(contact.portal).to_json()
    return {
        "contact": {
            "id": contact.contact_id,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "language": contact.language,
            "access": {"start_date": window["start_date"], "end_date": window["end_date"]},
        },
        "account": {
            "id": account["id"],
            "name": account.get("name"),
            "tax_id": account.get("tax_id"),
            "tax_id_type": account.get("tax_id_type"),
            "currency": account.get("currency"),
            "city": account.get("city"),
            "account_executive": account.get("account_executive"),
        },
        "modules": context.principal.modules_json(),
        "tenant": context.tenant.public_json(),
        "session": {"id": context.session.session_id, "expires_at": context.session.expires_at},
    }


def logout(context: Context) -> None:
    from chalicelib.store.models import SessionItem

    context.session.update(actions=[SessionItem.revoked_at.set(clock.iso(clock.now()))])


def logout_all(context: Context) -> None:
    from chalicelib.store.models import ContactItem

    context.contact.update(actions=[ContactItem.sessions_valid_after.set(clock.iso_precise(clock.now()))])


def list_sessions(context: Context) -> list[dict[str, Any]]:
    from chalicelib.store.models import SessionItem

    now = clock.now()
    result = []
    for item in SessionItem.query(keys.contact(context.principal.tenant, context.principal.contact_id),
                                  SessionItem.sk.startswith("SESSION#"), consistent_read=True):
        if not _live(item, context.contact, now):
            continue
        result.append({
            "id": item.session_id,
            "created_at": item.created_at,
            "last_seen_at": item.last_seen_at,
            "expires_at": item.expires_at,
            "user_agent": item.user_agent,
            "ip": item.ip,
            "current": item.session_id == context.session.session_id,
        })
    result.sort(key=lambda s: s["created_at"], reverse=True)
    return result


def revoke_session(context: Context, session_id: str) -> None:
    from chalicelib.store.models import SessionItem

    item = SessionItem(keys.contact(context.principal.tenant, context.principal.contact_id),
                       keys.session_sk(session_id))
    try:
        item.update(actions=[SessionItem.revoked_at.set(clock.iso(clock.now()))],
                    condition=SessionItem.pk.exists() & SessionItem.revoked_at.does_not_exist())
    except Exception as exc:
        if db.is_condition_failure(exc):
            raise NotFound("There is no active session with that id.", code="session_not_found") from exc
        raise


def set_password(token: str, password: object) -> dict[str, Any]:
    """Consumes a single-use invitation/reset token and sets the password; every session is revoked."""
    from chalicelib.store.models import ContactItem, PasswordTokenItem

    parts = tokens.parse(token)
    invalid = Unauthorized("This link is not valid or was already used. Ask for a new one.", code="invalid_token")
    if parts is None:
        raise invalid
    token_key = (keys.contact(parts.tenant, parts.contact_id), keys.password_token_sk(parts.token_id))
    contact_key = (keys.contact(parts.tenant, parts.contact_id), keys.CONTACT_SK)
    found = _batch([token_key, contact_key])
    item, contact = found.get(token_key), found.get(contact_key)
    if item is None or contact is None or not tokens.matches(parts, item.secret_hash) or item.used_at:
        raise invalid
    if clock.parse_iso(item.expires_at) <= clock.now():
        raise Unauthorized("This link has expired. Ask for a new one.", code="token_expired")
    checked = passwords.check_policy(password, email=contact.email)
    stamp = clock.iso(clock.now())

    def writes(tx: Any) -> None:
        tx.update(item, actions=[PasswordTokenItem.used_at.set(stamp)],
                  condition=PasswordTokenItem.used_at.does_not_exist())
        tx.update(contact, actions=[
            ContactItem.password_hash.set(passwords.hash_password(checked)),
            ContactItem.password_set_at.set(stamp),
            ContactItem.sessions_valid_after.set(clock.iso_precise(clock.now())),
            ContactItem.failed_logins.set(0),
            ContactItem.locked_until.remove(),
        ])

    try:
        events.append(parts.tenant, "contact.password_set", account_id=contact.account_id,
                      contact_id=contact.contact_id, data={"purpose": item.purpose}, writes=writes)
    except Conflict:
        raise invalid from None
    return {"tenant": parts.tenant, "email": contact.email}


def forgot_password(tenant_slug: str, email: str) -> None:
    """Mails a reset link when ``email`` is an active portal user of the tenant; silent otherwise."""
    tenant_item, contact = _portal_user(tenant_slug, email)
    if contact is None or Grant.from_json(contact.portal).inactive_reason(
        clock.today(tenant_item.timezone)
    ):
        return
    try:
        contacts.send_reset(tenant_from_item(tenant_item), contact)
    except GatewayUnavailable:
        # Answering 503 only for existing users would reveal who has an account; the failure is logged.
        get_logger().error("password reset mail not sent", extra={"tenant": tenant_slug})

