"""Support cases: the customer opens, follows, comments, closes and reopens them; staff (the integrator API) move
them and answer. Each use case reads the case (one Query with its thread), decides with
:mod:`chalicelib.domain.cases`, commits one transaction with its event, then mails.

Mail: a new case goes to the tenant's support desk (``support.desk_email``, else the account executive); a
staff answer that is not internal goes to the case's contact. Mail failures are logged and reported, never
undo the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import case_report, clock, mail
from chalicelib.domain import cases as rules
from chalicelib.domain.errors import Conflict
from chalicelib.observability import get_logger
from chalicelib.services import pdfs
from chalicelib.services.auth import context_without_session
from chalicelib.services.billing import download_links
from chalicelib.services.comments import check_uploads
from chalicelib.store import accounts, contacts, files, idempotency, keys, mailer, tenants
from chalicelib.store import cases as stored
from chalicelib.store import comments as uploads

if TYPE_CHECKING:
    from datetime import date

    from pynamodb.transactions import TransactWrite

    from chalicelib.domain.cases import Closing, NewCase, StaffComment, StaffUpdate
    from chalicelib.services.comments import Checked
    from chalicelib.store.models import CaseCommentItem as CaseCommentItem  # what the handlers serialize
    from chalicelib.store.models import CaseItem as CaseItem
    from chalicelib.store.sessions import Context
    from chalicelib.store.tenants import Tenant


DEFAULT_CATEGORIES = rules.DEFAULT_CATEGORIES


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: CaseItem
    thread: list[CaseCommentItem]
    attachment_urls: dict[str, str]
    reopen_until: str | None  # while the customer may still reopen it
    notified: bool | None = None  # for a new case or comment: whether its mail went out (None: replayed)


def settings_of(tenant: Tenant) -> tuple[tuple[str, ...], int, str | None]:
    """The tenant's case categories, reopen window (days) and support desk address."""
    support = tenant.support or {}
    categories = tuple(support.get("categories") or rules.DEFAULT_CATEGORIES)
    return categories, int(support.get("reopen_days") or rules.DEFAULT_REOPEN_DAYS), support.get("desk_email")


def categories(context: Context) -> tuple[str, ...]:
    return settings_of(context.tenant)[0]


def category_choices(context: Context) -> list[dict[str, Any]]:
    """What the case form offers: the tenant's categories in order, each with its labels (none for the default
    ones, which have the portal's own words). No read beyond the session's."""
    return rules.category_choices(context.tenant.support)


def _links(case: CaseItem, thread: list[CaseCommentItem]) -> dict[str, str]:
    """Download links for the case's files and its visible comments' files (anyone who sees a case may open
    them: the cases module has no separate download action)."""
    holders: list[Any] = [case, *thread]
    return download_links(holders)


def _reopen_until(tenant: Tenant, case: CaseItem) -> str | None:
    finished = case.closed_at or case.resolved_at
    if case.status not in ("resolved", "closed") or not finished:
        return None
    deadline = rules.reopen_deadline(finished, settings_of(tenant)[1])
    return clock.iso(deadline) if deadline > clock.now() else None


def _detail(context: Context, case: CaseItem, thread: list[CaseCommentItem], notified: bool | None = None
            ) -> CaseDetail:
    return CaseDetail(case, thread, _links(case, thread), _reopen_until(context.tenant, case), notified)


# --- the portal ---------------------------------------------------------------------------------------------------

def open_case(context: Context, request: NewCase, idempotency_key: str | None) -> tuple[int, CaseDetail]:
    """Opens a case under the tenant's next number; a retry with the same key returns the first answer."""
    principal = context.principal
    claim = idempotency.claim(keys.contact(principal.tenant, principal.contact_id), "case", idempotency_key,
                              request.fingerprint())
    if claim is not None and (earlier := _replayed(context, claim)) is not None:
        return earlier
    holder = uploads.new_id("cs_")
    checked = check_uploads(context, request.attachment_ids, holder)
    for upload in checked:  # the checked bytes, where no presigned PUT reaches
        files.put_bytes(upload.key, upload.data, content_type=upload.upload.content_type)
    kept = [uploads.attachment_json(c.upload, c.key) for c in checked]
    stamp = stored.now_stamp()

    def build(number: str) -> tuple[CaseItem, dict[str, Any]]:
        case = stored.new_case(principal, number, contact_name=context.contact.name, subject=request.subject,
                               description=request.description, category=request.category,
                               priority=request.priority, attachments=kept,
                               suggested=list(request.suggested_articles), stamp=stamp)
        return case, {**_event_case(case), "description": request.description,
                      "suggested_articles": list(request.suggested_articles),
                      "attachments": [{k: v for k, v in a.items() if k != "key"} for a in kept]}

    def more(tx: TransactWrite, case: CaseItem) -> None:
        for upload in checked:
            uploads.mark_used(tx, upload.upload, by=case.case_id, stamp=stamp)
        if claim is not None:
            claim.record(tx, 201, {"id": case.case_id})

    try:
        case = stored.create(principal, build, more)
    except Conflict:
        if claim is not None and (earlier := _replayed(context, claim)) is not None:
            return earlier  # a concurrent retry with the same key won
        raise
    _discard(checked)
    return 201, _detail(context, case, [], _notify_desk(context, case))


def _replayed(context: Context, claim: idempotency.Claim) -> tuple[int, CaseDetail] | None:
    earlier = claim.replay()
    if earlier is None:
        return None
    status, first = earlier
    case, thread = stored.visible_case(context.principal, first["id"])
    return status, _detail(context, case, thread)


def _discard(checked: list[Checked]) -> None:
    for upload in checked:  # the case stands without this: a leftover upload expires with its bucket rule
        files.discard(upload.upload.key)


def _event_case(case: CaseItem) -> dict[str, Any]:
    return {"case_id": case.case_id, "subject": case.subject, "category": case.category,
            "priority": case.priority, "status": case.status}


def _notify_desk(context: Context, case: CaseItem) -> bool:
    """Mails the support desk (or, without one, the account executive) about a new case."""
    tenant = context.tenant
    desk = settings_of(tenant)[2]
    account = accounts.get(tenant.slug, case.account_id)
    to = desk or (account.get("account_executive") or {}).get("email")
    if not to:
        get_logger().warning("case without a support desk to notify", extra={"case_id": case.case_id})
        return False
    message = mail.case_opened(to=to, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                               account=account.get("name") or case.account_id, number=case.case_id,
                               subject=case.subject, contact=context.contact.name,
                               email=context.contact.email or "", category=case.category, priority=case.priority,
                               body=case.description, attachments=[a["filename"] for a in case.attachments or []])
    return mailer.deliver(message, sender_name=tenant.name)


def list_cases(context: Context, *, status: str, text: str | None, limit: int, cursor: str | None
               ) -> tuple[list[CaseItem], str | None]:
    return stored.page(context.principal, status=status, text=text, limit=limit, cursor=cursor)


def case_detail(context: Context, case_id: str) -> CaseDetail:
    case, thread = stored.visible_case(context.principal, case_id)
    return _detail(context, case, thread)


def comment(context: Context, case_id: str, body: str, attachment_ids: tuple[str, ...]) -> tuple[int, CaseDetail]:
    """The customer writes on the thread (409 on a closed case); a case that waited for them goes back to work."""
    principal = context.principal
    case, thread = stored.visible_case(principal, case_id)
    rules.customer_comment(case.status)
    comment_id = uploads.new_id("cc_")
    checked = check_uploads(context, attachment_ids, comment_id)
    for upload in checked:
        files.put_bytes(upload.key, upload.data, content_type=upload.upload.content_type)
    kept = [uploads.attachment_json(c.upload, c.key) for c in checked]
    stamp = stored.now_stamp()
    item = stored.comment_item(case, comment_id=comment_id, author_type="contact", author_name=context.contact.name,
                               contact_id=principal.contact_id, body=body, internal=False, attachments=kept,
                               stamp=stamp)
    status = rules.status_after_customer_comment(case.status)
    changes: dict[str, Any] = {"comments": int(case.comments or 0) + 1}
    if status != case.status:
        changes["status"] = status

    def more(tx: TransactWrite) -> None:
        for upload in checked:
            uploads.mark_used(tx, upload.upload, by=comment_id, stamp=stamp)

    stored.save_change(principal.tenant, case, stored.case_changes(case, changes, stamp), comment=item, more=more,
                       event=("case.commented", {**_event_case(case), "status": status, "comment_id": comment_id,
                                                 "body": body, "attachments": [
                                                     {k: v for k, v in a.items() if k != "key"} for a in kept]}),
                       contact_id=principal.contact_id)
    _discard(checked)
    case.status = status
    return 201, _detail(context, case, [*thread, item])


def close(context: Context, case_id: str, closing: Closing) -> CaseDetail:
    """The customer closes the case (from any status but closed), optionally rating it 1-5."""
    principal = context.principal
    case, _ = stored.visible_case(principal, case_id)
    rules.customer_close(case.status)
    stamp = stored.now_stamp()
    changes: dict[str, Any] = {"status": "closed", "closed_at": stamp, "rating": closing.rating,
                               "resolution_feedback": closing.feedback}
    if not case.resolved_at:
        changes["resolved_at"] = stamp
    stored.save_change(principal.tenant, case, stored.case_changes(case, changes, stamp),
                       event=("case.closed", {**_event_case(case), "status": "closed", "rating": closing.rating,
                                              "resolution_feedback": closing.feedback, "by": "contact"}),
                       contact_id=principal.contact_id)
    return _detail(context, *stored.visible_case(principal, case_id))


def reopen(context: Context, case_id: str) -> CaseDetail:
    """The customer reopens a resolved or closed case within the tenant's window (409 after it)."""
    principal = context.principal
    case, _ = stored.visible_case(principal, case_id)
    rules.customer_reopen(case.status, finished_at=case.closed_at or case.resolved_at,
                          days=settings_of(context.tenant)[1], now=clock.now())
    stamp = stored.now_stamp()
    status = rules.status_after_reopen(case.assignee)
    changes: dict[str, Any] = {"status": status, "reopened_at": stamp, "reopen_count": int(case.reopen_count or 0) + 1,
                               "closed_at": None, "resolved_at": None, "rating": None}
    stored.save_change(principal.tenant, case, stored.case_changes(case, changes, stamp),
                       event=("case.reopened", {**_event_case(case), "status": status}),
                       contact_id=principal.contact_id)
    return _detail(context, *stored.visible_case(principal, case_id))


# --- the report ---------------------------------------------------------------------------------------------------

def _row(case: CaseItem) -> case_report.CaseRow:
    return case_report.CaseRow(number=case.case_id, subject=case.subject, category=case.category,
                               priority=case.priority, status=case.status, created_at=case.created_at or "",
                               first_response_at=case.first_response_at, resolved_at=case.resolved_at,
                               closed_at=case.closed_at, rating=int(case.rating) if case.rating else None)


def _bounds(context: Context, start: date, end: date) -> tuple[str, str]:
    """The period's local days as UTC instants: [start 00:00, the day after end 00:00)."""
    zone = clock.zone(context.tenant.timezone)
    first = datetime.combine(start, time(0), tzinfo=zone)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)
    return clock.iso_precise(first), clock.iso_precise(after)


def report_rows(context: Context, start: date | None, end: date | None
                ) -> tuple[date, date, list[case_report.CaseRow]]:
    start, end = case_report.period(start, end, today=clock.today(context.tenant.timezone))
    low, high = _bounds(context, start, end)
    return start, end, [_row(c) for c in stored.opened_between(context.principal, low, high)]


def report(context: Context, start: date | None, end: date | None) -> dict[str, Any]:
    """Counts and times of the caller's cases opened in the period (2 Queries: the period, the open cases)."""
    start, end, rows = report_rows(context, start, end)
    still_open = stored.open_cases(context.principal)
    return case_report.build(rows, start=start, end=end, zone=clock.zone(context.tenant.timezone),
                             oldest_open=_row(still_open[0]) if still_open else None, now=clock.now(),
                             generated_at=clock.iso(clock.now()))


def report_csv(context: Context, start: date | None, end: date | None) -> dict[str, Any]:
    """The period's cases as CSV, stored and handed out as a 15-minute link."""
    start, end, rows = report_rows(context, start, end)
    principal = context.principal
    filename = f"casos_{start.isoformat()}_{end.isoformat()}.csv"
    key = files.object_key(principal.tenant, principal.account_id, "reports", uploads.new_id("csv_"), filename)
    files.put_bytes(key, case_report.to_csv(rows).encode(), content_type="text/csv; charset=utf-8")
    return {**files.presign_get(key, filename=filename, content_type="text/csv; charset=utf-8"),
            "filename": filename}


def report_pdf(context: Context, start: date | None, end: date | None) -> dict[str, Any]:
    """The report as a PDF (15-minute link), rendered once for the same figures."""
    account = accounts.get(context.principal.tenant, context.principal.account_id)
    return pdfs.case_report_pdf(context, report(context, start, end), account.get("name") or "")


def dashboard_card(context: Context) -> dict[str, Any]:
    """The cases card: the open cases (one Query), how many wait for the customer, the oldest."""
    still_open = stored.open_cases(context.principal)
    waiting = [c for c in still_open if c.status == "waiting_customer"]
    newest = sorted(still_open, key=lambda c: c.updated_at or "", reverse=True)[:3]
    return {"open": len(still_open), "waiting_customer": len(waiting),
            "oldest": {"id": still_open[0].case_id, "created_at": still_open[0].created_at} if still_open else None,
            "recent": [{"id": c.case_id, "subject": c.subject, "status": c.status, "updated_at": c.updated_at}
                       for c in newest]}


# --- staff (the integrator API) -----------------------------------------------------------------------------------

def for_staff(tenant: str, case_id: str) -> tuple[CaseItem, list[CaseCommentItem], dict[str, str]]:
    case, thread = stored.for_staff(tenant, case_id)
    return case, thread, _links(case, thread)


def update_as_staff(tenant_slug: str, case_id: str, update: StaffUpdate) -> CaseItem:
    """Status, assignee and priority; 409 for a status move the rules refuse. Resolving stamps ``resolved_at``;
    closing (staff may close a case the customer left) stamps ``closed_at`` and reports ``case.closed``."""
    case, _ = stored.for_staff(tenant_slug, case_id)
    stamp = stored.now_stamp()
    changes: dict[str, Any] = {}
    if update.status is not None and update.status != case.status:
        rules.staff_move(case.status, update.status)
        changes["status"] = update.status
        if update.status == "resolved":
            changes["resolved_at"] = stamp
        elif update.status == "closed":
            changes["closed_at"] = stamp
            changes["resolved_at"] = case.resolved_at or stamp
        elif case.status == "resolved":
            changes["resolved_at"] = None
    if update.priority is not None:
        changes["priority"] = update.priority
    if update.assignee is not None:
        changes["assignee"] = update.assignee
        if "status" not in changes and case.status == "new":
            changes["status"] = "assigned"
    elif update.clear_assignee:
        changes["assignee"] = None
    if not changes:
        return case
    closing = changes.get("status") == "closed"
    stored.save_change(tenant_slug, case, stored.case_changes(case, changes, stamp),
                       event=("case.closed", {**_event_case(case), "status": "closed", "by": "staff"})
                       if closing else None)
    case, _ = stored.for_staff(tenant_slug, case_id)
    return case


def reply_as_staff(tenant_slug: str, case_id: str, reply: StaffComment) -> tuple[CaseCommentItem, bool]:
    """A staff message on the thread: an internal note stays with staff; an answer is the case's first response
    (the first time), moves a new case to ``in_progress`` and mails the case's contact. 409 on a closed case."""
    tenant = tenants.get(tenant_slug)
    case, _ = stored.for_staff(tenant_slug, case_id)
    if case.status == "closed":
        raise Conflict("This case is closed; the customer may reopen it.", code="case_closed",
                       details={"status": case.status})
    stamp = stored.now_stamp()
    author = reply.author_name or tenant.name
    item = stored.comment_item(case, comment_id=uploads.new_id("cc_"), author_type="staff", author_name=author,
                               contact_id=None, body=reply.body, internal=reply.internal, attachments=[],
                               stamp=stamp)
    changes: dict[str, Any] = {}
    if not reply.internal:
        changes["comments"] = int(case.comments or 0) + 1
        if not case.first_response_at:
            changes["first_response_at"] = stamp
        if case.status in ("new", "assigned"):
            changes["status"] = "in_progress"
    stored.save_change(tenant_slug, case, stored.case_changes(case, changes, stamp), comment=item)
    if reply.internal:
        return item, False
    return item, _notify_contact(tenant, case, item)


def _notify_contact(tenant: Tenant, case: CaseItem, item: CaseCommentItem) -> bool:
    contact = contacts.load(tenant.slug, case.contact_id)
    if contact is None or not contact.email or contact.account_id != case.account_id \
            or not (grant := contacts.grant_of(contact)) or not grant.enabled:
        return False  # only portal users can open the link
    message = mail.case_reply(to=contact.email, tenant=tenant.name, logo_url=tenant.branding.get("logo_url"),
                              name=contact.name, author=item.author_name, number=case.case_id, subject=case.subject,
                              body=item.body, link=mail.case_link(tenant.portal_url, case.case_id),
                              language=contact.language)
    return mailer.deliver(message, sender_name=tenant.name)


def seed_case(tenant_slug: str, contact_id: str, request: NewCase) -> CaseItem:
    """Opens ``request`` as the contact would (the demo seed: no session), unless the contact's account already
    has a case with that subject, which is returned instead: running the seed twice opens nothing twice."""
    context = context_without_session(tenant_slug, contact_id)
    for case in stored.opened_between(context.principal, "0000", "9999"):
        if case.subject == request.subject:
            return case
    return open_case(context, request, None)[1].case
