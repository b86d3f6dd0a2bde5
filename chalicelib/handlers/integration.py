"""The integrator API (``/v1/integration/*``, Bearer API key): the ERP pushes data and reads the events feed."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.domain.attachments import read_staff_reply
from chalicelib.domain.records import read_document
from chalicelib.domain.validation import check_id
from chalicelib.handlers.http import json_body, json_response, page_params, query, route
from chalicelib.handlers.views import access
from chalicelib.handlers.views import batch as batch_views
from chalicelib.handlers.views import billing as billing_views
from chalicelib.handlers.views import events as event_views

integration = Blueprint(__name__)


def _saved(result: dict[str, Any], created: bool) -> Any:
    return json_response(result, 201 if created else 200)


@route(integration, "/integration/batch", methods=("POST",), auth="integrator")
def post_batch(tenant: str) -> dict[str, Any]:
    """Up to 100 accounts, contacts and billing documents, each written as its own PUT would write it."""
    from chalicelib.services import batch  # lazy: loads with its first request

    results = batch.apply_batch(tenant, json_body(integration),
                                idempotency_key=integration.current_request.headers.get("idempotency-key"))
    return batch_views.batch(results)


@route(integration, "/integration/accounts/{account_id}", methods=("PUT",), auth="integrator")
def put_account(tenant: str, account_id: str) -> Any:
    from chalicelib.services import accounts  # lazy: loads with its first request

    check_id(account_id, "account_id")
    item, created = accounts.upsert_account(tenant, account_id, json_body(integration))
    return _saved(access.account_json(item), created)


@route(integration, "/integration/accounts/{account_id}", auth="integrator")
def get_account(tenant: str, account_id: str) -> dict[str, Any]:
    from chalicelib.services import accounts  # lazy: loads with its first request

    return access.account_json(accounts.get_account(tenant, account_id))


@route(integration, "/integration/contacts/{contact_id}", methods=("PUT",), auth="integrator")
def put_contact(tenant: str, contact_id: str) -> Any:
    from chalicelib.services import contacts  # lazy: loads with its first request

    check_id(contact_id, "contact_id")
    saved = contacts.upsert_contact(tenant, contact_id, json_body(integration))
    return _saved(access.saved_contact_json(saved), saved.created)


@route(integration, "/integration/contacts/{contact_id}", auth="integrator")
def get_contact(tenant: str, contact_id: str) -> dict[str, Any]:
    from chalicelib.services import contacts  # lazy: loads with its first request

    return access.contact_json(contacts.get_contact(tenant, contact_id))


@route(integration, "/integration/contacts/{contact_id}/invite", methods=("POST",), auth="integrator", status=202)
def invite_contact(tenant: str, contact_id: str) -> dict[str, Any]:
    from chalicelib.services import contacts  # lazy: loads with its first request

    return access.resent_invitation_json(contacts.invite_contact(tenant, contact_id))


def _document_routes(doc_type: str, segment: str) -> None:
    """PUT and GET for one kind of billing document; the views get names of their own for Chalice."""

    def put_document(tenant: str, **params: str) -> Any:
        from chalicelib.services import documents  # lazy: loads with its first request

        doc_id = check_id(params["doc_id"], "id")
        record = read_document(doc_type, json_body(integration))
        item, created = documents.push_document(tenant, doc_id, record)
        return _saved(billing_views.document(item), created)

    def get_document(tenant: str, **params: str) -> dict[str, Any]:
        from chalicelib.services import documents  # lazy: loads with its first request

        found = documents.get_document(tenant, doc_type, params["doc_id"])
        result = billing_views.document(found.document)
        if found.pdf_uploaded is not None:
            result["pdf_uploaded"] = found.pdf_uploaded
        return result

    put_document.__name__ = f"put_{doc_type}"
    get_document.__name__ = f"get_{doc_type}"
    path = f"/integration/{segment}/{{doc_id}}"
    route(integration, path, methods=("PUT",), auth="integrator")(put_document)
    route(integration, path, auth="integrator")(get_document)


for _doc_type, _segment in (("invoice", "invoices"), ("credit_note", "credit-notes"), ("debit_note", "debit-notes"),
                            ("receipt", "receipts")):
    _document_routes(_doc_type, _segment)


@route(integration, "/integration/invoices/{doc_id}/pdf", methods=("POST",), auth="integrator")
def upload_invoice_pdf(tenant: str, doc_id: str) -> dict[str, Any]:
    from chalicelib.services import documents  # lazy: loads with its first request

    return documents.invoice_pdf_upload(tenant, doc_id)


@route(integration, "/integration/invoices/{doc_id}/comments", auth="integrator")
def list_invoice_comments(tenant: str, doc_id: str) -> dict[str, Any]:
    from chalicelib.services import comments  # lazy: loads with its first request

    return billing_views.comments(*comments.list_for_staff(tenant, doc_id))


@route(integration, "/integration/invoices/{doc_id}/comments", methods=("POST",), auth="integrator", status=201)
def reply_to_invoice(tenant: str, doc_id: str) -> dict[str, Any]:
    """A staff answer on an invoice's thread; it mails the contacts and clears a pending payment proof."""
    from chalicelib.services import comments  # lazy: loads with its first request

    comment, notified = comments.reply_as_staff(tenant, doc_id, read_staff_reply(json_body(integration)))
    return {**billing_views.comment(comment, {}), "notified": notified}


@route(integration, "/integration/events", auth="integrator")
def list_events(tenant: str) -> dict[str, Any]:
    from chalicelib.services import events  # lazy: loads with its first request

    limit, cursor = page_params(integration)
    items, next_after, after = events.read_feed(tenant, after=query(integration).get("after") or cursor or "0",
                                                limit=limit)
    return event_views.events_page(items, next_after, after)
