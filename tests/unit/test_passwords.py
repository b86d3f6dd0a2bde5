"""Password policy (length, not the email, not a common password) and Argon2id hashing."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain import passwords
from chalicelib.domain.errors import ValidationFailed

EMAIL = "ana.maria.rojas@cliente.test"
GOOD = "Correcto-Caballo-Bateria-42"


def refusal(password: Any, *, email: str | None = EMAIL, field: str = "password") -> str:
    with pytest.raises(ValidationFailed) as caught:
        passwords.check_policy(password, email=email, field=field)
    assert caught.value.status == 422
    assert set(caught.value.fields) == {field}
    return caught.value.fields[field]


def test_a_good_password_is_returned_unchanged() -> None:
    assert passwords.check_policy(GOOD, email=EMAIL) == GOOD


@pytest.mark.parametrize("missing", [None, "", 12345678901, ["Correcto-Caballo"]])
def test_password_is_required_and_text(missing: Any) -> None:
    assert "required" in refusal(missing)


def test_nine_characters_are_too_few() -> None:
    assert "at least 10" in refusal("Kx7#pQ2!z")


def test_ten_characters_are_enough() -> None:
    assert passwords.check_policy("Kx7#pQ2!zW", email=EMAIL) == "Kx7#pQ2!zW"


def test_very_long_passwords_are_refused() -> None:
    assert "at most" in refusal("Kx7#pQ2!zW" * 30)


@pytest.mark.parametrize("same", [EMAIL, EMAIL.upper(), f"  {EMAIL} ", "ana.maria.rojas", "Ana.Maria.Rojas"])
def test_the_email_or_its_local_part_is_refused(same: str) -> None:
    assert "email" in refusal(same)


def test_email_check_needs_an_email() -> None:
    assert passwords.check_policy(EMAIL, email=None) == EMAIL


@pytest.mark.parametrize("common", ["1234567890", "qwertyuiop", "Password12", "QWERTY12345", "1q2w3e4r5t"])
def test_common_passwords_are_refused(common: str) -> None:
    assert "common" in refusal(common)


def test_every_listed_common_password_is_refused() -> None:
    listed = sorted(passwords._common_passwords())
    assert len(listed) > 50
    for common in listed:
        with pytest.raises(ValidationFailed):
            passwords.check_policy(common, email=EMAIL)


@pytest.mark.parametrize("repetitive", ["aaaaaaaaaa", "abababababab", "0000000000"])
def test_repetitive_passwords_are_refused(repetitive: str) -> None:
    assert "common" in refusal(repetitive)


def test_errors_name_the_callers_field() -> None:
    refusal("short", field="new_password")


def test_hash_verifies_the_password_and_nothing_else() -> None:
    stored = passwords.hash_password(GOOD)
    assert stored.startswith("$argon2id$")
    assert GOOD not in stored
    assert passwords.verify_password(stored, GOOD)
    assert not passwords.verify_password(stored, GOOD.lower())
    assert not passwords.verify_password(stored, GOOD + " ")


def test_hashes_are_salted() -> None:
    assert passwords.hash_password(GOOD) != passwords.hash_password(GOOD)


def test_hash_is_memory_hard() -> None:
    stored = passwords.hash_password(GOOD)
    params = dict(part.split("=") for part in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19456  # OWASP's minimum for Argon2id, in KiB
    assert int(params["t"]) >= 2


def test_no_stored_hash_never_verifies() -> None:
    assert not passwords.verify_password(None, "portico-no-such-user-placeholder")
    assert not passwords.verify_password(None, GOOD)


def test_garbage_hash_does_not_verify_nor_raise() -> None:
    assert not passwords.verify_password("not-a-hash", GOOD)
    assert not passwords.verify_password("$argon2id$v=19$m=65536,t=3,p=1$broken", GOOD)
