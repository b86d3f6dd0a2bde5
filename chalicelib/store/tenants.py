"""Tenants (the businesses running a portal), their integrator API keys and their logo in S3."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.domain import clock
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.store import db, files, keys

if TYPE_CHECKING:
    from chalicelib.store.models import ApiKeyItem


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
    reminders: dict[str, Any] | None = None  # None: the default reminder schedule (domain/reminders.py)
    sales: dict[str, Any] | None = None  # None: the default sales settings (domain/sales.py sales_settings)
    support: dict[str, Any] = field(default_factory=dict)  # desk_email, reopen_days, categories (domain/cases.py)


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
        reminders=item.reminders,
        sales=item.sales,
        support=item.support or {},
    )


def get(slug: str) -> Tenant:
    from chalicelib.store.models import TenantItem  # lazy: keeps import app fast

    db.ready()
    try:
        return tenant_from_item(TenantItem.get(keys.tenant(slug), keys.TENANT_SK))
    except TenantItem.DoesNotExist:
        raise NotFound("There is no such portal.", code="tenant_not_found") from None


def create(slug: str, *, name: str, timezone: str, portal_url: str, currency: str, modules: frozenset[str]) -> Tenant:
    from chalicelib.store.models import TenantItem  # lazy: keeps import app fast

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
        gsi1pk=keys.TENANTS_INDEX,
        gsi1sk=keys.tenant_index_sk(slug),
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
    """Changes name, timezone, portal_url, currency, modules, branding, reminders or support of an existing tenant (and
    lists it in the tenants index, which tenants created before the index lacked)."""
    from chalicelib.store.models import TenantItem  # lazy: keeps import app fast

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
    actions += [TenantItem.gsi1pk.set(keys.TENANTS_INDEX), TenantItem.gsi1sk.set(keys.tenant_index_sk(slug))]
    item = TenantItem(keys.tenant(slug), keys.TENANT_SK)
    try:
        item.update(actions=actions, condition=TenantItem.pk.exists())
    except Exception as exc:
        if db.is_condition_failure(exc):
            raise NotFound(f"There is no tenant {slug}.", code="tenant_not_found") from exc
        raise
    return tenant_from_item(item)  # update() refreshed the item from DynamoDB's ALL_NEW answer


def api_key_by_hash(digest: str) -> ApiKeyItem | None:
    """The key stored with hash ``digest`` (revoked or not), or None."""
    from chalicelib.store.models import ApiKeyItem  # lazy: keeps import app fast

    db.ready()
    return next(iter(ApiKeyItem.gsi1.query(keys.api_key_lookup(digest), limit=1)), None)


def add_api_key(slug: str, *, key_id: str, label: str, digest: str, hint: str) -> ApiKeyItem:
    from chalicelib.store.models import ApiKeyItem  # lazy: keeps import app fast

    db.ready()
    item = ApiKeyItem(
        keys.tenant(slug),
        keys.api_key_sk(key_id),
        tenant=slug,
        key_id=key_id,
        label=label,
        key_hash=digest,
        hint=hint,
        gsi1pk=keys.api_key_lookup(digest),
        gsi1sk=keys.api_key_sk(key_id),
        created_at=clock.iso(clock.now()),
    )
    item.save(condition=ApiKeyItem.pk.does_not_exist())
    return item


def api_keys(slug: str) -> list[ApiKeyItem]:
    from chalicelib.store.models import ApiKeyItem  # lazy: keeps import app fast

    db.ready()
    return list(ApiKeyItem.query(keys.tenant(slug), ApiKeyItem.sk.startswith("APIKEY#")))


def revoke_api_key(slug: str, key_id: str) -> ApiKeyItem:
    """Stamps ``revoked_at``; 404 unless the tenant has an active key with that id."""
    from chalicelib.store.models import ApiKeyItem  # lazy: keeps import app fast

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
    return item


def put_logo(slug: str, data: bytes, *, content_type: str, extension: str) -> str:
    """Stores the tenant's logo; returns its S3 key."""
    key = f"{slug}/_branding/logo.{extension}"
    files.put_bytes(key, data, content_type=content_type)
    return key
