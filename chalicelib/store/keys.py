"""The only place where table keys are spelled. Every partition key starts with the tenant."""

from __future__ import annotations

import hashlib

DOC_PREFIX = {"invoice": "INV", "credit_note": "CN", "debit_note": "DN", "receipt": "RCPT", "portal_payment": "PAY",
              "order": "ORD", "quote": "QUO"}


def tenant(t: str) -> str:
    return f"T#{t}"


def account(t: str, a: str) -> str:
    return f"T#{t}#A#{a}"


def tenant_of(pk: str) -> str:
    """The tenant of any partition key (they all begin ``T#{tenant}``)."""
    return pk.split("#", 2)[1]


def contact(t: str, c: str) -> str:
    return f"T#{t}#C#{c}"


def email_claim(t: str, email: str) -> str:
    return f"T#{t}#EMAIL#{email.lower()}"


def login_lock(t: str, email: str) -> str:
    """Sign-in attempts for an email no portal user has; only its hash is stored."""
    return f"T#{t}#LOGIN#{hashlib.sha256(email.lower().encode()).hexdigest()}"


def events(t: str) -> str:
    return f"T#{t}#EVENTS"


def event_sk(seq: int) -> str:
    return f"EV#{seq:012d}"


def document_index(t: str, doc_type: str, doc_id: str) -> str:
    return f"T#{t}#DOC#{DOC_PREFIX[doc_type]}#{doc_id}"


def document_sk(doc_type: str, doc_id: str) -> str:
    return f"{DOC_PREFIX[doc_type]}#{doc_id}"


# lsi1 orders an account's items by time: statement movements (MOV#) and invoice comments (NOTE#).
MOVEMENT_LSI_PREFIX = "MOV#"
COMMENT_LSI_PREFIX = "NOTE#"


def movement_lsi(date: str, doc_type: str, doc_id: str) -> str:
    return f"MOV#{date}#{DOC_PREFIX[doc_type]}#{doc_id}"


def movement_lsi_from(date: str) -> str:
    """The lowest movement key on ``date`` (inclusive lower bound)."""
    return f"MOV#{date}#"


def movement_lsi_through(date: str) -> str:
    """Above every movement key on ``date`` (inclusive upper bound)."""
    return f"MOV#{date}#~"


def comment_lsi(stamp: str, invoice_id: str, comment_id: str) -> str:
    return f"NOTE#{stamp}#{invoice_id}#{comment_id}"


# lsi2 holds every invoice once: unpaid by due date, paid by the day it was paid. "PAID#" sorts
# before "UNPAID#", so "open at date D" is one range: everything above PAID#{D}~.
UNPAID_LSI_PREFIX = "UNPAID#"
PAID_LSI_PREFIX = "PAID#"


def open_invoice_lsi(due_date: str, doc_id: str) -> str:
    return f"UNPAID#{due_date}#{doc_id}"


def paid_invoice_lsi(paid_on: str, doc_id: str) -> str:
    return f"PAID#{paid_on}#{doc_id}"


def paid_after_lsi(day: str) -> str:
    """Above every invoice paid on or before ``day``: the lower bound of "open at the end of day"."""
    return f"PAID#{day}#~"


# The account item and its monthly totals share the "ACCOUNT" prefix so that one Query reads the
# statement's header and every month's totals (its opening balance).
ACCOUNT_SK = "ACCOUNT"


def month_total_sk(currency: str, month: str) -> str:
    return f"ACCOUNT#MONTH#{currency}#{month}"


# An invoice's allocations and comments sort right after it, so its detail page is one Query.
def invoice_children_from(invoice_id: str) -> str:
    return f"INV#{invoice_id}"


def invoice_children_through(invoice_id: str) -> str:
    # "#" sorts below every other character an id may hold, so INV#{id}#~ is above all children
    # and below a longer id such as INV#{id}0 or INV#{id}-2.
    return f"INV#{invoice_id}#~"


def allocation_sk(invoice_id: str, doc_type: str, doc_id: str) -> str:
    return f"INV#{invoice_id}#ALLOC#{DOC_PREFIX[doc_type]}#{doc_id}"


# Allocations also sit in lsi2 by date (ALLOC# sorts before PAID# and UNPAID#, outside the invoice ranges),
# so "credits applied after a day" reads small allocation items, not whole documents.
ALLOCATION_LSI_END = "ALLOC#~"


def allocation_lsi(date: str, invoice_id: str, doc_type: str, doc_id: str) -> str:
    return f"ALLOC#{date}#{invoice_id}#{DOC_PREFIX[doc_type]}#{doc_id}"


def allocations_after_lsi(day: str) -> str:
    """Above every allocation dated ``day`` or earlier."""
    return f"ALLOC#{day}#~"


def allocation_prefix(invoice_id: str) -> str:
    return f"INV#{invoice_id}#ALLOC#"


def comment_sk(invoice_id: str, stamp: str, comment_id: str) -> str:
    return f"INV#{invoice_id}#NOTE#{stamp}#{comment_id}"


def upload_sk(upload_id: str) -> str:
    return f"UPLOAD#{upload_id}"


def attachment_link_sk(link_id: str) -> str:
    return f"ATTLINK#{link_id}"


def idempotency_sk(scope: str, key_hash: str) -> str:
    return f"IDEMPOTENCY#{scope}#{key_hash}"


def api_key_lookup(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def accounts_of_tenant(t: str) -> str:
    return f"T#{t}#ACCOUNTS"


def contacts_of_account(t: str, a: str) -> str:
    return f"T#{t}#A#{a}#CONTACTS"


TENANT_SK = "TENANT"
CONTACT_SK = "CONTACT"
EMAIL_SK = "EMAIL"
LOGIN_LOCK_SK = "LOCKOUT"
COUNTER_SK = "SEQ"
DOC_INDEX_SK = "DOC"


def rate_sk(kind: str, hour: str) -> str:
    """An hourly counter of ``kind`` (under the tenant or the contact it limits); ``hour`` is ``YYYY-MM-DDTHH``."""
    return f"RATE#{kind}#{hour}"


def session_sk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def password_token_sk(token_id: str) -> str:
    return f"PWTOKEN#{token_id}"


def api_key_sk(key_id: str) -> str:
    return f"APIKEY#{key_id}"


def payment_sk(payment_id: str) -> str:
    return f"PAYMENT#{payment_id}"


PAYMENT_PREFIX = "PAYMENT#"


def payment_reference(t: str, reference: str) -> str:
    return f"T#{t}#PAYREF#{reference}"


PAYMENT_REFERENCE_SK = "PAYREF"

# The reconciler's queue spans tenants (one schedule checks them all), so its partition is global; each
# entry's sort key carries the tenant. Like APIKEY#, documented in docs/decisions.md.
RECONCILE_QUEUE = "RECONCILE"


def reconcile_sk(next_check_at: str, t: str, payment_id: str) -> str:
    return f"{next_check_at}#{t}#{payment_id}"


def portal_allocation_prefix(invoice_id: str) -> str:
    return f"INV#{invoice_id}#ALLOC#PAY#"


# --- payment reminders (issue 11, point 14) --------------------------------------------------------------------

# The daily reminder run lists every tenant: tenant items sit in gsi1 under this one global partition (sort key
# T#{tenant}), like APIKEY# and RECONCILE a key that does not start with a tenant (docs/decisions.md).
TENANTS_INDEX = "TENANTS"


def tenant_index_sk(t: str) -> str:
    return f"T#{t}"


def open_invoices_due_from(due_date: str) -> str:
    """The lowest lsi2 key of an invoice open and due on ``due_date`` (inclusive lower bound)."""
    return f"UNPAID#{due_date}#"


def open_invoices_due_through(due_date: str) -> str:
    """Above every lsi2 key of an invoice open and due on ``due_date`` (inclusive upper bound)."""
    return f"UNPAID#{due_date}#~"


def reminder_sk(invoice_id: str, due_date: str, step: int) -> str:
    """In the contact's partition: that the contact was reminded of ``invoice_id`` (due ``due_date``) at ``step``."""
    return f"REMINDER#{invoice_id}#{due_date}#{step}"


def reminder_opt_out_sk(token_id: str) -> str:
    """In the contact's partition: the token of a mailed one-click opt-out link."""
    return f"OPTOUT#{token_id}"


# --- sales (issue 13) -----------------------------------------------------------------------------------------------

def catalog(t: str) -> str:
    """The tenant's products and price lists: one partition, so a catalog page is one Query."""
    return f"T#{t}#CATALOG"


PRODUCT_PREFIX = "PRODUCT#"


def product_sk(sku: str) -> str:
    return f"PRODUCT#{sku}"


def price_list_sk(list_id: str) -> str:
    return f"PRICELIST#{list_id}"


CART_SK = "CART"  # in the contact's partition
PURCHASED_SK = "PURCHASED"  # in the account's partition
ORDER_PREFIX = "ORDER#"
QUOTE_PREFIX = "QUOTE#"
ORDER_LSI_PREFIX = "ORDER#"
QUOTE_LSI_PREFIX = "QUOTE#"


def order_sk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def order_lsi(stamp: str, order_id: str) -> str:
    """lsi1: an account's orders newest first."""
    return f"ORDER#{stamp}#{order_id}"


def quote_sk(quote_id: str) -> str:
    return f"QUOTE#{quote_id}"


def quote_lsi(issue_date: str, quote_id: str) -> str:
    """lsi1: an account's quotes by issue date."""
    return f"QUOTE#{issue_date}#{quote_id}"


def quote_request_sk(request_id: str) -> str:
    return f"QREQ#{request_id}"


QUOTE_REQUEST_LSI_PREFIX = "QREQ#"


def quote_request_lsi(stamp: str, request_id: str) -> str:
    """lsi1: an account's quote requests newest first."""
    return f"QREQ#{stamp}#{request_id}"
# --- support cases and the knowledge base (issue 14) -------------------------------------------------------------

def cases_counter(t: str) -> str:
    """The tenant's case-number counter (sort key :data:`COUNTER_SK`), written with every new case."""
    return f"T#{t}#CASES"


def case_sk(case_id: str) -> str:
    return f"CASE#{case_id}"


def case_children_from(case_id: str) -> str:
    return f"CASE#{case_id}"


def case_children_through(case_id: str) -> str:
    return f"CASE#{case_id}#~"  # "#" sorts below the digits of a longer number


def case_comment_sk(case_id: str, stamp: str, comment_id: str) -> str:
    return f"CASE#{case_id}#NOTE#{stamp}#{comment_id}"


# lsi1 lists an account's cases by when they were opened; lsi2 holds the open ones, oldest first (CASEOPEN#
# sorts before PAID# and after ALLOC#, outside the invoice ranges).
CASE_LSI_PREFIX = "CASE#"
OPEN_CASE_LSI_PREFIX = "CASEOPEN#"


def case_lsi(created_at: str, case_id: str) -> str:
    return f"CASE#{created_at}#{case_id}"


def case_lsi_from(day: str) -> str:
    return f"CASE#{day}"


def case_lsi_through(day: str) -> str:
    return f"CASE#{day}~"


def open_case_lsi(created_at: str, case_id: str) -> str:
    return f"CASEOPEN#{created_at}#{case_id}"


def kb_article_sk(article_id: str) -> str:
    """Under the tenant's partition: an article's body and counts."""
    return f"KB#{article_id}"


def kb_index(t: str) -> str:
    """The tenant's search index: one small item an article (its terms), read whole by one Query."""
    return f"T#{t}#KBINDEX"


def kb_vote_sk(article_id: str) -> str:
    """Under the contact's partition: the contact's vote on an article."""
    return f"KBVOTE#{article_id}"


def case_index(t: str, case_id: str) -> str:
    """Tenant-wide: which account a case number belongs to (sort key :data:`DOC_INDEX_SK`)."""
    return f"T#{t}#CASEID#{case_id}"
