"""Support cases as the portal and the integrator API show them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.services.cases import CaseCommentItem, CaseDetail, CaseItem


def _attachments(items: list[dict[str, Any]] | None, urls: dict[str, str]) -> list[dict[str, Any]]:
    return [{**{k: a[k] for k in ("upload_id", "filename", "content_type", "size")},
             **({"url": urls[a["upload_id"]]} if a["upload_id"] in urls else {})} for a in items or []]


def case_row(item: CaseItem) -> dict[str, Any]:
    return {"id": item.case_id, "number": item.case_id, "subject": item.subject, "category": item.category,
            "priority": item.priority, "status": item.status, "assignee": item.assignee,
            "contact": {"id": item.contact_id, "name": item.contact_name}, "comments": int(item.comments or 0),
            "created_at": item.created_at, "updated_at": item.updated_at}


def cases_page(items: list[CaseItem], next_cursor: str | None) -> dict[str, Any]:
    return {"items": [case_row(i) for i in items], "next_cursor": next_cursor}


def comment(item: CaseCommentItem, urls: dict[str, str], *, staff: bool = False) -> dict[str, Any]:
    result: dict[str, Any] = {"id": item.comment_id, "author": {"type": item.author_type, "name": item.author_name},
              "body": item.body, "attachments": _attachments(item.attachments, urls), "created_at": item.created_at}
    if staff:
        result["internal"] = bool(item.internal)
    return result


def _case(item: CaseItem, thread: list[CaseCommentItem], urls: dict[str, str], *, staff: bool) -> dict[str, Any]:
    return {
        **case_row(item),
        "account_id": item.account_id,
        "description": item.description,
        "attachments": _attachments(item.attachments, urls),
        "suggested_articles": list(item.suggested_articles or []),
        "first_response_at": item.first_response_at,
        "resolved_at": item.resolved_at,
        "closed_at": item.closed_at,
        "reopened_at": item.reopened_at,
        "rating": int(item.rating) if item.rating else None,
        "resolution_feedback": item.resolution_feedback,
        "thread": [comment(c, urls, staff=staff) for c in thread],
    }


def case_detail(detail: CaseDetail) -> dict[str, Any]:
    result = {**_case(detail.case, detail.thread, detail.attachment_urls, staff=False),
              "reopen_until": detail.reopen_until}
    if detail.notified is not None:
        result["notified"] = detail.notified
    return result


def staff_case(item: CaseItem, thread: list[CaseCommentItem], urls: dict[str, str]) -> dict[str, Any]:
    return _case(item, thread, urls, staff=True)
