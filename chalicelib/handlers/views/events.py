"""The integrator's events feed as the API shows it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.services.events import EventItem


def event(item: EventItem) -> dict[str, Any]:
    return {
        "id": str(int(item.seq)),
        "seq": int(item.seq),
        "type": item.type,
        "occurred_at": item.occurred_at,
        "account_id": item.account_id,
        "contact_id": item.contact_id,
        "data": item.data or {},
    }


def events_page(items: list[EventItem], next_after: int | None, after: int) -> dict[str, Any]:
    last = int(items[-1].seq) if items else after
    return {"items": [event(i) for i in items], "next_cursor": str(next_after) if next_after is not None else None,
            "last_id": str(last)}
