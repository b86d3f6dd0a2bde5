"""What a signed-in contact reads of billing: receivables, the statement, invoices and their detail.

Every function takes the caller's :class:`Principal` and reads only the partition of its account; with
``own`` scope only documents whose ``contact_id`` is the caller's are returned. A handler cannot ask
for another account: there is no parameter for it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.domain import billing, clock
from chalicelib.domain.errors import NotFound
from chalicelib.store import cursors, db, files, keys, tenants

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date

    from chalicelib.domain.access import Principal
    from chalicelib.store.models import BillingDocumentItem, CommentItem

MODULE = "billing"
LATEST_COMMENTS = 5


def account_pk(principal: Principal) -> str:
    return keys.account(principal.tenant, principal.account_id)


def own_contact(principal: Principal, module: str = MODULE) -> str | None:
    """The contact id a query must be limited to (``own`` scope), or None for the whole account."""
    grant = principal.modules.get(module)
    return principal.contact_id if grant is not None and grant.scope == "own" else None


def visible(principal: Principal, item: BillingDocumentItem, module: str = MODULE) -> bool:
    mine = own_contact(principal, module)
    return mine is None or item.contact_id == mine


def today(principal: Principal) -> date:
    return clock.today(principal.timezone)


def open_invoices(principal: Principal) -> list[BillingDocumentItem]:
    """Every invoice of the caller with a balance, by due date: one Query on lsi2."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    db.ready()
    found = BillingDocumentItem.lsi2.query(
        account_pk(principal), BillingDocumentItem.lsi2sk.startswith(keys.UNPAID_LSI_PREFIX),
        consistent_read=True)
    return [item for item in found if isinstance(item, BillingDocumentItem) and visible(principal, item)]


# --- statement -------------------------------------------------------------------------------------------

def _account_header(item: Any) -> dict[str, Any]:
    data = item.data or {}
    return {
        "id": item.account_id,
        **{k: data.get(k) for k in ("name", "tax_id", "tax_id_type", "address", "city", "email", "phone",
                                    "account_executive")},
    }


def _movement_docs(principal: Principal, start: str, end: str) -> Iterator[BillingDocumentItem]:
    """Documents dated ``start``..``end`` (inclusive) in date order, via lsi1."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    for item in BillingDocumentItem.lsi1.query(
        account_pk(principal),
        BillingDocumentItem.lsi1sk.between(keys.movement_lsi_from(start), keys.movement_lsi_through(end)),
        consistent_read=True,
    ):
        if isinstance(item, BillingDocumentItem) and visible(principal, item):
            yield item


def _movement_source(item: BillingDocumentItem) -> dict[str, Any]:
    """What a statement line is made of (:func:`chalicelib.domain.billing.movement`)."""
    return {"id": item.doc_id, "type": item.doc_type, "number": item.number, "issue_date": item.issue_date,
            "total": int(item.total), **(item.data or {})}


def _header_and_months(principal: Principal) -> tuple[Any, list[Any]]:
    """The account item and, for account scope, its monthly totals: one Query on the ACCOUNT prefix."""
    from chalicelib.store.models import AccountItem, MonthTotalItem, PorticoItem  # lazy: keeps import app fast

    pk = account_pk(principal)
    if own_contact(principal) is not None:
        # Month totals cover the whole account; an own-scope statement adds up the contact's documents instead.
        try:
            return AccountItem.get(pk, keys.ACCOUNT_SK, consistent_read=True), []
        except AccountItem.DoesNotExist:
            return None, []
    account_item, months = None, []
    for item in PorticoItem.query(pk, PorticoItem.sk.startswith(keys.ACCOUNT_SK), consistent_read=True):
        if isinstance(item, AccountItem):
            account_item = item
        elif isinstance(item, MonthTotalItem):
            months.append(item)
    return account_item, months


def _open_at(principal: Principal, end: str, currency: str) -> list[BillingDocumentItem]:
    """Invoices issued by ``end`` and not paid by then: unpaid now, or paid after it (one lsi2 range)."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    return [
        item for item in BillingDocumentItem.lsi2.query(
            account_pk(principal), BillingDocumentItem.lsi2sk > keys.paid_after_lsi(end), consistent_read=True)
        if item.currency == currency and item.issue_date <= end and visible(principal, item)
    ]


def _credited_after(principal: Principal, end: str, invoice_ids: set[str]) -> dict[str, int]:
    """Σ credits dated after ``end`` applied to each of ``invoice_ids`` (their balance then = now + these):
    one lsi2 range of small allocation items. A portal payment the ERP posted counts through its receipt."""
    from chalicelib.store.models import AllocationItem  # lazy: keeps import app fast

    credited: dict[str, int] = {}
    for item in AllocationItem.lsi2.query(
        account_pk(principal),
        AllocationItem.lsi2sk.between(keys.allocations_after_lsi(end), keys.ALLOCATION_LSI_END),
        consistent_read=True,
    ):
        if item.invoice_id in invoice_ids and not (item.doc_type == "portal_payment" and item.posted):
            credited[item.invoice_id] = credited.get(item.invoice_id, 0) + int(item.amount)
    return credited


def statement(principal: Principal, period: billing.Period, currency: str | None, *,
              default_currency: str) -> dict[str, Any]:
    """The statement of ``period``. Account scope: 3 Queries (header + month totals, movements, invoices open
    at the end), plus one for credits dated after the end when the period is over. Own scope reads the
    contact's documents from the beginning instead of the account's month totals."""
    db.ready()
    on = today(principal)
    start, end = period.start.isoformat(), period.end.isoformat()
    account_item, months = _header_and_months(principal)
    if account_item is None:
        raise NotFound("Your company's data is not available yet.", code="account_not_found")
    currency = currency or (account_item.data or {}).get("currency") or default_currency
    currencies = {m.currency for m in months}  # the account's currencies, for the statement's currency picker
    opening = sum(int(m.debit) - int(m.credit) for m in months
                  if m.currency == currency and m.month < period.months_before)
    # Movements from the first day the month totals do not cover (all of history for own scope).
    first_day = "0000-00-00" if own_contact(principal) else period.start.replace(day=1).isoformat()
    lines = []
    for item in _movement_docs(principal, first_day, end):
        currencies.add(item.currency)
        if item.currency != currency:
            continue
        line = billing.movement(_movement_source(item))
        if item.issue_date < start:
            opening += line["debit"] - line["credit"]
        else:
            lines.append(line)
    candidates = _open_at(principal, end, currency)
    credited = _credited_after(principal, end, {i.doc_id for i in candidates}) \
        if candidates and period.end < on else {}
    pending = []
    for item in candidates:
        total = int(item.total)
        # Paid after the period with no credit document saying how: it was wholly open then.
        at_end = min(total, int(item.balance or 0) + credited.get(item.doc_id, 0)) or total
        pending.append({"id": item.doc_id, "number": item.number, "issue_date": item.issue_date,
                        "due_date": item.due_date, "total": total, "balance": at_end})
    return billing.statement(
        account=_account_header(account_item), period=period, currency=currency, opening_balance=opening,
        movements=lines, pending=pending, today=on, generated_at=clock.iso(clock.now()), currencies=currencies,
    )


# --- invoices ----------------------------------------------------------------------------------------------

def invoices_page(
    principal: Principal, *, status: str, start: str | None, end: str | None, text: str | None, limit: int,
    cursor: str | None,
) -> tuple[list[BillingDocumentItem], str | None]:
    """A page of the caller's invoices and the next page's cursor: pending by due date, paid by paid date
    (newest first), all by issue date (newest first)."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    db.ready()
    pk = account_pk(principal)
    index: Any
    condition: Any  # one index and condition or the other: lsi1 between dates, lsi2 by prefix
    if status == "all":
        index, index_key = BillingDocumentItem.lsi1, "lsi1sk"
        condition = BillingDocumentItem.lsi1sk.between(keys.movement_lsi_from(start or "0000-00-00"),
                                                       keys.movement_lsi_through(end or "9999-12-31"))
        forward = False
    else:
        index, index_key = BillingDocumentItem.lsi2, "lsi2sk"
        prefix = keys.UNPAID_LSI_PREFIX if status == "pending" else keys.PAID_LSI_PREFIX
        condition = BillingDocumentItem.lsi2sk.startswith(prefix)
        forward = status == "pending"
    needle = text.casefold() if text else None
    listing = json.dumps([status, start, end, needle], separators=(",", ":"))
    start_key = cursors.decode(cursor, pk, index_key, listing) if cursor else None
    rows: list[BillingDocumentItem] = []
    last: BillingDocumentItem | None = None
    next_cursor = None
    for item in index.query(pk, condition, scan_index_forward=forward, consistent_read=True,
                            last_evaluated_key=start_key, page_size=max(limit, 50)):
        if not isinstance(item, BillingDocumentItem) or item.doc_type != "invoice" or not visible(principal, item):
            continue
        if (start and item.issue_date < start) or (end and item.issue_date > end):
            continue
        if needle and needle not in item.number.casefold():
            continue
        if len(rows) == limit:
            next_cursor = cursors.encode(last, index_key, listing) if last else None
            break
        rows.append(item)
        last = item
    return rows, next_cursor


def invoice_with_children(pk: str, invoice_id: str) -> tuple[BillingDocumentItem | None, list[Any], list[CommentItem]]:
    """The invoice of partition ``pk`` (None if absent), its allocations and its comments: one Query (they
    share the invoice's key prefix)."""
    from chalicelib.store.models import (  # lazy: keeps import app fast
        AllocationItem,
        BillingDocumentItem,
        CommentItem,
        PorticoItem,
    )

    db.ready()
    invoice = None
    allocations: list[AllocationItem] = []
    comments: list[CommentItem] = []
    for item in PorticoItem.query(
        pk,
        PorticoItem.sk.between(keys.invoice_children_from(invoice_id), keys.invoice_children_through(invoice_id)),
        consistent_read=True,
    ):
        if isinstance(item, BillingDocumentItem) and item.doc_id == invoice_id and item.doc_type == "invoice":
            invoice = item
        elif isinstance(item, AllocationItem):
            allocations.append(item)
        elif isinstance(item, CommentItem):
            comments.append(item)
    return invoice, allocations, comments


def invoice_children(principal: Principal, invoice_id: str
                     ) -> tuple[BillingDocumentItem, list[Any], list[CommentItem]]:
    """:func:`invoice_with_children` of the caller's own invoice, or 404."""
    invoice, allocations, comments = invoice_with_children(account_pk(principal), invoice_id)
    if invoice is None or not visible(principal, invoice):
        raise NotFound("There is no invoice with that id.", code="document_not_found")
    return invoice, allocations, comments


def erp_pdf_uploaded(invoice: BillingDocumentItem) -> bool:
    """Whether the ERP's PDF is in S3 (``pdf_key`` is set when it asks to upload, not when it has)."""
    return bool(invoice.pdf_key) and files.exists(invoice.pdf_key)


def visible_invoice(principal: Principal, invoice_id: str) -> BillingDocumentItem:
    """The caller's invoice (one GetItem on its own account's partition) or 404."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    db.ready()
    try:
        item = BillingDocumentItem.get(account_pk(principal), keys.document_sk("invoice", invoice_id),
                                       consistent_read=True)
    except BillingDocumentItem.DoesNotExist:
        item = None
    if item is None or not visible(principal, item):
        raise NotFound("There is no invoice with that id.", code="document_not_found")
    return item


# --- dashboard ---------------------------------------------------------------------------------------------

def latest_comments(principal: Principal) -> list[CommentItem]:
    """The newest comments on the caller's invoices (one Query on lsi1's NOTE# range)."""
    from chalicelib.store.models import CommentItem  # lazy: keeps import app fast

    mine = own_contact(principal)
    found = []
    # Account scope: the newest 5 are the answer (one Query). Own scope reads on until 5 of its own are found.
    for item in CommentItem.lsi1.query(
        account_pk(principal), CommentItem.lsi1sk.startswith(keys.COMMENT_LSI_PREFIX), scan_index_forward=False,
        limit=LATEST_COMMENTS if mine is None else None, page_size=LATEST_COMMENTS if mine is None else 100,
        consistent_read=True,
    ):
        if not isinstance(item, CommentItem) or (mine is not None and item.invoice_contact_id != mine):
            continue
        found.append(item)
        if len(found) == LATEST_COMMENTS:
            break
    return found


def set_lsi2(tenant: str, item: BillingDocumentItem, previous: BillingDocumentItem | None,
             credit_dates: list[str]) -> None:
    """Files the invoice as unpaid (by due date) or paid (by the day it was paid) in lsi2.

    The day it was paid: as before if it was already paid, else the date of the latest credit applied to it,
    else today (the day we learned of it)."""
    assert item.due_date is not None
    if (item.balance or 0) > 0:
        item.paid_on = None
        item.lsi2sk = keys.open_invoice_lsi(item.due_date, item.doc_id)
        return
    if previous is not None and previous.paid_on and not previous.balance:
        item.paid_on = previous.paid_on
    else:
        item.paid_on = max(credit_dates) if credit_dates else clock.today(tenants.get(tenant).timezone).isoformat()
    item.lsi2sk = keys.paid_invoice_lsi(item.paid_on, item.doc_id)
