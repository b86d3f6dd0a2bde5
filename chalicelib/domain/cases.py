"""Support cases (module ``cases``): statuses and who may move them, numbering, and the requests that change them.

Staff move a case ``new → assigned → in_progress → waiting_customer → resolved`` (through the integrator API);
the customer closes it (from any open status or ``resolved``) or reopens it within the tenant's reopen window
after it was resolved or closed. A move the table below does not allow is a 409.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.attachments import MAX_ATTACHMENTS, MAX_BODY
from chalicelib.domain.errors import Conflict
from chalicelib.domain.validation import ID_RE, Reader

STATUSES = ("new", "assigned", "in_progress", "waiting_customer", "resolved", "closed")
OPEN_STATUSES = frozenset({"new", "assigned", "in_progress", "waiting_customer"})
# The list filter: one status, or every open one, or every one.
STATUS_FILTERS = (*STATUSES, "open", "all")
PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_CATEGORIES = ("billing", "technical", "delivery", "warranty", "other")
DEFAULT_REOPEN_DAYS = 7
MAX_SUBJECT = 160
MAX_DESCRIPTION = 8000
MAX_SUGGESTIONS = 10
NUMBER_PREFIX = "CAS-"
NUMBER_RE = re.compile(r"\ACAS-[0-9]{6,}\Z")

# What staff may set, from each status (the same status again is allowed and changes nothing).
STAFF_MOVES: dict[str, frozenset[str]] = {
    "new": frozenset({"assigned", "in_progress", "waiting_customer", "resolved", "closed"}),
    "assigned": frozenset({"in_progress", "waiting_customer", "resolved", "closed"}),
    "in_progress": frozenset({"assigned", "waiting_customer", "resolved", "closed"}),
    "waiting_customer": frozenset({"assigned", "in_progress", "resolved", "closed"}),
    "resolved": frozenset({"in_progress", "closed"}),
    "closed": frozenset(),
}


def case_number(seq: int) -> str:
    """The tenant's ``seq``-th case: CAS-000123 (six digits at least, more after a million)."""
    return f"{NUMBER_PREFIX}{seq:06d}"


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def staff_move(current: str, wanted: str) -> None:
    """409 ``case_status_conflict`` unless staff may move a case from ``current`` to ``wanted``."""
    if wanted != current and wanted not in STAFF_MOVES[current]:
        raise Conflict(f"A {current} case cannot be moved to {wanted}.", code="case_status_conflict",
                       details={"status": current, "wanted": wanted})


def customer_close(current: str) -> None:
    if current == "closed":
        raise Conflict("This case is already closed.", code="case_already_closed", details={"status": current})


def customer_comment(current: str) -> None:
    if current == "closed":
        raise Conflict("This case is closed: reopen it to write again.", code="case_closed",
                       details={"status": current})


def reopen_deadline(finished_at: str, days: int) -> datetime:
    return datetime.fromisoformat(finished_at.replace("Z", "+00:00")) + timedelta(days=days)


def customer_reopen(current: str, *, finished_at: str | None, days: int, now: datetime) -> None:
    """A case reopens from ``resolved`` or ``closed`` until ``days`` after it got there; 409 otherwise."""
    if current not in ("resolved", "closed") or not finished_at:
        raise Conflict("Only a resolved or closed case can be reopened.", code="case_not_closed",
                       details={"status": current})
    deadline = reopen_deadline(finished_at, days)
    if now > deadline:
        raise Conflict(f"This case can no longer be reopened: the {days}-day window ended.",
                       code="reopen_window_passed", details={"deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ")})


def status_after_reopen(assignee: str | None) -> str:
    return "assigned" if assignee else "new"


def status_after_customer_comment(current: str) -> str:
    """The customer answered: a case that waited for them goes back to work."""
    return "in_progress" if current == "waiting_customer" else current


def _ids(r: Reader, field: str, *, limit: int, what: str) -> tuple[str, ...]:
    raw = r.raw(field)
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(i, str) and ID_RE.fullmatch(i) for i in raw):
        r.fail(field, f"must be a list of {what} ids")
    elif len(raw) > limit:
        r.fail(field, f"at most {limit} {what}s")
    elif len(set(raw)) != len(raw):
        r.fail(field, f"names a {what} more than once")
    else:
        return tuple(raw)
    return ()


@dataclass(frozen=True, slots=True)
class NewCase:
    subject: str
    description: str
    category: str
    priority: str
    attachment_ids: tuple[str, ...]
    suggested_articles: tuple[str, ...]  # the knowledge-base articles the form showed (deflection)

    def fingerprint(self) -> dict[str, object]:
        return {"subject": self.subject, "description": self.description, "category": self.category,
                "priority": self.priority, "attachment_ids": list(self.attachment_ids),
                "suggested_articles": list(self.suggested_articles)}


def read_new_case(body: object, *, categories: tuple[str, ...]) -> NewCase:
    r = Reader(body)
    subject = r.text("subject", required=True, max_len=MAX_SUBJECT)
    description = r.text("description", required=True, max_len=MAX_DESCRIPTION, multiline=True)
    category = r.choice("category", categories, required=True)
    priority = r.choice("priority", PRIORITIES, default="normal")
    attachments = _ids(r, "attachment_ids", limit=MAX_ATTACHMENTS, what="upload")
    suggested = _ids(r, "suggested_articles", limit=MAX_SUGGESTIONS, what="article")
    r.finish()
    assert subject and description and category and priority
    return NewCase(subject=subject, description=description.strip(), category=category, priority=priority,
                   attachment_ids=attachments, suggested_articles=suggested)


@dataclass(frozen=True, slots=True)
class Closing:
    rating: int | None
    feedback: str | None


def read_closing(body: object) -> Closing:
    r = Reader(body)
    rating = r.integer("rating", minimum=1, maximum=5)
    feedback = r.text("resolution_feedback", max_len=MAX_BODY, multiline=True)
    r.finish()
    return Closing(rating=rating, feedback=feedback)


@dataclass(frozen=True, slots=True)
class StaffUpdate:
    status: str | None
    assignee: str | None
    priority: str | None
    clear_assignee: bool


def read_staff_update(body: object) -> StaffUpdate:
    r = Reader(body)
    status = r.choice("status", STATUSES)
    priority = r.choice("priority", PRIORITIES)
    clear = "assignee" in r.data and r.data["assignee"] is None  # {"assignee": null} unassigns
    assignee = None
    if clear:
        r.raw("assignee")
    else:
        found = r.obj("assignee")
        if found is not None:
            assignee = found.text("name", required=True, max_len=120)
    r.finish()
    if status is None and priority is None and assignee is None and not clear:
        r.fail("body", "name at least one of status, assignee, priority")
        r.finish()
    return StaffUpdate(status=status, assignee=assignee, priority=priority, clear_assignee=clear)


@dataclass(frozen=True, slots=True)
class StaffComment:
    body: str
    author_name: str | None
    internal: bool


def read_staff_comment(body: object) -> StaffComment:
    r = Reader(body)
    text = r.text("body", required=True, max_len=MAX_BODY, multiline=True)
    internal = r.boolean("internal", default=False)
    author = r.obj("author")
    name = None
    if author is not None:
        name = author.text("name", required=True, max_len=120)
        author.email("email")
    r.finish()
    assert text is not None
    return StaffComment(body=text.strip(), author_name=name, internal=bool(internal))


# --- the tenant's support settings (PUT /v1/integration/settings/support, `portico tenant support`) --------------

MAX_CATEGORIES = 30
LABEL_LANGUAGES = ("es-CO", "en")


def read_support_settings(body: object, previous: dict[str, Any]) -> dict[str, Any]:
    """The tenant's support settings with ``body``'s fields changed (left out = kept): ``desk_email`` (null
    clears it: new cases then mail the account executive), ``reopen_days`` 1-90, and ``categories``, the case
    categories the case form offers, in its order: ``[{id, labels?: {"es-CO", "en"}}]``. The five default
    ids have the portal's own words; any other id needs at least its Spanish label (English falls back to it).
    Cases and contracts keep a category that is later removed from the list."""
    r = Reader(body)
    settings = dict(previous)
    if "desk_email" in r.data:
        email = r.email("desk_email")
        if email:
            settings["desk_email"] = email
        else:
            settings.pop("desk_email", None)
    if r.has("reopen_days"):
        settings["reopen_days"] = r.integer("reopen_days", minimum=1, maximum=90)
    if r.has("categories"):
        settings["categories"], settings["category_labels"] = _read_categories(
            r, dict(previous.get("category_labels") or {}))
    r.finish()
    return settings


def _read_categories(r: Reader, labels: dict[str, dict[str, str]]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The ``categories`` list: ids in order, and ``labels`` with the listed ones' words replaced."""
    entries = r.items("categories", max_items=MAX_CATEGORIES)
    if not entries and not r.errors:
        r.fail("categories", "must list at least one category")
    ids: list[str] = []
    for entry in entries:
        category_id = entry.text("id", required=True, max_len=40, pattern=ID_RE, message="must be an id")
        given = entry.obj("labels", required=category_id is not None and category_id not in DEFAULT_CATEGORIES)
        words = {} if given is None else {
            language: label for language in LABEL_LANGUAGES
            if (label := given.text(language, required=language == "es-CO", max_len=60))}
        if category_id is None:
            continue
        if category_id in ids:
            entry.fail("id", "is listed twice")
        ids.append(category_id)
        if words:
            labels[category_id] = words
    return ids, labels


def support_settings(raw: dict[str, Any] | None) -> dict[str, Any]:
    """The tenant's support settings with their defaults, as the API shows them."""
    raw = raw or {}
    return {"desk_email": raw.get("desk_email"), "reopen_days": int(raw.get("reopen_days") or DEFAULT_REOPEN_DAYS),
            "categories": category_choices(raw)}


def category_choices(raw: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The categories the case form offers, in order, each with its labels (None: the portal's own words)."""
    raw = raw or {}
    labels = raw.get("category_labels") or {}
    return [{"id": c, "labels": labels.get(c)} for c in (raw.get("categories") or DEFAULT_CATEGORIES)]
