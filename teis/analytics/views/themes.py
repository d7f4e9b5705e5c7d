"""The GIS board (/analytics/boards/gis/, its moving targets refreshed from …/gis/data/) and the key-industries
board (/analytics/boards/industries/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path

from teis.core.views import require

from ..services import themes
from .boards import BLUE, GREEN, line
from .common import STATS, as_json


@login_required
def gis(request):
    require(request, STATS)
    data = themes.gis_board(request.user)
    payload = {k: data[k] for k in ("features", "vehicles", "static", "areas")}
    return render(request, "analytics/board_gis.html", {"data": data, "payload": payload})


@login_required
def gis_data(request):
    require(request, STATS)
    data = themes.gis_board(request.user)
    return JsonResponse(
        {"vehicles": data["vehicles"], "states": data["states"], "at": data["at"]},
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
def industries(request):
    require(request, STATS)
    data = themes.industry_board(request.user)
    colours = [BLUE, GREEN, "#fd7e14"]
    options = {
        f"chart-{s['key']}": line(s["months"], [(n, d, colours[i % 3]) for i, (n, d) in enumerate(s["series"])])
        for s in data["sections"]
        if s["series"]
    }
    return render(request, "analytics/board_industries.html", {"data": data, "options": as_json(options)})


urlpatterns = [
    path("boards/gis/", gis, name="board_gis"),
    path("boards/gis/data/", gis_data, name="board_gis_data"),
    path("boards/industries/", industries, name="board_industries"),
]
