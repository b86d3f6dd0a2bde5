"""A tenant's payment gateways: configuring them and reading their credentials as the adapters need them.

Test-mode credentials (the gateway's test flag, or PayU's public sandbox merchant) are refused on the ``prod``
stage (issue 11): :func:`configure` answers 422 naming the field, and :func:`credentials` — the first read of
credentials stored before, or put into the secret store by hand — refuses them with an error log and the
``GatewayTestCredentialsRefused`` metric, so no checkout starts and no confirmation applies with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.config import get_settings
from chalicelib.domain.errors import ValidationFailed
from chalicelib.observability import get_logger, get_metrics
from chalicelib.payments import base
from chalicelib.store import gateways as stored

if TYPE_CHECKING:
    from chalicelib.payments.base import Credentials, GatewayUrls

TEST_MODE_ON_PROD = "test-mode credentials are refused on the prod stage"


def configure(tenant: str, gateway: str, credentials: dict[str, Any], *, partial_payments: bool | None = None
              ) -> dict[str, Any]:
    """Validates and stores ``credentials`` (422 naming each bad field; on ``prod``, ``test`` for test-mode
    credentials and ``merchant_id`` for PayU's public sandbox merchant) and offers the gateway; returns the
    tenant's public payments configuration."""
    parsed = base.credentials_for(gateway, credentials)
    if parsed.test_mode and not get_settings().test_gateways_allowed:
        field = "test" if parsed.test else "merchant_id"
        raise ValidationFailed({field: TEST_MODE_ON_PROD if parsed.test
                                else f"is PayU's public sandbox merchant: {TEST_MODE_ON_PROD}"})
    return stored.save(tenant, gateway, parsed.to_json(), test=bool(parsed.test), partial_payments=partial_payments)


def credentials(tenant: str, gateway: str) -> Credentials:
    """The gateway's credentials for ``tenant``; 422 when the tenant has not configured it — or, on ``prod``,
    configured it with test-mode credentials (logged as an error, counted in ``GatewayTestCredentialsRefused``)."""
    data = stored.load(tenant, gateway)
    if data is None:
        raise ValidationFailed({"gateway": "is not available for this portal"})
    parsed = base.credentials_for(gateway, data)
    if parsed.test_mode and not get_settings().test_gateways_allowed:
        get_logger().error("test-mode gateway credentials on the prod stage: refused",
                           extra={"tenant": tenant, "gateway": gateway})
        get_metrics().add_metric(name="GatewayTestCredentialsRefused", unit="Count", value=1)
        raise ValidationFailed({"gateway": "is not available for this portal"})
    return parsed


def urls(gateway: str, creds: Credentials) -> GatewayUrls:
    """Where the gateway lives for these credentials (test or production), with the stage's overrides."""
    return base.urls_for(gateway, test=bool(creds.test), overrides=dict(get_settings().gateway_urls))
