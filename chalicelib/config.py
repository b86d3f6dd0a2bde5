"""One settings object, read lazily from the stage's environment variables and validated.

Nothing below the handlers reads ``os.environ``: everything asks :func:`get_settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

STAGES = ("local", "dev", "test", "prod")


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
    # Hourly caps on mail anyone can trigger (a normal day never meets them): invitations and reset mails
    # per tenant, reset mails per contact.
    invitations_per_tenant_hour: int = 200
    resets_per_tenant_hour: int = 100
    resets_per_contact_hour: int = 3

    @property
    def local(self) -> bool:
        return self.stage in ("local", "test")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _positive(env: dict[str, str] | os._Environ[str], variable: str, default: str) -> int:
    value = env.get(variable, default)
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{variable} must be a positive whole number")
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
    if not reconcile.isdigit() or int(reconcile) < 1:
        raise ConfigError("PORTICO_RECONCILE_SECONDS must be a positive whole number")
    return Settings(
        stage=stage,
        table_name=env.get("PORTICO_TABLE", f"portico-{stage}"),
        bucket=env.get("PORTICO_BUCKET", f"portico-{stage}-files"),
        mail_from=env.get("PORTICO_MAIL_FROM", "portal@portico.example.com"),
        portal_origin=origin,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        debug=_flag(env.get("PORTICO_DEBUG")),
        demo_api_key=env.get("PORTICO_DEMO_API_KEY", "demo-integrator-key"),
        reconcile_seconds=int(reconcile),
        api_url=(env.get("PORTICO_API_URL") or "").rstrip("/") or None,
        gateway_urls=tuple(
            (name, env[variable].rstrip("/"))
            for name, variable in (("payu_checkout_url", "PORTICO_PAYU_CHECKOUT_URL"),
                                   ("payu_reports_url", "PORTICO_PAYU_REPORTS_URL"),
                                   ("zonavirtual_url", "PORTICO_ZONAVIRTUAL_URL"))
            if env.get(variable)
        ),
        secrets_prefix=env.get("PORTICO_SECRETS_PREFIX", f"/portico/{stage}").rstrip("/"),
        invitations_per_tenant_hour=_positive(env, "PORTICO_INVITATIONS_PER_TENANT_HOUR", "200"),
        resets_per_tenant_hour=_positive(env, "PORTICO_RESETS_PER_TENANT_HOUR", "100"),
        resets_per_contact_hour=_positive(env, "PORTICO_RESETS_PER_CONTACT_HOUR", "3"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use (never at import time)."""
    return load_settings()


def reset_settings() -> None:
    """Forgets the cached settings (tests and the local stack change the environment)."""
    get_settings.cache_clear()
