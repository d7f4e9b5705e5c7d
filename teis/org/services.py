"""Organisation and unified-user services: units in a tree, officers, roles (三员分立), devices, policy.

Every function is one transaction, takes the acting user and writes its audit record.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ParamSpec, TypeVar, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction, AuditCategory
from teis.core.masking import mask_id_number, mask_phone
from teis.core.services import GenericService, ServiceError
from teis.core.validators import (
    normalise_id_number,
    normalise_mobile_phone,
    validate_id_number,
    validate_mobile_phone,
)

from .choices import OfficerStatus
from .models import MobileDevice, Officer, PasswordHistory, Role, SecurityPolicy, Unit, UnitMove

User = get_user_model()
P = ParamSpec("P")
R = TypeVar("R")


# --- units --------------------------------------------------------------------------------------------


def unit_segment(pk: int) -> str:
    return f"{pk:05d}."


def check_parent(unit: Unit | None, parent: Unit | None) -> None:
    if unit is not None and parent is not None and unit.pk and parent.path.startswith(unit.path):
        raise ServiceError("unit_cycle", "不能把单位移到其自身或其下级单位之下。", {"parent": ["上级单位无效"]})


class UnitService(GenericService):
    """Units keep a materialised path; moving one rewrites its subtree's paths and records the move."""

    def do_create(self, actor: Any, model: type[models.Model], data: dict[str, Any]) -> Unit:
        with transaction.atomic():
            unit = cast(Unit, super().do_create(actor, model, data))  # `model` is Unit
            parent = unit.parent
            unit.path = (parent.path if parent else "") + unit_segment(unit.pk)
            unit.depth = parent.depth + 1 if parent else 0
            Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
        return unit

    def do_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> Unit:
        with transaction.atomic():
            current = Unit.objects.select_for_update().get(pk=obj.pk)
            new_parent = data.get("parent", current.parent)
            check_parent(current, new_parent)
            moved = (new_parent.pk if new_parent else None) != current.parent_id
            if moved:
                do_move_unit(actor, current, new_parent)
            return cast(Unit, super().do_update(actor, Unit.objects.get(pk=obj.pk), data))


def unit_lineage_names(unit: Unit) -> str:
    ids = [int(s) for s in unit.path.strip(".").split(".") if s]
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return " / ".join(names.get(i, "?") for i in ids)


def do_move_unit(actor: Any, unit: Unit, new_parent: Unit | None) -> Unit:
    """Move `unit` (and its subtree) under `new_parent`, keeping a record of where it was."""
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        check_parent(unit, new_parent)
        old_path = unit.path
        new_path = (new_parent.path if new_parent else "") + unit_segment(unit.pk)
        depth_change = (new_parent.depth + 1 if new_parent else 0) - unit.depth
        UnitMove.objects.create(
            unit=unit,
            old_parent=unit.parent,
            new_parent=new_parent,
            old_path_names=unit_lineage_names(unit),
            moved_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_change,
        )
        Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
        audit.record(
            actor,
            AuditAction.UPDATE,
            unit,
            changes={"上级单位": [str(unit.parent) if unit.parent else None, str(new_parent) if new_parent else None]},
        )
        unit.refresh_from_db()
    return unit


# --- roles and 三员分立 ---------------------------------------------------------------------------

# the refusals of teis.org.separation: each is recorded as 越权访问 (the change itself is rolled back)
SEPARATION_CODES = frozenset({"admin_grant", "admin_separation", "self_grant", "auditor_protected"})


def audit_separation_refusals(actor_index: int = 0) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record a refused 三员分立 change (after the service's transaction is rolled back) before re-raising."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except ServiceError as err:
                actor = args[actor_index] if len(args) > actor_index else kwargs.get("actor")
                if err.code in SEPARATION_CODES and getattr(actor, "is_authenticated", False):
                    audit.record(
                        actor,
                        AuditAction.PERMISSION_DENIED,
                        detail={"rule": "三员分立", "code": err.code, "message": err.message},
                    )
                raise

        return wrapper

    return decorate


def check_admin_separation(roles: Iterable[Role]) -> None:
    """No account may hold permissions of two of the system / security / audit administrator families
    (teis.org.separation defines them), whatever its roles are called or typed."""
    from .separation import check_roles

    check_roles(roles)


class RoleService(GenericService):
    """Role changes are security events (ROLE_CHANGE) and obey 三员分立 by their permissions."""

    @audit_separation_refusals(1)
    def do_create(self, actor: Any, model: type[models.Model], data: dict[str, Any]) -> Role:
        from .separation import check_role_change

        check_role_change(
            actor,
            Role(admin_kind=data.get("admin_kind") or ""),
            permissions=list(data.get("permissions") or []),
        )
        return cast(Role, super().do_create(actor, model, data))  # `model` is Role

    @audit_separation_refusals(1)
    def do_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> Role:
        from .separation import check_role_change

        obj = cast(Role, obj)  # this service writes roles
        with transaction.atomic():
            before = set(obj.permissions.values_list("codename", flat=True))
            check_role_change(
                actor,
                obj,
                permissions=list(data["permissions"]) if "permissions" in data else None,
                admin_kind=data.get("admin_kind"),
            )
            role = cast(Role, super().do_update(actor, obj, data))
            after = set(role.permissions.values_list("codename", flat=True))
            if before != after:
                audit.record(
                    actor,
                    AuditAction.ROLE_CHANGE,
                    role,
                    changes={"权限": [sorted(before - after), sorted(after - before)]},
                    detail={"removed": sorted(before - after), "added": sorted(after - before)},
                )
        return role

    @audit_separation_refusals(1)
    def do_delete(self, actor: Any, obj: models.Model) -> None:
        from .separation import check_role_change

        check_role_change(actor, cast(Role, obj), deleting=True)
        return super().do_delete(actor, obj)


def do_set_role_permissions(actor: Any, role: Role, codenames: list[str]) -> Role:
    perms = list(Permission.objects.filter(codename__in=codenames))
    return RoleService().do_update(actor, role, {"permissions": perms})


# --- officers ---------------------------------------------------------------------------------------


PERSONAL_FIELDS = {
    "id_number": (normalise_id_number, validate_id_number, mask_id_number),
    "phone": (normalise_mobile_phone, validate_mobile_phone, mask_phone),
}


def check_personal_data(data: dict[str, Any], current: Officer | None = None) -> dict[str, Any]:
    """Normalise and validate 身份证号 / 手机号 (the API has no form to do it). A value equal to the masked
    current value — what a user without the reveal permission was shown — means "unchanged"."""
    data = dict(data)
    errors: dict[str, list[str]] = {}
    for name, (normalise, validate, mask) in PERSONAL_FIELDS.items():
        if name not in data:
            continue
        value = normalise(str(data[name] or ""))
        old = getattr(current, name, "") if current is not None else ""
        if old and value == mask(old):
            data.pop(name)
            continue
        if value:
            try:
                validate(value)
            except ValidationError as err:
                errors[name] = err.messages
        data[name] = value
    if errors:
        raise ServiceError("invalid_personal_data", "；".join(m for ms in errors.values() for m in ms), errors)
    return data


class OfficerService(GenericService):
    @audit_separation_refusals(1)
    def do_create(self, actor: Any, model: type[models.Model], data: dict[str, Any]) -> Officer:
        """Create the officer with a login account (`username`, `password` in data); the initial password
        must satisfy the policy."""
        data = check_personal_data(data)
        username, password = data.pop("username", ""), data.pop("password", "")
        if not username or not password:
            raise ServiceError(
                "account_required",
                "新增人员须填写登录账号和初始密码。",
                {k: ["必填"] for k, v in (("username", username), ("password", password)) if not v},
            )
        from .security import check_password_policy

        check_password_policy(User(username=username), password, field="password")
        roles, lines = list(data.pop("roles", [])), list(data.pop("business_lines", []))
        officer = do_create_officer(actor, username=username, password=password, roles=roles, **data)
        officer.business_lines.set(lines)
        return officer

    @audit_separation_refusals(1)
    def do_update(self, actor: Any, obj: models.Model, data: dict[str, Any]) -> Officer:
        """Update the profile; roles obey 三员分立; disabling an officer revokes the API token."""
        from .separation import check_officer_roles

        obj = cast(Officer, obj)  # this service writes officers
        data = check_personal_data(data, obj)
        with transaction.atomic():
            before_roles = sorted(obj.roles.values_list("name", flat=True))
            roles = list(data["roles"]) if "roles" in data else list(obj.roles.all())
            disabling = data.get("status") == OfficerStatus.DISABLED and obj.status != OfficerStatus.DISABLED
            if disabling or {r.pk for r in roles} != {r.pk for r in obj.roles.all()}:
                check_officer_roles(actor, obj, roles, disabling=disabling)
            officer = cast(Officer, super().do_update(actor, obj, data))
            if officer.status == OfficerStatus.DISABLED:
                from rest_framework.authtoken.models import Token

                Token.objects.filter(user_id=officer.user_id).delete()
            after_roles = sorted(officer.roles.values_list("name", flat=True))
            if before_roles != after_roles:
                audit.record(actor, AuditAction.ROLE_CHANGE, officer, changes={"角色": [before_roles, after_roles]})
            # Roles are cached per request on the user object; a new request re-reads them.
        return officer

    @audit_separation_refusals(1)
    def do_delete(self, actor: Any, obj: models.Model) -> None:
        from .separation import check_officer_roles

        check_officer_roles(actor, cast(Officer, obj), [], deleting=True)
        return super().do_delete(actor, obj)


def do_create_officer(
    actor: Any,
    *,
    username: str,
    password: str,
    name: str,
    unit: Unit,
    roles: Sequence[Role] = (),
    must_change_password: bool = True,
    **profile: Any,
) -> Officer:
    """Create the login account and its officer profile together (roles obey 三员分立: one family at most,
    and a role of the security or audit administrator only from the security administrator)."""
    from .separation import check_officer_roles

    check_officer_roles(actor, None, roles)
    if User.objects.filter(username=username).exists():
        raise ServiceError("username_taken", f"账号“{username}”已存在。", {"username": ["账号已存在"]})
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password)
        PasswordHistory.objects.create(user=user, password=user.password)
        officer = Officer(
            user=user,
            name=name,
            unit=unit,
            must_change_password=must_change_password,
            password_changed_at=timezone.now(),
            **profile,
        )
        if actor is not None and getattr(actor, "is_authenticated", False):
            officer.created_by = actor
        officer.full_clean(exclude=["user", "roles", "business_lines"])
        officer.save()
        officer.roles.set(roles)
        audit.record(
            actor,
            AuditAction.CREATE,
            officer,
            changes={k: [None, v] for k, v in audit.snapshot(officer).items()}
            | {"角色": [None, [r.name for r in roles]]},
        )
    return officer


# --- security policy ---------------------------------------------------------------------------------


# 等保二级 (GB/T 22239-2019, level 2, 身份鉴别 / 访问控制) floors of the login policy: the security
# administrator may make the policy stricter than these, never weaker. {field: (lowest, highest, name)}
POLICY_LIMITS = {
    "min_length": (8, 64, "密码最小长度"),
    "min_classes": (3, 4, "最少字符类别数"),
    "expiry_days": (1, 90, "密码有效期（天）"),
    "history_count": (1, 24, "不得重复最近密码个数"),
    "max_failures": (3, 10, "连续失败锁定次数"),
    "lockout_minutes": (10, 1440, "锁定时长（分钟）"),
    "idle_timeout_minutes": (5, 30, "空闲超时（分钟）"),
}


def check_policy_limits(policy: SecurityPolicy) -> None:
    errors = {}
    for name, (low, high, _label) in POLICY_LIMITS.items():
        value = getattr(policy, name)
        if value is None or not low <= value <= high:
            errors[name] = [f"应在 {low} 到 {high} 之间"]
    if errors:
        parts = [f"{POLICY_LIMITS[n][2]}应在 {POLICY_LIMITS[n][0]} 到 {POLICY_LIMITS[n][1]} 之间" for n in errors]
        raise ServiceError("policy_weak", "安全策略不得低于等保二级要求：" + "；".join(parts) + "。", errors)


def do_update_policy(actor: Any, data: dict[str, Any]) -> SecurityPolicy:
    """Change the login policy (security administrator). One transaction; audited; the cached copy read by
    every request is dropped at once and again after commit."""
    with transaction.atomic():
        SecurityPolicy.current(cached=False)  # creates the row on first use
        policy = cast(SecurityPolicy, SecurityPolicy.objects.select_for_update().order_by("pk").first())  # exists
        before = audit.snapshot(policy)
        for k, v in data.items():
            setattr(policy, k, v)
        check_policy_limits(policy)
        policy.save()
        audit.record(actor, AuditAction.POLICY_CHANGE, policy, changes=audit.diff(before, audit.snapshot(policy)))
        SecurityPolicy.invalidate_cache()
        transaction.on_commit(SecurityPolicy.invalidate_cache)
    return policy


# --- devices ---------------------------------------------------------------------------------------------


def check_device(user: Any, device_id: str, imsi: str) -> MobileDevice | None:
    """With binding on, the API login must come from an active device registered to this officer."""
    if not SecurityPolicy.current().device_binding_enabled:
        return None
    if not device_id:
        raise ServiceError(
            "device_required", "已启用设备绑定，登录须提供已登记的设备号。", {"device_id": ["请提供设备号"]}
        )
    device = MobileDevice.objects.filter(device_id=device_id, is_active=True).select_related("owner").first()
    if device is None:
        raise ServiceError("device_unregistered", "该设备未登记，不能登录移动执法。")
    if device.owner.user_id != user.pk:
        raise ServiceError("device_foreign", "该设备已绑定其他账号，不能用于本账号登录。")
    if device.imsi and device.imsi != (imsi or ""):
        raise ServiceError("device_imsi_mismatch", "手机卡（IMSI）与登记不符，不能登录。")
    return device


# --- OAuth / OIDC clients (单点登录接入) -----------------------------------------------------------------


def do_register_client(actor: Any, *, name: str, redirect_uris: str, confidential: bool = True) -> tuple[Any, str]:
    """Register a system that signs its users in through TEIS (system administrator only).

    Only the authorization code flow with PKCE S256 and RS256 ID tokens. Returns (application, secret):
    the secret is stored hashed and shown once. One transaction; audited."""
    import secrets

    from django.core.validators import URLValidator
    from oauth2_provider.models import Application

    if not actor.has_perm("oauth2_provider.add_application"):
        raise ServiceError("forbidden", "只有系统管理员可以登记接入应用。")
    name = (name or "").strip()
    uris = " ".join((redirect_uris or "").split())
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["必填"]
    elif len(name) > 255:
        errors["name"] = ["不得超过 255 个字符"]
    if not uris:
        errors["redirect_uris"] = ["必填"]
    for uri in uris.split():
        try:
            URLValidator(schemes=["https", "http"])(uri)
        except ValidationError:
            errors["redirect_uris"] = [f"回调地址无效：{uri}"]
            break
    if errors:
        raise ServiceError("invalid", "；".join(m for ms in errors.values() for m in ms), errors)
    secret = secrets.token_urlsafe(32) if confidential else ""
    with transaction.atomic():
        app = Application(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL if confidential else Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            algorithm=Application.RS256_ALGORITHM,
            redirect_uris=uris,
            client_secret=secret,  # hashed on save
            skip_authorization=False,
        )
        app.save()
        audit.record(
            actor,
            AuditAction.CREATE,
            app,
            changes={"应用名称": [None, name], "回调地址": [None, uris], "客户端编号": [None, app.client_id]},
            category=AuditCategory.SECURITY,
        )
    return app, secret


def do_revoke_client(actor: Any, app: Any) -> None:
    """Revoke an OAuth client: the client and every grant and token issued to it are deleted. Audited."""
    if not actor.has_perm("oauth2_provider.delete_application"):
        raise ServiceError("forbidden", "只有系统管理员可以撤销接入应用。")
    with transaction.atomic():
        audit.record(
            actor,
            AuditAction.DELETE,
            app,
            changes={"应用名称": [app.name, None], "客户端编号": [app.client_id, None]},
            category=AuditCategory.SECURITY,
        )
        app.delete()


# --- the auditor accounts, in the security administrator's hands ----------------------------------------


def auditor_accounts() -> QuerySet[Officer]:
    """Officers holding any permission of the audit or security administrator family (the accounts whose
    administrator powers only the security administrator gives out and takes away)."""
    from django.db.models import Q

    from .separation import AUDIT_APPS, SECURITY_PERMISSIONS

    security = Q()
    for label in SECURITY_PERMISSIONS:
        app, codename = label.split(".", 1)
        security |= Q(roles__permissions__content_type__app_label=app, roles__permissions__codename=codename)
    return (
        Officer.objects.filter(Q(roles__permissions__content_type__app_label__in=AUDIT_APPS) | security)
        .distinct()
        .select_related("user", "unit")
        .prefetch_related("roles")
        .order_by("pk")
    )


def protected_roles() -> list[Role]:
    """Roles carrying a permission of the security or audit administrator family."""
    from .separation import protected_labels, role_permission_labels

    return [r for r in Role.objects.order_by("code") if protected_labels(role_permission_labels(r))]


def _require_security_admin(actor: Any) -> None:
    from .separation import GRANT_MESSAGE

    if not actor.has_perm("org.manage_security_policy"):
        raise ServiceError("admin_grant", GRANT_MESSAGE)


@audit_separation_refusals()
def do_grant_admin_role(actor: Any, officer: Officer, role: Role) -> Officer:
    """Give `officer` a role of the security or audit administrator (security administrator only; the role
    must keep the account within one administrator family and may not be one's own). Audited."""
    from .separation import check_officer_roles

    _require_security_admin(actor)
    with transaction.atomic():
        before = list(officer.roles.all())
        check_officer_roles(actor, officer, [*before, role])
        officer.roles.add(role)
        audit.record(
            actor,
            AuditAction.ROLE_CHANGE,
            officer,
            changes={"角色": [sorted(r.name for r in before), sorted({r.name for r in [*before, role]})]},
        )
    return officer


@audit_separation_refusals()
def do_revoke_audit_roles(actor: Any, officer: Officer) -> Officer:
    """Take the security and audit administrator's roles from `officer` (security administrator only:
    三员分立 says the system administrator may not weaken the auditor or the security administrator). One
    transaction; audited as ROLE_CHANGE."""
    from .separation import _officer_of, protected_labels, role_permission_labels

    _require_security_admin(actor)
    me = _officer_of(actor)
    if me is not None and me.pk == officer.pk:
        raise ServiceError("self_grant", "不能修改自己的角色或账号状态。")
    with transaction.atomic():
        before = list(officer.roles.all())
        keep = [r for r in before if not protected_labels(role_permission_labels(r))]
        officer.roles.set(keep)
        audit.record(
            actor,
            AuditAction.ROLE_CHANGE,
            officer,
            changes={"角色": [sorted(r.name for r in before), sorted(r.name for r in keep)]},
        )
    return officer
