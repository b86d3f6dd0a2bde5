"""Opaque list cursors (DESIGN §3): where the next page of a Query starts, bound to the list it came from."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.domain.errors import ValidationFailed


def encode(item: Any, index_key: str, listing: str) -> str:
    """Where the next page starts, bound to the list it came from (a start key outside a query's range is
    an error in DynamoDB)."""
    raw = json.dumps({"pk": item.pk, "sk": item.sk, index_key: getattr(item, index_key), "list": listing},
                     separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, pk: str, index_key: str, listing: str) -> dict[str, Any]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or data.get("pk") != pk or data.get("list") != listing \
                or set(data) != {"pk", "sk", index_key, "list"} or not all(isinstance(v, str) for v in data.values()):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed({"cursor": "is not a cursor of this list; start again without it"}) from None
    return {name: {"S": value} for name, value in data.items() if name != "list"}


def encode_offset(offset: int, listing: str) -> str:
    """Where the next page of a list ranked in memory (one Query, then sorted) starts: a position, bound to the
    list and the filters it came from (``listing``)."""
    raw = json.dumps({"offset": offset, "list": listing}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_offset(cursor: str, listing: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(data, dict) or set(data) != {"offset", "list"} or data["list"] != listing \
                or not isinstance(data["offset"], int) or isinstance(data["offset"], bool) or data["offset"] < 1:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed({"cursor": "is not a cursor of this list; start again without it"}) from None
    return int(data["offset"])
