"""非法客运 records and the 黑名单 (spec §2.1.1.5). An entry is registered (待审核), reviewed by a leader of the
registering unit or above (已列入 / 不予列入), and removed with a reason (已移出); every step audited. Personal
data is checked, stored SM4-encrypted with a keyed SM3 index, and masked in pages and the API."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, fit
from teis.core.validators import (
    normalise_credit_code,
    normalise_id_number,
    normalise_plate,
    validate_credit_code,
    validate_id_number,
    validate_plate,
)

from ..choices import BlacklistKind, BlacklistStatus
from ..models import BlacklistEntry, IllegalTransportRecord

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User

    from teis.org.models import Unit

REVIEW_PERMISSION = "cases.change_blacklistentry"


def _normalised(
    errors: dict[str, Any],
    key: str,
    value: str | None,
    normalise: Callable[[str], str],
    validate: Callable[[str], object],
) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    value = normalise(value)
    try:
        validate(value)
    except Exception as exc:  # django ValidationError: its message is Chinese
        errors[key] = [getattr(exc, "messages", [str(exc)])[0]]
    return value


def _officer_unit(actor: User) -> Unit | None:
    from .intake import _officer_unit as unit_of

    return unit_of(actor)


class BlacklistService:
    """The generic pages' and API's create / update / delete of 黑名单 entries (core calls these)."""

    fields = ("kind", "name", "id_number", "plate", "credit_code", "reason", "source_case", "source_record")

    def _check(self, data: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        out = {k: data.get(k) for k in self.fields if k in data}
        kind = out.get("kind") or ""
        if kind not in BlacklistKind.values:
            errors["kind"] = ["请选择类别"]
        out["name"] = (out.get("name") or "").strip()
        if not out["name"]:
            errors["name"] = ["请填写姓名或名称"]
        out["id_number"] = _normalised(
            errors, "id_number", out.get("id_number"), normalise_id_number, validate_id_number
        )
        out["plate"] = _normalised(errors, "plate", out.get("plate"), normalise_plate, validate_plate)
        out["credit_code"] = _normalised(
            errors, "credit_code", out.get("credit_code"), normalise_credit_code, validate_credit_code
        )
        out["reason"] = (out.get("reason") or "").strip()
        if not out["reason"]:
            errors["reason"] = ["请填写列入理由"]
        if kind == BlacklistKind.PERSON and not out["id_number"] and "id_number" not in errors:
            errors["id_number"] = ["人员须填写身份证号"]
        if kind == BlacklistKind.VEHICLE and not out["plate"] and "plate" not in errors:
            errors["plate"] = ["车辆须填写车牌号"]
        if kind == BlacklistKind.OPERATOR and not out["credit_code"] and "credit_code" not in errors:
            errors["credit_code"] = ["经营者须填写统一社会信用代码"]
        if errors:
            raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
        return out

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> BlacklistEntry:
        values = self._check(data)
        unit = _officer_unit(actor)
        with transaction.atomic():
            entry = BlacklistEntry(**values, unit=unit, status=BlacklistStatus.PENDING, created_by=actor)
            entry.save()
            audit.record(
                actor,
                AuditAction.CREATE,
                entry,
                changes={"类别": [None, entry.get_kind_display()], "姓名/名称": [None, entry.name]},
                detail={"operation": "cases.blacklist_register"},
            )
        return entry

    def do_update(self, actor: User, obj: BlacklistEntry, data: dict[str, Any]) -> BlacklistEntry:
        if obj.status != BlacklistStatus.PENDING:
            raise ServiceError("not_pending", f"黑名单当前状态为“{obj.get_status_display()}”，只有待审核的可以修改")
        values = self._check({**{k: getattr(obj, k) for k in self.fields}, **data})
        with transaction.atomic():
            before = audit.snapshot(obj)
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
            audit.record(actor, AuditAction.UPDATE, obj, changes=audit.diff(before, audit.snapshot(obj)))
        return obj

    def do_delete(self, actor: User, obj: BlacklistEntry) -> None:
        if obj.status != BlacklistStatus.PENDING:
            raise ServiceError("not_pending", "已审核的黑名单不能删除，请办理移出")
        with transaction.atomic():
            audit.record(actor, AuditAction.DELETE, obj, changes={"姓名/名称": [obj.name, None]})
            obj.delete()


blacklist_service = BlacklistService()


def _lock(entry: BlacklistEntry, actor: User) -> BlacklistEntry:
    if not actor.has_perm(REVIEW_PERMISSION) or not BlacklistEntry.objects.for_user(actor).filter(pk=entry.pk).exists():
        raise ServiceError("forbidden", "没有审核或移出黑名单的权限")
    return BlacklistEntry.objects.select_for_update().get(pk=entry.pk)


def do_review_entry(actor: User, entry: BlacklistEntry, approve: bool, note: str = "") -> BlacklistEntry:
    """审核: 列入 (active) or 不予列入 (with a reason). Not by the person who registered it."""
    note = (note or "").strip()
    if not approve and not note:
        raise ServiceError("invalid", "不予列入须填写审核意见", {"note": ["请填写审核意见"]})
    with transaction.atomic():
        entry = _lock(entry, actor)
        if entry.status != BlacklistStatus.PENDING:
            raise ServiceError("not_pending", f"黑名单当前状态为“{entry.get_status_display()}”，不能审核")
        if entry.created_by_id == actor.pk:
            raise ServiceError("own_entry", "不能审核本人登记的黑名单")
        old = entry.get_status_display()
        entry.status = BlacklistStatus.ACTIVE if approve else BlacklistStatus.REJECTED
        entry.reviewed_by, entry.reviewed_at, entry.review_note = (
            actor,
            timezone.now(),
            fit(type(entry), "review_note", note, field="note"),
        )
        entry.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            entry,
            changes={"状态": [old, entry.get_status_display()]},
            detail={"operation": "cases.blacklist_review", "note": note},
        )
    return entry


def do_remove_entry(actor: User, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """移出: an active entry leaves the list, with the reason recorded."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("invalid", "请填写移出理由", {"reason": ["请填写移出理由"]})
    with transaction.atomic():
        entry = _lock(entry, actor)
        if entry.status != BlacklistStatus.ACTIVE:
            raise ServiceError("not_active", f"黑名单当前状态为“{entry.get_status_display()}”，不能移出")
        entry.status = BlacklistStatus.REMOVED
        entry.removed_by, entry.removed_at, entry.removal_reason = (
            actor,
            timezone.now(),
            fit(type(entry), "removal_reason", reason, field="reason"),
        )
        entry.save(update_fields=["status", "removed_by", "removed_at", "removal_reason", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            entry,
            changes={"状态": ["已列入", "已移出"]},
            detail={"operation": "cases.blacklist_remove", "reason": reason},
        )
    return entry


class IllegalTransportService:
    """非法客运记录: registered by officers (their unit), edited while not yet on the blacklist."""

    fields = ("plate", "driver_name", "driver_id_number", "occurred_at", "place", "passengers", "description", "case")

    def _check(self, data: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        out = {k: data.get(k) for k in self.fields if k in data}
        out["plate"] = _normalised(errors, "plate", out.get("plate"), normalise_plate, validate_plate)
        if not out["plate"] and "plate" not in errors:
            errors["plate"] = ["请填写车牌号"]
        out["driver_id_number"] = _normalised(
            errors, "driver_id_number", out.get("driver_id_number"), normalise_id_number, validate_id_number
        )
        occurred = out.get("occurred_at")
        if occurred is None:
            out.pop("occurred_at", None)
        elif occurred > timezone.now() + dt.timedelta(minutes=10):
            errors["occurred_at"] = ["查处时间不能晚于当前时间"]
        if errors:
            raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
        return out

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> IllegalTransportRecord:
        values = self._check(data)
        with transaction.atomic():
            record = IllegalTransportRecord(**values, unit=_officer_unit(actor), created_by=actor)
            record.save()
            audit.record(actor, AuditAction.CREATE, record, changes={"车牌号": [None, record.plate]})
        return record

    def do_update(self, actor: User, obj: IllegalTransportRecord, data: dict[str, Any]) -> IllegalTransportRecord:
        values = self._check({**{k: getattr(obj, k) for k in self.fields}, **data})
        with transaction.atomic():
            before = audit.snapshot(obj)
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
            audit.record(actor, AuditAction.UPDATE, obj, changes=audit.diff(before, audit.snapshot(obj)))
        return obj

    def do_delete(self, actor: User, obj: IllegalTransportRecord) -> None:
        if obj.blacklist_entries.exists():
            raise ServiceError("in_use", "该记录已用于登记黑名单，不能删除")
        with transaction.atomic():
            audit.record(actor, AuditAction.DELETE, obj, changes={"车牌号": [obj.plate, None]})
            obj.delete()


illegal_transport_service = IllegalTransportService()


def do_blacklist_from_record(actor: User, record: IllegalTransportRecord, reason: str) -> BlacklistEntry:
    """列入黑名单 from a 非法客运 record: the vehicle (and its driver when the ID number is known) — pending review."""
    reason = (reason or "").strip() or f"{timezone.localtime(record.occurred_at):%Y-%m-%d} 非法客运"
    return blacklist_service.do_create(
        actor,
        BlacklistEntry,
        {
            "kind": BlacklistKind.VEHICLE,
            "name": record.plate,
            "plate": record.plate,
            "reason": reason,
            "source_record": record,
        },
    )
