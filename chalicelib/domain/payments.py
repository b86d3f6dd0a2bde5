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

# Why a payment is in review. A payment in review for one of STAFF_REVIEW waits for staff: a later approval
# would pay the wrong amount or pay twice. Any other review (pending_too_long, unverified) gives way to an
# approval that arrives later (DESIGN §5).
AMOUNT_MISMATCH, CURRENCY_MISMATCH, OVERPAYMENT, DUPLICATE_PAYMENT, PENDING_TOO_LONG, UNVERIFIED = (
    "amount_mismatch", "currency_mismatch", "overpayment", "duplicate_payment", "pending_too_long", "unverified")
STAFF_REVIEW = frozenset({AMOUNT_MISMATCH, CURRENCY_MISMATCH, OVERPAYMENT, DUPLICATE_PAYMENT})

CHECK_EVERY = timedelta(minutes=7)  # the reconciler's schedule; each payment carries its own next_check_at
# How often a gateway is asked about one payment (DESIGN §5): (while younger than, every). PayU asks for no
# more than every 10 minutes; Zona Virtual publishes no cadence, so 7 minutes for the first hour, then 10.
CADENCE = {
    "payu": ((timedelta(days=1), timedelta(minutes=10)),),
    "zonavirtual": ((timedelta(hours=1), timedelta(minutes=7)), (timedelta(days=1), timedelta(minutes=10))),
}
LATER = timedelta(hours=1)  # past the cadence, and the longest wait after a gateway failed to answer
VOUCHER_EVERY = timedelta(hours=1)  # a cash voucher waits for the payer to go and pay it: hourly
# A payment the gateway never heard of is abandoned after UNSEEN_EXPIRY; one Zona Virtual holds as "not
# started" (888) after NOT_STARTED_EXPIRY; one pending PENDING_LIMIT goes to staff; one the gateway has not
# answered about for UNANSWERED_LIMIT goes to review (unverified) and is still asked about, hourly, until it
# is PENDING_LIMIT old.
UNSEEN_EXPIRY = timedelta(hours=3)
NOT_STARTED_EXPIRY = timedelta(minutes=30)
PENDING_LIMIT = timedelta(days=7)
# PayU lets the payer retry inside WebCheckout on the same reference after a decline or an error, and tells us
# of the approval only by a confirmation: if that one is lost, only asking finds the money. So a declined or
# failed PayU payment is asked about hourly for this long after it was created.
PAYU_RETRY_WINDOW = timedelta(hours=24)
UNANSWERED_LIMIT = timedelta(hours=24)

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


def next_check(gateway: str, *, created_at: datetime, now: datetime, voucher: bool = False) -> datetime:
    """When to ask ``gateway`` about a payment again, at the gateway's own cadence (:data:`CADENCE`): hourly
    once a payment is a day old, and for a cash voucher (the payer still has to go and pay it)."""
    if voucher:
        return now + VOUCHER_EVERY
    age = now - created_at
    for limit, every in CADENCE.get(gateway, CADENCE["zonavirtual"]):
        if age < limit:
            return now + every
    return now + LATER


def after_failure(gateway: str, *, created_at: datetime, now: datetime, failures: int) -> datetime:
    """When to ask again after ``failures`` checks in a row got no answer: the cadence doubled each time, at
    most hourly (a gateway that is down is not hammered)."""
    every = next_check(gateway, created_at=created_at, now=now) - now
    return now + min(LATER, every * (1 << max(0, min(failures, 8) - 1)))


def unverified(unanswered_since: datetime, now: datetime) -> bool:
    """Whether the gateway has failed to answer about a payment for :data:`UNANSWERED_LIMIT`."""
    return now - unanswered_since >= UNANSWERED_LIMIT


def awaits_gateway(status: str, review_reason: str | None) -> bool:
    """Whether the reconciler asks the gateway about a payment: while it is live, and while it is in review
    because the gateway did not answer, so that an approval the gateway could not tell us about is found."""
    return status in LIVE or (status == REVIEW and review_reason == UNVERIFIED)


def retry_possible(gateway: str, status: str, age: timedelta) -> bool:
    """Whether a payment that failed may still be approved by the payer's retry at the gateway (PayU, within
    :data:`PAYU_RETRY_WINDOW`), so the reconciler keeps asking about it."""
    return gateway == "payu" and status in (DECLINED, ERROR) and age < PAYU_RETRY_WINDOW


def still_asked(status: str, review_reason: str | None, age: timedelta) -> bool:
    """Whether to ask again: a live payment always; one in review (unverified) until it is :data:`PENDING_LIMIT`
    old."""
    return status in LIVE or (awaits_gateway(status, review_reason) and age < PENDING_LIMIT)


_CARD_WORDS = ("CARD", "CREDIT", "DEBIT", "VISA", "MASTER", "AMEX", "DINERS", "CODENSA")
# PayU's cash and "pay later" methods (a voucher the payer pays at a counter or bank): Efecty, Baloto, Su Red…
_CASH_WORDS = ("CASH", "EFECTY", "BALOTO", "SURED", "SU_RED", "PAGATODO", "GANA", "REFERENCED", "OTHERS_CASH")


def payment_method(raw: str | None) -> str | None:
    """The contract's method word from what a gateway says: ``pse``, ``card``, ``cash`` or the gateway's own,
    lowercase."""
    if not raw:
        return None
    word = raw.strip().upper()
    if "PSE" in word:
        return "pse"
    if any(card in word for card in _CARD_WORDS):
        return "card"
    if any(cash in word for cash in _CASH_WORDS):
        return "cash"
    return word.lower().replace(" ", "_")


# --- what a gateway's report means -------------------------------------------------------------------------

# Timeline codes (``timeline[].code``): what happened, in words the portal says in each language. The
# gateway's own codes never reach the timeline; they stay in the integrator's event data.
CODES: dict[str, str] = {
    "created": "payment created",
    "registered": "registered at the gateway",
    "checkout_failed": "the gateway did not start the payment",
    "returned": "the payer came back from the gateway",
    "not_at_gateway": "not at the gateway yet",
    "not_started": "opened at the gateway but not started",
    "pending": "pending at the gateway",
    "pending_bank": "waiting for the bank",
    "pending_voucher": "waiting for the payer to pay the cash voucher",
    "pending_review": "the gateway is reviewing the payment",
    "approved": "approved by the gateway",
    "declined": "declined by the gateway",
    "expired": "expired at the gateway",
    "error": "the gateway reported an error",
    "never_reached": "the gateway never received this payment",
    "abandoned": "not started at the gateway for 30 minutes",
    PENDING_TOO_LONG: "still pending at the gateway after 7 days",
    AMOUNT_MISMATCH: "approved for a different amount",
    CURRENCY_MISMATCH: "approved in a different currency",
    OVERPAYMENT: "approved, but the invoices no longer carry this balance",
    DUPLICATE_PAYMENT: "a second approved transaction for this reference",
    "late_failure": "a failed attempt reported after the approval; the approval stands",
    "unanswered": "the gateway did not answer; it is asked again later",
    UNVERIFIED: "the gateway has not answered for 24 hours",
    "cancelled": "cancelled by the contact",
}
# What a pending payment waits for (``waiting_for`` in the API), by its timeline code.
WAITING_FOR = {"pending": "gateway", "pending_bank": "bank", "pending_voucher": "voucher",
               "pending_review": "card_review", "not_started": "payer", "returned": "payer",
               "not_at_gateway": "payer"}
# Zona Virtual's int_estado_pago codes with their own meaning while pending.
_ZV_PENDING = {"888": "not_started", "999": "pending_bank", "4001": "pending_review"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a gateway report means for a payment: its next status, the timeline code saying why, and the
    review reason when it goes to review."""

    status: str
    code: str
    review_reason: str | None = None

    @property
    def detail(self) -> str:
        return CODES.get(self.code, self.code)


def pending_code(gateway: str, raw_state: str, method: str | None) -> str:
    """The timeline code of a report that is still pending: not started, at the bank, a cash voucher…"""
    if gateway == "zonavirtual" and raw_state in _ZV_PENDING:
        return _ZV_PENDING[raw_state]
    if method == "cash":
        return "pending_voucher"
    if method == "pse":
        return "pending_bank"
    return "pending"


def not_started(gateway: str, raw_state: str) -> bool:
    """Zona Virtual's 888: the payer opened the payment at the gateway and did not start paying."""
    return gateway == "zonavirtual" and raw_state == "888"


_FAILED = {"declined": DECLINED, "expired": EXPIRED, "error": ERROR}


def outcome(*, status: str, review_reason: str | None, gateway: str, age: timedelta, reported: str,  # noqa: PLR0911
            raw_state: str = "", method: str | None = None, reported_amount: int | None, reported_currency: str | None,
            amount: int, currency: str) -> Outcome | None:
    """The single rule for every report (confirmation, callback, check) on a payment that is not approved;
    None when the report changes nothing (not even the timeline).

    Money taken is never dropped: an approval for the payment's amount and currency applies from any state
    but ``approved`` — declined, expired, error, cancelled, or a review that is not waiting for staff
    (:data:`STAFF_REVIEW`). Whether the invoices still carry that balance is :func:`covered`'s to say. An
    approval for another amount or currency goes to review. Anything else after a final state changes nothing.
    """
    if status in FINAL:
        if reported != "approved" or status == APPROVED or (status == REVIEW and review_reason in STAFF_REVIEW):
            return None
        return _approval(reported_amount, reported_currency, amount, currency)
    if reported == "approved":
        return _approval(reported_amount, reported_currency, amount, currency)
    if reported in _FAILED:
        return Outcome(_FAILED[reported], reported)
    if reported == "pending":
        code = pending_code(gateway, raw_state, method)
        if code == "not_started" and age > NOT_STARTED_EXPIRY:
            return Outcome(EXPIRED, "abandoned")  # the payer left the gateway's page without paying
        if age > PENDING_LIMIT:
            return Outcome(REVIEW, PENDING_TOO_LONG, PENDING_TOO_LONG)
        return Outcome(PENDING, code)
    if age > UNSEEN_EXPIRY:  # unknown: the customer has not reached (or not submitted at) the gateway
        return Outcome(EXPIRED, "never_reached")
    return Outcome(status, "not_at_gateway")


def _approval(reported_amount: int | None, reported_currency: str | None, amount: int, currency: str) -> Outcome:
    if reported_amount is not None and reported_amount != amount:
        return Outcome(REVIEW, AMOUNT_MISMATCH, AMOUNT_MISMATCH)
    if reported_currency is not None and reported_currency != currency:
        return Outcome(REVIEW, CURRENCY_MISMATCH, CURRENCY_MISMATCH)
    return Outcome(APPROVED, APPROVED)


def covered(lines: list[tuple[str, int]], balances: dict[str, int]) -> bool:
    """Whether every invoice still carries what the payment pays of it (``lines``: invoice id, amount).
    When not, part was paid meanwhile (another payment, a receipt from the ERP): applying the approval
    would pay it twice, so it goes to review (:data:`OVERPAYMENT`) instead."""
    return all(balances.get(invoice_id, 0) >= amount for invoice_id, amount in lines)


def after_approval(*, reported: str, transaction_id: str | None, known: set[str]) -> str | None:
    """What a report on an approved payment means; nothing ever reverts the approval. ``known``: the
    transactions already accounted for (the approved one and any duplicates found before).

    :data:`DUPLICATE_PAYMENT` for an approval of another transaction (the payer paid twice), ``late_failure``
    for a decline, expiry or error (recorded, never applied), None for anything else, a repeat included.
    """
    if reported == "approved":
        return DUPLICATE_PAYMENT if transaction_id and known and transaction_id not in known else None
    if reported in _FAILED:
        return "late_failure"
    return None
