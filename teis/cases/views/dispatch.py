"""信息派发 pages: the records in scope with bulk reassign / generate cases / dismiss, and the CSV import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path

from teis.core.services import ServiceError
from teis.core.views import paginate, require

from ..choices import RecordStatus
from ..models import ViolationRecord
from ..services import dispatch as dispatch_services


@login_required
def record_list(request):
    require(request, "cases.view_violationrecord")
    from teis.org.models import Unit

    user = request.user
    if request.method == "POST":
        ids = request.POST.getlist("ids")
        action = request.POST.get("action")
        try:
            if action == "reassign":
                require(request, "cases.change_violationrecord")
                unit = Unit.objects.for_user(user).filter(pk=request.POST.get("unit") or 0).first()
                officer_id = request.POST.get("officer") or ""
                officer = get_user_model().objects.filter(pk=officer_id).first() if officer_id.isdigit() else None
                if officer_id and officer is None:
                    raise ServiceError("officer_not_found", "所选执法人员不存在。")
                if unit is None:
                    raise ServiceError("unit_required", "请选择执法机构（须在您的数据权限范围内）。")
                n = dispatch_services.do_reassign(user, ids, unit=unit, officer=officer)
                messages.success(request, f"已派发 {n} 条记录。")
            elif action == "generate":
                require(request, "cases.change_violationrecord")
                cases = dispatch_services.do_generate_cases(user, ids)
                messages.success(request, f"已生成预登记案件 {len(cases)} 件。")
            elif action == "dismiss":
                require(request, "cases.change_violationrecord")
                n = dispatch_services.do_dismiss(user, ids, request.POST.get("reason", ""))
                messages.success(request, f"已将 {n} 条记录标记为不予处理。")
            else:
                messages.error(request, "未知的操作。")
        except ServiceError as err:
            messages.error(request, err.message)
        return redirect(request.get_full_path())
    qs = ViolationRecord.objects.for_user(user).select_related(
        "unit", "officer", "officer__officer", "violation_code", "case"
    )
    status = request.GET.get("status", "")
    if status in RecordStatus.values:
        qs = qs.filter(status=status)
    for param, lookup in (("station", "station__icontains"), ("plate", "plate__icontains")):
        if request.GET.get(param, "").strip():
            qs = qs.filter(**{lookup: request.GET[param].strip()})
    page = paginate(request, qs.order_by("-detected_at", "-pk"))
    params = request.GET.copy()
    params.pop("page", None)
    units = Unit.objects.for_user(user).filter(is_active=True)
    officers = get_user_model().objects.filter(officer__unit__in=units).select_related("officer", "officer__unit")
    ctx = {
        "page": page,
        "statuses": RecordStatus.choices,
        "status": status,
        "params": params.urlencode(),
        "units": units,
        "officers": officers.order_by("officer__unit__path", "officer__name"),
        "can_change": user.has_perm("cases.change_violationrecord"),
        "can_import": user.has_perm("cases.add_violationrecord"),
    }
    return render(request, "cases/dispatch_list.html", ctx)


@login_required
def record_import(request):
    require(request, "cases.add_violationrecord")
    ctx: dict = {"columns": dispatch_services.CSV_COLUMNS}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ServiceError("file_required", "请选择要导入的 CSV 文件。")
            if upload.size > 10 * 1024 * 1024:
                raise ServiceError("file_too_large", "文件过大（最大 10 MB）。")
            rows = dispatch_services.parse_csv(upload.read())
            result = dispatch_services.do_import_records(request.user, rows, source="csv")
        except ServiceError as err:
            errors = [(k.split(".", 1)[1], v[0]) for k, v in err.fields.items() if k.startswith("rows.")]
            return render(
                request, "cases/dispatch_import.html", {**ctx, "error": err.message, "errors": errors}, status=400
            )
        messages.success(
            request,
            f"已导入 {len(result.records)} 条，其中按站点自动派发 {result.assigned} 条，"
            f"待派发 {result.unassigned} 条。",
        )
        return redirect("cases:dispatch")
    return render(request, "cases/dispatch_import.html", ctx)


urlpatterns = [
    path("dispatch/", record_list, name="dispatch"),
    path("dispatch/import/", record_import, name="dispatch_import"),
]


def _menu() -> None:
    from teis.core.registry import MenuEntry, registry

    registry.add_menu(MenuEntry("信息派发", "cases:dispatch", "cases.view_violationrecord", "案件办理", "bi-send", 35))


_menu()
