"""Discretion benchmarks (自由裁量基准) and their application (选取适用, spec §2.5.1.14–15).

A benchmark belongs to a violation code and has ordered circumstances (levels), each with conditions and a
fine range or a fixed amount. `select_benchmark` tells an officer the allowed range and a suggested amount;
`do_apply_discretion` records the officer's choice: within the benchmark it stands, otherwise it needs a
written reason and waits for a legal reviewer (a todo for each reviewer of the applicant's unit chain),
who decides with `do_decide_discretion`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, cast

from django.db import models, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.models import Notification
from teis.core.services import ServiceError, fit

from ..choices import ApplicationStatus, CodeStatus, WarningStatus
from ..models import DiscretionApplication, DiscretionBenchmark, DiscretionLevel, ViolationCode
from ..validators import check_fine_range
from .warnings import check_code_usable

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LEGAL_REVIEWER = "legal_reviewer"
TODO_CATEGORY = "法制审核"
BENCHMARK_FIELDS = ("name", "violation_code", "effective_from", "is_active")
LEVEL_FIELDS = ("order", "name", "conditions", "fine_min", "fine_max", "fixed_amount", "other_penalties")


def _yuan(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"


# --- benchmark editing ---------------------------------------------------------------------------------


def _decimal(value: Any, label: str, errors: list[str]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(f"{label}应为数字")
        return None
    if not d.is_finite():
        errors.append(f"{label}应为数字")
        return None
    return d


def check_levels(code: ViolationCode | None, levels: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Errors of a benchmark's levels, keyed "levels.<i>" (i = position in the list) or "levels"."""
    errors: dict[str, list[str]] = {}
    seen_orders: dict[int, int] = {}
    for i, level in enumerate(levels):
        errs: list[str] = []
        order: Any = level.get("order")
        if order in (None, ""):
            errs.append("请填写排序")
        else:
            try:
                order = int(order)
                if order < 0:
                    raise ValueError
            except (TypeError, ValueError):
                errs.append("排序应为非负整数")
                order = None
            if order is not None:
                if order in seen_orders:
                    errs.append(f"排序 {order} 与第 {seen_orders[order] + 1} 个情节重复")
                else:
                    seen_orders[order] = i
                level["order"] = order
        if not (level.get("name") or "").strip():
            errs.append("请填写情节名称")
        conditions = level.get("conditions") or []
        if isinstance(conditions, str):
            conditions = [c.strip() for c in conditions.splitlines() if c.strip()]
        if not isinstance(conditions, list) or not all(isinstance(c, str) for c in conditions):
            errs.append("适用条件应为文字列表")
            conditions = []
        level["conditions"] = [c.strip() for c in conditions if c.strip()]
        fine_min = level["fine_min"] = _decimal(level.get("fine_min"), "罚款下限", errs)
        fine_max = level["fine_max"] = _decimal(level.get("fine_max"), "罚款上限", errs)
        fixed = level["fixed_amount"] = _decimal(level.get("fixed_amount"), "固定罚款", errs)
        errs += [m for msgs in check_fine_range(fine_min, fine_max).values() for m in msgs]
        if fixed is not None and fixed < 0:
            errs.append("固定罚款不能为负数")
        if fixed is not None and (fine_min is not None or fine_max is not None):
            errs.append("固定罚款与罚款幅度只能填写一种")
        if (fine_min is None) != (fine_max is None) and fixed is None:
            errs.append("罚款幅度须同时填写下限和上限")
        if code is not None:
            lo, hi = code.fine_min, code.fine_max
            for label, amount in (("罚款下限", fine_min), ("罚款上限", fine_max), ("固定罚款", fixed)):
                if amount is None:
                    continue
                if (lo is not None and amount < lo) or (hi is not None and amount > hi):
                    bounds = f"{_yuan(lo) or '0'}–{_yuan(hi) or '不限'}"
                    errs.append(f"{label} {_yuan(amount)} 元超出违章代码的罚款幅度（{bounds} 元）")
        if errs:
            errors[f"levels.{i}"] = errs
    return errors


def do_save_benchmark(
    actor: Any,
    benchmark: DiscretionBenchmark | None,
    data: dict[str, Any],
    levels: list[dict[str, Any]] | None = None,
) -> DiscretionBenchmark:
    """Create or update a benchmark and (when `levels` is given) replace its levels with `levels`.

    A level dict may carry "id" to keep an existing level (applications refer to levels, so a used level
    is updated in place, and cannot be removed). Saving clears the benchmark's legal-change flag.
    One transaction; audited.
    """
    with transaction.atomic():
        if benchmark is not None:
            benchmark = DiscretionBenchmark._base_manager.select_for_update().get(pk=benchmark.pk)
            before = audit.snapshot(benchmark) | _levels_snapshot(benchmark)
        else:
            before = {}
        values = {n: data[n] for n in BENCHMARK_FIELDS if n in data}
        obj = benchmark or DiscretionBenchmark()
        for name, value in values.items():
            setattr(obj, name, value)
        errors: dict[str, list[str]] = {}
        if not (obj.name or "").strip():
            errors["name"] = ["请填写基准名称"]
        code = obj.violation_code if obj.violation_code_id else None
        if code is None:
            errors["violation_code"] = ["请选择违章代码"]
        elif not code.is_current and (benchmark is None or benchmark.violation_code_id != code.pk):
            errors["violation_code"] = ["请选择违章代码的现行版本"]
        if levels is not None:
            levels = [dict(level) for level in levels]
            errors.update(check_levels(code, levels))
        if errors:
            first = next(iter(errors.values()))[0]
            raise ServiceError("invalid", f"裁量基准数据有误：{first}。", errors)
        if obj.pk is None and actor is not None and getattr(actor, "is_authenticated", False):
            obj.created_by = actor
        if obj.legal_change_flag:
            obj.legal_change_flag, obj.flagged_at, obj.flag_reason = False, None, ""
            obj.warnings.filter(status=WarningStatus.OPEN).update(
                status=WarningStatus.UPDATED,
                handled_by=actor if getattr(actor, "is_authenticated", False) else None,
                handled_at=timezone.now(),
                note="裁量基准已更新",
            )
        obj.full_clean(exclude=["basis_provisions"])
        obj.save()
        if "basis_provisions" in data:
            obj.basis_provisions.set(data["basis_provisions"] or [])
        if levels is not None:
            _replace_levels(obj, levels)
        after = audit.snapshot(obj) | _levels_snapshot(obj)
        if benchmark is None:
            audit.record(actor, AuditAction.CREATE, obj, changes={k: [None, v] for k, v in after.items()})
        else:
            changes = audit.diff(before, after)
            if changes:
                audit.record(actor, AuditAction.UPDATE, obj, changes=changes)
    return obj


def _levels_snapshot(benchmark: DiscretionBenchmark) -> dict[str, str]:
    parts = []
    for lv in benchmark.levels.order_by("order"):
        amount = _yuan(lv.fixed_amount) or f"{_yuan(lv.fine_min)}–{_yuan(lv.fine_max)}"
        parts.append(f"{lv.order}.{lv.name}({amount};{'/'.join(lv.conditions)};{lv.other_penalties})")
    return {"裁量情节": "；".join(parts)}


def _replace_levels(benchmark: DiscretionBenchmark, levels: list[dict[str, Any]]) -> None:
    existing = {lv.pk: lv for lv in benchmark.levels.all()}
    keep_ids = {int(lv["id"]) for lv in levels if lv.get("id") and int(lv["id"]) in existing}
    removed = [pk for pk in existing if pk not in keep_ids]
    if removed:
        try:
            with transaction.atomic():
                DiscretionLevel.objects.filter(pk__in=removed).delete()
        except models.ProtectedError as exc:
            names = "、".join(existing[pk].name for pk in removed)
            raise ServiceError(
                "level_in_use",
                f"情节“{names}”已被裁量适用记录引用，不能删除，可修改其内容。",
                {"levels": ["情节已被使用"]},
            ) from exc
    # Move kept levels out of the way first, so swapping two orders does not hit the unique constraint.
    for i, pk in enumerate(keep_ids):
        DiscretionLevel.objects.filter(pk=pk).update(order=30000 + i)
    for level in levels:
        values = {n: level.get(n) for n in LEVEL_FIELDS}
        values["other_penalties"] = values["other_penalties"] or ""
        level_pk = int(level["id"]) if level.get("id") else None
        if level_pk in keep_ids:
            DiscretionLevel.objects.filter(pk=level_pk).update(**values)
        else:
            DiscretionLevel.objects.create(benchmark=benchmark, **values)


# --- selection -----------------------------------------------------------------------------------------


@dataclass
class Selection:
    range_min: Decimal | None
    range_max: Decimal | None
    suggested_amount: Decimal | None
    conditions: list[str] = field(default_factory=list)
    other_penalties: str = ""
    level: DiscretionLevel | None = None
    benchmark: DiscretionBenchmark | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "range_min": self.range_min,
            "range_max": self.range_max,
            "suggested_amount": self.suggested_amount,
            "conditions": self.conditions,
            "other_penalties": self.other_penalties,
            "level": {"id": self.level.pk, "order": self.level.order, "name": self.level.name} if self.level else None,
            "benchmark": {"id": self.benchmark.pk, "name": self.benchmark.name} if self.benchmark else None,
        }


def suggest_amount(lo: Decimal | None, hi: Decimal | None) -> Decimal | None:
    """The midpoint of [lo, hi] rounded to 10 元 (half up), kept inside the range."""
    if lo is None or hi is None:
        return None
    mid = (lo + hi) / 2
    rounded = (mid / 10).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 10
    if rounded > hi:
        rounded -= 10
    if rounded < lo:
        return mid.quantize(Decimal("0.01"))
    return rounded.quantize(Decimal("0.01"))


def resolve_code(code: ViolationCode | str | int) -> ViolationCode:
    """A violation code row from a row, a code string (its current version) or a primary key."""
    if isinstance(code, ViolationCode):
        return code
    text = str(code or "").strip()
    if not text:
        raise ServiceError("code_required", "请选择违章代码。", {"code": ["请选择违章代码"]})
    obj = ViolationCode.objects.filter(code=text, is_current=True).first()
    if obj is None and text.isdigit() and len(text) < 10:
        obj = ViolationCode.objects.filter(pk=int(text)).first()
    if obj is None:
        raise ServiceError("code_not_found", f"违章代码 {text} 不存在。", {"code": ["违章代码不存在"]})
    return obj


def active_benchmark(code: ViolationCode) -> DiscretionBenchmark | None:
    return (
        DiscretionBenchmark.objects.filter(violation_code=code, is_active=True)
        .order_by("-effective_from", "-pk")
        .prefetch_related("levels")
        .first()
    )


def resolve_level(code: ViolationCode, level: DiscretionLevel | str | int) -> DiscretionLevel:
    if isinstance(level, DiscretionLevel):
        if level.benchmark.violation_code_id != code.pk:
            raise ServiceError(
                "level_mismatch", "所选情节不属于该违章代码的裁量基准。", {"level": ["情节与违章代码不符"]}
            )
        return level
    benchmark = active_benchmark(code)
    if benchmark is None:
        raise ServiceError("no_benchmark", f"违章代码 {code.code} 没有启用的自由裁量基准。", {"code": ["无裁量基准"]})
    text = str(level if level is not None else "").strip()
    if not text:
        raise ServiceError("level_required", "请选择裁量情节。", {"level": ["请选择裁量情节"]})
    levels = list(benchmark.levels.all())
    found = next((lv for lv in levels if lv.name == text), None)
    if found is None and text.isdigit():
        found = next((lv for lv in levels if lv.pk == int(text)), None)
    if found is None:
        names = "、".join(lv.name for lv in levels)
        raise ServiceError(
            "level_not_found",
            f"违章代码 {code.code} 的裁量基准中没有情节“{text}”（可选：{names}）。",
            {"level": ["情节不存在"]},
        )
    return found


def select_benchmark(code: ViolationCode | str | int, level_name_or_id: DiscretionLevel | str | int) -> Selection:
    """The allowed range and suggested amount of one circumstance of a code's active benchmark."""
    code = resolve_code(code)
    level = resolve_level(code, level_name_or_id)
    lo: Decimal | None
    hi: Decimal | None
    suggested: Decimal | None
    if level.fixed_amount is not None:
        lo = hi = suggested = level.fixed_amount
    elif level.fine_min is not None and level.fine_max is not None:
        lo, hi = level.fine_min, level.fine_max
        suggested = suggest_amount(lo, hi)
    else:  # a circumstance without a fine (e.g. 警告): no amount
        lo = hi = suggested = None
    return Selection(lo, hi, suggested, list(level.conditions), level.other_penalties, level, level.benchmark)


# --- application and review ------------------------------------------------------------------------------


def legal_reviewers_for(unit: Any, *, exclude_user: Any = None) -> list[Any]:
    """Active legal reviewers of `unit` or its ancestors; all active legal reviewers when none is there."""
    from teis.org.choices import OfficerStatus
    from teis.org.models import Officer

    base = Officer.objects.filter(status=OfficerStatus.ACTIVE, roles__code=LEGAL_REVIEWER, user__is_active=True)
    if exclude_user is not None:
        base = base.exclude(user=exclude_user)
    ancestor_ids = [int(s) for s in (unit.path if unit else "").strip(".").split(".") if s]
    officers = list(base.filter(unit_id__in=ancestor_ids).select_related("user").distinct())
    if not officers:
        officers = list(base.select_related("user").distinct())
    return [o.user for o in officers]


def is_legal_reviewer(user: Any) -> bool:
    officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
    return officer is not None and officer.roles.filter(code=LEGAL_REVIEWER).exists()


def _describe_deviation(selection: Selection, amount: Decimal | None, missing: list[str]) -> str:
    parts = []
    lo, hi = selection.range_min, selection.range_max
    if amount is not None and lo is not None and hi is not None and not (lo <= amount <= hi):
        parts.append(f"金额 {_yuan(amount)} 元超出基准 {_yuan(lo)}–{_yuan(hi)} 元")
    if amount is not None and lo is None:
        parts.append(f"该情节无罚款，拟罚款 {_yuan(amount)} 元")
    if missing:
        parts.append("未满足条件：" + "、".join(missing))
    return "；".join(parts)[:300]


def do_apply_discretion(
    actor: Any,
    *,
    violation_code: ViolationCode | str | int,
    level: DiscretionLevel | str | int,
    amount: Decimal | str | None,
    conditions_met: list[str] | None = None,
    reason: str = "",
    case_reference: str = "",
    unit: Any = None,
) -> DiscretionApplication:
    """Record an officer's choice of circumstance and amount.

    Within the range with every condition of the level ticked → WITHIN. Otherwise a written reason is
    required and the application is PENDING with a todo (source_key "discretion:<id>") for each legal
    reviewer of the applicant unit's chain. One transaction; audited.
    """
    code = resolve_code(violation_code)
    if code.status != CodeStatus.ACTIVE or not code.is_current:
        raise ServiceError(
            "code_inactive", f"违章代码 {code.code} 未启用或不是现行版本，不能适用。", {"code": ["违章代码不可用"]}
        )
    check_code_usable(code)
    selection = select_benchmark(code, level)
    level_obj = cast(DiscretionLevel, selection.level)  # `select_benchmark` always sets it
    errs: list[str] = []
    amount_value = _decimal(amount, "拟罚款金额", errs)
    if errs:
        raise ServiceError("invalid", "拟罚款金额应为数字。", {"amount": errs})
    if amount_value is not None and amount_value < 0:
        raise ServiceError("invalid", "拟罚款金额不能为负数。", {"amount": ["不能为负数"]})
    if amount_value is None and selection.range_min is not None:
        raise ServiceError("amount_required", "请填写拟罚款金额。", {"amount": ["请填写拟罚款金额"]})
    ticked = [c for c in (conditions_met or []) if isinstance(c, str)]
    unknown = [c for c in ticked if c not in selection.conditions]
    if unknown:
        raise ServiceError(
            "invalid",
            f"勾选的条件不属于情节“{level_obj.name}”：{'、'.join(unknown)}。",
            {"conditions_met": ["条件无效"]},
        )
    missing = [c for c in selection.conditions if c not in ticked]
    deviation = _describe_deviation(selection, amount_value, missing)
    reason = (reason or "").strip()
    if deviation and not reason:
        raise ServiceError(
            "reason_required",
            f"{deviation}，须填写书面理由并报法制审核。",
            {"reason": ["偏离裁量基准须填写理由"]},
        )
    if unit is None:
        officer = getattr(actor, "officer", None) if hasattr(actor, "officer") else None
        unit = officer.unit if officer else None
    if unit is None:
        raise ServiceError("no_unit", "无法确定办案单位。", {"unit": ["请选择办案单位"]})
    with transaction.atomic():
        application = DiscretionApplication.objects.create(
            violation_code=code,
            level=level_obj,
            unit=unit,
            case_reference=fit(DiscretionApplication, "case_reference", case_reference or ""),
            amount=amount_value,
            conditions_met=ticked,
            deviation=deviation,
            reason=reason,
            status=ApplicationStatus.PENDING if deviation else ApplicationStatus.WITHIN,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if deviation:
            reviewers = legal_reviewers_for(unit, exclude_user=actor)
            if not reviewers:
                raise ServiceError("no_reviewer", "没有可审核的法制审核员，请联系系统管理员。")
            url = reverse("legal:discretionapplication_detail", args=[application.pk])
            title = f"裁量偏离审核：{code.code} {code.name[:40]}（{level_obj.name}）"
            for user in reviewers:
                notify.post_todo(
                    user, title, category=TODO_CATEGORY, url=url, source_key=f"discretion:{application.pk}"
                )
        audit.record(
            actor,
            AuditAction.CREATE,
            application,
            changes={k: [None, v] for k, v in audit.snapshot(application).items()},
        )
    return application


def do_decide_discretion(
    actor: Any, application: DiscretionApplication, approve: bool, opinion: str = ""
) -> DiscretionApplication:
    """A legal reviewer approves or rejects a pending deviation; the todos close, the applicant is told."""
    if not is_legal_reviewer(actor):
        raise ServiceError("not_reviewer", "只有法制审核员可以审核裁量偏离。")
    opinion = (opinion or "").strip()
    if not approve and not opinion:
        raise ServiceError("opinion_required", "驳回时须填写审核意见。", {"opinion": ["请填写审核意见"]})
    with transaction.atomic():
        app = DiscretionApplication._base_manager.select_for_update().get(pk=application.pk)
        if app.status != ApplicationStatus.PENDING:
            raise ServiceError("not_pending", f"该裁量适用已是“{app.get_status_display()}”，无需审核。")
        if app.created_by_id is not None and app.created_by_id == actor.pk:
            raise ServiceError("own_application", "不能审核本人提交的裁量适用。")
        before = audit.snapshot(app)
        app.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
        app.decided_by = actor
        app.decided_at = timezone.now()
        app.decision_opinion = opinion
        app.save(update_fields=["status", "decided_by", "decided_at", "decision_opinion", "updated_at"])
        notify.complete_todos(f"discretion:{app.pk}")
        if app.created_by_id:
            verdict = "已批准" if approve else "已驳回"
            notify.notify(
                cast("User", app.created_by),  # created_by_id is set
                f"裁量偏离审核{verdict}：{app.violation_code.code}（{app.level.name}）",
                f"审核意见：{opinion or '无'}",
                level=Notification.Level.INFO if approve else Notification.Level.WARNING,
                url=reverse("legal:discretionapplication_detail", args=[app.pk]),
            )
        audit.record(
            actor, AuditAction.UPDATE, app, changes=audit.diff(before, audit.snapshot(app)), detail={"op": "decide"}
        )
    return app


def access_application(user: Any, pk: int) -> DiscretionApplication:
    """The application if the user may see it: in scope, or a reviewer holding its todo."""
    from django.http import Http404

    from teis.core.models import TodoItem

    qs = DiscretionApplication.objects.select_related("violation_code", "level__benchmark", "unit", "created_by")
    app = qs.for_user(user).filter(pk=pk).first()
    if app is None and TodoItem.objects.filter(user=user, source_key=f"discretion:{pk}").exists():
        app = qs.filter(pk=pk).first()
    if app is None:
        raise Http404
    return app


class BenchmarkService:
    """Generic API writes of a benchmark's own fields (levels are edited on the benchmark page)."""

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> DiscretionBenchmark:
        return do_save_benchmark(actor, None, data)

    def do_update(self, actor: Any, obj: DiscretionBenchmark, data: dict[str, Any]) -> DiscretionBenchmark:
        return do_save_benchmark(actor, obj, data)

    def do_delete(self, actor: Any, obj: DiscretionBenchmark) -> None:
        from teis.core.services import generic_service

        generic_service.do_delete(actor, obj)
