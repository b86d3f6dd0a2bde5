"""Password policy and hashing (Argon2id, memory-hard, via argon2-cffi)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.domain.errors import ValidationFailed

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 10
MAX_LENGTH = 256


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # lazy: keeps import app fast

    # RFC 9106's second recommended option (64 MiB, 3 passes): ~50 ms here, fine for Lambda.
    return PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from importlib import resources  # lazy: with pathlib and tempfile it costs ~10 ms of import app

    text = resources.files("chalicelib.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def check_policy(password: object, *, email: str | None, field: str = "password") -> str:
    """Returns the password when acceptable; raises 422 naming ``field`` otherwise."""
    if not isinstance(password, str) or not password:
        raise ValidationFailed({field: "is required"})
    if len(password) < MIN_LENGTH:
        raise ValidationFailed({field: f"must be at least {MIN_LENGTH} characters"})
    if len(password) > MAX_LENGTH:
        raise ValidationFailed({field: f"must be at most {MAX_LENGTH} characters"})
    lowered = password.strip().lower()
    if email and (lowered == email.lower() or lowered == email.lower().split("@")[0]):
        raise ValidationFailed({field: "must not be your email address"})
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        raise ValidationFailed({field: "is too common; choose a phrase only you would use"})
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant-effort check; with no stored hash it still spends the same work (no user enumeration)."""
    from argon2.exceptions import InvalidHashError, VerificationError  # lazy: keeps import app fast

    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("portico-no-such-user-placeholder")
