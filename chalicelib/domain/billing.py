"""Receivables, aging and the account statement: pure arithmetic over the documents the store read.

Amounts are integer minor units. Dates are ISO strings; "today" is the tenant's calendar date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.records import debit_credit

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

AGING_BUCKETS = (("1-30", 1, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
DUE_SOON_DAYS = 7
MAX_STATEMENT_DAYS = 366
MOVEMENT_TYPES = ("invoice", "credit_note", "debit_note", "receipt", "portal_payment")
INVOICE_STATUSES = ("all", "pending", "paid")

_YEAR_RE = re.compile(r"\A[0-9]{4}\Z")  # \Z: "$" would let "2026\n" through
_MONTH_RE = re.compile(r"\A(0?[1-9]|1[0-2])\Z")
_DATE_RE = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def days_overdue(due_date: str | None, on: date) -> int:
    """Whole days past due on ``on``; 0 when not yet due (or no due date)."""
    if not due_date:
        return 0
    return max(0, (on - date.fromisoformat(due_date)).days)


def open_status(due_date: str | None, on: date) -> str:
    """``overdue``, ``due_soon`` (due within a week) or ``current`` for an invoice with a balance."""
    if days_overdue(due_date, on) > 0:
        return "overdue"
    if due_date and (date.fromisoformat(due_date) - on).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "current"


class Invoice(Protocol):
    """What an invoice row is made of (the stored invoice as the store returns it); read-only."""

    @property
    def doc_id(self) -> str: ...
    @property
    def number(self) -> str: ...
    @property
    def issue_date(self) -> str: ...
    @property
    def due_date(self) -> str | None: ...
    @property
    def total(self) -> Any: ...
    @property
    def balance(self) -> Any: ...
    @property
    def currency(self) -> str: ...
    @property
    def paid_on(self) -> str | None: ...
    @property
    def proof_received_at(self) -> str | None: ...
    @property
    def checkout_payment_id(self) -> str | None: ...


def invoice_row(item: Invoice, on: date) -> dict[str, Any]:
    """An invoice as lists show it on ``on``."""
    balance = int(item.balance or 0)
    return {
        "id": item.doc_id,
        "number": item.number,
        "issue_date": item.issue_date,
        "due_date": item.due_date,
        "total": int(item.total),
        "balance": balance,
        "currency": item.currency,
        "status": "pending" if balance > 0 else "paid",
        "days_overdue": days_overdue(item.due_date, on) if balance > 0 else 0,
        "paid_on": item.paid_on,
        "proof_received": bool(item.proof_received_at),
        "proof_received_at": item.proof_received_at,
        "payment_in_progress": bool(item.checkout_payment_id),
    }


RECEIVABLE_FIELDS = ("id", "number", "issue_date", "due_date", "total", "balance", "currency",
                     "payment_in_progress", "proof_received_at")


def invoice_document(item: Invoice, *, data: dict[str, Any], allocations: list[Any], on: date) -> dict[str, Any]:
    """An invoice with its lines and the credits applied to it, as its page and its PDF show it.
    ``allocations`` are the stored allocations (``doc_type``, ``doc_id``, ``number``, ``date``, ``amount``,
    ``posted``)."""
    salesperson = data.get("salesperson") or {}
    return {
        **invoice_row(item, on),
        "tax": data.get("tax"),
        "description": data.get("description"),
        "lines": data.get("lines") or [],
        "salesperson": {"name": salesperson["name"]} if salesperson.get("name") else None,
        "allocations": [
            {"type": a.doc_type, "id": a.doc_id, "number": a.number, "date": a.date, "amount": int(a.amount)}
            for a in sorted(allocations, key=lambda a: (a.date, a.doc_id))
            if not (a.doc_type == "portal_payment" and a.posted)  # the ERP's receipt for it is listed instead
        ],
    }

def _empty_totals(currency: str) -> dict[str, Any]:
    return {
        "currency": currency,
        "balance": 0,
        "current": 0,
        "overdue": 0,
        "count": 0,
        "overdue_count": 0,
        "buckets": {name: 0 for name, _, _ in AGING_BUCKETS},
        "next_due_date": None,
    }


def aging(invoices: Iterable[Mapping[str, Any]], *, default_currency: str) -> list[dict[str, Any]]:
    """Totals per currency (sorted by code) of open invoices that carry ``days_overdue``."""
    totals: dict[str, dict[str, Any]] = {}
    for invoice in invoices:
        entry = totals.setdefault(invoice["currency"], _empty_totals(invoice["currency"]))
        balance, late = invoice["balance"], invoice["days_overdue"]
        entry["balance"] += balance
        entry["count"] += 1
        if late == 0:
            entry["current"] += balance
            if entry["next_due_date"] is None or invoice["due_date"] < entry["next_due_date"]:
                entry["next_due_date"] = invoice["due_date"]
            continue
        entry["overdue"] += balance
        entry["overdue_count"] += 1
        for name, low, high in AGING_BUCKETS:
            if late >= low and (high is None or late <= high):
                entry["buckets"][name] += balance
                break
    return [totals[c] for c in sorted(totals)] or [_empty_totals(default_currency)]


def receivables(invoices: list[dict[str, Any]], *, today: date, default_currency: str) -> dict[str, Any]:
    """The receivables screen from open invoices (each ``{id, number, issue_date, due_date, total, balance,
    currency, payment_in_progress, proof_received_at}``), oldest due first."""
    rows = []
    for invoice in sorted(invoices, key=lambda i: (i["due_date"] or "", i["id"])):
        late = days_overdue(invoice["due_date"], today)
        rows.append({
            **invoice,
            "days_overdue": late,
            "status": open_status(invoice["due_date"], today),
            "proof_received": bool(invoice.get("proof_received_at")),
        })
    totals = aging(rows, default_currency=default_currency)
    single = len(totals) == 1
    return {
        "as_of": today.isoformat(),
        "currency": totals[0]["currency"] if single else None,
        "totals": totals[0] if single else totals,
        "invoices": rows,
    }


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date

    @property
    def months_before(self) -> str:
        """The ``YYYY-MM`` of the first month whose totals are not part of the opening balance."""
        return self.start.strftime("%Y-%m")

    def to_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def statement_period(params: Mapping[str, str], *, today: date) -> Period:
    """``year`` + optional ``period`` (month), or ``from``/``to``; nothing means the current month."""
    problems: dict[str, str] = {}
    for name in sorted(set(params) - {"year", "period", "from", "to", "currency"}):
        problems[name] = "is not a statement parameter (use year and period, or from and to)"
    by_month = "year" in params or "period" in params
    by_dates = "from" in params or "to" in params
    if by_month and by_dates:
        problems["from"] = "use either year/period or from/to, not both"
        found = None
    elif by_dates:
        found = _date_range(params.get("from"), params.get("to"), problems)
    elif by_month:
        found = _year_period(params.get("year"), params.get("period"), problems)
    else:
        start = today.replace(day=1)
        found = Period(start, start.replace(day=calendar.monthrange(start.year, start.month)[1]))
    if found is not None and found.start > today and not problems:
        problems["period" if by_month else "from"] = "is in the future"
    if problems or found is None:
        raise ValidationFailed(problems)
    return found


def _year_period(year: str | None, month: str | None, problems: dict[str, str]) -> Period | None:
    if not year or not _YEAR_RE.fullmatch(year) or not 2000 <= int(year) <= 2999:
        problems["year"] = "must be a year like 2026"
    if month is not None and not _MONTH_RE.fullmatch(month):
        problems["period"] = "must be a month from 01 to 12"
    if problems or year is None:  # no year means a problem above; testing it again narrows year to str
        return None
    y = int(year)
    if month is None:
        return Period(date(y, 1, 1), date(y, 12, 31))
    m = int(month)
    return Period(date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]))


def _date_range(start_text: str | None, end_text: str | None, problems: dict[str, str]) -> Period | None:
    start = _date_param(start_text, "from", problems)
    end = _date_param(end_text, "to", problems)
    if start is None or end is None:
        return None
    if start > end:
        problems["to"] = "must not be before from"
    elif (end - start).days >= MAX_STATEMENT_DAYS:
        problems["to"] = f"a statement covers at most {MAX_STATEMENT_DAYS} days"
    return Period(start, end)


def _date_param(text: str | None, name: str, problems: dict[str, str]) -> date | None:
    if not text:
        problems[name] = "is required with " + ("to" if name == "from" else "from")
        return None
    try:
        if not _DATE_RE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        problems[name] = "must be a date YYYY-MM-DD"
        return None


def movement(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A statement line (without running balance) from a stored document's JSON."""
    debit, credit = debit_credit(doc["type"], doc["total"])
    description = doc.get("description") or doc.get("reason") or doc.get("method") or ""
    return {
        "date": doc["issue_date"],
        "type": doc["type"],
        "id": doc["id"],
        "number": doc["number"],
        "description": description,
        "debit": debit,
        "credit": credit,
    }


def statement(
    *,
    account: dict[str, Any],
    period: Period,
    currency: str,
    opening_balance: int,
    movements: list[dict[str, Any]],
    pending: list[dict[str, Any]],
    today: date,
    generated_at: str,
    currencies: Iterable[str] = (),
) -> dict[str, Any]:
    """The statement: running balance after each movement, totals, closing balance, pending documents.

    ``movements`` are statement lines already in order; ``pending`` are invoices open at the period end
    with their ``balance`` at that date. ``currencies`` are the other currencies the reader has documents in
    (the statement's own is always listed): the choices of the portal's currency picker.
    """
    balance = opening_balance
    lines = []
    total_debit = total_credit = 0
    for line in movements:
        balance += line["debit"] - line["credit"]
        total_debit += line["debit"]
        total_credit += line["credit"]
        lines.append({**line, "balance": balance})
    as_of = min(period.end, today)
    pending_rows = [
        {
            "id": doc["id"],
            "number": doc["number"],
            "issue_date": doc["issue_date"],
            "due_date": doc["due_date"],
            "days_overdue": days_overdue(doc["due_date"], as_of),
            "total": doc["total"],
            "balance": doc["balance"],
        }
        for doc in sorted(pending, key=lambda d: (d["due_date"] or "", d["id"]))
        if doc["balance"] > 0
    ]
    return {
        "account": account,
        "period": period.to_json(),
        "currency": currency,
        "currencies": sorted({currency, *currencies}),
        "opening_balance": opening_balance,
        "movements": lines,
        "totals": {"debit": total_debit, "credit": total_credit},
        "closing_balance": balance,
        "pending_documents": pending_rows,
        "generated_at": generated_at,
    }
