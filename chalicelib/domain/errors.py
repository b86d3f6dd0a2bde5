"""Errors raised by the domain and the store; the handler layer maps them to HTTP in one place."""

from __future__ import annotations

from typing import Any


class PorticoError(Exception):
    """Base of every expected failure. ``code`` is the stable snake_case name clients see."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class BadRequest(PorticoError):
    status, code = 400, "bad_request"


class Unauthorized(PorticoError):
    status, code = 401, "unauthorized"


class Forbidden(PorticoError):
    status, code = 403, "forbidden"


class NotFound(PorticoError):
    status, code = 404, "not_found"


class Conflict(PorticoError):
    status, code = 409, "conflict"


class ValidationFailed(PorticoError):
    """422: ``details`` maps each bad field path to what is wrong with it."""

    status, code = 422, "validation_failed"

    def __init__(self, fields: dict[str, str], message: str | None = None):
        names = ", ".join(sorted(fields))
        super().__init__(message or f"Some fields are not valid: {names}.", details={"fields": fields})
        self.fields = fields


class TooManyRequests(PorticoError):
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None):
        super().__init__(message, code=code, details={"retry_after": retry_after})
        self.retry_after = retry_after


class GatewayUnavailable(PorticoError):
    """A downstream service (payment gateway, mail) failed; the caller may retry."""

    status, code = 503, "service_unavailable"
