"""Access grants: parsing the integrator's ``portal`` object, the window, modules and the principal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.domain.access import MODULE_ACTIONS, Grant, ModuleGrant, Principal, read_grant
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.records import read_contact
from chalicelib.domain.validation import Reader

TODAY = date(2026, 3, 15)
YESTERDAY = TODAY - timedelta(days=1)
TOMORROW = TODAY + timedelta(days=1)

# DESIGN §1, copied by hand: the code's table must not drift from it.
DESIGN_ACTIONS = {
    "billing": {"view", "download", "comment"},
    "payments": {"view", "pay"},
    "orders": {"view", "create", "comment"},
    "quotes": {"view", "create", "comment"},
    "cases": {"view", "create", "comment"},
    "opportunities": {"view", "create", "comment"},
    "forms": {"view", "create", "comment"},
    "catalog": {"view"},
    "knowledge": {"view"},
    "contracts": {"view"},
    "assets": {"view"},
    "documents": {"view", "download", "comment"},
    "projects": {"view", "download", "comment"},
    "profile": {"view", "edit"},
}


def portal(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "enabled": True,
        "start_date": (TODAY - timedelta(days=30)).isoformat(),
        "end_date": (TODAY + timedelta(days=365)).isoformat(),
        "modules": {"billing": {"scope": "account", "actions": ["view", "download"]}},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def parse(portal_body: Any, *, today: date = TODAY, previous: Grant | None = None) -> Grant | None:
    """Reads ``portal_body`` the way the contact endpoint does: nested under ``portal``."""
    reader = Reader({"portal": portal_body})
    portal_reader = reader.obj("portal")
    assert portal_reader is not None
    grant = read_grant(portal_reader, today=today, previous=previous)
    reader.finish()
    return grant


def errors_of(portal_body: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse(portal_body, **kwargs)
    assert caught.value.status == 422
    return caught.value.fields


# --- the module/action table ------------------------------------------------------------------------------------


def test_module_actions_match_the_design() -> None:
    assert {name: set(actions) for name, actions in MODULE_ACTIONS.items()} == DESIGN_ACTIONS


# --- a valid grant ----------------------------------------------------------------------------------------------


def test_valid_grant_is_read() -> None:
    grant = parse(portal(modules={"billing": {"scope": "own", "actions": ["download"]},
                                  "payments": {"actions": ["pay"]}}))
    assert grant is not None
    assert grant.enabled is True
    assert grant.start_date == TODAY - timedelta(days=30)
    assert grant.end_date == TODAY + timedelta(days=365)
    assert grant.modules["billing"] == ModuleGrant(scope="own", actions=frozenset({"view", "download"}))
    # scope defaults to the whole account
    assert grant.modules["payments"] == ModuleGrant(scope="account", actions=frozenset({"view", "pay"}))


def test_view_is_implied_by_any_action() -> None:
    grant = parse(portal(modules={"profile": {"scope": "account", "actions": ["edit"]}}))
    assert grant is not None
    assert grant.modules["profile"].actions == frozenset({"view", "edit"})


def test_missing_actions_mean_view_only() -> None:
    grant = parse(portal(modules={"catalog": {"scope": "account"}}))
    assert grant is not None
    assert grant.modules["catalog"].actions == frozenset({"view"})


def test_window_may_start_and_end_today() -> None:
    grant = parse(portal(start_date=TODAY.isoformat(), end_date=TODAY.isoformat()))
    assert grant is not None
    assert grant.start_date == grant.end_date == TODAY


def test_disabled_grant_needs_no_dates_nor_modules() -> None:
    grant = parse({"enabled": False})
    assert grant == Grant(enabled=False, start_date=None, end_date=None, modules={})


# --- window rules -----------------------------------------------------------------------------------------------


def test_enabled_requires_start_date() -> None:
    fields = errors_of(portal(start_date=...))
    assert fields == {"portal.start_date": "is required"}


def test_enabled_requires_end_date() -> None:
    fields = errors_of(portal(end_date=...))
    assert fields == {"portal.end_date": "is required"}


def test_enabled_requires_both_dates_and_lists_both() -> None:
    fields = errors_of(portal(start_date=None, end_date=None))
    assert set(fields) == {"portal.start_date", "portal.end_date"}


def test_start_date_in_the_future_is_refused() -> None:
    fields = errors_of(portal(start_date=TOMORROW.isoformat()))
    assert set(fields) == {"portal.start_date"}
    assert "today or earlier" in fields["portal.start_date"]


def test_end_date_in_the_past_is_refused() -> None:
    fields = errors_of(portal(start_date=(TODAY - timedelta(days=60)).isoformat(), end_date=YESTERDAY.isoformat()))
    assert set(fields) == {"portal.end_date"}
    assert "today or later" in fields["portal.end_date"]


def test_end_date_before_start_date_is_refused() -> None:
    fields = errors_of(portal(start_date=TODAY.isoformat(), end_date=(TODAY - timedelta(days=2)).isoformat()))
    assert "portal.end_date" in fields


def test_an_ended_window_already_stored_may_be_sent_again() -> None:
    # Given a contact whose access ended yesterday (stored), the ERP re-sends the same grant with a new phone
    stored = parse(portal(start_date=(TODAY - timedelta(days=60)).isoformat(), end_date=YESTERDAY.isoformat()),
                   today=TODAY - timedelta(days=5))
    assert stored is not None
    # When the unchanged end date comes again after it passed
    again = parse(portal(start_date=(TODAY - timedelta(days=60)).isoformat(), end_date=YESTERDAY.isoformat()),
                  previous=stored)
    # Then it is accepted, but a different past end date is not
    assert again is not None and again.end_date == YESTERDAY
    fields = errors_of(portal(end_date=(TODAY - timedelta(days=2)).isoformat(),
                              start_date=(TODAY - timedelta(days=60)).isoformat()), previous=stored)
    assert set(fields) == {"portal.end_date"}


@pytest.mark.parametrize("bad", ["2026/03/01", "2026-3-1", "01-03-2026", "2026-02-30", 20260301, True])
def test_dates_must_be_iso(bad: Any) -> None:
    fields = errors_of(portal(start_date=bad))
    assert set(fields) == {"portal.start_date"}


def test_enabled_is_required_and_boolean() -> None:
    assert set(errors_of({"start_date": TODAY.isoformat()})) == {"portal.enabled"}
    assert set(errors_of(portal(enabled="yes"))) == {"portal.enabled"}


# --- modules and actions ----------------------------------------------------------------------------------------


def test_enabled_requires_modules() -> None:
    assert set(errors_of(portal(modules=...))) == {"portal.modules"}


def test_enabled_requires_at_least_one_module() -> None:
    fields = errors_of(portal(modules={}))
    assert set(fields) == {"portal.modules"}
    assert "at least one module" in fields["portal.modules"]


def test_unknown_module_is_named() -> None:
    fields = errors_of(portal(modules={"billing": {"actions": ["view"]}, "teleport": {"actions": ["view"]}}))
    assert "portal.modules.teleport" in fields
    assert "not a module" in fields["portal.modules.teleport"]


def test_unknown_module_is_the_only_error_reported() -> None:
    # An unknown module's own valid-looking fields must not be reported as "not a known field":
    # the integrator would be told that `scope` and `actions` are unknown, which is false.
    fields = errors_of(portal(modules={"teleport": {"scope": "account", "actions": ["view"]}}))
    assert set(fields) == {"portal.modules.teleport"}


@pytest.mark.parametrize(
    ("module", "action"),
    [("billing", "pay"), ("catalog", "download"), ("payments", "comment"), ("profile", "create"), ("billing", "VIEW")],
)
def test_unknown_action_is_named_by_path(module: str, action: str) -> None:
    fields = errors_of(portal(modules={module: {"scope": "account", "actions": ["view", action]}}))
    assert set(fields) == {f"portal.modules.{module}.actions"}
    assert action in fields[f"portal.modules.{module}.actions"]


@pytest.mark.parametrize("actions", ["view", [1], {"view": True}])
def test_actions_must_be_a_list_of_names(actions: Any) -> None:
    fields = errors_of(portal(modules={"billing": {"actions": actions}}))
    assert set(fields) == {"portal.modules.billing.actions"}


def test_unknown_scope_is_named() -> None:
    fields = errors_of(portal(modules={"billing": {"scope": "everything", "actions": ["view"]}}))
    assert set(fields) == {"portal.modules.billing.scope"}


def test_unknown_field_inside_a_module_is_named() -> None:
    fields = errors_of(portal(modules={"billing": {"scope": "account", "actons": ["view"]}}))
    assert set(fields) == {"portal.modules.billing.actons"}


def test_every_problem_is_listed_at_once() -> None:
    fields = errors_of(portal(start_date=TOMORROW.isoformat(), end_date=YESTERDAY.isoformat(),
                              modules={"billing": {"actions": ["pay"]}, "cases": {"scope": "nobody"}}))
    assert {"portal.start_date", "portal.end_date", "portal.modules.billing.actions",
            "portal.modules.cases.scope"} <= set(fields)


def test_contact_reader_names_the_full_path() -> None:
    body = {"account_id": "acc-1", "name": "Ana", "email": "ana@cliente.test",
            "portal": portal(modules={"billing": {"actions": ["pay"]}})}
    with pytest.raises(ValidationFailed) as caught:
        read_contact(body, today=TODAY, previous=None)
    assert set(caught.value.fields) == {"portal.modules.billing.actions"}


def test_enabled_contact_needs_an_email() -> None:
    body = {"account_id": "acc-1", "name": "Ana", "portal": portal()}
    with pytest.raises(ValidationFailed) as caught:
        read_contact(body, today=TODAY, previous=None)
    assert set(caught.value.fields) == {"email"}


# --- the stored grant -------------------------------------------------------------------------------------------


def test_grant_json_round_trips() -> None:
    grant = parse(portal(modules={"billing": {"scope": "own", "actions": ["comment"]}, "profile": {}}))
    assert grant is not None
    assert Grant.from_json(grant.to_json()) == grant
    assert grant.to_json()["modules"]["billing"] == {"scope": "own", "actions": ["comment", "view"]}


def test_no_stored_grant_is_disabled() -> None:
    assert Grant.from_json(None).inactive_reason(TODAY) == "access_disabled"


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (TODAY, TODAY, None),
        (YESTERDAY, TOMORROW, None),
        (TOMORROW, TOMORROW + timedelta(days=5), "access_not_started"),
        (TODAY - timedelta(days=9), YESTERDAY, "access_ended"),
    ],
)
def test_window_decides_sign_in(start: date, end: date, reason: str | None) -> None:
    grant = Grant(enabled=True, start_date=start, end_date=end, modules={})
    assert grant.inactive_reason(TODAY) == reason


def test_disabled_grant_refuses_even_inside_its_window() -> None:
    grant = Grant(enabled=False, start_date=YESTERDAY, end_date=TOMORROW, modules={})
    assert grant.inactive_reason(TODAY) == "access_disabled"


def test_effective_modules_are_granted_and_enabled_for_the_tenant() -> None:
    view = ModuleGrant(scope="account", actions=frozenset({"view"}))
    grant = Grant(enabled=True, start_date=YESTERDAY, end_date=TOMORROW,
                  modules={"billing": view, "cases": view, "catalog": view})
    assert set(grant.effective_modules(frozenset({"billing", "catalog", "payments"}))) == {"billing", "catalog"}
    assert grant.effective_modules(frozenset()) == {}


# --- the principal ----------------------------------------------------------------------------------------------


def principal(**modules: ModuleGrant) -> Principal:
    return Principal(tenant="acme", account_id="acc-1", contact_id="c-1", session_id="s-1", modules=modules,
                     timezone="America/Bogota")


def test_principal_allows_a_granted_action() -> None:
    billing = ModuleGrant(scope="own", actions=frozenset({"view", "download"}))
    assert principal(billing=billing).require("billing", "download") == billing
    assert principal(billing=billing).require("billing") == billing


def test_principal_hides_a_module_it_does_not_have() -> None:
    with pytest.raises(NotFound) as caught:
        principal().require("billing")
    assert caught.value.status == 404
    assert caught.value.code == "module_not_enabled"


def test_principal_refuses_an_action_outside_the_grant() -> None:
    billing = ModuleGrant(scope="account", actions=frozenset({"view"}))
    with pytest.raises(Forbidden) as caught:
        principal(billing=billing).require("billing", "download")
    assert caught.value.status == 403
    assert caught.value.code == "action_not_allowed"
