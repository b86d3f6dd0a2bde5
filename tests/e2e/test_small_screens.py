"""What a new user saw on a 360 px phone: the tenant's name cut in the header, an email broken mid-word in the
account executive's card, and two table columns saying the same thing."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.support import Customer
from tests.e2e.test_billing import _sign_in

PHONE = {"width": 360, "height": 740}

# Whether an element cuts its text (ellipsis, overflow), and on how many lines it shows it.
BOX = """(el) => ({
  clipped: el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1,
  lines: Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)),
})"""

# How many lines `selector` and each of its text nodes take (an email is split into such nodes at its <wbr>s).
LINES_OF_TEXT = """(selector) => {
  const element = document.querySelector(selector);
  const lines = (node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  };
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode);
  return {lines: lines(element), pieces: texts.map((node) => [node.textContent, lines(node)])};
}"""


def test_the_header_and_the_executive_card_wrap_where_they_should(stack, page):
    page.set_viewport_size(PHONE)
    _sign_in(stack, page)

    # The tenant's whole name shows, on two lines, not "Distribuidora Andi…"
    name = page.locator("#brand .brand-name")
    expect(name).to_have_text("Distribuidora Andina S.A.S.")
    box = name.evaluate(BOX)
    assert box == {"clipped": False, "lines": 2}

    # The executive's email wraps after its "@" or a dot, never inside a word
    email = 'section.executive-card[aria-labelledby="dashboard-executive-title"] a[href^="mailto:"]'
    expect(page.locator(email)).to_have_text("laura.restrepo@andina.example.com")
    layout = page.evaluate(LINES_OF_TEXT, email)
    assert layout["lines"] > 1, layout  # it does wrap at 360 px…
    assert all(lines == 1 for _, lines in layout["pieces"]), layout  # …but no piece is cut
    assert "".join(text for text, _ in layout["pieces"]) == "laura.restrepo@andina.example.com"
    # …and after its "@" first: the domain moves to the next line whole
    parts = page.locator(f"{email} .email-part")
    assert parts.all_inner_texts() == ["laura.restrepo@", "andina.example.com"]
    tops = parts.evaluate_all("(parts) => parts.map((part) => part.getBoundingClientRect().top)")
    assert tops[1] > tops[0], tops

    # Nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_one_state_column_says_how_late_an_invoice_is(stack, page):
    # Invoices 40 days overdue and due in 3 days
    customer = Customer(stack, page, invoices=((40, 1_500_000_00), (-3, 250_000_00)))
    overdue_id, due_soon_id = customer.invoices

    for route, table in (("#/receivables", "#receivables-table"), ("#/invoices", "#invoices-table")):
        page.goto(f"{stack.ui}/{route}")
        expect(page.locator(table)).to_be_visible()
        heads = page.locator(f"{table} thead th").all_inner_texts()
        assert "Estado" in heads and "Mora" not in heads, heads
        late = page.locator(f'{table} tr[data-invoice-id="{overdue_id}"]')
        expect(late.locator('.badge[data-state="overdue"]')).to_contain_text("Vencida hace 40 días")
        expect(late).not_to_contain_text("de mora")
        soon = page.locator(f'{table} tr[data-invoice-id="{due_soon_id}"]')
        expect(soon.locator('.badge[data-state="due_soon"]')).to_contain_text("Por vencer en 3 días")
        expect(soon).not_to_contain_text(re.compile("Vence en|Al día"))
