"""The integrator's ordered events feed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.domain.errors import ValidationFailed
from chalicelib.store import events

if TYPE_CHECKING:
    from chalicelib.store.models import EventItem as EventItem


def read_feed(tenant: str, *, after: str, limit: int) -> tuple[list[EventItem], int | None, int]:
    """Events after the ``after`` the integrator last processed: (events, next cursor, ``after`` as a number).
    422 when ``after`` is not an event number."""
    if not (after.isascii() and after.isdigit()) or len(after) > 12:
        raise ValidationFailed({"after": "must be the id of the last event you processed (a whole number)"})
    items, next_after = events.page(tenant, after=int(after), limit=limit)
    return items, next_after, int(after)
