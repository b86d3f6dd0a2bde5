"""Billing self-service for signed-in contacts (module ``billing``): receivables, the account statement,
invoices with their PDFs, and comments (payment proofs) on invoices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.domain.attachments import read_comment
from chalicelib.domain.billing import INVOICE_STATUSES
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.validation import Reader, check_id
from chalicelib.handlers.http import json_body, json_response, page_params, query, route
from chalicelib.handlers.views import billing as views

if TYPE_CHECKING:
    from chalicelib.services.auth import Context

billing = Blueprint(__name__)


@route(billing, "/portal/receivables", module="billing")
def receivables(context: Context) -> dict[str, Any]:
    from chalicelib.services import billing as service  # lazy: loads with its first request

    return service.receivables(context)


@route(billing, "/portal/statement", module="billing")
def statement(context: Context) -> dict[str, Any]:
    from chalicelib.services import billing as service  # lazy: loads with its first request

    return service.statement(context, query(billing))


@route(billing, "/portal/statement/pdf", module="billing", action="download")
def statement_pdf(context: Context) -> dict[str, Any]:
    from chalicelib.services import billing as service  # lazy: loads with its first request

    return service.statement_pdf(context, query(billing))


@route(billing, "/portal/invoices", module="billing")
def list_invoices(context: Context) -> dict[str, Any]:
    from chalicelib.services import billing as service  # lazy: loads with its first request

    limit, cursor = page_params(billing)
    r = Reader({k: v for k, v in query(billing).items() if k not in ("limit", "cursor")})
    status = r.choice("status", INVOICE_STATUSES, default="all")
    start, end = r.date("from"), r.date("to")
    text = r.text("q", max_len=40)
    if start and end and start > end:
        r.fail("to", "must not be before from")
    r.finish()
    if text is not None and not text.strip():
        raise ValidationFailed({"q": "must not be blank"})
    items, next_cursor = service.list_invoices(
        context, status=status or "all", start=start.isoformat() if start else None,
        end=end.isoformat() if end else None, text=text.strip() if text else None, limit=limit, cursor=cursor)
    return views.invoices_page(items, next_cursor, service.today(context))


@route(billing, "/portal/invoices/{invoice_id}", module="billing")
def get_invoice(context: Context, invoice_id: str) -> dict[str, Any]:
    from chalicelib.services import billing as service  # lazy: loads with its first request

    return views.invoice_detail(service.invoice_detail(context, check_id(invoice_id)))


@route(billing, "/portal/invoices/{invoice_id}/pdf", module="billing", action="download")
def invoice_pdf(context: Context, invoice_id: str) -> dict[str, Any]:
    from chalicelib.services import billing as service  # lazy: loads with its first request

    return service.invoice_pdf(context, check_id(invoice_id))


@route(billing, "/portal/invoices/{invoice_id}/comments", module="billing")
def list_comments(context: Context, invoice_id: str) -> dict[str, Any]:
    from chalicelib.services import billing as service  # lazy: loads with its first request

    return views.comments(*service.invoice_comments(context, check_id(invoice_id)))


@route(billing, "/portal/invoices/{invoice_id}/comments", methods=("POST",), module="billing", action="comment",
       status=201)
def post_comment(context: Context, invoice_id: str) -> Any:
    from chalicelib.services import comments  # lazy: loads with its first request

    check_id(invoice_id)
    request = read_comment(json_body(billing))
    status, posted = comments.post_comment(context, invoice_id, request,
                                           billing.current_request.headers.get("idempotency-key"))
    return json_response(views.posted_comment(posted), status)
