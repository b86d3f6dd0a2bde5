"""Bearer secrets (sessions, set-password links): random, stored only as a SHA-256, routed by their prefix.

A token reads ``<route>.<secret>``: ``route`` is base64url JSON ``[tenant, contact, id]`` so that the
store finds the record with one GetItem, and ``secret`` is 32 random bytes. Only the secret's hash is
stored; a stolen table does not yield usable tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TokenParts:
    tenant: str
    contact_id: str
    token_id: str
    secret: str


def new_id() -> str:
    return secrets.token_hex(8)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(tenant: str, contact_id: str, token_id: str) -> tuple[str, str]:
    """Returns ``(token, hash_to_store)``."""
    secret = secrets.token_urlsafe(32)
    route = base64.urlsafe_b64encode(json.dumps([tenant, contact_id, token_id]).encode()).decode().rstrip("=")
    return f"{route}.{secret}", secret_hash(secret)


def parse(token: object) -> TokenParts | None:
    """The parts of a well-formed token, or None (never raises on garbage)."""
    if not isinstance(token, str) or len(token) > 512 or token.count(".") != 1:
        return None
    route, secret = token.split(".")
    try:
        decoded = json.loads(base64.urlsafe_b64decode(route + "=" * (-len(route) % 4)))
    except (ValueError, binascii.Error):
        return None
    if not (isinstance(decoded, list) and len(decoded) == 3 and all(isinstance(p, str) and p for p in decoded)):
        return None
    if len(secret) < 32:
        return None
    return TokenParts(tenant=decoded[0], contact_id=decoded[1], token_id=decoded[2], secret=secret)


def matches(parts: TokenParts, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(parts.secret), stored_hash)


def api_key_hash(key: str) -> str:
    return hashlib.sha256(("portico-api-key:" + key).encode()).hexdigest()


def new_api_key(tenant: str) -> str:
    return f"pk_{tenant}_{secrets.token_urlsafe(30)}"
