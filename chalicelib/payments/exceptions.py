"""Errors of the gateway layer. Each is a :class:`PorticoError`, so the handler layer maps it like any other.

Messages never carry credentials, and never the body a gateway answered (it may echo personal data).
"""

from __future__ import annotations

from chalicelib.domain.errors import PorticoError, ValidationFailed


class GatewayError(PorticoError):
    """The gateway could not give an answer: network failure, timeout, HTTP error or a malformed body.

    ``retryable`` is False when asking again cannot help (the gateway refused our credentials or our
    request); the reconciler retries the others at its next run.
    """

    status, code = 502, "gateway_error"

    def __init__(self, message: str, *, gateway: str | None = None, retryable: bool = True):
        super().__init__(message, details={"gateway": gateway} if gateway else None)
        self.gateway = gateway
        self.retryable = retryable


class InvalidSignature(PorticoError):
    """A notification whose signature does not match: forged, or signed with another key."""

    status, code = 400, "invalid_signature"


class NotificationMismatch(PorticoError):
    """A correctly signed notification that does not belong here (another merchant, reference, amount…).

    ``reason`` is a short snake_case word (``merchant``, ``commerce``, ``reference``, ``amount``,
    ``currency``, ``malformed``) for logs and metrics.
    """

    status, code = 409, "notification_mismatch"

    def __init__(self, reason: str, message: str | None = None):
        super().__init__(message or f"The notification does not match ({reason}).", details={"reason": reason})
        self.reason = reason


class InvalidCredentials(ValidationFailed, ValueError):
    """Gateway credentials that fail validation: a 422 listing each field (also a ``ValueError``)."""
