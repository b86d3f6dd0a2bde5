"""Payment reminders end to end: the ERP pushes a company with invoices due at reminder steps, the reminder job runs
against the stack (``portico reminders run``, what the daily schedule does), and the mail's button opens the
portal's new-payment page with exactly those invoices preselected; its opt-out link, confirmed, stops reminders,
and the profile's switch turns them back on."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT

PASSWORD = "Recordar-Cafetal-Azul-5"


def run_reminders(stack) -> str:
    """``portico reminders run --tenant demo`` against the stack's AWS emulator."""
    env = {**os.environ, **stack.aws_environment(),
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
           "PORTICO_PORTAL_ORIGIN": stack.ui, "POWERTOOLS_METRICS_NAMESPACE": "PorticoLocal"}
    for variable in ("PORTICO_TABLE", "PORTICO_BUCKET", "AWS_PROFILE"):
        env.pop(variable, None)
    done = subprocess.run([sys.executable, "-m", "chalicelib.cli", "reminders", "run", "--tenant", "demo"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_reminders_button_opens_the_payment_of_exactly_those_invoices(stack, page):
    # Given a company whose invoices are due today, in three days (both reminder steps) and tomorrow (no step)
    today = datetime.now(ZoneInfo("America/Bogota")).date()
    stamp = int(time.time())
    account, email = f"e2e-remind-{stamp}", f"recordar.{stamp}@cliente.example.com"
    assert stack.integrator("PUT", f"accounts/{account}", {
        "name": "Recordada S.A.S.", "tax_id": "900123456-8", "tax_id_type": "NIT",
        "account_executive": {"name": "Laura Restrepo", "email": "laura@andina.example.com"},
    }).status_code == 201
    invoices = {"hoy": (0, 1_500_000_00), "en3": (3, 250_000_00), "manana": (1, 90_000_00)}
    for suffix, (due_in, balance) in invoices.items():
        due = today + timedelta(days=due_in)
        reply = stack.integrator("PUT", f"invoices/{account}-{suffix}", {
            "account_id": account, "number": f"FV-{suffix.upper()}-{stamp}", "issue_date": today.isoformat(),
            "due_date": due.isoformat(), "currency": "COP", "total": balance, "balance": balance})
        assert reply.status_code == 201, reply.text
    contact = stack.integrator("PUT", f"contacts/{account}-c", {
        "account_id": account, "name": "Rosa Recordada", "email": email,
        "portal": {"enabled": True, "start_date": (today - timedelta(days=1)).isoformat(),
                   "end_date": (today + timedelta(days=30)).isoformat(),
                   "modules": {"billing": {"scope": "account", "actions": ["view"]},
                               "payments": {"scope": "account", "actions": ["view", "pay"]},
                               "profile": {"scope": "own", "actions": ["view", "edit"]}}}})
    assert contact.status_code == 201, contact.text
    invitation = next(m for m in stack.outbox() if email in m["to"])
    token = re.search(r"#/set-password\?token=(\S+)", invitation["text"]).group(1)
    assert requests.post(f"{stack.api}/auth/password/set", json={"token": token, "password": PASSWORD},
                         timeout=10).ok

    # When the reminder job runs (twice: the second sends nothing)
    run_reminders(stack)
    run_reminders(stack)
    reminders = [m for m in stack.outbox() if email in m["to"] and "recordatorio de pago" in m["subject"]]
    assert len(reminders) == 1
    text = reminders[0]["text"]
    link = re.search(r"Pagar en línea: (\S+)", text).group(1)
    assert link.startswith(f"{stack.ui}/#/payments/new?")

    # Then its button, followed signed out, asks to sign in and lands on the payment of exactly those invoices
    page.goto(link)
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#payment-form")).to_be_visible()
    rows = page.locator("#payment-items tr[data-invoice-id]")
    expect(rows).to_have_count(2)
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.invoiceId)")) == [f"{account}-en3",
                                                                                        f"{account}-hoy"]
    expect(page.locator("#payment-total")).to_have_text("$\u00a01.750.000")

    # And its opt-out link shows a page that changes nothing until confirmed
    opt_out = re.search(r"Desactívalos aquí: (\S+)", text).group(1)
    page.goto(opt_out)
    expect(page.locator("#reminders-opt-out-confirm")).to_be_visible()
    page.goto(f"{stack.ui}/#/profile")
    expect(page.locator("#reminders-switch")).to_be_checked()
    page.goto(opt_out)
    page.click("#reminders-opt-out-confirm")
    expect(page.locator("#reminders-opt-out-done")).to_contain_text("Distribuidora Andina S.A.S.")

    # The profile's switch shows it off, and turns reminders back on
    page.goto(f"{stack.ui}/#/profile")
    switch = page.locator("#reminders-switch")
    expect(switch).not_to_be_checked()
    expect(page.locator("#reminders-hint")).to_have_text(
        "Te escribimos sobre tus facturas con saldo, según su fecha de vencimiento: 3 días antes, el mismo día, "
        "7 días después y 15 días después.")
    switch.check()
    expect(page.locator("#reminders-status")).to_have_text("Listo: te enviaremos recordatorios de pago.")
    page.reload()
    expect(page.locator("#reminders-switch")).to_be_checked()
