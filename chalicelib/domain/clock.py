"""Time: instants are aware UTC datetimes written ISO 8601 with 'Z'; dates are ISO ``YYYY-MM-DD``.

:func:`now` is the one clock read. In the local stack only (``make run``, ``PORTICO_STAGE=local``),
``devtools/stack.py`` installs an offset source with :func:`set_offset_source` — the sandbox's
``POST /sandbox/clock`` moves it forward — so that expiry, reminders and the like can be driven from
outside. Nothing else installs one: elsewhere :func:`now` is the real time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_TIMEZONE = "America/Bogota"

_offset_source: Callable[[], timedelta] | None = None


def now() -> datetime:
    """The current instant (UTC), plus the local stack's offset when one is installed."""
    moment = datetime.now(UTC)
    return moment if _offset_source is None else moment + _offset_source()


def set_offset_source(source: Callable[[], timedelta] | None) -> None:
    """Makes :func:`now` add ``source()`` (read at every call); None removes it. Only ``devtools/stack.py``
    calls this, and only in the ``local`` stage."""
    global _offset_source  # noqa: PLW0603 - one process-wide clock, as the real one
    _offset_source = source


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_precise(moment: datetime) -> str:
    """Microsecond resolution, for instants compared with each other (session revocation)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def in_seconds(seconds: int, *, start: datetime | None = None) -> datetime:
    return (start or now()) + timedelta(seconds=seconds)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def is_timezone(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def today(timezone: str = DEFAULT_TIMEZONE, *, at: datetime | None = None) -> date:
    """The calendar date in the tenant's time zone (grant windows and days overdue use it)."""
    return (at or now()).astimezone(zone(timezone)).date()
