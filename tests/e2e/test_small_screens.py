"""What a new user saw: two table columns saying the same thing."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.support import Customer


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
