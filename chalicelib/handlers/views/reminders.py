"""API JSON of payment reminders: the contact's preferences and the answer of the mailed opt-out link."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.services.reminders import OptedOut, Preferences


def preferences(prefs: Preferences) -> dict[str, Any]:
    """``reminders`` is the contact's own switch; ``reminder_schedule`` says whether reminders reach them at all
    (``active``) and on which days relative to a due date (``offsets``: -3 is three days before)."""
    return {"reminders": prefs.reminders,
            "reminder_schedule": {"active": prefs.active, "offsets": list(prefs.schedule.offsets)}}


def opted_out(result: OptedOut) -> dict[str, Any]:
    return {"reminders": False, "tenant": {"slug": result.tenant.slug, "name": result.tenant.name}}
