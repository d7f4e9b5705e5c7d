"""检查指标 (spec §2.5.1.3, §2.7.1.7): targets bound to a plan — the whole plan or one unit's part of it — with
their actual values computed from the plan's tasks.

Kinds: 完成率 (done / assigned tasks, %), 覆盖率 (objects inspected / frozen candidate objects, %), 检查户数 (tasks
done), 问题发现率 (责令整改 + 立案 among the done tasks, %), 立案数. An indicator is met when its actual value is
not below (不低于) or not above (不高于) its target. `refresh_plan` stores the actual values (the list, export and
API show them); it runs at the draw, at each execution and in the daily warning scan, which raises 指标未达成
(`warnings._indicators`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, Model, Q
from django.utils import timezone

from teis.core.services import GenericService, ServiceError

from ..choices import IndicatorDirection, IndicatorKind, PlanLevel, TaskResult, TaskStatus
from ..models import DrawRecord, InspectionIndicator, InspectionObject, InspectionPlan

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ..models import InspectionTask

RATE_KINDS = {IndicatorKind.COMPLETION_RATE, IndicatorKind.COVERAGE_RATE, IndicatorKind.PROBLEM_RATE}
PROGRESS_KINDS = {IndicatorKind.COMPLETION_RATE, IndicatorKind.COVERAGE_RATE, IndicatorKind.INSPECTED_COUNT}
CENT = Decimal("0.01")


def check_indicator(data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    kind, target, plan, unit = data.get("kind"), data.get("target"), data.get("plan"), data.get("unit")
    if target is not None:
        try:
            value = Decimal(str(target))
        except ArithmeticError:
            value = None
            errors["target"] = ["目标值应为数字"]
        if value is not None and kind in RATE_KINDS and not Decimal(0) <= value <= Decimal(100):
            errors["target"] = ["比率类指标的目标值应在 0–100 之间"]
    if (
        isinstance(plan, InspectionPlan)
        and unit is not None
        and getattr(unit, "path", None) is not None
        and plan.level == PlanLevel.DISTRICT
        and not unit.path.startswith(plan.unit.path)
    ):
        errors["unit"] = [f"区级计划的考核单位须为{plan.unit}或其下级单位"]
    if errors:
        raise ServiceError("invalid", "检查指标有误：" + "；".join(m for ms in errors.values() for m in ms), errors)


class IndicatorService(GenericService):
    """Indicators: target checked against the kind, unit within a district plan; actual value computed on save."""

    def do_create(self, actor: Any, model: type[Model], data: dict[str, Any]) -> Model:
        check_indicator(data)
        indicator = cast(InspectionIndicator, super().do_create(actor, model, data))
        refresh(indicator)
        return indicator

    def do_update(self, actor: Any, obj: Model, data: dict[str, Any]) -> Model:
        current = cast(InspectionIndicator, obj)  # this service writes indicators
        check_indicator({"kind": current.kind, "plan": current.plan, "unit": current.unit, **data})
        indicator = cast(InspectionIndicator, super().do_update(actor, obj, data))
        refresh(indicator)
        return indicator


def scope_tasks(indicator: InspectionIndicator) -> QuerySet[InspectionTask]:
    qs = indicator.plan.tasks.all()
    if indicator.unit is not None:
        qs = qs.filter(unit__path__startswith=indicator.unit.path)
    return qs


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def compute(indicator: InspectionIndicator) -> Decimal | None:
    """The actual value now; None when it cannot be computed yet (no task, nothing done for a rate of done
    tasks, no frozen candidate list for coverage)."""
    qs = scope_tasks(indicator)
    kind = indicator.kind
    if kind == IndicatorKind.COVERAGE_RATE:
        record = DrawRecord.objects.filter(plan_id=indicator.plan_id).only("candidates").first()
        if record is None:
            return None
        ids = {o[0] for o in record.candidates["objects"]}
        if indicator.unit is not None:
            ids &= set(
                InspectionObject.objects.filter(unit__path__startswith=indicator.unit.path).values_list("pk", flat=True)
            )
        covered = qs.filter(status=TaskStatus.DONE).values("inspection_object").distinct().count()
        return _percent(covered, len(ids))
    c = qs.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=TaskStatus.DONE)),
        problems=Count("pk", filter=Q(result__in=[TaskResult.RECTIFY, TaskResult.FILE_CASE])),
        cases=Count("pk", filter=Q(result=TaskResult.FILE_CASE)),
    )
    if kind == IndicatorKind.COMPLETION_RATE:
        return _percent(c["done"], c["total"])
    if kind == IndicatorKind.PROBLEM_RATE:
        return _percent(c["problems"], c["done"])
    if not c["total"]:
        return None
    return Decimal(c["done"] if kind == IndicatorKind.INSPECTED_COUNT else c["cases"])


def is_met(indicator: InspectionIndicator, actual: Decimal | None) -> bool | None:
    if actual is None:
        return None
    if indicator.direction == IndicatorDirection.AT_MOST:
        return actual <= indicator.target
    return actual >= indicator.target


def refresh(indicator: InspectionIndicator) -> InspectionIndicator:
    actual = compute(indicator)
    indicator.actual, indicator.is_met, indicator.computed_at = actual, is_met(indicator, actual), timezone.now()
    InspectionIndicator.objects.filter(pk=indicator.pk).update(
        actual=indicator.actual, is_met=indicator.is_met, computed_at=indicator.computed_at
    )
    return indicator


def refresh_plan(plan: InspectionPlan) -> list[InspectionIndicator]:
    return [refresh(i) for i in plan.indicators.select_related("plan", "unit")]


def indicators_for_task(task: InspectionTask) -> list[InspectionIndicator]:
    """The plan's indicators that count this task (whole plan, or a unit above or equal to the task's)."""
    prefetched = "indicators" in getattr(task.plan, "_prefetched_objects_cache", {})
    rows = task.plan.indicators.all() if prefetched else task.plan.indicators.select_related("unit")
    return [i for i in rows if i.unit is None or task.unit.path.startswith(i.unit.path)]
