"""Portal-wide endpoints that serve every module: the dashboard and file uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.handlers.http import json_body, route

if TYPE_CHECKING:
    from chalicelib.store.sessions import Context

portal = Blueprint(__name__)

# Actions that let a contact attach files somewhere (comments, new cases, forms).
ATTACHING_ACTIONS = ("comment", "create")


@route(portal, "/portal/dashboard")
def dashboard(context: Context) -> dict[str, Any]:
    """Every module's cards in one request; a module the contact lacks is absent."""
    from chalicelib.store import billing, payments

    modules: dict[str, Any] = {}
    if "billing" in context.principal.modules:
        modules["billing"] = billing.dashboard_card(context.principal, default_currency=context.tenant.currency)
    if "payments" in context.principal.modules:
        modules["payments"] = payments.dashboard_card(context.principal)
    return {"modules": modules}


@route(portal, "/portal/uploads", methods=("POST",), status=201)
def create_upload(context: Context) -> dict[str, Any]:
    from chalicelib.domain.attachments import read_upload
    from chalicelib.store import comments

    context.principal.require_any(ATTACHING_ACTIONS)
    return comments.create_upload(context, read_upload(json_body(portal)))
