"""Tenants (the businesses running a portal) and their integrator API keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import clock, tokens
from chalicelib.domain.errors import Conflict, NotFound, Unauthorized
from chalicelib.store import db, keys


@dataclass(frozen=True, slots=True)
class Tenant:
    slug: str
    name: str
    timezone: str
    portal_url: str
    currency: str
    modules: frozenset[str]
    branding: dict[str, Any]
    payments: dict[str, Any] = field(default_factory=dict)

    def public_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "timezone": self.timezone,
            "currency": self.currency,
            "branding": self.branding,
        }


def tenant_from_item(item: Any) -> Tenant:
    return Tenant(
        slug=item.slug,
        name=item.name,
        timezone=item.timezone,
        portal_url=item.portal_url,
        currency=item.currency,
        modules=frozenset(item.modules or ()),
        branding=item.branding or {},
        payments=item.payments or {},
    )


def get(slug: str) -> Tenant:
    from chalicelib.store.models import TenantItem

    db.ready()
    try:
        return tenant_from_item(TenantItem.get(keys.tenant(slug), keys.TENANT_SK))
    except TenantItem.DoesNotExist:
        raise NotFound("There is no such portal.", code="tenant_not_found") from None


def create(slug: str, *, name: str, timezone: str, portal_url: str, currency: str, modules: frozenset[str]) -> Tenant:
    from chalicelib.store.models import TenantItem

    db.ready()
    stamp = clock.iso(clock.now())
    item = TenantItem(
        keys.tenant(slug),
        keys.TENANT_SK,
        slug=slug,
        name=name,
        timezone=timezone,
        portal_url=portal_url.rstrip("/"),
        currency=currency,
        modules=set(modules) or None,
        branding={},
        created_at=stamp,
        updated_at=stamp,
    )
    try:
        item.save(condition=TenantItem.pk.does_not_exist())
    except Exception as exc:
        if db.is_condition_failure(exc):
            raise Conflict(f"Tenant {slug} already exists.", code="tenant_exists") from exc
        raise
    return tenant_from_item(item)


def update(slug: str, **changes: Any) -> Tenant:
    """Changes name, timezone, portal_url, currency, modules or branding of an existing tenant."""
    from chalicelib.store.models import TenantItem

    db.ready()
    actions = []
    for name, value in changes.items():
        attribute = getattr(TenantItem, name)
        if name == "modules":
            # A string set cannot be empty in DynamoDB: no modules means no attribute.
            actions.append(attribute.set(set(value)) if value else attribute.remove())
        elif value is not None:
            actions.append(attribute.set(value))
    actions.append(TenantItem.updated_at.set(clock.iso(clock.now())))
    item = TenantItem(keys.tenant(slug), keys.TENANT_SK)
    try:
        item.update(actions=actions, condition=TenantItem.pk.exists())
    except Exception as exc:
        if db.is_condition_failure(exc):
            raise NotFound(f"There is no tenant {slug}.", code="tenant_not_found") from exc
        raise
    return tenant_from_item(item)  # update() refreshed the item from DynamoDB's ALL_NEW answer


def create_api_key(slug: str, *, label: str, key: str | None = None) -> tuple[str, dict[str, Any]]:
    """Creates a key (or registers a given one, for the local demo); returns the key once and its record."""
    from chalicelib.store.models import ApiKeyItem

    get(slug)
    key = key or tokens.new_api_key(slug)
    key_id = tokens.new_id()
    digest = tokens.api_key_hash(key)
    existing = list(ApiKeyItem.gsi1.query(keys.api_key_lookup(digest), limit=1))
    if existing:
        raise Conflict("That API key is already registered.", code="api_key_exists")
    item = ApiKeyItem(
        keys.tenant(slug),
        keys.api_key_sk(key_id),
        tenant=slug,
        key_id=key_id,
        label=label,
        key_hash=digest,
        hint=key[-4:],
        gsi1pk=keys.api_key_lookup(digest),
        gsi1sk=keys.api_key_sk(key_id),
        created_at=clock.iso(clock.now()),
    )
    item.save(condition=ApiKeyItem.pk.does_not_exist())
    return key, _key_json(item)


def _key_json(item: Any) -> dict[str, Any]:
    return {
        "key_id": item.key_id,
        "label": item.label,
        "hint": f"…{item.hint}",
        "created_at": item.created_at,
        "revoked_at": item.revoked_at,
    }


def list_api_keys(slug: str) -> list[dict[str, Any]]:
    from chalicelib.store.models import ApiKeyItem

    db.ready()
    return [_key_json(i) for i in ApiKeyItem.query(keys.tenant(slug), ApiKeyItem.sk.startswith("APIKEY#"))]


def revoke_api_key(slug: str, key_id: str) -> dict[str, Any]:
    from chalicelib.store.models import ApiKeyItem

    db.ready()
    item = ApiKeyItem(keys.tenant(slug), keys.api_key_sk(key_id))
    try:
        item.update(
            actions=[ApiKeyItem.revoked_at.set(clock.iso(clock.now()))],
            condition=ApiKeyItem.pk.exists() & ApiKeyItem.revoked_at.does_not_exist(),
        )
    except Exception as exc:
        if db.is_condition_failure(exc):
            raise NotFound("No active key with that id.", code="api_key_not_found") from exc
        raise
    return _key_json(item)


def tenant_for_api_key(key: str) -> str:
    """The tenant an integrator's key belongs to; 401 for unknown or revoked keys."""
    from chalicelib.store.models import ApiKeyItem

    db.ready()
    if not key or len(key) > 256:
        raise Unauthorized("A valid API key is required.", code="invalid_api_key")
    for item in ApiKeyItem.gsi1.query(keys.api_key_lookup(tokens.api_key_hash(key)), limit=1):
        if item.revoked_at is None:
            return item.tenant
    raise Unauthorized("A valid API key is required.", code="invalid_api_key")


def store_logo(slug: str, data: bytes) -> str:
    """Stores the tenant's logo for PDFs; returns its S3 key. Only PNG and JPEG (what the PDFs can embed)."""
    from chalicelib.domain.attachments import looks_like
    from chalicelib.domain.errors import ValidationFailed
    from chalicelib.store import files

    get(slug)  # 404 for an unknown tenant
    for content_type, extension in (("image/png", "png"), ("image/jpeg", "jpg")):
        if looks_like(content_type, data[:8]):
            if len(data) > 2 * 1024 * 1024:
                raise ValidationFailed({"logo": "must be at most 2 MB"})
            key = f"{slug}/_branding/logo.{extension}"
            files.put_bytes(key, data, content_type=content_type)
            return key
    raise ValidationFailed({"logo": "must be a PNG or JPEG file"})
