"""Bearer secrets: issued random, stored only as a hash, parsed without ever raising."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import tokens


def route(parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip("=")


SECRET = "s" * 43


def test_issued_token_parses_back_to_its_route() -> None:
    token, digest = tokens.issue("acme", "c-1", "0123456789abcdef")
    parts = tokens.parse(token)
    assert parts is not None
    assert (parts.tenant, parts.contact_id, parts.token_id) == ("acme", "c-1", "0123456789abcdef")
    assert tokens.matches(parts, digest)


def test_only_the_hash_of_the_secret_is_stored() -> None:
    token, digest = tokens.issue("acme", "c-1", "t-1")
    secret = token.split(".")[1]
    assert len(secret) >= 32
    assert secret not in digest
    assert digest == hashlib.sha256(secret.encode()).hexdigest()


def test_tokens_are_random() -> None:
    issued = {tokens.issue("acme", "c-1", "t-1") for _ in range(20)}
    assert len({token for token, _ in issued}) == 20
    assert len({digest for _, digest in issued}) == 20


def test_a_token_does_not_match_another_tokens_hash() -> None:
    token, _ = tokens.issue("acme", "c-1", "t-1")
    _, other_digest = tokens.issue("acme", "c-1", "t-1")
    parts = tokens.parse(token)
    assert parts is not None
    assert not tokens.matches(parts, other_digest)


def test_rerouting_a_secret_to_another_contact_does_not_match() -> None:
    # Given a real token of c-1 and the stored hash of a session of c-2
    token, _ = tokens.issue("acme", "c-1", "t-1")
    _, victim_digest = tokens.issue("acme", "c-2", "t-2")
    # When the route part is rewritten to point at c-2's session, keeping the secret
    forged = f"{route(['acme', 'c-2', 't-2'])}.{token.split('.')[1]}"
    parts = tokens.parse(forged)
    # Then it parses, but the secret does not match the victim's hash
    assert parts is not None and parts.contact_id == "c-2"
    assert not tokens.matches(parts, victim_digest)


@pytest.mark.parametrize(
    "token",
    [
        None,
        123,
        b"bytes.token",
        "",
        "no-dot-at-all",
        "a.b.c",
        f"{route(['acme', 'c-1', 't-1'])}.short",  # secret under 32 characters
        f"!!!not-base64!!!.{SECRET}",
        f"{route({'tenant': 'acme'})}.{SECRET}",  # not a list
        f"{route(['acme', 'c-1'])}.{SECRET}",  # two parts
        f"{route(['acme', 'c-1', 't-1', 'x'])}.{SECRET}",  # four parts
        f"{route(['acme', '', 't-1'])}.{SECRET}",  # an empty part
        f"{route(['acme', 1, 't-1'])}.{SECRET}",  # not strings
        f"{base64.urlsafe_b64encode(b'not json').decode()}.{SECRET}",
        f"{route(['acme', 'c-1', 't-1'])}.{'x' * 600}",  # too long
    ],
)
def test_garbage_is_not_a_token(token: Any) -> None:
    assert tokens.parse(token) is None


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=600), st.binary(max_size=100), st.integers(), st.none(),
                 st.lists(st.text(max_size=5), max_size=3)))
def test_parse_never_raises(value: Any) -> None:
    result = tokens.parse(value)
    assert result is None or isinstance(result, tokens.TokenParts)


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"[a-z0-9-]{3,40}", fullmatch=True),  # tenant slugs (DESIGN §1)
       st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", fullmatch=True),  # integrator ids (validation.ID_RE)
       st.just("0123456789abcdef") | st.builds(tokens.new_id))
def test_any_route_round_trips(tenant: str, contact_id: str, token_id: str) -> None:
    token, digest = tokens.issue(tenant, contact_id, token_id)
    parts = tokens.parse(token)
    assert parts is not None
    assert (parts.tenant, parts.contact_id, parts.token_id) == (tenant, contact_id, token_id)
    assert tokens.matches(parts, digest)


def test_new_ids_are_random_hex() -> None:
    ids = {tokens.new_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


def test_api_keys_name_their_tenant_and_are_random() -> None:
    keys = {tokens.new_api_key("acme") for _ in range(20)}
    assert len(keys) == 20
    assert all(k.startswith("pk_acme_") and len(k) > 40 for k in keys)


def test_api_key_hash_is_stable_peppered_and_distinct() -> None:
    key = "acme-test-key-0123456789"
    assert tokens.api_key_hash(key) == tokens.api_key_hash(key)
    assert tokens.api_key_hash(key) != tokens.api_key_hash(key + "x")
    assert tokens.api_key_hash(key) != hashlib.sha256(key.encode()).hexdigest()
    assert key not in tokens.api_key_hash(key)
