"""NIT check digits with DIAN's módulo-11 algorithm (chalicelib.domain.tax_ids)."""

from __future__ import annotations

import pytest

from chalicelib.domain.tax_ids import TAX_ID_TYPES, nit_check_digit, nit_problem

# Published NITs of well-known Colombian entities, with their verification digit.
KNOWN_NITS = [
    ("800197268", 4),  # DIAN
    ("899999068", 1),  # Ecopetrol
    ("890903938", 8),  # Bancolombia
    ("890900608", 9),  # Almacenes Éxito
    ("860034313", 7),  # Davivienda
    ("900123456", 8),  # the example of the design notes
]


@pytest.mark.parametrize(("number", "digit"), KNOWN_NITS)
def test_check_digit_of_known_nits(number: str, digit: int) -> None:
    assert nit_check_digit(number) == digit


def test_check_digit_worked_by_hand() -> None:
    # 900123456 read right to left: 6·3 + 5·7 + 4·13 + 3·17 + 2·19 + 1·23 + 0·29 + 0·37 + 9·41 = 586
    # 586 mod 11 = 3, and 11 - 3 = 8
    assert nit_check_digit("900123456") == 8


def test_remainders_zero_and_one_are_the_digit_itself() -> None:
    # 100000001 → 1·3 + 1·41 = 44, 44 mod 11 = 0 → digit 0 (not 11)
    assert nit_check_digit("100000001") == 0
    # 100000005 → 5·3 + 1·41 = 56, 56 mod 11 = 1 → digit 1 (not 10)
    assert nit_check_digit("100000005") == 1


def test_long_nit_uses_every_weight() -> None:
    # 15 digits, all ones: Σ of DIAN's 15 weights = 529, 529 mod 11 = 1 → digit 1
    assert nit_check_digit("1" * 15) == 1
    # 15 digits, a single 1 in the most significant place: weight 71, 71 mod 11 = 5 → 11 - 5 = 6
    assert nit_check_digit("1" + "0" * 14) == 6


@pytest.mark.parametrize("value", [f"{number}-{digit}" for number, digit in KNOWN_NITS])
def test_valid_nits_have_no_problem(value: str) -> None:
    assert nit_problem(value) is None


def test_wrong_check_digit_is_reported_with_the_expected_one() -> None:
    problem = nit_problem("900123456-7")
    assert problem is not None
    assert "check digit" in problem
    assert "8" in problem


@pytest.mark.parametrize(
    "value",
    [
        "900123456",  # no check digit
        "9001234568",  # check digit not separated
        "900.123.456-8",  # thousands separators
        "900123456-",  # hyphen but no digit
        "900123456-88",  # two check digits
        "12345-9",  # too short (under 6 digits)
        "1234567890123456-1",  # too long (over 15 digits)
        "90012345A-8",  # a letter
        " 900123456-8",  # surrounding blanks are the caller's job
        "",
    ],
)
def test_malformed_nits_are_reported(value: str) -> None:
    problem = nit_problem(value)
    assert problem is not None
    assert "NIT" in problem


def test_nit_accepts_only_ascii_digits() -> None:
    # Python's \d matches every Unicode decimal digit; a NIT typed with full-width or Arabic-Indic digits
    # must not be accepted (and stored) as if it were 900123456-8.
    assert nit_problem("９００１２３４５６-８") is not None
    assert nit_problem("٩٠٠١٢٣٤٥٦-٨") is not None


def test_tax_id_types_include_the_colombian_documents() -> None:
    assert {"NIT", "CC", "CE", "TI", "PA"} <= set(TAX_ID_TYPES)
