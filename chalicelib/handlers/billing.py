"""Billing self-service for signed-in contacts (module ``billing``): receivables, the account statement,
invoices with their PDFs, and comments (payment proofs) on invoices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.handlers.http import json_body, json_response, page_params, query, route

if TYPE_CHECKING:
    from chalicelib.domain.billing import Period
    from chalicelib.store.sessions import Context

billing = Blueprint(__name__)


@route(billing, "/portal/receivables", module="billing")
def receivables(context: Context) -> dict[str, Any]:
    from chalicelib.store import billing as store

    return store.receivables(context.principal, default_currency=context.tenant.currency)


def _statement(context: Context) -> dict[str, Any]:
    from chalicelib.domain import billing as domain
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.validation import CURRENCY_RE
    from chalicelib.store import billing as store

    params = query(billing)
    currency = params.get("currency")
    if currency is not None and not CURRENCY_RE.match(currency):
        raise ValidationFailed({"currency": "must be an ISO 4217 code like COP"})
    period: Period = domain.statement_period(params, today=store.today(context.principal))
    return store.statement(context.principal, period, currency, default_currency=context.tenant.currency)


@route(billing, "/portal/statement", module="billing")
def statement(context: Context) -> dict[str, Any]:
    return _statement(context)


@route(billing, "/portal/statement/pdf", module="billing", action="download")
def statement_pdf(context: Context) -> dict[str, Any]:
    from chalicelib.store import pdfs

    return pdfs.statement_pdf(context, _statement(context))


@route(billing, "/portal/invoices", module="billing")
def list_invoices(context: Context) -> dict[str, Any]:
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.domain.validation import Reader
    from chalicelib.store import billing as store

    limit, cursor = page_params(billing)
    params = query(billing)
    r = Reader({k: v for k, v in params.items() if k not in ("limit", "cursor")})
    status = r.choice("status", store.INVOICE_STATUSES, default="all")
    start, end = r.date("from"), r.date("to")
    text = r.text("q", max_len=40)
    if start and end and start > end:
        r.fail("to", "must not be before from")
    r.finish()
    if text is not None and not text.strip():
        raise ValidationFailed({"q": "must not be blank"})
    return store.invoices_page(context.principal, status=status or "all",
                               start=start.isoformat() if start else None, end=end.isoformat() if end else None,
                               text=text.strip() if text else None, limit=limit, cursor=cursor)


@route(billing, "/portal/invoices/{invoice_id}", module="billing")
def get_invoice(context: Context, invoice_id: str) -> dict[str, Any]:
    from chalicelib.domain.validation import check_id
    from chalicelib.store import billing as store

    return store.invoice_detail(context.principal, check_id(invoice_id))


@route(billing, "/portal/invoices/{invoice_id}/pdf", module="billing", action="download")
def invoice_pdf(context: Context, invoice_id: str) -> dict[str, Any]:
    from chalicelib.domain.validation import check_id
    from chalicelib.store import pdfs

    return pdfs.invoice_pdf(context, check_id(invoice_id))


@route(billing, "/portal/invoices/{invoice_id}/comments", module="billing")
def list_comments(context: Context, invoice_id: str) -> dict[str, Any]:
    from chalicelib.domain.validation import check_id
    from chalicelib.store import billing as store

    return store.invoice_comments(context.principal, check_id(invoice_id))


@route(billing, "/portal/invoices/{invoice_id}/comments", methods=("POST",), module="billing", action="comment",
       status=201)
def post_comment(context: Context, invoice_id: str) -> Any:
    from chalicelib.domain.attachments import read_comment
    from chalicelib.domain.validation import check_id
    from chalicelib.store import comments

    check_id(invoice_id)
    request = read_comment(json_body(billing))
    status, result = comments.post_by_contact(context, invoice_id, request,
                                              billing.current_request.headers.get("idempotency-key"))
    return json_response(result, status)
