"""Billing documents, invoices and their comments as the portal and the integrator API show them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import billing as rules

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.services.billing import Comment, Invoice, InvoiceDetail
    from chalicelib.services.comments import PostedComment

COMMENT_PREVIEW = 200


def document(item: Invoice) -> dict[str, Any]:
    """A billing document as the integrator pushed it (plus what the portal keeps on invoices)."""
    result = {
        "id": item.doc_id,
        "type": item.doc_type,
        "account_id": item.account_id,
        "contact_id": item.contact_id,
        "number": item.number,
        "issue_date": item.issue_date,
        "currency": item.currency,
        "total": int(item.total),
        **(item.data or {}),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }
    if item.doc_type == "invoice":
        result["due_date"] = item.due_date
        result["balance"] = int(item.balance or 0)
        result["paid_on"] = item.paid_on
        result["proof_received_at"] = item.proof_received_at
        # What the ERP last sent; `balance` also subtracts approved portal payments it has not posted yet.
        result["erp_balance"] = int(item.erp_balance) if item.erp_balance is not None else result["balance"]
        result["checkout_payment_id"] = item.checkout_payment_id
    return result


def comment(item: Comment, urls: dict[str, str]) -> dict[str, Any]:
    """A comment; an attachment carries its download ``url`` only when ``urls`` has one for it."""
    return {
        "id": item.comment_id,
        "invoice_id": item.invoice_id,
        "author": {"type": item.author_type, "name": item.author_name},
        "body": item.body,
        "payment_proof": bool(item.payment_proof),
        "attachments": [
            {**{k: a[k] for k in ("upload_id", "filename", "content_type", "size")},
             **({"url": urls[a["upload_id"]]} if a["upload_id"] in urls else {})}
            for a in item.attachments or []
        ],
        "created_at": item.created_at,
    }


def comments(items: list[Comment], urls: dict[str, str]) -> dict[str, Any]:
    return {"items": [comment(c, urls) for c in items]}


def posted_comment(posted: PostedComment) -> dict[str, Any]:
    result = comment(posted.comment, posted.attachment_urls)
    if posted.notified is not None:
        result["notified"] = posted.notified
    return result


def invoices_page(items: list[Invoice], next_cursor: str | None, on: date) -> dict[str, Any]:
    return {"items": [rules.invoice_row(i, on) for i in items], "next_cursor": next_cursor}


def invoice_detail(detail: InvoiceDetail) -> dict[str, Any]:
    return {**detail.document, "comments": [comment(c, detail.attachment_urls) for c in detail.comments],
            "has_pdf": detail.has_pdf}


def latest_comments(items: list[Comment]) -> list[dict[str, Any]]:
    """The dashboard's newest comments, bodies cut to a preview."""
    return [{"invoice_id": item.invoice_id, "invoice_number": item.invoice_number,
             "author": {"type": item.author_type, "name": item.author_name},
             "body": item.body if len(item.body) <= COMMENT_PREVIEW else item.body[:COMMENT_PREVIEW - 1] + "…",
             "payment_proof": bool(item.payment_proof), "created_at": item.created_at}
            for item in items]
