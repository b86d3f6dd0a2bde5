"""The only place where table keys are spelled. Every partition key starts with the tenant."""

from __future__ import annotations

DOC_PREFIX = {"invoice": "INV", "credit_note": "CN", "debit_note": "DN", "receipt": "RCPT"}


def tenant(t: str) -> str:
    return f"T#{t}"


def account(t: str, a: str) -> str:
    return f"T#{t}#A#{a}"


def contact(t: str, c: str) -> str:
    return f"T#{t}#C#{c}"


def email_claim(t: str, email: str) -> str:
    return f"T#{t}#EMAIL#{email.lower()}"


def events(t: str) -> str:
    return f"T#{t}#EVENTS"


def event_sk(seq: int) -> str:
    return f"EV#{seq:012d}"


def document_index(t: str, doc_type: str, doc_id: str) -> str:
    return f"T#{t}#DOC#{DOC_PREFIX[doc_type]}#{doc_id}"


def document_sk(doc_type: str, doc_id: str) -> str:
    return f"{DOC_PREFIX[doc_type]}#{doc_id}"


def movement_lsi(date: str, doc_type: str, doc_id: str) -> str:
    return f"MOV#{date}#{DOC_PREFIX[doc_type]}#{doc_id}"


def open_invoice_lsi(due_date: str, doc_id: str) -> str:
    return f"OPEN#{due_date}#{doc_id}"


def month_total_sk(currency: str, month: str) -> str:
    return f"MONTH#{currency}#{month}"


def allocation_sk(invoice_id: str, doc_type: str, doc_id: str) -> str:
    return f"ALLOC#{invoice_id}#{DOC_PREFIX[doc_type]}#{doc_id}"


def allocation_prefix(invoice_id: str) -> str:
    return f"ALLOC#{invoice_id}#"


def api_key_lookup(key_hash: str) -> str:
    return f"APIKEY#{key_hash}"


def accounts_of_tenant(t: str) -> str:
    return f"T#{t}#ACCOUNTS"


def contacts_of_account(t: str, a: str) -> str:
    return f"T#{t}#A#{a}#CONTACTS"


TENANT_SK = "TENANT"
ACCOUNT_SK = "ACCOUNT"
CONTACT_SK = "CONTACT"
EMAIL_SK = "EMAIL"
COUNTER_SK = "SEQ"
DOC_INDEX_SK = "DOC"


def session_sk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def password_token_sk(token_id: str) -> str:
    return f"PWTOKEN#{token_id}"


def api_key_sk(key_id: str) -> str:
    return f"APIKEY#{key_id}"
