"""Receivables, aging and statement arithmetic (chalicelib.domain.billing), including property-based checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import billing
from chalicelib.domain.errors import ValidationFailed

TODAY = date(2026, 11, 23)


def period(**params: str) -> billing.Period:
    return billing.statement_period(params, today=TODAY)


def fields(**params: str) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        period(**params)
    return caught.value.details["fields"]


def test_default_period_is_the_current_month() -> None:
    assert period() == billing.Period(date(2026, 11, 1), date(2026, 11, 30))


def test_month_year_and_ranges() -> None:
    assert period(year="2024", period="02") == billing.Period(date(2024, 2, 1), date(2024, 2, 29))
    assert period(year="2026", period="1") == billing.Period(date(2026, 1, 1), date(2026, 1, 31))
    assert period(year="2025") == billing.Period(date(2025, 1, 1), date(2025, 12, 31))
    assert period(**{"from": "2026-03-15", "to": "2026-04-14"}) == billing.Period(date(2026, 3, 15), date(2026, 4, 14))


@pytest.mark.parametrize(("params", "field"), [
    ({"year": "2026", "period": "13"}, "period"),
    ({"year": "2026", "period": "00"}, "period"),
    ({"year": "26"}, "year"),
    ({"year": "abcd"}, "year"),
    ({"period": "05"}, "year"),
    ({"year": "2026", "period": "12"}, "period"),  # starts after today
    ({"year": "2027"}, "period"),
    ({"from": "2026-02-01"}, "to"),
    ({"to": "2026-02-01"}, "from"),
    ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
    ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
    ({"from": "2024-01-01", "to": "2025-01-01"}, "to"),  # 367 days
    ({"from": "2026-12-01", "to": "2026-12-31"}, "from"),
    ({"year": "2026", "from": "2026-01-01", "to": "2026-01-31"}, "from"),
    ({"month": "02"}, "month"),
])
def test_bad_periods_name_the_field(params: dict[str, str], field: str) -> None:
    assert field in fields(**params)


def test_days_overdue_and_status() -> None:
    assert billing.days_overdue("2026-11-23", TODAY) == 0
    assert billing.days_overdue("2026-11-22", TODAY) == 1
    assert billing.days_overdue("2026-12-01", TODAY) == 0
    assert billing.days_overdue(None, TODAY) == 0
    assert billing.open_status("2026-11-22", TODAY) == "overdue"
    assert billing.open_status("2026-11-30", TODAY) == "due_soon"
    assert billing.open_status("2026-12-01", TODAY) == "current"


def _invoice(invoice_id: str, late: int, balance: int, currency: str = "COP") -> dict[str, object]:
    due = (TODAY - timedelta(days=late)).isoformat()
    return {"id": invoice_id, "number": invoice_id, "issue_date": "2026-01-01", "due_date": due, "total": balance,
            "balance": balance, "currency": currency, "payment_in_progress": False, "proof_received_at": None}


def test_aging_bucket_edges() -> None:
    rows = [_invoice(f"i{late}", late, 1 << i) for i, late in enumerate((0, 1, 30, 31, 60, 61, 90, 91, -3))]
    summary = billing.receivables(rows, today=TODAY, default_currency="COP")
    totals = summary["totals"]
    assert totals["current"] == 1 + 256
    assert totals["buckets"] == {"1-30": 2 + 4, "31-60": 8 + 16, "61-90": 32 + 64, "90+": 128}
    assert totals["overdue"] + totals["current"] == totals["balance"] == sum(1 << i for i in range(9))
    assert totals["overdue_count"] == 7 and totals["count"] == 9
    assert totals["next_due_date"] == TODAY.isoformat()
    assert summary["invoices"][0]["id"] == "i91"  # oldest due first


def test_several_currencies_give_a_list_of_totals() -> None:
    summary = billing.receivables([_invoice("a", 3, 100, "USD"), _invoice("b", 0, 500)], today=TODAY,
                                  default_currency="COP")
    assert summary["currency"] is None
    assert [t["currency"] for t in summary["totals"]] == ["COP", "USD"]
    empty = billing.receivables([], today=TODAY, default_currency="COP")
    assert empty["currency"] == "COP" and empty["totals"]["balance"] == 0 and empty["invoices"] == []


movement_lines = st.lists(
    st.tuples(st.sampled_from(billing.MOVEMENT_TYPES[:4]), st.integers(min_value=0, max_value=10**12)),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(opening=st.integers(min_value=-10**12, max_value=10**12), lines=movement_lines)
def test_running_balance_is_exact(opening: int, lines: list[tuple[str, int]]) -> None:
    movements = [billing.movement({"type": t, "total": amount, "issue_date": "2026-11-02", "id": f"d{i}",
                                   "number": f"N{i}"}) for i, (t, amount) in enumerate(lines)]
    result = billing.statement(account={}, period=billing.Period(date(2026, 11, 1), date(2026, 11, 30)),
                               currency="COP", opening_balance=opening, movements=movements, pending=[],
                               today=TODAY, generated_at="2026-11-23T00:00:00Z")
    totals = result["totals"]
    assert result["opening_balance"] + totals["debit"] - totals["credit"] == result["closing_balance"]
    running = opening
    for line in result["movements"]:
        assert (line["debit"] == 0) != (line["credit"] == 0) or line["debit"] == line["credit"] == 0
        running += line["debit"] - line["credit"]
        assert line["balance"] == running
    assert running == result["closing_balance"]
