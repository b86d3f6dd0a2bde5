"""Reading untrusted JSON into clean values, collecting every problem before failing once (422)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from chalicelib.domain.errors import ValidationFailed

# Anchored with \A and \Z, never ^ and $: "$" also matches before a trailing newline, so "COP\n" would pass a
# $-anchored pattern. These are safe with .match, .fullmatch and .search alike.
EMAIL_RE = re.compile(r"\A[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+\Z")
ID_RE = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
CURRENCY_RE = re.compile(r"\A[A-Z]{3}\Z")
SLUG_RE = re.compile(r"\A[a-z0-9-]{3,40}\Z")  # a tenant (DESIGN §1)
PHONE_RE = re.compile(r"\A\+?[0-9 ()-]{5,25}\Z")
# C0 controls (CR, LF, NUL, TAB, ESC, ...), DEL, C1 controls (NEL, ...) and the Unicode line and paragraph
# separators: none belongs in a name, a subject, an email or an id, and in a mail header each either breaks
# the message or smuggles in another header. Multi-line text keeps TAB, LF and CR.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MULTILINE_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
MAX_MINOR_UNITS = 10**15  # a trillion pesos with cents: anything bigger is a unit mistake

_MISSING = object()


def check_id(value: str, field: str = "id") -> str:
    """Identifiers the integrator chooses (account, contact, document ids)."""
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise ValidationFailed({field: "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter/digit"})
    return value


# A bearer token in a path (a mailed link): base64url route, a dot, base64url secret (domain/tokens.py).
TOKEN_RE = re.compile(r"\A[A-Za-z0-9_-]{1,400}\.[A-Za-z0-9_-]{32,100}\Z")
_PATH_PATTERNS = {"tenant": SLUG_RE, "token": TOKEN_RE}


def is_path_id(name: str, value: object) -> bool:
    """Whether path parameter ``name`` could name one of our records: a tenant slug for ``tenant``, a token
    for ``token``, an id (:data:`ID_RE`) for anything else. A value that could not is answered like an
    unknown one (404)."""
    pattern = _PATH_PATTERNS.get(name, ID_RE)
    return isinstance(value, str) and pattern.fullmatch(value) is not None


_FORMAT = "has an invalid format"


def _text_problem(value: Any, *, required: bool, max_len: int, pattern: re.Pattern[str] | None,
                  multiline: bool) -> str | None:
    if not isinstance(value, str):
        return "must be a string"
    if (MULTILINE_CONTROL_RE if multiline else CONTROL_RE).search(value):
        return ("must not contain control characters" if multiline
                else "must be one line without control characters (line breaks, tabs, NUL)")
    value = value.strip()
    if required and not value:
        return "is required"
    if len(value) > max_len:
        return f"must be at most {max_len} characters"
    if value and pattern is not None and not pattern.fullmatch(value):
        return _FORMAT
    return None


class Reader:
    """Reads fields from one JSON object; problems accumulate in a shared ``errors`` dict by field path."""

    def __init__(self, data: object, *, path: str = "", errors: dict[str, str] | None = None,
                 strict: bool = True) -> None:
        self.errors: dict[str, str] = {} if errors is None else errors
        self.path = path
        self.data: dict[str, Any] = {}
        if not isinstance(data, dict):
            self.errors[path or "body"] = "must be a JSON object"
        else:
            self.data = data
        self._seen: set[str] = set()
        self._children: list[Reader] = []
        self.strict = strict

    def _name(self, field: str) -> str:
        return f"{self.path}.{field}" if self.path else field

    def fail(self, field: str, message: str) -> None:
        self.errors.setdefault(self._name(field), message)

    def has(self, field: str) -> bool:
        return field in self.data and self.data[field] is not None

    def _get(self, field: str, required: bool) -> object:
        self._seen.add(field)
        value = self.data.get(field, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail(field, "is required")
            return _MISSING
        return value

    def text(self, field: str, *, required: bool = False, max_len: int = 200, pattern: re.Pattern[str] | None = None,
             message: str | None = None, multiline: bool = False) -> str | None:
        """A string, stripped. Control characters are refused (:data:`CONTROL_RE`), even at the ends; with
        ``multiline`` (descriptions, comments, addresses) line breaks and tabs are allowed."""
        value = self._get(field, required)
        if value is _MISSING:
            return None
        problem = _text_problem(value, required=required, max_len=max_len, pattern=pattern, multiline=multiline)
        if problem is not None or not isinstance(value, str):  # a non-string always has a problem
            self.fail(field, message if problem == _FORMAT and message else problem or "must be text")
            return None
        return value.strip() or None

    def email(self, field: str, *, required: bool = False) -> str | None:
        value = self.text(field, required=required, max_len=254, pattern=EMAIL_RE, message="must be an email address")
        return value.lower() if value else None

    def choice(self, field: str, options: tuple[str, ...] | frozenset[str], *, required: bool = False,
               default: str | None = None) -> str | None:
        value = self._get(field, required)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or value not in options:
            self.fail(field, f"must be one of: {', '.join(sorted(options))}")
            return None
        return value

    def integer(self, field: str, *, required: bool = False, minimum: int | None = None,
                maximum: int | None = MAX_MINOR_UNITS) -> int | None:
        value = self._get(field, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, "must be a whole number (amounts are integer minor units)")
            return None
        if minimum is not None and value < minimum:
            self.fail(field, f"must be at least {minimum}")
            return None
        if maximum is not None and value > maximum:
            self.fail(field, f"must be at most {maximum}")
            return None
        return value

    def boolean(self, field: str, *, required: bool = False, default: bool | None = None) -> bool | None:
        value = self._get(field, required)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.fail(field, "must be true or false")
            return None
        return value

    def date(self, field: str, *, required: bool = False) -> date | None:
        value = self._get(field, required)
        if value is _MISSING:
            return None
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            self.fail(field, "must be a date written YYYY-MM-DD")
            return None

    def obj(self, field: str, *, required: bool = False) -> Reader | None:
        value = self._get(field, required)
        if value is _MISSING:
            return None
        child = Reader(value, path=self._name(field), errors=self.errors, strict=self.strict)
        self._children.append(child)
        return child

    def items(self, field: str, *, required: bool = False, max_items: int = 200) -> list[Reader]:
        value = self._get(field, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.fail(field, "must be a list")
            return []
        if len(value) > max_items:
            self.fail(field, f"must have at most {max_items} items")
            return []
        children = [Reader(v, path=f"{self._name(field)}[{i}]", errors=self.errors, strict=self.strict)
                    for i, v in enumerate(value)]
        self._children.extend(children)
        return children

    def raw(self, field: str) -> Any:
        value = self._get(field, False)
        return None if value is _MISSING else value

    def finish(self) -> None:
        """Flags unknown fields (typos must not pass silently) and, at the root, raises if anything was wrong."""
        for child in self._children:
            child.finish()
        if self.strict:
            for field in self.data:
                if field not in self._seen:
                    self.fail(field, "is not a known field")
        if self.errors and not self.path:
            raise ValidationFailed(dict(self.errors))

