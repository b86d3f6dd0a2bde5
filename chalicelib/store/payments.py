"""Online payments' persistence (DESIGN §5): the payment items, their reference index, and the writes that
move a payment's status.

Every status write is conditional on the status it was read with, so states only move forward and two
reporters (a confirmation and the reconciler) cannot both apply one. An approval is ONE transaction: the
payment, each invoice's balance and checkout lock, the allocations, the statement movement, the month total
and the integrator event — nothing is ever half-applied. What to write is decided by
:mod:`chalicelib.services.payments`; this module only knows how.
"""

from __future__ import annotations

import json
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain import payments as rules
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.store import billing, db, events, keys

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from chalicelib.domain.access import Principal
    from chalicelib.store.idempotency import Claim
    from chalicelib.store.models import BillingDocumentItem, PaymentItem

MODULE = "payments"
TIMELINE_KEEP = 50  # newest entries kept on the item (DynamoDB items stop at 400 KB); the rest are counted
DETAIL_FIELDS = ("transaction_id", "method", "cus", "bank")


# --- reading -----------------------------------------------------------------------------------------------

def load(tenant: str, account_id: str, payment_id: str) -> PaymentItem | None:
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    db.ready()
    try:
        return PaymentItem.get(keys.account(tenant, account_id), keys.payment_sk(payment_id), consistent_read=True)
    except PaymentItem.DoesNotExist:
        return None


def visible(principal: Principal, payment_id: str) -> PaymentItem:
    """The caller's payment (own scope: only their own), or 404."""
    item = load(principal.tenant, principal.account_id, payment_id)
    mine = billing.own_contact(principal, MODULE)
    if item is None or (mine is not None and item.contact_id != mine):
        raise NotFound("There is no payment with that id.", code="payment_not_found")
    return item


def history(principal: Principal, *, status: str | None, limit: int, cursor: str | None
            ) -> tuple[list[PaymentItem], str | None]:
    """The caller's payments, newest first (payment ids sort by creation time), and the next page's cursor."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    db.ready()
    pk = billing.account_pk(principal)
    mine = billing.own_contact(principal, MODULE)
    start = None
    if cursor:
        if not cursor.startswith("pay_") or len(cursor) > 80:
            raise ValidationFailed({"cursor": "is not a cursor of this list; start again without it"})
        start = {"pk": {"S": pk}, "sk": {"S": keys.payment_sk(cursor)}}
    rows: list[PaymentItem] = []
    next_cursor = None
    for item in PaymentItem.query(pk, PaymentItem.sk.startswith(keys.PAYMENT_PREFIX), scan_index_forward=False,
                                  consistent_read=True, last_evaluated_key=start, page_size=max(limit, 25)):
        if (mine is not None and item.contact_id != mine) or (status and item.status != status):
            continue
        if len(rows) == limit:
            next_cursor = rows[-1].payment_id
            break
        rows.append(item)
    return rows, next_cursor


def by_reference(tenant: str, reference: str) -> PaymentItem | None:
    from chalicelib.store.models import PaymentReferenceItem  # lazy: keeps import app fast

    db.ready()
    try:
        ref = PaymentReferenceItem.get(keys.payment_reference(tenant, reference), keys.PAYMENT_REFERENCE_SK,
                                       consistent_read=True)
    except PaymentReferenceItem.DoesNotExist:
        return None
    return load(tenant, ref.account_id, ref.payment_id)


def invoices_of(item: PaymentItem) -> dict[str, BillingDocumentItem]:
    """The invoices a payment pays, by id (one BatchGetItem in its account's partition)."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    return {i.doc_id: i for i in BillingDocumentItem.batch_get(
        [(item.pk, keys.document_sk("invoice", line["invoice_id"])) for line in item.items], consistent_read=True)}


def callers_invoices(principal: Principal, invoice_ids: list[str]) -> dict[str, BillingDocumentItem]:
    """Those of ``invoice_ids`` that are invoices the caller may see (one BatchGetItem)."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    pk = billing.account_pk(principal)
    found = BillingDocumentItem.batch_get([(pk, keys.document_sk("invoice", i)) for i in invoice_ids],
                                          consistent_read=True)
    return {item.doc_id: item for item in found
            if item.doc_type == "invoice" and billing.visible(principal, item, MODULE)}


def payments_by_id(principal: Principal, payment_ids: set[str]) -> dict[str, PaymentItem]:
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    pk = billing.account_pk(principal)
    return {p.payment_id: p for p in PaymentItem.batch_get([(pk, keys.payment_sk(h)) for h in payment_ids],
                                                           consistent_read=True)}


def due_keys(now_iso: str, limit: int) -> list[tuple[str, str]]:
    """(pk, sk) of live payments due by ``now_iso``, oldest first (gsi2 projects keys only)."""
    settings = db.ready()
    found: list[tuple[str, str]] = []
    start: dict[str, Any] | None = None
    while len(found) < limit:
        kwargs: dict[str, Any] = {
            "TableName": settings.table_name, "IndexName": "gsi2",
            "KeyConditionExpression": "gsi2pk = :queue AND gsi2sk <= :now",
            "ExpressionAttributeValues": {":queue": {"S": keys.RECONCILE_QUEUE}, ":now": {"S": f"{now_iso}#~"}},
            "Limit": min(1000, limit - len(found)),
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = db.client("dynamodb").query(**kwargs)
        found += [(i["pk"]["S"], i["sk"]["S"]) for i in page.get("Items", [])]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    return found


BATCH = 100  # BatchGetItem's limit


def load_many(wanted: list[tuple[str, str]]) -> list[PaymentItem]:
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    items: list[PaymentItem] = []
    for start in range(0, len(wanted), BATCH):
        items += list(PaymentItem.batch_get(wanted[start:start + BATCH], consistent_read=True))
    return items


# --- creating ----------------------------------------------------------------------------------------------

def new_payment_id(moment: datetime) -> str:
    # Time first, so the account's payments sort newest-first by key.
    return f"pay_{moment.strftime('%Y%m%d%H%M%S%f')}{secrets.token_hex(3)}"


def timeline_entry(event: str, status: str, code: str, *, at: str | None = None, **extra: str) -> str:
    """One timeline entry: what reported it (``event``), the status after it, and what it meant (``code``,
    worded by the portal; ``detail`` is the same in English, never the gateway's own words)."""
    entry = {"at": at or clock.iso(clock.now()), "event": event, "status": status, "code": code,
             "detail": rules.CODES.get(code, code), **extra}
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Charge:
    """One invoice a new payment pays, and how much of it."""

    invoice: BillingDocumentItem
    amount: int


def new_payment(principal: Principal, *, payment_id: str, reference: str, gateway: str, charges: list[Charge],
                checkout: dict[str, Any] | None, now: datetime) -> PaymentItem:
    """The item of a payment about to be created (not written yet)."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    stamp = clock.iso(now)
    next_at = clock.iso(rules.next_check(gateway, created_at=now, now=now))
    return PaymentItem(
        billing.account_pk(principal), keys.payment_sk(payment_id),
        payment_id=payment_id, reference=reference, gateway=gateway, account_id=principal.account_id,
        contact_id=principal.contact_id, status=rules.CREATED, amount=sum(c.amount for c in charges),
        currency=charges[0].invoice.currency,
        items=[{"invoice_id": c.invoice.doc_id, "number": c.invoice.number, "amount": c.amount} for c in charges],
        checkout=checkout, timeline=[timeline_entry("created", rules.CREATED, "created", at=stamp)],
        next_check_at=next_at, gsi2pk=keys.RECONCILE_QUEUE,
        gsi2sk=keys.reconcile_sk(next_at, principal.tenant, payment_id), created_at=stamp, updated_at=stamp,
    )


def save_new(item: PaymentItem, charges: list[Charge], *, stale_locks: dict[str, str], claim: Claim | None) -> None:
    """Writes the payment, its reference and each invoice's checkout lock in one transaction; 409
    ``write_conflict`` when an invoice was locked or paid meanwhile. A stale lock (of a payment no longer
    live) is taken over."""
    from chalicelib.store.models import (  # lazy: keeps import app fast
        BillingDocumentItem,
        PaymentItem,
        PaymentReferenceItem,
    )

    tenant = keys.tenant_of(item.pk)
    with db.transaction(conflict="An invoice changed while the payment was being created; try again.") as tx:
        tx.save(item, condition=PaymentItem.pk.does_not_exist())
        tx.save(PaymentReferenceItem(keys.payment_reference(tenant, item.reference), keys.PAYMENT_REFERENCE_SK,
                                     account_id=item.account_id, payment_id=item.payment_id,
                                     created_at=item.created_at),
                condition=PaymentReferenceItem.pk.does_not_exist())
        for charge in charges:
            free = BillingDocumentItem.checkout_payment_id.does_not_exist()
            if charge.invoice.doc_id in stale_locks:
                free |= BillingDocumentItem.checkout_payment_id == stale_locks[charge.invoice.doc_id]
            tx.update(charge.invoice, actions=[BillingDocumentItem.checkout_payment_id.set(item.payment_id)],
                      condition=free & (BillingDocumentItem.balance >= charge.amount))
        if claim is not None:
            claim.record(tx, 201, {"id": item.payment_id})


def set_checkout(item: PaymentItem, checkout: dict[str, Any], entry: str) -> None:
    """Keeps the checkout a redirect gateway registered, while the payment is still ``created``."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    item.update(actions=[PaymentItem.checkout.set(checkout), *_append_timeline(item, entry)],
                condition=PaymentItem.status == rules.CREATED)


# --- moving a payment's status -----------------------------------------------------------------------------

def _append_timeline(item: PaymentItem, entry: str) -> list[Any]:
    """Appends ``entry``; past :data:`TIMELINE_KEEP` the oldest entries are dropped and counted. The callers'
    writes are conditional on the status they read, and the trimmed list is written only if the stored list
    still has the length read, so no concurrent entry is lost."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    current = list(item.timeline or [])
    if len(current) < TIMELINE_KEEP:
        return [PaymentItem.timeline.set(PaymentItem.timeline.append([entry]))]
    kept: list[Any] = [*current, entry][-TIMELINE_KEEP:]  # strings (pynamodb types a list's items as attributes)
    dropped = len(current) + 1 - len(kept)
    return [PaymentItem.timeline.set(kept), PaymentItem.timeline_omitted.add(dropped)]


def _timeline_unchanged(item: PaymentItem) -> Any:
    from pynamodb.expressions.condition import size  # lazy: keeps import app fast

    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    count = len(item.timeline or [])
    if count < TIMELINE_KEEP:
        return None
    # Once full, a write keeps the list at its length but always adds to timeline_omitted: both together say
    # whether anyone wrote since this copy was read.
    omitted = PaymentItem.timeline_omitted == item.timeline_omitted if item.timeline_omitted is not None \
        else PaymentItem.timeline_omitted.does_not_exist()
    return (size(PaymentItem.timeline) == count) & omitted


def _while(item: PaymentItem, condition: Any) -> Any:
    guard = _timeline_unchanged(item)
    return condition if guard is None else condition & guard


def _remember(item: PaymentItem, *, status: str | None = None, entry: str | None = None,
              details: dict[str, str] | None = None) -> None:
    """Mirrors a committed transaction on the caller's copy of the item (a TransactWriteItems returns nothing;
    an ``item.update`` needs no mirroring)."""
    for name, value in (details or {}).items():
        setattr(item, name, value)
    if status is not None:
        item.status = status
    if entry is not None:
        timeline = [*(item.timeline or []), entry]
        item.timeline_omitted = int(item.timeline_omitted or 0) + max(0, len(timeline) - TIMELINE_KEEP)
        item.timeline = timeline[-TIMELINE_KEEP:]  # type: ignore[assignment]  # pynamodb types items as attributes


def _detail_actions(details: dict[str, str]) -> list[Any]:
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    return [getattr(PaymentItem, name).set(value) for name, value in details.items()]


def _conditional(item: PaymentItem, actions: list[Any], condition: Any) -> None:
    """``item.update`` whose failed condition is :class:`Conflict` (the payment moved meanwhile). On success
    ``item`` holds what is now stored (PynamoDB reads the updated item back), so nothing is mirrored by hand."""
    try:
        item.update(actions=actions, condition=condition)
    except Exception as exc:
        if db.is_condition_failure(exc):
            raise Conflict("The payment changed meanwhile.", code="write_conflict") from exc
        raise


def _queue_actions(item: PaymentItem, next_at: str) -> list[Any]:
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    return [PaymentItem.next_check_at.set(next_at), PaymentItem.gsi2pk.set(keys.RECONCILE_QUEUE),
            PaymentItem.gsi2sk.set(keys.reconcile_sk(next_at, keys.tenant_of(item.pk), item.payment_id))]


def record_report(item: PaymentItem, *, status: str, pending_code: str, details: dict[str, str], entry: str,
                  next_at: str, checked: bool) -> None:
    """A live payment stays live (``created``/``pending``): what the gateway said (``pending_code``, what the
    payment now waits for), and when to ask again. The gateway answered, so a run of unanswered checks ends.
    ``checked``: the reconciler asked (its last check is shown). ``Conflict`` when the payment moved meanwhile."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    stamp = clock.iso(clock.now())
    actions = [*_detail_actions(details),
               PaymentItem.status.set(status),
               PaymentItem.pending_code.set(pending_code),
               PaymentItem.checks.add(1 if checked else 0),
               *_queue_actions(item, next_at),
               *_append_timeline(item, entry),
               PaymentItem.updated_at.set(stamp)]
    if checked:
        actions.append(PaymentItem.checked_at.set(stamp))
    if item.failures or item.unanswered_since:
        actions += [PaymentItem.failures.remove(), PaymentItem.unanswered_since.remove()]
    _conditional(item, actions, _while(item, PaymentItem.status == item.status))


def defer(item: PaymentItem, *, entry: str | None, next_at: str | None, failures: int, unanswered_since: str) -> None:
    """The gateway could not answer: ask again at ``next_at`` (None: stop asking), counting the failures in a
    row and since when; the timeline says so (``entry``). A payment that moved meanwhile is left as it is."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    stamp = clock.iso(clock.now())
    actions = [PaymentItem.checks.add(1), PaymentItem.checked_at.set(stamp), PaymentItem.failures.set(failures),
               PaymentItem.unanswered_since.set(unanswered_since)]
    actions += _queue_actions(item, next_at) if next_at else [PaymentItem.gsi2pk.remove(), PaymentItem.gsi2sk.remove()]
    if entry is not None:
        actions += _append_timeline(item, entry)
    with suppress(Conflict):
        _conditional(item, actions, _while(item, PaymentItem.status == item.status))


def reschedule(item: PaymentItem, next_at: str | None) -> None:
    """A payment asked about after it went to review (unverified): ask again at ``next_at``, or never (None)."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    actions = [PaymentItem.checks.add(1), PaymentItem.checked_at.set(clock.iso(clock.now())),
               PaymentItem.failures.remove(), PaymentItem.unanswered_since.remove()]
    actions += _queue_actions(item, next_at) if next_at else [PaymentItem.gsi2pk.remove(), PaymentItem.gsi2sk.remove()]
    with suppress(Conflict):  # it moved meanwhile: whoever moved it decides
        _conditional(item, actions, PaymentItem.status == item.status)


def mark_returned(item: PaymentItem, entry: str) -> None:
    """The payer came back from the gateway: a ``created`` payment becomes ``pending`` (its checkout is no
    longer offered, so nobody is invited to pay twice). ``Conflict`` when it is no longer ``created``."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    _conditional(item, [PaymentItem.status.set(rules.PENDING), PaymentItem.pending_code.set("returned"),
                        *_append_timeline(item, entry), PaymentItem.updated_at.set(clock.iso(clock.now()))],
                 _while(item, PaymentItem.status == rules.CREATED))


def _claim(item: PaymentItem, attribute: Any, *, now: datetime, every_seconds: int) -> bool:
    stamp = clock.iso_precise(now)
    cutoff = clock.iso_precise(now - timedelta(seconds=every_seconds))
    try:
        item.update(actions=[attribute.set(stamp)], condition=attribute.does_not_exist() | (attribute <= cutoff))
    except Exception as exc:
        if db.is_condition_failure(exc):
            return False
        raise
    return True


def reserve_query(item: PaymentItem, *, now: datetime, every_seconds: int) -> bool:
    """Claims the right to ask the gateway about ``item`` now: at most once every ``every_seconds`` (an
    unauthenticated callback must not turn into a stream of gateway queries). False when it was asked
    less than that ago; then nothing is written."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    return _claim(item, PaymentItem.last_queried_at, now=now, every_seconds=every_seconds)


def reserve_contact_check(item: PaymentItem, *, now: datetime, every_seconds: int) -> bool:
    """Claims a contact's "check now" of ``item``: at most once every ``every_seconds``, counting only the
    contacts' checks (the reconciler's and the callbacks' do not count). False, writing nothing, when too soon."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    return _claim(item, PaymentItem.contact_checked_at, now=now, every_seconds=every_seconds)


@dataclass(frozen=True, slots=True)
class Final:
    """A payment's move to a final state (or from one final state to another: a late approval), as decided
    by the service. ``next_at``: keep asking the gateway then (a review because it did not answer)."""

    status: str
    review_reason: str | None
    entry: str
    details: dict[str, str]
    event_type: str | None
    event_data: dict[str, Any]
    day: str  # the tenant's calendar day (the statement movement's date)
    stamp: str
    next_at: str | None = None


def finish(item: PaymentItem, final: Final, invoices: dict[str, BillingDocumentItem]) -> None:
    """Moves a payment to a final state in one transaction with everything that goes with it: an approval
    lowers each invoice's balance (conditional on the balance read in ``invoices``, which must cover it) and
    records the movement, allocations and month total; the invoices' checkout locks this payment holds are
    released; the event (if any) is in the same transaction. Conditional on the status read: a late approval
    moves a declined, expired, cancelled… payment exactly once. ``Conflict`` when anything moved meanwhile."""
    from chalicelib.store.models import BillingDocumentItem, PaymentItem  # lazy: keeps import app fast

    approved = final.status == rules.APPROVED

    def writes(tx: Any) -> None:
        actions = [*_detail_actions(final.details),
                   PaymentItem.status.set(final.status),
                   PaymentItem.final_at.set(final.stamp),
                   PaymentItem.updated_at.set(final.stamp),
                   *(_queue_actions(item, final.next_at) if final.next_at
                     else [PaymentItem.gsi2pk.remove(), PaymentItem.gsi2sk.remove()]),
                   *_append_timeline(item, final.entry)]
        actions.append(PaymentItem.review_reason.set(final.review_reason) if final.review_reason
                       else PaymentItem.review_reason.remove())
        tx.update(item, actions=actions, condition=_while(item, PaymentItem.status == item.status))
        for line in item.items:
            invoice = invoices.get(line["invoice_id"])
            if invoice is None:
                continue
            invoice_actions = []
            if invoice.checkout_payment_id == item.payment_id:
                invoice_actions.append(BillingDocumentItem.checkout_payment_id.remove())
            condition = None
            if approved:
                invoice_actions += _pay_invoice_actions(invoice, int(line["amount"]), final.day)
                condition = BillingDocumentItem.balance == int(invoice.balance or 0)
            if invoice_actions:
                tx.update(invoice, actions=invoice_actions, condition=condition)
        if approved:
            _record_movement(tx, item, final.day, final.stamp)

    _commit(item, final.event_type, final.event_data, writes)
    _remember(item, status=final.status, entry=final.entry, details=final.details)
    item.final_at, item.review_reason, item.next_check_at = final.stamp, final.review_reason, final.next_at


def note_after_approval(item: PaymentItem, entry: str) -> None:
    """A report on an approved payment that changes nothing (a decline after the approval): on the timeline."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    _conditional(item, _append_timeline(item, entry), _while(item, PaymentItem.status == rules.APPROVED))


def duplicate_payment(original: PaymentItem, *, payment_id: str, transaction_id: str, amount: int, currency: str,
                      method: str | None, entry: str, stamp: str) -> PaymentItem:
    """The record of a second approved transaction for ``original``'s reference (not written yet): a payment
    of its own in review, naming the original, in no queue and with no reference item of its own."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    return PaymentItem(
        original.pk, keys.payment_sk(payment_id),
        payment_id=payment_id, reference=original.reference, gateway=original.gateway,
        account_id=original.account_id, contact_id=original.contact_id, status=rules.REVIEW,
        review_reason=rules.DUPLICATE_PAYMENT, amount=amount, currency=currency, items=original.items,
        method=method, transaction_id=transaction_id, duplicate_of=original.payment_id, timeline=[entry],
        created_at=stamp, updated_at=stamp, final_at=stamp,
    )


def save_duplicate(original: PaymentItem, duplicate: PaymentItem, *, entry: str, event_data: dict[str, Any]) -> None:
    """Writes ``duplicate`` with its ``payment.needs_review`` event, and notes it on the original, once per
    transaction (a repeated confirmation of the same transaction finds it noted: ``Conflict``)."""
    from chalicelib.store.models import PaymentItem  # lazy: keeps import app fast

    transaction_id = str(duplicate.transaction_id)

    def writes(tx: Any) -> None:
        tx.save(duplicate, condition=PaymentItem.pk.does_not_exist())
        tx.update(original, actions=[PaymentItem.duplicate_transactions.add({transaction_id}),
                                     *_append_timeline(original, entry)],
                  condition=_while(original, (PaymentItem.status == rules.APPROVED)
                                   & ~PaymentItem.duplicate_transactions.contains(transaction_id)))

    _commit(original, "payment.needs_review", event_data, writes)
    _remember(original, entry=entry)
    original.duplicate_transactions = {*(original.duplicate_transactions or set()), transaction_id}


def _commit(item: PaymentItem, event_type: str | None, data: dict[str, Any], writes: Callable[[Any], None]) -> None:
    if event_type is None:
        with db.transaction(conflict="The payment changed meanwhile.") as tx:
            writes(tx)
    else:
        events.append(keys.tenant_of(item.pk), event_type, account_id=item.account_id, contact_id=item.contact_id,
                      data=data, writes=writes, conflict_message="The payment or an invoice changed meanwhile.")


def _pay_invoice_actions(invoice: BillingDocumentItem, amount: int, day: str) -> list[Any]:
    """Lowers the visible balance at once (balance truth); the caller made sure it covers ``amount``."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    balance = max(0, int(invoice.balance or 0) - amount)
    actions = [BillingDocumentItem.balance.set(balance)]
    if balance == 0:
        actions += [BillingDocumentItem.paid_on.set(day),
                    BillingDocumentItem.lsi2sk.set(keys.paid_invoice_lsi(day, invoice.doc_id))]
    return actions


def _record_movement(tx: Any, item: PaymentItem, day: str, stamp: str) -> None:
    """The approved payment as a statement movement, its allocations and the month's credit."""
    from chalicelib.store.models import (  # lazy: keeps import app fast
        AllocationItem,
        BillingDocumentItem,
        MonthTotalItem,
    )

    pk = item.pk
    tx.save(BillingDocumentItem(
        pk, keys.document_sk("portal_payment", item.payment_id),
        doc_type="portal_payment", doc_id=item.payment_id, account_id=item.account_id, contact_id=item.contact_id,
        number=item.reference, issue_date=day, currency=item.currency, total=int(item.amount),
        data={"description": f"{rules.GATEWAY_LABELS[item.gateway]} {item.transaction_id or ''}".strip(),
              "reference": item.reference, "gateway": item.gateway,
              "applied_to": [{"invoice_id": line["invoice_id"], "amount": int(line["amount"])} for line in item.items]},
        lsi1sk=keys.movement_lsi(day, "portal_payment", item.payment_id), created_at=stamp, updated_at=stamp,
    ), condition=BillingDocumentItem.pk.does_not_exist())
    for line in item.items:
        tx.save(AllocationItem(
            pk, keys.allocation_sk(line["invoice_id"], "portal_payment", item.payment_id),
            lsi2sk=keys.allocation_lsi(day, line["invoice_id"], "portal_payment", item.payment_id),
            invoice_id=line["invoice_id"], doc_type="portal_payment", doc_id=item.payment_id, number=item.reference,
            date=day, currency=item.currency, amount=int(line["amount"]), posted=False, created_at=stamp,
        ))
    tx.update(MonthTotalItem(pk, keys.month_total_sk(item.currency, day[:7])), actions=[
        MonthTotalItem.kind.set(MonthTotalItem),
        MonthTotalItem.currency.set(item.currency),
        MonthTotalItem.month.set(day[:7]),
        MonthTotalItem.debit.add(0),
        MonthTotalItem.credit.add(int(item.amount)),
    ])


# --- balance truth: the ERP posts an approved payment ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Posting:
    """The writes that retire an approved portal payment once the ERP's receipt for it arrives."""

    currency: str
    day: str
    amount: int
    write: Callable[[Any], None]


def posting_for_receipt(tenant: str, account_id: str, reference: str, receipt_id: str) -> Posting | None:
    """None unless ``reference`` names an approved, not yet posted payment of ``account_id``."""
    from chalicelib.store.models import (  # lazy: keeps import app fast
        AllocationItem,
        BillingDocumentItem,
        PaymentItem,
    )

    item = by_reference(tenant, reference)
    if item is None or item.account_id != account_id or item.status != rules.APPROVED \
            or item.posted_by is not None:
        return None
    pk = item.pk
    movement = BillingDocumentItem.get(pk, keys.document_sk("portal_payment", item.payment_id), consistent_read=True)
    updates = []
    for invoice in invoices_of(item).values():
        allocations = list(AllocationItem.query(
            pk, AllocationItem.sk.startswith(keys.allocation_prefix(invoice.doc_id)), consistent_read=True))
        still_unposted = sum(int(a.amount) for a in allocations if a.doc_type == "portal_payment" and not a.posted
                             and a.doc_id != item.payment_id)
        erp = int(invoice.erp_balance if invoice.erp_balance is not None else invoice.balance or 0)
        before = BillingDocumentItem.from_raw_data(invoice.serialize())
        invoice.balance = max(0, erp - still_unposted)
        billing.set_lsi2(tenant, invoice, before, [a.date for a in allocations])
        updates.append((invoice, [BillingDocumentItem.balance.set(invoice.balance),
                                  BillingDocumentItem.lsi2sk.set(invoice.lsi2sk),
                                  BillingDocumentItem.paid_on.set(invoice.paid_on) if invoice.paid_on
                                  else BillingDocumentItem.paid_on.remove()]))

    def write(tx: Any) -> None:
        tx.update(item, actions=[PaymentItem.posted_by.set(receipt_id)],
                  condition=PaymentItem.posted_by.does_not_exist())
        tx.delete(movement)
        for line in item.items:
            tx.update(AllocationItem(pk, keys.allocation_sk(line["invoice_id"], "portal_payment", item.payment_id)),
                      actions=[AllocationItem.posted.set(True)], condition=AllocationItem.pk.exists())
        for invoice, actions in updates:
            tx.update(invoice, actions=actions)

    return Posting(currency=movement.currency, day=movement.issue_date, amount=int(movement.total), write=write)
