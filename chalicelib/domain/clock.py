"""Time: instants are aware UTC datetimes written ISO 8601 with 'Z'; dates are ISO ``YYYY-MM-DD``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/Bogota"


def now() -> datetime:
    return datetime.now(UTC)


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
