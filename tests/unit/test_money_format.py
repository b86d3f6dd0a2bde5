"""Money for people (PDFs and mails) against the vectors the screens are checked with too
(tests/fixtures/money-format.json; tests/e2e/test_money_format.py runs them through js/format.js)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.mail import payment_receipt
from chalicelib.domain.money import NBSP, format_money, shows_cents

VECTORS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "money-format.json").read_text("utf-8"))
LANGUAGES = ("es-CO", "en")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("vector", VECTORS["amounts"], ids=lambda v: f"{v['minor']}-{v['currency']}")
def test_an_amount_alone(vector: dict[str, Any], language: str) -> None:
    assert format_money(vector["minor"], vector["currency"], language=language) == vector[language]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("vector", VECTORS["sets"], ids=lambda v: v["about"])
def test_amounts_read_together_share_their_decimals(vector: dict[str, Any], language: str) -> None:
    cents = shows_cents(vector["minor"], vector["currency"])
    shown = [format_money(minor, vector["currency"], language=language, cents=cents) for minor in vector["minor"]]
    assert shown == vector[language]


def test_blank_and_missing_entries_do_not_decide_a_set() -> None:
    assert shows_cents([None, "", True, 100], "COP") is False
    assert shows_cents([None, 150], "COP") is True


@given(st.integers(min_value=-(10**15), max_value=10**15), st.booleans())
def test_every_digit_is_kept_and_decimals_follow_the_set(minor: int, cents: bool) -> None:
    text = format_money(minor, "COP", cents=cents)
    assert text.startswith(f"-${NBSP}" if minor < 0 else f"${NBSP}")
    with_decimals = cents or minor % 100 != 0  # a set without cents never hides an amount's own
    assert (text[-3] == ",") is with_decimals
    digits = int("".join(c for c in text if c.isdigit()))
    assert digits == (abs(minor) if with_decimals else abs(minor) // 100)


def test_the_receipt_mail_writes_its_amount_by_the_same_rule() -> None:
    vectors = {(v["minor"], v["currency"]): v for v in VECTORS["amounts"]}
    for minor, language in ((175005000, "es-CO"), (175005050, "es-CO"), (175005000, "en")):
        mail = payment_receipt(to="ana@example.com", tenant="Distribuidora Andina S.A.S.", logo_url=None, name="Ana",
                               reference="PTC-1", amount=minor, currency="COP", invoices=["FV-1002"],
                               link="https://portal.example/#/payments/p1", language=language)
        expected = vectors[(minor, "COP")][language]
        assert expected in mail.text
        assert expected in mail.html
