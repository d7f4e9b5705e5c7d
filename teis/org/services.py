"""Organisation and unified-user services: units in a tree, officers, roles (三员分立), devices, policy.

Every function is one transaction, takes the acting user and writes its audit record.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.masking import mask_id_number, mask_phone
from teis.core.services import GenericService, ServiceError
from teis.core.validators import (
    normalise_id_number,
    normalise_mobile_phone,
    validate_id_number,
    validate_mobile_phone,
)

from .choices import AdminKind, OfficerStatus
from .models import MobileDevice, Officer, PasswordHistory, Role, SecurityPolicy, Unit, UnitMove

User = get_user_model()


# --- units --------------------------------------------------------------------------------------------


def unit_segment(pk: int) -> str:
    return f"{pk:05d}."


def check_parent(unit: Unit | None, parent: Unit | None) -> None:
    if unit is not None and parent is not None and unit.pk and parent.path.startswith(unit.path):
        raise ServiceError("unit_cycle", "不能把单位移到其自身或其下级单位之下。", {"parent": ["上级单位无效"]})


class UnitService(GenericService):
    """Units keep a materialised path; moving one rewrites its subtree's paths and records the move."""

    def do_create(self, actor, model, data: dict[str, Any]) -> Unit:
        with transaction.atomic():
            unit = super().do_create(actor, model, data)
            parent = unit.parent
            unit.path = (parent.path if parent else "") + unit_segment(unit.pk)
            unit.depth = parent.depth + 1 if parent else 0
            Unit.objects.filter(pk=unit.pk).update(path=unit.path, depth=unit.depth)
        return unit

    def do_update(self, actor, obj: Unit, data: dict[str, Any]) -> Unit:
        with transaction.atomic():
            current = Unit.objects.select_for_update().get(pk=obj.pk)
            new_parent = data.get("parent", current.parent)
            check_parent(current, new_parent)
            moved = (new_parent.pk if new_parent else None) != current.parent_id
            if moved:
                do_move_unit(actor, current, new_parent)
            return super().do_update(actor, Unit.objects.get(pk=obj.pk), data)


def unit_lineage_names(unit: Unit) -> str:
    ids = [int(s) for s in unit.path.strip(".").split(".") if s]
    names = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))
    return " / ".join(names.get(i, "?") for i in ids)


def do_move_unit(actor, unit: Unit, new_parent: Unit | None) -> Unit:
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


def check_admin_separation(roles) -> None:
    """No account may hold two of the system / security / audit administrator roles."""
    kinds = {r.admin_kind for r in roles if r.admin_kind}
    if len(kinds) > 1:
        names = "、".join(AdminKind(k).label for k in sorted(kinds))
        raise ServiceError(
            "admin_separation",
            f"三员分立：同一账号不能同时担任{names}。",
            {"roles": ["角色组合违反三员分立"]},
        )


class RoleService(GenericService):
    """Role changes are security events (ROLE_CHANGE); a role's admin kind may not break 三员分立."""

    def do_update(self, actor, obj: Role, data: dict[str, Any]) -> Role:
        with transaction.atomic():
            before = set(obj.permissions.values_list("codename", flat=True))
            if "admin_kind" in data and data["admin_kind"] != obj.admin_kind:
                for officer in obj.officers.all():
                    others = [r for r in officer.roles.all() if r.pk != obj.pk]
                    probe = Role(admin_kind=data["admin_kind"], name=obj.name)
                    check_admin_separation([*others, probe])
            role = super().do_update(actor, obj, data)
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


def do_set_role_permissions(actor, role: Role, codenames: list[str]) -> Role:
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
    def do_create(self, actor, model, data: dict[str, Any]) -> Officer:
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

    def do_update(self, actor, obj: Officer, data: dict[str, Any]) -> Officer:
        """Update the profile; roles obey 三员分立; disabling an officer revokes the API token."""
        data = check_personal_data(data, obj)
        with transaction.atomic():
            before_roles = sorted(obj.roles.values_list("name", flat=True))
            if "roles" in data:
                check_admin_separation(data["roles"])
            officer = super().do_update(actor, obj, data)
            if officer.status == OfficerStatus.DISABLED:
                from rest_framework.authtoken.models import Token

                Token.objects.filter(user_id=officer.user_id).delete()
            after_roles = sorted(officer.roles.values_list("name", flat=True))
            if before_roles != after_roles:
                audit.record(actor, AuditAction.ROLE_CHANGE, officer, changes={"角色": [before_roles, after_roles]})
            # Roles are cached per request on the user object; a new request re-reads them.
        return officer


def do_create_officer(
    actor,
    *,
    username: str,
    password: str,
    name: str,
    unit: Unit,
    roles: list[Role] = (),
    must_change_password: bool = True,
    **profile: Any,
) -> Officer:
    """Create the login account and its officer profile together."""
    check_admin_separation(roles)
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


def do_update_policy(actor, data: dict[str, Any]) -> SecurityPolicy:
    """Change the login policy (security administrator). One transaction; audited; the cached copy read by
    every request is dropped at once and again after commit."""
    with transaction.atomic():
        SecurityPolicy.current(cached=False)  # creates the row on first use
        policy = SecurityPolicy.objects.select_for_update().order_by("pk").first()
        before = audit.snapshot(policy)
        for k, v in data.items():
            setattr(policy, k, v)
        if policy.min_length < 8:
            raise ServiceError(
                "policy_weak", "密码最小长度不得小于 8 位（等保二级要求）。", {"min_length": ["不得小于 8"]}
            )
        if not 1 <= policy.min_classes <= 4:
            raise ServiceError("policy_invalid", "字符类别数应在 1 到 4 之间。", {"min_classes": ["应在 1 到 4 之间"]})
        if policy.max_failures < 1 or policy.lockout_minutes < 1 or policy.idle_timeout_minutes < 1:
            raise ServiceError("policy_invalid", "失败次数、锁定时长和空闲超时须为正数。")
        policy.save()
        audit.record(actor, AuditAction.POLICY_CHANGE, policy, changes=audit.diff(before, audit.snapshot(policy)))
        SecurityPolicy.invalidate_cache()
        transaction.on_commit(SecurityPolicy.invalidate_cache)
    return policy


# --- devices ---------------------------------------------------------------------------------------------


def check_device(user, device_id: str, imsi: str) -> MobileDevice | None:
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
