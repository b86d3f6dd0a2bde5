"""The single DynamoDB table, as PynamoDB models: one base model, one subclass an entity.

Keys are built only by :mod:`chalicelib.store.keys`. Every table key begins with the tenant.
Indexes:

- ``gsi1`` (sparse, generic): API key hash → key; account → contacts; tenant → accounts; every tenant.
- ``gsi2`` (sparse): cross-account work queues (payments awaiting reconciliation by ``next_check_at``).
- ``lsi1`` (sparse, per account): statement movements by date (``MOV#``), invoice comments by time (``NOTE#``).
- ``lsi2`` (sparse, per account): invoices, unpaid by due date (``UNPAID#``), paid by the day they were paid
  (``PAID#``).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model


class Gsi1(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Gsi2(GlobalSecondaryIndex):
    class Meta:
        index_name = "gsi2"
        projection = KeysOnlyProjection()

    gsi2pk = UnicodeAttribute(hash_key=True)
    gsi2sk = UnicodeAttribute(range_key=True)


class Lsi1(LocalSecondaryIndex):
    class Meta:
        index_name = "lsi1"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    lsi1sk = UnicodeAttribute(range_key=True)


class Lsi2(LocalSecondaryIndex):
    class Meta:
        index_name = "lsi2"
        projection = AllProjection()

    pk = UnicodeAttribute(hash_key=True)
    lsi2sk = UnicodeAttribute(range_key=True)


class PorticoItem(Model):
    """Base of every stored item. ``Meta`` is bound to the stage's table by :func:`store.db.bind`."""

    class Meta:
        table_name = "portico-unbound"
        # PynamoDB's defaults (15 s / 30 s / 3 retries) outlive API Gateway's 29 s.
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 2
        billing_mode = "PAY_PER_REQUEST"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    lsi1sk = UnicodeAttribute(null=True)
    lsi2sk = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    # Epoch seconds; DynamoDB TTL only cleans up, expiry is always checked in code.
    ttl = NumberAttribute(null=True)

    gsi1 = Gsi1()
    gsi2 = Gsi2()
    lsi1 = Lsi1()
    lsi2 = Lsi2()


class TenantItem(PorticoItem, discriminator="Tenant"):
    slug = UnicodeAttribute()
    name = UnicodeAttribute()
    timezone = UnicodeAttribute(default="America/Bogota")
    portal_url = UnicodeAttribute()
    currency = UnicodeAttribute(default="COP")
    modules = UnicodeSetAttribute(null=True)
    branding = JSONAttribute(null=True)
    # {"gateways": {"payu": {"test": true}}, "partial_payments": false}; credentials live in SSM.
    payments = JSONAttribute(null=True)
    # Payment reminders: {"enabled": true, "offsets": [-3, 0, 7, 15]}; absent = the default schedule, on.
    reminders = JSONAttribute(null=True)
    # Sales (issue 13): catalog visibility, default price list, order guardrails (domain/sales.py sales_settings).
    sales = JSONAttribute(null=True)
    # Support: {"desk_email": "soporte@...", "reopen_days": 7, "categories": [...]}; absent = the defaults.
    support = JSONAttribute(null=True)


class ApiKeyItem(PorticoItem, discriminator="ApiKey"):
    tenant = UnicodeAttribute()
    key_id = UnicodeAttribute()
    label = UnicodeAttribute()
    key_hash = UnicodeAttribute()
    hint = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)


class AccountItem(PorticoItem, discriminator="Account"):
    account_id = UnicodeAttribute()
    data = JSONAttribute()


class ContactItem(PorticoItem, discriminator="Contact"):
    contact_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    portal = JSONAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    password_set_at = UnicodeAttribute(null=True)
    invited_at = UnicodeAttribute(null=True)
    # Sign-in attempts counted (before the password check) since the streak began, and when the latest began;
    # a success clears both. At MAX_FAILED_LOGINS the contact is locked until last_failed_at + LOCK_MINUTES.
    failed_logins = NumberAttribute(default=0)
    last_failed_at = UnicodeAttribute(null=True)
    # Sessions created before this instant are revoked (grant or password change, sign-out everywhere).
    sessions_valid_after = UnicodeAttribute(null=True)
    # The newest set-password link (invitation or reset); removed when the password, email or account
    # changes. Any other link of the contact is stale.
    password_token_id = UnicodeAttribute(null=True)

    # The contact turned payment reminders off (profile switch or the mail's link); absent = they get them.
    reminders_opted_out_at = UnicodeAttribute(null=True)
    # The contact's notification switches, kind → on/off (domain/notifications.KINDS); a missing kind is its
    # default. Read with domain.notifications.wants.
    notifications = JSONAttribute(null=True)


class LoginLockItem(PorticoItem, discriminator="LoginLock"):
    """Counted sign-in attempts for an email no portal user has (keyed by its hash), so that it is locked
    exactly like a contact (``ContactItem.failed_logins``) and a 429 reveals nothing. TTL one day."""

    failed_logins = NumberAttribute(default=0)
    last_failed_at = UnicodeAttribute(null=True)


class EmailClaimItem(PorticoItem, discriminator="EmailClaim"):
    """Makes a portal user's email unique per tenant (conditional put), and finds them at sign-in."""

    contact_id = UnicodeAttribute()


class SessionItem(PorticoItem, discriminator="Session"):
    session_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    last_seen_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
    user_agent = UnicodeAttribute(null=True)
    ip = UnicodeAttribute(null=True)


class PasswordTokenItem(PorticoItem, discriminator="PasswordToken"):
    token_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    purpose = UnicodeAttribute()
    expires_at = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)
    # Whom the link was mailed to: it works only while the contact still has this email and account.
    email = UnicodeAttribute(null=True)
    account_id = UnicodeAttribute(null=True)


class RateCounterItem(PorticoItem, discriminator="RateCounter"):
    """How many of something (reset mails, invitations) were taken in one hour; TTL a day after it."""

    taken = NumberAttribute(default=0)


class EventCounterItem(PorticoItem, discriminator="EventCounter"):
    seq = NumberAttribute(default=0)


class EventItem(PorticoItem, discriminator="Event"):
    seq = NumberAttribute()
    type = UnicodeAttribute()
    occurred_at = UnicodeAttribute()
    account_id = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute(null=True)
    data = JSONAttribute(null=True)


class DocumentIndexItem(PorticoItem, discriminator="DocumentIndex"):
    """Tenant-wide owner of a document id, so an id cannot move between accounts."""

    account_id = UnicodeAttribute()


class BillingDocumentItem(PorticoItem, discriminator="BillingDocument"):
    """An invoice, credit note, debit note or receipt: a movement of the account statement."""

    doc_type = UnicodeAttribute()
    doc_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    contact_id = UnicodeAttribute(null=True)
    number = UnicodeAttribute()
    issue_date = UnicodeAttribute()
    due_date = UnicodeAttribute(null=True)
    currency = UnicodeAttribute()
    total = NumberAttribute()
    balance = NumberAttribute(null=True)
    data = JSONAttribute(null=True)
    pdf_key = UnicodeAttribute(null=True)
    pdf_uploaded = BooleanAttribute(null=True)
    # Invoices only: the day the balance reached zero (statements list what was open at a past date).
    paid_on = UnicodeAttribute(null=True)
    # A payment proof was posted and the ERP has not yet changed the balance or answered.
    proof_received_at = UnicodeAttribute(null=True)
    # The live portal checkout holding this invoice (payments).
    checkout_payment_id = UnicodeAttribute(null=True)
    # The balance as the ERP last sent it; ``balance`` is it minus approved portal payments not yet posted.
    erp_balance = NumberAttribute(null=True)
    version = VersionAttribute()


class MonthTotalItem(PorticoItem, discriminator="MonthTotal"):
    """Σ debit and Σ credit of an account's movements in one month and currency (opening balances)."""

    currency = UnicodeAttribute()
    month = UnicodeAttribute()
    debit = NumberAttribute(default=0)
    credit = NumberAttribute(default=0)


class AllocationItem(PorticoItem, discriminator="Allocation"):
    """A credit document (receipt, credit note) or an approved portal payment applied to one invoice."""

    invoice_id = UnicodeAttribute()
    doc_type = UnicodeAttribute()
    doc_id = UnicodeAttribute()
    number = UnicodeAttribute()
    date = UnicodeAttribute()
    currency = UnicodeAttribute()
    amount = NumberAttribute()
    # Portal payments only: False until the ERP posts a receipt with the payment's reference.
    posted = BooleanAttribute(null=True)


class CommentItem(PorticoItem, discriminator="Comment"):
    """A note on an invoice by a contact (possibly a payment proof) or by the tenant's staff."""

    comment_id = UnicodeAttribute()
    invoice_id = UnicodeAttribute()
    invoice_number = UnicodeAttribute()
    author_type = UnicodeAttribute()  # "contact" or "staff"
    author_name = UnicodeAttribute()
    contact_id = UnicodeAttribute(null=True)
    # The invoice's contact, so an own-scope dashboard can pick comments on its invoices from lsi1.
    invoice_contact_id = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    payment_proof = BooleanAttribute(default=False)
    attachments = JSONAttribute(null=True)


class UploadItem(PorticoItem, discriminator="Upload"):
    """A file a contact is uploading through a presigned PUT; a comment claims it once."""

    upload_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    key = UnicodeAttribute()
    used_at = UnicodeAttribute(null=True)
    used_by = UnicodeAttribute(null=True)


class AttachmentLinkItem(PorticoItem, discriminator="AttachmentLink"):
    """A mailed link to an attachment: the portal trades it for a short presigned URL while it lasts
    (mail never carries presigned URLs, whose life a Lambda's temporary credentials cut short)."""

    link_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    key = UnicodeAttribute()
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    expires_at = UnicodeAttribute()


class IdempotencyItem(PorticoItem, discriminator="Idempotency"):
    """The first result of a create request sent with an ``Idempotency-Key`` (written with the result)."""

    request_hash = UnicodeAttribute()
    status = NumberAttribute()
    result = JSONAttribute()


class PaymentItem(PorticoItem, discriminator="Payment"):
    """An online payment of some invoices (DESIGN §5). ``gsi2`` holds it while live, by ``next_check_at``."""

    payment_id = UnicodeAttribute()
    reference = UnicodeAttribute()
    gateway = UnicodeAttribute()
    account_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    status = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    items = JSONAttribute()  # [{invoice_id, number, amount}]
    method = UnicodeAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
    cus = UnicodeAttribute(null=True)
    bank = UnicodeAttribute(null=True)
    checkout = JSONAttribute(null=True)
    # Each entry a JSON object as a string: a list of strings can be appended to atomically (list_append).
    timeline = ListAttribute(of=UnicodeAttribute, default=list)
    timeline_omitted = NumberAttribute(null=True)  # older entries dropped to keep the item small
    last_queried_at = UnicodeAttribute(null=True)  # the last gateway query a callback asked for
    contact_checked_at = UnicodeAttribute(null=True)  # the last "check now" of a contact (once a minute)
    next_check_at = UnicodeAttribute(null=True)
    checked_at = UnicodeAttribute(null=True)  # the last automatic check (the reconciler's)
    checks = NumberAttribute(default=0)
    pending_code = UnicodeAttribute(null=True)  # the timeline code of the last live report (what it waits for)
    failures = NumberAttribute(null=True)  # checks in a row the gateway did not answer
    unanswered_since = UnicodeAttribute(null=True)  # the first of those
    final_at = UnicodeAttribute(null=True)
    review_reason = UnicodeAttribute(null=True)
    posted_by = UnicodeAttribute(null=True)  # the ERP receipt that posted it (balance truth)
    # A second approved transaction for the reference is a payment of its own, in review: it names the
    # original (duplicate_of), and the original lists the transactions found so (each recorded once).
    duplicate_of = UnicodeAttribute(null=True)
    duplicate_transactions = UnicodeSetAttribute(null=True)


class PaymentReferenceItem(PorticoItem, discriminator="PaymentReference"):
    """Tenant-wide: a gateway reference → its payment (confirmations carry only the reference)."""

    account_id = UnicodeAttribute()
    payment_id = UnicodeAttribute()


class ReminderItem(PorticoItem, discriminator="Reminder"):
    """That a contact was reminded of one invoice at one step of its due date: written (conditionally, once) in the
    transaction of the ``reminder.sent`` event, before the mail, so no rerun or retry mails it again."""

    invoice_id = UnicodeAttribute()
    due_date = UnicodeAttribute()
    step = NumberAttribute()
    sent_on = UnicodeAttribute()  # the tenant's day of the run


class ReminderOptOutItem(PorticoItem, discriminator="ReminderOptOut"):
    """The token of a reminder mail's one-click opt-out link (only its hash is stored)."""

    token_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    expires_at = UnicodeAttribute()


# --- sales (issue 13) ---------------------------------------------------------------------------------------------

class ProductItem(PorticoItem, discriminator="Product"):
    """A product or service of the tenant's catalog (partition ``T#{t}#CATALOG``). ``prices`` holds, per price
    list id, that list's tiers for this SKU with the list's currency and validity, so that a catalog page is one
    Query and prices need no second read; the price list item is the source those entries are written from."""

    sku = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    product_kind = UnicodeAttribute()  # "product" or "service" (``kind`` is the discriminator)
    unit = UnicodeAttribute()
    category = UnicodeAttribute(null=True)
    tax_rate = NumberAttribute()  # basis points: 1900 = 19 %
    attributes = JSONAttribute(null=True)
    image_url = UnicodeAttribute(null=True)
    image_key = UnicodeAttribute(null=True)
    active = BooleanAttribute(default=True)
    stock = NumberAttribute(null=True)
    search = UnicodeAttribute()  # folded text the catalog search matches (domain/sales.py search_text)
    # {list_id: {currency, valid_from, valid_to, tiers: [[min_qty, unit_price]]}}
    prices: MapAttribute[str, Any] = MapAttribute(null=True)


class PriceListItem(PorticoItem, discriminator="PriceList"):
    """A price list as the ERP pushed it (partition ``T#{t}#CATALOG``): ``items`` {sku: [[min_qty, unit_price]]}."""

    list_id = UnicodeAttribute()
    name = UnicodeAttribute()
    currency = UnicodeAttribute()
    valid_from = UnicodeAttribute(null=True)
    valid_to = UnicodeAttribute(null=True)
    items = JSONAttribute()


class CartItem(PorticoItem, discriminator="Cart"):
    """A contact's cart (in the contact's partition, so it follows them across devices): ``lines`` [[sku, qty]].
    ``rev`` counts its changes; placing an order empties it only if it is still the cart that was priced."""

    lines = JSONAttribute()
    rev = NumberAttribute(default=0)


class PurchasedItem(PorticoItem, discriminator="Purchased"):
    """The SKUs an account was quoted or ordered (catalog visibility ``purchased``)."""

    skus = UnicodeSetAttribute(null=True)


class OrderItem(PorticoItem, discriminator="Order"):
    """An order placed from the cart or an accepted quote, prices frozen. ``lsi1`` lists them newest first."""

    order_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    contact_name = UnicodeAttribute()
    status = UnicodeAttribute()
    currency = UnicodeAttribute()
    lines = JSONAttribute()
    subtotal = NumberAttribute()
    tax = NumberAttribute()
    total = NumberAttribute()
    details = JSONAttribute(null=True)  # po_number, notes, delivery_address, requested_date
    source = UnicodeAttribute()  # "cart" or "quote"
    quote_id = UnicodeAttribute(null=True)
    timeline = JSONAttribute()  # [{at, status, by, reason?, note?, tracking?}]
    placed_at = UnicodeAttribute()


class QuoteItem(PorticoItem, discriminator="Quote"):
    """A quote the business sent (pushed by the ERP); the contact's acceptance or rejection is recorded on it."""

    quote_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    contact_id = UnicodeAttribute(null=True)
    number = UnicodeAttribute()
    issue_date = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    currency = UnicodeAttribute()
    status = UnicodeAttribute()
    lines = JSONAttribute()
    subtotal = NumberAttribute()
    tax = NumberAttribute()
    total = NumberAttribute()
    data = JSONAttribute(null=True)  # notes, terms, salesperson
    pdf_key = UnicodeAttribute(null=True)
    acceptance = JSONAttribute(null=True)  # {name, po_number, note, contact_id, contact_name, at, ip, user_agent}
    rejection = JSONAttribute(null=True)  # {reason, contact_id, contact_name, at, ip}
    order_id = UnicodeAttribute(null=True)
    notified_at = UnicodeAttribute(null=True)  # the contact was mailed that the quote is there


class QuoteRequestItem(PorticoItem, discriminator="QuoteRequest"):
    """A contact asked for a quote: the cart's lines and/or a free text, with attachments."""

    request_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    contact_name = UnicodeAttribute()
    text = UnicodeAttribute(null=True)
    lines = JSONAttribute(null=True)
    attachments = JSONAttribute(null=True)
class CaseCounterItem(PorticoItem, discriminator="CaseCounter"):
    """The tenant's last case number; each new case moves it by one in the case's own transaction."""

    seq = NumberAttribute(default=0)


class CaseItem(PorticoItem, discriminator="Case"):
    """A support case of an account (module ``cases``). ``lsi1``: by opening time; ``lsi2``: while open."""

    case_id = UnicodeAttribute()  # its number, CAS-000123
    account_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    contact_name = UnicodeAttribute()
    subject = UnicodeAttribute()
    description = UnicodeAttribute()
    category = UnicodeAttribute()
    priority = UnicodeAttribute()
    status = UnicodeAttribute()
    assignee = UnicodeAttribute(null=True)
    attachments = JSONAttribute(null=True)
    suggested_articles = ListAttribute(of=UnicodeAttribute, null=True)  # shown by the form (deflection)
    comments = NumberAttribute(default=0)
    first_response_at = UnicodeAttribute(null=True)
    resolved_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    reopened_at = UnicodeAttribute(null=True)
    reopen_count = NumberAttribute(default=0)
    rating = NumberAttribute(null=True)
    resolution_feedback = UnicodeAttribute(null=True)
    version = VersionAttribute()


class CaseCommentItem(PorticoItem, discriminator="CaseComment"):
    """One message of a case's thread: the customer's, or staff's (``internal`` ones never reach the portal)."""

    comment_id = UnicodeAttribute()
    case_id = UnicodeAttribute()
    author_type = UnicodeAttribute()  # "contact" or "staff"
    author_name = UnicodeAttribute()
    contact_id = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    internal = BooleanAttribute(default=False)
    attachments = JSONAttribute(null=True)


class KbArticleItem(PorticoItem, discriminator="KbArticle"):
    """A knowledge-base article as the integrator pushed it, with its helpful votes."""

    article_id = UnicodeAttribute()
    title = UnicodeAttribute()
    body_markdown = UnicodeAttribute()
    category = UnicodeAttribute()
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    audience = JSONAttribute(null=True)
    published = BooleanAttribute(default=True)
    helpful = NumberAttribute(default=0)
    not_helpful = NumberAttribute(default=0)
    deflections = NumberAttribute(default=0)  # votes that said the article spared opening a case


class KbIndexItem(PorticoItem, discriminator="KbIndex"):
    """An article in the tenant's search index: what search and the list need, no body."""

    article_id = UnicodeAttribute()
    title = UnicodeAttribute()
    category = UnicodeAttribute()
    audience = JSONAttribute(null=True)
    published = BooleanAttribute(default=True)
    terms = UnicodeAttribute()  # knowledge.encode_terms
    snippet = UnicodeAttribute()


class KbVoteItem(PorticoItem, discriminator="KbVote"):
    helpful = BooleanAttribute()
    deflected = BooleanAttribute(default=False)
