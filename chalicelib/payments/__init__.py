"""Payment gateways (PayU, Zona Virtual): one module a gateway behind one interface (issue #5).

``get("payu")`` returns the gateway, importing its module on first use; :mod:`.base` holds the interface,
the data shapes and the money helpers, :mod:`.exceptions` the errors. Nothing here touches storage.
"""

from __future__ import annotations

from chalicelib.payments.base import GATEWAYS, credentials_for, get, urls_for
from chalicelib.payments.exceptions import GatewayError, InvalidCredentials, InvalidSignature, NotificationMismatch

__all__ = [
    "GATEWAYS", "GatewayError", "InvalidCredentials", "InvalidSignature", "NotificationMismatch", "credentials_for",
    "get", "urls_for",
]
