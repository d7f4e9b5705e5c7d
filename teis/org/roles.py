"""The standard roles of the corps and their permissions; `ensure_roles()` creates or updates them.

Used by `seed_demo` and by the tests, so that what the demo shows is what the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import Permission

from teis.core.models import DataScope

from .choices import AdminKind

VIEW_BASE_CORE = ["org.view_unit", "core.view_dictionaryitem", "core.view_dictionarytype"]
# Every officer consults the legal knowledge base; 法制科 maintains it.
LEGAL_VIEW = [
    "legal.view_law",
    "legal.view_provision",
    "legal.view_violationcode",
    "legal.view_casecause",
    "legal.view_discretionbenchmark",
]
LEGAL_MAINTAIN = [
    *(
        f"legal.{a}_{m}"
        for m in ("law", "violationcode", "casecause", "discretionbenchmark")
        for a in ("add", "change", "delete")
    ),
    "legal.view_legalchangewarning",
    "legal.change_legalchangewarning",
    "legal.view_discretionapplication",
    "legal.change_discretionapplication",
]
# Every officer sees the process definitions and the workflow records in their scope; system admins
# maintain definitions (modeler) and set substitutes for others.
WORKFLOW_VIEW = ["workflow.view_processdefinition", "workflow.view_processinstance", "workflow.view_worktask"]
WORKFLOW_MAINTAIN = [
    "workflow.view_processdefinition",
    "workflow.add_processdefinition",
    "workflow.change_processdefinition",
    "workflow.add_substitute",
]
VIEW_BASE = [*VIEW_BASE_CORE, *LEGAL_VIEW, *WORKFLOW_VIEW]
# Systems signing in through TEIS (OIDC clients) are registered and revoked by the system administrator.
OAUTH_CLIENT_MAINTAIN = [
    "oauth2_provider.view_application",
    "oauth2_provider.add_application",
    "oauth2_provider.delete_application",
]


def _crud_labels(label: str) -> list[str]:
    app, model = label.split(".")
    return [f"{app}.{a}_{model}" for a in ("view", "add", "change", "delete")]


# Case handling: field officers register their own cases; leaders, legal review and leadership view in scope.
CASE_VIEW = [
    "cases.view_enforcementcase",
    "cases.view_monitoringwarning",
    "cases.view_violationrecord",
    "cases.view_casereview",
]
# 信息派发 (dispatchers: command centre, brigade leaders) and acting on monitoring warnings.
CASE_DISPATCH = [
    "cases.add_violationrecord",
    "cases.change_violationrecord",
    *_crud_labels("cases.stationassignment"),
    "cases.change_monitoringwarning",
]


@dataclass(frozen=True)
class RoleDef:
    code: str
    name: str
    data_scope: str
    permissions: tuple[str, ...]
    admin_kind: str = AdminKind.NONE
    description: str = ""


def _crud(label: str) -> tuple[str, ...]:
    app, model = label.split(".")
    return tuple(f"{app}.{a}_{model}" for a in ("view", "add", "change", "delete"))


ROLE_DEFS: list[RoleDef] = [
    RoleDef(
        "field_officer",
        "一线执法队员",
        DataScope.OWN,
        (*VIEW_BASE, "org.view_officer", *CASE_VIEW, "cases.add_enforcementcase"),
        description="现场执法、案件登记、取证",
    ),
    RoleDef(
        "squad_leader",
        "中队长",
        DataScope.UNIT,
        (*VIEW_BASE, "org.view_officer", "org.view_mobiledevice", *CASE_VIEW),
        description="本中队审批、派单、勤务",
    ),
    RoleDef(
        "brigade_leader",
        "大队长",
        DataScope.SUBTREE,
        (
            *VIEW_BASE,
            "org.view_officer",
            "org.view_mobiledevice",
            "org.reveal_personal_data",
            *CASE_VIEW,
            *CASE_DISPATCH,
        ),
        description="本大队及下属中队",
    ),
    RoleDef(
        "legal_reviewer",
        "法制审核员",
        DataScope.SUBTREE,
        (*VIEW_BASE, *LEGAL_MAINTAIN, "org.view_officer", *CASE_VIEW, "cases.sample_enforcementcase"),
        description="法制审核、案卷评查",
    ),
    RoleDef(
        "command_center",
        "指挥中心值班员",
        DataScope.ALL,
        (*VIEW_BASE, "org.view_officer", *CASE_VIEW, *CASE_DISPATCH),
        description="实时监控、调度指令",
    ),
    RoleDef(
        "leadership",
        "总队领导",
        DataScope.ALL,
        (*VIEW_BASE, "org.view_officer", "org.reveal_personal_data", *CASE_VIEW),
        description="全局数据与重大案件审批",
    ),
    RoleDef(
        "evidence_admin",
        "证据管理员",
        DataScope.SUBTREE,
        (*VIEW_BASE, "org.view_officer"),
        description="证据入库、保管、销毁",
    ),
    RoleDef(
        "system_admin",
        "系统管理员",
        DataScope.ALL,
        (
            *_crud("org.unit"),
            *_crud("org.officer"),
            *_crud("org.role"),
            *_crud("org.mobiledevice"),
            *_crud("core.dictionarytype"),
            *_crud("core.dictionaryitem"),
            *WORKFLOW_MAINTAIN,
            *OAUTH_CLIENT_MAINTAIN,
        ),
        AdminKind.SYSTEM,
        "用户、单位、角色管理",
    ),
    RoleDef(
        "security_admin",
        "安全管理员",
        DataScope.ALL,
        ("org.manage_security_policy", "org.view_unit"),
        AdminKind.SECURITY,
        "安全策略、登录监控",
    ),
    RoleDef(
        "audit_admin",
        "审计管理员",
        DataScope.ALL,
        (
            "audit.view_auditrecord",
            "audit.export_auditrecord",
            "audit.view_auditalert",
            "audit.view_auditarchive",
            "audit.view_anomalyrule",
            "audit.change_anomalyrule",
            "org.view_unit",
        ),
        AdminKind.AUDIT,
        "只读审计",
    ),
    RoleDef("operations", "运维人员", DataScope.ALL, ("core.view_jobrun", "org.view_unit"), description="运行监控"),
]


def _permission_index() -> dict[str, Permission]:
    """Every permission by "app.codename", in one query (the content type joined, not fetched per row)."""
    return {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").only("pk", "codename", "content_type__app_label")
    }


def permissions_for(labels, index: dict[str, Permission] | None = None) -> list[Permission]:
    index = _permission_index() if index is None else index
    missing = {label for label in labels if label not in index}
    if missing:
        raise LookupError(f"unknown permissions: {sorted(missing)}")
    return [index[label] for label in dict.fromkeys(labels)]


def app_role_modules():
    """`<app>.roles` of every installed TEIS domain app that has one (org imports no domain app by name)."""
    import importlib

    from django.apps import apps

    modules = []
    for app in apps.get_app_configs():
        if not app.name.startswith("teis.") or app.name == "teis.org":
            continue
        try:
            modules.append(importlib.import_module(f"{app.name}.roles"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.roles":
                raise
    return modules


def all_role_defs() -> list[RoleDef]:
    """ROLE_DEFS with each domain app's `ROLE_PERMISSIONS` merged in, plus its `EXTRA_ROLES`."""
    extra: dict[str, list[str]] = {}
    defs = list(ROLE_DEFS)
    for module in app_role_modules():
        for code, labels in getattr(module, "ROLE_PERMISSIONS", {}).items():
            extra.setdefault(code, []).extend(labels)
        defs.extend(getattr(module, "EXTRA_ROLES", []))
    known = {d.code for d in defs}
    unknown = set(extra) - known
    if unknown:
        raise LookupError(f"ROLE_PERMISSIONS names unknown roles: {sorted(unknown)}")
    return [
        RoleDef(
            d.code,
            d.name,
            d.data_scope,
            tuple(dict.fromkeys((*d.permissions, *extra.get(d.code, ())))),
            d.admin_kind,
            d.description,
        )
        for d in defs
    ]


def ensure_roles() -> dict[str, object]:
    from .models import Role

    roles = {}
    index = _permission_index()  # one read of the permission table for every role (was a query per permission)
    for d in all_role_defs():
        role, _ = Role.objects.update_or_create(
            code=d.code,
            defaults={
                "name": d.name,
                "data_scope": d.data_scope,
                "admin_kind": d.admin_kind,
                "description": d.description,
            },
        )
        role.permissions.set(permissions_for(d.permissions, index))
        roles[d.code] = role
    return roles


def grant_new_permissions() -> dict[str, int]:
    """After an upgrade: the standard roles that do not exist yet are created, and each existing standard role
    gets the permissions of its definition it lacks (a new action's permission). Nothing is taken away and no
    name or scope is changed: permissions added to a standard role stay. A standard role always holds at least its
    definition; narrower access is a role of the corps' own. {existing role code: permissions added}."""
    from .models import Role

    index = _permission_index()
    existing = {r.code: r for r in Role.objects.prefetch_related("permissions")}
    added: dict[str, int] = {}
    for d in all_role_defs():
        role = existing.get(d.code)
        if role is None:
            role = Role.objects.create(
                code=d.code, name=d.name, data_scope=d.data_scope, admin_kind=d.admin_kind, description=d.description
            )
            have: set[int] = set()
        else:
            have = {p.pk for p in role.permissions.all()}
        missing = [p for p in permissions_for(d.permissions, index) if p.pk not in have]
        if missing:
            role.permissions.add(*missing)
            if d.code in existing:  # a role just created is not "given" anything: it starts as defined
                added[d.code] = len(missing)
    return added
