"""日常绩效 (/analytics/performance/?month=YYYY-MM&unit=): officers' monthly counts, score and ranking, each count a
link to its rows (the semantic layer's drill-down)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import path

from teis.core.services import ServiceError
from teis.core.views import require

from ..services import performance
from .common import STATS, unit_choices


def _unit(request):
    from teis.org.models import Unit

    raw = request.GET.get("unit")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 2**31 - 1:
        raise Http404
    unit = Unit.objects.for_user(request.user).filter(pk=int(raw)).first()
    if unit is None:
        raise Http404
    return unit


@login_required
def page(request):
    require(request, STATS)
    month = request.GET.get("month") or ""
    ctx = {"month": month, "units": unit_choices(request.user)}
    try:
        ctx |= performance.monthly(request.user, month or None, _unit(request))
    except ServiceError as err:
        ctx["error"] = err.message
        return render(request, "analytics/performance.html", ctx, status=400)
    ctx["month"] = ctx["start"].strftime("%Y-%m")
    return render(request, "analytics/performance.html", ctx)


urlpatterns = [path("performance/", page, name="performance")]
