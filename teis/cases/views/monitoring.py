"""执法全过程智能监控: the page of warnings (open by default) with filters; a manual check and resolve."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from teis.core.views import paginate, require

from ..choices import WarningKind
from ..models import MonitoringWarning
from ..services import monitoring as monitoring_services

PERMISSION = "cases.view_monitoringwarning"


@login_required
def warning_list(request):
    require(request, PERMISSION)
    from teis.org.models import Unit

    qs = MonitoringWarning.objects.for_user(request.user).select_related("case", "case__unit", "case__handler")
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(is_open=True)
    elif state == "resolved":
        qs = qs.filter(is_open=False)
    kind = request.GET.get("kind", "")
    if kind in WarningKind.values:
        qs = qs.filter(kind=kind)
    units = Unit.objects.for_user(request.user).filter(is_active=True)
    unit = units.filter(pk=request.GET.get("unit")).first() if request.GET.get("unit", "").isdigit() else None
    if unit is not None:
        qs = qs.filter(case__unit__path__startswith=unit.path)
    if request.GET.get("case", "").isdigit():
        qs = qs.filter(case_id=int(request.GET["case"]))
    page = paginate(request, qs.order_by("-created_at", "-pk"))
    params = request.GET.copy()
    params.pop("page", None)
    ctx = {
        "page": page,
        "kinds": WarningKind.choices,
        "kind": kind,
        "state": state,
        "units": units,
        "unit": unit,
        "params": params.urlencode(),
        "can_run": request.user.has_perm("cases.change_monitoringwarning"),
        "thresholds": monitoring_services.thresholds(),
    }
    return render(request, "cases/monitor_list.html", ctx)


@login_required
@require_POST
def warning_check(request):
    require(request, "cases.change_monitoringwarning")
    counts = monitoring_services.do_check_cases()
    messages.success(request, f"检查完成：新增预警 {counts['raised']} 条，解除 {counts['resolved']} 条。")
    return redirect("cases:monitor")


@login_required
@require_POST
def warning_resolve(request, pk: int):
    require(request, "cases.change_monitoringwarning")
    warning = get_object_or_404(MonitoringWarning.objects.for_user(request.user), pk=pk)
    monitoring_services.do_resolve_warning(request.user, warning, request.POST.get("note", ""))
    messages.success(request, "预警已标记为已处理。")
    return redirect("cases:monitor")


urlpatterns = [
    path("monitor/", warning_list, name="monitor"),
    path("monitor/check/", warning_check, name="monitor_check"),
    path("monitor/<int:pk>/resolve/", warning_resolve, name="monitor_resolve"),
]


def _menu() -> None:
    from teis.core.registry import MenuEntry, registry

    registry.add_menu(MenuEntry("执法监控预警", "cases:monitor", PERMISSION, "案件办理", "bi-exclamation-triangle", 40))


_menu()
