"""Online payments (DESIGN §5): checkout, the one code path that applies a gateway's report, and the history.

Every state change is a conditional write on the payment's status, so states only move forward and two
reporters (a confirmation and the reconciler) cannot both apply one. An approval is ONE transaction:
the payment, each invoice's balance and checkout lock, the allocations, the statement movement, the
month total and the integrator event — nothing is ever half-applied.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain import payments as rules
from chalicelib.domain.errors import Conflict, GatewayUnavailable, NotFound, ValidationFailed
from chalicelib.observability import get_logger
from chalicelib.store import billing, db, events, gateways, idempotency, keys

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.domain.access import Principal
    from chalicelib.domain.payments import PaymentRequest
    from chalicelib.payments.base import GatewayStatus
    from chalicelib.store.models import BillingDocumentItem, PaymentItem
    from chalicelib.store.sessions import Context
    from chalicelib.store.tenants import Tenant

MODULE = "payments"
APPLY_ATTEMPTS = 4
EVENT_FOR = {rules.APPROVED: "payment.approved", rules.DECLINED: "payment.declined", rules.ERROR: "payment.declined",
             rules.EXPIRED: "payment.expired", rules.REVIEW: "payment.needs_review", rules.CANCELLED: None}


# --- reading -----------------------------------------------------------------------------------------------

def payment_json(item: PaymentItem, *, with_checkout: bool = True) -> dict[str, Any]:
    result = {
        "id": item.payment_id,
        "reference": item.reference,
        "gateway": item.gateway,
        "method": item.method,
        "status": item.status,
        "amount": int(item.amount),
        "currency": item.currency,
        "items": item.items,
        "transaction_id": item.transaction_id,
        "cus": item.cus,
        "bank": item.bank,
        "next_check_at": item.next_check_at if item.status in rules.LIVE else None,
        "review_reason": item.review_reason,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "final_at": item.final_at,
        "timeline": [json.loads(entry) for entry in item.timeline or []],
    }
    if with_checkout and item.status == rules.CREATED and item.checkout:
        result["checkout"] = item.checkout
    return result


def _load(tenant: str, account_id: str, payment_id: str) -> PaymentItem | None:
    from chalicelib.store.models import PaymentItem

    db.ready()
    try:
        return PaymentItem.get(keys.account(tenant, account_id), keys.payment_sk(payment_id), consistent_read=True)
    except PaymentItem.DoesNotExist:
        return None


def visible_payment(principal: Principal, payment_id: str) -> PaymentItem:
    item = _load(principal.tenant, principal.account_id, payment_id)
    mine = billing.own_contact(principal, MODULE)
    if item is None or (mine is not None and item.contact_id != mine):
        raise NotFound("There is no payment with that id.", code="payment_not_found")
    return item


def history(principal: Principal, *, status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """The caller's payments, newest first (payment ids sort by creation time)."""
    from chalicelib.store.models import PaymentItem

    db.ready()
    pk = billing.account_pk(principal)
    mine = billing.own_contact(principal, MODULE)
    start = None
    if cursor:
        if not cursor.startswith("pay_") or len(cursor) > 80:
            raise ValidationFailed({"cursor": "is not a cursor of this list; start again without it"})
        start = {"pk": {"S": pk}, "sk": {"S": keys.payment_sk(cursor)}}
    rows: list[dict[str, Any]] = []
    next_cursor = None
    for item in PaymentItem.query(pk, PaymentItem.sk.startswith(keys.PAYMENT_PREFIX), scan_index_forward=False,
                                  consistent_read=True, last_evaluated_key=start, page_size=max(limit, 25)):
        if (mine is not None and item.contact_id != mine) or (status and item.status != status):
            continue
        if len(rows) == limit:
            next_cursor = rows[-1]["id"]
            break
        rows.append(payment_json(item, with_checkout=False))
    return {"items": rows, "next_cursor": next_cursor}


def dashboard_card(principal: Principal) -> dict[str, Any]:
    """The payments part of the dashboard: the latest payment and how many are still live (one Query)."""
    recent = history(principal, status=None, limit=20, cursor=None)["items"]
    return {"latest": recent[0] if recent else None,
            "pending_count": sum(1 for p in recent if p["status"] in rules.LIVE)}


def options(context: Context) -> dict[str, Any]:
    config = context.tenant.payments
    offered = config.get("gateways") or {}
    return {
        "gateways": [{"name": name, "label": rules.GATEWAY_LABELS[name], "test": bool(offered[name].get("test"))}
                     for name in rules.GATEWAY_NAMES if name in offered],
        "partial_payments": bool(config.get("partial_payments")),
        "check_minutes": int(rules.CHECK_EVERY.total_seconds() // 60),
    }


# --- creating ----------------------------------------------------------------------------------------------

def _new_payment_id(moment: datetime) -> str:
    # Time first, so the account's payments sort newest-first by key.
    return f"pay_{moment.strftime('%Y%m%d%H%M%S%f')}{secrets.token_hex(3)}"


def _timeline_entry(event: str, status: str, detail: str | None = None, *, at: str | None = None) -> str:
    return json.dumps({"at": at or clock.iso(clock.now()), "event": event, "status": status, "detail": detail},
                      ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class _Charge:
    invoice: BillingDocumentItem
    amount: int


def _charges(context: Context, request: PaymentRequest) -> list[_Charge]:
    """The invoices the request pays and how much of each; 422 per item, 409 for a live checkout."""
    from chalicelib.domain.pdf import format_money  # plain Python; fpdf2 loads only when rendering
    from chalicelib.store.models import BillingDocumentItem

    principal = context.principal
    pk = billing.account_pk(principal)
    wanted = [(pk, keys.document_sk("invoice", i.invoice_id)) for i in request.items]
    found = {item.doc_id: item for item in BillingDocumentItem.batch_get(wanted, consistent_read=True)}
    partial_allowed = bool(context.tenant.payments.get("partial_payments"))
    problems: dict[str, str] = {}
    charges: list[_Charge] = []
    for index, item in enumerate(request.items):
        field = f"items[{index}]"
        invoice = found.get(item.invoice_id)
        if invoice is None or invoice.doc_type != "invoice" or not billing.visible(principal, invoice, MODULE):
            problems[f"{field}.invoice_id"] = "is not an invoice of yours"
            continue
        balance = int(invoice.balance or 0)
        if balance <= 0:
            problems[f"{field}.invoice_id"] = "has nothing to pay"
            continue
        amount = balance if item.amount is None else item.amount
        if amount > balance:
            open_balance = format_money(balance, invoice.currency)
            problems[f"{field}.amount"] = f"must not exceed the open balance ({open_balance})"
        elif amount != balance and not partial_allowed:
            problems[f"{field}.amount"] = "partial payments are not accepted: pay the whole balance"
        else:
            charges.append(_Charge(invoice, amount))
    currencies = {c.invoice.currency for c in charges}
    if len(currencies) > 1:
        problems["items"] = "one payment pays invoices of one currency"
    if problems:
        raise ValidationFailed(problems)
    return charges


def _locks_in_the_way(principal: Principal, charges: list[_Charge]) -> dict[str, str]:
    """Invoice id → a stale lock (of a payment that is no longer live) that may be taken over.
    409 ``invoice_in_checkout`` when a live payment holds one."""
    from chalicelib.store.models import PaymentItem

    held = {c.invoice.doc_id: c.invoice.checkout_payment_id for c in charges if c.invoice.checkout_payment_id}
    if not held:
        return {}
    pk = billing.account_pk(principal)
    holders = {p.payment_id: p for p in PaymentItem.batch_get([(pk, keys.payment_sk(h)) for h in set(held.values())],
                                                              consistent_read=True)}
    for invoice_id, payment_id in held.items():
        holder = holders.get(payment_id)
        if holder is not None and holder.status in rules.LIVE:
            raise Conflict(f"Invoice {invoice_id} is already in an online payment that has not finished.",
                           code="invoice_in_checkout", details={"invoice_id": invoice_id, "payment_id": payment_id})
    return held


def create(context: Context, request: PaymentRequest, *, idempotency_key: str | None, api_base: str
           ) -> tuple[int, dict[str, Any]]:
    """Creates the payment, locks its invoices and returns it with the gateway checkout."""
    from chalicelib.payments import base
    from chalicelib.store.models import BillingDocumentItem, PaymentItem, PaymentReferenceItem

    principal, tenant = context.principal, context.tenant
    claim = idempotency.claim(keys.contact(principal.tenant, principal.contact_id), "payment.create",
                              idempotency_key, {"gateway": request.gateway,
                                                "items": [[i.invoice_id, i.amount] for i in request.items]})
    if claim is not None and (earlier := claim.replay()) is not None:
        return earlier[0], _replayed(principal, earlier[1])
    if request.gateway not in (tenant.payments.get("gateways") or {}):
        raise ValidationFailed({"gateway": "is not available for this portal"})
    credentials = gateways.credentials(tenant.slug, request.gateway)
    charges = _charges(context, request)
    stale = _locks_in_the_way(principal, charges)
    now = clock.now()
    stamp = clock.iso(now)
    payment_id = _new_payment_id(now)
    reference = rules.new_reference(tenant.slug, clock.today(tenant.timezone).isoformat())
    amount = sum(c.amount for c in charges)
    currency = charges[0].invoice.currency
    gateway = base.get(request.gateway)
    if gateway.currencies is not None and currency not in gateway.currencies:
        raise ValidationFailed({"gateway": f"{rules.GATEWAY_LABELS[request.gateway]} charges only "
                                           f"{', '.join(sorted(gateway.currencies))}; choose another gateway"})
    checkout_request = base.CheckoutRequest(
        reference=reference, amount=amount, currency=currency,
        description=f"{tenant.name}: {', '.join(c.invoice.number for c in charges)}"[:250],
        buyer_email=context.contact.email or "", buyer_name=context.contact.name,
        response_url=f"{api_base}/v1/gateways/{request.gateway}/{tenant.slug}/response"
        if request.gateway == "payu" else f"{api_base}/v1/gateways/zonavirtual/{tenant.slug}/callback",
        confirmation_url=f"{api_base}/v1/gateways/{request.gateway}/{tenant.slug}/confirmation",
    )
    urls = _urls(request.gateway, credentials)
    # PayU's checkout is a signed form built here; Zona Virtual's needs a call, made once the payment exists.
    checkout = gateway.start_checkout(credentials, checkout_request, urls) if request.gateway == "payu" else None
    next_at = clock.iso(now + rules.CHECK_EVERY)
    item = PaymentItem(
        billing.account_pk(principal), keys.payment_sk(payment_id),
        payment_id=payment_id, reference=reference, gateway=request.gateway, account_id=principal.account_id,
        contact_id=principal.contact_id, status=rules.CREATED, amount=amount, currency=currency,
        items=[{"invoice_id": c.invoice.doc_id, "number": c.invoice.number, "amount": c.amount} for c in charges],
        checkout=checkout.to_json() if checkout else None,
        timeline=[_timeline_entry("created", rules.CREATED, at=stamp)],
        next_check_at=next_at, gsi2pk=keys.RECONCILE_QUEUE,
        gsi2sk=keys.reconcile_sk(next_at, principal.tenant, payment_id), created_at=stamp, updated_at=stamp,
    )
    try:
        with db.transaction(conflict="An invoice changed while the payment was being created; try again.") as tx:
            tx.save(item, condition=PaymentItem.pk.does_not_exist())
            tx.save(PaymentReferenceItem(keys.payment_reference(principal.tenant, reference),
                                         keys.PAYMENT_REFERENCE_SK, account_id=principal.account_id,
                                         payment_id=payment_id, created_at=stamp),
                    condition=PaymentReferenceItem.pk.does_not_exist())
            for charge in charges:
                free = BillingDocumentItem.checkout_payment_id.does_not_exist()
                if charge.invoice.doc_id in stale:
                    free |= BillingDocumentItem.checkout_payment_id == stale[charge.invoice.doc_id]
                tx.update(charge.invoice, actions=[BillingDocumentItem.checkout_payment_id.set(payment_id)],
                          condition=free & (BillingDocumentItem.balance >= charge.amount))
            if claim is not None:
                claim.record(tx, 201, {"id": payment_id})
    except Conflict:
        if claim is not None and (earlier := claim.replay()) is not None:
            return earlier[0], _replayed(principal, earlier[1])
        raise
    if checkout is None:
        item = _start_redirect_checkout(item, gateway, credentials, checkout_request, urls)
    return 201, payment_json(item)


def _replayed(principal: Principal, first: dict[str, Any]) -> dict[str, Any]:
    item = _load(principal.tenant, principal.account_id, first["id"])
    return payment_json(item) if item is not None else first


def _urls(gateway: str, credentials: Any) -> Any:
    from chalicelib.payments import base

    return base.urls_for(gateway, test=bool(credentials.test), overrides=dict(db.ready().gateway_urls))


def _start_redirect_checkout(item: PaymentItem, gateway: Any, credentials: Any, request: Any, urls: Any
                             ) -> PaymentItem:
    """Zona Virtual: registers the payment at the gateway; on failure the payment ends in ``error`` and its
    invoices are released, and the contact gets a 503 to try again."""
    from chalicelib.payments.exceptions import GatewayError
    from chalicelib.store.models import PaymentItem

    try:
        checkout = gateway.start_checkout(credentials, request, urls)
    except GatewayError as exc:
        get_logger().warning("checkout start failed", extra={"gateway": item.gateway, "error": str(exc)})
        _finish(item, rules.Outcome(rules.ERROR, f"the gateway did not start the payment: {exc}"),
                event="checkout_failed")
        raise GatewayUnavailable("The payment gateway is not answering; try again in a few minutes.",
                                 code="gateway_unavailable") from exc
    item.update(actions=[PaymentItem.checkout.set(checkout.to_json()),
                         PaymentItem.timeline.set(PaymentItem.timeline.append(
                             [_timeline_entry("redirected", rules.CREATED, "the gateway registered the payment")]))],
                condition=PaymentItem.status == rules.CREATED)
    return item


# --- applying what a gateway reports ---------------------------------------------------------------------

def normalized(status: GatewayStatus) -> GatewayStatus:
    """The gateway's report with the payment method in the contract's words (``card``, ``pse``)."""
    return replace(status, method=rules.payment_method(status.method))


def _words(report: GatewayStatus) -> str | None:
    """What the timeline says the gateway said."""
    return report.message or (f"gateway state {report.raw_state}" if report.raw_state else None)


def apply_report(payment: PaymentItem, report: GatewayStatus, *, source: str) -> PaymentItem:
    """The single code path for confirmations, callbacks and the reconciler. Idempotent and forward-only:
    re-applying a report, or a report after a final state, changes nothing but the timeline.

    ``payment`` is the caller's read of it: every write is conditional on its status, so a stale read only
    costs a re-read and a second decision."""
    from chalicelib.store.models import PaymentItem

    tenant, account_id, payment_id = keys.tenant_of(payment.pk), payment.account_id, payment.payment_id
    for attempt in range(APPLY_ATTEMPTS):
        item = payment if attempt == 0 else _load(tenant, account_id, payment_id)
        if item is None:
            raise NotFound("There is no payment with that id.", code="payment_not_found")
        now = clock.now()
        decided = rules.outcome(status=item.status, age=now - clock.parse_iso(item.created_at),
                                reported=report.state, reported_amount=report.amount,
                                reported_currency=report.currency, amount=int(item.amount), currency=item.currency)
        details = _details_actions(item, report)
        try:
            if item.status in rules.FINAL:
                # Only a disagreement about whether money was taken matters to staff.
                contradicts = report.state not in ("unknown", "pending") \
                    and (report.state == "approved") != (item.status == rules.APPROVED)
                # Flagged once; a payment already in review keeps its reason (staff are on it).
                if contradicts and item.status != rules.REVIEW and item.review_reason != "late_report":
                    _late_report(tenant, item, decided, details)
                return item
            if decided.status in rules.FINAL:
                return _finish(item, decided, event=source, report=report)
            next_at = clock.iso(rules.next_check(clock.parse_iso(item.created_at), now))
            entry = _timeline_entry(source, decided.status, _words(report) or decided.detail)
            item.update(
                actions=[*details,
                         PaymentItem.status.set(decided.status),
                         PaymentItem.checks.add(1 if source == "check" else 0),
                         PaymentItem.next_check_at.set(next_at),
                         PaymentItem.gsi2sk.set(keys.reconcile_sk(next_at, tenant, payment_id)),
                         PaymentItem.timeline.set(PaymentItem.timeline.append([entry])),
                         PaymentItem.updated_at.set(clock.iso(now))],
                condition=PaymentItem.status == item.status,
            )
            _remember_details(item, report)
            item.status = decided.status
            item.next_check_at = next_at
            return item
        except Conflict:
            continue  # someone else moved it first: read again and re-decide
        except Exception as exc:
            if not db.is_condition_failure(exc):
                raise
    raise Conflict("The payment is being updated by someone else; try again.", code="busy")


def _late_report(tenant: str, item: PaymentItem, decided: rules.Outcome, details: list[Any]) -> None:
    """A report contradicting a final state: recorded on the timeline and flagged to staff, never applied."""
    from chalicelib.store.models import PaymentItem

    entry = _timeline_entry("late_report", item.status, decided.detail)

    def writes(tx: Any) -> None:
        tx.update(item, actions=[*details, PaymentItem.timeline.set(PaymentItem.timeline.append([entry])),
                                 PaymentItem.review_reason.set("late_report")],
                  condition=PaymentItem.status == item.status)

    events.append(tenant, "payment.needs_review", account_id=item.account_id, contact_id=item.contact_id,
                  data=_event_data(item, item.status, review_reason="late_report", detail=decided.detail),
                  writes=writes)


def _details_actions(item: PaymentItem, report: GatewayStatus) -> list[Any]:
    """Writes for what the report adds to the payment (transaction id, method, PSE CUS and bank)."""
    from chalicelib.store.models import PaymentItem

    return [getattr(PaymentItem, name).set(getattr(report, name))
            for name in ("transaction_id", "method", "cus", "bank")
            if getattr(report, name) and getattr(item, name) != getattr(report, name)]


def _remember_details(item: PaymentItem, report: GatewayStatus | None) -> None:
    for name in ("transaction_id", "method", "cus", "bank"):
        if report is not None and getattr(report, name):
            setattr(item, name, getattr(report, name))


def _finish(item: PaymentItem, decided: rules.Outcome, *, event: str,
            report: GatewayStatus | None = None) -> PaymentItem:
    """Moves a live payment to a final state in one transaction with everything that goes with it."""
    from chalicelib.store import tenants
    from chalicelib.store.models import BillingDocumentItem, PaymentItem

    tenant = tenants.get(keys.tenant_of(item.pk))
    stamp = clock.iso(clock.now())
    pk = item.pk
    invoices = {i.doc_id: i for i in BillingDocumentItem.batch_get(
        [(pk, keys.document_sk("invoice", line["invoice_id"])) for line in item.items], consistent_read=True)}
    details = _details_actions(item, report) if report else []
    _remember_details(item, report)
    entry = _timeline_entry(event, decided.status, (_words(report) if report else None) or decided.detail, at=stamp)
    data = _event_data(item, decided.status, **({"review_reason": decided.review_reason}
                                                if decided.review_reason else {}))
    approved = decided.status == rules.APPROVED
    day = clock.today(tenant.timezone).isoformat()

    def writes(tx: Any) -> None:
        actions = [*details,
                   PaymentItem.status.set(decided.status),
                   PaymentItem.final_at.set(stamp),
                   PaymentItem.updated_at.set(stamp),
                   PaymentItem.gsi2pk.remove(),
                   PaymentItem.gsi2sk.remove(),
                   PaymentItem.timeline.set(PaymentItem.timeline.append([entry]))]
        if decided.review_reason:
            actions.append(PaymentItem.review_reason.set(decided.review_reason))
        tx.update(item, actions=actions, condition=PaymentItem.status.is_in(*rules.LIVE))
        for line in item.items:
            invoice = invoices.get(line["invoice_id"])
            if invoice is None:
                continue
            invoice_actions = []
            if invoice.checkout_payment_id == item.payment_id:
                invoice_actions.append(BillingDocumentItem.checkout_payment_id.remove())
            if approved:
                invoice_actions += _pay_invoice_actions(invoice, int(line["amount"]), day)
            if invoice_actions:
                tx.update(invoice, actions=invoice_actions)
        if approved:
            _record_movement(tx, item, day, stamp)

    event_type = EVENT_FOR[decided.status]
    if event_type is None:
        with db.transaction(conflict="The payment changed meanwhile.") as tx:
            writes(tx)
    else:
        events.append(tenant.slug, event_type, account_id=item.account_id, contact_id=item.contact_id, data=data,
                      writes=writes, conflict_message="The payment or an invoice changed meanwhile.")
    item.status = decided.status
    item.final_at = stamp
    item.timeline = [*(item.timeline or []), entry]
    if approved:
        _mail_receipt(item, tenant)
    return item


def _event_data(item: PaymentItem, status: str, **extra: Any) -> dict[str, Any]:
    """What every ``payment.*`` event tells the integrator."""
    return {"payment_id": item.payment_id, "reference": item.reference, "gateway": item.gateway,
            "amount": int(item.amount), "currency": item.currency, "items": item.items, "status": status, **extra}


def _pay_invoice_actions(invoice: BillingDocumentItem, amount: int, day: str) -> list[Any]:
    """Lowers the visible balance at once (balance truth); never below zero."""
    from chalicelib.store.models import BillingDocumentItem

    balance = max(0, int(invoice.balance or 0) - amount)
    actions = [BillingDocumentItem.balance.set(balance)]
    if balance == 0:
        actions += [BillingDocumentItem.paid_on.set(day),
                    BillingDocumentItem.lsi2sk.set(keys.paid_invoice_lsi(day, invoice.doc_id))]
    return actions


def _record_movement(tx: Any, item: PaymentItem, day: str, stamp: str) -> None:
    """The approved payment as a statement movement, its allocations and the month's credit."""
    from chalicelib.store.models import AllocationItem, BillingDocumentItem, MonthTotalItem

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


def _mail_receipt(item: PaymentItem, tenant: Tenant) -> None:
    from chalicelib.domain import mail
    from chalicelib.store import contacts, mailer

    contact = contacts.load(tenant.slug, item.contact_id)
    if contact is None or not contact.email:
        return
    message = mail.payment_receipt(to=contact.email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                                   name=contact.name, reference=item.reference, amount=int(item.amount),
                                   currency=item.currency, invoices=[line["number"] for line in item.items],
                                   link=f"{tenant.portal_url.rstrip('/')}/#/payments/{item.payment_id}",
                                   language=contact.language)
    mailer.deliver(message, sender_name=tenant.name)  # on failure the receipt stays downloadable in the portal


# --- cancelling, receipts ----------------------------------------------------------------------------------

def cancel(context: Context, payment_id: str) -> dict[str, Any]:
    """Cancels a payment the contact abandoned, only while the gateway has not heard of it."""
    principal = context.principal
    item = visible_payment(principal, payment_id)
    if item.status != rules.CREATED:
        raise Conflict("Only a payment that has not reached the gateway can be cancelled.",
                       code="payment_not_cancellable", details={"status": item.status})
    status = query_gateway(principal.tenant, item)
    if status.state != "unknown":
        apply_report(item, status, source="check")
        raise Conflict("The gateway already has this payment; wait for its answer.", code="payment_at_gateway",
                       details={"status": status.state})
    finished = _finish(item, rules.Outcome(rules.CANCELLED, "cancelled by the contact"), event="cancelled")
    return payment_json(finished)


def query_gateway(tenant: str, item: PaymentItem) -> GatewayStatus:
    """What the gateway says about ``item`` now (GatewayError when it cannot say)."""
    from chalicelib.payments import base

    credentials = gateways.credentials(tenant, item.gateway)
    status = base.get(item.gateway).query_status(credentials, item.reference, _urls(item.gateway, credentials),
                                                  expected_amount=int(item.amount))
    return normalized(status)


def by_reference(tenant: str, reference: str) -> PaymentItem | None:
    from chalicelib.store.models import PaymentReferenceItem

    db.ready()
    try:
        ref = PaymentReferenceItem.get(keys.payment_reference(tenant, reference), keys.PAYMENT_REFERENCE_SK,
                                       consistent_read=True)
    except PaymentReferenceItem.DoesNotExist:
        return None
    return _load(tenant, ref.account_id, ref.payment_id)


def receipt(context: Context, payment_id: str) -> dict[str, Any]:
    from chalicelib.store import accounts, pdfs

    item = visible_payment(context.principal, payment_id)
    if item.status != rules.APPROVED:
        raise Conflict("There is a receipt only for approved payments.", code="payment_not_approved",
                       details={"status": item.status})
    account = accounts.get(context.principal.tenant, item.account_id)
    return pdfs.payment_receipt_pdf(context, payment_json(item, with_checkout=False), account)



# --- balance truth: the ERP posts an approved payment ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Posting:
    """The writes that retire an approved portal payment once the ERP's receipt for it arrives."""

    currency: str
    day: str
    amount: int
    write: Any  # Callable[[TransactWrite], None]


def posting_for_receipt(tenant: str, account_id: str, reference: str, receipt_id: str) -> Posting | None:
    """None unless ``reference`` names an approved, not yet posted payment of ``account_id``."""
    from chalicelib.store import documents
    from chalicelib.store.models import AllocationItem, BillingDocumentItem, PaymentItem

    item = by_reference(tenant, reference)
    if item is None or item.account_id != account_id or item.status != rules.APPROVED \
            or item.posted_by is not None:
        return None
    pk = item.pk
    movement = BillingDocumentItem.get(pk, keys.document_sk("portal_payment", item.payment_id), consistent_read=True)
    invoices = {i.doc_id: i for i in BillingDocumentItem.batch_get(
        [(pk, keys.document_sk("invoice", line["invoice_id"])) for line in item.items], consistent_read=True)}
    updates = []
    for invoice in invoices.values():
        allocations = list(AllocationItem.query(
            pk, AllocationItem.sk.startswith(keys.allocation_prefix(invoice.doc_id)), consistent_read=True))
        still_unposted = sum(int(a.amount) for a in allocations if a.doc_type == "portal_payment" and not a.posted
                             and a.doc_id != item.payment_id)
        erp = int(invoice.erp_balance if invoice.erp_balance is not None else invoice.balance or 0)
        before = BillingDocumentItem.from_raw_data(invoice.serialize())
        invoice.balance = max(0, erp - still_unposted)
        documents.set_lsi2(tenant, invoice, before, [a.date for a in allocations])
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


# --- what the gateways call ----------------------------------------------------------------------------------

def _security_event(tenant: str, what: str, **extra: Any) -> None:
    """A forged or mismatched gateway call: logged for the security team (never with the form's personal data)."""
    get_logger().warning(f"security: {what}", extra={"security_event": what, "tenant": tenant, **extra})
    from chalicelib.observability import get_metrics

    get_metrics().add_metric(name="GatewaySecurityEvents", unit="Count", value=1)


def payu_confirmation(tenant_slug: str, form: dict[str, str]) -> dict[str, Any]:
    """PayU's server-to-server confirmation: verified (signature, merchant, reference, amount, currency),
    then applied through :func:`apply_report`. A replay is a no-op; a forged or mismatched one changes
    nothing and is answered 4xx."""
    from chalicelib.payments import base
    from chalicelib.payments.exceptions import InvalidSignature, NotificationMismatch
    from chalicelib.store import tenants

    tenants.get(tenant_slug)  # 404 for an unknown tenant
    reference = form.get("reference_sale") or ""
    item = by_reference(tenant_slug, reference) if reference else None
    if item is None or item.gateway != "payu":
        _security_event(tenant_slug, "confirmation for an unknown reference", reference=reference[:80])
        raise NotFound("There is no payment with that reference.", code="payment_not_found")
    credentials = gateways.credentials(tenant_slug, "payu")
    try:
        notification = base.get("payu").verify_confirmation(credentials, form)
    except (InvalidSignature, NotificationMismatch) as exc:
        _security_event(tenant_slug, f"rejected confirmation ({exc.code})", reference=reference,
                        payment=item.payment_id)
        raise
    status = replace(notification.status(), message=f"PayU state_pol {notification.raw_state}")
    report = normalized(status)
    applied = apply_report(item, report, source="confirmation")
    return {"status": applied.status, "reference": item.reference}


def portal_page(tenant_slug: str, reference: str | None) -> str:
    """The portal page of the payment with ``reference`` (the payments list when there is none)."""
    from chalicelib.store import tenants

    portal = tenants.get(tenant_slug).portal_url.rstrip("/")
    item = by_reference(tenant_slug, reference) if reference and len(reference) <= 80 else None
    return f"{portal}/#/payments/{item.payment_id}" if item is not None else f"{portal}/#/payments"


def zonavirtual_callback(tenant_slug: str, params: dict[str, str]) -> str:
    """Zona Virtual's browser callback: verify the payment with Zona Virtual, then go to its portal page."""
    from chalicelib.payments import base
    from chalicelib.payments.exceptions import GatewayError, NotificationMismatch

    reference = params.get("id_pago") or ""
    item = by_reference(tenant_slug, reference) if reference and len(reference) <= 80 else None
    if item is None or item.gateway != "zonavirtual":
        _security_event(tenant_slug, "callback for an unknown payment", reference=reference[:80])
        return portal_page(tenant_slug, None)
    credentials = gateways.credentials(tenant_slug, "zonavirtual")
    try:
        base.get("zonavirtual").callback_reference(credentials, params)
        apply_report(item, query_gateway(tenant_slug, item), source="callback")
    except NotificationMismatch as exc:
        _security_event(tenant_slug, f"rejected callback ({exc.reason})", payment=item.payment_id)
    except GatewayError as exc:
        get_logger().warning("verification after callback failed", extra={"error": str(exc)})  # reconciler retries
    return portal_page(tenant_slug, reference)


def defer(item: PaymentItem, detail: str) -> None:
    """The gateway could not answer: check again later (with backoff), say why in the timeline."""
    from chalicelib.store.models import PaymentItem

    now = clock.now()
    next_at = clock.iso(rules.next_check(clock.parse_iso(item.created_at), now))
    tenant = keys.tenant_of(item.pk)
    try:
        item.update(actions=[PaymentItem.checks.add(1), PaymentItem.next_check_at.set(next_at),
                             PaymentItem.gsi2sk.set(keys.reconcile_sk(next_at, tenant, item.payment_id)),
                             PaymentItem.timeline.set(PaymentItem.timeline.append(
                                 [_timeline_entry("check", item.status, detail)]))],
                    condition=PaymentItem.status == item.status)
    except Exception as exc:
        if not db.is_condition_failure(exc):
            raise
