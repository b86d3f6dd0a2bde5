"""``Idempotency-Key`` for create requests (DESIGN §3): the first result is written in the same transaction
as the thing it created, so a retry either finds it or creates it, never half of each.

Powertools' idempotency layer writes its record before the function runs and updates it after, in
separate calls; here the record must commit atomically with the business writes, hence this module.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.store import db, keys

if TYPE_CHECKING:
    from pynamodb.transactions import TransactWrite

KEEP_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Claim:
    """One request's idempotency key, bound to its caller's partition and the request's content."""

    pk: str
    sk: str
    request_hash: str

    def replay(self) -> tuple[int, dict[str, Any]] | None:
        """The stored (status, result) of an earlier request with this key; 409 if it had another body."""
        from chalicelib.store.models import IdempotencyItem  # lazy: keeps import app fast

        db.ready()
        try:
            item = IdempotencyItem.get(self.pk, self.sk, consistent_read=True)
        except IdempotencyItem.DoesNotExist:
            return None
        if item.ttl and item.ttl < clock.now().timestamp():
            return None
        if item.request_hash != self.request_hash:
            raise Conflict("This Idempotency-Key was already used for a different request.",
                           code="idempotency_key_reused")
        return int(item.status), item.result

    def record(self, tx: TransactWrite, status: int, result: dict[str, Any]) -> None:
        """Adds the result to ``tx``; the transaction fails if another request claimed the key first."""
        from chalicelib.store.models import IdempotencyItem  # lazy: keeps import app fast

        stamp = clock.now()
        tx.save(
            IdempotencyItem(self.pk, self.sk, request_hash=self.request_hash, status=status, result=result,
                            created_at=clock.iso(stamp), ttl=int(stamp.timestamp()) + KEEP_SECONDS),
            condition=IdempotencyItem.pk.does_not_exist(),
        )


def claim(pk: str, operation: str, key: str | None, request: Any) -> Claim | None:
    """A claim for ``key`` (None without a key); 422 for a key that is empty or too long."""
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isascii():
        raise ValidationFailed({"Idempotency-Key": f"must be 1-{MAX_KEY_LENGTH} ASCII characters"})
    key_hash = hashlib.sha256(key.encode()).hexdigest()[:32]
    canonical = json.dumps([operation, request], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Claim(pk, keys.idempotency_sk(operation, key_hash), hashlib.sha256(canonical.encode()).hexdigest())
