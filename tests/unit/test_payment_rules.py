"""The payment rules of chalicelib/domain/payments.py (DESIGN §5, issue 11): what a report means, and when to ask."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain import payments as rules

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def decide(status: str, reported: str, *, review_reason: str | None = None, age: timedelta = MINUTE,
           amount: int | None = 1000, currency: str | None = "COP", gateway: str = "payu", raw_state: str = "",
           method: str | None = None) -> rules.Outcome | None:
    return rules.outcome(status=status, review_reason=review_reason, gateway=gateway, age=age, reported=reported,
                         raw_state=raw_state, method=method, reported_amount=amount, reported_currency=currency,
                         amount=1000, currency="COP")


@pytest.mark.parametrize("status", ["declined", "expired", "error", "cancelled", "created", "pending"])
def test_an_approval_for_the_full_amount_applies_from_any_state_but_approved(status: str) -> None:
    assert decide(status, "approved") == rules.Outcome("approved", "approved")


@pytest.mark.parametrize("reason", ["pending_too_long", "unverified"])
def test_a_review_that_waits_for_no_one_gives_way_to_an_approval(reason: str) -> None:
    assert decide("review", "approved", review_reason=reason) == rules.Outcome("approved", "approved")


@pytest.mark.parametrize("reason", sorted(rules.STAFF_REVIEW))
def test_a_review_for_staff_stays(reason: str) -> None:
    assert decide("review", "approved", review_reason=reason) is None


def test_an_approval_for_another_amount_or_currency_goes_to_review_from_any_state() -> None:
    for status in ("created", "declined", "cancelled"):
        assert decide(status, "approved", amount=999) == rules.Outcome("review", "amount_mismatch", "amount_mismatch")
        assert decide(status, "approved", currency="USD") == rules.Outcome("review", "currency_mismatch",
                                                                          "currency_mismatch")


@pytest.mark.parametrize("reported", ["declined", "expired", "error", "pending", "unknown"])
@pytest.mark.parametrize("status", ["approved", "declined", "expired", "error", "cancelled", "review"])
def test_after_a_final_state_nothing_but_an_approval_changes_anything(status: str, reported: str) -> None:
    assert decide(status, reported, review_reason="pending_too_long" if status == "review" else None) is None


def test_nothing_reverts_an_approval_and_a_second_transaction_is_a_duplicate() -> None:
    assert decide("approved", "approved") is None  # the service asks after_approval instead
    known = {"tx-1"}
    assert rules.after_approval(reported="approved", transaction_id="tx-1", known=known) is None
    assert rules.after_approval(reported="approved", transaction_id="tx-2", known=known) == "duplicate_payment"
    assert rules.after_approval(reported="approved", transaction_id=None, known=known) is None
    assert rules.after_approval(reported="approved", transaction_id="tx-2", known=set()) is None
    for failed in ("declined", "expired", "error"):
        assert rules.after_approval(reported=failed, transaction_id="tx-3", known=known) == "late_failure"
    assert rules.after_approval(reported="pending", transaction_id="tx-3", known=known) is None


def test_live_payments_by_what_the_gateway_says() -> None:
    assert decide("created", "declined") == rules.Outcome("declined", "declined")
    assert decide("pending", "pending", method="pse") == rules.Outcome("pending", "pending_bank")
    assert decide("pending", "pending", method="cash") == rules.Outcome("pending", "pending_voucher")
    assert decide("pending", "pending", gateway="zonavirtual", raw_state="4001") == rules.Outcome(
        "pending", "pending_review")
    assert decide("created", "unknown") == rules.Outcome("created", "not_at_gateway")
    assert decide("created", "unknown", age=timedelta(hours=3, minutes=1)) == rules.Outcome("expired",
                                                                                           "never_reached")
    assert decide("pending", "pending", age=timedelta(days=7, minutes=1)) == rules.Outcome(
        "review", "pending_too_long", "pending_too_long")


def test_zonavirtual_888_is_abandoned_after_30_minutes() -> None:
    not_started: dict[str, Any] = {"gateway": "zonavirtual", "raw_state": "888"}
    assert decide("pending", "pending", age=29 * MINUTE, **not_started) == rules.Outcome("pending", "not_started")
    assert decide("pending", "pending", age=31 * MINUTE, **not_started) == rules.Outcome("expired", "abandoned")
    assert decide("pending", "pending", age=31 * MINUTE, gateway="payu", raw_state="888") == rules.Outcome(
        "pending", "pending")
    assert rules.not_started("zonavirtual", "888") and not rules.not_started("zonavirtual", "999")


def test_covered_needs_every_invoice_to_carry_its_amount() -> None:
    assert rules.covered([("a", 100), ("b", 50)], {"a": 100, "b": 70})
    assert not rules.covered([("a", 100), ("b", 50)], {"a": 99, "b": 70})
    assert not rules.covered([("a", 100)], {})


def test_each_gateway_at_its_cadence() -> None:
    def gap(gateway: str, age: timedelta, **kwargs: Any) -> timedelta:
        return rules.next_check(gateway, created_at=T0, now=T0 + age, **kwargs) - (T0 + age)

    assert [gap("payu", age) for age in (0 * MINUTE, 2 * rules.LATER, timedelta(days=1, minutes=1))] == [
        10 * MINUTE, 10 * MINUTE, 60 * MINUTE]
    assert [gap("zonavirtual", age) for age in (0 * MINUTE, 2 * rules.LATER, timedelta(days=1, minutes=1))] == [
        7 * MINUTE, 10 * MINUTE, 60 * MINUTE]
    assert gap("payu", 20 * MINUTE, voucher=True) == 60 * MINUTE


def test_failures_back_off_up_to_hourly() -> None:
    def wait(gateway: str, failures: int) -> timedelta:
        return rules.after_failure(gateway, created_at=T0, now=T0, failures=failures) - T0

    assert [wait("payu", n) for n in range(1, 7)] == [m * MINUTE for m in (10, 20, 40, 60, 60, 60)]
    assert [wait("zonavirtual", n) for n in range(1, 6)] == [m * MINUTE for m in (7, 14, 28, 56, 60)]
    assert wait("payu", 10_000) == 60 * MINUTE
    assert not rules.unverified(T0, T0 + timedelta(hours=23, minutes=59))
    assert rules.unverified(T0, T0 + timedelta(hours=24))


def test_who_is_still_asked_about() -> None:
    assert rules.still_asked("pending", None, timedelta(days=30))
    assert rules.still_asked("review", "unverified", timedelta(days=2))
    assert not rules.still_asked("review", "unverified", timedelta(days=7, minutes=1))
    assert not rules.awaits_gateway("review", "pending_too_long")
    assert not rules.awaits_gateway("declined", None)


def test_method_words() -> None:
    assert [rules.payment_method(raw) for raw in ("VISA", "PSE", "EFECTY", "BALOTO", "CASH", "BANCOLOMBIA_BUTTON",
                                                  None)] == [
        "card", "pse", "cash", "cash", "cash", "bancolombia_button", None]


def test_every_code_has_an_english_detail_without_gateway_words() -> None:
    for code, detail in rules.CODES.items():
        assert detail and not any(word in detail for word in ("state_pol", "PayU", "Zona", "CUS")), code
        assert rules.Outcome("pending", code).detail == detail


def test_the_portal_words_every_timeline_code_and_waiting_reason_in_both_languages() -> None:
    """A new code cannot reach the timeline unworded (static_site/i18n/*.json, payment-detail.js)."""
    root = Path(__file__).resolve().parents[2] / "static_site"
    script = (root / "js" / "views" / "payment-detail.js").read_text(encoding="utf-8")

    def listed(name: str) -> set[str]:
        match = re.search(rf"const {name} = \[(.*?)\];", script, re.S)
        assert match, name
        return set(re.findall(r'"([a-z_]+)"', match.group(1)))

    assert listed("CODES") == set(rules.CODES)
    assert listed("WAITING") == set(rules.WAITING_FOR.values())
    for language in ("es-CO", "en"):
        words = json.loads((root / "i18n" / f"{language}.json").read_text(encoding="utf-8"))["payment"]
        assert set(words["codes"]) == set(rules.CODES), language
        assert {f"pending_{w}" for w in rules.WAITING_FOR.values()} <= set(words["explain"]), language
        assert {f"review_{r}" for r in listed("REVIEW_REASONS")} <= set(words["explain"]), language
