"""Sales rules (issue 13): price resolution (table-driven), tax in basis points, cart lines, order states, quotes."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain import sales
from chalicelib.domain.errors import ValidationFailed

TODAY = date(2026, 11, 23)


def entry(tiers: list[tuple[int, int]], *, currency: str = "COP", valid_from: str | None = None,
          valid_to: str | None = None) -> dict[str, object]:
    return {"currency": currency, "valid_from": valid_from, "valid_to": valid_to, "tiers": [list(t) for t in tiers]}


ACCOUNT = "acct"
DEFAULT = "general"

# (case, prices of the SKU per list, the account's list, the default list, qty, expected (list, unit price) or reason)
PRICE_CASES = [
    ("the account's list decides", {ACCOUNT: entry([(1, 900)]), DEFAULT: entry([(1, 1000)])}, ACCOUNT, DEFAULT, 1,
     (ACCOUNT, 900)),
    ("no list of its own: the default", {DEFAULT: entry([(1, 1000)])}, None, DEFAULT, 1, (DEFAULT, 1000)),
    ("its list lacks the SKU: the default", {DEFAULT: entry([(1, 1000)])}, ACCOUNT, DEFAULT, 1, (DEFAULT, 1000)),
    ("its list not started yet", {ACCOUNT: entry([(1, 900)], valid_from="2026-11-24"), DEFAULT: entry([(1, 1000)])},
     ACCOUNT, DEFAULT, 1, (DEFAULT, 1000)),
    ("its list ended yesterday", {ACCOUNT: entry([(1, 900)], valid_to="2026-11-22"), DEFAULT: entry([(1, 1000)])},
     ACCOUNT, DEFAULT, 1, (DEFAULT, 1000)),
    ("valid on its first and last day", {ACCOUNT: entry([(1, 900)], valid_from="2026-11-23", valid_to="2026-11-23")},
     ACCOUNT, DEFAULT, 1, (ACCOUNT, 900)),
    ("a list in another currency does not apply", {ACCOUNT: entry([(1, 9)], currency="USD"),
                                                   DEFAULT: entry([(1, 1000)])}, ACCOUNT, DEFAULT, 1,
     (DEFAULT, 1000)),
    ("quantity break reached", {DEFAULT: entry([(1, 1000), (10, 800), (100, 600)])}, None, DEFAULT, 10,
     (DEFAULT, 800)),
    ("between breaks: the lower one", {DEFAULT: entry([(1, 1000), (10, 800), (100, 600)])}, None, DEFAULT, 99,
     (DEFAULT, 800)),
    ("above every break", {DEFAULT: entry([(1, 1000), (10, 800), (100, 600)])}, None, DEFAULT, 5000,
     (DEFAULT, 600)),
    ("below the list's minimum", {DEFAULT: entry([(12, 800)])}, None, DEFAULT, 11, sales.BELOW_MIN),
    ("the minimum itself", {DEFAULT: entry([(12, 800)])}, None, DEFAULT, 12, (DEFAULT, 800)),
    ("no list prices it", {"other": entry([(1, 1)])}, ACCOUNT, DEFAULT, 1, sales.NO_PRICE),
    ("no lists at all", {}, None, None, 1, sales.NO_PRICE),
    ("the default is expired too", {DEFAULT: entry([(1, 1000)], valid_to="2026-01-01")}, None, DEFAULT, 1,
     sales.NO_PRICE),
    ("a price of zero is a price", {DEFAULT: entry([(1, 0)])}, None, DEFAULT, 1, (DEFAULT, 0)),
    ("account list is the default list", {DEFAULT: entry([(1, 1000)])}, DEFAULT, DEFAULT, 1, (DEFAULT, 1000)),
]


@pytest.mark.parametrize(("prices", "account_list", "default_list", "qty", "expected"),
                         [c[1:] for c in PRICE_CASES], ids=[c[0] for c in PRICE_CASES])
def test_resolve_price(prices: dict[str, object], account_list: str | None, default_list: str | None, qty: int,
                       expected: object) -> None:
    ctx = sales.PriceContext(account_list=account_list, default_list=default_list, currency="COP", today=TODAY)
    price, reason = sales.resolve_price(prices, ctx, qty)  # type: ignore[arg-type]
    if isinstance(expected, tuple):
        assert price is not None and reason is None
        assert (price.list_id, price.unit_price) == expected
    else:
        assert price is None and reason == expected


def test_display_price_is_at_the_lists_minimum() -> None:
    ctx = sales.PriceContext(account_list=None, default_list=DEFAULT, currency="COP", today=TODAY)
    price, reason = sales.display_price({DEFAULT: entry([(6, 800), (24, 700)])}, ctx)  # type: ignore[dict-item]
    assert reason is None and price is not None
    assert (price.unit_price, price.min_qty, price.tiers) == (800, 6, ((6, 800), (24, 700)))


@pytest.mark.parametrize(("subtotal", "rate", "tax"), [
    (100_00, 1900, 19_00), (1, 1900, 0), (3, 1900, 1),  # 0.57 → 1
    (250, 1900, 48),  # 47.5 → 48: half up
    (100_00, 0, 0), (100_00, 500, 5_00), (333, 1950, 65),  # 64.935 → 65
    (10**15, 10_000, 10**15),
])
def test_tax_in_basis_points_rounds_half_up(subtotal: int, rate: int, tax: int) -> None:
    assert sales.tax_of(subtotal, rate) == tax


def product(**changes: object) -> sales.ProductView:
    values: dict[str, object] = {"sku": "A", "name": "Producto A", "kind": "product", "unit": "unidad",
                                 "tax_rate": 1900, "active": True, "prices": {DEFAULT: entry([(1, 1000)])}}
    values.update(changes)
    return sales.ProductView(**values)  # type: ignore[arg-type]


CTX = sales.PriceContext(account_list=None, default_list=DEFAULT, currency="COP", today=TODAY)


def test_a_priced_line_and_the_totals() -> None:
    line = sales.price_line("A", 3, product(), CTX)
    assert (line.unit_price, line.subtotal, line.tax, line.total, line.available) == (1000, 3000, 570, 3570, True)
    exempt = sales.price_line("B", 2, product(sku="B", tax_rate=0), CTX)
    totals = sales.totals([line.to_json(), exempt.to_json()], "COP")
    assert totals.to_json() == {"currency": "COP", "subtotal": 5000, "tax": 570, "total": 5570}


@pytest.mark.parametrize(("view", "visible", "reason"), [
    (None, True, "not_found"),
    (product(active=False), True, "inactive"),
    (product(), False, "not_visible"),
    (product(prices={}), True, sales.NO_PRICE),
    (product(prices={DEFAULT: entry([(5, 1000)])}), True, sales.BELOW_MIN),
])
def test_unavailable_lines_count_nothing(view: sales.ProductView | None, visible: bool, reason: str) -> None:
    line = sales.price_line("A", 2, view, CTX, visible=visible)
    assert (line.available, line.reason, line.total) == (False, reason, 0)


def test_below_the_minimum_says_which_minimum() -> None:
    line = sales.price_line("A", 2, product(prices={DEFAULT: entry([(5, 1000)])}), CTX)
    assert line.min_qty == 5


@pytest.mark.parametrize(("current", "target", "allowed"), [
    ("received", "confirmed", True), ("received", "shipped", True), ("confirmed", "in_preparation", True),
    ("shipped", "delivered", True), ("confirmed", "received", False), ("shipped", "confirmed", False),
    ("confirmed", "confirmed", False), ("received", "rejected", True), ("shipped", "rejected", True),
    ("delivered", "rejected", False), ("cancelled", "confirmed", False), ("rejected", "delivered", False),
])
def test_order_transitions(current: str, target: str, allowed: bool) -> None:
    assert (sales.transition_problem(current, target) is None) is allowed


def test_quote_expires_after_its_valid_until() -> None:
    assert sales.quote_status("sent", "2026-11-23", TODAY) == "sent"
    assert sales.quote_status("sent", "2026-11-22", TODAY) == "expired"
    assert sales.quote_status("accepted", "2026-11-01", TODAY) == "accepted"


def test_quote_lines_compute_subtotals_and_the_totals_must_add_up() -> None:
    record = sales.read_quote({
        "account_id": "a", "number": "C-1", "issue_date": "2026-11-01", "valid_until": "2026-11-30",
        "currency": "COP", "lines": [{"description": "x", "qty": 3, "unit_price": 1000, "discount": 500,
                                      "tax_rate": 1900}], "total": 2975})
    assert (record.subtotal, record.tax, record.total) == (2500, 475, 2975)
    with pytest.raises(ValidationFailed) as failed:
        sales.read_quote({"account_id": "a", "number": "C-1", "issue_date": "2026-11-01", "valid_until": "2026-10-30",
                          "currency": "COP", "lines": [{"description": "x", "qty": 1, "unit_price": 10,
                                                        "discount": 20, "tax_rate": 1900}], "tax": 7})
    assert set(failed.value.fields) == {"valid_until", "lines[0].discount", "tax"}


def test_search_folds_accents_and_case() -> None:
    text = sales.search_text("TOR-1", "Tornillería Fina", None, "Ferretería", {"Color": "Azul Índigo"})
    assert "tornilleria" in text and "indigo" in text
    assert sales.search_terms("  TORNILLERÍA   fina ") == ["tornilleria", "fina"]


def test_price_list_reading_groups_tiers_per_sku() -> None:
    record = sales.read_price_list({"name": "G", "currency": "COP", "items": [
        {"sku": "A", "unit_price": 900, "min_qty": 10}, {"sku": "A", "unit_price": 1000}, {"sku": "B",
                                                                                          "unit_price": 5}]})
    assert record.items == {"A": ((1, 1000), (10, 900)), "B": ((1, 5),)}


def test_cart_refuses_a_sku_twice_and_merge_adds_quantities() -> None:
    with pytest.raises(ValidationFailed) as failed:
        sales.read_cart({"lines": [{"sku": "A", "qty": 1}, {"sku": "A", "qty": 2}]})
    assert set(failed.value.fields) == {"lines[1].sku"}
    assert sales.merge_lines([("A", 1), ("B", 2)], [("B", 3), ("C", 1)]) == [("A", 1), ("B", 5), ("C", 1)]


def test_price_list_csv_is_exact_and_defuses_formulas() -> None:
    text = sales.price_list_csv([{"sku": "A", "name": "=HYPERLINK(1)", "unit": "kg", "tax_rate": 1950,
                                  "tiers": [[1, 1250050], [10, 5]]}], currency="COP", exponent=2)
    assert text.split("\r\n")[1:3] == ["A,'=HYPERLINK(1),kg,1,12500.50,COP,19.50",
                                       "A,'=HYPERLINK(1),kg,10,0.05,COP,19.50"]
