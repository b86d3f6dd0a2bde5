"""Online payments end to end: chromium → the portal → the local gateway sandbox → back to the portal.

Each test gets a company of its own (pushed through the integrator API), so the demo data the billing
tests read is untouched.
"""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from tests.e2e.support import Customer


def test_payu_approved_with_a_partial_amount(stack, page):
    customer = Customer(stack, page)
    first, second = list(customer.invoices)
    customer.start_payment([first, second], "payu", amounts={second: "100.000"})

    # The sandbox's PayU checkout verified our signature and shows what is being paid
    expect(page.locator("#payu-approve")).to_be_visible()
    expect(page.locator("body")).to_contain_text("508029")
    page.click("#payu-approve")

    # Back in the portal on the payment's page, approved by PayU's signed confirmation
    page.wait_for_url(re.compile(r"#/payments/pay_"))
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "approved")
    expect(page.locator("#payment-receipt")).to_be_visible()
    assert customer.balance(first) == 0
    assert customer.balance(second) == 250_000_00 - 100_000_00
    receipts = [m for m in stack.outbox() if customer.email in m["to"] and "pago aprobado" in m["subject"]]
    assert len(receipts) == 1

    # The history lists it and the integrator sees the event
    page.goto(f"{stack.ui}/#/payments")
    expect(page.locator("#payments-table tr[data-payment-id]")).to_have_count(1)
    events = stack.integrator("GET", "events?after=0&limit=200").json()["items"]
    approved = [e for e in events if e["type"] == "payment.approved" and e["account_id"] == customer.account]
    assert len(approved) == 1 and approved[0]["data"]["amount"] == 1_500_000_00 + 100_000_00


def test_payu_declined_releases_the_invoices(stack, page):
    customer = Customer(stack, page)
    first = next(iter(customer.invoices))
    customer.start_payment([first], "payu")
    page.click("#payu-decline")
    page.wait_for_url(re.compile(r"#/payments/pay_"))
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "declined")
    assert customer.balance(first) == customer.invoices[first]

    # The invoice is free for another attempt
    customer.start_payment([first], "payu")
    expect(page.locator("#payu-approve")).to_be_visible()


def test_payu_left_pending_then_settled_by_a_late_confirmation(stack, page):
    customer = Customer(stack, page)
    first = next(iter(customer.invoices))
    customer.start_payment([first], "payu")
    page.click("#payu-pending")
    page.wait_for_url(re.compile(r"#/payments/pay_"))

    # Back from PayU, which has the payment: pending at the gateway, never "continue" (issue 11, 15)
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "pending")
    expect(page.locator("#payment-status-explain")).to_have_attribute("data-explain", "explain.pending_gateway")
    expect(page.locator("#payment-next-check")).to_be_visible()
    expect(page.locator("#payment-continue")).to_have_count(0)
    expect(page.locator("#payment-cancel")).to_have_count(0)

    # "Verificar ahora" asks PayU at once (still pending); asked again at once, the portal says when it may ask
    page.click("#payment-check-now")
    expect(page.locator("#payment-action-status")).to_contain_text("Acabamos de verificar el pago")
    expect(page.locator('#payment-timeline li[data-event="contact_check"]')).to_have_count(1)
    page.click("#payment-check-now")
    expect(page.locator("#payment-action-status")).to_contain_text(re.compile(r"en \d+ segundos"))
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "pending")

    # PayU settles it later and confirms server-to-server; the open page notices by itself
    reference = page.locator("#payment-reference").inner_text().strip()
    resolved = requests.post(f"{stack.sandbox}/sandbox/payu/{reference}/resolve", json={"state": "APPROVED"},
                             timeout=10)
    assert resolved.ok and resolved.json()["confirmation"]["delivered"], resolved.text
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "approved", timeout=20_000)
    expect(page.locator("#payment-check-now")).to_have_count(0)
    assert customer.balance(first) == 0


def test_zona_virtual_pse_pending_shows_the_cus(stack, page):
    customer = Customer(stack, page)
    first = next(iter(customer.invoices))
    customer.start_payment([first], "zonavirtual")
    expect(page.locator("#zv-pse-pending")).to_be_visible()
    page.click("#zv-pse-pending")

    # The callback only makes the API ask Zona Virtual, which says: pending at the bank, with a CUS
    page.wait_for_url(re.compile(r"#/payments/pay_"))
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "pending")
    expect(page.locator("#payment-cus")).to_contain_text(re.compile(r"\d"))
    assert customer.balance(first) == customer.invoices[first]

    # What happens next, in the reader's words, and no way to pay twice (issue 11, 15 and 16)
    expect(page.locator("#payment-status-explain")).to_have_attribute("data-explain", "explain.pending_bank")
    expect(page.locator("#payment-status-explain")).to_contain_text("banco")
    expect(page.locator("#payment-continue")).to_have_count(0)
    expect(page.locator("#payment-cancel")).to_have_count(0)
    timeline = page.locator("#payment-timeline")
    expect(timeline.locator('li[data-code="pending_bank"]')).to_contain_text("Esperando la respuesta del banco")
    expect(timeline).not_to_contain_text("CUS")  # the gateway's own words stay out of the timeline

    # The bank approves; the browser does not come back: "Verificar ahora" asks Zona Virtual at once
    reference = page.locator("#payment-reference").inner_text().strip()
    assert requests.post(f"{stack.sandbox}/sandbox/zonavirtual/{reference}/resolve",
                         json={"state": "APPROVED", "method": "PSE"}, timeout=10).ok
    page.click("#payment-check-now")
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "approved")
    expect(page.locator("#payment-action-status")).to_contain_text("Acabamos de verificar el pago")
    assert customer.balance(first) == 0


def test_check_now_brings_in_an_approval_nobody_told_us_about(stack, page):
    """Issue 11, 13: PayU approved, its confirmation never came: "Verificar ahora" finds it."""
    customer = Customer(stack, page)
    first = next(iter(customer.invoices))
    customer.start_payment([first], "payu")
    page.click("#payu-pending")
    page.wait_for_url(re.compile(r"#/payments/pay_"))
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "pending")
    reference = page.locator("#payment-reference").inner_text().strip()
    sandbox = f"{stack.sandbox}/sandbox"
    assert requests.post(f"{sandbox}/switches", json={"drop_confirmations": True}, timeout=10).ok
    try:
        assert requests.post(f"{sandbox}/payu/{reference}/resolve", json={"state": "APPROVED"}, timeout=10).ok
    finally:
        assert requests.post(f"{sandbox}/switches", json={"drop_confirmations": False}, timeout=10).ok
    page.click("#payment-check-now")
    expect(page.locator("#payment-status")).to_have_attribute("data-status", "approved")
    expect(page.locator("#payment-receipt")).to_be_visible()
    expect(page.locator('#payment-timeline li[data-event="contact_check"]')).to_contain_text("Pago aprobado")
    assert customer.balance(first) == 0
