"""勤务统计 (reports with charts and Excel) and 区域监管 (key-area coverage on a map)."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.views import require

from ..services import stats

REPORTS = {
    "mileage": "里程时间统计",
    "duty": "勤务报表 / 勤务汇总报表",
    "daily": "每日勤务快报 / 快报汇总",
    "inspection": "月度勤务督查",
}


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
def stats_page(request):
    require(request, "dispatch.view_dutytask")
    today = timezone.localdate()
    report = request.GET.get("report", "duty")
    if report not in REPORTS:
        report = "duty"
    start = _date(request.GET.get("start", ""), today.replace(day=1))
    end = _date(request.GET.get("end", ""), today)
    if end < start or (end - start).days > 366:
        messages.error(request, "统计时段无效（结束不得早于开始，且不超过一年）。")
        start, end = today.replace(day=1), today
    group = request.GET.get("group", "vehicle")
    if group not in ("vehicle", "unit", "day"):
        group = "vehicle"
    if report == "mileage":
        columns, rows = stats.mileage_report(request.user, start, end, group)
    elif report == "daily":
        columns, rows = stats.daily_brief(request.user, end)
    elif report == "inspection":
        columns, rows = stats.monthly_inspection(request.user, end.year, end.month)
    else:
        columns, rows = stats.duty_report(request.user, start, end)
    if request.GET.get("export") == "xlsx":
        audit.record(request.user, AuditAction.EXPORT, detail={"report": report, "start": str(start), "end": str(end)})
        resp = HttpResponse(
            stats.to_xlsx(REPORTS[report].split(" ")[0], columns, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f'attachment; filename="dispatch-{report}-{start}-{end}.xlsx"'
        return resp
    curves = stats.mileage_curves(request.user, [end.year - 1, end.year])
    chart_column = {"mileage": "里程(km)", "duty": "任务数", "daily": "任务数", "inspection": "车辆里程(km)"}[report]
    label_column = columns[0]
    chart = {
        "labels": [str(r[label_column]) for r in rows if r.get(label_column) != "合计"],
        "values": [r.get(chart_column, 0) for r in rows if r.get(label_column) != "合计"],
        "name": chart_column,
    }
    params = request.GET.copy()
    params["export"] = "xlsx"
    return render(
        request,
        "dispatch/stats.html",
        {
            "reports": REPORTS,
            "report": report,
            "start": start,
            "end": end,
            "group": group,
            "columns": columns,
            "rows": [[r.get(c) for c in columns] for r in rows],
            "chart_json": json.dumps(chart, ensure_ascii=False),
            "curves_json": json.dumps(curves, ensure_ascii=False),
            "export_query": params.urlencode(),
            "can_compute": request.user.has_perm("dispatch.change_patrolvehicle"),
        },
    )


@login_required
def compute_mileage(request):
    """Recompute the daily mileage of a period on demand (the nightly job does yesterday)."""
    require(request, "dispatch.change_patrolvehicle")
    if request.method == "POST":
        today = timezone.localdate()
        start = _date(request.POST.get("start", ""), today)
        end = min(_date(request.POST.get("end", ""), today), today)
        if end < start or (end - start).days > 31:
            messages.error(request, "一次最多重算 31 天。")
        else:
            n, day = 0, start
            while day <= end:
                n += stats.compute_daily_mileage(day)
                day += dt.timedelta(days=1)
            messages.success(request, f"已重算 {start} 至 {end} 的车辆日里程（{n} 条）。")
    return redirect(
        f"/dispatch/stats/?report=mileage&start={request.POST.get('start', '')}&end={request.POST.get('end', '')}"
    )


@login_required
def coverage(request):
    require(request, "dispatch.view_geofence")
    today = timezone.localdate()
    month = request.GET.get("month", "") or today.strftime("%Y-%m")
    try:
        year, mon = (int(x) for x in month.split("-"))
        dt.date(year, mon, 1)
    except ValueError:
        year, mon = today.year, today.month
    areas = stats.key_area_coverage(request.user, year, mon)
    return render(
        request,
        "dispatch/coverage.html",
        {"areas": areas, "month": f"{year:04d}-{mon:02d}", "areas_json": json.dumps(areas, ensure_ascii=False)},
    )


urlpatterns = [
    path("stats/", stats_page, name="stats"),
    path("stats/mileage/compute/", compute_mileage, name="compute_mileage"),
    path("coverage/", coverage, name="coverage"),
]
