"""The dashboard: every module's card in one request; a module the contact lacks is absent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.services import billing, cases, payments

if TYPE_CHECKING:
    from chalicelib.services.billing import Comment
    from chalicelib.services.payments import PaymentItem
    from chalicelib.store.sessions import Context


@dataclass(frozen=True, slots=True)
class Dashboard:
    billing: dict[str, Any] | None  # :func:`chalicelib.services.billing.dashboard_card`
    latest_comments: list[Comment] | None
    recent_payments: list[PaymentItem] | None
    cases: dict[str, Any] | None = None  # :func:`chalicelib.services.cases.dashboard_card`


def dashboard(context: Context) -> Dashboard:
    """Billing: 2 Queries (open invoices, latest comments); payments: 1 (the newest payments); cases: 1 (the open
    cases)."""
    modules = context.principal.modules
    return Dashboard(
        billing=billing.dashboard_card(context) if "billing" in modules else None,
        latest_comments=billing.latest_comments(context) if "billing" in modules else None,
        recent_payments=payments.recent_payments(context) if "payments" in modules else None,
        cases=cases.dashboard_card(context) if "cases" in modules else None,
    )
