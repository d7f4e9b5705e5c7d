"""统计报表 (/petitions/stats/: by 反映类别, 承办单位, 来源渠道 or month, with charts and Excel) and the 信访专题
dashboard (/petitions/dashboard/). Figures come from `services.stats`, within the user's scope."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.views import require, xlsx_response

from ..services import stats

VIEW = "petitions.view_petition"


@login_required
def statistics(request):
    require(request, VIEW)
    dimension = request.GET.get("dimension") or "category"
    date_from, date_to = request.GET.get("date_from", ""), request.GET.get("date_to", "")
    ctx = {
        "dimensions": stats.DIMENSIONS,
        "figures": stats.FIGURES,
        "dimension": dimension,
        "date_from": date_from,
        "date_to": date_to,
    }
    try:
        rows = stats.statistics(request.user, dimension, date_from, date_to)
    except ServiceError as err:
        ctx["error"] = err.message
        return render(request, "petitions/stats.html", ctx, status=400)
    if request.GET.get("export") == "1":
        audit.record(request.user, AuditAction.EXPORT, detail={"report": "petition_statistics", "dimension": dimension})
        name = f"信访统计_按{stats.DIMENSIONS[dimension]}_{timezone.localtime():%Y%m%d%H%M}.xlsx"
        return xlsx_response(stats.export_statistics(rows, dimension), name)
    body = rows[:-1]
    ctx["rows"] = rows
    ctx["chart"] = json.dumps(
        {
            "labels": [str(r["label"]) for r in body],
            "total": [r["total"] for r in body],
            "closed": [r["closed"] for r in body],
            "in_time_rate": [r["in_time_rate"] for r in body],
            "satisfaction_rate": [r["satisfaction_rate"] for r in body],
        },
        ensure_ascii=False,
    )
    return render(request, "petitions/stats.html", ctx)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def dashboard(request):
    """信访专题: totals, accepted, handled and closure rate by year and month, against the previous period."""
    require(request, VIEW)
    try:
        data = stats.dashboard(request.user, _int(request.GET.get("year")), _int(request.GET.get("month")))
    except ServiceError as err:
        return render(request, "petitions/dashboard.html", {"error": err.message}, status=400)
    chart = {
        "months": [f"{m}月" for m in range(1, 13)],
        "year": data["year"],
        "current_total": [r["total"] for r in data["series"]["current"]],
        "previous_total": [r["total"] for r in data["series"]["previous"]],
        "current_accepted": [r["accepted"] for r in data["series"]["current"]],
        "current_handled": [r["handled"] for r in data["series"]["current"]],
        "current_rate": [r["closure_rate"] for r in data["series"]["current"]],
        "previous_rate": [r["closure_rate"] for r in data["series"]["previous"]],
        "categories": [{"name": r["label"], "value": r["total"]} for r in data["by_category"]],
    }
    cards = [
        ("total", "信访总量", ""),
        ("accepted", "受理数", ""),
        ("handled", "处理数", ""),
        ("closure_rate", "办结率", "%"),
    ]
    ctx = {
        "data": data,
        "chart": json.dumps(chart, ensure_ascii=False),
        "cards": cards,
        "years": range(data["year"] - 4, data["year"] + 1),
        "months": range(1, 13),
    }
    return render(request, "petitions/dashboard.html", ctx)


urlpatterns = [
    path("stats/", statistics, name="stats"),
    path("dashboard/", dashboard, name="dashboard"),
]
