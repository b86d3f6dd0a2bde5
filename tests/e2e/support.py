"""A customer company of its own for a test, pushed through the integrator API and signed in in the browser."""

from __future__ import annotations

import itertools
import re
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import expect

PASSWORD = "Cafetal-Montaña-Azul-9"
TENANT_ZONE = ZoneInfo("America/Bogota")  # the demo tenant's: the portal counts days overdue there


def tenant_today() -> date:
    """Today where the demo tenant is: between 00:00 and 05:00 UTC the machine's date is already tomorrow."""
    return datetime.now(TENANT_ZONE).date()
_companies = itertools.count(1)


def invite_and_sign_in(stack, page, *, account: str, contact_id: str, name: str, email: str, modules: dict,
                       password: str = PASSWORD) -> None:
    """Pushes a contact with portal access to ``modules``, follows the invitation from the outbox, sets the
    password and signs in through the UI (the dashboard shows)."""
    today = tenant_today()
    reply = stack.integrator("PUT", f"contacts/{contact_id}", {
        "account_id": account, "name": name, "email": email,
        "portal": {"enabled": True, "start_date": (today - timedelta(days=1)).isoformat(),
                   "end_date": (today + timedelta(days=30)).isoformat(), "modules": modules}})
    assert reply.status_code == 201, reply.text
    mail = next(m for m in stack.outbox() if email in m["to"])
    token = re.search(r"#/set-password\?token=(\S+)", mail["text"]).group(1)
    assert requests.post(f"{stack.api}/auth/password/set", json={"token": token, "password": password},
                         timeout=10).ok
    page.goto(f"{stack.ui}/#/login")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    expect(page.locator("#dashboard")).to_be_visible()


class Customer:
    """A company with open invoices and a contact who may pay them, signed in through the UI."""

    def __init__(self, stack, page, *, invoices: tuple[tuple[int, int], ...] = ((40, 1_500_000_00), (10, 250_000_00))):
        """``invoices``: (days overdue, balance) of each open invoice."""
        self.stack, self.page = stack, page
        n = next(_companies)
        self.account = f"e2e-pay-{n}-{int(time.time())}"
        self.email = f"pagos{n}.{int(time.time())}@cliente.example.com"
        today = tenant_today()
        assert stack.integrator("PUT", f"accounts/{self.account}", {
            "name": f"Pagadora {n} S.A.S.", "tax_id": "900123456-8", "tax_id_type": "NIT",
            "account_executive": {"name": "Laura Restrepo", "email": "laura@andina.example.com"},
        }).status_code in (200, 201)
        self.invoices: dict[str, int] = {}
        for index, (days_late, balance) in enumerate(invoices):
            invoice_id = f"{self.account}-fv{index + 1}"
            issued = today - timedelta(days=30 + days_late)
            reply = stack.integrator("PUT", f"invoices/{invoice_id}", {
                "account_id": self.account, "number": f"FV-{n}{index + 1:03d}", "issue_date": issued.isoformat(),
                "due_date": (issued + timedelta(days=30)).isoformat(), "currency": "COP", "total": balance,
                "balance": balance})
            assert reply.status_code == 201, reply.text
            self.invoices[invoice_id] = balance
        invite_and_sign_in(stack, page, account=self.account, contact_id=f"{self.account}-c", name="Pilar Pagos",
                           email=self.email, modules={"billing": {"scope": "account", "actions": ["view"]},
                                                      "payments": {"scope": "account", "actions": ["view", "pay"]}})

    def balance(self, invoice_id: str) -> int:
        return self.stack.integrator("GET", f"invoices/{invoice_id}").json()["balance"]

    def start_payment(self, invoice_ids: list[str], gateway: str, amounts: dict[str, str] | None = None) -> None:
        """Receivables → select → Pagar → confirmation screen → the gateway's page."""
        page = self.page
        page.goto(f"{self.stack.ui}/#/receivables")
        for invoice_id in invoice_ids:
            page.check(f'input.select-invoice[value="{invoice_id}"]')
        expect(page.locator("#pay-button")).to_be_enabled()
        page.click("#pay-button")
        expect(page.locator("#payment-form")).to_be_visible()
        page.check(f'input[name="gateway"][value="{gateway}"]')
        for invoice_id, typed in (amounts or {}).items():
            page.fill(f"#payment-amount-{invoice_id}", typed)
        page.click("#pay-confirm")

    def payment_status(self) -> str:
        status = self.page.locator("#payment-status")
        expect(status).to_be_visible()
        return status.get_attribute("data-status") or ""
