"""Hourly caps on what anyone can trigger (reset mails, invitations): one counter item an hour, taken with an
atomic ADD conditioned on the cap, so parallel requests never take more than the cap."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.store import db, keys

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from pynamodb.transactions import TransactWrite


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``cap`` of something in the UTC hour that the counter item ``pk``/``sk`` stands for."""

    pk: str
    sk: str
    cap: int
    ttl: int


def _limit(pk: str, kind: str, *, cap: int, now: datetime) -> Limit:
    return Limit(pk=pk, sk=keys.rate_sk(kind, now.strftime("%Y-%m-%dT%H")), cap=cap,
                 ttl=int(now.timestamp()) + seconds_left(now) + 86400)


def per_tenant_hour(tenant: str, kind: str, *, cap: int, now: datetime) -> Limit:
    return _limit(keys.tenant(tenant), kind, cap=cap, now=now)


def per_contact_hour(tenant: str, contact_id: str, kind: str, *, cap: int, now: datetime) -> Limit:
    return _limit(keys.contact(tenant, contact_id), kind, cap=cap, now=now)


def seconds_left(now: datetime) -> int:
    """Seconds until the hour of ``now`` ends (when its counters start again from zero)."""
    return 3600 - now.minute * 60 - now.second


def take_writes(*limits: Limit) -> Callable[[TransactWrite], None]:
    """One of each limit taken, inside a transaction: it fails (as a whole) when any is at its cap."""
    from chalicelib.store.models import RateCounterItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        for limit in limits:
            tx.update(RateCounterItem(limit.pk, limit.sk), actions=_actions(limit), condition=_room(limit))

    return writes


def take(limit: Limit) -> bool:
    """Takes one of ``limit`` (one UpdateItem); False, and nothing taken, when it is at its cap."""
    from chalicelib.store.models import RateCounterItem  # lazy: keeps import app fast

    db.ready()
    try:
        RateCounterItem(limit.pk, limit.sk).update(actions=_actions(limit), condition=_room(limit))
    except Exception as exc:
        if db.is_condition_failure(exc):
            return False
        raise
    return True


def _actions(limit: Limit) -> list[Any]:
    from chalicelib.store.models import RateCounterItem  # lazy: keeps import app fast

    return [RateCounterItem.taken.add(1), RateCounterItem.kind.set(RateCounterItem),
            RateCounterItem.ttl.set(limit.ttl)]


def _room(limit: Limit) -> Any:
    from chalicelib.store.models import RateCounterItem  # lazy: keeps import app fast

    return RateCounterItem.taken.does_not_exist() | (RateCounterItem.taken < limit.cap)
