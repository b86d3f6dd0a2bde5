from __future__ import annotations

import pytest

from chalicelib.domain.notifications import KINDS, wants


def test_defaults_documents_opt_in_everything_else_on() -> None:
    assert {kind: wants(None, kind) for kind in KINDS} == KINDS
    assert wants(None, "documents") is False
    assert wants({}, "invoices") is True


def test_stored_switch_wins_over_default() -> None:
    assert wants({"documents": True}, "documents") is True
    assert wants({"invoices": False}, "invoices") is False
    assert wants({"invoices": False}, "payments") is True


def test_older_reminders_switch_still_turns_reminders_off() -> None:
    assert wants({"reminders": True}, "reminders", reminders_opted_out=True) is False
    assert wants(None, "cases", reminders_opted_out=True) is True


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        wants(None, "newsletters")
