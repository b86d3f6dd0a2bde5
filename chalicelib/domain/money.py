"""Money as the portal stores it: integer minor units plus an ISO 4217 currency code (DESIGN §2).

The one table of minor-unit exponents; PDFs, payment gateways and anything else that turns minor units
into text (or back) reads it from here, and PDFs and mails write amounts for people with :func:`format_money`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

# ISO 4217 exponents that differ from 2, as in static_site/js/format.js (COP is 2 there and here).
MINOR_UNIT_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
    "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "CLF": 4, "UYW": 4,
}


def minor_unit_exponent(currency: str) -> int:
    """ISO 4217 minor-unit exponent of ``currency`` (2 unless the table says otherwise)."""
    return MINOR_UNIT_EXPONENTS.get((currency or "").upper(), 2)


# --- money as people read it (UI.md "Words and numbers"; docs/decisions.md "Money on screen, PDF and mail") ---

NBSP = "\u00a0"  # between the sign and the number, as Intl writes it, so the two never part at a line end
ES_SEPARATORS = str.maketrans(",.", ".,")  # English number marks → Spanish ones (1,234.5 → 1.234,5)


def has_cents(minor: int, currency: str) -> bool:
    """Whether ``minor`` units of ``currency`` are not a whole number of units (COP 1.750.050,50)."""
    return bool(int(minor) % (10 ** minor_unit_exponent(currency)))


def shows_cents(amounts: Iterable[Any], currency: str) -> bool:
    """Whether a set of amounts read together (one document, one table) shows decimals: when any has cents.
    Entries that are not whole numbers (missing, blank) do not count."""
    return any(isinstance(a, int) and not isinstance(a, bool) and has_cents(a, currency) for a in amounts)


def format_money(minor: int, currency: str, *, language: str = "es-CO", cents: bool = False) -> str:
    """Integer minor units as the portal writes them: ``$ 1.750.050`` (COP in Spanish), ``COP 1,750,050`` (in
    English), every other currency by its code (``USD 1.234,50``); negative ``-$ 1.234``.

    Decimals show when the amount has cents (UI.md), or when ``cents`` says the set it is read with has them
    (:func:`shows_cents`); a cent is never dropped. The same rule, vectors and characters as ``formatMoney``
    in static_site/js/format.js (tests/fixtures/money-format.json).
    """
    code = (currency or "").upper()
    exponent = minor_unit_exponent(code)
    units, fraction = divmod(abs(int(minor)), 10**exponent)
    number = f"{units:,}"
    if exponent and (cents or has_cents(minor, code)):
        number += f".{fraction:0{exponent}d}"
    english = (language or "").lower().startswith("en")
    if not english:
        number = number.translate(ES_SEPARATORS)
    symbol = "$" if code == "COP" and not english else code
    sign = "-" if int(minor) < 0 else ""
    return f"{sign}{symbol}{NBSP}{number}" if symbol else f"{sign}{number}"
