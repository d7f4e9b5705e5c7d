"""检查情况跟踪预警 (spec §2.5.1.5, §2.7.1.7): deadlines near or passed, a unit's coverage of a plan below the
plan's threshold, indicators not met (a plan's completion target after its deadline; a unit's yearly number of
checks behind its quota; each `InspectionIndicator` after the deadline or behind its progress line).
`scan_warnings` is idempotent: one open warning per condition, notified once to the inspectors and their
leaders, closed when the condition clears. Run daily by `tasks.scan_inspection_warnings`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from teis.core import notify
from teis.core.models import Notification
from teis.core.workdays import workdays_between

from ..choices import PlanStatus, TaskStatus, WarningKind, WarningStatus
from ..models import InspectionIndicator, InspectionPlan, InspectionTask, InspectionWarning, RequiredCheckQuota

if TYPE_CHECKING:
    from collections.abc import Iterable

    from teis.org.models import Unit

LEADER_ROLES = ("squad_leader", "brigade_leader")
ACTIVE_PLANS = (PlanStatus.DRAWN, PlanStatus.PUBLISHED)


def leaders_of(unit: Unit) -> list[Any]:
    """Users holding a leader role in the unit or one of its ancestors."""
    from django.contrib.auth import get_user_model

    ids = [int(x) for x in unit.path.strip(".").split(".") if x] if unit.path else [unit.pk]
    return list(
        get_user_model()
        .objects.filter(officer__unit__in=ids, officer__roles__code__in=LEADER_ROLES, is_active=True)
        .distinct()
    )


class _Scan:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.wanted: set[str] = set()
        self.created = 0

    def raise_warning(
        self,
        key: str,
        *,
        kind: str,
        plan: InspectionPlan,
        unit: Unit,
        message: str,
        task: InspectionTask | None = None,
        recipients: Iterable[Any] = (),
    ) -> None:
        self.wanted.add(key)
        if InspectionWarning.objects.filter(key=key, status=WarningStatus.OPEN).exists():
            return
        InspectionWarning.objects.create(key=key, kind=kind, plan=plan, task=task, unit=unit, message=message[:300])
        self.created += 1
        url = (
            reverse("inspections:task_execute", args=[task.pk])
            if task
            else reverse("inspections:plan_board", args=[plan.pk])
        )
        level = (
            Notification.Level.ALARM
            if kind in (WarningKind.OVERDUE, WarningKind.INDICATOR_UNMET)
            else Notification.Level.WARNING
        )
        for user in {u.pk: u for u in recipients}.values():
            notify.notify(user, f"双随机预警：{WarningKind(kind).label}", message, level=level, url=url)


def scan_warnings(today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    scan = _Scan(today)
    with transaction.atomic():
        _task_deadlines(scan)
        _plan_coverage(scan)
        _quotas(scan)
        _indicators(scan)
        stale = InspectionWarning.objects.filter(status=WarningStatus.OPEN).exclude(key__in=scan.wanted)
        closed = stale.update(status=WarningStatus.CLOSED, closed_at=timezone.now())
    return {"created": scan.created, "closed": closed, "open": len(scan.wanted)}


def _task_deadlines(scan: _Scan) -> None:
    tasks = (
        InspectionTask.objects.filter(status=TaskStatus.PENDING, plan__status__in=ACTIVE_PLANS)
        .select_related("plan", "unit", "inspection_object")
        .prefetch_related("inspectors__officer__user")
    )
    leaders: dict[int, list[Any]] = {}
    for t in tasks:
        if t.deadline < scan.today:
            kind, text = (
                WarningKind.OVERDUE,
                f"检查任务 {t.code}（{t.inspection_object.name}）已超过完成期限 {t.deadline}",
            )
        elif workdays_between(scan.today, t.deadline) <= t.plan.warn_workdays_before:
            kind = WarningKind.DEADLINE_NEAR
            text = f"检查任务 {t.code}（{t.inspection_object.name}）将于 {t.deadline} 到期，尚未完成"
        else:
            continue
        if t.unit_id not in leaders:
            leaders[t.unit_id] = leaders_of(t.unit)
        recipients = [i.officer.user for i in t.inspectors.all()] + leaders[t.unit_id]
        scan.raise_warning(
            f"{kind}:task:{t.pk}", kind=kind, plan=t.plan, task=t, unit=t.unit, message=text, recipients=recipients
        )


def _plan_coverage(scan: _Scan) -> None:
    plans = (
        InspectionPlan.objects.filter(status__in=ACTIVE_PLANS)
        .select_related("unit")
        .annotate(last=Max("tasks__deadline"))
    )
    for plan in plans:
        if plan.last is None or workdays_between(scan.today, plan.last) > plan.warn_workdays_before:
            continue
        rows = (
            plan.tasks.values("unit", "unit__name")
            .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=TaskStatus.DONE)))
            .order_by("unit")
        )
        total = done = 0
        for r in rows:
            total += r["total"]
            done += r["done"]
            percent = r["done"] * 100 / r["total"]
            if percent < plan.coverage_threshold:
                unit = cast(InspectionTask, plan.tasks.filter(unit=r["unit"]).first()).unit  # the row counts its tasks
                scan.raise_warning(
                    f"coverage:{plan.pk}:{r['unit']}",
                    kind=WarningKind.COVERAGE_LOW,
                    plan=plan,
                    unit=unit,
                    message=(
                        f"{r['unit__name']}在“{plan.name}”中完成 {r['done']}/{r['total']}（{percent:.0f}%），"
                        f"低于预警线 {plan.coverage_threshold}%"
                    ),
                    recipients=leaders_of(unit),
                )
        if plan.last < scan.today and total and done * 100 / total < plan.target_completion:
            scan.raise_warning(
                f"indicator:plan:{plan.pk}",
                kind=WarningKind.INDICATOR_UNMET,
                plan=plan,
                unit=plan.unit,
                message=f"“{plan.name}”期限已过，完成率 {done * 100 / total:.0f}% 未达指标 {plan.target_completion}%",
                recipients=leaders_of(plan.unit) + ([plan.created_by] if plan.created_by else []),
            )


def _quotas(scan: _Scan) -> None:
    year = scan.today.year
    start = dt.date(year, 1, 1)
    elapsed = ((scan.today - start).days + 1) / ((dt.date(year + 1, 1, 1) - start).days)
    quotas = RequiredCheckQuota.objects.filter(year=year, required_count__gt=0).select_related("unit", "industry")
    rows = (
        InspectionTask.objects.filter(status=TaskStatus.DONE, inspected_on__year=year)
        .values_list("unit__path", "inspection_object__industry_id")
        .annotate(n=Count("pk"))
    )
    done_rows = list(rows)
    for q in quotas:
        done = sum(n for path, industry, n in done_rows if industry == q.industry_id and path.startswith(q.unit.path))
        expected = q.required_count * elapsed * q.progress_threshold / 100
        if done < expected:
            plan = InspectionPlan.objects.filter(unit__path__startswith=q.unit.path, year=year).order_by("-pk").first()
            if plan is None:
                plan = InspectionPlan.objects.filter(year=year).order_by("-pk").first()
            if plan is None:
                continue  # a warning belongs to a plan; without any plan this year there is nothing to attach it to
            scan.raise_warning(
                f"indicator:quota:{q.pk}",
                kind=WarningKind.INDICATOR_UNMET,
                plan=plan,
                unit=q.unit,
                message=f"{q.unit}{q.industry}年度已检查 {done} 家，应检查 {q.required_count} 家，进度低于预警线",
                recipients=leaders_of(q.unit),
            )


def _indicators(scan: _Scan) -> None:
    """检查指标 (`InspectionIndicator`): actual values refreshed; after the plan's last deadline an indicator not
    met warns; before it, a progress indicator (完成率 / 覆盖率 / 检查户数, 不低于) behind "target × elapsed share
    of the working days of the window × its warning line" warns. To the inspectors of the indicator's open tasks
    (all its tasks once the deadline is past), the leaders of its unit (or the plan's) and the plan's creator."""
    from .indicators import PROGRESS_KINDS, refresh_plan, scope_tasks

    plans = (
        InspectionPlan.objects.filter(status__in=ACTIVE_PLANS, pk__in=InspectionIndicator.objects.values("plan"))
        .select_related("unit", "created_by", "draw")
        .annotate(last=Max("tasks__deadline"))
    )
    for plan in plans:
        if plan.last is None:
            continue
        start = timezone.localdate(plan.draw.drawn_at) if plan.draw.drawn_at else scan.today
        window = max(workdays_between(start, plan.last), 1)
        elapsed = min(max(workdays_between(start, scan.today), 0), window)
        for ind in refresh_plan(plan):
            if ind.actual is None:
                continue
            unit = ind.unit or plan.unit
            if plan.last < scan.today:
                if ind.is_met is not False:
                    continue
                key = f"indicator:item:{ind.pk}"
                text = (
                    f"“{plan.name}”期限已过，指标“{ind.name}”实际 {ind.actual_display}，"
                    f"未达{ind.get_direction_display()}{ind.target_display}的要求"
                )
                tasks = scope_tasks(ind)
            else:
                if ind.kind not in PROGRESS_KINDS or ind.direction != "gte" or not ind.warn_percent:
                    continue
                expected = ind.target * elapsed / window * ind.warn_percent / 100
                if ind.actual >= expected:
                    continue
                key = f"indicator:progress:{ind.pk}"
                text = (
                    f"“{plan.name}”指标“{ind.name}”进度落后：实际 {ind.actual_display}，"
                    f"按已过 {elapsed}/{window} 个工作日应达 {expected:.2f}{'%' if ind.is_rate else ''}"
                    f"（目标 {ind.target_display}，预警线 {ind.warn_percent}%）"
                )
                tasks = scope_tasks(ind).filter(status=TaskStatus.PENDING)
            inspectors = list(
                get_user_model()
                .objects.filter(officer__inspector__tasks__in=tasks.values("pk"), is_active=True)
                .distinct()
            )
            scan.raise_warning(
                key,
                kind=WarningKind.INDICATOR_UNMET,
                plan=plan,
                unit=unit,
                message=text,
                recipients=inspectors + leaders_of(unit) + ([plan.created_by] if plan.created_by else []),
            )
