"""Payment reminders: the daily schedule that mails them, the contact's switch (``/v1/me/preferences``) and what
the mail's one-click opt-out page posts (``/v1/reminders/opt-out``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Cron

from chalicelib.domain.reminders import read_opt_out, read_preferences
from chalicelib.handlers.http import json_body, route
from chalicelib.handlers.views import reminders as views

if TYPE_CHECKING:
    from chalicelib.services.auth import Context

reminders = Blueprint(__name__)


# 13:00 UTC = 08:00 in Bogotá; each tenant's "today" is its own time zone's.
@reminders.schedule(Cron(0, 13, "*", "*", "?", "*"), name="send_payment_reminders")
def send_payment_reminders(event: Any) -> dict[str, Any]:
    from chalicelib.services import reminders as service  # lazy: loads with its first request

    return service.send_due()


@route(reminders, "/me/preferences", module="profile")
def get_preferences(context: Context) -> dict[str, Any]:
    from chalicelib.services import reminders as service  # lazy: loads with its first request

    return views.preferences(service.preferences(context))


@route(reminders, "/me/preferences", methods=("PUT",), module="profile", action="edit")
def put_preferences(context: Context) -> dict[str, Any]:
    from chalicelib.services import reminders as service  # lazy: loads with its first request

    return views.preferences(service.set_preferences(context, reminders=read_preferences(json_body(reminders))))


@route(reminders, "/reminders/opt-out", methods=("POST",), auth="public")
def opt_out() -> dict[str, Any]:
    """The mail's link opens a portal page that asks first; only its POST turns reminders off."""
    from chalicelib.services import reminders as service  # lazy: loads with its first request

    return views.opted_out(service.opt_out(read_opt_out(json_body(reminders))))
