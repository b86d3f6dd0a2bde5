"""Billing documents pushed by the integrator: invoices, credit notes, debit notes, receipts.

Each upsert is one transaction: the document (version-checked), the tenant-wide id index (an id never
moves between accounts), the account's monthly movement totals (so a statement's opening balance is
one Query), and the allocations of credit documents to invoices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.records import CREDIT_TYPES, debit_credit
from chalicelib.store import billing, contacts, db, files, keys, payments
from chalicelib.store.purchased import purchased_writes

if TYPE_CHECKING:
    from chalicelib.domain.records import DocumentRecord
    from chalicelib.store.models import BillingDocumentItem


def owner(tenant: str, doc_type: str, doc_id: str) -> str | None:
    """The account a document id belongs to (the tenant-wide index), or None."""
    from chalicelib.store.models import DocumentIndexItem  # lazy: keeps import app fast

    db.ready()
    try:
        return DocumentIndexItem.get(keys.document_index(tenant, doc_type, doc_id), keys.DOC_INDEX_SK).account_id
    except DocumentIndexItem.DoesNotExist:
        return None


def load(tenant: str, doc_type: str, doc_id: str) -> BillingDocumentItem | None:
    """The document wherever its account is (via the tenant-wide index), or None."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    account_id = owner(tenant, doc_type, doc_id)
    if account_id is None:
        return None
    try:
        return BillingDocumentItem.get(keys.account(tenant, account_id), keys.document_sk(doc_type, doc_id),
                                       consistent_read=True)
    except BillingDocumentItem.DoesNotExist:
        return None


def _account_and_previous(tenant: str, account_id: str, doc_type: str, doc_id: str
                          ) -> tuple[bool, BillingDocumentItem | None]:
    """Whether the account exists, and the document as stored (None when new): one consistent BatchGetItem of
    the account and the document's tenant-wide index entry (an account pushed a moment before counts), then
    the document itself only when it exists (an ERP's first sync is all new documents: one call each)."""
    from chalicelib.store.models import (  # lazy: keeps import app fast
        BillingDocumentItem,
        DocumentIndexItem,
        PorticoItem,
    )

    account_key = (keys.account(tenant, account_id), keys.ACCOUNT_SK)
    index_key = (keys.document_index(tenant, doc_type, doc_id), keys.DOC_INDEX_SK)
    found = {(item.pk, item.sk): item for item in PorticoItem.batch_get([account_key, index_key],
                                                                         consistent_read=True)}
    index = found.get(index_key)
    if not isinstance(index, DocumentIndexItem):
        return account_key in found, None
    try:
        previous = BillingDocumentItem.get(keys.account(tenant, index.account_id), keys.document_sk(doc_type, doc_id),
                                           consistent_read=True)
    except BillingDocumentItem.DoesNotExist:
        previous = None
    return account_key in found, previous


def get(tenant: str, doc_type: str, doc_id: str) -> BillingDocumentItem:
    item = load(tenant, doc_type, doc_id)
    if item is None:
        raise NotFound(f"There is no {doc_type.replace('_', ' ')} with that id.", code="document_not_found")
    return item


def _check_references(tenant: str, record: DocumentRecord) -> dict[str, BillingDocumentItem]:
    """422 when the contact or an invoice the document applies to is not of the same account and currency."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    problems: dict[str, str] = {}
    if record.contact_id:
        contact = contacts.load(tenant, record.contact_id)
        if contact is None or contact.account_id != record.account_id:
            problems["contact_id"] = "is not a contact of this account"
    found: dict[str, BillingDocumentItem] = {}
    if record.applied_to:
        pk = keys.account(tenant, record.account_id)
        wanted = [(pk, keys.document_sk("invoice", invoice_id)) for invoice_id, _ in record.applied_to]
        found = {item.doc_id: item for item in BillingDocumentItem.batch_get(wanted, consistent_read=True)}
        for index, (invoice_id, _) in enumerate(record.applied_to):
            invoice = found.get(invoice_id)
            if invoice is None:
                problems[f"applied_to[{index}].invoice_id"] = "is not an invoice of this account"
            elif invoice.currency != record.currency:
                problems[f"applied_to[{index}].invoice_id"] = f"is in {invoice.currency}, not {record.currency}"
    if problems:
        raise ValidationFailed(problems)
    return found


def upsert(tenant: str, doc_id: str, record: DocumentRecord) -> tuple[BillingDocumentItem, bool]:
    """Creates or replaces a document; returns it and whether it was created."""
    from chalicelib.store.models import (  # lazy: keeps import app fast
        AllocationItem,
        BillingDocumentItem,
        DocumentIndexItem,
        MonthTotalItem,
    )

    db.ready()
    account_exists, previous = _account_and_previous(tenant, record.account_id, record.doc_type, doc_id)
    if not account_exists:
        raise NotFound("There is no account with that id; push the account first.", code="account_not_found",
                       details={"account_id": record.account_id})
    if previous is not None and previous.account_id != record.account_id:
        raise Conflict("This document id belongs to another account; documents cannot change account.",
                       code="account_mismatch", details={"account_id": previous.account_id})
    applied_invoices = _check_references(tenant, record)
    stamp = clock.iso(clock.now())
    pk = keys.account(tenant, record.account_id)
    item = BillingDocumentItem(
        pk,
        keys.document_sk(record.doc_type, doc_id),
        doc_type=record.doc_type,
        doc_id=doc_id,
        account_id=record.account_id,
        contact_id=record.contact_id,
        number=record.number,
        issue_date=record.issue_date,
        due_date=record.due_date,
        currency=record.currency,
        total=record.total,
        balance=record.balance,
        data={**record.extra, "applied_to": [{"invoice_id": i, "amount": a} for i, a in record.applied_to]}
        if record.doc_type != "invoice" else record.extra,
        lsi1sk=keys.movement_lsi(record.issue_date, record.doc_type, doc_id),
        created_at=previous.created_at if previous else stamp,
        updated_at=stamp,
    )
    if previous is not None:
        item.version = previous.version
        item.pdf_key = previous.pdf_key
    if record.doc_type == "invoice":
        _set_invoice_state(tenant, item, record, previous)

    # A receipt carrying a portal payment's reference posts it: the receipt replaces its movement.
    posting = payments.posting_for_receipt(tenant, record.account_id, record.extra["reference"], doc_id) \
        if record.doc_type == "receipt" and record.extra.get("reference") else None
    deltas = _month_deltas(previous, record, posting)

    # Only credit documents pay invoices; a debit note's applied_to just says which invoice it concerns.
    allocates = record.doc_type in CREDIT_TYPES
    old_allocations = {a["invoice_id"] for a in ((previous.data or {}).get("applied_to") or [])} \
        if previous and allocates else set()
    new_allocations = dict(record.applied_to) if allocates else {}

    with db.transaction(conflict="The document changed while it was being saved; send it again.") as tx:
        tx.save(item)
        if record.doc_type == "invoice":  # what the account was invoiced (catalog visibility "purchased")
            purchased_writes(tx, tenant, record.account_id,
                             {line["sku"] for line in record.extra.get("lines") or [] if line.get("sku")})
        tx.save(
            DocumentIndexItem(keys.document_index(tenant, record.doc_type, doc_id), keys.DOC_INDEX_SK,
                              account_id=record.account_id),
            condition=DocumentIndexItem.pk.does_not_exist() | (DocumentIndexItem.account_id == record.account_id),
        )
        for (currency, month), (debit, credit) in deltas.items():
            if debit == 0 and credit == 0:
                continue
            tx.update(
                MonthTotalItem(pk, keys.month_total_sk(currency, month)),
                actions=[
                    MonthTotalItem.kind.set(MonthTotalItem),
                    MonthTotalItem.currency.set(currency),
                    MonthTotalItem.month.set(month),
                    MonthTotalItem.debit.add(debit),
                    MonthTotalItem.credit.add(credit),
                ],
            )
        if posting is not None:
            posting.write(tx)
        if record.doc_type in CREDIT_TYPES:
            _redate_paid_invoices(tx, tenant, applied_invoices, record, doc_id)
        for invoice_id in old_allocations - set(new_allocations):
            tx.delete(AllocationItem(pk, keys.allocation_sk(invoice_id, record.doc_type, doc_id)))
        for invoice_id, amount in new_allocations.items():
            tx.save(AllocationItem(
                pk,
                keys.allocation_sk(invoice_id, record.doc_type, doc_id),
                lsi2sk=keys.allocation_lsi(record.issue_date, invoice_id, record.doc_type, doc_id),
                invoice_id=invoice_id,
                doc_type=record.doc_type,
                doc_id=doc_id,
                number=record.number,
                date=record.issue_date,
                currency=record.currency,
                amount=amount,
                created_at=stamp,
            ))
    return item, previous is None


def _redate_paid_invoices(tx: Any, tenant: str, invoices: dict[str, BillingDocumentItem], record: DocumentRecord,
                          doc_id: str) -> None:
    """A credit arriving for an invoice already paid says when it was paid: the latest credit's date
    (so a past statement does not list it as open because the ERP sent the invoice first)."""
    from chalicelib.store.models import AllocationItem, BillingDocumentItem  # lazy: keeps import app fast

    for invoice in invoices.values():
        if invoice.balance:
            continue
        dates = [a.date for a in AllocationItem.query(
            invoice.pk, AllocationItem.sk.startswith(keys.allocation_prefix(invoice.doc_id)), consistent_read=True,
        ) if not (a.doc_type == record.doc_type and a.doc_id == doc_id)] + [record.issue_date]
        paid_on = max(dates)
        if paid_on != invoice.paid_on:
            tx.update(invoice, actions=[BillingDocumentItem.paid_on.set(paid_on),
                                        BillingDocumentItem.lsi2sk.set(keys.paid_invoice_lsi(paid_on, invoice.doc_id))])


def _month_deltas(previous: BillingDocumentItem | None, record: DocumentRecord, posting: payments.Posting | None
                  ) -> dict[tuple[str, str], list[int]]:
    """(currency, month) → [Δdebit, Δcredit]: the monthly totals move by the old and new movement's difference."""
    deltas: dict[tuple[str, str], list[int]] = {}

    def add(currency: str, day: str, debit: int, credit: int) -> None:
        entry = deltas.setdefault((currency, day[:7]), [0, 0])
        entry[0] += debit
        entry[1] += credit

    if previous is not None:
        old_debit, old_credit = debit_credit(previous.doc_type, int(previous.total))
        add(previous.currency, previous.issue_date, -old_debit, -old_credit)
    add(record.currency, record.issue_date, *record.movement)
    if posting is not None:
        add(posting.currency, posting.day, 0, -posting.amount)
    return deltas


def _set_invoice_state(tenant: str, item: BillingDocumentItem, record: DocumentRecord,
                       previous: BillingDocumentItem | None) -> None:
    """What the portal keeps across ERP updates of an invoice, its visible balance and its place in lsi2.

    Balance truth (DESIGN §5): the visible balance is the ERP's minus the approved portal payments the ERP
    has not posted yet, so an ERP update never brings back a balance a portal payment paid.
    """
    from chalicelib.store.models import AllocationItem  # lazy: keeps import app fast

    assert record.due_date is not None and record.balance is not None
    allocations = list(AllocationItem.query(
        item.pk, AllocationItem.sk.startswith(keys.allocation_prefix(item.doc_id)), consistent_read=True,
    )) if previous is not None else []
    unposted = sum(int(a.amount) for a in allocations if a.doc_type == "portal_payment" and not a.posted)
    item.erp_balance = record.balance
    item.balance = max(0, record.balance - unposted)
    if previous is not None:
        item.checkout_payment_id = previous.checkout_payment_id
        # A payment proof waits for the ERP: a new balance is its answer.
        previous_erp = previous.erp_balance if previous.erp_balance is not None else previous.balance
        if previous_erp == record.balance:
            item.proof_received_at = previous.proof_received_at
    billing.set_lsi2(tenant, item, previous, [a.date for a in allocations])


def invoice_pdf_upload(tenant: str, invoice_id: str) -> dict[str, Any]:
    """A presigned PUT for the ERP's PDF of the invoice (``{method, url, headers, expires_at, key}``); the
    invoice remembers where it will be."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    item = load(tenant, "invoice", invoice_id)
    if item is None:
        raise NotFound("There is no invoice with that id.", code="document_not_found")
    key = files.object_key(tenant, item.account_id, "invoices", f"{invoice_id}.pdf")
    if item.pdf_key != key:
        item.update(actions=[BillingDocumentItem.pdf_key.set(key)])
    return {**files.presign_put(key, content_type="application/pdf"), "key": key}
