"""轨迹回放: the replay page and the track exports (Excel, GPX, KML, PDF)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.views import require

from ..api.tracks import track_period
from ..models import PatrolVehicle
from ..services import tracks

EXPORTS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", tracks.export_xlsx),
    "gpx": ("application/gpx+xml", tracks.export_gpx),
    "kml": ("application/vnd.google-earth.kml+xml", tracks.export_kml),
    "pdf": ("application/pdf", None),
}


@login_required
def track(request):
    require(request, "dispatch.view_fixrecord")
    vehicles = PatrolVehicle.objects.for_user(request.user).select_related("unit").order_by("plate")
    now = timezone.localtime()
    return render(
        request,
        "dispatch/track.html",
        {
            "vehicles": vehicles,
            "vehicle_id": request.GET.get("vehicle", ""),
            "start": request.GET.get("start", "") or (now - dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
            "end": request.GET.get("end", "") or now.strftime("%Y-%m-%dT%H:%M"),
        },
    )


@login_required
def track_vehicle(request, pk: int):
    return redirect(f"/dispatch/track/?vehicle={pk}")


@login_required
def track_export(request, pk: int, fmt: str):
    require(request, "dispatch.view_fixrecord")
    if fmt not in EXPORTS:
        raise Http404
    vehicle = get_object_or_404(PatrolVehicle.objects.for_user(request.user), pk=pk)
    try:
        start, end = track_period(request.GET)
    except ServiceError as err:
        messages.error(request, err.message)
        return redirect(f"/dispatch/track/?vehicle={pk}")
    t = tracks.load_track(vehicle, start, end)
    content_type, fn = EXPORTS[fmt]
    data = tracks.export_pdf(t, actor=request.user) if fmt == "pdf" else fn(t)
    audit.record(
        request.user,
        AuditAction.EXPORT,
        vehicle,
        detail={"format": fmt, "start": start.isoformat(), "end": end.isoformat(), "points": len(t)},
    )
    resp = HttpResponse(data, content_type=content_type)
    name = f"track-{vehicle.pk}-{timezone.localtime(start):%Y%m%d%H%M}.{fmt}"
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


urlpatterns = [
    path("track/", track, name="track"),
    path("track/vehicle/<int:pk>/", track_vehicle, name="track_vehicle"),
    path("track/<int:pk>/export.<str:fmt>", track_export, name="track_export"),
]
