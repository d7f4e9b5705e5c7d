"""Inspection tasks: created by the draw, executed by their inspectors (findings per bound check item,
photos, result), 立案 through the cases app's pre-registration, and `tasks_for_duty` for the duty module."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify, outbox
from teis.core.services import ServiceError, fit
from teis.core.workdays import add_workdays

from ..choices import FindingResult, ObjectStatus, TaskResult, TaskStatus
from ..models import InspectionObject, InspectionTask, Inspector, TaskFinding, TaskPhoto

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.core.files.base import ContentFile
    from django.db.models import QuerySet

    from teis.org.models import Unit

    from ..models import InspectionPlan

TODO_CATEGORY = "双随机检查"
MAX_PHOTOS = 20
MAX_PHOTO_BYTES = 20 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}


def todo_key(task: InspectionTask) -> str:
    return f"inspection_task:{task.pk}"


def create_tasks(actor: Any, plan: InspectionPlan, record: Any, result: dict[str, Any]) -> list[InspectionTask]:
    """One task per drawn object, in draw order; called inside the draw's transaction."""
    objects = InspectionObject.objects.in_bulk([a[0] for a in result["assignments"]])
    inspectors = Inspector.objects.select_related("officer__user", "officer__unit").in_bulk(
        {i for a in result["assignments"] for i in a[1]}
    )
    items = list(plan.check_items.filter(is_active=True))
    deadline = add_workdays(timezone.localdate(), plan.deadline_workdays)
    due_at = timezone.make_aware(dt.datetime.combine(deadline, dt.time(18, 0)))
    tasks = []
    for n, (object_id, inspector_ids) in enumerate(result["assignments"], start=1):
        obj = objects[object_id]
        crew = [inspectors[i] for i in inspector_ids]
        task = InspectionTask.objects.create(
            code=f"{plan.code}-{n:05d}",
            plan=plan,
            inspection_object=obj,
            unit=crew[0].officer.unit,
            deadline=deadline,
            created_by=actor,
        )
        task.inspectors.set(crew)
        TaskFinding.objects.bulk_create(
            [TaskFinding(task=task, check_item=i) for i in items if i.industry_id in (None, obj.industry_id)]
        )
        url = reverse("inspections:task_execute", args=[task.pk])
        for ins in crew:
            notify.post_todo(
                ins.officer.user,
                f"双随机检查：{obj.name}（{plan.name}）",
                category=TODO_CATEGORY,
                url=url,
                source_key=todo_key(task),
                due_at=due_at,
            )
        tasks.append(task)
    return tasks


def access_task(user: Any, pk: int) -> InspectionTask:
    task = (
        InspectionTask.objects.for_user(user)
        .select_related("plan", "inspection_object", "unit")
        .filter(pk=pk)
        .distinct()
        .first()
    )
    if task is None:
        # an inspector drawn for a task opens it wherever its unit is (它在“我的检查任务”中列出)
        task = (
            InspectionTask.objects.filter(pk=pk, inspectors__officer__user=user)
            .select_related("plan", "inspection_object", "unit")
            .distinct()
            .first()
        )
    if task is None:
        # outside the scope is a 404 everywhere, page and API alike (rule 4)
        raise Http404("检查任务不存在或不在您的数据权限范围内。")
    return task


def my_tasks(user: Any, *, status: str | None = None) -> QuerySet[InspectionTask]:
    qs = (
        InspectionTask.objects.filter(inspectors__officer__user=user)
        .select_related("plan", "inspection_object", "unit")
        .order_by("deadline", "code")
    )
    return qs.filter(status=status) if status else qs


def tasks_for_duty(unit: Unit, date: dt.date) -> QuerySet[InspectionTask]:
    """For the duty module (dispatch): the open tasks of `unit` and its subtree whose deadline is on or after
    `date` — what a duty plan for that day should carry. Pure read; no import of dispatch."""
    return (
        InspectionTask.objects.filter(unit__path__startswith=unit.path, status=TaskStatus.PENDING, deadline__gte=date)
        .select_related("inspection_object", "plan")
        .prefetch_related("inspectors__officer")
        .order_by("deadline", "code")
    )


def _check_photos(photos: Sequence[Any]) -> list[Any]:
    from teis.core.files import check_upload

    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ServiceError("too_many_photos", f"照片最多 {MAX_PHOTOS} 张。", {"photos": ["照片过多"]})
    checked = []
    for f in photos:
        if f.size > MAX_PHOTO_BYTES:
            raise ServiceError("photo_too_large", f"照片“{f.name}”超过 20 MB。", {"photos": ["照片过大"]})
        try:
            mime = check_upload(f, "inspection_photo")
        except ServiceError as err:
            raise ServiceError("photo_type", err.message, {"photos": ["文件类型不符"]}) from err
        if mime not in PHOTO_TYPES:
            raise ServiceError("photo_type", f"“{f.name}”不是 JPEG/PNG/WebP 图片。", {"photos": ["文件类型不符"]})
        checked.append((f, mime))
    return checked


def do_execute(actor: Any, task: InspectionTask, data: dict[str, Any], photos: Sequence[Any] = ()) -> InspectionTask:
    """Record the inspection: a conclusion for every bound check item, the result (未发现问题 / 责令整改 with a
    deadline / 立案, which pre-registers a case through `cases.services.intake.do_pre_register`), a summary
    and photos (stored with their SM3). Only an inspector of the task may execute it, once. One transaction:
    a refused case pre-registration keeps nothing; audited; the inspectors' todos are done; outbox."""
    from teis.core.crypto import sm3_hex
    from teis.core.storage import get_storage

    from .duty import withdraw_later
    from .indicators import refresh_plan

    errors: dict[str, list[str]] = {}
    result = data.get("result") or ""
    if result not in TaskResult.values:
        errors["result"] = ["请选择检查结果"]
    summary = str(data.get("summary") or "").strip()
    if not summary:
        errors["summary"] = ["请填写检查情况"]
    inspected_on: Any = data.get("inspected_on") or timezone.localdate()  # a date once checked below
    if isinstance(inspected_on, str):
        try:
            inspected_on = dt.date.fromisoformat(inspected_on)
        except ValueError:
            errors["inspected_on"] = ["检查日期格式应为 YYYY-MM-DD"]
    rectify = data.get("rectify_deadline") or None
    if isinstance(rectify, str):
        try:
            rectify = dt.date.fromisoformat(rectify)
        except ValueError:
            errors["rectify_deadline"] = ["整改期限格式应为 YYYY-MM-DD"]
            rectify = None
    if result == TaskResult.RECTIFY and not rectify and "rectify_deadline" not in errors:
        errors["rectify_deadline"] = ["责令整改须填写整改期限"]
    findings = data.get("findings") or {}
    if not isinstance(findings, dict):
        errors["findings"] = ["检查事项结论格式错误"]
        findings = {}
    if errors:
        raise ServiceError("invalid", "检查记录有误：" + "；".join(m for ms in errors.values() for m in ms), errors)
    checked_photos = _check_photos(photos)
    storage = get_storage()
    saved: list[str] = []
    try:
        with transaction.atomic():
            task = InspectionTask.objects.select_for_update().get(pk=task.pk)
            if not task.inspectors.filter(officer__user=actor).exists():
                raise ServiceError("not_inspector", "只有该任务的检查人员可以录入检查结果。")
            if task.status != TaskStatus.PENDING:
                raise ServiceError("done", "该检查任务已完成，不能重复录入。")
            rows = list(task.findings.select_related("check_item"))
            missing = []
            for row in rows:
                value = findings.get(str(row.check_item_id)) or findings.get(row.check_item_id) or {}
                row.result = value.get("result", "") if isinstance(value, dict) else ""
                note = str(value.get("note", "")) if isinstance(value, dict) else ""
                row.note = fit(type(row), "note", note, field="findings")
                if row.result not in FindingResult.values:
                    missing.append(row.check_item.name)
            if missing:
                raise ServiceError(
                    "findings_missing",
                    f"请为每个检查事项选择结论：{'、'.join(missing)}",
                    {"findings": [f"未填写：{m}" for m in missing]},
                )
            TaskFinding.objects.bulk_update(rows, ["result", "note"])
            obj = task.inspection_object
            if result == TaskResult.FILE_CASE:
                task.case = _pre_register(actor, task, summary)
                obj.status = ObjectStatus.INVESTIGATING
            obj.last_inspected_on = inspected_on
            obj.save(update_fields=["last_inspected_on", "status", "updated_at"])
            for f, mime in checked_photos:
                content = f.read()
                name = storage.save(f"inspections/{task.pk}/{f.name}", _content(content))
                saved.append(name)
                TaskPhoto.objects.create(
                    task=task,
                    file_name=name,
                    original_name=f.name[:200],
                    content_type=mime,
                    size=len(content),
                    sm3=sm3_hex(content),
                    uploaded_by=actor,
                )
            task.result = result
            task.summary = summary
            task.rectify_deadline = rectify if result == TaskResult.RECTIFY else None
            task.inspected_on = inspected_on
            task.status = TaskStatus.DONE
            task.completed_at = timezone.now()
            task.executed_by = actor
            task.save()
            refresh_plan(task.plan)
            withdrawn = withdraw_later(actor, task)
            notify.complete_todos(todo_key(task))
            audit.record(
                actor,
                AuditAction.UPDATE,
                task,
                changes={
                    "状态": [TaskStatus.PENDING.label, TaskStatus.DONE.label],
                    "检查结果": [None, task.get_result_display()],
                },
                detail={
                    "operation": "inspections.execute",
                    "photos": len(checked_photos),
                    "case": task.case_id,
                    "duty_tasks_withdrawn": withdrawn,
                },
            )
            outbox.enqueue(
                "city_platform",
                "random_inspection.result",
                "create",
                task.code,
                {
                    "plan": task.plan.code,
                    "task": task.code,
                    "credit_code": obj.credit_code,
                    "result": task.result,
                    "inspected_on": inspected_on.isoformat(),
                    "findings": {r.check_item.code: r.result for r in rows},
                },
            )
    except Exception:
        for name in saved:
            storage.delete(name)
        raise
    return task


def _content(data: bytes) -> ContentFile[bytes]:
    from django.core.files.base import ContentFile

    return ContentFile(data)


def _pre_register(actor: Any, task: InspectionTask, summary: str) -> Any:
    """立案: a case pre-registration with the object as the organisation party (cases app service)."""
    from teis.cases.services.intake import do_pre_register

    obj = task.inspection_object
    case = do_pre_register(
        actor,
        {
            "title": f"双随机检查发现问题：{obj.name}"[:200],
            "source": "on_site",
            "place": obj.address,
            "facts": f"{task.plan.name}（任务 {task.code}）检查发现：{summary}",
            "parties": [
                {"kind": "organisation", "name": obj.name, "credit_code": obj.credit_code, "address": obj.address}
            ],
        },
    )
    return case


def overdue_filter(today: dt.date | None = None) -> Q:
    return Q(status=TaskStatus.PENDING, deadline__lt=today or timezone.localdate())
