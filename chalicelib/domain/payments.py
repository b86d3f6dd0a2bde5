"""Online payments (DESIGN §5): requests, states, references and the reconciler's schedule. No I/O."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.validation import ID_RE, MAX_MINOR_UNITS, Reader

GATEWAY_NAMES = ("payu", "zonavirtual")
GATEWAY_LABELS = {"payu": "PayU", "zonavirtual": "Zona Virtual"}
MAX_ITEMS = 20  # one approval writes each invoice, its allocation and lock in one transaction (≤ 100 items)

CREATED, PENDING, APPROVED, DECLINED, EXPIRED, ERROR, CANCELLED, REVIEW = (
    "created", "pending", "approved", "declined", "expired", "error", "cancelled", "review")
LIVE = frozenset({CREATED, PENDING})
FINAL = frozenset({APPROVED, DECLINED, EXPIRED, ERROR, CANCELLED, REVIEW})

CHECK_EVERY = timedelta(minutes=7)
# Backoff (DESIGN §5): every 7 minutes for the first hour, every 10 until a day, then hourly.
BACKOFF = ((timedelta(hours=1), timedelta(minutes=7)), (timedelta(days=1), timedelta(minutes=10)))
LATER = timedelta(hours=1)
# A payment the gateway never heard of is abandoned after this; one pending this long goes to staff.
UNSEEN_EXPIRY = timedelta(hours=3)
PENDING_LIMIT = timedelta(days=7)

_REFERENCE_ALPHABET = string.ascii_lowercase + string.digits


@dataclass(frozen=True, slots=True)
class PaymentItem:
    invoice_id: str
    amount: int | None  # None: the whole open balance


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    gateway: str
    items: tuple[PaymentItem, ...]


def read_payment_request(body: object) -> PaymentRequest:
    r = Reader(body)
    gateway = r.choice("gateway", GATEWAY_NAMES, required=True)
    items: list[PaymentItem] = []
    for item in r.items("items", required=True, max_items=MAX_ITEMS):
        invoice_id = item.text("invoice_id", required=True, max_len=64, pattern=ID_RE, message="must be an invoice id")
        amount = item.integer("amount", minimum=1, maximum=MAX_MINOR_UNITS)
        item.finish()
        if invoice_id:
            items.append(PaymentItem(invoice_id, amount))
    if not items and "items" not in r.errors:
        r.fail("items", "must name at least one invoice")
    if len({i.invoice_id for i in items}) != len(items):
        r.fail("items", "names an invoice more than once")
    r.finish()
    assert gateway is not None
    return PaymentRequest(gateway=gateway, items=tuple(items))


def new_reference(tenant: str, day: str) -> str:
    """A fresh reference, never reused: ``{tenant}-{yyyymmdd}-{10 random}`` (≈ 3.6e15 per tenant and day)."""
    suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
    return f"{tenant}-{day.replace('-', '')}-{suffix}"


def next_check(created_at: datetime, now: datetime) -> datetime:
    age = now - created_at
    for limit, every in BACKOFF:
        if age < limit:
            return now + every
    return now + LATER


_CARD_WORDS = ("CARD", "CREDIT", "DEBIT", "VISA", "MASTER", "AMEX", "DINERS", "CODENSA")


def payment_method(raw: str | None) -> str | None:
    """The contract's method word from what a gateway says: ``pse``, ``card`` or the gateway's own, lowercase."""
    if not raw:
        return None
    word = raw.strip().upper()
    if "PSE" in word:
        return "pse"
    if any(card in word for card in _CARD_WORDS):
        return "card"
    return word.lower().replace(" ", "_")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a gateway report means for a payment: its next status and why (for the timeline)."""

    status: str
    detail: str
    review_reason: str | None = None


_FAILED = {"declined": DECLINED, "expired": EXPIRED, "error": ERROR}


def outcome(*, status: str, age: timedelta, reported: str, reported_amount: int | None,
            reported_currency: str | None, amount: int, currency: str) -> Outcome:
    """The single rule for every report (confirmation, callback, reconciler check) on a payment.

    Final states never change: a report after one is recorded (``late_report``), never applied. An
    approval for another amount or currency is not applied either: the payment goes to staff review.
    """
    if status in FINAL:
        decided = Outcome(status, f"gateway reported {reported} after the payment was {status}")
    elif reported == "approved":
        decided = _approval(reported_amount, reported_currency, amount, currency)
    elif reported in _FAILED:
        decided = Outcome(_FAILED[reported], f"{reported} by the gateway")
    elif reported == "pending":
        decided = Outcome(REVIEW, "still pending at the gateway after 7 days", "pending_too_long") \
            if age > PENDING_LIMIT else Outcome(PENDING, "pending at the gateway")
    elif age > UNSEEN_EXPIRY:  # unknown: the customer has not reached (or not submitted at) the gateway
        decided = Outcome(EXPIRED, "the gateway never received this payment")
    else:
        decided = Outcome(status, "not at the gateway yet")
    return decided


def _approval(reported_amount: int | None, reported_currency: str | None, amount: int, currency: str) -> Outcome:
    if reported_amount is not None and reported_amount != amount:
        return Outcome(REVIEW, "approved for a different amount", "amount_mismatch")
    if reported_currency is not None and reported_currency != currency:
        return Outcome(REVIEW, "approved in a different currency", "currency_mismatch")
    return Outcome(APPROVED, "approved by the gateway")
