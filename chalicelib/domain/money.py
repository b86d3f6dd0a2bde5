"""Money as the portal stores it: integer minor units plus an ISO 4217 currency code (DESIGN §2).

The one table of minor-unit exponents; PDFs, payment gateways and anything else that turns minor units
into text (or back) reads it from here.
"""

from __future__ import annotations

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
