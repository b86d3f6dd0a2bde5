"""The integrator's ordered events feed: a gapless per-tenant sequence written with the change it reports.

Each event takes the next number from a counter item in the same transaction as the business writes,
conditioned on the counter's previous value, so commit order equals sequence order and a consumer that
reads ``after=N`` never misses an event committed later with a smaller number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain.errors import Conflict
from chalicelib.store import db, keys

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pynamodb.transactions import TransactWrite

    from chalicelib.store.models import EventItem

MAX_ATTEMPTS = 6


def _current_seq(tenant: str) -> int:
    from chalicelib.store.models import EventCounterItem  # lazy: keeps import app fast

    try:
        return int(EventCounterItem.get(keys.events(tenant), keys.COUNTER_SK, consistent_read=True).seq)
    except EventCounterItem.DoesNotExist:
        return 0


def append(
    tenant: str,
    event_type: str,
    *,
    account_id: str | None = None,
    contact_id: str | None = None,
    data: dict[str, Any] | None = None,
    writes: Callable[[TransactWrite], None] | None = None,
    conflict_message: str = "Someone else changed this record; try again.",
    also: Sequence[tuple[str, dict[str, Any]]] = (),
) -> int:
    """Writes the event and ``writes`` (the change it reports) atomically; returns the event's number.
    ``also`` adds more events (type, data) of the same change, numbered right after it, in the same transaction
    (an accepted quote reports ``quote.accepted`` and the ``order.placed`` it made).

    A conflict on the business writes is raised as :class:`Conflict`; a race on the counter is retried.
    """
    from chalicelib.store.models import EventCounterItem, EventItem  # lazy: keeps import app fast

    db.ready()
    seq = _current_seq(tenant)
    for _ in range(MAX_ATTEMPTS):
        nxt = seq + 1
        try:
            with db.transaction(conflict=conflict_message) as tx:
                counter = EventCounterItem(keys.events(tenant), keys.COUNTER_SK, seq=nxt + len(also))
                if seq == 0:
                    tx.save(counter, condition=EventCounterItem.pk.does_not_exist())
                else:
                    tx.save(counter, condition=EventCounterItem.seq == seq)
                for offset, (kind, payload) in enumerate(((event_type, data or {}), *also)):
                    tx.save(
                        EventItem(
                            keys.events(tenant),
                            keys.event_sk(nxt + offset),
                            seq=nxt + offset,
                            type=kind,
                            occurred_at=clock.iso(clock.now()),
                            account_id=account_id,
                            contact_id=contact_id,
                            data=payload,
                        )
                    )
                if writes is not None:
                    writes(tx)
            return nxt
        except Conflict:
            latest = _current_seq(tenant)
            if latest == seq:
                raise  # the counter did not move: the business condition failed
            seq = latest
    raise Conflict("The events feed is busy; try again.", code="busy")


def page(tenant: str, *, after: int, limit: int) -> tuple[list[EventItem], int | None]:
    """Events with a number greater than ``after``, oldest first, and the cursor of the next page."""
    from chalicelib.store.models import EventItem  # lazy: keeps import app fast

    db.ready()
    items = list(
        EventItem.query(
            keys.events(tenant),
            EventItem.sk.between(keys.event_sk(after + 1), keys.event_sk(10**12 - 1)),
            limit=limit,
            consistent_read=True,
        )
    )
    next_after = int(items[-1].seq) if len(items) == limit else None
    return items, next_after
