"""Uploads and invoice comments: a contact's note (maybe a payment proof) and the staff's replies.

An attachment is checked when a comment claims it (present, the declared size, its bytes of the declared
type) and the checked bytes are copied to a key the upload's presigned PUT cannot reach, so a file swapped
during the PUT window is never served. Mail goes out after the commit; a mail failure is logged and
reported, never undoes the comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import attachments, clock, mail
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.observability import get_logger
from chalicelib.services.billing import attachment_urls, download_links
from chalicelib.store import accounts, billing, contacts, documents, files, idempotency, keys, mailer, tenants
from chalicelib.store import comments as stored

if TYPE_CHECKING:
    from chalicelib.domain.attachments import CommentRequest, StaffReply, UploadRequest
    from chalicelib.store.models import BillingDocumentItem, CommentItem, UploadItem
    from chalicelib.store.models import CommentItem as Comment
    from chalicelib.store.sessions import Context

STAFF_LINK_SECONDS = 7 * 24 * 3600  # how long a mailed attachment link opens the file


def create_upload(context: Context, request: UploadRequest) -> dict[str, Any]:
    """Registers an upload and returns a presigned PUT for it (15 minutes)."""
    principal = context.principal
    upload_id = stored.new_id("up_")
    filename = attachments.display_filename(request.filename)
    key = files.object_key(principal.tenant, principal.account_id, "uploads", upload_id,
                           attachments.safe_filename(filename))
    stored.create_upload(principal, upload_id=upload_id, filename=filename, content_type=request.content_type,
                         size=request.size, key=key)
    put = files.presign_put(key, content_type=request.content_type, size=request.size)
    return {"upload_id": upload_id, **put, "max_size": attachments.MAX_BYTES, "filename": filename,
            "content_type": request.content_type, "size": request.size}


@dataclass(frozen=True, slots=True)
class Checked:
    upload: UploadItem
    data: bytes
    key: str  # where the checked copy goes


def check_uploads(context: Context, upload_ids: tuple[str, ...], comment_id: str) -> list[Checked]:
    """Used by everything that carries files (invoice comments, cases). The caller's unused uploads, each read
    whole from S3 and checked: present, the declared size, bytes
    of the declared type. 422 naming each bad one. The checked copy's key names ``comment_id``, so two
    requests claiming one upload never write the same copy (only the one whose comment commits is kept)."""
    if not upload_ids:
        return []
    principal = context.principal
    found = stored.uploads(principal, upload_ids)
    problems: dict[str, str] = {}
    checked: list[Checked] = []
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
        stored_object = files.read_upload(item.key, max_bytes=attachments.MAX_BYTES)
        if stored_object is None:
            problems[field] = "was not uploaded yet: PUT the file to the upload URL first"
            continue
        data, content_type = stored_object
        if len(data) != int(item.size):
            shown = f"more than {attachments.MAX_BYTES}" if len(data) > attachments.MAX_BYTES else str(len(data))
            problems[field] = f"the uploaded file has {shown} bytes, not the {int(item.size)} declared"
        elif content_type.split(";")[0].strip().lower() != item.content_type \
                or not attachments.looks_like(item.content_type, data[:attachments.SNIFF_BYTES]):
            problems[field] = f"the uploaded file is not a {item.content_type} file"
        else:
            key = files.object_key(principal.tenant, principal.account_id, "attachments", comment_id,
                                   item.upload_id, attachments.safe_filename(item.filename))
            checked.append(Checked(item, data, key))
    if problems:
        raise ValidationFailed(problems)
    return checked


@dataclass(frozen=True, slots=True)
class PostedComment:
    comment: Comment
    attachment_urls: dict[str, str]
    notified: bool | None  # None for a replayed request (its mail went out the first time)


def post_comment(context: Context, invoice_id: str, request: CommentRequest,
                 idempotency_key: str | None) -> tuple[int, PostedComment]:
    """Posts the caller's comment; returns (status, comment). A retry with the same key returns the first."""
    principal = context.principal
    claim = idempotency.claim(keys.contact(principal.tenant, principal.contact_id), f"comment.{invoice_id}",
                              idempotency_key, {"body": request.body, "attachment_ids": list(request.attachment_ids),
                                                "payment_proof": request.payment_proof})
    if claim is not None and (earlier := _replayed(context, invoice_id, claim)) is not None:
        return earlier
    invoice = billing.visible_invoice(principal, invoice_id)
    comment_id = stored.new_id("cm_")
    checked = check_uploads(context, request.attachment_ids, comment_id)
    for upload in checked:  # the checked bytes, where no presigned PUT reaches
        files.put_bytes(upload.key, upload.data, content_type=upload.upload.content_type)
    kept = [stored.attachment_json(c.upload, c.key) for c in checked]
    stamp = clock.iso_precise(clock.now())
    comment = stored.comment_item(invoice, author_type="contact", author_name=context.contact.name,
                                  contact_id=principal.contact_id, body=request.body,
                                  payment_proof=request.payment_proof, attachments=kept,
                                  comment_id=comment_id, stamp=stamp)
    links = [stored.attachment_link(principal.tenant, principal.account_id, a, seconds=STAFF_LINK_SECONDS)
             for a in kept]
    event_data = {
        "invoice_id": invoice.doc_id, "invoice_number": invoice.number, "comment_id": comment.comment_id,
        "body": request.body, "payment_proof": request.payment_proof,
        "attachments": [{k: v for k, v in a.items() if k != "key"} for a in kept],
    }
    try:
        stored.save_contact_comment(principal, invoice, comment, [c.upload for c in checked],
                                    links=[item for _, item in links], claim=claim,
                                    result={"id": comment.comment_id, "created_at": stamp}, event_data=event_data)
    except Conflict:
        if claim is not None and (earlier := _replayed(context, invoice_id, claim)) is not None:
            return earlier  # a concurrent retry with the same key won
        raise
    notified = _notify_staff(context, invoice, comment, [(a["filename"], token) for a, (token, _) in
                                                         zip(kept, links, strict=True)])
    for upload in checked:  # the comment stands without this: a leftover upload expires with its bucket rule
        files.discard(upload.upload.key)
    return 201, PostedComment(comment, attachment_urls(principal, [comment]), notified)


def _replayed(context: Context, invoice_id: str, claim: idempotency.Claim) -> tuple[int, PostedComment] | None:
    """The first answer to a repeated request, re-read so that its attachment links are fresh."""
    earlier = claim.replay()
    if earlier is None:
        return None
    status, first = earlier
    item = stored.load_comment(context.principal, invoice_id, first["created_at"], first["id"])
    if item is None:
        raise NotFound("There is no comment with that id.", code="comment_not_found")
    return status, PostedComment(item, attachment_urls(context.principal, [item]), None)


def _notify_staff(context: Context, invoice: BillingDocumentItem, comment: CommentItem,
                  links: list[tuple[str, str]]) -> bool:
    """Mails the invoice's salesperson, or the account executive; False when there is no one or SES failed.
    Attachments are portal links that open the file on click, never presigned URLs."""
    account = accounts.get(context.principal.tenant, invoice.account_id)
    to = ((invoice.data or {}).get("salesperson") or {}).get("email") \
        or (account.get("account_executive") or {}).get("email")
    if not to:
        get_logger().warning("comment without staff to notify", extra={"invoice_id": invoice.doc_id})
        return False
    tenant = context.tenant
    message = mail.invoice_comment(
        to=to, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"), account=account["name"],
        number=invoice.number, contact=context.contact.name, email=context.contact.email or "",
        body=comment.body, payment_proof=bool(comment.payment_proof),
        attachments=[(name, mail.attachment_link(tenant.portal_url, token)) for name, token in links],
    )
    return mailer.deliver(message, sender_name=tenant.name)


def open_attachment_link(token: str) -> dict[str, Any]:
    """Trades a mailed attachment link for a short presigned download; 404 once it expired (7 days)."""
    link = stored.resolve_attachment_link(token)
    if link is None:
        raise NotFound("This link is not valid or has expired.", code="link_not_found")
    return {**files.presign_get(link.key, filename=link.filename, content_type=link.content_type),
            "filename": link.filename, "content_type": link.content_type}


# --- staff -------------------------------------------------------------------------------------------------

def _invoice_for_staff(tenant: str, invoice_id: str) -> tuple[BillingDocumentItem, list[CommentItem]]:
    """Any invoice of the tenant with its comments: the id index, then one Query of the invoice's keys."""
    account_id = documents.owner(tenant, "invoice", invoice_id)
    invoice, _, comments = billing.invoice_with_children(keys.account(tenant, account_id), invoice_id) \
        if account_id else (None, [], [])
    if invoice is None:
        raise NotFound("There is no invoice with that id.", code="document_not_found")
    return invoice, comments


def list_for_staff(tenant: str, invoice_id: str) -> tuple[list[Comment], dict[str, str]]:
    _, comments = _invoice_for_staff(tenant, invoice_id)
    return comments, download_links(comments)  # the tenant's staff may fetch every attachment


def reply_as_staff(tenant_slug: str, invoice_id: str, reply: StaffReply) -> tuple[Comment, list[str]]:
    """A staff answer: clears the invoice's "proof received" mark and mails the contacts of the thread;
    returns the comment and the contacts mailed."""
    tenant = tenants.get(tenant_slug)
    invoice, earlier = _invoice_for_staff(tenant_slug, invoice_id)
    stamp = clock.iso_precise(clock.now())
    author = reply.author_name or tenant.name
    comment = stored.comment_item(invoice, author_type="staff", author_name=author, contact_id=None,
                                  body=reply.body, payment_proof=False, attachments=[],
                                  comment_id=stored.new_id("cm_"), stamp=stamp)
    stored.save_staff_reply(invoice, comment)
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
    return comment, notified
