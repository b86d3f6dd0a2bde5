"""Tenants as the operator manages them (the ``portico`` command) and the integrator's API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import cases as case_rules
from chalicelib.domain import tokens
from chalicelib.domain.attachments import looks_like
from chalicelib.domain.errors import Conflict, Unauthorized, ValidationFailed
from chalicelib.store import tenants

if TYPE_CHECKING:
    from chalicelib.store.models import ApiKeyItem as ApiKeyItem
    from chalicelib.store.tenants import Tenant as Tenant

LOGO_MAX_BYTES = 2 * 1024 * 1024
# What the PDFs can embed.
LOGO_TYPES = (("image/png", "png"), ("image/jpeg", "jpg"))
_BAD_KEY = "A valid API key is required."


def get_tenant(slug: str) -> Tenant:
    """The tenant; 404 ``tenant_not_found`` for an unknown slug."""
    return tenants.get(slug)


def create_tenant(slug: str, *, name: str, timezone: str, portal_url: str, currency: str,
                  modules: frozenset[str]) -> Tenant:
    """A new tenant without branding; 409 ``tenant_exists`` when the slug is taken."""
    return tenants.create(slug, name=name, timezone=timezone, portal_url=portal_url, currency=currency,
                          modules=modules)


def set_modules(slug: str, *, enable: frozenset[str], disable: frozenset[str]) -> Tenant:
    """Enables and disables modules (a module in both is disabled)."""
    current = tenants.get(slug).modules
    return tenants.update(slug, modules=(current | enable) - disable)


def set_branding(slug: str, *, brand: str | None = None, brand_contrast: str | None = None,
                 logo_url: str | None = None, logo: bytes | None = None) -> Tenant:
    """Changes the given branding fields; ``logo`` (PNG or JPEG, ≤ 2 MB) is stored for the PDFs."""
    branding = dict(tenants.get(slug).branding)  # 404 for an unknown tenant
    for name, value in (("brand", brand), ("brand_contrast", brand_contrast), ("logo_url", logo_url)):
        if value is not None:
            branding[name] = value
    if logo is not None:
        content_type, extension = _logo_type(logo)
        branding["logo_key"] = tenants.put_logo(slug, logo, content_type=content_type, extension=extension)
    return tenants.update(slug, branding=branding)


def support_settings(slug: str) -> dict[str, Any]:
    """The tenant's support settings as the API and the CLI show them (defaults filled in)."""
    return case_rules.support_settings(tenants.get(slug).support)


def put_support_settings(slug: str, body: object) -> dict[str, Any]:
    """Changes the support settings ``body`` names (domain/cases.read_support_settings): where new cases are
    mailed, the reopen window, the case categories; 422 and nothing changed for any bad field."""
    settings = case_rules.read_support_settings(body, tenants.get(slug).support)
    return case_rules.support_settings(tenants.update(slug, support=settings).support)


def _logo_type(data: bytes) -> tuple[str, str]:
    for content_type, extension in LOGO_TYPES:
        if looks_like(content_type, data[:8]):
            if len(data) > LOGO_MAX_BYTES:
                raise ValidationFailed({"logo": "must be at most 2 MB"})
            return content_type, extension
    raise ValidationFailed({"logo": "must be a PNG or JPEG file"})


def create_api_key(slug: str, *, label: str, key: str | None = None) -> tuple[str, ApiKeyItem]:
    """Creates a key (or registers a given one, for the local demo); returns the key, shown only this
    once, and its record. 409 ``api_key_exists`` when the key is registered already."""
    tenants.get(slug)  # 404 for an unknown tenant
    key = key or tokens.new_api_key(slug)
    digest = tokens.api_key_hash(key)
    if tenants.api_key_by_hash(digest) is not None:
        raise Conflict("That API key is already registered.", code="api_key_exists")
    return key, tenants.add_api_key(slug, key_id=tokens.new_id(), label=label, digest=digest, hint=key[-4:])


def list_api_keys(slug: str) -> list[ApiKeyItem]:
    return tenants.api_keys(slug)


def revoke_api_key(slug: str, key_id: str) -> ApiKeyItem:
    """Revokes an active key at once; 404 ``api_key_not_found`` otherwise."""
    return tenants.revoke_api_key(slug, key_id)


def tenant_for_api_key(key: str) -> str:
    """The tenant an integrator's key belongs to; 401 ``invalid_api_key`` for unknown or revoked keys."""
    if not key or len(key) > 256:
        raise Unauthorized(_BAD_KEY, code="invalid_api_key")
    item = tenants.api_key_by_hash(tokens.api_key_hash(key))
    if item is None or item.revoked_at is not None:
        raise Unauthorized(_BAD_KEY, code="invalid_api_key")
    return item.tenant
