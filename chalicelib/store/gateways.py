"""A tenant's payment gateways as stored: which ones it offers (on the tenant item, no secrets) and their
credentials (SSM Parameter Store SecureString, encrypted with the account's KMS key; never returned or
logged). What the credentials mean is the gateway adapters' business (:mod:`chalicelib.services.gateways`)."""

from __future__ import annotations

import json
import time
from typing import Any

from chalicelib.store import db, keys, tenants

_cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
CACHE_SECONDS = 300  # a warm Lambda re-reads credentials every 5 minutes (rotation takes effect)


def parameter_name(tenant: str, gateway: str) -> str:
    return f"{db.ready().secrets_prefix}/tenants/{tenant}/gateways/{gateway}"


def save(tenant: str, gateway: str, credentials: dict[str, Any], *, test: bool,
         partial_payments: bool | None = None) -> dict[str, Any]:
    """Stores ``credentials`` (already validated) and marks the gateway offered; returns the tenant's public
    payments configuration. 404 for an unknown tenant."""
    from chalicelib.store.models import TenantItem  # lazy: keeps import app fast

    current = tenants.get(tenant)
    db.client("ssm").put_parameter(Name=parameter_name(tenant, gateway), Value=json.dumps(credentials),
                                   Type="SecureString", Overwrite=True)
    _cache.pop((tenant, gateway), None)
    offered = dict(current.payments.get("gateways") or {})
    offered[gateway] = {"test": test}
    config = {**current.payments, "gateways": offered}
    if partial_payments is not None:
        config["partial_payments"] = partial_payments
    TenantItem(keys.tenant(tenant), keys.TENANT_SK).update(actions=[TenantItem.payments.set(config)],
                                                          condition=TenantItem.pk.exists())
    return config


def load(tenant: str, gateway: str) -> dict[str, Any] | None:
    """The stored credentials of ``gateway`` for ``tenant`` (cached briefly), or None when there are none."""
    from botocore.exceptions import ClientError  # lazy: keeps import app fast

    cached = _cache.get((tenant, gateway))
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        answer = db.client("ssm").get_parameter(Name=parameter_name(tenant, gateway), WithDecryption=True)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return None
        raise
    data: dict[str, Any] = json.loads(answer["Parameter"]["Value"])
    _cache[(tenant, gateway)] = (time.monotonic() + CACHE_SECONDS, data)
    return data


def forget_cache() -> None:
    _cache.clear()
