"""Quotes (module ``quotes``): the quotes the business sends (pushed by the ERP, with their PDF), accepted — with
who, when and from where — or rejected by the contact, an accepted quote placing its order; and the contact's
quote requests (from the cart or free text, with attachments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, mail
from chalicelib.domain import sales as rules
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.money import format_money
from chalicelib.observability import get_logger
from chalicelib.services import comments, orders, pdfs
from chalicelib.store import accounts, contacts, files, mailer, tenants
from chalicelib.store import comments as comment_store
from chalicelib.store import sales as stored

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.store.models import QuoteItem as QuoteItem
    from chalicelib.store.models import QuoteRequestItem as QuoteRequestItem
    from chalicelib.store.sessions import Context

STAFF_LINK_SECONDS = comments.STAFF_LINK_SECONDS


def today(context: Context) -> date:
    return clock.today(context.principal.timezone)


def tenant_today(tenant_slug: str) -> date:
    return clock.today(tenants.get(tenant_slug).timezone)


def status_of(item: QuoteItem, context: Context) -> str:
    return rules.quote_status(item.status, item.valid_until, clock.today(context.principal.timezone))


def list_quotes(context: Context, *, status: str | None, limit: int, cursor: str | None
                ) -> tuple[list[QuoteItem], str | None]:
    if status is not None and status not in rules.QUOTE_VISIBLE:
        raise ValidationFailed({"status": f"must be one of {', '.join(sorted(rules.QUOTE_VISIBLE))}"})
    return stored.quotes_page(context.principal, status=status, limit=limit, cursor=cursor,
                              status_of=lambda item: status_of(item, context))


def get_quote(context: Context, quote_id: str) -> QuoteItem:
    return stored.visible_quote(context.principal, quote_id)


def recent_quotes(context: Context) -> list[QuoteItem]:
    """The dashboard's quotes (one Query)."""
    return [q for q in stored.latest(context.principal, "quotes") if q.status != rules.QUOTE_DRAFT]


def quote_pdf(context: Context, quote_id: str) -> dict[str, Any]:
    """The ERP's PDF of the quote, else a representation rendered from it (marked as such)."""
    item = stored.visible_quote(context.principal, quote_id)
    filename = f"cotizacion_{item.number}.pdf"
    if stored.quote_pdf_uploaded(item):
        return {**files.presign_get(item.pdf_key or "", filename=filename, content_type=pdfs.PDF),
                "filename": filename, "representation": False}
    account = accounts.get(context.principal.tenant, context.principal.account_id)
    return pdfs.quote_pdf(context, quote_document(item, status_of(item, context)), account)


def quote_document(item: QuoteItem, status: str) -> dict[str, Any]:
    return {"id": item.quote_id, "number": item.number, "issue_date": item.issue_date,
            "valid_until": item.valid_until, "currency": item.currency, "status": status, "lines": item.lines,
            "subtotal": int(item.subtotal), "tax": int(item.tax), "total": int(item.total),
            **(item.data or {}), "acceptance": item.acceptance, "rejection": item.rejection}


@dataclass(frozen=True, slots=True)
class Answered:
    quote: QuoteItem
    order_id: str | None


def _open_quote(context: Context, quote_id: str) -> QuoteItem:
    item = stored.visible_quote(context.principal, quote_id)
    status = status_of(item, context)
    if status == rules.QUOTE_EXPIRED:
        raise Conflict(f"This quote expired on {item.valid_until}; ask for a new one.", code="quote_expired",
                       details={"valid_until": item.valid_until})
    if status != rules.QUOTE_SENT:
        raise Conflict(f"This quote is {status}: it can no longer be answered.", code="quote_not_open",
                       details={"status": status})
    return item


def accept_quote(context: Context, quote_id: str, body: Any, *, ip: str | None, user_agent: str | None) -> Answered:
    """Records the acceptance (name, PO, note, who, when, from which IP) and, when the tenant's setting says so
    (default), places the quote's order at the quoted prices — in one transaction with ``quote.accepted`` and
    ``order.placed``; then mails the account executive (and the contact, for the order). 409 ``quote_expired``
    past ``valid_until``, ``quote_not_open`` once answered."""
    principal, tenant = context.principal, context.tenant
    acceptance = rules.read_acceptance(body)
    quote = _open_quote(context, quote_id)
    stamp = clock.iso_precise(clock.now())
    record = {"name": acceptance.name, "po_number": acceptance.po_number, "note": acceptance.note,
              "contact_id": principal.contact_id, "contact_name": context.contact.name, "at": clock.iso(clock.now()),
              "ip": ip, "user_agent": (user_agent or "")[:300] or None}
    order = None
    if rules.sales_settings(tenant.sales)["quote_acceptance_creates_order"]:
        order = stored.new_order(
            principal, order_id=stored.order_number(clock.today(principal.timezone).isoformat()),
            contact_name=context.contact.name, currency=quote.currency,
            lines=[{"sku": line.get("sku"), "name": line.get("description"), "qty": line["qty"],
                    "unit": line.get("unit"), "unit_price": line["unit_price"], "discount": line.get("discount", 0),
                    "tax_rate": line["tax_rate"], "subtotal": line["subtotal"], "tax": line["tax"],
                    "total": line["total"]} for line in quote.lines],
            subtotal=int(quote.subtotal), tax=int(quote.tax), total=int(quote.total),
            details={"po_number": acceptance.po_number, "notes": acceptance.note}, source="quote",
            quote_id=quote.quote_id, stamp=stamp)
    event = {"quote_id": quote.quote_id, "number": quote.number, "currency": quote.currency,
             "total": int(quote.total), "acceptance": record, "order_id": order.order_id if order else None}
    stored.answer_quote(principal, quote, status=rules.QUOTE_ACCEPTED, record=record,
                        today=clock.today(principal.timezone).isoformat(), order=order, event_data=event,
                        order_event=orders.order_event_data(order) if order else None)
    quote.status, quote.acceptance = rules.QUOTE_ACCEPTED, record
    if order is not None:
        quote.order_id = order.order_id
    _mail_answer(context, quote, accepted=True, detail=acceptance.note)
    if order is not None:
        orders.notify_placed(tenant, order, accounts.load(principal.tenant, principal.account_id),
                             contact_email=context.contact.email, language=context.contact.language)
    return Answered(quote, order.order_id if order else None)


def reject_quote(context: Context, quote_id: str, body: Any, *, ip: str | None) -> Answered:
    """Records the rejection and its reason with ``quote.rejected``; mails the account executive."""
    principal = context.principal
    reason = rules.read_rejection(body)
    quote = _open_quote(context, quote_id)
    record = {"reason": reason, "contact_id": principal.contact_id, "contact_name": context.contact.name,
              "at": clock.iso(clock.now()), "ip": ip}
    stored.answer_quote(principal, quote, status=rules.QUOTE_REJECTED, record=record,
                        today=clock.today(principal.timezone).isoformat(), order=None,
                        event_data={"quote_id": quote.quote_id, "number": quote.number, "rejection": record},
                        order_event=None)
    quote.status, quote.rejection = rules.QUOTE_REJECTED, record
    _mail_answer(context, quote, accepted=False, detail=reason)
    return Answered(quote, None)


def _executive(context: Context) -> tuple[str | None, str]:
    account = accounts.load(context.principal.tenant, context.principal.account_id)
    data = account.data if account else {}
    return (data.get("account_executive") or {}).get("email"), str(data.get("name", ""))


def _mail_answer(context: Context, quote: QuoteItem, *, accepted: bool, detail: str | None) -> None:
    salesperson = ((quote.data or {}).get("salesperson") or {}).get("email")
    executive, account_name = _executive(context)
    to = salesperson or executive
    if not to:
        get_logger().warning("quote answer without staff to notify", extra={"quote_id": quote.quote_id})
        return
    tenant = context.tenant
    mailer.deliver(mail.quote_answered_staff(
        to=to, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), account=account_name,
        contact=context.contact.name, number=quote.number, accepted=accepted, detail=detail,
        amount=format_money(int(quote.total), quote.currency), order_id=quote.order_id), sender_name=tenant.name)


# --- quote requests -------------------------------------------------------------------------------------------------

def request_quote(context: Context, body: Any) -> QuoteRequestItem:
    """A quote request from the cart's lines and/or a text, with up to 5 attachments: ``quote.requested`` and a mail
    to the account executive with the lines and attachment links. The cart is kept."""
    principal = context.principal
    request = rules.read_quote_request(body)
    lines: list[dict[str, Any]] = []
    if request.from_cart:
        cart = orders.get_cart(context)
        if not cart.lines:
            raise Conflict("The cart is empty: add products, or describe what you need.", code="cart_empty")
        lines = [{"sku": line.sku, "name": line.name, "qty": line.qty, "unit": line.unit,
                  "unit_price": line.unit_price, "available": line.available, "unavailable_reason": line.reason}
                 for line in cart.lines]
    request_id = stored.new_id("qr_")
    checked = comments.check_uploads(context, request.attachment_ids, request_id)
    for upload in checked:
        files.put_bytes(upload.key, upload.data, content_type=upload.upload.content_type)
    kept = [comment_store.attachment_json(c.upload, c.key) for c in checked]
    links = [comment_store.attachment_link(principal.tenant, principal.account_id, a, seconds=STAFF_LINK_SECONDS)
             for a in kept]
    stamp = clock.iso_precise(clock.now())
    item = stored.quote_request_item(principal, request_id=request_id, contact_name=context.contact.name,
                                     text=request.text, lines=lines, attachments=kept, stamp=stamp)
    event = {"request_id": request_id, "contact_id": principal.contact_id, "text": request.text, "lines": lines,
             "attachments": [{k: v for k, v in a.items() if k != "key"} for a in kept]}
    stored.save_quote_request(principal, item, [c.upload for c in checked], event_data=event,
                              links=[link for _, link in links])
    for upload in checked:
        files.discard(upload.upload.key)
    executive, account_name = _executive(context)
    if executive:
        tenant = context.tenant
        mailer.deliver(mail.quote_requested_staff(
            to=executive, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), account=account_name,
            contact=context.contact.name, email=context.contact.email or "", text=request.text,
            lines=[(str(line["sku"]), str(line["name"] or ""), int(line["qty"])) for line in lines],
            attachments=[(a["filename"], mail.attachment_link(tenant.portal_url, token))
                         for a, (token, _) in zip(kept, links, strict=True)]), sender_name=tenant.name)
    return item


def list_quote_requests(context: Context, *, limit: int, cursor: str | None
                        ) -> tuple[list[QuoteRequestItem], str | None]:
    return stored.quote_requests_page(context.principal, limit=limit, cursor=cursor)


# --- the integrator -------------------------------------------------------------------------------------------------

def put_quote(tenant_slug: str, quote_id: str, body: Any) -> tuple[QuoteItem, bool]:
    """Creates or replaces a quote (201/200). The first time it is ``sent`` to a contact with portal access, the
    contact is mailed a link to it."""
    record = rules.read_quote(body)
    if not accounts.exists(tenant_slug, record.account_id):
        raise NotFound("There is no account with that id; push the account first.", code="account_not_found",
                       details={"account_id": record.account_id})
    contact = contacts.load(tenant_slug, record.contact_id) if record.contact_id else None
    if record.contact_id and (contact is None or contact.account_id != record.account_id):
        raise ValidationFailed({"contact_id": "is not a contact of this account"})
    item, previous = stored.upsert_quote(tenant_slug, quote_id, record)
    if item.status == rules.QUOTE_SENT and not item.notified_at and contact is not None and contact.email \
            and (grant := contacts.grant_of(contact)) is not None and grant.enabled and "quotes" in grant.modules:
        tenant = tenants.get(tenant_slug)
        if "quotes" in tenant.modules and mailer.deliver(mail.quote_sent(
                to=contact.email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), name=contact.name,
                number=item.number, amount=format_money(int(item.total), item.currency,
                                                        language=contact.language or "es-CO"),
                valid_until=mail.format_day(item.valid_until, contact.language),
                link=mail.sales_link(tenant.portal_url, "quotes", quote_id), language=contact.language),
                sender_name=tenant.name):
            stored.mark_quote_notified(item)
    return item, previous is None


def quote_for_staff(tenant_slug: str, quote_id: str) -> QuoteItem:
    return stored.quote_for_staff(tenant_slug, quote_id)


def quote_pdf_upload(tenant_slug: str, quote_id: str) -> dict[str, Any]:
    return stored.quote_pdf_upload(tenant_slug, quote_id)
