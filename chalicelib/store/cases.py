"""Support cases and their threads, as stored.

A case lives in its account's partition (``CASE#{number}``) with its comments right after it, so a case page
is one Query. Portal reads take the caller's :class:`Principal` and read only its account; with ``own`` scope
only the contact's own cases. The tenant-wide id index (``T#{t}#CASEID#{number}``) finds a case's account for
the integrator. Every change is one transaction with its event on the integrator feed; a new case also moves
the tenant's case counter, conditioned on its previous value, so numbers are gapless in commit order.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.domain import cases as rules
from chalicelib.domain import clock
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.knowledge import fold  # the same folding as search
from chalicelib.store import cursors, db, events, keys

if TYPE_CHECKING:
    from collections.abc import Callable

    from pynamodb.transactions import TransactWrite

    from chalicelib.domain.access import Principal
    from chalicelib.store.models import CaseCommentItem, CaseItem

MODULE = "cases"
MAX_NUMBER_ATTEMPTS = 6
_NOT_FOUND = "There is no case with that id."


def own_contact(principal: Principal) -> str | None:
    grant = principal.modules.get(MODULE)
    return principal.contact_id if grant is not None and grant.scope == "own" else None


def _visible(principal: Principal, item: CaseItem) -> bool:
    mine = own_contact(principal)
    return mine is None or item.contact_id == mine


def _status_matches(wanted: str, status: str) -> bool:
    return wanted == "all" or (rules.is_open(status) if wanted == "open" else status == wanted)


def with_thread(pk: str, case_id: str) -> tuple[CaseItem | None, list[CaseCommentItem]]:
    """The case of partition ``pk`` (None if absent) and its comments, oldest first: one Query."""
    from chalicelib.store.models import CaseCommentItem, CaseItem, PorticoItem  # lazy: keeps import app fast

    db.ready()
    case, thread = None, []
    for item in PorticoItem.query(pk, PorticoItem.sk.between(keys.case_children_from(case_id),
                                                             keys.case_children_through(case_id)),
                                  consistent_read=True):
        if isinstance(item, CaseItem) and item.case_id == case_id:
            case = item
        elif isinstance(item, CaseCommentItem):
            thread.append(item)
    return case, thread


def visible_case(principal: Principal, case_id: str) -> tuple[CaseItem, list[CaseCommentItem]]:
    """The caller's case with the thread the portal shows (no internal notes), or 404."""
    case, thread = with_thread(keys.account(principal.tenant, principal.account_id), case_id)
    if case is None or not _visible(principal, case):
        raise NotFound(_NOT_FOUND, code="case_not_found")
    return case, [c for c in thread if not c.internal]


def for_staff(tenant: str, case_id: str) -> tuple[CaseItem, list[CaseCommentItem]]:
    """Any case of the tenant with its whole thread: the id index, then one Query; 404 when unknown."""
    from chalicelib.store.models import DocumentIndexItem  # lazy: keeps import app fast

    db.ready()
    try:
        owner = DocumentIndexItem.get(keys.case_index(tenant, case_id), keys.DOC_INDEX_SK, consistent_read=True)
    except DocumentIndexItem.DoesNotExist:
        raise NotFound(_NOT_FOUND, code="case_not_found") from None
    case, thread = with_thread(keys.account(tenant, owner.account_id), case_id)
    if case is None:
        raise NotFound(_NOT_FOUND, code="case_not_found")
    return case, thread


def page(principal: Principal, *, status: str, text: str | None, limit: int, cursor: str | None
         ) -> tuple[list[CaseItem], str | None]:
    """A page of the caller's cases, newest first, filtered by status (one, ``open`` or ``all``) and by a text
    that the number or subject contains (accents and case ignored): one Query on lsi1 a page."""
    from chalicelib.store.models import CaseItem  # lazy: keeps import app fast

    db.ready()
    pk = keys.account(principal.tenant, principal.account_id)
    needle = fold(text) if text else None
    listing = json.dumps([status, needle], separators=(",", ":"))
    start_key = cursors.decode(cursor, pk, "lsi1sk", listing) if cursor else None
    rows: list[CaseItem] = []
    last: CaseItem | None = None
    next_cursor = None
    for item in CaseItem.lsi1.query(pk, CaseItem.lsi1sk.startswith(keys.CASE_LSI_PREFIX), scan_index_forward=False,
                                    consistent_read=True, last_evaluated_key=start_key, page_size=max(limit, 50)):
        if not isinstance(item, CaseItem) or not _visible(principal, item):
            continue
        if not _status_matches(status, item.status):
            continue
        if needle and needle not in fold(f"{item.case_id} {item.subject}"):
            continue
        if len(rows) == limit:
            next_cursor = cursors.encode(last, "lsi1sk", listing) if last else None
            break
        rows.append(item)
        last = item
    return rows, next_cursor


def opened_between(principal: Principal, start: str, end: str) -> list[CaseItem]:
    """The caller's cases opened from instant ``start`` up to (not including) ``end``: one Query on lsi1."""
    from chalicelib.store.models import CaseItem  # lazy: keeps import app fast

    db.ready()
    pk = keys.account(principal.tenant, principal.account_id)
    return [item for item in CaseItem.lsi1.query(
        pk, CaseItem.lsi1sk.between(keys.case_lsi_from(start), keys.case_lsi_from(end)), consistent_read=True)
        if isinstance(item, CaseItem) and _visible(principal, item) and item.created_at < end]


def open_cases(principal: Principal) -> list[CaseItem]:
    """The caller's open cases, oldest first: one Query on lsi2."""
    from chalicelib.store.models import CaseItem  # lazy: keeps import app fast

    db.ready()
    pk = keys.account(principal.tenant, principal.account_id)
    return [item for item in CaseItem.lsi2.query(pk, CaseItem.lsi2sk.startswith(keys.OPEN_CASE_LSI_PREFIX),
                                                 consistent_read=True)
            if isinstance(item, CaseItem) and _visible(principal, item)]


def _current_number(tenant: str) -> int:
    from chalicelib.store.models import CaseCounterItem  # lazy: keeps import app fast

    try:
        return int(CaseCounterItem.get(keys.cases_counter(tenant), keys.COUNTER_SK, consistent_read=True).seq)
    except CaseCounterItem.DoesNotExist:
        return 0


def create(principal: Principal, build: Callable[[str], tuple[CaseItem, dict[str, Any]]],
           more: Callable[[TransactWrite, CaseItem], None]) -> CaseItem:
    """Writes a new case under the next number: ``build(number)`` makes the item and its event's data, ``more``
    adds the rest of the change (uploads used, idempotency record). Counter, case, id index, the rest and the
    ``case.created`` event commit together; a race for the number is retried with the next one."""
    from chalicelib.store.models import CaseCounterItem, CaseItem, DocumentIndexItem  # lazy: keeps import app fast

    db.ready()
    tenant = principal.tenant
    seq = _current_number(tenant)
    for _ in range(MAX_NUMBER_ATTEMPTS):
        number = rules.case_number(seq + 1)
        case, data = build(number)

        def writes(tx: TransactWrite, seq: int = seq, case: CaseItem = case, number: str = number) -> None:
            counter = CaseCounterItem(keys.cases_counter(tenant), keys.COUNTER_SK, seq=seq + 1)
            tx.save(counter, condition=CaseCounterItem.pk.does_not_exist() if seq == 0
                    else CaseCounterItem.seq == seq)
            tx.save(case, condition=CaseItem.pk.does_not_exist())
            tx.save(DocumentIndexItem(keys.case_index(tenant, number), keys.DOC_INDEX_SK, account_id=case.account_id),
                    condition=DocumentIndexItem.pk.does_not_exist())
            more(tx, case)

        try:
            events.append(tenant, "case.created", account_id=principal.account_id, contact_id=principal.contact_id,
                          data=data, writes=writes,
                          conflict_message="The case or an attachment changed while opening it; send it again.")
        except Conflict:
            latest = _current_number(tenant)
            if latest == seq:
                raise  # the number was free: another condition failed
            seq = latest
            continue
        return case
    raise Conflict("Many cases are being opened right now; try again.", code="busy")


def new_case(principal: Principal, number: str, *, contact_name: str, subject: str, description: str,
             category: str, priority: str, attachments: list[dict[str, Any]], suggested: list[str],
             stamp: str) -> CaseItem:
    from chalicelib.store.models import CaseItem  # lazy: keeps import app fast

    return CaseItem(
        keys.account(principal.tenant, principal.account_id), keys.case_sk(number),
        lsi1sk=keys.case_lsi(stamp, number), lsi2sk=keys.open_case_lsi(stamp, number),
        case_id=number, account_id=principal.account_id, contact_id=principal.contact_id, contact_name=contact_name,
        subject=subject, description=description, category=category, priority=priority, status="new",
        attachments=attachments, suggested_articles=suggested or None, created_at=stamp, updated_at=stamp,
    )


def comment_item(case: CaseItem, *, comment_id: str, author_type: str, author_name: str, contact_id: str | None,
                 body: str, internal: bool, attachments: list[dict[str, Any]], stamp: str) -> CaseCommentItem:
    from chalicelib.store.models import CaseCommentItem  # lazy: keeps import app fast

    return CaseCommentItem(case.pk, keys.case_comment_sk(case.case_id, stamp, comment_id), comment_id=comment_id,
                           case_id=case.case_id, author_type=author_type, author_name=author_name,
                           contact_id=contact_id, body=body, internal=internal, attachments=attachments,
                           created_at=stamp)


def load_comment(case: CaseItem, created_at: str, comment_id: str) -> CaseCommentItem | None:
    from chalicelib.store.models import CaseCommentItem  # lazy: keeps import app fast

    try:
        return CaseCommentItem.get(case.pk, keys.case_comment_sk(case.case_id, created_at, comment_id),
                                   consistent_read=True)
    except CaseCommentItem.DoesNotExist:
        return None


def case_changes(case: CaseItem, changes: dict[str, Any], stamp: str) -> list[Any]:
    """Update actions for ``changes`` (attribute → value; None removes), keeping lsi2 (the open list) in step
    with the status."""
    from chalicelib.store.models import CaseItem  # lazy: keeps import app fast

    actions = [CaseItem.updated_at.set(stamp)]
    for name, value in changes.items():
        attribute = getattr(CaseItem, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if "status" in changes:
        if rules.is_open(changes["status"]):
            actions.append(CaseItem.lsi2sk.set(keys.open_case_lsi(case.created_at or stamp, case.case_id)))
        else:
            actions.append(CaseItem.lsi2sk.remove())
    return actions


def save_change(tenant: str, case: CaseItem, actions: list[Any], *, comment: CaseCommentItem | None = None,
                more: Callable[[TransactWrite], None] | None = None, event: tuple[str, dict[str, Any]] | None = None,
                contact_id: str | None = None) -> None:
    """The case's update (conditioned on the version read, so a concurrent change is a 409), a comment, ``more``
    and, when given, the event: one transaction."""
    from chalicelib.store.models import CaseCommentItem  # lazy: keeps import app fast

    def writes(tx: TransactWrite) -> None:
        tx.update(case, actions=actions)
        if comment is not None:
            tx.save(comment, condition=CaseCommentItem.pk.does_not_exist())
        if more is not None:
            more(tx)

    message = "The case changed meanwhile; reload it and try again."
    if event is None:
        with db.transaction(conflict=message) as tx:
            writes(tx)
        return
    events.append(tenant, event[0], account_id=case.account_id, contact_id=contact_id, data=event[1],
                  writes=writes, conflict_message=message)


def now_stamp() -> str:
    return clock.iso_precise(clock.now())
