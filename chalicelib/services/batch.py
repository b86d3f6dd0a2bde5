"""Batch sync for integrators (``POST /v1/integration/batch``): an ERP's first sync is tens of thousands of records.

Each item is written exactly as its single endpoint writes it (the same service function: same validation, same
transaction, same events and mails), in the order sent, and answered on its own: one bad item never blocks the
others. With an ``Idempotency-Key`` the answer is kept for 24 hours and a retry gets it back without writing again;
every item is a PUT (create or replace by id), so re-running a batch whose answer was lost is safe too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Conflict, PorticoError
from chalicelib.domain.records import read_batch, read_document
from chalicelib.observability import get_logger
from chalicelib.services import accounts, contacts, documents
from chalicelib.store import db, idempotency, keys

if TYPE_CHECKING:
    from chalicelib.domain.records import BatchEntry


@dataclass(frozen=True, slots=True)
class ItemError:
    """The error body the item's single endpoint would have answered."""

    code: str
    message: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ItemResult:
    type: str | None
    id: str | None
    status: int  # what the item's single endpoint would have answered: 201, 200 or its 4xx (503: send it again)
    error: ItemError | None = None

    @classmethod
    def failed(cls, entry: BatchEntry, status: int, error: PorticoError) -> ItemResult:
        return cls(entry.type, entry.id, status, ItemError(error.code, error.message, error.details))

    @classmethod
    def stored(cls, data: dict[str, Any]) -> ItemResult:
        error = data.get("error")
        return cls(data["type"], data["id"], int(data["status"]), ItemError(**error) if error else None)


def _write(tenant: str, entry: BatchEntry) -> bool:
    """Writes one item through its single endpoint's use case; returns whether it was created."""
    assert entry.type is not None and entry.id is not None
    if entry.type == "account":
        return accounts.upsert_account(tenant, entry.id, entry.data)[1]
    if entry.type == "contact":
        return contacts.upsert_contact(tenant, entry.id, entry.data).created
    return documents.push_document(tenant, entry.id, read_document(entry.type, entry.data))[1]


def _apply(tenant: str, entry: BatchEntry) -> ItemResult:
    if entry.problem is not None:
        return ItemResult.failed(entry, entry.problem.status, entry.problem)
    try:
        created = _write(tenant, entry)
    except PorticoError as refused:
        return ItemResult.failed(entry, refused.status, refused)
    except Exception:  # one item's outage (throttling, a timeout) must not lose the answers of the others
        get_logger().exception("batch item failed", extra={"type": entry.type, "id": entry.id})
        unavailable = PorticoError("This item could not be written now; send it again.", code="try_again")
        return ItemResult.failed(entry, 503, unavailable)
    return ItemResult(entry.type, entry.id, 201 if created else 200)


def _replayed(claim: idempotency.Claim) -> list[ItemResult] | None:
    earlier = claim.replay()
    return None if earlier is None else [ItemResult.stored(data) for data in earlier[1]["results"]]


def apply_batch(tenant: str, body: Any, *, idempotency_key: str | None) -> list[ItemResult]:
    """Validates the envelope (422 for the whole request only when it is not 1-100 items), then writes and
    answers each item in order; a retry with the same ``Idempotency-Key`` gets the first answer back."""
    entries = read_batch(body)
    claim = idempotency.claim(keys.tenant(tenant), "integration.batch", idempotency_key, body)
    if claim is not None and (earlier := _replayed(claim)) is not None:
        return earlier
    results = [_apply(tenant, entry) for entry in entries]
    # An item that failed for a passing reason (503) is not a final answer: a retry with the key must write it.
    if claim is not None and all(r.status < 500 for r in results):
        try:
            with db.transaction() as tx:
                claim.record(tx, 200, {"results": [asdict(r) for r in results]})
        except Conflict:
            if (earlier := _replayed(claim)) is not None:
                return earlier  # a concurrent request with the same key answered first
            raise
    return results
