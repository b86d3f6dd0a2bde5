"""A tenant's payment gateways: configuring them and reading their credentials as the adapters need them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.config import get_settings
from chalicelib.domain.errors import ValidationFailed
from chalicelib.payments import base
from chalicelib.store import gateways as stored

if TYPE_CHECKING:
    from chalicelib.payments.base import Credentials, GatewayUrls


def configure(tenant: str, gateway: str, credentials: dict[str, Any], *, partial_payments: bool | None = None
              ) -> dict[str, Any]:
    """Validates and stores ``credentials`` (422 naming each bad field) and offers the gateway; returns the
    tenant's public payments configuration."""
    parsed = base.credentials_for(gateway, credentials)
    return stored.save(tenant, gateway, parsed.to_json(), test=bool(parsed.test), partial_payments=partial_payments)


def credentials(tenant: str, gateway: str) -> Credentials:
    """The gateway's credentials for ``tenant``; 422 when the tenant has not configured it."""
    data = stored.load(tenant, gateway)
    if data is None:
        raise ValidationFailed({"gateway": "is not available for this portal"})
    return base.credentials_for(gateway, data)


def urls(gateway: str, creds: Credentials) -> GatewayUrls:
    """Where the gateway lives for these credentials (test or production), with the stage's overrides."""
    return base.urls_for(gateway, test=bool(creds.test), overrides=dict(get_settings().gateway_urls))
