"""Signing in and out, sessions, passwords: the one place that decides who may read what (DESIGN §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from chalicelib.config import get_settings
from chalicelib.domain import clock, mail, passwords, tokens
from chalicelib.domain.access import Grant, Principal
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from chalicelib.observability import get_logger
from chalicelib.store import accounts, contacts, events, limits, mailer, sessions, tenants
from chalicelib.store.sessions import Context as Context

if TYPE_CHECKING:
    from chalicelib.store.models import AccountItem, ContactItem, PasswordTokenItem
    from chalicelib.store.models import SessionItem as SessionItem
    from chalicelib.store.tenants import Tenant

IDLE_MINUTES = 30
ABSOLUTE_HOURS = 12
# last_seen_at is written at most this often, so most requests stay read-only.
TOUCH_SECONDS = 120
MAX_FAILED_LOGINS = 5
LOCK_MINUTES = 15
RESET_HOURS = 2

_BAD_LOGIN = "The email or password is not correct."
_ACCESS_REASONS = {
    "access_disabled": "Your portal access is disabled. Contact your account executive.",
    "access_not_started": "Your portal access has not started yet.",
    "access_ended": "Your portal access has ended. Contact your account executive to renew it.",
}


@dataclass(frozen=True, slots=True)
class Me:
    """The signed-in contact's context and their account."""

    context: Context
    account: AccountItem


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    me: Me


@dataclass(frozen=True, slots=True)
class PasswordSet:
    tenant: str
    email: str | None


def login(tenant_slug: str, email: str, password: str, *, user_agent: str | None, ip: str | None) -> SignedIn:
    """Opens a session for the portal user ``email`` of the tenant. 401 ``invalid_credentials`` alike for an
    unknown tenant, an unknown email and a wrong password; 429 ``login_locked`` once five attempts of a
    streak were made (for 15 minutes, counted before the password check); 403 when the grant does not allow
    access today. Emits ``contact.signed_in``."""
    tenant, contact_id = sessions.sign_in_lookup(tenant_slug, email)
    now = clock.now()
    # An unknown tenant is no secret (its sign-in page is public): nothing is counted for it.
    contact = _reserve_attempt(tenant_slug, email, contact_id, now=now) if tenant is not None else None
    # Argon2 runs whether or not the user exists, so timing does not reveal who has an account.
    if not passwords.verify_password(contact.password_hash if contact else None, password) or contact is None:
        raise Unauthorized(_BAD_LOGIN, code="invalid_credentials")
    assert tenant is not None  # a contact is only loaded for an existing tenant
    session_id = tokens.new_id()
    try:
        principal = _principal(tenant, contact, session_id)
    except Forbidden:
        sessions.clear_attempts(contact)  # the password was right: not an attempt to guess it
        raise
    token, digest = tokens.issue(tenant_slug, contact.contact_id, session_id)
    session = sessions.new_session(tenant_slug, contact.contact_id, session_id=session_id, secret_hash=digest,
                                   now=now, expires=now + timedelta(hours=ABSOLUTE_HOURS), user_agent=user_agent,
                                   ip=ip)
    events.append(tenant_slug, "contact.signed_in", account_id=contact.account_id, contact_id=contact.contact_id,
                  data={"session_id": session_id}, writes=sessions.sign_in_writes(session, contact))
    context = Context(principal=principal, tenant=tenant, contact=contact, session=session)
    return SignedIn(token=token, me=me(context))


def _reserve_attempt(tenant_slug: str, email: str, contact_id: str | None, *, now: datetime) -> ContactItem | None:
    """Counts this attempt before the password is checked, so parallel guesses cannot outrun the count: the
    fifth within a streak is still checked, any later one is 429 until 15 minutes after the fifth began.
    An email no portal user has is counted and locked the same way. Returns the contact, if any."""
    window = timedelta(minutes=LOCK_MINUTES)
    attempt = sessions.reserve_attempt(tenant_slug, email, contact_id, now=now, window_start=now - window,
                                       limit=MAX_FAILED_LOGINS)
    if not attempt.reserved:
        assert attempt.last_at is not None
        retry = int((clock.parse_iso(attempt.last_at) + window - now).total_seconds()) + 1
        raise TooManyRequests("Too many failed sign-ins. Try again later.", retry_after=max(retry, 1),
                              code="login_locked")
    return attempt.contact


def _refuse_inactive(tenant: Tenant, contact: ContactItem) -> Grant:
    """The contact's grant; 403 ``access_disabled``, ``access_not_started`` or ``access_ended`` when it does not
    allow access today (in the tenant's time zone)."""
    grant = Grant.from_json(contact.portal)
    reason = grant.inactive_reason(clock.today(tenant.timezone))
    if reason:
        raise Forbidden(_ACCESS_REASONS[reason], code=reason)
    return grant


def _principal(tenant: Tenant, contact: ContactItem, session_id: str) -> Principal:
    """The principal of a live grant; 403 naming why when the grant does not allow access today."""
    grant = _refuse_inactive(tenant, contact)
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


def resolve_session(token: str | None) -> Context:
    """The context of a bearer session token; 401 for anything not a live session, 403 for a lapsed grant.
    One BatchGetItem, plus an UpdateItem at most every two minutes (``last_seen_at``)."""
    parts = tokens.parse(token)
    if parts is None:
        raise Unauthorized("Sign in to continue.", code="invalid_session")
    session, contact, tenant = sessions.session_records(parts)
    now = clock.now()
    if session is None or contact is None or tenant is None or not tokens.matches(parts, session.secret_hash):
        raise Unauthorized("Sign in to continue.", code="invalid_session")
    if not _live(session, contact, now):
        raise Unauthorized("Your session has ended. Sign in again.", code="session_expired")
    principal = _principal(tenant, contact, session.session_id)
    if (now - clock.parse_iso(session.last_seen_at)).total_seconds() >= TOUCH_SECONDS:
        sessions.touch(session, now=now)
    return Context(principal=principal, tenant=tenant, contact=contact, session=session)


def context_without_session(tenant_slug: str, contact_id: str) -> Context:
    """What a session of the contact would know, for the demo seed acting as a customer (never for a request):
    404 for an unknown contact, 403 for a lapsed grant."""
    tenant = tenants.get(tenant_slug)
    contact = contacts.load(tenant_slug, contact_id)
    if contact is None:
        raise NotFound("There is no contact with that id.", code="contact_not_found")
    principal = _principal(tenant, contact, "seed")
    return Context(principal=principal, tenant=tenant, contact=contact, session=cast("SessionItem", None))


def me(context: Context) -> Me:
    """The signed-in contact with their account (one GetItem)."""
    account = accounts.load(context.principal.tenant, context.principal.account_id)
    if account is None:
        raise NotFound("There is no account with that id.", code="account_not_found")
    return Me(context=context, account=account)


def logout(context: Context) -> None:
    sessions.revoke(context.session, now=clock.now())


def logout_all(context: Context) -> None:
    sessions.revoke_all(context.contact, now=clock.now())


def list_sessions(context: Context) -> list[SessionItem]:
    """The contact's live sessions, newest first."""
    now = clock.now()
    items = sessions.sessions_of(context.principal.tenant, context.principal.contact_id)
    live = [item for item in items if _live(item, context.contact, now)]
    return sorted(live, key=lambda item: item.created_at, reverse=True)


def revoke_session(context: Context, session_id: str) -> None:
    """Ends one of the contact's own sessions; 404 ``session_not_found`` for any other id."""
    if not sessions.revoke_by_id(context.principal.tenant, context.principal.contact_id, session_id,
                                 now=clock.now()):
        raise NotFound("There is no active session with that id.", code="session_not_found")


def set_password(token: str, password: object) -> PasswordSet:
    """Consumes a single-use invitation/reset link and sets the password; every session is revoked.
    401 ``invalid_token`` for an unknown, forged, used or stale link (see :func:`_stale`), ``token_expired``
    past its expiry; 403 as at sign-in when the grant does not allow access today, and 422 for a password the
    policy refuses (the link stays usable after either). Emits ``contact.password_set``."""
    parts = tokens.parse(token)
    invalid = Unauthorized("This link is not valid or was already used. Ask for a new one.", code="invalid_token")
    if parts is None:
        raise invalid
    item, contact, tenant = sessions.link_records(parts)
    if item is None or contact is None or tenant is None or not tokens.matches(parts, item.secret_hash) \
            or item.used_at or _stale(item, contact):
        raise invalid
    if clock.parse_iso(item.expires_at) <= clock.now():
        raise Unauthorized("This link has expired. Ask for a new one.", code="token_expired")
    _refuse_inactive(tenant, contact)  # as at sign-in: no password for a grant that allows no access today
    password_hash = passwords.hash_password(passwords.check_policy(password, email=contact.email))
    writes = sessions.password_set_writes(item, contact, password_hash=password_hash, now=clock.now())
    try:
        events.append(parts.tenant, "contact.password_set", account_id=contact.account_id,
                      contact_id=contact.contact_id, data={"purpose": item.purpose}, writes=writes)
    except Conflict:
        raise invalid from None
    return PasswordSet(tenant=parts.tenant, email=contact.email)


def _stale(item: PasswordTokenItem, contact: ContactItem) -> bool:
    """Whether something happened to the contact since the link was mailed that ends it: a newer link, a
    password change, another email or another account. (A link issued before links were bound to their
    address has no ``email`` and is stale too.)"""
    return (
        contact.password_token_id != item.token_id
        or not item.email
        or item.email.lower() != (contact.email or "").lower()
        or item.account_id != contact.account_id
        or (contact.password_set_at is not None
            and clock.parse_iso(contact.password_set_at) > clock.parse_iso(item.created_at))
    )


def reset_password(tenant_slug: str, email: str) -> None:
    """Mails a reset link when ``email`` is a portal user of the tenant whose grant is active today, at most
    ``reset_mails_per_contact_hour`` a contact and ``reset_mails_per_tenant_hour`` a tenant each hour (the link, the new
    newest link and both counters are one transaction); does nothing otherwise, and never tells which (the
    caller answers 202 either way)."""
    tenant, contact_id = sessions.sign_in_lookup(tenant_slug, email)
    contact = contacts.load(tenant_slug, contact_id) if tenant is not None and contact_id else None
    if tenant is None or contact is None or Grant.from_json(contact.portal).inactive_reason(
        clock.today(tenant.timezone)
    ):
        return
    now = clock.now()
    token, item = sessions.new_link(tenant_slug, contact.contact_id, purpose="reset", email=contact.email or "",
                                    account_id=contact.account_id, now=now,
                                    expires=now + timedelta(hours=RESET_HOURS))
    settings = get_settings()
    caps = (limits.per_contact_hour(tenant_slug, contact.contact_id, "reset", cap=settings.reset_mails_per_contact_hour,
                                    now=now),
            limits.per_tenant_hour(tenant_slug, "reset", cap=settings.reset_mails_per_tenant_hour, now=now))
    if not sessions.issue_link(item, contact, limits=caps):
        get_logger().warning("password reset mail not sent: hourly limit reached", extra={"tenant": tenant_slug})
        return
    message = mail.password_reset(tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), name=contact.name,
                                  email=contact.email or "", link=mail.set_password_link(tenant.portal_url, token),
                                  language=contact.language)
    # A failure is logged, never answered: a 503 only for existing users would reveal who has an account.
    if not mailer.deliver(message, sender_name=tenant.name):
        get_logger().error("password reset mail not sent", extra={"tenant": tenant_slug})
