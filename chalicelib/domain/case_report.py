"""The case report: what a customer's cases of a period add up to, and its CSV.

Cases count in the period they were opened (the tenant's calendar days). Times are in hours, from opening to
the first staff answer the customer saw and from opening to resolution (``resolved_at``, or ``closed_at`` for a
case closed without being resolved); average and median over the cases that have them.
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.cases import STATUSES, is_open
from chalicelib.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from collections.abc import Sequence
    from zoneinfo import ZoneInfo

MAX_DAYS = 731  # two years a report


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One case as the report reads it."""

    number: str
    subject: str
    category: str
    priority: str
    status: str
    created_at: str
    first_response_at: str | None
    resolved_at: str | None
    closed_at: str | None
    rating: int | None


def period(start: date | None, end: date | None, *, today: date) -> tuple[date, date]:
    """The report's days: the given ones, by default the twelve months up to ``today``; 422 when backwards or
    longer than two years."""
    end = end or today
    if start is None:  # the first day of the month eleven months before: twelve calendar months
        index = end.year * 12 + end.month - 1 - 11
        start = date(index // 12, index % 12 + 1, 1)
    if start > end:
        raise ValidationFailed({"to": "must not be before from"})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed({"from": f"a report covers at most {MAX_DAYS} days"})
    return start, end


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _hours(start: str, end: str | None) -> float | None:
    if not end:
        return None
    return max(0.0, (_instant(end) - _instant(start)).total_seconds() / 3600)


def _summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "average_hours": None, "median_hours": None}
    return {"count": len(values), "average_hours": round(statistics.fmean(values), 1),
            "median_hours": round(statistics.median(values), 1)}


def _months(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def build(rows: Sequence[CaseRow], *, start: date, end: date, zone: ZoneInfo, oldest_open: CaseRow | None,
          now: datetime, generated_at: str) -> dict[str, Any]:
    """The report of ``rows`` (the cases opened from ``start`` through ``end``, local days in ``zone``).
    ``oldest_open`` is the oldest case still open, whenever it was opened."""
    by_status = dict.fromkeys(STATUSES, 0)
    by_category: dict[str, int] = {}
    by_month = {month: {"opened": 0, "closed": 0} for month in _months(start, end)}
    first_response, resolution, ratings = [], [], []
    opened = closed = 0
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
        by_category[row.category] = by_category.get(row.category, 0) + 1
        month = _instant(row.created_at).astimezone(zone).strftime("%Y-%m")
        if month in by_month:
            by_month[month]["opened"] += 1
        if is_open(row.status):
            opened += 1
        else:
            closed += 1
            if row.closed_at:
                closed_month = _instant(row.closed_at).astimezone(zone).strftime("%Y-%m")
                if closed_month in by_month:
                    by_month[closed_month]["closed"] += 1
        if (hours := _hours(row.created_at, row.first_response_at)) is not None:
            first_response.append(hours)
        if (hours := _hours(row.created_at, row.resolved_at or row.closed_at)) is not None:
            resolution.append(hours)
        if row.rating:
            ratings.append(row.rating)
    oldest = None
    if oldest_open is not None:
        age = (now - _instant(oldest_open.created_at)).total_seconds() / 86400
        oldest = {"number": oldest_open.number, "subject": oldest_open.subject, "status": oldest_open.status,
                  "created_at": oldest_open.created_at, "age_days": int(age)}
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "total": len(rows),
        "open": opened,
        "closed": closed,
        "by_status": by_status,
        "by_category": dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_month": [{"month": month, **counts} for month, counts in by_month.items()],
        "first_response": _summary(first_response),
        "resolution": _summary(resolution),
        "rating": {"count": len(ratings), "average": round(statistics.fmean(ratings), 2) if ratings else None},
        "oldest_open": oldest,
        "generated_at": generated_at,
    }


CSV_COLUMNS = ("number", "subject", "category", "priority", "status", "created_at", "first_response_at",
               "resolved_at", "closed_at", "rating")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A value as a spreadsheet reads it safely: text that a spreadsheet would run as a formula (``=``, ``+``,
    ``-``, ``@``, tab, CR first) is prefixed with ``'`` (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Sequence[CaseRow]) -> str:
    """One line a case, with a header; UTF-8 with a BOM so spreadsheets read accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(getattr(row, column)) for column in CSV_COLUMNS])
    return "\ufeff" + buffer.getvalue()
