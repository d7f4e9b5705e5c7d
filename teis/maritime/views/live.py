"""船舶实时监控: the live map page, its delta endpoint (polled every second), search, vessel card and tracks."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from teis.core.views import require

from ..choices import AlertStatus, ShipCategory
from ..filters import vessel_search_q
from ..models import Alert, Vessel, VesselEvent, VesselPosition, WaterArea
from ..services import live as live_services
from ..services.risk import vessel_record

VIEW = "maritime.view_vessel"
MAX_TRACK_POINTS = 20_000
OPEN_ALERTS_ON_LOAD = 100  # the live panel's first load: the newest open alerts (the list page has them all)


def _int(value, default=0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def live_page(request):
    require(request, VIEW)
    areas = [
        {"id": a.pk, "name": a.name, "kind": a.kind, "kind_label": a.get_kind_display(), "geometry": a.geometry}
        for a in WaterArea.objects.for_user(request.user).filter(is_active=True, visible=True)
    ]
    from ..models import SectionLine

    sections = [
        {"id": s.pk, "name": s.name, "coordinates": s.coordinates}
        for s in SectionLine.objects.for_user(request.user).filter(is_active=True)
    ]
    return render(
        request,
        "maritime/live.html",
        {"areas": areas, "sections": sections, "categories": ShipCategory.choices},
    )


@login_required
def live_delta(request):
    """Vessels changed after `since` (a live sequence number) and alerts after `alert` (an id)."""
    require(request, VIEW)
    since = _int(request.GET.get("since"))
    since_alert = _int(request.GET.get("alert"), -1)
    first = since_alert < 0
    if first:  # first call: the alerts open now, then whatever comes after the newest alert
        since_alert = Alert.objects.for_user(request.user).order_by("-pk").values_list("pk", flat=True).first() or 0
    data = live_services.delta(request.user, since, since_alert)
    if first:
        waiting = Alert.objects.for_user(request.user).exclude(status=AlertStatus.CLOSED).filter(pk__lte=since_alert)
        rows = list(waiting.select_related("vessel").order_by("-pk")[:OPEN_ALERTS_ON_LOAD])
        # oldest first: the page prepends each alert, so the newest ends on top
        data["alerts"] = [live_services.alert_payload(a) for a in reversed(rows)] + data["alerts"]
        data["open_alerts"] = waiting.count()
    if since == 0:  # first call: only vessels heard in the last 6 hours
        cutoff = timezone.now() - dt.timedelta(hours=6)
        data["vessels"] = [v for v in data["vessels"] if v["time"] and parse_datetime(v["time"]) >= cutoff]
    return JsonResponse(data)


@login_required
def live_beacons(request):
    """The aids to navigation and base stations of the map's 航标 / 基站 layers (the page reloads them every minute)."""
    require(request, VIEW)
    return JsonResponse(live_services.beacons(request.user))


@login_required
def vessel_search(request):
    require(request, VIEW)
    text = (request.GET.get("q") or "").strip()
    if not text:
        return JsonResponse({"results": []})
    rows = Vessel.objects.for_user(request.user).filter(vessel_search_q(text)).order_by("name")[:20]
    return JsonResponse(
        {
            "results": [
                {
                    "id": v.pk,
                    "mmsi": v.mmsi,
                    "name": v.name,
                    "call_sign": v.call_sign,
                    "lon": v.last_lon,
                    "lat": v.last_lat,
                }
                for v in rows
            ]
        }
    )


@login_required
def vessel_card(request, pk: int):
    """Any vessel's detail card (from the map or the list): static, registry, certificates, events, record."""
    require(request, VIEW)
    vessel = get_object_or_404(Vessel.objects.for_user(request.user), pk=pk)
    ctx = {
        "vessel": vessel,
        "certificates": vessel.certificates.all(),
        "events": VesselEvent.objects.filter(vessel=vessel).select_related("area")[:20],
        "alerts": Alert.objects.for_user(request.user).filter(vessel=vessel)[:20],
        "open_alerts": Alert.objects.filter(vessel=vessel).exclude(status=AlertStatus.CLOSED).count(),
        "record": vessel_record(vessel.pk),
        "areas": vessel.presences.select_related("area"),
    }
    template = "maritime/_vessel_card.html" if request.headers.get("HX-Request") else "maritime/vessel_card.html"
    return render(request, template, ctx)


@login_required
def track_page(request, pk: int):
    require(request, VIEW)
    vessel = get_object_or_404(Vessel.objects.for_user(request.user), pk=pk)
    end = timezone.localtime(vessel.last_time or timezone.now())
    start = end - dt.timedelta(hours=2)
    return render(
        request,
        "maritime/track.html",
        {
            "vessel": vessel,
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": (end + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )


def parse_period(request) -> tuple[dt.datetime, dt.datetime] | JsonResponse:
    start = parse_datetime(request.GET.get("start") or "")
    end = parse_datetime(request.GET.get("end") or "")
    if start is None or end is None:
        return JsonResponse({"code": "invalid", "message": "请填写查询时段", "fields": {"start": ["必填"]}}, status=400)
    start = timezone.make_aware(start) if timezone.is_naive(start) else start
    end = timezone.make_aware(end) if timezone.is_naive(end) else end
    if end <= start:
        return JsonResponse(
            {"code": "invalid", "message": "结束时间须晚于开始时间", "fields": {"end": ["时段无效"]}}, status=400
        )
    return start, end


@login_required
def track_data(request, pk: int):
    """Fixes of one vessel in [start, end] (ISO), thinned to at most 20,000 points, with its events."""
    require(request, VIEW)
    vessel = get_object_or_404(Vessel.objects.for_user(request.user), pk=pk)
    period = parse_period(request)
    if isinstance(period, JsonResponse):
        return period
    start, end = period
    qs = VesselPosition.objects.filter(vessel=vessel, time__gte=start, time__lte=end).order_by("time")
    total = qs.count()
    step = max(1, -(-total // MAX_TRACK_POINTS))
    rows = list(qs.values_list("time", "lon", "lat", "sog", "cog"))[::step]
    events = VesselEvent.objects.filter(vessel=vessel, time__gte=start, time__lte=end).order_by("time")
    return JsonResponse(
        {
            "vessel": {"id": vessel.pk, "name": vessel.name, "mmsi": vessel.mmsi},
            "total": total,
            "points": [[t.isoformat(), lon, lat, sog, cog] for t, lon, lat, sog, cog in rows],
            "events": [
                {
                    "time": e.time.isoformat(),
                    "kind": e.get_kind_display(),
                    "detail": e.detail,
                    "lon": e.lon,
                    "lat": e.lat,
                }
                for e in events[:500]
            ],
        }
    )


urlpatterns = [
    path("live/", live_page, name="live"),
    path("live/delta/", live_delta, name="live_delta"),
    path("live/beacons/", live_beacons, name="live_beacons"),
    path("live/search/", vessel_search, name="vessel_search"),
    path("vessels/<int:pk>/card/", vessel_card, name="vessel_card"),
    path("vessels/<int:pk>/track/", track_page, name="track"),
    path("vessels/<int:pk>/track/data/", track_data, name="track_data"),
]
