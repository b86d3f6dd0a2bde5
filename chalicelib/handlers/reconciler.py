"""The payment reconciler's schedule (DESIGN §5): every 7 minutes, ask the gateways about live payments."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

reconciler = Blueprint(__name__)


@reconciler.schedule(Rate(7, unit=Rate.MINUTES), name="reconcile_payments")
def reconcile_payments(event: Any) -> dict[str, Any]:
    from chalicelib.services import reconciler as service  # lazy: loads with its first request

    return service.reconcile_due()
