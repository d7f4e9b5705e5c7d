"""三员分立 (system / security / audit administrators) as a property of the permissions an account holds.

The three administrator families are defined here, once. Whatever the path — a role's permissions edited, a
new role, roles assigned to an officer, page or API — no account may end up holding permissions of two
families; nobody changes their own roles or a role they hold (administrators cannot grant themselves
anything); removing or weakening an auditor's powers needs the security administrator; and giving out or
taking away any permission of the security or audit administrator families (a role assigned or removed, an
account created with such a role, such permissions added to or removed from a role) is for the security
administrator alone — the system administrator manages accounts and roles but cannot make or unmake the
other two administrators.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from teis.core.services import ServiceError

SYSTEM, SECURITY, AUDIT = "system", "security", "audit"
FAMILY_LABELS = {SYSTEM: "系统管理员", SECURITY: "安全管理员", AUDIT: "审计管理员"}

# 系统管理: the organisation, accounts, roles, devices, dictionaries, process definitions, SSO clients.
SYSTEM_PERMISSIONS = frozenset(
    {
        *(f"org.{a}_{m}" for m in ("unit", "officer", "role", "mobiledevice") for a in ("add", "change", "delete")),
        *(f"core.{a}_{m}" for m in ("dictionarytype", "dictionaryitem") for a in ("add", "change", "delete")),
        "workflow.add_processdefinition",
        "workflow.change_processdefinition",
        "workflow.delete_processdefinition",
        "workflow.add_substitute",
    }
)
SYSTEM_APPS = frozenset({"oauth2_provider"})
# 安全管理: the login and password policy, login records and locks.
SECURITY_PERMISSIONS = frozenset({"org.manage_security_policy"})
# 审计管理: every permission of the audit app (records, export, alerts, archives, anomaly rules).
AUDIT_APPS = frozenset({"audit"})


# the families only the security administrator gives out or takes away
PROTECTED_FAMILIES = frozenset({SECURITY, AUDIT})
GRANT_MESSAGE = "三员分立：授予或撤销安全管理员、审计管理员的权限须由安全管理员操作。"


def family_of(label: str) -> str | None:
    app = label.split(".", 1)[0]
    if app in AUDIT_APPS:
        return AUDIT
    if label in SECURITY_PERMISSIONS:
        return SECURITY
    if label in SYSTEM_PERMISSIONS or app in SYSTEM_APPS:
        return SYSTEM
    return None


def labels_of(permissions: Iterable) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def families(labels: Iterable[str]) -> set[str]:
    return {f for f in map(family_of, labels) if f}


def role_permission_labels(role) -> set[str]:
    """The role's permission labels, read fresh (not through a prefetched or deferred relation)."""
    from django.contrib.auth.models import Permission

    rows = Permission.objects.filter(role=role).values_list("content_type__app_label", "codename")
    return {f"{app}.{codename}" for app, codename in rows}


def _role_labels(role, permissions=None) -> set[str]:
    if permissions is not None:
        return labels_of(permissions)
    if not role.pk:
        return set()
    return role_permission_labels(role)


def check_families(labels: Iterable[str], admin_kinds: Iterable[str] = (), who: str = "同一账号") -> None:
    found = families(labels) | {k for k in admin_kinds if k}
    if len(found) > 1:
        names = "、".join(FAMILY_LABELS[f] for f in (SYSTEM, SECURITY, AUDIT) if f in found)
        raise ServiceError(
            "admin_separation",
            f"三员分立：{who}不能同时持有{names}的权限。",
            {"roles": ["角色组合违反三员分立"], "permissions": ["权限组合违反三员分立"]},
        )


def check_roles(roles, overrides: dict | None = None) -> None:
    """The union of the roles' permissions (with `overrides` {role pk: permissions} applied) spans one
    administrator family at most."""
    overrides = overrides or {}
    labels: set[str] = set()
    for role in roles:
        labels |= _role_labels(role, overrides.get(role.pk))
    check_families(labels, [r.admin_kind for r in roles])


def _officer_of(user: Any) -> Any:
    return getattr(user, "officer", None) if user is not None and hasattr(user, "officer") else None


def actor_is_security_admin(actor) -> bool:
    """The security administrator (or the bootstrap superuser, who creates the first three)."""
    if actor is None:
        return True  # system code (seeding, migrations), not a person
    if getattr(actor, "is_superuser", False) and _officer_of(actor) is None:
        return True
    return actor.has_perm("org.manage_security_policy")


def protected_labels(labels: Iterable[str]) -> set[str]:
    """The labels of the security and audit administrator families among `labels`."""
    return {lb for lb in labels if family_of(lb) in PROTECTED_FAMILIES}


def _refuse_protected_grant(actor, field: str) -> None:
    if not actor_is_security_admin(actor):
        raise ServiceError("admin_grant", GRANT_MESSAGE, {field: ["须由安全管理员操作"]})


def _refuse_auditor_weakening(actor) -> None:
    if not actor_is_security_admin(actor):
        raise ServiceError("auditor_protected", "撤销或削弱审计管理员的权限须由安全管理员操作。")


def check_role_change(actor, role, *, permissions=None, admin_kind=None, deleting: bool = False) -> None:
    """A role's permissions (or kind) change, or the role is deleted: nobody edits a role they hold; the
    role itself and every officer holding it stay within one family; an auditor is weakened only by the
    security administrator."""
    officer = _officer_of(actor)
    if officer is not None and role.pk and officer.roles.filter(pk=role.pk).exists():
        raise ServiceError(
            "self_grant", "不能修改自己持有的角色（含其权限）。", {"permissions": ["不能修改自己的角色"]}
        )
    new_labels = set() if deleting else _role_labels(role, permissions)
    kind = role.admin_kind if admin_kind is None else admin_kind
    if not deleting:
        check_families(new_labels, [kind], who="一个角色")
    old_labels = _role_labels(role)
    if protected_labels(old_labels) != protected_labels(new_labels):
        _refuse_protected_grant(actor, "permissions")
    old_audit = {lb for lb in old_labels if family_of(lb) == AUDIT}
    holders = list(role.officers.all()) if role.pk else []
    if holders and old_audit - new_labels:
        _refuse_auditor_weakening(actor)
    if deleting:
        return
    for holder in holders:
        others = [r for r in holder.roles.all() if r.pk != role.pk]
        labels = set(new_labels)
        for other in others:
            labels |= role_permission_labels(other)
        check_families(labels, [kind, *(r.admin_kind for r in others)], who=f"“{holder.name}”")


def check_officer_roles(actor, officer, roles, *, disabling: bool = False, deleting: bool = False) -> None:
    """Roles assigned to `officer` (None when it is being created): one family at most, never one's own,
    and an auditor loses audit permissions only through the security administrator."""
    me = _officer_of(actor)
    if officer is not None and me is not None and me.pk == officer.pk:
        raise ServiceError("self_grant", "不能修改自己的角色或账号状态。", {"roles": ["不能修改自己的角色"]})
    roles = list(roles)
    check_roles(roles)
    old_roles = list(officer.roles.all()) if officer is not None and officer.pk else []
    if disabling or deleting:
        # a security administrator is disabled or deleted only by another one (the auditor: below)
        if any(family_of(lb) == SECURITY for r in old_roles for lb in _role_labels(r)):
            _refuse_protected_grant(actor, "status")
    else:
        old_pks, new_pks = {r.pk for r in old_roles}, {r.pk for r in roles}
        changed = [r for r in [*old_roles, *roles] if (r.pk in old_pks) != (r.pk in new_pks)]
        if any(protected_labels(_role_labels(r)) for r in changed):
            _refuse_protected_grant(actor, "roles")
    if officer is None or not officer.pk:
        return
    old_audit = {lb for r in officer.roles.all() for lb in _role_labels(r) if family_of(lb) == AUDIT}
    new_audit = (
        set() if disabling or deleting else {lb for r in roles for lb in _role_labels(r) if family_of(lb) == AUDIT}
    )
    if old_audit - new_audit:
        _refuse_auditor_weakening(actor)
