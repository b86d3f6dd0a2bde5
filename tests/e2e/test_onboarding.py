"""A new customer contact is onboarded end to end: ERP push → invitation mail → set password → dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.support import tenant_today

PASSWORD = "Montaña-Azul-Cafetal-7"


def test_invited_contact_sets_password_signs_in_and_signs_out(stack, page):
    # Given the ERP pushes a company and a contact with portal access
    today = tenant_today()
    account = stack.integrator("PUT", "accounts/e2e-company", {
        "name": "Panadería La Espiga S.A.S.", "tax_id": "900123456-8", "tax_id_type": "NIT",
        "account_executive": {"name": "Laura Restrepo", "email": "laura@andina.example.com"},
    })
    assert account.status_code in (200, 201), account.text
    contact = stack.integrator("PUT", "contacts/e2e-contact", {
        "account_id": "e2e-company", "name": "Sofía Pardo", "email": "sofia@espiga.example.com",
        "portal": {"enabled": True, "start_date": (today - timedelta(days=1)).isoformat(),
                   "end_date": (today + timedelta(days=30)).isoformat(),
                   "modules": {"billing": {"scope": "account", "actions": ["view"]},
                               "profile": {"scope": "own", "actions": ["view", "edit"]}}},
    })
    assert contact.status_code == 201, contact.text

    # When she opens the invitation link from the outbox
    mails = [m for m in stack.outbox() if "sofia@espiga.example.com" in m["to"]]
    assert len(mails) == 1
    link = re.search(r"https?://\S+#/set-password\?token=\S+", mails[0]["text"]).group(0)
    assert link.startswith(stack.ui)
    page.goto(link)

    # and sets a password
    page.fill("#new-password", PASSWORD)
    page.fill("#confirm-password", PASSWORD)
    page.click("#set-password-submit")
    expect(page.locator("#set-password-done")).to_be_visible()

    # Then she can sign in and sees her company on the dashboard
    page.wait_for_selector("#login-form")
    expect(page.locator("#login-email")).to_have_value("sofia@espiga.example.com")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#dashboard-company")).to_contain_text("Panadería La Espiga S.A.S.")
    expect(page.locator("#dashboard-contact")).to_contain_text("Sofía")
    expect(page.locator("#main-nav")).to_be_visible()

    # And signing out returns to the sign-in page; the old session no longer works
    page.click("#logout")
    expect(page.locator("#login-form")).to_be_visible()


def test_wrong_password_is_explained_and_ended_access_is_refused(stack, page):
    # The API answers in English (invalid_credentials, access_ended); the Spanish portal says it in Spanish.
    page.goto(f"{stack.ui}/#/login")
    page.fill("#login-email", "ana.gomez@eltornillo.example.com")
    page.fill("#login-password", "not-the-password-1")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("El correo o la contraseña no son correctos.")
    page.fill("#login-email", "carla.rios@la15.example.com")
    page.fill("#login-password", "Portal-Demo-2026")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text(
        "Tu acceso al portal terminó. Comunícate con tu ejecutivo de cuenta para renovarlo.")
    expect(page.locator("#dashboard")).to_have_count(0)

    # In English the same codes read in English; a code the UI does not know keeps the API's message.
    page.select_option("#lang-switch", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("#login-email", "ana.gomez@eltornillo.example.com")
    page.fill("#login-password", "not-the-password-1")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("The email or password is not correct.")
    page.route("**/v1/auth/login", lambda route: route.fulfill(
        status=409, content_type="application/json", headers={"Access-Control-Allow-Origin": "*"},
        body='{"error": {"code": "some_new_code", "message": "A message only the API has.", "details": {}}}'))
    page.fill("#login-password", "not-the-password-2")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_have_text("A message only the API has.")
