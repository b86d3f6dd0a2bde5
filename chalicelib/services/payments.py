"""Online payments (DESIGN §5): checkout, the one code path that applies a gateway's report, cancelling,
receipts, and what the gateways call.

Each use case reads through :mod:`chalicelib.store.payments`, decides with :mod:`chalicelib.domain.payments`,
writes one conditional transaction, and only then mails. Confirmations, callbacks, cancel checks and the
reconciler all apply reports through :func:`apply_gateway_report`.
"""

from __future__ import annotations

import json
import math
from contextlib import suppress
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, mail
from chalicelib.domain import payments as rules
from chalicelib.domain.errors import Conflict, GatewayUnavailable, NotFound, TooManyRequests, ValidationFailed
from chalicelib.domain.money import format_money
from chalicelib.observability import get_logger, get_metrics
from chalicelib.payments import base
from chalicelib.payments.exceptions import GatewayError, InvalidSignature, NotificationMismatch
from chalicelib.services import gateways, pdfs
from chalicelib.store import accounts, contacts, idempotency, keys, mailer, tenants
from chalicelib.store import payments as stored

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.domain.payments import PaymentRequest
    from chalicelib.payments.base import GatewayStatus
    from chalicelib.store.models import PaymentItem as PaymentItem
    from chalicelib.store.sessions import Context
    from chalicelib.store.tenants import Tenant

APPLY_ATTEMPTS = 4
CALLBACK_QUERY_SECONDS = 30  # the browser's return is unauthenticated: one gateway query a payment per 30 s
CONTACT_CHECK_SECONDS = 60  # "check now": once a minute a payment
EVENT_FOR = {rules.APPROVED: "payment.approved", rules.DECLINED: "payment.declined", rules.ERROR: "payment.declined",
             rules.EXPIRED: "payment.expired", rules.REVIEW: "payment.needs_review", rules.CANCELLED: None}


# --- reading -----------------------------------------------------------------------------------------------

def payment_options(context: Context) -> dict[str, Any]:
    """Which gateways the portal offers and whether partial payments are allowed."""
    config = context.tenant.payments
    offered = config.get("gateways") or {}
    return {
        "gateways": [{"name": name, "label": rules.GATEWAY_LABELS[name], "test": bool(offered[name].get("test"))}
                     for name in rules.GATEWAY_NAMES if name in offered],
        "partial_payments": bool(config.get("partial_payments")),
        "check_minutes": int(rules.CHECK_EVERY.total_seconds() // 60),
    }


def get_payment(context: Context, payment_id: str) -> PaymentItem:
    return stored.visible(context.principal, payment_id)


def list_payments(context: Context, *, status: str | None, limit: int, cursor: str | None
                  ) -> tuple[list[PaymentItem], str | None]:
    """The caller's payments, newest first, and the next page's cursor."""
    if status is not None and status not in rules.LIVE | rules.FINAL:
        raise ValidationFailed({"status": f"must be one of {', '.join(sorted(rules.LIVE | rules.FINAL))}"})
    return stored.history(context.principal, status=status, limit=limit, cursor=cursor)


def recent_payments(context: Context) -> list[PaymentItem]:
    """The newest payments, for the dashboard (one Query)."""
    return stored.history(context.principal, status=None, limit=20, cursor=None)[0]


# --- creating ----------------------------------------------------------------------------------------------

def _charges(context: Context, request: PaymentRequest) -> list[stored.Charge]:
    """The invoices the request pays and how much of each; 422 per item."""
    principal = context.principal
    found = stored.callers_invoices(principal, [i.invoice_id for i in request.items])
    partial_allowed = bool(context.tenant.payments.get("partial_payments"))
    problems: dict[str, str] = {}
    charges: list[stored.Charge] = []
    for index, item in enumerate(request.items):
        field = f"items[{index}]"
        invoice = found.get(item.invoice_id)
        if invoice is None:
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
            charges.append(stored.Charge(invoice, amount))
    if len({c.invoice.currency for c in charges}) > 1:
        problems["items"] = "one payment pays invoices of one currency"
    if problems:
        raise ValidationFailed(problems)
    return charges


def _stale_locks(context: Context, charges: list[stored.Charge]) -> dict[str, str]:
    """Invoice id → a stale lock (of a payment that is no longer live) that may be taken over.
    409 ``invoice_in_checkout`` when a live payment holds one."""
    held = {c.invoice.doc_id: c.invoice.checkout_payment_id for c in charges if c.invoice.checkout_payment_id}
    if not held:
        return {}
    holders = stored.payments_by_id(context.principal, set(held.values()))
    for invoice_id, payment_id in held.items():
        holder = holders.get(payment_id)
        if holder is not None and holder.status in rules.LIVE:
            raise Conflict(f"Invoice {invoice_id} is already in an online payment that has not finished.",
                           code="invoice_in_checkout", details={"invoice_id": invoice_id, "payment_id": payment_id})
    return held


def start_payment(context: Context, request: PaymentRequest, *, idempotency_key: str | None, api_base: str
                  ) -> tuple[int, PaymentItem]:
    """Creates the payment, locks its invoices and starts the gateway checkout; returns (status, payment).
    A retry with the same ``Idempotency-Key`` returns the first payment."""
    principal, tenant = context.principal, context.tenant
    claim = idempotency.claim(keys.contact(principal.tenant, principal.contact_id), "payment.create",
                              idempotency_key, {"gateway": request.gateway,
                                                "items": [[i.invoice_id, i.amount] for i in request.items]})
    if claim is not None and (earlier := _replayed(context, claim)) is not None:
        return earlier
    if request.gateway not in (tenant.payments.get("gateways") or {}):
        raise ValidationFailed({"gateway": "is not available for this portal"})
    credentials = gateways.credentials(tenant.slug, request.gateway)
    charges = _charges(context, request)
    stale = _stale_locks(context, charges)
    now = clock.now()
    currency = charges[0].invoice.currency
    gateway = base.get(request.gateway)
    if gateway.currencies is not None and currency not in gateway.currencies:
        raise ValidationFailed({"gateway": f"{rules.GATEWAY_LABELS[request.gateway]} charges only "
                                           f"{', '.join(sorted(gateway.currencies))}; choose another gateway"})
    reference = gateway.new_reference(tenant.slug, day=clock.today(tenant.timezone).isoformat(), now=now)
    payer = accounts.get(principal.tenant, principal.account_id)  # the tax id Zona Virtual shows and PSE needs
    checkout_request = base.CheckoutRequest(
        reference=reference, amount=sum(c.amount for c in charges), currency=currency,
        description=f"{tenant.name}: {', '.join(c.invoice.number for c in charges)}"[:250],
        buyer_email=context.contact.email or "", buyer_name=context.contact.name,
        response_url=f"{api_base}/v1/gateways/{request.gateway}/{tenant.slug}/response"
        if request.gateway == "payu" else f"{api_base}/v1/gateways/zonavirtual/{tenant.slug}/callback",
        confirmation_url=f"{api_base}/v1/gateways/{request.gateway}/{tenant.slug}/confirmation",
        buyer_tax_id=str(payer.get("tax_id") or ""), buyer_tax_id_type=str(payer.get("tax_id_type") or ""),
    )
    urls = gateways.urls(request.gateway, credentials)
    # PayU's checkout is a signed form built here; Zona Virtual's needs a call, made once the payment exists.
    checkout = gateway.start_checkout(credentials, checkout_request, urls) if request.gateway == "payu" else None
    item = stored.new_payment(principal, payment_id=stored.new_payment_id(now), reference=reference,
                              gateway=request.gateway, charges=charges,
                              checkout=checkout.to_json() if checkout else None, now=now)
    try:
        stored.save_new(item, charges, stale_locks=stale, claim=claim)
    except Conflict:
        if claim is not None and (earlier := _replayed(context, claim)) is not None:
            return earlier  # a concurrent retry with the same key won
        raise
    if checkout is None:
        _start_redirect_checkout(item, gateway, credentials, checkout_request, urls)
    return 201, item


def _replayed(context: Context, claim: idempotency.Claim) -> tuple[int, PaymentItem] | None:
    earlier = claim.replay()
    if earlier is None:
        return None
    status, first = earlier
    principal = context.principal
    item = stored.load(principal.tenant, principal.account_id, first["id"])
    if item is None:
        raise NotFound("There is no payment with that id.", code="payment_not_found")
    return status, item


def _start_redirect_checkout(item: PaymentItem, gateway: base.Gateway[Any], credentials: Any,
                             request: base.CheckoutRequest, urls: base.GatewayUrls) -> None:
    """Zona Virtual: registers the payment at the gateway; on failure the payment ends in ``error`` and its
    invoices are released, and the contact gets a 503 to try again."""
    try:
        checkout = gateway.start_checkout(credentials, request, urls)
    except GatewayError as exc:
        get_logger().warning("checkout start failed", extra={"gateway": item.gateway, "error": str(exc)})
        _finish(item, rules.Outcome(rules.ERROR, "checkout_failed"), source="checkout_failed")
        raise GatewayUnavailable("The payment gateway is not answering; try again in a few minutes.",
                                 code="gateway_unavailable") from exc
    entry = stored.timeline_entry("redirected", rules.CREATED, "registered")
    stored.set_checkout(item, checkout.to_json(), entry)
    item.checkout = checkout.to_json()


# --- applying what a gateway reports ---------------------------------------------------------------------

def _normalized(status: GatewayStatus) -> GatewayStatus:
    """The gateway's report with the payment method in the contract's words (``card``, ``pse``, ``cash``)."""
    return replace(status, method=rules.payment_method(status.method))


def _details(item: PaymentItem, report: GatewayStatus | None) -> dict[str, str]:
    """What the report adds to the payment (transaction id, method, PSE CUS and bank)."""
    if report is None:
        return {}
    return {name: getattr(report, name) for name in stored.DETAIL_FIELDS
            if getattr(report, name) and getattr(item, name) != getattr(report, name)}


def _event_data(item: PaymentItem, status: str, report: GatewayStatus | None = None, **extra: Any) -> dict[str, Any]:
    """What every ``payment.*`` event tells the integrator; the gateway's own state code and words stay here
    (``gateway_state``, ``gateway_message``), never on the customer's timeline."""
    data = {"payment_id": item.payment_id, "reference": item.reference, "gateway": item.gateway,
            "amount": int(item.amount), "currency": item.currency, "items": item.items, "status": status,
            "transaction_id": item.transaction_id, **extra}
    if report is not None:
        data.update(gateway_state=report.raw_state or None, gateway_message=report.message)
    return data


def apply_gateway_report(payment: PaymentItem, report: GatewayStatus, *, source: str) -> PaymentItem:
    """The single code path for confirmations, callbacks, checks and the reconciler. Idempotent: re-applying a
    report changes nothing. Money taken is never dropped (DESIGN §5): an approval applies from any state but
    ``approved`` (:func:`rules.outcome`), unless the invoices no longer carry its balance (review,
    ``overpayment``); nothing reverts an approval, and a second approved transaction becomes a review record of
    its own (:func:`_after_approval`).

    ``payment`` is the caller's read of it: every write is conditional on its status, so a stale read only
    costs a re-read and a second decision."""
    tenant, account_id, payment_id = keys.tenant_of(payment.pk), payment.account_id, payment.payment_id
    for attempt in range(APPLY_ATTEMPTS):
        item = payment if attempt == 0 else stored.load(tenant, account_id, payment_id)
        if item is None:
            raise NotFound("There is no payment with that id.", code="payment_not_found")
        now = clock.now()
        created = clock.parse_iso(item.created_at)
        try:
            if item.status == rules.APPROVED:
                return _after_approval(item, report, source=source)
            decided = rules.outcome(status=item.status, review_reason=item.review_reason, gateway=item.gateway,
                                    age=now - created, reported=report.state, raw_state=report.raw_state,
                                    method=report.method or item.method, reported_amount=report.amount,
                                    reported_currency=report.currency, amount=int(item.amount),
                                    currency=item.currency)
            if decided is None:
                if source == "check" and item.status in rules.FINAL \
                        and rules.awaits_gateway(item.status, item.review_reason):
                    _keep_asking(item, report, now)  # in review (unverified): the gateway answered at last
                elif source == "check" and rules.retry_possible(item.gateway, item.status, now - created):
                    # declined or failed at PayU: asked hourly while the payer may still retry there
                    later = now + rules.LATER
                    stored.reschedule(item, clock.iso(later) if rules.retry_possible(
                        item.gateway, item.status, later - created) else None)
                return item
            if decided.status in rules.FINAL:
                return _finish(item, decided, source=source, report=report)
            voucher = decided.code == "pending_voucher" and item.gateway == "payu"
            next_at = clock.iso(rules.next_check(item.gateway, created_at=created, now=now, voucher=voucher))
            stored.record_report(item, status=decided.status, pending_code=decided.code, details=_details(item, report),
                                 entry=stored.timeline_entry(source, decided.status, decided.code),
                                 next_at=next_at, checked=source == "check")
            return item
        except Conflict:
            continue  # someone else moved it first: read again and re-decide
    raise Conflict("The payment is being updated by someone else; try again.", code="busy")


def _keep_asking(item: PaymentItem, report: GatewayStatus, now: datetime) -> None:
    """A payment in review because the gateway did not answer, asked again: while the gateway still says it is
    pending, hourly (until the payment is :data:`rules.PENDING_LIMIT` old); once it says anything else (not an
    approval: that applied), no more."""
    age = now - clock.parse_iso(item.created_at)
    asked = report.state == "pending" and rules.still_asked(item.status, item.review_reason, age)
    stored.reschedule(item, clock.iso(now + rules.LATER) if asked else None)


def _after_approval(item: PaymentItem, report: GatewayStatus, *, source: str) -> PaymentItem:
    """A report on an approved payment: a decline, expiry or error is only recorded (once a transaction); an
    approval of another transaction (the payer paid twice) becomes a payment of its own in review
    (``duplicate_payment``), with a ``payment.needs_review`` event naming both transactions. A repeated
    confirmation of a transaction already known changes nothing."""
    known = {item.transaction_id, *(item.duplicate_transactions or set())} - {None}
    meaning = rules.after_approval(reported=report.state, transaction_id=report.transaction_id, known=known)
    if meaning == "late_failure":
        seen = any(json.loads(str(entry)).get("code") == "late_failure"
                   and json.loads(str(entry)).get("transaction_id") == report.transaction_id
                   for entry in item.timeline or [])
        if not seen:
            stored.note_after_approval(item, stored.timeline_entry(source, rules.APPROVED, "late_failure",
                                                                  transaction_id=report.transaction_id or ""))
    elif meaning == rules.DUPLICATE_PAYMENT:
        _record_duplicate(item, report, source=source)
    return item


def _record_duplicate(item: PaymentItem, report: GatewayStatus, *, source: str) -> None:
    now = clock.now()
    stamp = clock.iso(now)
    transaction_id = str(report.transaction_id)
    amount = int(report.amount) if report.amount is not None else int(item.amount)
    duplicate = stored.duplicate_payment(
        item, payment_id=stored.new_payment_id(now), transaction_id=transaction_id, amount=amount,
        currency=report.currency or item.currency, method=report.method,
        entry=stored.timeline_entry(source, rules.REVIEW, rules.DUPLICATE_PAYMENT, at=stamp,
                                    duplicate_of=item.payment_id), stamp=stamp)
    event = _event_data(duplicate, rules.REVIEW, report, review_reason=rules.DUPLICATE_PAYMENT,
                        duplicate_of=item.payment_id, transaction_ids=[str(item.transaction_id), transaction_id])
    try:
        stored.save_duplicate(item, duplicate, event_data=event, entry=stored.timeline_entry(
            source, rules.APPROVED, rules.DUPLICATE_PAYMENT, at=stamp, transaction_id=transaction_id,
            duplicate=duplicate.payment_id))
    except Conflict:
        return  # recorded already (a repeated confirmation of that transaction)
    get_logger().warning("duplicate payment", extra={"payment_id": item.payment_id, "duplicate": duplicate.payment_id})


def _finish(item: PaymentItem, decided: rules.Outcome, *, source: str,
            report: GatewayStatus | None = None) -> PaymentItem:
    """Moves a payment to a final state (one transaction), then mails the contact: the receipt of an approval,
    the news of a payment the gateway could not confirm. An approval the invoices no longer carry (part was
    paid meanwhile) goes to review (``overpayment``) instead: the money is visible, nothing is applied twice."""
    invoices = stored.invoices_of(item)
    if decided.status == rules.APPROVED and not rules.covered(
            [(line["invoice_id"], int(line["amount"])) for line in item.items],
            {invoice_id: int(invoice.balance or 0) for invoice_id, invoice in invoices.items()}):
        decided = rules.Outcome(rules.REVIEW, rules.OVERPAYMENT, rules.OVERPAYMENT)
    tenant = tenants.get(keys.tenant_of(item.pk))
    now = clock.now()
    stamp = clock.iso(now)
    previous = item.status
    details = _details(item, report)
    for name, value in details.items():  # the event and the movement name the transaction reported
        setattr(item, name, value)
    next_at = None
    age = now - clock.parse_iso(item.created_at)
    if decided.review_reason == rules.UNVERIFIED:
        next_at = clock.iso(now + rules.LATER)  # still asked, hourly: a later approval applies
    elif rules.retry_possible(item.gateway, decided.status, age):
        next_at = clock.iso(now + rules.LATER)  # the payer may retry at PayU; its confirmation may be lost
    extra: dict[str, Any] = {"review_reason": decided.review_reason} if decided.review_reason else {}
    if previous in rules.FINAL:
        extra["previous_status"] = previous
    final = stored.Final(
        status=decided.status, review_reason=decided.review_reason,
        entry=stored.timeline_entry(source, decided.status, decided.code, at=stamp),
        details=details, event_type=EVENT_FOR[decided.status],
        event_data=_event_data(item, decided.status, report, **extra),
        day=clock.today(tenant.timezone).isoformat(), stamp=stamp, next_at=next_at,
    )
    stored.finish(item, final, invoices)
    if decided.status == rules.APPROVED:
        _mail_receipt(item, tenant)
    elif decided.review_reason == rules.UNVERIFIED:
        _mail_unverified(item, tenant)
    return item


def _mail_to(item: PaymentItem, tenant: Tenant, compose: Any) -> None:
    contact = contacts.load(tenant.slug, item.contact_id)
    if contact is None or not contact.email:
        return
    message = compose(to=contact.email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                      name=contact.name, reference=item.reference,
                      link=f"{tenant.portal_url.rstrip('/')}/#/payments/{item.payment_id}", language=contact.language)
    mailer.deliver(message, sender_name=tenant.name)


def _mail_receipt(item: PaymentItem, tenant: Tenant) -> None:
    # On failure the receipt stays downloadable in the portal.
    _mail_to(item, tenant, partial(mail.payment_receipt, amount=int(item.amount), currency=item.currency,
                                   invoices=[line["number"] for line in item.items]))


def _mail_unverified(item: PaymentItem, tenant: Tenant) -> None:
    _mail_to(item, tenant, partial(mail.payment_unverified, gateway=rules.GATEWAY_LABELS[item.gateway],
                                   amount=int(item.amount), currency=item.currency))


def query_gateway(tenant: str, item: PaymentItem) -> GatewayStatus:
    """What the gateway says about ``item`` now (GatewayError when it cannot say)."""
    credentials = gateways.credentials(tenant, item.gateway)
    status = base.get(item.gateway).query_status(credentials, item.reference, gateways.urls(item.gateway, credentials),
                                                  expected_amount=int(item.amount))
    return _normalized(status)


def defer_check(item: PaymentItem, error: GatewayError) -> None:
    """The gateway could not answer the reconciler: ask again later, backing off up to hourly, with a metric
    and an error log. After :data:`rules.UNANSWERED_LIMIT` without an answer the payment goes to review
    (``unverified``): its invoices are released and the contact is told; it is still asked about hourly, so a
    later approval applies."""
    now = clock.now()
    failures = int(item.failures or 0) + 1
    since = clock.parse_iso(item.unanswered_since) if item.unanswered_since else now
    created = clock.parse_iso(item.created_at)
    get_logger().error("gateway did not answer", extra={"payment_id": item.payment_id, "gateway": item.gateway,
                                                        "tenant": keys.tenant_of(item.pk), "failures": failures,
                                                        "error": error.message})
    get_metrics().add_metric(name="GatewayUnanswered", unit="Count", value=1)
    if item.status in rules.LIVE and rules.unverified(since, now):
        with suppress(Conflict):  # it moved meanwhile: whoever moved it decided
            _finish(item, rules.Outcome(rules.REVIEW, rules.UNVERIFIED, rules.UNVERIFIED), source="check")
        return
    if item.status in rules.LIVE:
        next_at = rules.after_failure(item.gateway, created_at=created, now=now, failures=failures)
        entry = stored.timeline_entry("check", item.status, "unanswered")
    else:  # in review (unverified), still unanswered: hourly while it is asked about at all
        next_at = now + rules.LATER
        entry = None
        if not rules.still_asked(item.status, item.review_reason, now - created):
            next_at = None
    stored.defer(item, entry=entry, next_at=clock.iso(next_at) if next_at else None, failures=failures,
                 unanswered_since=clock.iso(since))


# --- what the contact does: check now, cancel, receipts --------------------------------------------------------

def check_payment(context: Context, payment_id: str) -> PaymentItem:
    """"Verificar ahora": asks the gateway about a live payment at once and answers it as it now stands. At
    most once every :data:`CONTACT_CHECK_SECONDS` a payment, counting only the contacts' checks (429 with
    ``Retry-After`` otherwise). A final payment is answered as it is, without asking. A gateway that does not
    answer is a 503; the reconciler keeps asking on its schedule."""
    principal = context.principal
    item = stored.visible(principal, payment_id)
    if item.status not in rules.LIVE:
        return item
    now = clock.now()
    if not stored.reserve_contact_check(item, now=now, every_seconds=CONTACT_CHECK_SECONDS):
        last = clock.parse_iso(str(item.contact_checked_at))
        wait = max(1, math.ceil(CONTACT_CHECK_SECONDS - (now - last).total_seconds()))
        raise TooManyRequests("This payment was checked less than a minute ago; try again in a moment.",
                              retry_after=min(wait, CONTACT_CHECK_SECONDS), code="check_too_soon")
    try:
        report = query_gateway(principal.tenant, item)
    except GatewayError as exc:
        get_logger().warning("check now: the gateway did not answer", extra={"payment_id": item.payment_id,
                                                                            "error": exc.message})
        raise GatewayUnavailable("The payment gateway is not answering; try again in a few minutes.",
                                 code="gateway_unavailable") from exc
    return apply_gateway_report(item, report, source="contact_check")


def cancel_payment(context: Context, payment_id: str) -> PaymentItem:
    """Cancels a payment the contact abandoned, only while the gateway has no attempt at paying it: it has never
    heard of it, or (Zona Virtual's 888) the payer opened its page without starting to pay."""
    principal = context.principal
    item = stored.visible(principal, payment_id)
    if item.status not in rules.LIVE:
        raise Conflict("Only a payment that has not reached the gateway can be cancelled.",
                       code="payment_not_cancellable", details={"status": item.status})
    status = query_gateway(principal.tenant, item)
    if status.state != "unknown" and not rules.not_started(item.gateway, status.raw_state):
        apply_gateway_report(item, status, source="check")
        raise Conflict("The gateway already has this payment; wait for its answer.", code="payment_at_gateway",
                       details={"status": status.state})
    return _finish(item, rules.Outcome(rules.CANCELLED, "cancelled"), source="cancelled")


RECEIPT_FIELDS = ("reference", "gateway", "method", "amount", "currency", "items", "transaction_id", "cus", "bank",
                  "final_at")


def payment_receipt(context: Context, payment_id: str) -> dict[str, Any]:
    """A presigned link to the receipt PDF of an approved payment."""
    item = stored.visible(context.principal, payment_id)
    if item.status != rules.APPROVED:
        raise Conflict("There is a receipt only for approved payments.", code="payment_not_approved",
                       details={"status": item.status})
    printed = {name: getattr(item, name) for name in RECEIPT_FIELDS}
    printed["amount"] = int(item.amount)
    account = accounts.get(context.principal.tenant, item.account_id)
    return pdfs.payment_receipt_pdf(context, {"id": item.payment_id, **printed}, account)


# --- what the gateways call ----------------------------------------------------------------------------------

def _security_event(tenant: str, what: str, **extra: Any) -> None:
    """A forged or mismatched gateway call: logged for the security team (never with the form's personal data)."""
    get_logger().warning(f"security: {what}", extra={"security_event": what, "tenant": tenant, **extra})
    get_metrics().add_metric(name="GatewaySecurityEvents", unit="Count", value=1)


def confirm_payu(tenant_slug: str, form: dict[str, str]) -> dict[str, Any]:
    """PayU's server-to-server confirmation: verified (signature, merchant, reference, amount, currency),
    then applied through :func:`apply_gateway_report`. A replay is a no-op; a forged or mismatched one
    changes nothing and is answered 4xx."""
    tenants.get(tenant_slug)  # 404 for an unknown tenant
    reference = form.get("reference_sale") or ""
    item = stored.by_reference(tenant_slug, reference) if reference else None
    if item is None or item.gateway != "payu":
        _security_event(tenant_slug, "confirmation for an unknown reference", reference=reference[:80])
        raise NotFound("There is no payment with that reference.", code="payment_not_found")
    credentials = gateways.credentials(tenant_slug, "payu")
    try:
        notification = base.get("payu").verify_confirmation(credentials, form, checkout=item.checkout)
    except (InvalidSignature, NotificationMismatch) as exc:
        _security_event(tenant_slug, f"rejected confirmation ({exc.code})", reference=reference,
                        payment=item.payment_id)
        raise
    applied = apply_gateway_report(item, _normalized(notification.status()), source="confirmation")
    return {"status": applied.status, "reference": item.reference}


def portal_page(tenant_slug: str, reference: str | None) -> str:
    """The portal page of the payment with ``reference`` (the payments list when there is none)."""
    portal = tenants.get(tenant_slug).portal_url.rstrip("/")
    item = stored.by_reference(tenant_slug, reference) if reference and len(reference) <= 80 else None
    return f"{portal}/#/payments/{item.payment_id}" if item is not None else f"{portal}/#/payments"


def _came_back(tenant_slug: str, item: PaymentItem, *, source: str) -> None:
    """The payer's browser is back from the gateway. What the browser says is never trusted: the gateway is
    asked (at most once every :data:`CALLBACK_QUERY_SECONDS` a payment, since anyone can call these addresses)
    and its answer applied. A payment still ``created`` then becomes ``pending``, so its checkout is no longer
    offered: continuing could take the money twice."""
    if stored.reserve_query(item, now=clock.now(), every_seconds=CALLBACK_QUERY_SECONDS):
        try:
            item = apply_gateway_report(item, query_gateway(tenant_slug, item), source=source)
        except (GatewayError, Conflict) as exc:
            get_logger().warning("verification after the payer's return failed",  # the reconciler asks later
                                 extra={"payment_id": item.payment_id, "error": exc.message})
    if item.status == rules.CREATED:
        with suppress(Conflict):  # it moved meanwhile
            stored.mark_returned(item, stored.timeline_entry(source, rules.PENDING, "returned"))


def payu_response(tenant_slug: str, params: dict[str, str]) -> str:
    """PayU's browser redirect back (its parameters are display only, never applied): asks PayU, then goes to
    the payment's portal page."""
    page = portal_page(tenant_slug, None)  # 404 for an unknown tenant
    reference = params.get("referenceCode") or ""
    item = stored.by_reference(tenant_slug, reference) if reference and len(reference) <= 80 else None
    if item is None or item.gateway != "payu":
        return page
    _came_back(tenant_slug, item, source="returned")
    return f"{page}/{item.payment_id}"


def zonavirtual_callback(tenant_slug: str, params: dict[str, str]) -> str:
    """Zona Virtual's browser callback: verify the payment with Zona Virtual (at most once every
    :data:`CALLBACK_QUERY_SECONDS` a payment), then go to its portal page."""
    reference = params.get("id_pago") or ""
    item = stored.by_reference(tenant_slug, reference) if reference and len(reference) <= 80 else None
    if item is None or item.gateway != "zonavirtual":
        _security_event(tenant_slug, "callback for an unknown payment", reference=reference[:80])
        return portal_page(tenant_slug, None)
    credentials = gateways.credentials(tenant_slug, "zonavirtual")
    try:
        base.get("zonavirtual").callback_reference(credentials, params)
    except NotificationMismatch as exc:
        _security_event(tenant_slug, f"rejected callback ({exc.reason})", payment=item.payment_id)
        return portal_page(tenant_slug, reference)
    _came_back(tenant_slug, item, source="callback")
    return portal_page(tenant_slug, reference)
