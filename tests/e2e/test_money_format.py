"""Money on screen in chromium: js/format.js against the vectors the PDFs and mails are tested with
(tests/fixtures/money-format.json), the screen-wide set rule of js/money.js, and one invoice read on screen
and in its PDF (docs/decisions.md, "Money on screen, PDF and mail")."""

from __future__ import annotations

import io
import json
from pathlib import Path

import requests
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.test_billing import _sign_in

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "money-format.json").read_text("utf-8"))
NBSP = "\u00a0"

FORMAT_VECTORS = """async (vectors) => {
  const {formatMoney, showsCents} = await import("/js/format.js");
  const {intlLocale} = await import("/js/i18n.js");
  const wrong = [];
  for (const language of ["es-CO", "en"]) {
    const locale = intlLocale(language);
    for (const v of vectors.amounts) {
      const shown = formatMoney(v.minor, v.currency, locale);
      if (shown !== v[language]) {
        wrong.push({language, minor: v.minor, currency: v.currency, shown, expected: v[language]});
      }
    }
    for (const set of vectors.sets) {
      const cents = showsCents(set.minor, set.currency);
      const shown = set.minor.map((minor) => formatMoney(minor, set.currency, locale, {cents}));
      if (JSON.stringify(shown) !== JSON.stringify(set[language])) {
        wrong.push({language, set: set.about, shown, expected: set[language]});
      }
    }
  }
  return wrong;
}"""

# A screen's amounts in one <div>: whole amounts show no decimals until one with cents arrives (a later
# "Cargar más" page), and then every amount of that currency shows them; another currency keeps its own.
SCREEN_SET = """async () => {
  const {money, watchMoney} = await import("/js/money.js");
  const screen = document.createElement("div");
  document.body.append(screen);
  watchMoney(screen);
  screen.append(money(312000000, "COP"), money(0, "COP"), money(100000, "USD"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const before = [...screen.children].map((span) => span.textContent);
  screen.append(money(262184874, "COP"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const after = [...screen.children].map((span) => span.textContent);
  screen.remove();
  return {before, after};
}"""


def test_format_js_writes_every_vector(stack, page):
    page.goto(f"{stack.ui}/#/login")
    expect(page.locator("#login-form")).to_be_visible()
    assert page.evaluate(FORMAT_VECTORS, VECTORS) == []


def test_the_amounts_of_a_screen_share_their_decimals(stack, page):
    page.goto(f"{stack.ui}/#/login")
    expect(page.locator("#login-form")).to_be_visible()
    shown = page.evaluate(SCREEN_SET)
    assert shown["before"] == [f"${NBSP}3.120.000", f"${NBSP}0", f"USD{NBSP}1.000"]
    assert shown["after"] == [f"${NBSP}3.120.000,00", f"${NBSP}0,00", f"USD{NBSP}1.000", f"${NBSP}2.621.848,74"]


def test_an_invoice_reads_the_same_on_screen_and_in_its_pdf(stack, page):
    # FV-1003 (demo): 3.120.000 with VAT included, so its subtotal has cents; 1.000.000 credited.
    _sign_in(stack, page)
    page.goto(f"{stack.ui}/#/invoices/FV-1003")
    amounts = {
        "#invoice-subtotal": f"${NBSP}2.621.848,74",
        "#invoice-tax": f"${NBSP}498.151,26",
        "#invoice-total": f"${NBSP}3.120.000,00",
        "#invoice-balance": f"${NBSP}2.120.000,00",
    }
    for selector, text in amounts.items():
        expect(page.locator(selector)).to_have_text(text)

    page.click("#invoice-pdf")
    link = page.locator("#invoice-pdf-link")
    expect(link).to_be_visible()
    response = requests.get(link.get_attribute("href"), timeout=15)
    assert response.status_code == 200
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for text in amounts.values():
        assert text in pdf_text, (text, pdf_text)

    # The receivables screen has no amount with cents: none shows decimals, FV-1003 included.
    page.goto(f"{stack.ui}/#/receivables")
    expect(page.locator('#receivables-table tr[data-invoice-id="FV-1003"] td.cell-number')).to_have_text(
        f"${NBSP}2.120.000")
    expect(page.locator("#receivables-table td.cell-number", has_text=",")).to_have_count(0)
