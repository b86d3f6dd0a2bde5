"""Online payments (DESIGN §5): checkout, the one code path that applies a gateway's report, cancelling,
receipts, and what the gateways call.

Each use case reads through :mod:`chalicelib.store.payments`, decides with :mod:`chalicelib.domain.payments`,
writes one conditional transaction, and only then mails. Confirmations, callbacks, cancel checks and the
reconciler all apply reports through :func:`apply_gateway_report`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, mail
from chalicelib.domain import payments as rules
from chalicelib.domain.errors import Conflict, GatewayUnavailable, NotFound, ValidationFailed
from chalicelib.domain.money import format_money
from chalicelib.observability import get_logger, get_metrics
from chalicelib.payments import base
from chalicelib.payments.exceptions import GatewayError, InvalidSignature, NotificationMismatch
from chalicelib.services import gateways, pdfs
from chalicelib.store import accounts, contacts, idempotency, keys, mailer, tenants
from chalicelib.store import payments as stored

if TYPE_CHECKING:
    from chalicelib.domain.payments import PaymentRequest
    from chalicelib.payments.base import GatewayStatus
    from chalicelib.store.models import PaymentItem as PaymentItem
    from chalicelib.store.sessions import Context
    from chalicelib.store.tenants import Tenant

APPLY_ATTEMPTS = 4
CALLBACK_QUERY_SECONDS = 30  # Zona Virtual's callback is unauthenticated: one gateway query a payment per 30 s
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
        _finish(item, rules.Outcome(rules.ERROR, f"the gateway did not start the payment: {exc}"),
                event="checkout_failed")
        raise GatewayUnavailable("The payment gateway is not answering; try again in a few minutes.",
                                 code="gateway_unavailable") from exc
    entry = stored.timeline_entry("redirected", rules.CREATED, "the gateway registered the payment")
    stored.set_checkout(item, checkout.to_json(), entry)
    item.checkout = checkout.to_json()


# --- applying what a gateway reports ---------------------------------------------------------------------

def _normalized(status: GatewayStatus) -> GatewayStatus:
    """The gateway's report with the payment method in the contract's words (``card``, ``pse``)."""
    return replace(status, method=rules.payment_method(status.method))


def _words(report: GatewayStatus) -> str | None:
    """What the timeline says the gateway said."""
    return report.message or (f"gateway state {report.raw_state}" if report.raw_state else None)


def _details(item: PaymentItem, report: GatewayStatus | None) -> dict[str, str]:
    """What the report adds to the payment (transaction id, method, PSE CUS and bank)."""
    if report is None:
        return {}
    return {name: getattr(report, name) for name in stored.DETAIL_FIELDS
            if getattr(report, name) and getattr(item, name) != getattr(report, name)}


def _event_data(item: PaymentItem, status: str, **extra: Any) -> dict[str, Any]:
    """What every ``payment.*`` event tells the integrator."""
    return {"payment_id": item.payment_id, "reference": item.reference, "gateway": item.gateway,
            "amount": int(item.amount), "currency": item.currency, "items": item.items, "status": status, **extra}


def apply_gateway_report(payment: PaymentItem, report: GatewayStatus, *, source: str) -> PaymentItem:
    """The single code path for confirmations, callbacks and the reconciler. Idempotent and forward-only:
    re-applying a report, or a report after a final state, changes nothing but the timeline.

    ``payment`` is the caller's read of it: every write is conditional on its status, so a stale read only
    costs a re-read and a second decision."""
    tenant, account_id, payment_id = keys.tenant_of(payment.pk), payment.account_id, payment.payment_id
    for attempt in range(APPLY_ATTEMPTS):
        item = payment if attempt == 0 else stored.load(tenant, account_id, payment_id)
        if item is None:
            raise NotFound("There is no payment with that id.", code="payment_not_found")
        now = clock.now()
        decided = rules.outcome(status=item.status, age=now - clock.parse_iso(item.created_at),
                                reported=report.state, reported_amount=report.amount,
                                reported_currency=report.currency, amount=int(item.amount), currency=item.currency)
        try:
            if item.status in rules.FINAL:
                # Only a disagreement about whether money was taken matters to staff.
                contradicts = report.state not in ("unknown", "pending") \
                    and (report.state == "approved") != (item.status == rules.APPROVED)
                # Flagged once; a payment already in review keeps its reason (staff are on it).
                if contradicts and item.status != rules.REVIEW and item.review_reason != "late_report":
                    stored.flag_late_report(
                        item, entry=stored.timeline_entry("late_report", item.status, decided.detail),
                        details=_details(item, report),
                        event_data=_event_data(item, item.status, review_reason="late_report",
                                               detail=decided.detail))
                return item
            if decided.status in rules.FINAL:
                return _finish(item, decided, event=source, report=report)
            next_at = clock.iso(rules.next_check(clock.parse_iso(item.created_at), now))
            stored.record_report(item, status=decided.status, details=_details(item, report),
                                 entry=stored.timeline_entry(source, decided.status, _words(report) or decided.detail),
                                 next_at=next_at, checked=source == "check")
            return item
        except Conflict:
            continue  # someone else moved it first: read again and re-decide
    raise Conflict("The payment is being updated by someone else; try again.", code="busy")


def _finish(item: PaymentItem, decided: rules.Outcome, *, event: str,
            report: GatewayStatus | None = None) -> PaymentItem:
    """Moves a live payment to a final state (one transaction), then mails the receipt of an approval."""
    tenant = tenants.get(keys.tenant_of(item.pk))
    stamp = clock.iso(clock.now())
    details = _details(item, report)
    for name, value in details.items():  # the event and the movement name the transaction reported
        setattr(item, name, value)
    final = stored.Final(
        status=decided.status, review_reason=decided.review_reason,
        entry=stored.timeline_entry(event, decided.status, (_words(report) if report else None) or decided.detail,
                                    at=stamp),
        details=details, event_type=EVENT_FOR[decided.status],
        event_data=_event_data(item, decided.status,
                               **({"review_reason": decided.review_reason} if decided.review_reason else {})),
        day=clock.today(tenant.timezone).isoformat(), stamp=stamp,
    )
    stored.finish(item, final)
    if decided.status == rules.APPROVED:
        _mail_receipt(item, tenant)
    return item


def _mail_receipt(item: PaymentItem, tenant: Tenant) -> None:
    contact = contacts.load(tenant.slug, item.contact_id)
    if contact is None or not contact.email:
        return
    message = mail.payment_receipt(to=contact.email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                                   name=contact.name, reference=item.reference, amount=int(item.amount),
                                   currency=item.currency, invoices=[line["number"] for line in item.items],
                                   link=f"{tenant.portal_url.rstrip('/')}/#/payments/{item.payment_id}",
                                   language=contact.language)
    mailer.deliver(message, sender_name=tenant.name)  # on failure the receipt stays downloadable in the portal


def query_gateway(tenant: str, item: PaymentItem) -> GatewayStatus:
    """What the gateway says about ``item`` now (GatewayError when it cannot say)."""
    credentials = gateways.credentials(tenant, item.gateway)
    status = base.get(item.gateway).query_status(credentials, item.reference, gateways.urls(item.gateway, credentials),
                                                  expected_amount=int(item.amount))
    return _normalized(status)


def defer_check(item: PaymentItem, detail: str) -> None:
    """The gateway could not answer: check again later (with backoff), say why in the timeline."""
    next_at = clock.iso(rules.next_check(clock.parse_iso(item.created_at), clock.now()))
    stored.defer(item, entry=stored.timeline_entry("check", item.status, detail), next_at=next_at)


# --- cancelling, receipts ----------------------------------------------------------------------------------

def cancel_payment(context: Context, payment_id: str) -> PaymentItem:
    """Cancels a payment the contact abandoned, only while the gateway has not heard of it."""
    principal = context.principal
    item = stored.visible(principal, payment_id)
    if item.status != rules.CREATED:
        raise Conflict("Only a payment that has not reached the gateway can be cancelled.",
                       code="payment_not_cancellable", details={"status": item.status})
    status = query_gateway(principal.tenant, item)
    if status.state != "unknown":
        apply_gateway_report(item, status, source="check")
        raise Conflict("The gateway already has this payment; wait for its answer.", code="payment_at_gateway",
                       details={"status": status.state})
    return _finish(item, rules.Outcome(rules.CANCELLED, "cancelled by the contact"), event="cancelled")


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
    report = _normalized(replace(notification.status(), message=f"PayU state_pol {notification.raw_state}"))
    applied = apply_gateway_report(item, report, source="confirmation")
    return {"status": applied.status, "reference": item.reference}


def portal_page(tenant_slug: str, reference: str | None) -> str:
    """The portal page of the payment with ``reference`` (the payments list when there is none)."""
    portal = tenants.get(tenant_slug).portal_url.rstrip("/")
    item = stored.by_reference(tenant_slug, reference) if reference and len(reference) <= 80 else None
    return f"{portal}/#/payments/{item.payment_id}" if item is not None else f"{portal}/#/payments"


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
    if stored.reserve_query(item, now=clock.now(), every_seconds=CALLBACK_QUERY_SECONDS):
        try:
            apply_gateway_report(item, query_gateway(tenant_slug, item), source="callback")
        except GatewayError as exc:
            get_logger().warning("verification after callback failed", extra={"error": str(exc)})  # reconciler
    return portal_page(tenant_slug, reference)
