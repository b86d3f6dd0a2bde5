"""Billing documents the integrator pushes: invoices, credit notes, debit notes, receipts, and invoice PDFs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.store import billing, documents

if TYPE_CHECKING:
    from chalicelib.domain.records import DocumentRecord
    from chalicelib.store.models import BillingDocumentItem as Document


def push_document(tenant: str, doc_id: str, record: DocumentRecord) -> tuple[Document, bool]:
    """Creates or replaces a document (one transaction); returns it and whether it was created."""
    return documents.upsert(tenant, doc_id, record)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    document: Document
    pdf_uploaded: bool | None  # invoices only: whether the ERP's PDF is in S3


def get_document(tenant: str, doc_type: str, doc_id: str) -> StoredDocument:
    item = documents.get(tenant, doc_type, doc_id)
    uploaded = billing.erp_pdf_uploaded(item) if doc_type == "invoice" else None
    return StoredDocument(item, uploaded)


def invoice_pdf_upload(tenant: str, invoice_id: str) -> dict[str, Any]:
    """A presigned PUT for the ERP's PDF of an invoice."""
    return documents.invoice_pdf_upload(tenant, invoice_id)
