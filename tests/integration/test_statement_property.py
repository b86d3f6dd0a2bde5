"""Property: over random movement histories (including documents re-sent with other amounts and dates),
the stored statement is exact — every month's opening balance is the sum of everything before it, its
closing balance is opening + Σdebit − Σcredit, and one month's closing is the next month's opening."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from chalicelib.domain.access import ModuleGrant, Principal
from chalicelib.domain.billing import Period
from chalicelib.domain.records import DEBIT_TYPES, read_document
from tests.integration.conftest import TENANT

MONTHS = [date(2026, m, 1) for m in range(1, 11)]
_accounts = itertools.count()

document = st.tuples(
    st.sampled_from(("invoice", "credit_note", "debit_note", "receipt")),
    st.integers(min_value=0, max_value=len(MONTHS) - 1),  # month
    st.integers(min_value=1, max_value=28),  # day
    st.integers(min_value=1, max_value=10**9),  # amount
    st.sampled_from(("c-1", "c-2")),  # contact
)
history = st.lists(st.tuples(document, st.integers(min_value=0, max_value=5)), min_size=1, max_size=25)


def _principal(account_id: str, scope: str = "account", contact_id: str = "c-1") -> Principal:
    return Principal(tenant=TENANT, account_id=account_id, contact_id=contact_id, session_id="s",
                     modules={"billing": ModuleGrant(scope=scope, actions=frozenset({"view"}))},
                     timezone="America/Bogota")


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


# Each example writes through moto, so few examples and no shrinking (a failure prints its example anyway).
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(events=history)
def test_statements_chain_exactly(world: Any, events: list[tuple[tuple[str, int, int, int, str], int]]) -> None:
    from chalicelib.store import billing, documents

    account_id = f"prop-{next(_accounts)}"
    world.account(account_id)
    for contact_id in ("c-1", "c-2"):
        world.contact(f"{account_id}-{contact_id}", account_id)
    final: dict[str, tuple[str, str, int, str]] = {}  # doc id → (type, date, amount, contact) as last sent
    for (doc_type, month, day, amount, contact), slot in events:
        doc_id = f"{account_id}-{doc_type[:2]}-{slot}"  # a small id space, so documents are re-sent (updates)
        if doc_id in final and final[doc_id][0] != doc_type:
            doc_id += doc_type
        issued = MONTHS[month].replace(day=day).isoformat()
        body: dict[str, Any] = {"account_id": account_id, "contact_id": f"{account_id}-{contact}",
                                "number": doc_id.upper(), "issue_date": issued, "currency": "COP", "total": amount}
        if doc_type == "invoice":
            body |= {"due_date": issued, "balance": amount}
        documents.upsert(TENANT, doc_id, read_document(doc_type, body))
        final[doc_id] = (doc_type, issued, amount, contact)

    def movement_sum(until: str, contact: str | None = None) -> int:
        return sum((amount if t in DEBIT_TYPES else -amount) for t, issued, amount, c in final.values()
                   if issued <= until and (contact is None or c == contact))

    def check(principal: Principal, contact: str | None) -> None:
        previous_closing = 0
        for first in MONTHS:
            result = billing.statement(principal, Period(first, _month_end(first)), None, default_currency="COP")
            totals = result["totals"]
            assert result["opening_balance"] == previous_closing
            assert result["opening_balance"] + totals["debit"] - totals["credit"] == result["closing_balance"]
            assert result["closing_balance"] == movement_sum(_month_end(first).isoformat(), contact)
            if result["movements"]:
                assert result["movements"][-1]["balance"] == result["closing_balance"]
            previous_closing = result["closing_balance"]

    check(_principal(account_id), None)
    check(_principal(account_id, "own", f"{account_id}-c-2"), "c-2")
