"""What core calls but does not own: the audit trail (`teis.audit`) and the organisation (`teis.org`).

Core sits below the platform apps (ARCHITECTURE.md, Layout: core → org / audit / workflow → domain apps) and imports
none of them. Those apps hand their implementations to core when Django starts (their `AppConfig.ready`), and core
calls them through the functions here. A call before they are provided is a programming error, not a fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet


class Ports:
    """Functions an app above provides at start-up, by name; calling one not provided is a programming error."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self._provided: dict[str, Callable[..., Any]] = {}

    def provide(self, **implementations: Callable[..., Any]) -> None:
        self._provided.update(implementations)

    def get(self, name: str) -> Callable[..., Any]:
        try:
            return self._provided[name]
        except KeyError:
            raise RuntimeError(f"{self.owner} port {name!r} is not provided: is its app installed?") from None


_ports = Ports("core")
provide = _ports.provide  # called once by each platform app's `ready()`: `provide(audit_record=record)`
_get = _ports.get


# --- the audit trail (teis.audit) --------------------------------------------------------------------------------


def audit_record(actor: Any, action: str, obj: Any = None, **kwargs: Any) -> Any:
    """Append one audit record in the caller's transaction (`teis.audit.services.record`)."""
    return _get("audit_record")(actor, action, obj, **kwargs)


def audit_snapshot(obj: Any) -> dict[str, Any]:
    """The audited field values of `obj` (`teis.audit.services.snapshot`)."""
    values: dict[str, Any] = _get("audit_snapshot")(obj)
    return values


def audit_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Changed fields as {name: [before, after]} (`teis.audit.services.diff`)."""
    changed: dict[str, Any] = _get("audit_diff")(before, after)
    return changed


# --- the organisation (teis.org) ---------------------------------------------------------------------------------


def scope_filter(user: Any, model: type[Model]) -> Q | None:
    """A Q restricting `model` to the user's data scope, or None for no restriction (`teis.org.scope`)."""
    condition: Q | None = _get("scope_filter")(user, model)
    return condition


def officer_of(user: Any) -> Any:
    """The user's officer profile with its unit, cached on the user (`teis.org.scope.officer_with_unit`)."""
    return _get("officer_of")(user)


def users_in_scope(qs: QuerySet[User], user: Any) -> QuerySet[User]:
    """Accounts (`User`, which has no scoped manager) restricted to those whose officer profile the user sees."""
    users: QuerySet[User] = _get("users_in_scope")(qs, user)
    return users


def unit_paths(ids: Iterable[int]) -> list[str]:
    """The materialised paths of the units with these ids (for "this unit or below" conditions)."""
    paths: list[str] = _get("unit_paths")(ids)
    return paths


class _AuditTrail:
    """`audit.record(…)`, `audit.snapshot(obj)`, `audit.diff(a, b)`: the names `teis.audit.services` gives them, so
    that core's call sites read like every app's."""

    record = staticmethod(audit_record)
    snapshot = staticmethod(audit_snapshot)
    diff = staticmethod(audit_diff)


audit = _AuditTrail()
