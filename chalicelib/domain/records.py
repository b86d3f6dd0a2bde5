"""What integrators push: accounts, contacts and the billing documents of the account statement."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.domain.access import Grant, read_grant
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.tax_ids import TAX_ID_TYPES, nit_problem
from chalicelib.domain.validation import CURRENCY_RE, ID_RE, PHONE_RE, Reader

if TYPE_CHECKING:
    from datetime import date

LANGUAGES = ("es-CO", "en")
DOCUMENT_TYPES = ("invoice", "credit_note", "debit_note", "receipt")
# Debit documents raise what the customer owes; credit documents lower it.
DEBIT_TYPES = frozenset({"invoice", "debit_note"})
CREDIT_TYPES = frozenset({"credit_note", "receipt", "portal_payment"})
MAX_APPLIED = 40  # one transaction holds at most 100 writes; leave room for totals and events
# A document is one DynamoDB item, and DynamoDB counts it together with its copies in the two local secondary
# indexes (both project every attribute) against the 400 KB item limit: three copies. Its lines and other details
# are stored as JSON with non-ASCII escaped (six bytes for "€"), so 200 long lines can pass every field limit and
# still not fit. This is their budget, with room for the other attributes (found by the ddblocal tier: moto stores
# any size; DynamoDB Local refuses the write).
MAX_STORED_DETAILS_BYTES = 120_000


def debit_credit(doc_type: str, total: int) -> tuple[int, int]:
    """A document's movement in the statement: (debit, credit)."""
    return (total, 0) if doc_type in DEBIT_TYPES else (0, total)


def _person(reader: Reader | None, *, email_required: bool = False) -> dict[str, str] | None:
    if reader is None:
        return None
    person = {
        "name": reader.text("name", required=True, max_len=120),
        "email": reader.email("email", required=email_required),
        "phone": reader.text("phone", max_len=25, pattern=PHONE_RE, message="must be a phone number"),
    }
    return {k: v for k, v in person.items() if v}


def read_account(body: object, *, default_currency: str) -> dict[str, Any]:
    r = Reader(body)
    tax_id_type = r.choice("tax_id_type", TAX_ID_TYPES, default="NIT")
    tax_id = r.text("tax_id", required=True, max_len=20)
    if tax_id and tax_id_type == "NIT" and (problem := nit_problem(tax_id)):
        r.fail("tax_id", problem)
    account = {
        "name": r.text("name", required=True, max_len=200),
        "tax_id": tax_id,
        "tax_id_type": tax_id_type,
        "email": r.email("email"),
        "phone": r.text("phone", max_len=25, pattern=PHONE_RE, message="must be a phone number"),
        "address": r.text("address", max_len=300, multiline=True),
        "city": r.text("city", max_len=100),
        "currency": r.text("currency", max_len=3, pattern=CURRENCY_RE, message="must be an ISO 4217 code like COP")
        or default_currency,
        "credit_limit": r.integer("credit_limit", minimum=0),
        # The account's own price list (issue 13); without one, or outside its dates, the tenant's default applies.
        "price_list_id": r.text("price_list_id", max_len=64, pattern=ID_RE, message="must be a price list id"),
        "account_executive": _person(r.obj("account_executive"), email_required=True),
        # Payment reminders to the account's contacts (issue 11): the integrator may turn them off.
        "reminders": r.boolean("reminders", default=True),
    }
    r.finish()
    return account


@dataclass(frozen=True, slots=True)
class ContactRecord:
    account_id: str
    name: str
    email: str | None
    phone: str | None
    language: str | None
    grant: Grant | None


def read_contact(body: object, *, today: date, previous: Grant | None) -> ContactRecord:
    r = Reader(body)
    account_id = r.text("account_id", required=True, max_len=64, pattern=ID_RE, message="must be an account id")
    name = r.text("name", required=True, max_len=120)
    email = r.email("email")
    phone = r.text("phone", max_len=25, pattern=PHONE_RE, message="must be a phone number")
    language = r.choice("language", LANGUAGES)
    portal = r.obj("portal")
    grant = read_grant(portal, today=today, previous=previous) if portal is not None else None
    if grant is not None and grant.enabled and not email:
        r.fail("email", "is required when portal access is enabled (it is the login)")
    r.finish()
    assert account_id is not None and name is not None  # finish() raised otherwise
    return ContactRecord(account_id=account_id, name=name, email=email, phone=phone, language=language, grant=grant)


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """A movement of the statement as pushed by the ERP; amounts are integer minor units."""

    doc_type: str
    account_id: str
    contact_id: str | None
    number: str
    issue_date: str
    currency: str
    total: int
    due_date: str | None = None
    balance: int | None = None
    applied_to: tuple[tuple[str, int], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def movement(self) -> tuple[int, int]:
        return debit_credit(self.doc_type, self.total)


def read_document(doc_type: str, body: object) -> DocumentRecord:
    r = Reader(body)
    account_id = r.text("account_id", required=True, max_len=64, pattern=ID_RE, message="must be an account id")
    contact_id = r.text("contact_id", max_len=64, pattern=ID_RE, message="must be a contact id")
    number = r.text("number", required=True, max_len=40)
    issue_date = r.date("issue_date", required=True)
    currency = r.text("currency", required=True, max_len=3, pattern=CURRENCY_RE, message="must be an ISO 4217 code")
    total = r.integer("total", required=True, minimum=0)
    extra: dict[str, Any] = {}
    due_date = balance = None
    applied: list[tuple[str, int]] = []
    if doc_type == "invoice":
        due_date = r.date("due_date", required=True)
        if due_date and issue_date and due_date < issue_date:
            r.fail("due_date", "must not be before issue_date")
        balance = r.integer("balance", required=True, minimum=0)
        if balance is not None and total is not None and balance > total:
            r.fail("balance", "must not exceed total")
        extra["tax"] = r.integer("tax", minimum=0)
        extra["salesperson"] = _person(r.obj("salesperson"), email_required=True)
        extra["lines"] = [_line(line) for line in r.items("lines", max_items=200)]
        extra["description"] = r.text("description", max_len=500, multiline=True)
    else:
        extra["reason"] = r.text("reason", max_len=500, multiline=True)
        if doc_type == "receipt":
            extra["method"] = r.text("method", max_len=60)
            # The reference of a portal payment this receipt posts (DESIGN §5, balance truth).
            extra["reference"] = r.text("reference", max_len=80)
        for item in r.items("applied_to", max_items=MAX_APPLIED):
            invoice_id = item.text("invoice_id", required=True, max_len=64, pattern=ID_RE, message="must be an id")
            amount = item.integer("amount", required=True, minimum=1)
            item.finish()
            if invoice_id and amount:
                applied.append((invoice_id, amount))
        if len({i for i, _ in applied}) != len(applied):
            r.fail("applied_to", "names an invoice more than once")
        if total is not None and sum(a for _, a in applied) > total:
            r.fail("applied_to", "applies more than the document's total")
    stored = len(json.dumps(extra).encode())
    if stored > MAX_STORED_DETAILS_BYTES:
        r.fail("lines" if extra.get("lines") else "reason",
               f"the document's details take {stored // 1000} KB once stored; at most "
               f"{MAX_STORED_DETAILS_BYTES // 1000} KB (send fewer or shorter lines)")
    r.finish()
    assert account_id and number and issue_date and currency and total is not None
    return DocumentRecord(
        doc_type=doc_type,
        account_id=account_id,
        contact_id=contact_id,
        number=number,
        issue_date=issue_date.isoformat(),
        due_date=due_date.isoformat() if due_date else None,
        currency=currency,
        total=total,
        balance=balance,
        applied_to=tuple(applied),
        extra={k: v for k, v in extra.items() if v not in (None, [])},
    )


def _line(r: Reader) -> dict[str, Any]:
    quantity = r.raw("quantity")
    if quantity is None:
        r.fail("quantity", "is required")
    elif isinstance(quantity, bool) or not isinstance(quantity, int | float) or quantity < 0:
        r.fail("quantity", "must be a non-negative number")
    line = {
        "description": r.text("description", required=True, max_len=300, multiline=True),
        "quantity": quantity,
        "unit_price": r.integer("unit_price", required=True),
        "total": r.integer("total", required=True),
    }
    # The catalog SKU of the line, when the ERP knows it (issue 13: catalog visibility "purchased").
    sku = r.text("sku", max_len=64, pattern=ID_RE, message="must be a SKU")
    return {**line, "sku": sku} if sku else line


# --- batch sync (POST /v1/integration/batch) ------------------------------------------------------------------------

BATCH_TYPES = ("account", "contact", "invoice", "credit_note", "debit_note", "receipt")
MAX_BATCH_ITEMS = 100


@dataclass(frozen=True, slots=True)
class BatchEntry:
    """One item of a batch: what to write, or why it cannot be (``problem``: a 422 for this item only)."""

    type: str | None
    id: str | None
    data: Any
    problem: ValidationFailed | None = None


def read_batch(body: object) -> list[BatchEntry]:
    """The batch's items, in order. 422 for the whole request only when it is not ``{"items": [1-100 items]}``;
    an item without a known ``type``, a valid ``id`` or an object ``data`` fails alone."""
    if not isinstance(body, dict):
        raise ValidationFailed({"items": f"send {{\"items\": [...]}} with 1 to {MAX_BATCH_ITEMS} items"})
    unknown = {name: "is not a known field" for name in body if name != "items"}
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH_ITEMS:
        count = f"{len(items)} items" if isinstance(items, list) else "not a list"
        raise ValidationFailed({**unknown, "items": f"must be a list of 1 to {MAX_BATCH_ITEMS} items, not {count}"})
    if unknown:
        raise ValidationFailed(unknown)
    return [_batch_entry(item) for item in items]


def _batch_entry(item: object) -> BatchEntry:
    if not isinstance(item, dict):
        return BatchEntry(None, None, None, ValidationFailed({"item": "must be an object with type, id and data"}))
    kind, item_id, data = item.get("type"), item.get("id"), item.get("data")
    problems = {name: "is not a known field" for name in item if name not in ("type", "id", "data")}
    if kind not in BATCH_TYPES:
        problems["type"] = f"must be one of {', '.join(BATCH_TYPES)}"
    if not isinstance(item_id, str) or not ID_RE.fullmatch(item_id):
        problems["id"] = "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter/digit"
    if not isinstance(data, dict):
        problems["data"] = "must be an object: the body its single endpoint takes"
    return BatchEntry(kind if isinstance(kind, str) else None, item_id if isinstance(item_id, str) else None, data,
                      ValidationFailed(problems) if problems else None)
