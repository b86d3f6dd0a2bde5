"""Billing self-service: receivables, the statement, invoices with their PDFs and comments, the dashboard card.

Reads only: every query is scoped to the caller's account (and contact, for ``own`` scope) by
:mod:`chalicelib.store.billing`; the figures come from :mod:`chalicelib.domain.billing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import billing as rules
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.validation import CURRENCY_RE
from chalicelib.services import pdfs
from chalicelib.store import accounts, files
from chalicelib.store import billing as stored

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.domain.access import Principal
    from chalicelib.store.models import AllocationItem, BillingDocumentItem, CommentItem
    from chalicelib.store.sessions import Context

    Invoice = BillingDocumentItem  # what the handlers serialize
    Comment = CommentItem

MODULE = "billing"


def today(context: Context) -> date:
    return stored.today(context.principal)


def receivables(context: Context) -> dict[str, Any]:
    """Open invoices oldest due first, with aging (one Query)."""
    on = today(context)
    rows = [{k: row[k] for k in rules.RECEIVABLE_FIELDS}
            for row in (rules.invoice_row(item, on) for item in stored.open_invoices(context.principal))]
    return rules.receivables(rows, today=on, default_currency=context.tenant.currency)


def statement(context: Context, params: dict[str, str]) -> dict[str, Any]:
    """The statement of the period ``params`` names (``year``/``period`` or ``from``/``to``); 422 when bad."""
    currency = params.get("currency")
    if currency is not None and not CURRENCY_RE.match(currency):
        raise ValidationFailed({"currency": "must be an ISO 4217 code like COP"})
    period = rules.statement_period(params, today=today(context))
    return stored.statement(context.principal, period, currency, default_currency=context.tenant.currency)


def statement_pdf(context: Context, params: dict[str, str]) -> dict[str, Any]:
    return pdfs.statement_pdf(context, statement(context, params))


def list_invoices(context: Context, *, status: str, start: str | None, end: str | None, text: str | None,
                  limit: int, cursor: str | None) -> tuple[list[Invoice], str | None]:
    return stored.invoices_page(context.principal, status=status, start=start, end=end, text=text, limit=limit,
                                cursor=cursor)


def download_links(comments: list[CommentItem]) -> dict[str, str]:
    """upload id → a short-lived download link for every attachment of ``comments``."""
    return {a["upload_id"]: files.presign_get(a["key"], filename=a["filename"],
                                              content_type=a.get("content_type"))["url"]
            for c in comments for a in c.attachments or []}


def attachment_urls(principal: Principal, comments: list[CommentItem]) -> dict[str, str]:
    """:func:`download_links` for a caller whose grant has ``download``; none otherwise (``view`` lists
    attachments, only ``download`` fetches them)."""
    grant = principal.modules.get(MODULE)
    return download_links(comments) if grant is not None and "download" in grant.actions else {}


@dataclass(frozen=True, slots=True)
class InvoiceDetail:
    """An invoice with what its page shows: allocations, comments (with their attachments' links)."""

    invoice: Invoice
    document: dict[str, Any]  # :func:`chalicelib.domain.billing.invoice_document`
    comments: list[Comment]
    attachment_urls: dict[str, str]
    has_pdf: bool


def _document(invoice: BillingDocumentItem, allocations: list[AllocationItem], on: date) -> dict[str, Any]:
    return rules.invoice_document(invoice, data=invoice.data or {}, allocations=allocations, on=on)


def invoice_detail(context: Context, invoice_id: str) -> InvoiceDetail:
    """The caller's invoice with its allocations and comments (one Query), and whether the ERP's PDF is there."""
    invoice, allocations, comments = stored.invoice_children(context.principal, invoice_id)
    return InvoiceDetail(invoice=invoice, document=_document(invoice, allocations, today(context)),
                         comments=comments, attachment_urls=attachment_urls(context.principal, comments),
                         has_pdf=stored.erp_pdf_uploaded(invoice))


def invoice_comments(context: Context, invoice_id: str) -> tuple[list[Comment], dict[str, str]]:
    _, _, comments = stored.invoice_children(context.principal, invoice_id)
    return comments, attachment_urls(context.principal, comments)


def invoice_pdf(context: Context, invoice_id: str) -> dict[str, Any]:
    """A link to the ERP's PDF of the invoice or, when it sent none, to a representation marked as such."""
    principal = context.principal
    invoice, allocations, _ = stored.invoice_children(principal, invoice_id)
    filename = f"factura_{invoice.number}.pdf"
    if stored.erp_pdf_uploaded(invoice):
        return {**files.presign_get(invoice.pdf_key, filename=filename, content_type=pdfs.PDF),
                "filename": filename, "representation": False}
    document = {**_document(invoice, allocations, today(context)), "has_pdf": False}
    return pdfs.invoice_pdf(context, document, accounts.get(principal.tenant, principal.account_id))


def dashboard_card(context: Context) -> dict[str, Any]:
    """The billing part of the dashboard: 2 Queries (open invoices, latest comments)."""
    summary = receivables(context)
    default_currency = context.tenant.currency
    totals = summary["totals"] if isinstance(summary["totals"], list) else [summary["totals"]]
    main = next((t for t in totals if t["currency"] == default_currency), totals[0])
    upcoming = [i for i in summary["invoices"] if i["days_overdue"] == 0 and i["currency"] == main["currency"]]
    next_due = min(upcoming, key=lambda i: (i["due_date"], i["id"]), default=None)
    on = today(context)
    return {
        "currency": main["currency"],
        "totals": totals,
        "balance": main["balance"],
        "overdue": main["overdue"],
        "overdue_count": main["overdue_count"],
        "open_count": len(summary["invoices"]),
        "next_due": {k: next_due[k] for k in ("id", "number", "due_date", "balance", "currency")}
        if next_due else None,
        "statement": {"year": f"{on.year:04d}", "period": f"{on.month:02d}"},
    }


def latest_comments(context: Context) -> list[Comment]:
    return stored.latest_comments(context.principal)
