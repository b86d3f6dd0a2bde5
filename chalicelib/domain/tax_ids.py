"""Colombian tax identifiers."""

from __future__ import annotations

import re

TAX_ID_TYPES = ("NIT", "CC", "CE", "TI", "PA", "RUT", "OTHER")
# ASCII only (\d takes any Unicode digit); \Z, since "$" also matches before a trailing newline.
_NIT_RE = re.compile(r"\A([0-9]{6,15})-([0-9])\Z")
# DIAN's weights, applied from the rightmost digit of the number leftwards.
_DIAN_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


def nit_check_digit(number: str) -> int:
    """DIAN's verification digit (módulo 11) for the digits of a NIT."""
    total = sum(int(digit) * weight for digit, weight in zip(reversed(number), _DIAN_WEIGHTS, strict=False))
    remainder = total % 11
    return remainder if remainder in (0, 1) else 11 - remainder


def nit_problem(value: str) -> str | None:
    """None when ``value`` is a NIT written ``900123456-8`` with the right check digit; otherwise why not."""
    match = _NIT_RE.fullmatch(value)
    if not match:
        return "must be a NIT written as digits, a hyphen and the check digit (e.g. 900123456-8)"
    number, digit = match.groups()
    expected = nit_check_digit(number)
    if int(digit) != expected:
        return f"check digit does not match (DIAN's algorithm gives {expected})"
    return None
