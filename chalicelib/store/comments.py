"""Uploads, invoice comments and mailed attachment links, as stored.

A comment is one transaction: the comment, its uploads marked used (each once), the invoice's "proof
received" mark, the idempotency record and the ``invoice.commented`` event. The use cases around them
(checks, mail) are :mod:`chalicelib.services.comments`.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock, tokens
from chalicelib.store import db, events, keys

if TYPE_CHECKING:
    from chalicelib.domain.access import Principal
    from chalicelib.store.idempotency import Claim
    from chalicelib.store.models import AttachmentLinkItem, BillingDocumentItem, CommentItem, UploadItem

UPLOAD_HOURS = 24  # an upload not attached within a day is cleaned up by TTL


def new_id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8)}"


def create_upload(principal: Principal, *, upload_id: str, filename: str, content_type: str, size: int,
                  key: str) -> UploadItem:
    from chalicelib.store.models import UploadItem  # lazy: keeps import app fast

    db.ready()
    stamp = clock.now()
    item = UploadItem(
        keys.account(principal.tenant, principal.account_id), keys.upload_sk(upload_id),
        upload_id=upload_id, contact_id=principal.contact_id, filename=filename, content_type=content_type,
        size=size, key=key, created_at=clock.iso(stamp), ttl=int(stamp.timestamp()) + UPLOAD_HOURS * 3600,
    )
    item.save(condition=UploadItem.pk.does_not_exist())
    return item


def uploads(principal: Principal, upload_ids: tuple[str, ...]) -> dict[str, UploadItem]:
    """The caller's account's uploads with these ids (one BatchGetItem)."""
    from chalicelib.store.models import UploadItem  # lazy: keeps import app fast

    pk = keys.account(principal.tenant, principal.account_id)
    return {item.upload_id: item for item in UploadItem.batch_get([(pk, keys.upload_sk(u)) for u in upload_ids],
                                                                  consistent_read=True)}


def mark_used(tx: Any, upload: UploadItem, *, by: str, stamp: str) -> None:
    """Adds to ``tx``: ``upload`` is attached to ``by`` (a comment or case), once: the transaction fails if it
    was used meanwhile."""
    from chalicelib.store.models import UploadItem  # lazy: keeps import app fast

    tx.update(upload, actions=[UploadItem.used_at.set(stamp), UploadItem.used_by.set(by), UploadItem.ttl.remove()],
              condition=UploadItem.used_at.does_not_exist())


def attachment_json(upload: UploadItem, key: str) -> dict[str, Any]:
    """How a comment keeps an attachment: its checked copy's ``key``, never the upload's."""
    return {"upload_id": upload.upload_id, "filename": upload.filename, "content_type": upload.content_type,
            "size": int(upload.size), "key": key}


def comment_item(invoice: BillingDocumentItem, *, author_type: str, author_name: str, contact_id: str | None,
                 body: str, payment_proof: bool, attachments: list[dict[str, Any]], comment_id: str,
                 stamp: str) -> CommentItem:
    from chalicelib.store.models import CommentItem  # lazy: keeps import app fast

    return CommentItem(
        invoice.pk, keys.comment_sk(invoice.doc_id, stamp, comment_id),
        lsi1sk=keys.comment_lsi(stamp, invoice.doc_id, comment_id),
        comment_id=comment_id, invoice_id=invoice.doc_id, invoice_number=invoice.number, author_type=author_type,
        author_name=author_name, contact_id=contact_id, invoice_contact_id=invoice.contact_id, body=body,
        payment_proof=payment_proof, attachments=attachments, created_at=stamp,
    )


def save_contact_comment(principal: Principal, invoice: BillingDocumentItem, comment: CommentItem,
                         used: list[UploadItem], *, links: list[AttachmentLinkItem], claim: Claim | None,
                         result: dict[str, Any], event_data: dict[str, Any]) -> None:
    """The comment, its uploads marked used, the proof mark, its mailed links, the idempotency record and the
    ``invoice.commented`` event, in one transaction (``Conflict`` when an upload was used meanwhile)."""
    from chalicelib.store.models import (  # lazy: keeps import app fast
        AttachmentLinkItem,
        BillingDocumentItem,
    )

    def writes(tx: Any) -> None:
        tx.save(comment, condition=BillingDocumentItem.pk.does_not_exist())
        for upload in used:
            mark_used(tx, upload, by=comment.comment_id, stamp=comment.created_at)
        if comment.payment_proof:
            tx.update(invoice, actions=[BillingDocumentItem.proof_received_at.set(comment.created_at)],
                      condition=BillingDocumentItem.pk.exists())
        for link in links:
            tx.save(link, condition=AttachmentLinkItem.pk.does_not_exist())
        if claim is not None:
            claim.record(tx, 201, result)

    events.append(principal.tenant, "invoice.commented", account_id=principal.account_id,
                  contact_id=principal.contact_id, data=event_data, writes=writes,
                  conflict_message="The invoice or an attachment changed while commenting; send it again.")


def load_comment(principal: Principal, invoice_id: str, created_at: str, comment_id: str) -> CommentItem | None:
    from chalicelib.store.models import CommentItem  # lazy: keeps import app fast

    try:
        return CommentItem.get(keys.account(principal.tenant, principal.account_id),
                               keys.comment_sk(invoice_id, created_at, comment_id), consistent_read=True)
    except CommentItem.DoesNotExist:
        return None


def save_staff_reply(invoice: BillingDocumentItem, comment: CommentItem) -> None:
    """A staff answer, clearing the invoice's "proof received" mark, in one transaction."""
    from chalicelib.store.models import BillingDocumentItem  # lazy: keeps import app fast

    with db.transaction(conflict="The invoice changed while replying; send it again.") as tx:
        tx.save(comment, condition=BillingDocumentItem.pk.does_not_exist())
        if invoice.proof_received_at:
            tx.update(invoice, actions=[BillingDocumentItem.proof_received_at.remove()],
                      condition=BillingDocumentItem.pk.exists())


# --- mailed attachment links ---------------------------------------------------------------------------------

def attachment_link(tenant: str, account_id: str, attachment: dict[str, Any], *, seconds: int
                    ) -> tuple[str, AttachmentLinkItem]:
    """A link token for ``attachment`` valid for ``seconds`` and its item (to write with the comment)."""
    from chalicelib.store.models import AttachmentLinkItem  # lazy: keeps import app fast

    link_id = tokens.new_id()
    token, digest = tokens.issue(tenant, account_id, link_id)
    expires = clock.in_seconds(seconds)
    return token, AttachmentLinkItem(
        keys.account(tenant, account_id), keys.attachment_link_sk(link_id), link_id=link_id, secret_hash=digest,
        key=attachment["key"], filename=attachment["filename"], content_type=attachment["content_type"],
        expires_at=clock.iso(expires), created_at=clock.iso(clock.now()), ttl=int(expires.timestamp()) + 86400)


def resolve_attachment_link(token: str) -> AttachmentLinkItem | None:
    """The live link a token names, or None (unknown, forged or expired)."""
    from chalicelib.store.models import AttachmentLinkItem  # lazy: keeps import app fast

    parts = tokens.parse(token)
    if parts is None:
        return None
    db.ready()
    try:
        item = AttachmentLinkItem.get(keys.account(parts.tenant, parts.contact_id),
                                      keys.attachment_link_sk(parts.token_id), consistent_read=True)
    except AttachmentLinkItem.DoesNotExist:
        return None
    if not tokens.matches(parts, item.secret_hash) or clock.parse_iso(item.expires_at) <= clock.now():
        return None
    return item
