"""The dashboard: every module's card in one request; a module the contact lacks is absent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.services import billing, cases, orders, payments, quotes

if TYPE_CHECKING:
    from datetime import date

    from chalicelib.services.billing import Comment
    from chalicelib.services.orders import Cart
    from chalicelib.services.payments import PaymentItem
    from chalicelib.store.models import OrderItem, QuoteItem
    from chalicelib.store.sessions import Context


@dataclass(frozen=True, slots=True)
class Dashboard:
    billing: dict[str, Any] | None  # :func:`chalicelib.services.billing.dashboard_card`
    latest_comments: list[Comment] | None
    recent_payments: list[PaymentItem] | None
    cart: Cart | None = None
    recent_orders: list[OrderItem] | None = None
    recent_quotes: list[QuoteItem] | None = None
    today: date | None = None
    cases: dict[str, Any] | None = None  # :func:`chalicelib.services.cases.dashboard_card`


def dashboard(context: Context) -> Dashboard:
    """Billing: 2 Queries (open invoices, latest comments); payments: 1 (the newest payments); catalog: 2 (the
    cart and its products, the second only when the cart has lines); orders: 1; quotes: 1 (lsi1's newest);
    cases: 1 (the open cases)."""
    modules = context.principal.modules
    return Dashboard(
        billing=billing.dashboard_card(context) if "billing" in modules else None,
        latest_comments=billing.latest_comments(context) if "billing" in modules else None,
        recent_payments=payments.recent_payments(context) if "payments" in modules else None,
        cart=orders.get_cart(context) if "catalog" in modules else None,
        recent_orders=orders.recent_orders(context) if "orders" in modules else None,
        recent_quotes=quotes.recent_quotes(context) if "quotes" in modules else None,
        today=clock.today(context.principal.timezone),
        cases=cases.dashboard_card(context) if "cases" in modules else None,
    )
