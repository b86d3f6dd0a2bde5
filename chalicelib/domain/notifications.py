"""The contact's notification switchboard (issue 15, "Notifications"): one switch per kind of mail the portal
sends a contact. Every such mail asks :func:`wants` before it is sent and carries a one-click opt-out link for
its kind. Pure rules: the contact's stored switches come in, a yes or no goes out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

# Kind of mail → whether a contact who never touched the switch gets it. New documents mail only contacts who
# opted in (issue 15, Documents); every other kind is on until the contact turns it off.
KINDS: dict[str, bool] = {
    "invoices": True,  # a new invoice of the account
    "payments": True,  # the result of an online payment
    "reminders": True,  # payment reminders before and after due dates
    "cases": True,  # staff replies and status changes of the contact's cases
    "documents": False,  # a document shared with the account or the contact
    "orders": True,  # order and quote status changes
    "contracts": True,  # service contract renewal reminders
    "forms": True,  # the business's answer to a form submission
}


def wants(switches: Mapping[str, bool] | None, kind: str, *, reminders_opted_out: bool = False) -> bool:
    """Whether a contact with these stored ``switches`` (ContactItem.notifications; None = never set) gets a mail
    of ``kind``. ``reminders_opted_out`` is the older reminders switch (ContactItem.reminders_opted_out_at),
    which still turns reminders off."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if kind == "reminders" and reminders_opted_out:
        return False
    value = (switches or {}).get(kind)
    return KINDS[kind] if value is None else bool(value)
