"""Payment reminders (issue 11, point 14): which open invoices a contact is reminded of on a day.

A tenant's schedule is a list of *steps*, each a whole number of days from an invoice's due date: ``-3`` is three
days before it, ``0`` the due date itself, ``7`` a week after. An invoice is due for a step on the one day
``due_date + step`` in the tenant's time zone; a day the job did not run is not caught up later (the next step
reminds). Never for an invoice without a balance, one in a live online checkout, or one whose payment proof the
tenant has not yet answered (the customer says it is paid). Pure rules: the service reads and writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.payments import MAX_ITEMS
from chalicelib.domain.validation import Reader

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from chalicelib.domain.access import Grant

DEFAULT_OFFSETS = (-3, 0, 7, 15)
MIN_OFFSET, MAX_OFFSET = -90, 365
MAX_STEPS = 8
# The mail's button pays its invoices in one payment, which holds at most MAX_ITEMS of them.
MAX_INVOICES_PER_MAIL = MAX_ITEMS
OPT_OUT_DAYS = 90  # a mailed opt-out link works this long


@dataclass(frozen=True, slots=True)
class Schedule:
    """A tenant's reminder steps. A tenant that never set one gets the default, switched on."""

    enabled: bool = True
    offsets: tuple[int, ...] = DEFAULT_OFFSETS

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Schedule:
        if not data:
            return cls()
        offsets = tuple(sorted({int(o) for o in data.get("offsets") or ()})) or DEFAULT_OFFSETS
        return cls(enabled=bool(data.get("enabled", True)), offsets=offsets)

    def to_json(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "offsets": list(self.offsets)}

    def due_dates(self, today: date) -> list[date]:
        """The due dates that reach a step ``today``, oldest first."""
        return sorted(today - timedelta(days=offset) for offset in self.offsets)

    def step_for(self, due_date: date, today: date) -> int | None:
        """The step an invoice due on ``due_date`` reaches ``today``, or None."""
        step = (today - due_date).days
        return step if self.enabled and step in self.offsets else None


def parse_offsets(text: str) -> tuple[int, ...]:
    """``"-3,0,7,15"`` → ``(-3, 0, 7, 15)``; 422 ``offsets`` for anything else (not whole numbers, out of
    -90..365, repeated, none, or more than 8)."""
    parts = [p.strip() for p in text.split(",")]
    problem = None
    offsets: list[int] = []
    for part in parts:
        if not part.lstrip("+-").isdigit() or not part.isascii() or part.count("-") + part.count("+") > 1:
            problem = f"{part!r} is not a whole number of days"
            break
        offsets.append(int(part))
    if problem is None:
        if not offsets:
            problem = "name at least one step"
        elif any(not MIN_OFFSET <= o <= MAX_OFFSET for o in offsets):
            problem = f"each step is from {MIN_OFFSET} to {MAX_OFFSET} days from the due date"
        elif len(set(offsets)) != len(offsets):
            problem = "names a step twice"
        elif len(offsets) > MAX_STEPS:
            problem = f"at most {MAX_STEPS} steps"
    if problem:
        raise ValidationFailed({"offsets": f"{problem} (e.g. -3,0,7,15: 3 days before, the due date, 7 and 15 "
                                           "days after)"})
    return tuple(sorted(offsets))


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """What the rule needs to know of an invoice (the service builds it from the stored one)."""

    invoice_id: str
    number: str
    due_date: str
    balance: int
    currency: str
    contact_id: str | None = None
    in_live_checkout: bool = False
    proof_received: bool = False


@dataclass(frozen=True, slots=True)
class DueInvoice:
    """An invoice a reminder names: the step it reached today (days from its due date, negative before)."""

    invoice_id: str
    number: str
    due_date: str
    balance: int
    currency: str
    step: int
    contact_id: str | None = None

    @property
    def days_overdue(self) -> int:
        return max(0, self.step)

    def to_json(self) -> dict[str, Any]:
        return {"invoice_id": self.invoice_id, "number": self.number, "due_date": self.due_date, "step": self.step,
                "days_overdue": self.days_overdue, "balance": self.balance, "currency": self.currency}


def due_invoices(invoices: Iterable[OpenInvoice], *, schedule: Schedule, today: date) -> list[DueInvoice]:
    """The invoices that reach a step of ``schedule`` today and may be reminded of, by due date then number."""
    due = []
    for invoice in invoices:
        if invoice.balance <= 0 or invoice.in_live_checkout or invoice.proof_received:
            continue
        step = schedule.step_for(date.fromisoformat(invoice.due_date), today)
        if step is not None:
            due.append(DueInvoice(invoice_id=invoice.invoice_id, number=invoice.number, due_date=invoice.due_date,
                                  balance=invoice.balance, currency=invoice.currency, step=step,
                                  contact_id=invoice.contact_id))
    return sorted(due, key=lambda d: (d.due_date, d.number, d.invoice_id))


def billing_scope(grant: Grant, tenant_modules: frozenset[str], today: date) -> str | None:
    """The scope (``account`` or ``own``) in which a contact sees billing today, or None when their grant is
    not live (disabled, not started, ended) or lacks billing (or the tenant switched billing off)."""
    if grant.inactive_reason(today):
        return None
    billing = grant.effective_modules(tenant_modules).get("billing")
    return billing.scope if billing else None


def payments_scope(grant: Grant, tenant_modules: frozenset[str]) -> str | None:
    """The scope in which a contact may pay online, or None without the ``pay`` action."""
    payments = grant.effective_modules(tenant_modules).get("payments")
    return payments.scope if payments and "pay" in payments.actions else None


def visible_to(due: Iterable[DueInvoice], *, contact_id: str, scope: str | None) -> list[DueInvoice]:
    """Those of ``due`` the contact sees in ``scope`` (``own``: only invoices linked to them)."""
    if scope is None:
        return []
    return [d for d in due if scope == "account" or d.contact_id == contact_id]


def batches(lines: list[DueInvoice]) -> list[list[DueInvoice]]:
    """One mail's worth at a time: all of them, unless more than one payment can hold."""
    return [lines[start:start + MAX_INVOICES_PER_MAIL] for start in range(0, len(lines), MAX_INVOICES_PER_MAIL)]


def totals(lines: Iterable[DueInvoice]) -> list[tuple[str, int]]:
    """Σ balance per currency, by currency code."""
    sums: dict[str, int] = {}
    for line in lines:
        sums[line.currency] = sums.get(line.currency, 0) + line.balance
    return sorted(sums.items())


def account_allows(data: Mapping[str, Any] | None) -> bool:
    """Whether the integrator left reminders on for the account (``reminders: false`` turns them off)."""
    return (data or {}).get("reminders") is not False


def read_preferences(body: object) -> bool:
    """``{"reminders": true|false}`` (the contact's own switch); 422 otherwise."""
    r = Reader(body)
    reminders = r.boolean("reminders", required=True)
    r.finish()
    assert reminders is not None
    return reminders


def read_opt_out(body: object) -> str:
    """``{"token": "…"}`` from the mailed opt-out link's page; 422 without one."""
    r = Reader(body)
    token = r.text("token", required=True, max_len=512)
    r.finish()
    assert token
    return token
