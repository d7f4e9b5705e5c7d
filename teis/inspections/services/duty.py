"""Inspection tasks in the duty plans of dispatch (每日勤务计划, spec §2.5.1.3 "pushed into duty").

Dispatch knows nothing of inspections: it keeps a list of duty task sources (`dispatch.services.duty.
task_sources`) and this module registers one (`InspectionDutySource`, from `apps.ready`). Two ways in:

- push: when a plan is published (`plans.do_publish`), every open task gets a 专项 duty task in each editable
  (草稿 / 已退回) duty plan of its unit — or the nearest ancestor unit that has one — for each day of its window
  (publication day to deadline) that already has such a plan;
- pull: a duty plan page lists its unit's open tasks of published plans for its date (`tasks_for_duty`) and
  "纳入本计划" creates the missing duty tasks.

When a task is done (`tasks.do_execute`), its duty tasks on later days in editable duty plans are withdrawn
(`withdraw_later`).

Each duty task is linked back by `DutyLink` (at most one per inspection task and day); a feedback on it cites
the inspection result (`reference`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ..choices import PlanStatus, TaskStatus
from ..models import DutyLink, InspectionTask
from .tasks import tasks_for_duty

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from teis.org.models import Unit

    from ..models import InspectionPlan

SOURCE_LABEL = "双随机检查任务"
DAY_START, DAY_END = dt.time(9, 0), dt.time(17, 0)
MAX_ROWS = 200


def _ancestor_ids(unit: Unit) -> list[int]:
    """The unit and its ancestors, deepest first."""
    from teis.org.models import Unit

    parts = [p for p in unit.path.split(".") if p]
    prefixes = [".".join(parts[: i + 1]) + "." for i in range(len(parts))]
    by_path = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "pk"))
    return [by_path[p] for p in reversed(prefixes) if p in by_path] or [unit.pk]


def duty_content(task: InspectionTask) -> str:
    obj = task.inspection_object
    items = "、".join(f.check_item.name for f in task.findings.all()) or "按计划要求"
    return (
        f"{task.plan.name}（检查任务 {task.code}）\n"
        f"检查对象：{obj.name}（{obj.credit_code}）{obj.address}\n"
        f"检查事项：{items}\n"
        f"完成期限：{task.deadline:%Y-%m-%d}"
    )


def _create_duty_task(actor: Any, duty_plan: Any, task: InspectionTask, *, check_perm: bool) -> Any:
    from teis.dispatch.choices import TaskType
    from teis.dispatch.services.duty import do_add_task

    day = duty_plan.date
    duty_task = do_add_task(
        actor,
        duty_plan,
        title=f"双随机检查：{task.inspection_object.name}",
        content=duty_content(task),
        task_type=TaskType.SPECIAL,
        start_at=timezone.make_aware(dt.datetime.combine(day, DAY_START)),
        end_at=timezone.make_aware(dt.datetime.combine(day, DAY_END)),
        officers=[i.officer.user for i in task.inspectors.all() if i.officer.user_id],
        check_perm=check_perm,
    )
    DutyLink.objects.create(task=task, duty_task=duty_task, date=day)
    return duty_task


def _with_details(qs: QuerySet[InspectionTask]) -> QuerySet[InspectionTask]:
    return qs.select_related("inspection_object", "plan", "unit").prefetch_related(
        "inspectors__officer__user", "findings__check_item"
    )


def push_published(actor: Any, plan: InspectionPlan) -> int:
    """Called inside `do_publish`: the plan's open tasks into the editable duty plans of their units for the
    days of their window. Returns the number of duty tasks created."""
    from teis.dispatch.choices import PlanStatus as DutyPlanStatus
    from teis.dispatch.models import DutyPlan

    tasks = list(_with_details(plan.tasks.filter(status=TaskStatus.PENDING)))
    if not tasks:
        return 0
    today = timezone.localdate()
    units = {t.unit_id: t.unit for t in tasks}
    chains = {pk: _ancestor_ids(unit) for pk, unit in units.items()}
    unit_ids = {u for chain in chains.values() for u in chain}
    duty_plans: dict[tuple[int, dt.date], object] = {}
    for dp in DutyPlan.objects.filter(
        unit__in=unit_ids,
        date__gte=today,
        date__lte=max(t.deadline for t in tasks),
        status__in=[DutyPlanStatus.DRAFT, DutyPlanStatus.REJECTED],
    ).order_by("pk"):
        duty_plans.setdefault((dp.unit_id, dp.date), dp)
    dates = sorted({d for _, d in duty_plans})
    linked = set(DutyLink.objects.filter(task__in=tasks).values_list("task_id", "date"))
    created = 0
    for task in tasks:
        for day in dates:
            if day > task.deadline or (task.pk, day) in linked:
                continue
            target = next((duty_plans[(u, day)] for u in chains[task.unit_id] if (u, day) in duty_plans), None)
            if target is not None:
                _create_duty_task(actor, target, task, check_perm=False)
                created += 1
    return created


def withdraw_later(actor: Any, task: InspectionTask) -> int:
    """Called inside `do_execute`: a done task no longer needs the duty tasks that carry it on later days. Those
    in editable (草稿 / 已退回) duty plans are withdrawn through dispatch's service (audited, with the reason);
    submitted or approved plans are left to their approver, and a duty task with a feedback is kept. Returns
    the number withdrawn."""
    from teis.core.services import ServiceError
    from teis.dispatch.choices import PlanStatus as DutyPlanStatus
    from teis.dispatch.services.duty import do_withdraw_task

    links = (
        DutyLink.objects.filter(
            task=task,
            date__gt=timezone.localdate(),
            duty_task__plan__status__in=[DutyPlanStatus.DRAFT, DutyPlanStatus.REJECTED],
            duty_task__feedbacks__isnull=True,
        )
        .select_related("duty_task")
        .order_by("date")
    )
    withdrawn = 0
    for link in links:
        try:
            do_withdraw_task(actor, link.duty_task, reason=f"双随机检查任务 {task.code} 已完成", check_perm=False)
        except ServiceError:
            continue  # submitted meanwhile: its approver decides
        withdrawn += 1
    return withdrawn


def open_tasks_for_day(unit: Unit, day: dt.date) -> QuerySet[InspectionTask]:
    """The open tasks of published plans that a duty plan of `unit` on `day` should carry: drawn on or before
    that day, deadline on or after it (`tasks_for_duty`)."""
    return tasks_for_duty(unit, day).filter(plan__status=PlanStatus.PUBLISHED, created_at__date__lte=day)


class InspectionDutySource:
    """The 双随机 source of duty tasks registered with dispatch (see `dispatch.services.duty.task_sources`)."""

    label = SOURCE_LABEL

    def pending(self, duty_plan: Any) -> list[dict[str, Any]]:
        tasks = list(_with_details(open_tasks_for_day(duty_plan.unit, duty_plan.date))[:MAX_ROWS])
        links = {
            link.task_id: link.duty_task
            for link in DutyLink.objects.filter(task__in=tasks, date=duty_plan.date).select_related("duty_task__plan")
        }
        return [
            {
                "title": f"{t.code} {t.inspection_object.name}",
                "detail": f"检查人员：{'、'.join(i.officer.name for i in t.inspectors.all())}；"
                f"承办单位：{t.unit}；期限：{t.deadline:%Y-%m-%d}",
                "url": reverse("inspections:task_execute", args=[t.pk]),
                "attached": links.get(t.pk),
                "task": t,
            }
            for t in tasks
        ]

    def do_attach(self, actor: Any, duty_plan: Any) -> int:
        """纳入本计划: a duty task for each open inspection task of the plan's unit and day not yet carried by
        any duty plan of that day. Needs `dispatch.add_dutytask` and an editable plan; one transaction."""
        with transaction.atomic():
            rows = [r for r in self.pending(duty_plan) if r["attached"] is None]
            for r in rows:
                _create_duty_task(actor, duty_plan, r["task"], check_perm=True)
        return len(rows)

    def reference(self, duty_task: Any) -> dict[str, Any] | None:
        link = (
            DutyLink.objects.filter(duty_task=duty_task)
            .select_related("task__inspection_object", "task__plan", "task__case")
            .first()
        )
        if link is None:
            return None
        return inspection_reference(link.task)


def inspection_reference(task: InspectionTask) -> dict[str, Any]:
    """What a duty feedback cites of an inspection task: its status and result, and initial feedback values."""
    obj = task.inspection_object
    lines = [f"抽查计划：{task.plan}", f"状态：{task.get_status_display()}，完成期限 {task.deadline:%Y-%m-%d}"]
    initial: dict[str, Any] = {}
    if task.status == TaskStatus.DONE:
        lines.append(f"检查结果：{task.get_result_display()}（检查日期 {task.inspected_on:%Y-%m-%d}）")
        lines.append(f"检查情况：{task.summary}")
        if task.rectify_deadline:
            lines.append(f"整改期限：{task.rectify_deadline:%Y-%m-%d}")
        if task.case_id:
            lines.append(f"预登记案件：{task.case}")
        initial = {
            "checked_operators": 1,
            "cases_found": 1 if task.case_id else 0,
            "cases": [task.case_id] if task.case_id else [],
            "content": f"完成双随机检查任务 {task.code}（{obj.name}），检查结果：{task.get_result_display()}。"
            f"{task.summary}",
        }
    else:
        lines.append("尚未录入检查结果；录入后反馈可引用检查结果。")
    return {
        "title": f"双随机检查任务 {task.code}（{obj.name}）",
        "url": reverse("inspections:task_execute", args=[task.pk]),
        "lines": lines,
        "initial": initial,
        "task_id": task.pk,
        "result": task.result,
    }


def register() -> None:
    from teis.dispatch.services.duty import register_task_source

    register_task_source(InspectionDutySource())
