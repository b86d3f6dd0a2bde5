"""A tenant's payment gateways: which ones it offers (on the tenant item, no secrets) and their credentials
(SSM Parameter Store SecureString, encrypted with the account's KMS key; never returned or logged)."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.store import db, keys

_cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
CACHE_SECONDS = 300  # a warm Lambda re-reads credentials every 5 minutes (rotation takes effect)


def parameter_name(tenant: str, gateway: str) -> str:
    return f"{db.ready().secrets_prefix}/tenants/{tenant}/gateways/{gateway}"


def configure(tenant: str, gateway: str, credentials: dict[str, Any], *, partial_payments: bool | None = None
              ) -> dict[str, Any]:
    """Stores ``credentials`` and marks the gateway offered by the tenant; returns the public config."""
    from chalicelib.payments import base
    from chalicelib.store import tenants
    from chalicelib.store.models import TenantItem

    parsed = base.credentials_for(gateway, credentials)  # validates (ValueError → 422)
    current = tenants.get(tenant)
    db.client("ssm").put_parameter(Name=parameter_name(tenant, gateway), Value=json.dumps(parsed.to_json()),
                                   Type="SecureString", Overwrite=True)
    _cache.pop((tenant, gateway), None)
    offered = dict(current.payments.get("gateways") or {})
    offered[gateway] = {"test": bool(parsed.test)}
    config = {**current.payments, "gateways": offered}
    if partial_payments is not None:
        config["partial_payments"] = partial_payments
    TenantItem(keys.tenant(tenant), keys.TENANT_SK).update(actions=[TenantItem.payments.set(config)],
                                                          condition=TenantItem.pk.exists())
    return config


def credentials(tenant: str, gateway: str) -> Any:
    """The gateway's credentials for ``tenant`` (cached briefly), or 422 when it is not configured."""
    import time

    from botocore.exceptions import ClientError

    from chalicelib.payments import base

    cached = _cache.get((tenant, gateway))
    if cached and cached[0] > time.monotonic():
        return base.credentials_for(gateway, cached[1])
    try:
        answer = db.client("ssm").get_parameter(Name=parameter_name(tenant, gateway), WithDecryption=True)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
            raise ValidationFailed({"gateway": "is not available for this portal"}) from None
        raise
    data = json.loads(answer["Parameter"]["Value"])
    _cache[(tenant, gateway)] = (time.monotonic() + CACHE_SECONDS, data)
    return base.credentials_for(gateway, data)


def forget_cache() -> None:
    _cache.clear()
