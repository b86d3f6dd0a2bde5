"""Billing end to end, as Ana (all modules, whole company) on the demo data: receivables and the selection
panel, a month's statement and its PDF, and a comment with a payment proof that mails the salesperson."""

from __future__ import annotations

import io
import re
import struct
import time
import uuid
import zlib
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.support import Customer

ANA = "ana.gomez@eltornillo.example.com"
DEMO_PASSWORD = "Portal-Demo-2026"  # the published demo login of the local stack
SALESPERSON = "mateo.velez@andina.example.com"  # every demo invoice's salesperson
TENANT_ZONE = ZoneInfo("America/Bogota")


def _sign_in(stack, page, email: str = ANA) -> None:
    page.goto(f"{stack.ui}/#/login")
    page.fill("#login-email", email)
    page.fill("#login-password", DEMO_PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#dashboard")).to_be_visible()


def _text(locator) -> str:
    """The element's text with Intl's no-break spaces ("$\u00a01.750.050") as plain spaces."""
    return locator.inner_text().replace("\u00a0", " ").replace("\u202f", " ").strip()


def _minor_units(shown: str) -> int:
    """"$ 1.750.050" or "$ 1.750.050,50" (es-CO, COP) → minor units."""
    number = re.sub(r"[^\d,]", "", shown).replace(",", ".")
    return int(Decimal(number) * 100)


def _es_co_money(minor_units: int) -> str:
    """COP as es-CO shows it: "$ 7.350.050", decimals only when there are cents."""
    units, cents = divmod(minor_units, 100)
    text = f"$ {units:,}".replace(",", ".")
    return f"{text},{cents:02d}" if cents else text


def _es_co_date(day: date) -> str:
    """A date as es-CO shows it: "5 nov 2026"."""
    months = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic")
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _png() -> bytes:
    """A valid 2×2 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = (b"\x00" + b"\xff\x00\x00" * 2) * 2
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_receivables_show_overdue_and_add_up_the_selection(stack, page):
    _sign_in(stack, page)
    page.click("#main-nav a[href='#/receivables']")
    table = page.locator("#receivables-table")
    expect(table).to_be_visible()

    # One "Estado" column says how late each invoice is (no "Mora" column repeating it)
    assert [_text(th) for th in table.locator("thead th").all()] == [
        "Seleccionar", "Factura", "Emisión", "Vencimiento", "Saldo", "Estado"]
    # FV-1002 is overdue: highlighted, and said with words and an icon, not only colour, once
    overdue = table.locator('tr[data-invoice-id="FV-1002"]')
    expect(overdue).to_have_class(re.compile(r"\bis-overdue\b"))
    expect(overdue.locator('.badge[data-state="overdue"]')).to_contain_text(re.compile(r"⚠\s*Vencida hace \d+ días"))
    expect(overdue).not_to_contain_text("de mora")
    # FV-1006 is not due yet
    current = table.locator('tr[data-invoice-id="FV-1006"]')
    expect(current).not_to_have_class(re.compile(r"\bis-overdue\b"))
    expect(current.locator('.badge[data-state="overdue"]')).to_have_count(0)
    expect(current.locator('.badge[data-state="current"]')).to_contain_text("Vigente")
    assert _minor_units(_text(page.locator("#aging-overdue"))) > 0
    assert _minor_units(_text(page.locator("#aging-total"))) >= _minor_units(_text(page.locator("#aging-overdue")))

    # Selecting two invoices lists them in the panel with their total
    page.check('input.select-invoice[value="FV-1002"]')
    page.check('input.select-invoice[value="FV-1006"]')
    balances = [_minor_units(_text(table.locator(f'tr[data-invoice-id="{number}"] td.cell-number')))
                for number in ("FV-1002", "FV-1006")]
    panel = page.locator("#selected-panel")
    expect(panel.locator('li[data-invoice-id="FV-1002"]')).to_be_visible()
    expect(panel.locator('li[data-invoice-id="FV-1006"]')).to_be_visible()
    expect(page.locator("#selected-total")).not_to_have_text(re.compile(r"^\$\s0$"))
    assert _text(page.locator("#selected-total")) == _es_co_money(sum(balances))

    # Removing one from the panel unticks it and updates the total
    panel.locator('li[data-invoice-id="FV-1006"] button').click()
    expect(page.locator('input.select-invoice[value="FV-1006"]')).not_to_be_checked()
    assert _text(page.locator("#selected-total")) == _es_co_money(balances[0])

    # Ana may pay online (module payments, action pay) and the demo tenant has gateways: Pagar is enabled
    # and leads to the confirmation screen with the selection (nothing is paid until she confirms there)
    pay = page.locator("#pay-button")
    expect(pay).to_be_enabled()
    expect(page.locator("#pay-hint")).to_contain_text("medio de pago")
    pay.click()
    expect(page).to_have_url(re.compile(r"#/payments/new\?invoice=FV-1002$"))
    expect(page.locator('#payment-items tr[data-invoice-id="FV-1002"]')).to_be_visible()

    # With nothing selected there is nothing to pay
    page.go_back()
    panel.locator('li[data-invoice-id="FV-1002"] button').click()
    expect(page.locator("#selected-list li")).to_have_count(0)
    expect(pay).to_be_disabled()


def test_statement_for_a_month_and_its_pdf(stack, page):
    _sign_in(stack, page)
    # FV-1006 was issued 5 days ago (in the tenant's time zone): its month has at least that movement.
    issued = datetime.now(TENANT_ZONE).date() - timedelta(days=5)
    year, month = str(issued.year), f"{issued.month:02d}"
    page.click("#main-nav a[href='#/statement']")
    page.select_option("#statement-mode", "month")
    page.select_option("#statement-year", year)
    page.select_option("#statement-period", month)
    page.click("#statement-show")

    expect(page).to_have_url(re.compile(rf"#/statement\?year={year}&period={month}$"))
    expect(page.locator('#statement-table tr[data-movement-id="FV-1006"]')).to_be_visible()
    expect(page.locator("#statement-opening")).to_be_visible()
    expect(page.locator("#statement-pending")).to_be_visible()
    closing = _text(page.locator("#statement-closing"))
    assert re.fullmatch(r"\$ [\d.]+(,\d\d)?", closing), closing

    # A reload keeps the chosen period
    page.reload()
    expect(page.locator("#statement-mode")).to_have_value("month")
    expect(page.locator("#statement-period")).to_have_value(month)
    expect(page.locator('#statement-table tr[data-movement-id="FV-1006"]')).to_be_visible()
    assert _text(page.locator("#statement-closing")) == closing

    # The PDF is a real PDF with the same closing balance
    page.click("#statement-pdf")
    link = page.locator("#statement-pdf-link")
    expect(link).to_be_visible()
    response = requests.get(link.get_attribute("href"), timeout=15)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    text = text.replace("\u00a0", " ")
    assert re.search(rf"(?<![\d.]){re.escape(closing)}(?![\d.])", text), (closing, text)


def test_statement_opens_on_the_last_12_months_in_a_chosen_currency(stack, page):
    # A company with invoices 50 and 20 days overdue (issued 80 and 50 days ago) and one in dollars
    customer = Customer(stack, page, invoices=((50, 1_500_000_00), (20, 250_000_00)))
    today = datetime.now(TENANT_ZONE).date()
    reply = stack.integrator("PUT", f"invoices/{customer.account}-usd", {
        "account_id": customer.account, "number": "FX-1", "issue_date": (today - timedelta(days=3)).isoformat(),
        "due_date": (today + timedelta(days=27)).isoformat(), "currency": "USD", "total": 123450, "balance": 123450})
    assert reply.status_code == 201, reply.text

    # Without a period it shows the current month and the 11 before it, up to today: both COP invoices,
    # even early in a month
    page.goto(f"{stack.ui}/#/statement")
    expect(page.locator("#statement-heading")).to_have_text("Estado de cuenta · Últimos 12 meses")
    expect(page.locator("#statement-mode")).to_have_value("last12")
    expect(page.locator("#statement-year")).to_be_hidden()
    first = date(today.year - (today.month < 12), (today.month % 12) + 1, 1)
    expect(page.locator("#statement .statement-meta")).to_contain_text(
        f"{_es_co_date(first)} – {_es_co_date(today)}")
    for invoice_id in customer.invoices:
        expect(page.locator(f'#statement-table tr[data-movement-id="{invoice_id}"]')).to_be_visible()

    # The currency is a choice among the account's currencies; dollars show the dollar invoice only
    currency = page.locator("select#statement-currency")
    expect(currency).to_have_value("COP")
    assert currency.locator("option").all_inner_texts() == ["COP", "USD"]
    currency.select_option("USD")
    page.click("#statement-show")
    expect(page).to_have_url(re.compile(r"#/statement\?currency=USD$"))
    expect(page.locator(f'#statement-table tr[data-movement-id="{customer.account}-usd"]')).to_be_visible()
    expect(page.locator("#statement-table tbody tr[data-movement-id]")).to_have_count(1)
    assert _text(page.locator("#statement-closing")) == "USD 1.234,50"

    # Two dates that cannot make a statement are said next to the field, in Spanish, before asking the API
    page.select_option("#statement-mode", "range")
    expect(page.locator("#statement-from")).to_be_visible()
    page.fill("#statement-from", today.isoformat())
    page.fill("#statement-to", (today - timedelta(days=1)).isoformat())
    page.click("#statement-show")
    expect(page.locator("#statement-to-error")).to_have_text("Debe ser igual o posterior a la fecha inicial.")
    page.fill("#statement-from", (today - timedelta(days=400)).isoformat())
    page.fill("#statement-to", today.isoformat())
    page.click("#statement-show")
    expect(page.locator("#statement-to-error")).to_contain_text("máximo 366 días")
    page.fill("#statement-from", (today - timedelta(days=60)).isoformat())
    page.select_option("#statement-currency", "COP")
    page.click("#statement-show")
    expect(page).to_have_url(re.compile(r"#/statement\?from=[\d-]+&to=[\d-]+$"))
    expect(page.locator("#statement-to-error")).to_have_text("")
    expect(page.locator("#statement-table tbody tr[data-movement-id]")).to_have_count(1)  # issued 50 days ago


def test_comment_with_payment_proof_reaches_the_thread_and_the_salesperson(stack, page):
    _sign_in(stack, page)
    page.click("#main-nav a[href='#/invoices']")
    page.fill("#invoices-search", "FV-1005")
    page.press("#invoices-search", "Enter")
    expect(page.locator("#invoices-table tbody tr")).to_have_count(1)
    page.click('#invoices-table a[href="#/invoices/FV-1005"]')
    expect(page.locator("#invoice-detail h1")).to_contain_text("FV-1005")

    body = f"Adjunto el soporte de la transferencia ({uuid.uuid4().hex[:8]})."
    page.fill("#comment-body", body)
    page.set_input_files("#comment-file", files=[{"name": "soporte.png", "mimeType": "image/png", "buffer": _png()}])
    page.check("#comment-proof")
    page.click("#comment-submit")

    expect(page.locator("#comment-status")).to_contain_text("Publicamos tu comentario")
    comment = page.locator("#comments-list > li", has_text=body)
    expect(comment).to_be_visible()
    expect(comment.locator(".comment-proof")).to_contain_text("Soporte de pago")
    attachment = comment.locator("a.attachment-link")
    expect(attachment).to_contain_text("soporte.png")
    expect(page.locator("#invoice-state")).to_contain_text("Soporte recibido")
    download = requests.get(attachment.get_attribute("href"), timeout=15)
    assert download.content == _png()

    # The salesperson gets a mail about it
    deadline = time.monotonic() + 15
    while True:
        mails = [m for m in stack.outbox()
                 if SALESPERSON in str(m["to"]) and "FV-1005" in f"{m['subject']} {m['text']}"]
        if mails or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert mails, "no mail to the salesperson about FV-1005"
    assert "FV-1005" in mails[-1]["subject"]
    assert body in mails[-1]["text"]
    assert "soporte.png" in mails[-1]["text"]

    # Its link opens the portal (never a presigned S3 URL), which prepares the download on click.
    assert "X-Amz-" not in mails[-1]["text"] and "X-Amz-" not in mails[-1]["html"]
    [link] = [word for word in mails[-1]["text"].split() if "#/attachment/" in word]
    staff = page.context.new_page()
    staff.goto(link)
    expect(staff.locator("#attachment-form")).to_be_visible()
    with staff.expect_download() as opened:
        staff.click("#attachment-open")
    assert Path(opened.value.path()).read_bytes() == _png()
    assert opened.value.suggested_filename == "soporte.png"
    staff.close()


def test_invoice_list_loads_more_pages(stack, page):
    from tests.e2e.support import Customer

    # A company with 27 invoices: the list shows a page of 25, "Cargar más" brings the other 2
    customer = Customer(stack, page, invoices=tuple((days, 1_000_00 * (days + 1)) for days in range(27)))
    page.goto(f"{stack.ui}/#/invoices")
    rows = page.locator("#invoices-table tbody tr")
    expect(rows).to_have_count(25)
    page.click("#invoices-more")
    expect(rows).to_have_count(27)
    expect(page.locator("#invoices-more")).to_be_hidden()
    shown = {row.get_attribute("data-invoice-id") for row in rows.all()}
    assert shown == set(customer.invoices)
