"""Portal-wide endpoints that serve every module: the dashboard, file uploads and mailed attachment links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib.domain.attachments import read_upload
from chalicelib.handlers.http import json_body, route
from chalicelib.handlers.views import dashboard as views

if TYPE_CHECKING:
    from chalicelib.services.auth import Context

portal = Blueprint(__name__)

# Actions that let a contact attach files somewhere (comments, new cases, forms).
ATTACHING_ACTIONS = ("comment", "create")


@route(portal, "/portal/dashboard")
def dashboard(context: Context) -> dict[str, Any]:
    """Every module's cards in one request; a module the contact lacks is absent."""
    from chalicelib.services.dashboard import dashboard as read_dashboard  # lazy: loads with its first request

    return views.dashboard(read_dashboard(context))


@route(portal, "/portal/uploads", methods=("POST",), status=201)
def create_upload(context: Context) -> dict[str, Any]:
    from chalicelib.services import comments  # lazy: loads with its first request

    context.principal.require_any(ATTACHING_ACTIONS)
    return comments.create_upload(context, read_upload(json_body(portal)))


@route(portal, "/attachment-links/{token}", auth="public")
def open_attachment_link(token: str) -> dict[str, Any]:
    """What a mailed attachment link opens: a fresh 15-minute download link (mail never carries one)."""
    from chalicelib.services import comments  # lazy: loads with its first request

    return comments.open_attachment_link(token)
