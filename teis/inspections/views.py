"""Pages of 双随机一公开 beyond the generic lists: the plan's draw board (its buttons run the declared actions
freeze, draw, publish; verification, publication export), task execution, my tasks, statistics with charts, and
the object import job. Thin: each parses, calls a service and renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from teis.core import actions
from teis.core.services import ServiceError
from teis.core.views import require, xlsx_response

from .choices import PlanStatus, TaskStatus
from .forms import ExecuteForm, ObjectImportForm
from .models import DrawRecord, ObjectImport, TaskPhoto, district_choices
from .services import indicators as indicator_services
from .services import plans as plan_services
from .services import pools
from .services import stats as stat_services
from .services import tasks as task_services


def _plan(request, pk):
    require(request, "inspections.view_inspectionplan")
    return plan_services.access_plan(request.user, pk)  # Http404 outside the scope


@login_required
def plan_board(request, pk):
    plan = _plan(request, pk)
    if request.method == "POST":
        return _run_action(request, plan)
    record = DrawRecord.objects.filter(plan=plan).first()
    tasks = (
        plan.tasks.select_related("inspection_object", "unit").prefetch_related("inspectors__officer").order_by("code")
    )
    ctx = {
        "plan": plan,
        "record": record,
        "preview": plan_services.preview(plan) if plan.status == PlanStatus.DRAFT else None,
        "tasks": tasks[:500],
        "task_count": tasks.count(),
        "districts": dict(district_choices()),
        "can_draw": request.user.has_perm("inspections.draw_inspectionplan"),
        "declared": {a.name: a for a in actions.for_model("inspections.inspectionplan")},  # confirmation texts
        "verify": plan_services.verify_draw(plan) if record and record.seed_hex and request.GET.get("verify") else None,
        "indicators": plan.indicators.select_related("unit"),
        "can_edit_indicators": request.user.has_perm("inspections.add_inspectionindicator"),
    }
    return render(request, "inspections/plan_board.html", ctx)


def _run_action(request, plan):
    """冻结 / 抽取 / 公示 from the board's buttons: the declared action (`tables.py`, `_action` = its name) through
    `Action.perform`, the same checks as the API action and the generic detail page."""
    act = actions.get("inspections.inspectionplan", request.POST.get("_action", ""))
    if act is None:
        raise Http404
    require(request, act.permission)
    try:
        result = act.perform(request.user, plan, request.POST)
    except ServiceError as err:
        messages.error(request, err.message)
    else:
        done = act.extra.get("done") or f"{act.label}：已完成。"
        if getattr(result, "duty_tasks_created", 0):
            done += f"已纳入相关单位勤务计划 {result.duty_tasks_created} 项勤务任务。"
        messages.success(request, done)
    return redirect("inspections:plan_board", pk=plan.pk)


@login_required
def plan_publication(request, pk):
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    plan = _plan(request, pk)
    if plan.status not in (PlanStatus.DRAWN, PlanStatus.PUBLISHED):
        raise Http404
    content = plan_services.publication_xlsx(plan)
    audit.record(request.user, AuditAction.EXPORT, plan, detail={"operation": "inspections.publication"})
    return xlsx_response(content, f"双随机抽查结果公示_{plan.code}.xlsx")


# --- tasks --------------------------------------------------------------------------------------------------


@login_required
def my_tasks(request):
    require(request, "inspections.view_inspectiontask")
    status = request.GET.get("status", TaskStatus.PENDING)
    status = status if status in TaskStatus.values or status == "" else TaskStatus.PENDING
    tasks = task_services.my_tasks(request.user, status=status or None).prefetch_related("inspectors__officer")
    return render(
        request,
        "inspections/my_tasks.html",
        {"tasks": tasks[:200], "status": status, "statuses": TaskStatus.choices, "today": timezone.localdate()},
    )


@login_required
def task_execute(request, pk):
    require(request, "inspections.view_inspectiontask")
    task = task_services.access_task(request.user, pk)  # Http404 outside the scope
    findings = list(task.findings.select_related("check_item"))
    is_inspector = task.inspectors.filter(officer__user=request.user).exists()
    can_execute = (
        is_inspector
        and task.status == TaskStatus.PENDING
        and request.user.has_perm("inspections.change_inspectiontask")
    )
    status = 200
    form = ExecuteForm(initial={"inspected_on": timezone.localdate()}, findings=findings)
    if request.method == "POST":
        if not can_execute:
            require(request, "inspections.change_inspectiontask")
            messages.error(request, "该任务已完成或您不是该任务的检查人员。")
            return redirect("inspections:task_execute", pk=pk)
        form = ExecuteForm(request.POST, request.FILES, findings=findings)
        if form.is_valid():
            try:
                task_services.do_execute(request.user, task, form.service_data(), form.cleaned_data["photos"])
            except ServiceError as err:
                form.add_error(None, err.message)
            else:
                messages.success(request, f"检查任务 {task.code} 已完成。")
                return redirect("inspections:task_execute", pk=pk)
        status = 400
    ctx = {
        "task": task,
        "form": form,
        "findings": findings,
        "photos": task.photos.all(),
        "inspectors": task.inspectors.select_related("officer", "officer__unit"),
        "can_execute": can_execute,
        "indicators": indicator_services.indicators_for_task(task),
    }
    return render(request, "inspections/task_execute.html", ctx, status=status)


@login_required
def task_photo(request, pk, photo_pk):
    from teis.core.storage import get_storage

    require(request, "inspections.view_inspectiontask")
    task = task_services.access_task(request.user, pk)  # Http404 outside the scope
    photo = get_object_or_404(TaskPhoto, pk=photo_pk, task=task)
    from teis.core.files import file_response

    handle = get_storage().open(photo.file_name, "rb")
    return file_response(handle, content_type=photo.content_type, filename=f"photo-{photo.pk}")


# --- statistics --------------------------------------------------------------------------------------------


def _stat_filters(request) -> dict:
    out = {}
    for name in ("year", "plan"):
        value = request.GET.get(name, "")
        if value.isdigit() and len(value) < 10:
            out[name] = int(value)
    return out


@login_required
def statistics(request):
    require(request, "inspections.view_inspectiontask")
    filters = _stat_filters(request)
    data = stat_services.statistics(request.user, **filters)
    return render(
        request,
        "inspections/statistics.html",
        {
            "data": data,
            "filters": filters,
            "columns": stat_services.COLUMNS,
            "sections": stat_services.SECTIONS,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def statistics_export(request):
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    require(request, "inspections.view_inspectiontask")
    filters = _stat_filters(request)
    content = stat_services.statistics_xlsx(stat_services.statistics(request.user, **filters))
    audit.record(request.user, AuditAction.EXPORT, detail={"model": "inspections.statistics", **filters})
    return xlsx_response(content, f"双随机检查统计_{timezone.localtime():%Y%m%d%H%M}.xlsx")


# --- object import -------------------------------------------------------------------------------------------


@login_required
def object_import(request):
    from teis.core.storage import get_storage

    from .tasks import run_object_import

    require(request, "inspections.add_inspectionobject")
    form = ObjectImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        f = form.cleaned_data["file"]
        name = get_storage().save(f"inspections/imports/{request.user.pk}/{f.name}", ContentFile(f.read()))
        job = ObjectImport.objects.create(user=request.user, file_name=name, original_name=f.name[:200])
        run_object_import(job.pk)
        return redirect("inspections:object_import_job", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/object_import.html", {"form": form}, status=status)


@login_required
def object_import_template(request):
    require(request, "inspections.add_inspectionobject")
    return xlsx_response(pools.template_xlsx(), "检查对象导入模板.xlsx")


@login_required
def object_import_job(request, pk):
    require(request, "inspections.add_inspectionobject")
    job = get_object_or_404(ObjectImport, pk=pk, user=request.user)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {"status": job.status, "percent": job.percent, "done": job.done, "total": job.total, "errors": job.errors}
        )
    return render(
        request,
        "inspections/object_import_job.html",
        {"job": job, "list_url": reverse("inspections:inspectionobject_list")},
    )
