"""The payment reconciler (DESIGN §5): live payments whose ``next_check_at`` has come, checked with their
gateway and applied through the same code path as confirmations.

Bounded concurrency and a per-gateway rate limit; one payment's failure never stops the batch; safe to
run twice at once (every write is conditional on the payment's status).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import clock
from chalicelib.observability import get_logger, get_metrics
from chalicelib.store import db, keys

CONCURRENCY = 8
BATCH = 100  # BatchGetItem's limit
REQUESTS_PER_SECOND = {"payu": 10.0, "zonavirtual": 5.0}


class RateLimit:
    """At most ``rate`` calls a second to one gateway, shared by the worker threads."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next_at = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next_at)
            self.next_at = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


@dataclass
class Stats:
    checked: int = 0
    changed: int = 0
    errors: int = 0
    oldest_pending_seconds: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_json(self) -> dict[str, int]:
        return {"checked": self.checked, "changed": self.changed, "errors": self.errors,
                "oldest_pending_seconds": self.oldest_pending_seconds}


def due_keys(now_iso: str, limit: int) -> list[tuple[str, str]]:
    """(pk, sk) of live payments due by ``now_iso``, oldest first (gsi2 projects keys only)."""
    settings = db.ready()
    found: list[tuple[str, str]] = []
    start: dict[str, Any] | None = None
    while len(found) < limit:
        kwargs: dict[str, Any] = {
            "TableName": settings.table_name, "IndexName": "gsi2",
            "KeyConditionExpression": "gsi2pk = :queue AND gsi2sk <= :now",
            "ExpressionAttributeValues": {":queue": {"S": keys.RECONCILE_QUEUE}, ":now": {"S": f"{now_iso}#~"}},
            "Limit": min(1000, limit - len(found)),
        }
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = db.client("dynamodb").query(**kwargs)
        found += [(i["pk"]["S"], i["sk"]["S"]) for i in page.get("Items", [])]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    return found


def run(*, limit: int = 2000, concurrency: int = CONCURRENCY) -> dict[str, int]:
    """One reconciler run; returns (and emits as metrics) how many payments were checked and changed."""
    from chalicelib.store.models import PaymentItem

    now = clock.now()
    stats = Stats()
    limits = {name: RateLimit(rate) for name, rate in REQUESTS_PER_SECOND.items()}
    wanted = due_keys(clock.iso(now), limit)
    items: list[PaymentItem] = []
    for start in range(0, len(wanted), BATCH):
        items += list(PaymentItem.batch_get(wanted[start:start + BATCH], consistent_read=True))
    if items:
        oldest = min(clock.parse_iso(i.created_at) for i in items)
        stats.oldest_pending_seconds = int((now - oldest).total_seconds())
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for _ in pool.map(lambda item: _check(item, limits, stats), items):
            pass
    metrics = get_metrics()
    for name, value in (("PaymentsChecked", stats.checked), ("PaymentsChanged", stats.changed),
                        ("ReconcilerErrors", stats.errors), ("OldestPendingSeconds", stats.oldest_pending_seconds)):
        metrics.add_metric(name=name, unit="Count" if name != "OldestPendingSeconds" else "Seconds", value=value)
    metrics.flush_metrics()
    result = stats.to_json()
    get_logger().info("reconciler run", extra=result)
    return result


def _check(item: Any, limits: dict[str, RateLimit], stats: Stats) -> None:
    from chalicelib.domain.payments import LIVE
    from chalicelib.payments.exceptions import GatewayError
    from chalicelib.store import payments

    tenant = keys.tenant_of(item.pk)
    try:
        if item.status not in LIVE:
            return  # finished since it was queued
        limits.get(item.gateway, RateLimit(1.0)).wait()
        try:
            report = payments.query_gateway(tenant, item)
        except GatewayError as exc:
            payments.defer(item, f"the gateway did not answer: {exc.message}")
            with stats.lock:
                stats.checked += 1
                stats.errors += 1
            return
        before = item.status
        after = payments.apply_report(item, report, source="check")
        with stats.lock:
            stats.checked += 1
            stats.changed += int(after.status != before)
    except Exception:  # one payment's failure never stops the batch
        get_logger().exception("reconciler check failed", extra={"payment_id": item.payment_id, "tenant": tenant})
        with stats.lock:
            stats.errors += 1
