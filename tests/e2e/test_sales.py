"""Sales end to end (issue 13) in chromium: a buyer of a company of its own searches the demo catalog, adds two
to the cart, places the order and sees it `received` with the mail in the outbox; accepts a quote and sees it
become an order; downloads the price list."""

from __future__ import annotations

import itertools
import re
import time
from datetime import timedelta

import requests
from playwright.sync_api import expect

from tests.e2e.support import invite_and_sign_in, tenant_today

PASSWORD = "Ferreteria-Andina-Compra-7"
_companies = itertools.count(1)


class Buyer:
    """A company of its own with a contact who may browse, order and answer quotes, signed in through the UI."""

    def __init__(self, stack, page):
        self.stack, self.page = stack, page
        n = next(_companies)
        stamp = int(time.time())
        self.account = f"e2e-sales-{n}-{stamp}"
        self.contact = f"{self.account}-c"
        self.email = f"compras{n}.{stamp}@cliente.example.com"
        assert stack.integrator("PUT", f"accounts/{self.account}", {
            "name": f"Compradora {n} S.A.S.", "tax_id": "900123456-8", "tax_id_type": "NIT",
            "account_executive": {"name": "Laura Restrepo", "email": "laura.restrepo@andina.example.com"},
        }).status_code == 201
        modules = {"catalog": {"scope": "account", "actions": ["view"]},
                   "orders": {"scope": "account", "actions": ["view", "create"]},
                   "quotes": {"scope": "account", "actions": ["view", "create"]}}
        invite_and_sign_in(stack, page, account=self.account, contact_id=self.contact, name="Pablo Compras",
                           email=self.email, modules=modules, password=PASSWORD)


def test_search_add_two_to_the_cart_and_place_the_order(stack, page):
    buyer = Buyer(stack, page)
    page.click("#main-nav a[data-route='/catalog']")
    page.fill("#catalog-search", "taladro percutor")
    card = page.locator("#catalog-list li[data-sku='TAL-PER-750']")
    expect(card).to_be_visible()
    expect(page.locator("#catalog-list li[data-sku]")).to_have_count(1)
    expect(card.locator(".price")).to_have_attribute("data-priced", "true")

    # Its page: the characteristics and the price; back to the same results
    card.locator("a[href='#/catalog/TAL-PER-750']").first.click()
    expect(page.locator("#product-name")).to_contain_text("Taladro percutor")
    expect(page.locator("#product-attributes")).to_be_visible()
    page.go_back()
    expect(card).to_be_visible()
    card.locator("#add-qty-TAL-PER-750").fill("2")
    card.locator("#add-TAL-PER-750").click()
    expect(page.locator("#cart-count")).to_have_text("2")

    # The cart drawer shows the line and live totals in the account's currency (general list: $ 389.000 + IVA)
    page.click("#cart-button")
    drawer = page.locator("#cart-drawer")
    expect(drawer.locator("[data-cart-sku='TAL-PER-750']")).to_be_visible()
    expect(drawer.locator("#cart-subtotal")).to_contain_text("778.000")
    expect(drawer.locator("#cart-total")).to_contain_text("925.820")
    drawer.locator("#cart-checkout").click()

    # Checkout: the details, then the order
    expect(page.locator("#checkout-form")).to_be_visible()
    page.fill("#checkout-po", "OC-E2E-1")
    page.fill("#checkout-notes", "Entregar en la portería")
    page.click("#checkout-submit")
    page.wait_for_url(re.compile(r"#/orders/PED-"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "received")
    expect(page.locator("#order-po")).to_have_text("OC-E2E-1")
    expect(page.locator("#order-total")).to_contain_text("925.820")
    order_id = page.url.rsplit("/", 1)[-1]
    expect(page.locator("#cart-count")).to_have_text("0")

    # The mail is in the outbox (to the buyer and to the account executive) and the integrator can read it
    mails = [m for m in stack.outbox() if order_id in m["subject"]]
    assert any(buyer.email in m["to"] for m in mails), mails
    assert any("laura.restrepo@andina.example.com" in m["to"] for m in mails), mails
    order = stack.integrator("GET", f"orders/{order_id}").json()
    assert order["status"] == "received" and order["lines"][0]["qty"] == 2
    events = stack.integrator("GET", "events?after=0&limit=200").json()["items"]
    assert any(e["type"] == "order.placed" and e["data"]["order_id"] == order_id for e in events)

    # The orders list has it; the ERP confirms it and the timeline shows it
    page.goto(f"{stack.ui}/#/orders")
    expect(page.locator(f"#orders-table tr[data-order-id='{order_id}']")).to_be_visible()
    assert stack.integrator("PUT", f"orders/{order_id}/status", {"status": "confirmed"}).status_code == 200
    page.goto(f"{stack.ui}/#/orders/{order_id}")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "confirmed")
    expect(page.locator("#order-timeline li")).to_have_count(2)


def test_accept_a_quote_and_see_it_become_an_order(stack, page):
    buyer = Buyer(stack, page)
    today = tenant_today()
    quote_id = f"COT-{buyer.account}"
    reply = stack.integrator("PUT", f"quotes/{quote_id}", {
        "account_id": buyer.account, "contact_id": buyer.contact, "number": "COT-E2E-1",
        "issue_date": today.isoformat(), "valid_until": (today + timedelta(days=10)).isoformat(), "currency": "COP",
        "lines": [{"sku": "PUL-ANG-4.5", "description": "Pulidora angular 4 1/2\"", "qty": 3,
                   "unit_price": 250_000_00, "tax_rate": 1900}],
        "notes": "Precio especial por volumen"})
    assert reply.status_code == 201, reply.text
    assert any(buyer.email in m["to"] and "COT-E2E-1" in m["subject"] for m in stack.outbox())

    page.click("#main-nav a[data-route='/quotes']")
    row = page.locator(f"#quotes-table tr[data-quote-id='{quote_id}']")
    expect(row).to_be_visible()
    row.locator(f"[data-accept='{quote_id}']").click()
    expect(page.locator("#quote-accept-form")).to_be_visible()
    expect(page.locator("#quote-total")).to_contain_text("892.500")
    page.fill("#quote-accept-name", "Pablo Compras")
    page.fill("#quote-accept-po", "OC-COT-1")
    page.click("#quote-accept-submit")

    # The acceptance record is on the quote and the order it placed is a link away
    expect(page.locator("#quote-status")).to_have_attribute("data-status", "accepted")
    expect(page.locator("#quote-record-name")).to_have_text("Pablo Compras")
    expect(page.locator("#quote-record-ip")).not_to_be_empty()
    page.click("#quote-order-link")
    page.wait_for_url(re.compile(r"#/orders/PED-"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "received")
    expect(page.locator("#order-quote")).to_have_text(quote_id)
    expect(page.locator("#order-total")).to_contain_text("892.500")
    accepted = stack.integrator("GET", f"quotes/{quote_id}").json()
    assert accepted["status"] == "accepted" and accepted["acceptance"]["name"] == "Pablo Compras"


def test_price_list_page_and_csv_download(stack, page):
    Buyer(stack, page)
    page.goto(f"{stack.ui}/#/price-list")
    expect(page.locator("#price-list-table tr[data-sku='TAL-PER-750']")).to_be_visible()
    expect(page.locator("#price-list-table tr[data-sku='SRV-CORTE']")).to_have_count(0)  # no price: not listed
    with page.expect_popup() as popup:
        page.click("#price-list-csv")
    popup.value.close()
    link = page.locator("#price-list-csv-link").get_attribute("href")
    text = requests.get(link, timeout=10).content.decode("utf-8-sig")
    assert text.startswith("sku,name,unit,min_qty,unit_price,currency,tax_rate_percent")
    assert "TAL-PER-750,Taladro percutor 750 W,unidad,1,389000.00,COP,19.00" in text
