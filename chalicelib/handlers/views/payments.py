"""A payment as the portal and the API show it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.domain import payments as rules

if TYPE_CHECKING:
    from chalicelib.services.payments import PaymentItem


def payment(item: PaymentItem, *, with_checkout: bool = True) -> dict[str, Any]:
    result = {
        "id": item.payment_id,
        "reference": item.reference,
        "gateway": item.gateway,
        "method": item.method,
        "status": item.status,
        "amount": int(item.amount),
        "currency": item.currency,
        "items": item.items,
        "transaction_id": item.transaction_id,
        "cus": item.cus,
        "bank": item.bank,
        "next_check_at": item.next_check_at if item.status in rules.LIVE else None,
        "last_checked_at": item.checked_at if item.status in rules.LIVE else None,
        "waiting_for": rules.WAITING_FOR.get(item.pending_code or "") if item.status == rules.PENDING else None,
        "review_reason": item.review_reason,
        "duplicate_of": item.duplicate_of,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "final_at": item.final_at,
        "timeline": [json.loads(str(entry)) for entry in item.timeline or []],
        "timeline_omitted": int(item.timeline_omitted or 0),
    }
    # Only while the gateway has not heard of the payment and the payer has not come back from it: offering
    # the checkout of a payment the gateway holds invites paying twice.
    if with_checkout and item.status == rules.CREATED and item.checkout:
        result["checkout"] = item.checkout
    return result


def payments_page(items: list[PaymentItem], next_cursor: str | None) -> dict[str, Any]:
    return {"items": [payment(i, with_checkout=False) for i in items], "next_cursor": next_cursor}


def dashboard_card(recent: list[PaymentItem]) -> dict[str, Any]:
    """The payments part of the dashboard: the latest payment and how many are still live."""
    return {"latest": payment(recent[0], with_checkout=False) if recent else None,
            "pending_count": sum(1 for p in recent if p.status in rules.LIVE)}
