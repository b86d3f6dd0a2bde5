"""One settings object, read lazily from the stage's environment variables and validated.

Nothing below the handlers reads ``os.environ``: everything asks :func:`get_settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

STAGES = ("local", "dev", "test", "prod")
MAX_PER_HOUR = 1_000_000
# Settings.gateway_urls key → the variable that replaces a gateway's real URL (the local sandbox; never on prod).
_GATEWAY_URLS = (("payu_checkout_url", "PORTICO_PAYU_CHECKOUT_URL"), ("payu_reports_url", "PORTICO_PAYU_REPORTS_URL"),
                 ("zonavirtual_url", "PORTICO_ZONAVIRTUAL_URL"))


class ConfigError(RuntimeError):
    """The environment does not describe a usable stage."""


@dataclass(frozen=True, slots=True)
class Settings:
    stage: str
    table_name: str
    bucket: str
    mail_from: str
    portal_origin: str
    region: str
    aws_endpoint_url: str | None
    debug: bool
    demo_api_key: str
    reconcile_seconds: int
    # The API's public base (no /v1), for the URLs gateways call back; None: taken from the request.
    api_url: str | None = None
    # Gateway base URLs that replace the real ones (the local sandbox in `make run` and tests).
    gateway_urls: tuple[tuple[str, str], ...] = ()
    # Where gateway credentials live in SSM Parameter Store (SecureString).
    secrets_prefix: str = "/portico/local"
    # Caps on the mail a tenant's portal sends in any hour (invitations, password-reset links) and on the reset
    # links one contact receives, so a leaked API key or a script cannot mail-bomb (SES reputation). Issue 10:
    # the invitation and password-reset use cases (chalicelib/services/) enforce them.
    invitations_per_tenant_hour: int = 200
    reset_mails_per_tenant_hour: int = 100
    reset_mails_per_contact_hour: int = 3
    # DynamoDB's own endpoint when it is not AWS_ENDPOINT_URL's (``make run``: DynamoDB Local beside moto's S3/SES).
    dynamodb_endpoint_url: str | None = None

    @property
    def local(self) -> bool:
        return self.stage in ("local", "test")

    @property
    def test_gateways_allowed(self) -> bool:
        """Whether gateway credentials in test mode may be configured and used: everywhere but ``prod``, where a
        sandbox "approval" would mark real invoices paid without money (issue 11)."""
        return self.stage != "prod"


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _whole(env: dict[str, str] | os._Environ[str], name: str, default: int, *, maximum: int) -> int:
    """A positive whole number of at most ``maximum`` from ``env[name]`` (ASCII digits only), else ``default``."""
    value = env.get(name, str(default)).strip()
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= maximum:
        raise ConfigError(f"{name} must be a whole number from 1 to {maximum}, not {value!r}")
    return int(value)


def load_settings(env: dict[str, str] | os._Environ[str] | None = None) -> Settings:
    """Builds and validates the settings from an environment mapping (``os.environ`` by default)."""
    env = os.environ if env is None else env
    stage = env.get("PORTICO_STAGE", "local")
    if stage not in STAGES:
        raise ConfigError(f"PORTICO_STAGE must be one of {', '.join(STAGES)}, not {stage!r}")
    origin = env.get("PORTICO_PORTAL_ORIGIN", "http://127.0.0.1:8000").rstrip("/")
    if not origin.startswith(("http://", "https://")):
        raise ConfigError("PORTICO_PORTAL_ORIGIN must be an http(s) origin")
    reconcile = env.get("PORTICO_RECONCILE_SECONDS", "420")
    if not (reconcile.isascii() and reconcile.isdigit()) or int(reconcile) < 1:
        raise ConfigError("PORTICO_RECONCILE_SECONDS must be a positive whole number")
    overrides = [variable for _, variable in _GATEWAY_URLS if env.get(variable)]
    if stage == "prod" and overrides:
        raise ConfigError(f"{', '.join(overrides)} point the gateways at a sandbox: not on the prod stage")
    return Settings(
        stage=stage,
        table_name=env.get("PORTICO_TABLE", f"portico-{stage}"),
        bucket=env.get("PORTICO_BUCKET", f"portico-{stage}-files"),
        mail_from=env.get("PORTICO_MAIL_FROM", "portal@portico.example.com"),
        portal_origin=origin,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        # botocore's own name for a per-service endpoint, so the AWS CLI pointed at the stack agrees.
        dynamodb_endpoint_url=env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL") or None,
        debug=_flag(env.get("PORTICO_DEBUG")),
        demo_api_key=env.get("PORTICO_DEMO_API_KEY", "demo-integrator-key"),
        reconcile_seconds=int(reconcile),
        api_url=(env.get("PORTICO_API_URL") or "").rstrip("/") or None,
        gateway_urls=tuple((name, env[variable].rstrip("/")) for name, variable in _GATEWAY_URLS if env.get(variable)),
        secrets_prefix=env.get("PORTICO_SECRETS_PREFIX", f"/portico/{stage}").rstrip("/"),
        invitations_per_tenant_hour=_whole(env, "PORTICO_INVITATIONS_PER_TENANT_HOUR", 200, maximum=MAX_PER_HOUR),
        reset_mails_per_tenant_hour=_whole(env, "PORTICO_RESET_MAILS_PER_TENANT_HOUR", 100, maximum=MAX_PER_HOUR),
        reset_mails_per_contact_hour=_whole(env, "PORTICO_RESET_MAILS_PER_CONTACT_HOUR", 3, maximum=MAX_PER_HOUR),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return load_settings()


def reset_settings() -> None:
    """Forgets the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
