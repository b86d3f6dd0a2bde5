"""API JSON of who may use the portal: accounts, contacts, API keys, tenants' public face, sessions, ``/v1/me``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain.access import Grant

if TYPE_CHECKING:
    from chalicelib.services.accounts import AccountItem
    from chalicelib.services.auth import Context, Me, PasswordSet, SessionItem, SignedIn
    from chalicelib.services.contacts import ContactItem, Invitation, SavedContact
    from chalicelib.services.tenants import ApiKeyItem, Tenant


def account_json(item: AccountItem) -> dict[str, Any]:
    return {"id": item.account_id, **item.data, "created_at": item.created_at, "updated_at": item.updated_at}


def contact_json(item: ContactItem) -> dict[str, Any]:
    return {
        "id": item.contact_id,
        "account_id": item.account_id,
        "name": item.name,
        "email": item.email,
        "phone": item.phone,
        "language": item.language,
        "portal": Grant.from_json(item.portal).to_json(),
        "invited_at": item.invited_at,
        "password_set": item.password_hash is not None,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
    }


def invitation_json(invitation: Invitation) -> dict[str, Any]:
    if invitation.sent:
        return {"sent": True, "sent_to": invitation.sent_to, "expires_in_hours": invitation.expires_in_hours}
    return {"sent": False, "reason": invitation.reason, "retry_after": invitation.retry_after}


def resent_invitation_json(invitation: Invitation) -> dict[str, Any]:
    """The answer of ``POST …/contacts/{id}/invite``."""
    return {"invitation": invitation_json(invitation)}


def saved_contact_json(saved: SavedContact) -> dict[str, Any]:
    """A pushed contact, with ``invitation`` when the push sent one (or had to, but may not yet)."""
    result = contact_json(saved.contact)
    if saved.invitation is not None:
        result["invitation"] = invitation_json(saved.invitation)
    return result


def api_key_json(item: ApiKeyItem) -> dict[str, Any]:
    return {
        "key_id": item.key_id,
        "label": item.label,
        "hint": f"…{item.hint}",
        "created_at": item.created_at,
        "revoked_at": item.revoked_at,
    }


def tenant_public_json(tenant: Tenant) -> dict[str, Any]:
    """What the sign-in page may show about a tenant."""
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "timezone": tenant.timezone,
        "currency": tenant.currency,
        "branding": tenant.branding,
    }


def me_json(me: Me) -> dict[str, Any]:
    context, data = me.context, me.account.data
    contact = context.contact
    window = Grant.from_json(contact.portal).to_json()
    return {
        "contact": {
            "id": contact.contact_id,
            "name": contact.name,
            "email": contact.email,
            "phone": contact.phone,
            "language": contact.language,
            "access": {"start_date": window["start_date"], "end_date": window["end_date"]},
        },
        "account": {
            "id": me.account.account_id,
            "name": data.get("name"),
            "tax_id": data.get("tax_id"),
            "tax_id_type": data.get("tax_id_type"),
            "currency": data.get("currency"),
            "city": data.get("city"),
            "account_executive": data.get("account_executive"),
        },
        "modules": context.principal.modules_json(),
        "tenant": tenant_public_json(context.tenant),
        "session": {"id": context.session.session_id, "expires_at": context.session.expires_at},
    }


def signed_in_json(signed_in: SignedIn) -> dict[str, Any]:
    """The new session's token plus everything ``GET /v1/me`` answers."""
    return {"token": signed_in.token, "expires_at": signed_in.me.context.session.expires_at, **me_json(signed_in.me)}


def session_json(item: SessionItem, *, current: bool) -> dict[str, Any]:
    return {
        "id": item.session_id,
        "created_at": item.created_at,
        "last_seen_at": item.last_seen_at,
        "expires_at": item.expires_at,
        "user_agent": item.user_agent,
        "ip": item.ip,
        "current": current,
    }


def sessions_json(context: Context, items: list[SessionItem]) -> dict[str, Any]:
    """The contact's live sessions (one page: a contact has few), the one making the request marked."""
    current = context.session.session_id
    return {"items": [session_json(i, current=i.session_id == current) for i in items], "next_cursor": None}


def password_set_json(result: PasswordSet) -> dict[str, Any]:
    return {"tenant": result.tenant, "email": result.email}
