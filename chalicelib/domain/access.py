"""Access grants, modules, scopes and the authenticated portal principal (DESIGN §1, §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from chalicelib.domain.validation import Reader

MODULE_ACTIONS: dict[str, tuple[str, ...]] = {
    "billing": ("view", "download", "comment"),
    "payments": ("view", "pay"),
    "orders": ("view", "create", "comment"),
    "quotes": ("view", "create", "comment"),
    "cases": ("view", "create", "comment"),
    "opportunities": ("view", "create", "comment"),
    "forms": ("view", "create", "comment"),
    "catalog": ("view",),
    "knowledge": ("view",),
    "contracts": ("view",),
    "assets": ("view",),
    "documents": ("view", "download", "comment"),
    "projects": ("view", "download", "comment"),
    "profile": ("view", "edit"),
}
MODULES = tuple(MODULE_ACTIONS)
SCOPES = ("account", "own")


@dataclass(frozen=True, slots=True)
class ModuleGrant:
    scope: str
    actions: frozenset[str]

    def to_json(self) -> dict[str, Any]:
        return {"scope": self.scope, "actions": sorted(self.actions)}


@dataclass(frozen=True, slots=True)
class Grant:
    enabled: bool
    start_date: date | None
    end_date: date | None
    modules: dict[str, ModuleGrant] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "end_date": self.end_date.isoformat() if self.end_date else None,
            "modules": {name: grant.to_json() for name, grant in sorted(self.modules.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Grant:
        if not data:
            return cls(enabled=False, start_date=None, end_date=None)
        return cls(
            enabled=bool(data.get("enabled")),
            start_date=date.fromisoformat(data["start_date"]) if data.get("start_date") else None,
            end_date=date.fromisoformat(data["end_date"]) if data.get("end_date") else None,
            modules={
                name: ModuleGrant(scope=value["scope"], actions=frozenset(value["actions"]))
                for name, value in (data.get("modules") or {}).items()
            },
        )

    def inactive_reason(self, today: date) -> str | None:
        """Why this grant does not allow sign-in today, or None when it does."""
        if not self.enabled:
            return "access_disabled"
        if self.start_date and today < self.start_date:
            return "access_not_started"
        if self.end_date and today > self.end_date:
            return "access_ended"
        return None

    def effective_modules(self, tenant_modules: frozenset[str]) -> dict[str, ModuleGrant]:
        """The modules the contact really has: granted to them and enabled for the tenant."""
        return {name: grant for name, grant in self.modules.items() if name in tenant_modules}


def read_grant(reader: Reader, *, today: date, previous: Grant | None = None) -> Grant | None:
    """Validates the integrator's ``portal`` object. Dates are checked only when they would change."""
    enabled = reader.boolean("enabled", required=True)
    start = reader.date("start_date", required=bool(enabled))
    end = reader.date("end_date", required=bool(enabled))
    if enabled:
        # A window that is already stored may have started before today: only new values must be current.
        if start and start > today:
            reader.fail("start_date", "must be today or earlier")
        if end and end < today and not (previous and previous.end_date == end):
            reader.fail("end_date", "must be today or later")
        if start and end and end < start:
            reader.fail("end_date", "must not be before start_date")
    modules: dict[str, ModuleGrant] = {}
    modules_reader = reader.obj("modules", required=bool(enabled))
    if modules_reader is not None:
        if not modules_reader.data and enabled and not modules_reader.errors.get(modules_reader.path):
            reader.fail("modules", "must grant at least one module")
        for name in list(modules_reader.data):
            if name not in MODULE_ACTIONS:
                modules_reader.raw(name)  # reported once, as an unknown module, not field by field
                modules_reader.fail(name, f"is not a module; known modules: {', '.join(MODULES)}")
                continue
            module = modules_reader.obj(name)
            if module is None:
                continue
            scope = module.choice("scope", SCOPES, default="account")
            actions = _read_actions(module, name)
            if scope and actions is not None:
                modules[name] = ModuleGrant(scope=scope, actions=actions)
    if enabled is None:
        return None
    return Grant(enabled=enabled, start_date=start, end_date=end, modules=modules)


def _read_actions(module: Reader, name: str) -> frozenset[str] | None:
    raw = module.raw("actions")
    if raw is None:
        return frozenset({"view"})
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        module.fail("actions", "must be a list of action names")
        return None
    allowed = MODULE_ACTIONS[name]
    unknown = [a for a in raw if a not in allowed]
    if unknown:
        module.fail("actions", f"{', '.join(unknown)} not allowed for {name}; allowed: {', '.join(allowed)}")
        return None
    return frozenset(raw) | {"view"}


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in contact as every portal store call sees it; scopes come from the live grant."""

    tenant: str
    account_id: str
    contact_id: str
    session_id: str
    modules: dict[str, ModuleGrant]
    timezone: str

    def require(self, module: str, action: str = "view") -> ModuleGrant:
        grant = self.modules.get(module)
        if grant is None:
            raise NotFound("This module is not available in your portal.", code="module_not_enabled",
                           details={"module": module})
        if action not in grant.actions:
            raise Forbidden(f"Your access does not include '{action}' in {module}.", code="action_not_allowed",
                            details={"module": module, "action": action})
        return grant

    def require_any(self, actions: tuple[str, ...]) -> None:
        """403 unless some module of the contact grants one of ``actions`` (uploads serve every module)."""
        if not any(grant.actions & set(actions) for grant in self.modules.values()):
            raise Forbidden(f"Your access does not include {' or '.join(actions)} in any module.",
                            code="action_not_allowed", details={"actions": list(actions)})

    def modules_json(self) -> dict[str, Any]:
        return {name: grant.to_json() for name, grant in sorted(self.modules.items())}
