"""The integrator API (``/v1/integration/*``): what an ERP pushes and reads, with its 4xx answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.integration.conftest import API_KEY, OTHER_API_KEY, OTHER_TENANT, TENANT
from tests.support import ALL_MODULES, PASSWORD, Reply, call, grant, link_token, sent_mail, today, wait_for_new_second

# --- helpers ----------------------------------------------------------------------------------------------------


def put(client: Any, path: str, body: Any, key: str | None = API_KEY) -> Reply:
    return call(client, "PUT", f"/v1/integration/{path}", token=key, body=body)


def get(client: Any, path: str, key: str | None = API_KEY) -> Reply:
    return call(client, "GET", f"/v1/integration/{path}", token=key)


def error(reply: Reply, status: int, code: str) -> dict[str, Any]:
    """Asserts the DESIGN §3 error shape, status and code; returns the details."""
    assert reply.status == status, reply.body
    assert set(reply.body) == {"error"}, reply.body
    assert set(reply.body["error"]) == {"code", "message", "details"}
    assert reply.body["error"]["code"] == code, reply.body
    assert isinstance(reply.body["error"]["message"], str) and reply.body["error"]["message"]
    return reply.body["error"]["details"]


def invalid_fields(reply: Reply) -> dict[str, str]:
    return error(reply, 422, "validation_failed")["fields"]


def account_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Ferretería El Tornillo S.A.S.",
        "tax_id": "900123456-8",
        "tax_id_type": "NIT",
        "email": "cartera@tornillo.test",
        "phone": "+57 601 555 0101",
        "address": "Calle 80 # 10-20",
        "city": "Bogotá",
        "credit_limit": 5_000_000_00,
        "account_executive": {"name": "Eva Ejecutiva", "email": "eva@acme.test", "phone": "+57 300 000 0000"},
    }
    body.update(overrides)
    return body


def contact_body(account_id: str = "acc-1", portal: dict[str, Any] | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"account_id": account_id, "name": "Ana María Rojas", "email": "ana@tornillo.test",
                            "phone": "+57 310 000 0001"}
    if portal is not None:
        body["portal"] = portal
    body.update(overrides)
    return body


def invoice_body(account_id: str = "acc-1", **overrides: Any) -> dict[str, Any]:
    body = {
        "account_id": account_id,
        "number": "FV-1001",
        "issue_date": "2026-01-10",
        "due_date": "2026-02-09",
        "currency": "COP",
        "total": 1_190_000_00,
        "balance": 1_190_000_00,
        "tax": 190_000_00,
        "salesperson": {"name": "Sara Ventas", "email": "sara@acme.test"},
        "lines": [{"description": "Tornillos 3/8", "quantity": 1000, "unit_price": 1_000_00, "total": 1_000_000_00}],
    }
    body.update(overrides)
    return body


def note_body(account_id: str = "acc-1", **overrides: Any) -> dict[str, Any]:
    body = {"account_id": account_id, "number": "NC-77", "issue_date": "2026-01-15", "currency": "COP",
            "total": 100_000_00, "reason": "Devolución parcial"}
    body.update(overrides)
    return body


def receipt_body(account_id: str = "acc-1", **overrides: Any) -> dict[str, Any]:
    return note_body(account_id, **{"number": "RC-9", "reason": None, "method": "transferencia", **overrides})


DOCUMENTS = {
    "invoices": invoice_body,
    "credit-notes": note_body,
    "debit-notes": note_body,
    "receipts": receipt_body,
}
DOC_TYPES = {"invoices": "invoice", "credit-notes": "credit_note", "debit-notes": "debit_note", "receipts": "receipt"}


def body_for(segment: str, account_id: str = "acc-1", **overrides: Any) -> dict[str, Any]:
    body = DOCUMENTS[segment](account_id, **overrides)
    return {k: v for k, v in body.items() if v is not None}


def mails_to(address: str) -> list[dict[str, Any]]:
    return [m for m in sent_mail() if address in m["to"]]


def set_password(client: Any, mail: dict[str, Any], password: str = PASSWORD) -> Reply:
    return call(client, "POST", "/v1/auth/password/set", body={"token": link_token(mail), "password": password})


# --- accounts ---------------------------------------------------------------------------------------------------


def test_put_account_creates_then_updates(world: Any) -> None:
    # When the ERP pushes a new account
    created = put(world.client, "accounts/acc-1", account_body())
    # Then it is created with every field, the currency defaulting to the tenant's
    assert created.status == 201, created.body
    assert created.body["id"] == "acc-1"
    assert created.body["name"] == "Ferretería El Tornillo S.A.S."
    assert created.body["tax_id"] == "900123456-8"
    assert created.body["currency"] == "COP"
    assert created.body["account_executive"] == {"name": "Eva Ejecutiva", "email": "eva@acme.test",
                                                 "phone": "+57 300 000 0000"}
    # When it pushes the same id again with changes
    updated = put(world.client, "accounts/acc-1", account_body(name="Ferretería El Tornillo", currency="USD"))
    # Then it is an update (200) and GET returns the new data
    assert updated.status == 200, updated.body
    fetched = get(world.client, "accounts/acc-1")
    assert fetched.status == 200
    assert fetched.body["name"] == "Ferretería El Tornillo"
    assert fetched.body["currency"] == "USD"
    assert fetched.body["created_at"] == created.body["created_at"]
    assert fetched.headers["content-type"].startswith("application/json")


def test_account_nit_with_right_check_digit_is_accepted(world: Any) -> None:
    assert put(world.client, "accounts/acc-1", account_body(tax_id="900123456-8")).status == 201


def test_account_nit_with_wrong_check_digit_is_422_naming_tax_id(world: Any) -> None:
    reply = put(world.client, "accounts/acc-1", account_body(tax_id="900123456-7"))
    fields = invalid_fields(reply)
    assert set(fields) == {"tax_id"}
    assert "check digit" in fields["tax_id"]
    assert get(world.client, "accounts/acc-1").status == 404  # nothing was stored


def test_account_tax_id_of_another_type_is_not_nit_checked(world: Any) -> None:
    reply = put(world.client, "accounts/acc-1", account_body(tax_id="52123456", tax_id_type="CC"))
    assert reply.status == 201, reply.body


def test_account_validation_lists_every_bad_field(world: Any) -> None:
    body = account_body(name=None, currency="cop", credit_limit=1.5, email="not-an-email", favourite_colour="red",
                        account_executive={"name": "Eva"})
    fields = invalid_fields(put(world.client, "accounts/acc-1", body))
    assert set(fields) == {"name", "currency", "credit_limit", "email", "favourite_colour",
                           "account_executive.email"}


def test_account_id_in_the_path_is_validated(world: Any) -> None:
    fields = invalid_fields(put(world.client, "accounts/-acc", account_body()))
    assert set(fields) == {"account_id"}


def test_get_unknown_account_is_404(world: Any) -> None:
    error(get(world.client, "accounts/nope"), 404, "account_not_found")


# --- contacts ---------------------------------------------------------------------------------------------------


def test_contact_without_portal_access_is_created_without_mail(world: Any) -> None:
    world.account("acc-1")
    reply = put(world.client, "contacts/c-1", contact_body())
    assert reply.status == 201, reply.body
    assert "invitation" not in reply.body
    assert reply.body["portal"]["enabled"] is False
    assert sent_mail() == []
    fetched = get(world.client, "contacts/c-1")
    assert fetched.status == 200
    assert fetched.body["account_id"] == "acc-1"
    assert fetched.body["email"] == "ana@tornillo.test"
    assert fetched.body["password_set"] is False


def test_contact_is_updated_with_200(world: Any) -> None:
    world.account("acc-1")
    assert put(world.client, "contacts/c-1", contact_body()).status == 201
    reply = put(world.client, "contacts/c-1", contact_body(name="Ana M. Rojas"))
    assert reply.status == 200, reply.body
    assert get(world.client, "contacts/c-1").body["name"] == "Ana M. Rojas"


def test_get_unknown_contact_is_404(world: Any) -> None:
    error(get(world.client, "contacts/nope"), 404, "contact_not_found")


def test_contact_of_unknown_account_is_404(world: Any) -> None:
    details = error(put(world.client, "contacts/c-1", contact_body("nope")), 404, "account_not_found")
    assert details == {"account_id": "nope"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"start_date": None}, "portal.start_date"),
        ({"end_date": None}, "portal.end_date"),
        ({"start_date": "tomorrow"}, "portal.start_date"),
        ({"end_date": "yesterday"}, "portal.end_date"),
        ({"modules": {"teleport": {"scope": "account", "actions": ["view"]}}}, "portal.modules.teleport"),
        ({"modules": {"billing": {"scope": "account", "actions": ["view", "pay"]}}}, "portal.modules.billing.actions"),
        ({"modules": {"billing": {"scope": "mine", "actions": ["view"]}}}, "portal.modules.billing.scope"),
        ({"modules": {}}, "portal.modules"),
    ],
)
def test_contact_grant_is_validated(world: Any, change: dict[str, Any], field: str) -> None:
    # Given an enabled grant with one thing wrong
    days = {"tomorrow": today() + timedelta(days=1), "yesterday": today() - timedelta(days=1)}
    portal = grant("billing")
    for name, value in change.items():
        if value is None:
            del portal[name]
        else:
            portal[name] = days[value].isoformat() if isinstance(value, str) else value
    world.account("acc-1")
    # When the ERP pushes it
    reply = put(world.client, "contacts/c-1", contact_body(portal=portal))
    # Then it is a 422 naming that field, and nothing is stored nor mailed
    assert field in invalid_fields(reply)
    assert get(world.client, "contacts/c-1").status == 404
    assert sent_mail() == []


def test_enabled_contact_without_email_is_422(world: Any) -> None:
    world.account("acc-1")
    fields = invalid_fields(put(world.client, "contacts/c-1", contact_body(portal=grant("billing"), email=None)))
    assert set(fields) == {"email"}


def test_invitation_is_mailed_when_access_is_first_enabled(world: Any) -> None:
    world.account("acc-1")
    # When the ERP enables portal access for a new contact
    reply = put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    # Then the answer says an invitation went out, and one mail reached the contact
    assert reply.status == 201, reply.body
    assert reply.body["invitation"]["sent_to"] == "ana@tornillo.test"
    assert reply.body["invited_at"]
    mails = sent_mail()
    assert len(mails) == 1
    assert set(mails[0]["to"]) == {"ana@tornillo.test"}  # moto lists the address twice (argument and header)
    # with the login and the set-password link of this tenant's portal, in both parts
    link = f"http://portal.test/{TENANT}/#/set-password?token="
    assert link in mails[0]["text"]
    assert link in mails[0]["html"]
    assert "ana@tornillo.test" in mails[0]["text"]
    assert "Acme S.A.S." in mails[0]["subject"]
    # and the link works once
    assert set_password(world.client, mails[0]).status == 200


def test_invitation_is_mailed_when_an_existing_contact_gets_access(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body())
    assert sent_mail() == []
    reply = put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    assert reply.status == 200, reply.body
    assert "invitation" in reply.body
    assert len(mails_to("ana@tornillo.test")) == 1


def test_invitation_is_not_resent_on_later_updates(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    assert len(sent_mail()) == 1
    # When the ERP updates the contact, even changing the grant
    reply = put(world.client, "contacts/c-1", contact_body(portal=grant("billing", "payments"), phone="3200000000"))
    # Then no new invitation goes out
    assert reply.status == 200, reply.body
    assert "invitation" not in reply.body
    assert len(sent_mail()) == 1


def test_invite_endpoint_resends_a_fresh_link(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    # When the ERP asks to re-send the invitation
    reply = call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY)
    # Then it is accepted and a second mail with a different link goes out
    assert reply.status == 202, reply.body
    assert reply.body["invitation"]["sent_to"] == "ana@tornillo.test"
    first, second = mails_to("ana@tornillo.test")
    assert link_token(first) != link_token(second)
    assert set_password(world.client, second).status == 200


def test_invitations_over_the_tenants_hourly_cap_are_not_sent(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import override_settings

    override_settings(monkeypatch, invitations_per_tenant_hour=1)
    world.account("acc-1")
    assert put(world.client, "contacts/c-1", contact_body(portal=grant("billing"))).body["invitation"]["sent"]
    # When a second contact is given access within the hour
    reply = put(world.client, "contacts/c-2", contact_body(portal=grant("billing"), email="luis@tornillo.test"))
    # Then the contact is stored, but the answer says the invitation was not sent, and no mail went out
    assert reply.status == 201, reply.body
    invitation = reply.body["invitation"]
    assert invitation["sent"] is False
    assert invitation["reason"] == "rate_limited"
    assert 0 < invitation["retry_after"] <= 3600
    assert reply.body["invited_at"] is None
    assert get(world.client, "contacts/c-2").body["portal"]["enabled"] is True
    assert mails_to("luis@tornillo.test") == []
    # and asking for the invitation explicitly is 429 with Retry-After
    resent = call(world.client, "POST", "/v1/integration/contacts/c-2/invite", token=API_KEY)
    details = error(resent, 429, "invitations_rate_limited")
    assert resent.headers["retry-after"] == str(details["retry_after"])
    assert mails_to("luis@tornillo.test") == []
    # while the other tenant still invites
    world.account("acc-1", key=OTHER_API_KEY)
    other = put(world.client, "contacts/c-2", contact_body(portal=grant("billing")), key=OTHER_API_KEY)
    assert other.body["invitation"]["sent"] is True


def test_invite_of_unknown_contact_is_404(world: Any) -> None:
    error(call(world.client, "POST", "/v1/integration/contacts/nope/invite", token=API_KEY), 404, "contact_not_found")


def test_invite_without_portal_access_is_409(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body())
    reply = call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY)
    error(reply, 409, "access_not_enabled")
    assert sent_mail() == []


def test_invite_outside_the_access_window_is_409(world: Any) -> None:
    from tests.support import rewrite_grant

    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    rewrite_grant(TENANT, "c-1", start_date=today() - timedelta(days=60), end_date=today() - timedelta(days=1))
    reply = call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY)
    assert reply.status == 409, reply.body
    assert len(sent_mail()) == 1  # only the first invitation


def test_email_of_another_portal_user_is_409(world: Any) -> None:
    world.account("acc-1")
    world.account("acc-2")
    assert put(world.client, "contacts/c-1", contact_body(portal=grant("billing"))).status == 201
    # When another contact (even of another account) is given portal access with the same email
    reply = put(world.client, "contacts/c-2", contact_body("acc-2", portal=grant("billing"), email="ANA@Tornillo.test"))
    # Then 409 email_taken, nothing stored and no invitation mailed
    details = error(reply, 409, "email_taken")
    assert details["email"] == "ana@tornillo.test"
    assert get(world.client, "contacts/c-2").status == 404
    assert len(sent_mail()) == 1


def test_email_taken_also_when_an_existing_contact_changes_to_it(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    put(world.client, "contacts/c-2", contact_body(portal=grant("billing"), email="luis@tornillo.test"))
    reply = put(world.client, "contacts/c-2", contact_body(portal=grant("billing"), email="ana@tornillo.test"))
    error(reply, 409, "email_taken")
    assert get(world.client, "contacts/c-2").body["email"] == "luis@tornillo.test"


def test_contacts_without_portal_access_may_share_an_email(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    assert put(world.client, "contacts/c-2", contact_body()).status == 201


def test_email_is_released_when_access_is_disabled(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "contacts/c-1", contact_body(portal=grant("billing")))
    put(world.client, "contacts/c-1", contact_body(portal=grant("billing", enabled=False)))
    assert put(world.client, "contacts/c-2", contact_body(portal=grant("billing"))).status == 201


def test_same_email_in_another_tenant_is_fine(world: Any) -> None:
    world.account("acc-1")
    world.account("acc-1", key=OTHER_API_KEY)
    assert put(world.client, "contacts/c-1", contact_body(portal=grant("billing"))).status == 201
    reply = put(world.client, "contacts/c-9", contact_body(portal=grant("billing")), key=OTHER_API_KEY)
    assert reply.status == 201, reply.body
    assert len(mails_to("ana@tornillo.test")) == 2


def test_grant_change_revokes_existing_sessions(world: Any) -> None:
    # Given a signed-in portal user
    world.account("acc-1")
    world.portal_user("c-1", "acc-1", grant("billing", "payments"))
    wait_for_new_second()
    token = world.login(TENANT, "c-1@cliente.test")
    assert call(world.client, "GET", "/v1/me", token=token).status == 200
    # When the ERP changes the grant (drops payments)
    reply = world.put("contacts/c-1", {"account_id": "acc-1", "name": "Persona c-1", "email": "c-1@cliente.test",
                                       "portal": grant("billing")})
    assert reply["portal"]["modules"].keys() == {"billing"}
    # Then the old token no longer works
    error(call(world.client, "GET", "/v1/me", token=token), 401, "session_expired")
    # but signing in again does, with the new modules
    fresh = world.login(TENANT, "c-1@cliente.test")
    me = call(world.client, "GET", "/v1/me", token=fresh)
    assert me.status == 200
    assert set(me.body["modules"]) == {"billing"}


def test_disabling_access_revokes_sessions(world: Any) -> None:
    world.account("acc-1")
    world.portal_user("c-1", "acc-1", grant("billing"))
    wait_for_new_second()
    token = world.login(TENANT, "c-1@cliente.test")
    world.put("contacts/c-1", {"account_id": "acc-1", "name": "Persona c-1", "email": "c-1@cliente.test",
                               "portal": grant("billing", enabled=False)})
    assert call(world.client, "GET", "/v1/me", token=token).status in (401, 403)


def test_unchanged_grant_keeps_sessions(world: Any) -> None:
    world.account("acc-1")
    token = world.portal_user("c-1", "acc-1", grant("billing"))
    wait_for_new_second()  # a revocation stamped now would be later than the session
    reply = world.put("contacts/c-1", {"account_id": "acc-1", "name": "Persona c-1", "email": "c-1@cliente.test",
                                       "phone": "+57 310 999 9999", "portal": grant("billing")})
    assert reply["phone"] == "+57 310 999 9999"
    assert call(world.client, "GET", "/v1/me", token=token).status == 200


# --- billing documents ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("segment", list(DOCUMENTS))
def test_document_is_created_then_updated(world: Any, segment: str) -> None:
    world.account("acc-1")
    created = put(world.client, f"{segment}/d-1", body_for(segment))
    assert created.status == 201, created.body
    assert created.body["id"] == "d-1"
    assert created.body["type"] == DOC_TYPES[segment]
    assert created.body["account_id"] == "acc-1"
    assert created.body["total"] == body_for(segment)["total"]
    updated = put(world.client, f"{segment}/d-1", body_for(segment, number="X-2", total=90_000_00,
                                                           **({"balance": 0} if segment == "invoices" else {})))
    assert updated.status == 200, updated.body
    fetched = get(world.client, f"{segment}/d-1")
    assert fetched.status == 200
    assert fetched.body["number"] == "X-2"
    assert fetched.body["total"] == 90_000_00
    assert fetched.body["created_at"] == created.body["created_at"]


def test_invoice_keeps_its_fields(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "invoices/inv-1", invoice_body(balance=500_000_00))
    body = get(world.client, "invoices/inv-1").body
    assert body["due_date"] == "2026-02-09"
    assert body["balance"] == 500_000_00
    assert body["tax"] == 190_000_00
    assert body["salesperson"] == {"name": "Sara Ventas", "email": "sara@acme.test"}
    assert body["lines"][0]["total"] == 1_000_000_00
    assert body["pdf_uploaded"] is False


@pytest.mark.parametrize("segment", list(DOCUMENTS))
def test_document_of_unknown_account_is_404(world: Any, segment: str) -> None:
    reply = put(world.client, f"{segment}/d-1", body_for(segment, "nope"))
    error(reply, 404, "account_not_found")


@pytest.mark.parametrize("segment", list(DOCUMENTS))
def test_document_cannot_move_to_another_account(world: Any, segment: str) -> None:
    world.account("acc-1")
    world.account("acc-2")
    assert put(world.client, f"{segment}/d-1", body_for(segment)).status == 201
    # When the same id is pushed under another account
    reply = put(world.client, f"{segment}/d-1", body_for(segment, "acc-2"))
    # Then 409 account_mismatch, and it stays where it was
    error(reply, 409, "account_mismatch")
    assert get(world.client, f"{segment}/d-1").body["account_id"] == "acc-1"


@pytest.mark.parametrize("segment", list(DOCUMENTS))
def test_get_unknown_document_is_404(world: Any, segment: str) -> None:
    error(get(world.client, f"{segment}/nope"), 404, "document_not_found")


def test_document_types_do_not_share_ids(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "credit-notes/d-1", body_for("credit-notes"))
    assert get(world.client, "invoices/d-1").status == 404


def test_invoice_balance_above_total_is_422(world: Any) -> None:
    fields = invalid_fields(put(world.client, "invoices/inv-1", invoice_body(total=100, balance=101)))
    assert set(fields) == {"balance"}


def test_invoice_due_before_issue_is_422(world: Any) -> None:
    fields = invalid_fields(put(world.client, "invoices/inv-1",
                                invoice_body(issue_date="2026-01-10", due_date="2026-01-09")))
    assert set(fields) == {"due_date"}


def test_invoice_float_amounts_are_422(world: Any) -> None:
    body = invoice_body(total=1190000.0, balance=1.5, tax=190000.0)
    body["lines"].append({"description": "Flete", "quantity": 1, "unit_price": 10.5, "total": 10.5})
    fields = invalid_fields(put(world.client, "invoices/inv-1", body))
    assert set(fields) == {"total", "balance", "tax", "lines[1].unit_price", "lines[1].total"}


@pytest.mark.parametrize("segment", ["credit-notes", "debit-notes", "receipts"])
def test_note_float_amounts_are_422(world: Any, segment: str) -> None:
    fields = invalid_fields(put(world.client, f"{segment}/d-1", body_for(segment, total=100.0)))
    assert set(fields) == {"total"}


def test_invoice_required_fields_are_listed(world: Any) -> None:
    fields = invalid_fields(put(world.client, "invoices/inv-1", {"account_id": "acc-1"}))
    assert {"number", "issue_date", "due_date", "currency", "total", "balance"} <= set(fields)


def test_document_contact_must_belong_to_the_account(world: Any) -> None:
    world.account("acc-1")
    world.account("acc-2")
    world.contact("c-2", "acc-2")
    fields = invalid_fields(put(world.client, "invoices/inv-1", invoice_body(contact_id="c-2")))
    assert set(fields) == {"contact_id"}


@pytest.mark.parametrize("segment", ["credit-notes", "receipts"])
def test_applied_to_an_invoice_of_the_account(world: Any, segment: str) -> None:
    world.account("acc-1")
    put(world.client, "invoices/inv-1", invoice_body())
    reply = put(world.client, f"{segment}/d-1", body_for(segment, applied_to=[{"invoice_id": "inv-1", "amount": 500}]))
    assert reply.status == 201, reply.body
    assert reply.body["applied_to"] == [{"invoice_id": "inv-1", "amount": 500}]


@pytest.mark.parametrize("segment", ["credit-notes", "receipts"])
def test_applied_to_another_accounts_invoice_is_422(world: Any, segment: str) -> None:
    world.account("acc-1")
    world.account("acc-2")
    put(world.client, "invoices/inv-2", invoice_body("acc-2"))
    reply = put(world.client, f"{segment}/d-1", body_for(segment, applied_to=[{"invoice_id": "inv-2", "amount": 500}]))
    assert set(invalid_fields(reply)) == {"applied_to[0].invoice_id"}
    assert get(world.client, f"{segment}/d-1").status == 404


@pytest.mark.parametrize("segment", ["credit-notes", "receipts"])
def test_applied_to_an_unknown_invoice_is_422(world: Any, segment: str) -> None:
    world.account("acc-1")
    put(world.client, "invoices/inv-1", invoice_body())
    applied = [{"invoice_id": "inv-1", "amount": 100}, {"invoice_id": "ghost", "amount": 100}]
    reply = put(world.client, f"{segment}/d-1", body_for(segment, applied_to=applied))
    assert set(invalid_fields(reply)) == {"applied_to[1].invoice_id"}
    reply = put(world.client, f"{segment}/d-1", body_for(segment, applied_to=[{"invoice_id": "ghost", "amount": 1}]))
    assert set(invalid_fields(reply)) == {"applied_to[0].invoice_id"}


def test_applied_to_more_than_the_total_is_422(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "invoices/inv-1", invoice_body())
    reply = put(world.client, "receipts/r-1", body_for("receipts", total=100,
                                                       applied_to=[{"invoice_id": "inv-1", "amount": 101}]))
    assert "applied_to" in invalid_fields(reply)


def test_applied_to_in_another_currency_is_422(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "invoices/inv-1", invoice_body())
    reply = put(world.client, "credit-notes/d-1",
                body_for("credit-notes", currency="USD", applied_to=[{"invoice_id": "inv-1", "amount": 1}]))
    assert set(invalid_fields(reply)) == {"applied_to[0].invoice_id"}


def test_invoice_pdf_upload_is_a_presigned_put(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "invoices/inv-1", invoice_body())
    # When the ERP asks where to upload the invoice's PDF
    reply = call(world.client, "POST", "/v1/integration/invoices/inv-1/pdf", token=API_KEY)
    # Then it gets a short-lived presigned PUT under the tenant and account
    assert reply.status == 200, reply.body
    assert reply.body["method"] == "PUT"
    assert reply.body["key"] == f"{TENANT}/acc-1/invoices/inv-1.pdf"
    assert "X-Amz-Signature=" in reply.body["url"]
    assert "X-Amz-Expires=900" in reply.body["url"]
    assert reply.body["headers"] == {"Content-Type": "application/pdf"}
    # and the URL really accepts the upload
    uploaded = requests.put(reply.body["url"], data=b"%PDF-1.4 factura", headers=reply.body["headers"], timeout=5)
    assert uploaded.status_code == 200
    from chalicelib.store import db

    stored = db.client("s3").get_object(Bucket="portico-test-files", Key=reply.body["key"])
    assert stored["Body"].read() == b"%PDF-1.4 factura"
    assert get(world.client, "invoices/inv-1").body["pdf_uploaded"] is True


def test_invoice_is_not_marked_pdf_uploaded_before_the_upload(world: Any) -> None:
    # Handing out an upload URL is not an upload: the ERP may never use it, and the portal would then
    # offer a PDF that does not exist.
    world.account("acc-1")
    put(world.client, "invoices/inv-1", invoice_body())
    assert call(world.client, "POST", "/v1/integration/invoices/inv-1/pdf", token=API_KEY).status == 200
    assert get(world.client, "invoices/inv-1").body["pdf_uploaded"] is False


def test_invoice_pdf_of_unknown_invoice_is_404(world: Any) -> None:
    world.account("acc-1")
    put(world.client, "credit-notes/cn-1", body_for("credit-notes"))
    error(call(world.client, "POST", "/v1/integration/invoices/nope/pdf", token=API_KEY), 404, "document_not_found")
    error(call(world.client, "POST", "/v1/integration/invoices/cn-1/pdf", token=API_KEY), 404, "document_not_found")


# --- events -----------------------------------------------------------------------------------------------------


def events(client: Any, query: str = "", key: str = API_KEY) -> Reply:
    return call(client, "GET", f"/v1/integration/events{query}", token=key)


def test_events_feed_reports_invited_password_set_and_signed_in(world: Any) -> None:
    # Given a contact who is invited, sets a password and signs in
    world.account("acc-1")
    world.portal_user("c-1", "acc-1", grant("billing"))
    # When the ERP reads the feed from the start
    reply = events(world.client)
    # Then the three events come in order, each with the documented fields
    assert reply.status == 200, reply.body
    items = reply.body["items"]
    assert [e["type"] for e in items] == ["contact.invited", "contact.password_set", "contact.signed_in"]
    for event in items:
        assert {"id", "type", "occurred_at", "account_id", "contact_id", "data"} <= set(event)
        assert event["account_id"] == "acc-1"
        assert event["contact_id"] == "c-1"
        assert event["occurred_at"].endswith("Z")
    ids = [int(e["id"]) for e in items]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert reply.body["next_cursor"] is None


def test_events_feed_pages_with_after(world: Any) -> None:
    world.account("acc-1")
    world.portal_user("c-1", "acc-1", grant("billing"))
    call(world.client, "POST", "/v1/integration/contacts/c-1/invite", token=API_KEY)
    everything = events(world.client).body["items"]
    assert len(everything) == 4
    # When the ERP reads two at a time
    first = events(world.client, "?limit=2")
    assert [e["id"] for e in first.body["items"]] == [e["id"] for e in everything[:2]]
    assert first.body["next_cursor"] is not None
    # Then after=<last id> returns only newer events
    last_id = first.body["items"][-1]["id"]
    second = events(world.client, f"?after={last_id}&limit=2")
    assert [e["id"] for e in second.body["items"]] == [e["id"] for e in everything[2:]]
    assert second.body["items"][-1]["type"] == "contact.invited"
    assert second.body["items"][-1]["data"].get("resent") is True
    # and nothing is left after the newest
    rest = events(world.client, f"?after={everything[-1]['id']}")
    assert rest.status == 200
    assert rest.body["items"] == []
    assert rest.body["next_cursor"] is None


def test_events_next_cursor_continues_the_feed(world: Any) -> None:
    world.account("acc-1")
    world.portal_user("c-1", "acc-1", grant("billing"))
    seen: list[str] = []
    query = "?limit=1"
    for _ in range(5):
        page = events(world.client, query).body
        seen += [e["type"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        query = f"?limit=1&cursor={page['next_cursor']}"
    assert seen == ["contact.invited", "contact.password_set", "contact.signed_in"]


@pytest.mark.parametrize("query", ["?after=abc", "?after=-1", "?limit=0", "?limit=201", "?limit=ten"])
def test_events_bad_paging_is_422(world: Any, query: str) -> None:
    invalid_fields(events(world.client, query))


def test_events_of_another_tenant_are_not_visible(world: Any) -> None:
    world.account("acc-1")
    world.portal_user("c-1", "acc-1", grant("billing"))
    reply = events(world.client, key=OTHER_API_KEY)
    assert reply.status == 200
    assert reply.body["items"] == []


# --- request and credential errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["accounts/acc-1", "contacts/c-1", "invoices/i-1", "credit-notes/d-1", "debit-notes/d-1", "receipts/r-1"]
)
def test_malformed_json_is_400(world: Any, path: str) -> None:
    reply = call(world.client, "PUT", f"/v1/integration/{path}", token=API_KEY, raw='{"name": "unterminated')
    error(reply, 400, "malformed_json")


def test_missing_body_is_400(world: Any) -> None:
    error(call(world.client, "PUT", "/v1/integration/accounts/acc-1", token=API_KEY), 400, "malformed_json")


def test_body_that_is_not_an_object_is_422(world: Any) -> None:
    fields = invalid_fields(put(world.client, "accounts/acc-1", [account_body()]))
    assert fields["body"] == "must be a JSON object"


@pytest.mark.parametrize("key", [None, "wrong-key-0123456789", "", "x" * 300])
def test_missing_or_wrong_api_key_is_401(world: Any, key: str | None) -> None:
    world.account("acc-1")
    reply = get(world.client, "accounts/acc-1", key=key)
    error(reply, 401, "invalid_api_key")
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert "Ferretería" not in str(reply.body) and "Cliente acc-1" not in str(reply.body)


def test_non_bearer_authorization_is_401(world: Any) -> None:
    world.account("acc-1")
    reply = call(world.client, "GET", "/v1/integration/accounts/acc-1", headers={"Authorization": f"Basic {API_KEY}"})
    error(reply, 401, "invalid_api_key")


def test_revoked_api_key_is_401(world: Any) -> None:
    from chalicelib.services import tenants

    world.account("acc-1")
    assert get(world.client, "accounts/acc-1").status == 200
    (key,) = tenants.list_api_keys(TENANT)
    tenants.revoke_api_key(TENANT, key.key_id)
    error(get(world.client, "accounts/acc-1"), 401, "invalid_api_key")
    error(put(world.client, "accounts/acc-2", account_body()), 401, "invalid_api_key")
    # the other tenant's key is untouched
    assert get(world.client, "accounts/acc-1", key=OTHER_API_KEY).status == 404


def test_a_new_key_works_alongside_and_after_revoking_the_old(world: Any) -> None:
    from chalicelib.services import tenants

    world.account("acc-1")
    new_key, record = tenants.create_api_key(TENANT, label="rotation")
    assert get(world.client, "accounts/acc-1", key=new_key).status == 200
    old = next(k for k in tenants.list_api_keys(TENANT) if k.key_id != record.key_id)
    tenants.revoke_api_key(TENANT, old.key_id)
    assert get(world.client, "accounts/acc-1", key=new_key).status == 200
    assert get(world.client, "accounts/acc-1").status == 401


def test_other_tenants_key_cannot_read_this_tenants_account(world: Any) -> None:
    world.account("acc-1")
    reply = get(world.client, "accounts/acc-1", key=OTHER_API_KEY)
    error(reply, 404, "account_not_found")
    assert "Cliente acc-1" not in str(reply.body)


def test_other_tenants_key_cannot_write_into_this_tenant(world: Any) -> None:
    world.account("acc-1")
    # The other tenant may use the same ids in its own space...
    assert put(world.client, "accounts/acc-1", account_body(name="Globex client"), key=OTHER_API_KEY).status == 201
    # ...without touching this tenant's record
    assert get(world.client, "accounts/acc-1").body["name"] == "Cliente acc-1"
    assert get(world.client, "accounts/acc-1", key=OTHER_API_KEY).body["name"] == "Globex client"
    # and cannot attach documents or contacts to this tenant's accounts
    world.account("acc-2")
    error(put(world.client, "invoices/inv-1", invoice_body("acc-2"), key=OTHER_API_KEY), 404, "account_not_found")
    error(put(world.client, "contacts/c-1", contact_body("acc-2"), key=OTHER_API_KEY), 404, "account_not_found")
    assert OTHER_TENANT != TENANT


def test_all_modules_grant_is_accepted(world: Any) -> None:
    world.account("acc-1")
    reply = put(world.client, "contacts/c-1", contact_body(portal=grant(*ALL_MODULES)))
    assert reply.status == 201, reply.body
    assert set(reply.body["portal"]["modules"]) == set(ALL_MODULES)


def test_contact_update_racing_a_password_reset_keeps_the_new_password(
    world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ERP's PUT reads the contact, then writes it whole; a password reset committed in between must
    survive. The race is made deterministic by running the reset just before the PUT's own write reaches
    DynamoDB (a wrapper around botocore, not around our code)."""
    import botocore.client

    world.account("acc-1")
    world.portal_user("c-1", "acc-1", grant("billing"))
    call(world.client, "POST", "/v1/auth/password/forgot", body={"tenant": TENANT, "email": "c-1@cliente.test"})
    reset_token = link_token(sent_mail()[-1])

    original = botocore.client.BaseClient._make_api_call
    raced: list[int] = []

    def racing(self: Any, operation_name: str, api_params: Any) -> Any:
        writes_contact = operation_name == "TransactWriteItems" and any(
            (entry.get("Put", {}).get("Item") or entry.get("Update", {}).get("Key") or {}).get("sk", {}).get("S")
            == "CONTACT"
            for entry in api_params.get("TransactItems", [])
        )
        if writes_contact and not raced:
            raced.append(1)
            from chalicelib.services import auth

            auth.set_password(reset_token, "Nueva-Clave-Segura-2026")  # the owner resets meanwhile
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", racing)
    reply = put(world.client, "contacts/c-1", {"account_id": "acc-1", "name": "Persona c-1",
                                               "email": "c-1@cliente.test", "phone": "+57 310 555 0000",
                                               "portal": grant("billing")})
    monkeypatch.undo()
    assert raced, "the race was not staged"
    assert reply.status in (200, 409), reply.body  # applied on top of the reset, or refused as a conflict
    # Then the new password works and the old one does not (or the PUT was refused as a conflict)
    new = call(world.client, "POST", "/v1/auth/login",
               body={"tenant": TENANT, "email": "c-1@cliente.test", "password": "Nueva-Clave-Segura-2026"})
    assert new.status == 200, new.body
    old = call(world.client, "POST", "/v1/auth/login",
               body={"tenant": TENANT, "email": "c-1@cliente.test", "password": PASSWORD})
    assert old.status == 401, old.body


def test_monthly_statement_totals_follow_every_document_change(world: Any) -> None:
    """Opening balances come from monthly Σdebit/Σcredit items; an upsert that moves a document to another
    month or changes its total must move the totals by the difference, never count it twice."""
    from chalicelib.store.models import MonthTotalItem

    world.account("acc-1")
    invoice = {"account_id": "acc-1", "number": "FV-1", "issue_date": "2026-10-05", "due_date": "2026-11-05",
               "currency": "COP", "total": 1000, "balance": 1000}
    world.put("invoices/i-1", invoice)
    # When the ERP corrects the invoice's date and total, and posts a receipt
    world.put("invoices/i-1", {**invoice, "issue_date": "2026-11-05", "due_date": "2026-12-05", "total": 700,
                               "balance": 700})
    world.put("receipts/r-1", {"account_id": "acc-1", "number": "RC-1", "issue_date": "2026-11-06",
                               "currency": "COP", "total": 300, "applied_to": [{"invoice_id": "i-1", "amount": 300}]})
    world.put("receipts/r-1", {"account_id": "acc-1", "number": "RC-1", "issue_date": "2026-11-06",
                               "currency": "COP", "total": 300, "applied_to": [{"invoice_id": "i-1", "amount": 300}]})
    # Then October is back to zero and November holds the corrected invoice and the receipt once
    totals = {m.month: (int(m.debit), int(m.credit))
              for m in MonthTotalItem.query(f"T#{TENANT}#A#acc-1", MonthTotalItem.sk.startswith("ACCOUNT#MONTH#COP#"))}
    assert totals == {"2026-10": (0, 0), "2026-11": (700, 300)}
