"""The dashboard as the portal shows it: one key per module the contact has."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.handlers.views import billing, payments, sales

if TYPE_CHECKING:
    from chalicelib.services.dashboard import Dashboard


def dashboard(cards: Dashboard) -> dict[str, Any]:
    modules: dict[str, Any] = {}
    if cards.billing is not None:
        modules["billing"] = {**cards.billing, "latest_comments": billing.latest_comments(cards.latest_comments or [])}
    if cards.recent_payments is not None:
        modules["payments"] = payments.dashboard_card(cards.recent_payments)
    if cards.today is not None:
        modules.update(sales.dashboard_cards(cards.recent_orders, cards.recent_quotes, cards.cart, cards.today))
    if cards.cases is not None:
        modules["cases"] = cards.cases
    return {"modules": modules}
