"""Violation codes (versioned) and the case-cause catalogue (with its outbox to the city platform).

Violation codes are never edited in place: `do_revise_code` closes the current row (is_current=False,
effective_to = the day before the revision takes effect) and adds a new row (version + 1, previous = the
old row), so a case that stored the old row keeps the wording it was registered under. Benchmarks and
case causes follow the code to its new row. A "delete" retires the code; nothing is hard-deleted.

Case causes: every create, update and cancellation writes an `OutboxMessage` for the city platform in the
same transaction (spec §2.7.1.10–11). Cancelling sets is_deleted and status; the row stays.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import outbox
from teis.core.services import ServiceError, model_field

from ..choices import CodeStatus, ExerciseLevel, ItemType, WarningStatus
from ..models import CaseCause, DiscretionBenchmark, LegalChangeWarning, ViolationCode
from ..validators import (
    check_exercise_levels,
    check_fine_range,
    check_penalty_types,
    validate_cause_code,
    validate_violation_code,
)

# Fields a user may set on a violation code; the rest (version, is_current, previous, flags) are the
# system's.
CODE_FIELDS = (
    "code",
    "name",
    "business_line",
    "enforcement_subject",
    "penalty_types",
    "fine_min",
    "fine_max",
    "simplified_procedure",
    "status",
    "effective_from",
    "effective_to",
    "legacy_basis_text",
)
CODE_M2M = ("violated_provisions", "penalty_provisions")

CAUSE_FIELDS = ("cause_code", "name", "item_type", "item_code", "exercise_levels", "status")
CAUSE_M2M = ("basis_provisions", "penalty_provisions", "violation_codes")

CITY_PLATFORM = "city_platform"
CAUSE_TOPIC = "case_cause"


def _invalid(message: str, fields: dict[str, list[str]]) -> ServiceError:
    return ServiceError("invalid", message, fields)


def _m2m_ids(obj: Model, name: str) -> list[int]:
    return sorted(getattr(obj, name).values_list("pk", flat=True))


def _as_ids(values: Any) -> list[int]:
    return sorted(v.pk if isinstance(v, Model) else int(v) for v in (values or []))


def _raise_first(errors: dict[str, list[str]], prefix: str) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise _invalid(f"{prefix}：{first}。" if not first.endswith("。") else f"{prefix}：{first}", errors)


# --- violation codes -----------------------------------------------------------------------------------


def check_code_values(values: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors of a violation code's (merged) values."""
    errors: dict[str, list[str]] = {}
    try:
        values["code"] = validate_violation_code(values.get("code"))
    except ValidationError as err:
        errors["code"] = err.messages
    if not (values.get("name") or "").strip():
        errors["name"] = ["请填写违章行为"]
    try:
        values["penalty_types"] = check_penalty_types(values.get("penalty_types"))
    except ValidationError as err:
        errors["penalty_types"] = err.messages
    errors.update(check_fine_range(values.get("fine_min"), values.get("fine_max")))
    if values.get("status") not in CodeStatus.values:
        errors["status"] = ["状态无效"]
    start, end = values.get("effective_from"), values.get("effective_to")
    if start is None:
        errors["effective_from"] = ["请填写生效日期"]
    elif end is not None and end < start:
        errors["effective_to"] = ["失效日期不能早于生效日期"]
    return errors


def _code_values(data: dict[str, Any], base: ViolationCode | None) -> tuple[dict[str, Any], dict[str, Any]]:
    values = {}
    for name in CODE_FIELDS:
        if name in data:
            values[name] = data[name]
        elif base is not None:
            values[name] = getattr(base, name)
        else:
            values[name] = model_field(ViolationCode, name).get_default()
    if isinstance(values.get("code"), str):
        values["code"] = values["code"].strip()
    m2m = {name: _as_ids(data[name]) if name in data else (_m2m_ids(base, name) if base else []) for name in CODE_M2M}
    return values, m2m


def _save_code(obj: ViolationCode, values: dict[str, Any], m2m: dict[str, Any]) -> ViolationCode:
    for name, value in values.items():
        f = model_field(obj, name)
        setattr(obj, f.attname if f.is_relation and not isinstance(value, Model) else name, value)
    try:
        obj.full_clean(exclude=[*CODE_M2M, "previous"], validate_constraints=False)
    except ValidationError as err:
        raise _invalid("违章代码数据有误。", err.message_dict) from err
    obj.save()
    for name, ids in m2m.items():
        getattr(obj, name).set(ids)
    return obj


def do_create_code(actor: Any, data: dict[str, Any]) -> ViolationCode:
    """Create version 1 of a violation code. One transaction; audited."""
    values, m2m = _code_values(data, None)
    if values.get("effective_from") is None:
        values["effective_from"] = timezone.localdate()
    errors = check_code_values(values)
    _raise_first(errors, "违章代码数据有误")
    with transaction.atomic():
        if ViolationCode.objects.filter(code=values["code"]).exists():
            raise _invalid(f"违章代码 {values['code']} 已存在。", {"code": ["该违章代码已存在，请修订现有代码"]})
        obj = ViolationCode(version=1, is_current=True)
        if actor is not None and getattr(actor, "is_authenticated", False):
            obj.created_by = actor
        _save_code(obj, values, m2m)
        after = audit.snapshot(obj) | _m2m_snapshot(obj)
        audit.record(actor, AuditAction.CREATE, obj, changes={k: [None, v] for k, v in after.items()})
    return obj


def _m2m_snapshot(obj: ViolationCode) -> dict[str, str]:
    return {
        str(model_field(obj, n).verbose_name): "、".join(p.citation for p in getattr(obj, n).all()) for n in CODE_M2M
    }


def lock_code(pk: int) -> ViolationCode:
    return ViolationCode._base_manager.select_for_update().get(pk=pk)


def do_revise_code(
    actor: Any, code: ViolationCode, data: dict[str, Any], effective_from: dt.date | None = None
) -> ViolationCode:
    """Make a new version of `code` with `data` applied; the old row is closed and kept.

    Returns the new row (or the old one unchanged when `data` changes nothing). Clears the legal-change
    flag: warnings of the old row become UPDATED. One transaction; audited.
    """
    effective_from = effective_from or data.get("effective_from") or timezone.localdate()
    data = {k: v for k, v in data.items() if k != "effective_from"}
    with transaction.atomic():
        old = lock_code(code.pk)
        if not old.is_current:
            raise ServiceError("not_current", f"违章代码 {old.code} 第 {old.version} 版已不是现行版本，不能修订。")
        if "code" in data and (data["code"] or "").strip() != old.code:
            raise _invalid("修订不能更改违章代码本身。", {"code": ["修订不能更改违章代码，请新增代码"]})
        values, m2m = _code_values(data, old)
        values["effective_from"] = effective_from
        if "effective_to" not in data:
            values["effective_to"] = None
        errors = check_code_values(values)
        if effective_from < old.effective_from:
            errors["effective_from"] = [f"新版本生效日期不能早于原版本生效日期（{old.effective_from:%Y-%m-%d}）"]
        _raise_first(errors, "违章代码数据有误")
        unchanged = all(
            getattr(old, n) == values[n] for n in CODE_FIELDS if n not in ("effective_from", "effective_to")
        ) and all(_m2m_ids(old, n) == ids for n, ids in m2m.items())
        if unchanged:
            return old
        before = audit.snapshot(old) | _m2m_snapshot(old)
        old.is_current = False
        old.effective_to = effective_from - dt.timedelta(days=1)
        old.save(update_fields=["is_current", "effective_to", "updated_at"])
        new = ViolationCode(version=old.version + 1, is_current=True, previous=old)
        if actor is not None and getattr(actor, "is_authenticated", False):
            new.created_by = actor
        _save_code(new, values, m2m)
        # The benchmark and the catalogue entries belong to the code, not to one wording of it.
        DiscretionBenchmark.objects.filter(violation_code=old).update(violation_code=new)
        through = CaseCause.violation_codes.through
        through.objects.filter(violationcode_id=old.pk).update(violationcode_id=new.pk)
        _close_warnings(actor, Q(violation_code=old), WarningStatus.UPDATED, f"已修订为第 {new.version} 版")
        after = audit.snapshot(new) | _m2m_snapshot(new)
        audit.record(
            actor,
            AuditAction.UPDATE,
            new,
            changes=audit.diff(before, after),
            detail={"op": "revise", "previous_id": old.pk, "version": new.version},
        )
    return new


def _close_warnings(actor: Any, condition: Q, status: str, note: str) -> int:
    return LegalChangeWarning.objects.filter(condition, status=WarningStatus.OPEN).update(
        status=status,
        handled_by=actor if getattr(actor, "is_authenticated", False) else None,
        handled_at=timezone.now(),
        note=note[:300],
    )


def do_retire_code(actor: Any, code: ViolationCode, effective_to: dt.date | None = None) -> ViolationCode:
    """Retire (停用) a code: status RETIRED and an end date; the row stays for the cases that used it."""
    with transaction.atomic():
        obj = lock_code(code.pk)
        if obj.status == CodeStatus.RETIRED:
            raise ServiceError("already_retired", f"违章代码 {obj.code} 已停用。")
        before = audit.snapshot(obj)
        obj.status = CodeStatus.RETIRED
        obj.effective_to = effective_to or obj.effective_to or timezone.localdate()
        if obj.effective_to < obj.effective_from:
            obj.effective_to = obj.effective_from
        obj.save(update_fields=["status", "effective_to", "updated_at"])
        audit.record(
            actor, AuditAction.UPDATE, obj, changes=audit.diff(before, audit.snapshot(obj)), detail={"op": "retire"}
        )
    return obj


class ViolationCodeService:
    """What the generic edit page and API call: an edit is a revision, a delete is a retirement."""

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> ViolationCode:
        return do_create_code(actor, data)

    def do_update(self, actor: Any, obj: ViolationCode, data: dict[str, Any]) -> ViolationCode:
        return do_revise_code(actor, obj, data, data.get("effective_from"))

    def do_delete(self, actor: Any, obj: ViolationCode) -> None:
        do_retire_code(actor, obj)


# --- case causes -----------------------------------------------------------------------------------------


def check_cause_values(values: dict[str, Any], *, pk: int | None = None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        values["cause_code"] = validate_cause_code(values.get("cause_code"))
    except ValidationError as err:
        errors["cause_code"] = err.messages
    else:
        clash = CaseCause.objects.filter(cause_code=values["cause_code"]).exclude(pk=cast(int, pk))  # None: a new one
        if clash.exists():
            errors["cause_code"] = ["该案由目录编码已存在（编码不得重复使用）"]
    if not (values.get("name") or "").strip():
        errors["name"] = ["请填写案由名称"]
    if values.get("item_type") not in ItemType.values:
        errors["item_type"] = ["事项类型无效"]
    try:
        values["exercise_levels"] = check_exercise_levels(values.get("exercise_levels"))
    except ValidationError as err:
        errors["exercise_levels"] = err.messages
    if values.get("status") not in CodeStatus.values:
        errors["status"] = ["事项状态无效"]
    return errors


def cause_payload(cause: CaseCause) -> dict[str, Any]:
    """The city platform's 执法案由目录 record (spec §2.7.1.10–11), with its Chinese field names.

    Provisions are sent by `stable_id` (the 内容 ID that survives amendments); 行使层级 is a comma-separated
    list of labels; 是否已删除 is "1" / "0".
    """
    levels = [ExerciseLevel(v).label for v in cause.exercise_levels if v in ExerciseLevel.values]
    return {
        "记录唯一标识": str(cause.pk),
        "案由名称": cause.name,
        "事项类型": cause.get_item_type_display(),
        "案由目录编码": cause.cause_code,
        "行使层级": ",".join(levels),
        "是否已删除": "1" if cause.is_deleted else "0",
        "修改时间": timezone.localtime(cause.modified_at).strftime("%Y-%m-%d %H:%M:%S"),
        "所属事项编码": cause.item_code,
        "事项状态": cause.get_status_display(),
        "设立依据/违法行为依据": [p.stable_id for p in cause.basis_provisions.order_by("pk")],
        "处罚依据": [p.stable_id for p in cause.penalty_provisions.order_by("pk")],
    }


def _enqueue_cause(cause: CaseCause, op: str) -> None:
    outbox.enqueue(CITY_PLATFORM, CAUSE_TOPIC, op, cause.cause_code, cause_payload(cause))


def _cause_m2m_snapshot(cause: CaseCause) -> dict[str, str]:
    return {
        str(model_field(cause, n).verbose_name): "、".join(sorted(str(x) for x in getattr(cause, n).all()))
        for n in CAUSE_M2M
    }


def _save_cause(cause: CaseCause, values: dict[str, Any], data: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(cause, name, value)
    cause.modified_at = timezone.now()
    try:
        cause.full_clean(exclude=[*CAUSE_M2M, "cause_code"])
    except ValidationError as err:
        raise _invalid("案由数据有误。", err.message_dict) from err
    cause.save()
    for name in CAUSE_M2M:
        if name in data:
            getattr(cause, name).set(_as_ids(data[name]))


def do_create_cause(actor: Any, data: dict[str, Any]) -> CaseCause:
    """Add a catalogue entry and queue a "create" for the city platform. One transaction; audited."""
    values = {n: data.get(n, model_field(CaseCause, n).get_default()) for n in CAUSE_FIELDS}
    with transaction.atomic():
        _raise_first(check_cause_values(values), "案由数据有误")
        cause = CaseCause()
        if actor is not None and getattr(actor, "is_authenticated", False):
            cause.created_by = actor
        _save_cause(cause, values, data)
        _enqueue_cause(cause, "create")
        after = audit.snapshot(cause) | _cause_m2m_snapshot(cause)
        audit.record(actor, AuditAction.CREATE, cause, changes={k: [None, v] for k, v in after.items()})
    return cause


def do_update_cause(actor: Any, cause: CaseCause, data: dict[str, Any]) -> CaseCause:
    """Change a catalogue entry and queue an "update". Clears its legal-change flag. Audited."""
    with transaction.atomic():
        cause = CaseCause._base_manager.select_for_update().get(pk=cause.pk)
        if cause.is_deleted:
            raise ServiceError("cancelled", f"案由“{cause.name}”已取消，不能修改。")
        values = {n: data.get(n, getattr(cause, n)) for n in CAUSE_FIELDS}
        _raise_first(check_cause_values(values, pk=cause.pk), "案由数据有误")
        before = audit.snapshot(cause) | _cause_m2m_snapshot(cause)
        if cause.legal_change_flag:
            cause.legal_change_flag, cause.flagged_at, cause.flag_reason = False, None, ""
            _close_warnings(actor, Q(case_cause=cause), WarningStatus.UPDATED, "案由已更新")
        _save_cause(cause, values, data)
        _enqueue_cause(cause, "update")
        changes = audit.diff(before, audit.snapshot(cause) | _cause_m2m_snapshot(cause))
        audit.record(actor, AuditAction.UPDATE, cause, changes=changes)
    return cause


def do_cancel_cause(actor: Any, cause: CaseCause) -> CaseCause:
    """Cancel (取消) a catalogue entry: is_deleted + status retired, a "cancel" in the outbox. Never deleted."""
    with transaction.atomic():
        cause = CaseCause._base_manager.select_for_update().get(pk=cause.pk)
        if cause.is_deleted:
            raise ServiceError("cancelled", f"案由“{cause.name}”已取消。")
        before = audit.snapshot(cause)
        cause.is_deleted = True
        cause.status = CodeStatus.RETIRED
        cause.modified_at = timezone.now()
        cause.save(update_fields=["is_deleted", "status", "modified_at", "updated_at"])
        _enqueue_cause(cause, "cancel")
        audit.record(
            actor, AuditAction.UPDATE, cause, changes=audit.diff(before, audit.snapshot(cause)), detail={"op": "cancel"}
        )
    return cause


class CaseCauseService:
    """Generic pages and API: create / update with outbox; delete = cancellation."""

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> CaseCause:
        return do_create_cause(actor, data)

    def do_update(self, actor: Any, obj: CaseCause, data: dict[str, Any]) -> CaseCause:
        return do_update_cause(actor, obj, data)

    def do_delete(self, actor: Any, obj: CaseCause) -> None:
        do_cancel_cause(actor, obj)


# --- linkage (关联管理) ----------------------------------------------------------------------------------


def code_links(code: ViolationCode) -> dict[str, Any]:
    """What uses a code and what it cites: causes, benchmarks, cases (when the cases app exists), versions."""
    from django.apps import apps

    versions = list(ViolationCode.objects.filter(code=code.code).order_by("-version"))
    version_ids = [v.pk for v in versions]
    causes = CaseCause.objects.filter(violation_codes__in=version_ids).distinct().order_by("cause_code")
    benchmarks = (
        DiscretionBenchmark.objects.filter(violation_code__in=version_ids)
        .select_related("violation_code")
        .prefetch_related("levels")
    )
    cases: list[Any] = []
    cases_available = apps.is_installed("teis.cases")
    if cases_available:  # the case-handling app links cases to the code row they used
        model = apps.get_model("cases", "EnforcementCase")
        fk = next(
            (f.name for f in model._meta.get_fields() if getattr(f, "related_model", None) is ViolationCode), None
        )
        if fk:
            cases = list(model._base_manager.filter(**{f"{fk}__in": version_ids})[:200])
    return {
        "versions": versions,
        "causes": list(causes),
        "benchmarks": list(benchmarks),
        "cases": cases,
        "cases_available": cases_available,
        "violated": list(code.violated_provisions.select_related("law")),
        "penalty": list(code.penalty_provisions.select_related("law")),
        "warnings": list(LegalChangeWarning.objects.filter(violation_code__in=version_ids).select_related("provision")),
    }
