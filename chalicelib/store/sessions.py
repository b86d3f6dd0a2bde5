"""Sessions, set-password links and the records sign-in reads.

Resolving a bearer token reads its session, the contact and the tenant in one BatchGetItem, so an
authenticated portal read stays within two DynamoDB calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, tokens
from chalicelib.domain.errors import Conflict
from chalicelib.store import db, keys
from chalicelib.store.limits import take_writes
from chalicelib.store.tenants import Tenant, tenant_from_item

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from pynamodb.transactions import TransactWrite

    from chalicelib.domain.access import Principal
    from chalicelib.domain.tokens import TokenParts
    from chalicelib.store.limits import Limit
    from chalicelib.store.models import ContactItem, PasswordTokenItem, SessionItem

    Writes = Callable[[TransactWrite], None]


@dataclass(frozen=True, slots=True)
class Context:
    """What a resolved session knows: the principal plus the records it was checked against."""

    principal: Principal
    tenant: Tenant
    contact: ContactItem
    session: SessionItem


def _batch(keys_: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    from chalicelib.store.models import PorticoItem  # lazy: keeps import app fast

    db.ready()
    return {(item.pk, item.sk): item for item in PorticoItem.batch_get(keys_, consistent_read=True)}


def _tenant_key(tenant: str) -> tuple[str, str]:
    return keys.tenant(tenant), keys.TENANT_SK


def _contact_key(tenant: str, contact_id: str) -> tuple[str, str]:
    return keys.contact(tenant, contact_id), keys.CONTACT_SK


def sign_in_lookup(tenant_slug: str, email: str) -> tuple[Tenant | None, str | None]:
    """The tenant, and the id of the portal user whose login is ``email`` (None for either when there is
    none): one BatchGetItem."""
    claim_key = (keys.email_claim(tenant_slug, email), keys.EMAIL_SK)
    found = _batch([claim_key, _tenant_key(tenant_slug)])
    tenant_item, claim = found.get(_tenant_key(tenant_slug)), found.get(claim_key)
    return (tenant_from_item(tenant_item) if tenant_item else None), (claim.contact_id if claim else None)


def session_records(parts: TokenParts) -> tuple[SessionItem | None, ContactItem | None, Tenant | None]:
    """The session a token names, its contact and its tenant (None where missing): one BatchGetItem."""
    session_key = (keys.contact(parts.tenant, parts.contact_id), keys.session_sk(parts.token_id))
    contact_key = _contact_key(parts.tenant, parts.contact_id)
    found = _batch([session_key, contact_key, _tenant_key(parts.tenant)])
    tenant_item = found.get(_tenant_key(parts.tenant))
    return found.get(session_key), found.get(contact_key), tenant_from_item(tenant_item) if tenant_item else None


def new_session(tenant: str, contact_id: str, *, session_id: str, secret_hash: str, now: datetime,
                expires: datetime, user_agent: str | None, ip: str | None) -> SessionItem:
    from chalicelib.store.models import SessionItem  # lazy: keeps import app fast

    return SessionItem(
        keys.contact(tenant, contact_id),
        keys.session_sk(session_id),
        session_id=session_id,
        secret_hash=secret_hash,
        expires_at=clock.iso(expires),
        last_seen_at=clock.iso(now),
        created_at=clock.iso_precise(now),
        user_agent=(user_agent or "")[:200] or None,
        ip=ip,
        ttl=int(expires.timestamp()) + 86400,
    )


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt as :func:`reserve_attempt` left it: reserved (``contact`` is the contact as the
    reservation returned it, None for an email no contact has) or refused because the window is full, in
    which case ``last_at`` is when its latest reserved attempt began."""

    reserved: bool
    contact: ContactItem | None = None
    last_at: str | None = None


def reserve_attempt(tenant: str, email: str, contact_id: str | None, *, now: datetime, window_start: datetime,
                    limit: int) -> Attempt:
    """Counts one sign-in attempt before the password is checked, unless ``limit`` attempts began since
    ``window_start`` (an older streak starts again from one). The count lives on the contact, or for an email
    no contact has on a lock item keyed by the email's hash, so both are locked alike. It is an atomic
    conditional ADD: of any number of parallel attempts at most ``limit`` are reserved; a success clears it
    (:func:`sign_in_writes`). One UpdateItem, which also returns the contact; two more calls when refused."""
    from chalicelib.store.models import ContactItem, LoginLockItem  # lazy: keeps import app fast

    db.ready()
    if contact_id is not None:
        item: Any = ContactItem(keys.contact(tenant, contact_id), keys.CONTACT_SK)
        model: Any = ContactItem
        extra, guard = [], ContactItem.pk.exists()  # never creates a contact
    else:
        item = LoginLockItem(keys.login_lock(tenant, email), keys.LOGIN_LOCK_SK)
        model = LoginLockItem
        extra = [LoginLockItem.kind.set(LoginLockItem), LoginLockItem.ttl.set(int(now.timestamp()) + 86400)]
        guard = None
    stamp, cutoff = clock.iso(now), clock.iso(window_start)
    live = model.last_failed_at > cutoff
    attempts = (
        # a new streak: nothing within the window (the common case, so it is tried first)
        (model.failed_logins.set(1), model.last_failed_at.does_not_exist() | ~live),
        # the streak goes on while it has room
        (model.failed_logins.add(1), live & (model.failed_logins < limit)),
    )
    for _ in range(3):
        for counted, condition in attempts:
            try:
                item.update(actions=[counted, model.last_failed_at.set(stamp), *extra],
                            condition=condition if guard is None else guard & condition)
                return Attempt(reserved=True, contact=item if contact_id is not None else None)
            except Exception as exc:
                if not db.is_condition_failure(exc):
                    raise
        try:
            current = model.get(item.pk, item.sk, consistent_read=True)
        except model.DoesNotExist:
            # the claimed contact does not exist: count the attempt as an unknown email's
            return reserve_attempt(tenant, email, None, now=now, window_start=window_start, limit=limit)
        if current.last_failed_at and current.last_failed_at > cutoff and int(current.failed_logins or 0) >= limit:
            return Attempt(reserved=False, last_at=current.last_failed_at)
        # the window ended between the two conditions: try again
    return Attempt(reserved=False, last_at=stamp)


def clear_attempts(contact: ContactItem) -> None:
    """Forgets the contact's counted attempts (its password was right)."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    contact.update(actions=[ContactItem.failed_logins.set(0), ContactItem.last_failed_at.remove()])


def sign_in_writes(session: SessionItem, contact: ContactItem) -> Writes:
    """The new session, and the contact's counted attempts cleared."""
    from chalicelib.store.models import ContactItem, SessionItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        tx.save(session, condition=SessionItem.pk.does_not_exist())
        tx.update(contact, actions=[ContactItem.failed_logins.set(0), ContactItem.last_failed_at.remove()],
                  condition=ContactItem.pk.exists())

    return writes


def touch(session: SessionItem, *, now: datetime) -> None:
    from chalicelib.store.models import SessionItem  # lazy: keeps import app fast

    session.update(actions=[SessionItem.last_seen_at.set(clock.iso(now))])


def revoke(session: SessionItem, *, now: datetime) -> None:
    from chalicelib.store.models import SessionItem  # lazy: keeps import app fast

    session.update(actions=[SessionItem.revoked_at.set(clock.iso(now))])


def revoke_all(contact: ContactItem, *, now: datetime) -> None:
    """Every session of the contact created up to ``now`` stops working."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    contact.update(actions=[ContactItem.sessions_valid_after.set(clock.iso_precise(now))])


def sessions_of(tenant: str, contact_id: str) -> list[SessionItem]:
    """Every session item of the contact, revoked and expired ones too (one Query)."""
    from chalicelib.store.models import SessionItem  # lazy: keeps import app fast

    db.ready()
    return list(SessionItem.query(keys.contact(tenant, contact_id), SessionItem.sk.startswith("SESSION#"),
                                  consistent_read=True))


def revoke_by_id(tenant: str, contact_id: str, session_id: str, *, now: datetime) -> bool:
    """Revokes the contact's session ``session_id``; False when it has no such session not yet revoked."""
    from chalicelib.store.models import SessionItem  # lazy: keeps import app fast

    db.ready()
    item = SessionItem(keys.contact(tenant, contact_id), keys.session_sk(session_id))
    try:
        item.update(actions=[SessionItem.revoked_at.set(clock.iso(now))],
                    condition=SessionItem.pk.exists() & SessionItem.revoked_at.does_not_exist())
    except Exception as exc:
        if db.is_condition_failure(exc):
            return False
        raise
    return True


# --- set-password links (invitations and resets) --------------------------------------------------------------


def new_link(tenant: str, contact_id: str, *, purpose: str, email: str, account_id: str, now: datetime,
             expires: datetime) -> tuple[str, PasswordTokenItem]:
    """A single-use token for a set-password link mailed to ``email`` while the contact is of ``account_id``:
    the token to mail and its item (not yet written)."""
    from chalicelib.store.models import PasswordTokenItem  # lazy: keeps import app fast

    token_id = tokens.new_id()
    token, digest = tokens.issue(tenant, contact_id, token_id)
    item = PasswordTokenItem(
        keys.contact(tenant, contact_id),
        keys.password_token_sk(token_id),
        token_id=token_id,
        secret_hash=digest,
        purpose=purpose,
        email=email,
        account_id=account_id,
        expires_at=clock.iso(expires),
        created_at=clock.iso_precise(now),
        ttl=int(expires.timestamp()) + 86400,
    )
    return token, item


def link_writes(item: PasswordTokenItem, contact: ContactItem) -> Writes:
    """A new link for an existing contact: its token, and the contact's newest link pointing at it (which
    makes every older link of the contact stale)."""
    from chalicelib.store.models import ContactItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        tx.save(item)
        tx.update(contact, actions=[ContactItem.password_token_id.set(item.token_id)],
                  condition=ContactItem.pk.exists())

    return writes


def issue_link(item: PasswordTokenItem, contact: ContactItem, *, limits: Sequence[Limit] = ()) -> bool:
    """Writes :func:`link_writes` and takes one of each of ``limits``, as one transaction; False (nothing
    written) when a limit is at its cap or the contact is gone."""
    try:
        with db.transaction() as tx:
            take_writes(*limits)(tx)
            link_writes(item, contact)(tx)
    except Conflict:
        return False
    return True


def link_records(parts: TokenParts) -> tuple[PasswordTokenItem | None, ContactItem | None, Tenant | None]:
    """The link token a token names, its contact and its tenant (None where missing): one BatchGetItem."""
    token_key = (keys.contact(parts.tenant, parts.contact_id), keys.password_token_sk(parts.token_id))
    contact_key = _contact_key(parts.tenant, parts.contact_id)
    found = _batch([token_key, contact_key, _tenant_key(parts.tenant)])
    tenant_item = found.get(_tenant_key(parts.tenant))
    return found.get(token_key), found.get(contact_key), tenant_from_item(tenant_item) if tenant_item else None


def password_set_writes(item: PasswordTokenItem, contact: ContactItem, *, password_hash: str, now: datetime
                        ) -> Writes:
    """The link used up (once: conditioned on ``used_at``), the new password, every session revoked, the
    sign-in attempts cleared and no link left. Conditioned on the contact still having this link as its
    newest and the email and account it was read with, so a change committed meanwhile refuses it."""
    from chalicelib.store.models import ContactItem, PasswordTokenItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        tx.update(item, actions=[PasswordTokenItem.used_at.set(clock.iso(now))],
                  condition=PasswordTokenItem.used_at.does_not_exist())
        tx.update(contact, actions=[
            ContactItem.password_hash.set(password_hash),
            ContactItem.password_set_at.set(clock.iso_precise(now)),
            ContactItem.sessions_valid_after.set(clock.iso_precise(now)),
            ContactItem.failed_logins.set(0),
            ContactItem.last_failed_at.remove(),
            ContactItem.password_token_id.remove(),
        ], condition=(ContactItem.password_token_id == item.token_id) & (ContactItem.email == contact.email)
            & (ContactItem.account_id == contact.account_id))

    return writes
