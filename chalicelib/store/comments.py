"""Uploads and invoice comments: a contact's note (maybe a payment proof) and the staff's replies.

A comment is one transaction: the comment, its uploads marked used (each once), the invoice's
"proof received" mark, the idempotency record and the ``invoice.commented`` event. Mail goes out after
the commit; a mail failure is logged and reported, never undoes the comment.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.domain import attachments, clock, mail
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.observability import get_logger
from chalicelib.store import billing, db, documents, events, files, idempotency, keys, mailer

if TYPE_CHECKING:
    from chalicelib.domain.attachments import CommentRequest, StaffReply, UploadRequest
    from chalicelib.store.models import BillingDocumentItem, CommentItem, UploadItem
    from chalicelib.store.sessions import Context

UPLOAD_HOURS = 24  # an upload not attached within a day is cleaned up by TTL
STAFF_LINK_SECONDS = 7 * 24 * 3600  # the longest a SigV4 presigned URL lives


def _new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8)}"


def create_upload(context: Context, request: UploadRequest) -> dict[str, Any]:
    """Registers an upload and returns a presigned PUT for it (15 minutes)."""
    from chalicelib.store.models import UploadItem

    db.ready()
    principal = context.principal
    upload_id = _new_id("up_")
    key = files.object_key(principal.tenant, principal.account_id, "uploads", upload_id,
                           attachments.safe_filename(request.filename))
    stamp = clock.now()
    UploadItem(
        keys.account(principal.tenant, principal.account_id), keys.upload_sk(upload_id),
        upload_id=upload_id, contact_id=principal.contact_id, filename=request.filename,
        content_type=request.content_type, size=request.size, key=key, created_at=clock.iso(stamp),
        ttl=int(stamp.timestamp()) + UPLOAD_HOURS * 3600,
    ).save(condition=UploadItem.pk.does_not_exist())
    put = files.presign_put(key, content_type=request.content_type, size=request.size)
    return {"upload_id": upload_id, **put, "max_size": attachments.MAX_BYTES, "filename": request.filename,
            "content_type": request.content_type, "size": request.size}


def _claim_uploads(context: Context, upload_ids: tuple[str, ...]) -> list[UploadItem]:
    """The caller's unused uploads, each checked in S3: present, the declared size, the declared type."""
    from chalicelib.store.models import UploadItem

    if not upload_ids:
        return []
    principal = context.principal
    pk = keys.account(principal.tenant, principal.account_id)
    found = {item.upload_id: item for item in UploadItem.batch_get([(pk, keys.upload_sk(u)) for u in upload_ids],
                                                                     consistent_read=True)}
    problems: dict[str, str] = {}
    now = clock.now().timestamp()
    for index, upload_id in enumerate(upload_ids):
        field = f"attachment_ids[{index}]"
        item = found.get(upload_id)
        if item is None or item.contact_id != principal.contact_id or (not item.used_at and item.ttl
                                                                       and item.ttl < now):
            problems[field] = "is not an upload of yours (or it expired)"
            continue
        if item.used_at:
            problems[field] = "is already attached to another comment"
            continue
        stored = files.uploaded(item.key, sniff=attachments.SNIFF_BYTES)
        if stored is None:
            problems[field] = "was not uploaded yet: PUT the file to the upload URL first"
            continue
        size, content_type, head = stored
        if size > attachments.MAX_BYTES or size != int(item.size):
            problems[field] = f"the uploaded file has {size} bytes, not the {int(item.size)} declared"
        elif content_type.split(";")[0].strip().lower() != item.content_type \
                or not attachments.looks_like(item.content_type, head):
            problems[field] = f"the uploaded file is not a {item.content_type} file"
    if problems:
        raise ValidationFailed(problems)
    return [found[u] for u in upload_ids]


def _attachment_json(upload: UploadItem) -> dict[str, Any]:
    return {"upload_id": upload.upload_id, "filename": upload.filename, "content_type": upload.content_type,
            "size": int(upload.size), "key": upload.key}


def _comment_item(invoice: BillingDocumentItem, *, author_type: str, author_name: str, contact_id: str | None,
                  body: str, payment_proof: bool, uploads: list[UploadItem], comment_id: str,
                  stamp: str) -> CommentItem:
    from chalicelib.store.models import CommentItem

    return CommentItem(
        invoice.pk, keys.comment_sk(invoice.doc_id, stamp, comment_id),
        lsi1sk=keys.comment_lsi(stamp, invoice.doc_id, comment_id),
        comment_id=comment_id, invoice_id=invoice.doc_id, invoice_number=invoice.number, author_type=author_type,
        author_name=author_name, contact_id=contact_id, invoice_contact_id=invoice.contact_id, body=body,
        payment_proof=payment_proof, attachments=[_attachment_json(u) for u in uploads], created_at=stamp,
    )


def post_by_contact(context: Context, invoice_id: str, request: CommentRequest,
                    idempotency_key: str | None) -> tuple[int, dict[str, Any]]:
    """Posts the caller's comment; returns (status, comment). A retry with the same key returns the first."""
    from chalicelib.store.models import BillingDocumentItem, UploadItem

    principal = context.principal
    claim = idempotency.claim(keys.contact(principal.tenant, principal.contact_id), f"comment.{invoice_id}",
                              idempotency_key, {"body": request.body, "attachment_ids": list(request.attachment_ids),
                                                "payment_proof": request.payment_proof})
    if claim is not None and (earlier := claim.replay()) is not None:
        return _replayed(context, invoice_id, earlier)
    invoice = billing.visible_invoice(principal, invoice_id)
    uploads = _claim_uploads(context, request.attachment_ids)
    stamp = clock.iso_precise(clock.now())
    comment = _comment_item(invoice, author_type="contact", author_name=context.contact.name,
                            contact_id=principal.contact_id, body=request.body, payment_proof=request.payment_proof,
                            uploads=uploads, comment_id=_new_id("cm_"), stamp=stamp)
    result = billing.comment_json(comment)

    def writes(tx: Any) -> None:
        tx.save(comment, condition=BillingDocumentItem.pk.does_not_exist())
        for upload in uploads:
            tx.update(upload, actions=[UploadItem.used_at.set(stamp), UploadItem.used_by.set(comment.comment_id),
                                       UploadItem.ttl.remove()],
                      condition=UploadItem.used_at.does_not_exist())
        if request.payment_proof:
            tx.update(invoice, actions=[BillingDocumentItem.proof_received_at.set(stamp)],
                      condition=BillingDocumentItem.pk.exists())
        if claim is not None:
            claim.record(tx, 201, result)

    data = {
        "invoice_id": invoice.doc_id, "invoice_number": invoice.number, "comment_id": comment.comment_id,
        "body": request.body, "payment_proof": request.payment_proof,
        "attachments": [{k: v for k, v in _attachment_json(u).items() if k != "key"} for u in uploads],
    }
    try:
        events.append(principal.tenant, "invoice.commented", account_id=principal.account_id,
                      contact_id=principal.contact_id, data=data, writes=writes,
                      conflict_message="The invoice or an attachment changed while commenting; send it again.")
    except Conflict:
        if claim is not None and (earlier := claim.replay()) is not None:
            return _replayed(context, invoice_id, earlier)  # a concurrent retry with the same key won
        raise
    result["notified"] = _notify_staff(context, invoice, comment, uploads)
    return 201, result


def _replayed(context: Context, invoice_id: str, earlier: tuple[int, dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    """The first answer to a repeated request, re-read so that its attachment links are fresh."""
    from chalicelib.store.models import CommentItem

    status, result = earlier
    principal = context.principal
    try:
        item = CommentItem.get(keys.account(principal.tenant, principal.account_id),
                               keys.comment_sk(invoice_id, result["created_at"], result["id"]), consistent_read=True)
    except CommentItem.DoesNotExist:
        return status, result
    return status, billing.comment_json(item)


def _notify_staff(context: Context, invoice: BillingDocumentItem, comment: CommentItem,
                  uploads: list[UploadItem]) -> bool:
    """Mails the invoice's salesperson, or the account executive; False when there is no one or SES failed."""
    from chalicelib.store import accounts

    account = accounts.get(context.principal.tenant, invoice.account_id)
    to = ((invoice.data or {}).get("salesperson") or {}).get("email") \
        or (account.get("account_executive") or {}).get("email")
    if not to:
        get_logger().warning("comment without staff to notify", extra={"invoice_id": invoice.doc_id})
        return False
    links = [(u.filename, files.presign_get(u.key, filename=attachments.safe_filename(u.filename),
                                            seconds=STAFF_LINK_SECONDS)["url"]) for u in uploads]
    tenant = context.tenant
    message = mail.invoice_comment(
        to=to, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), account=account["name"],
        number=invoice.number, contact=context.contact.name, email=context.contact.email or "",
        body=comment.body, payment_proof=bool(comment.payment_proof), attachments=links,
    )
    return mailer.deliver(message, sender_name=tenant.name)


def _invoice_for_staff(tenant: str, invoice_id: str) -> tuple[BillingDocumentItem, list[CommentItem]]:
    """Any invoice of the tenant with its comments: the id index, then one Query of the invoice's keys."""
    account_id = documents.owner(tenant, "invoice", invoice_id)
    invoice, _, comments = billing.invoice_with_children(keys.account(tenant, account_id), invoice_id) \
        if account_id else (None, [], [])
    if invoice is None:
        raise NotFound("There is no invoice with that id.", code="document_not_found")
    return invoice, comments


def list_for_staff(tenant: str, invoice_id: str) -> dict[str, Any]:
    _, comments = _invoice_for_staff(tenant, invoice_id)
    return {"items": [billing.comment_json(c) for c in comments]}


def post_by_staff(tenant_slug: str, invoice_id: str, reply: StaffReply) -> dict[str, Any]:
    """A staff answer: clears the invoice's "proof received" mark and mails the contacts of the thread."""
    from chalicelib.store import contacts, tenants
    from chalicelib.store.models import BillingDocumentItem

    tenant = tenants.get(tenant_slug)
    invoice, earlier = _invoice_for_staff(tenant_slug, invoice_id)
    stamp = clock.iso_precise(clock.now())
    author = reply.author_name or tenant.name
    comment = _comment_item(invoice, author_type="staff", author_name=author, contact_id=None, body=reply.body,
                            payment_proof=False, uploads=[], comment_id=_new_id("cm_"), stamp=stamp)
    with db.transaction(conflict="The invoice changed while replying; send it again.") as tx:
        tx.save(comment, condition=BillingDocumentItem.pk.does_not_exist())
        if invoice.proof_received_at:
            tx.update(invoice, actions=[BillingDocumentItem.proof_received_at.remove()],
                      condition=BillingDocumentItem.pk.exists())
    result = billing.comment_json(comment)
    people = {c.contact_id for c in earlier if c.contact_id} | ({invoice.contact_id} if invoice.contact_id else set())
    notified = []
    for contact_id in sorted(people):
        contact = contacts.load(tenant_slug, contact_id)
        if contact is None or not contact.email or contact.account_id != invoice.account_id \
                or not (grant := contacts.grant_of(contact)) or not grant.enabled:
            continue  # only portal users can open the link
        message = mail.staff_reply(to=contact.email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                                   name=contact.name, author=author, number=invoice.number, body=reply.body,
                                   link=mail.invoice_link(tenant.portal_url, invoice.doc_id),
                                   language=contact.language)
        if mailer.deliver(message, sender_name=tenant.name):
            notified.append(contact_id)
    result["notified"] = notified
    return result
