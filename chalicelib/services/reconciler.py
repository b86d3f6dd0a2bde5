"""The payment reconciler (DESIGN §5): payments whose ``next_check_at`` has come, checked with their gateway
and applied through the same code path as confirmations. Each payment carries its own ``next_check_at``, at its
gateway's cadence (:func:`chalicelib.domain.payments.next_check`); the schedule runs every 7 minutes.

Bounded concurrency and a per-gateway rate limit; one payment's failure never stops the batch; safe to
run twice at once (every write is conditional on the payment's status).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chalicelib.domain import clock
from chalicelib.domain import payments as rules
from chalicelib.observability import get_logger, get_metrics
from chalicelib.payments.exceptions import GatewayError
from chalicelib.services import payments
from chalicelib.store import keys
from chalicelib.store import payments as stored

if TYPE_CHECKING:
    from chalicelib.store.models import PaymentItem

CONCURRENCY = 8
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


def reconcile_due(*, limit: int = 2000, concurrency: int = CONCURRENCY) -> dict[str, int]:
    """One reconciler run; returns (and emits as metrics) how many payments were checked and changed."""
    now = clock.now()
    stats = Stats()
    limits = {name: RateLimit(rate) for name, rate in REQUESTS_PER_SECOND.items()}
    items = stored.load_many(stored.due_keys(clock.iso(now), limit))
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


def _check(item: PaymentItem, limits: dict[str, RateLimit], stats: Stats) -> None:
    tenant = keys.tenant_of(item.pk)
    try:
        age = clock.now() - clock.parse_iso(item.created_at)
        if not (rules.awaits_gateway(item.status, item.review_reason)
                or rules.retry_possible(item.gateway, item.status, age)):
            return  # finished since it was queued
        limits.get(item.gateway, RateLimit(1.0)).wait()
        try:
            report = payments.query_gateway(tenant, item)
        except GatewayError as exc:
            payments.defer_check(item, exc)
            with stats.lock:
                stats.checked += 1
                stats.errors += 1
            return
        before = item.status
        after = payments.apply_gateway_report(item, report, source="check")
        with stats.lock:
            stats.checked += 1
            stats.changed += int(after.status != before)
    except Exception:  # one payment's failure never stops the batch
        get_logger().exception("reconciler check failed", extra={"payment_id": item.payment_id, "tenant": tenant})
        with stats.lock:
            stats.errors += 1
