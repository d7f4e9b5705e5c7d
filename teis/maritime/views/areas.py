"""重点区域 map page (draw / show / hide / priority / delete), vessels inside an area, section flow statistics,
危险品船舶."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from teis.core.services import ServiceError
from teis.core.views import require

from ..choices import AreaKind, EventKind
from ..models import DangerousGoodsRecord, SectionLine, Vessel, VesselEvent, WaterArea
from ..services import stats
from ..services.shapes import shape_service


@login_required
def area_map(request):
    """All areas on a map; draw a new one with clicks; toggle, reprioritise, delete."""
    require(request, "maritime.view_waterarea")
    from teis.org.models import Unit

    if request.method == "POST":
        require(request, "maritime.add_waterarea")
        unit = Unit.objects.for_user(request.user).filter(pk=request.POST.get("unit") or 0).first()
        try:
            if unit is None:
                raise ServiceError("invalid", "请选择管辖单位", {"unit": ["必填"]})
            geometry = request.POST.get("geometry", "")
            try:
                geometry = json.loads(geometry)
            except ValueError:
                pass
            shape_service.do_create(
                request.user,
                WaterArea,
                {
                    "name": (request.POST.get("name") or "").strip() or "未命名区域",
                    "kind": request.POST.get("kind")
                    if request.POST.get("kind") in AreaKind.values
                    else AreaKind.KEY_AREA,
                    "unit": unit,
                    "geometry": geometry,
                    "priority": int(request.POST.get("priority") or 3),
                },
            )
        except (ServiceError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "优先级必须是数字"))
        else:
            messages.success(request, "区域已保存")
        return redirect("maritime:area_map")
    areas = WaterArea.objects.for_user(request.user).select_related("unit")
    data = [
        {
            "id": a.pk,
            "name": a.name,
            "kind": a.kind,
            "visible": a.visible,
            "geometry": a.geometry,
            "priority": a.priority,
        }
        for a in areas
    ]
    return render(
        request,
        "maritime/area_map.html",
        {
            "areas": areas,
            "areas_data": data,
            "kinds": AreaKind.choices,
            "units": Unit.objects.for_user(request.user).filter(is_active=True),
            "can_add": request.user.has_perm("maritime.add_waterarea"),
            "can_change": request.user.has_perm("maritime.change_waterarea"),
        },
    )


@login_required
@require_POST
def area_update(request, pk: int):
    """显示/隐藏, 优先级 from the map page (the generic service, audited)."""
    require(request, "maritime.change_waterarea")
    area = get_object_or_404(WaterArea.objects.for_user(request.user), pk=pk)
    data = {}
    if "visible" in request.POST:
        data["visible"] = request.POST["visible"] in ("1", "true", "on")
    if "priority" in request.POST:
        try:
            data["priority"] = max(1, min(9, int(request.POST["priority"])))
        except ValueError:
            messages.error(request, "优先级必须是 1–9 的数字")
            return redirect("maritime:area_map")
    if data:
        shape_service.do_update(request.user, area, data)
    return redirect("maritime:area_map")


@login_required
def area_vessels(request, pk: int):
    """Vessels inside the area now: latest time, name, position, speed, course, destination, ETA, events."""
    require(request, "maritime.view_waterarea")
    area = get_object_or_404(WaterArea.objects.for_user(request.user), pk=pk)
    presences = area.presences.select_related("vessel").order_by("-entered_at")
    vessel_ids = [p.vessel_id for p in presences]
    events = {}
    for e in VesselEvent.objects.filter(vessel_id__in=vessel_ids, area=area).order_by("-time")[:500]:
        events.setdefault(e.vessel_id, []).append(e)
    rows = [(p, events.get(p.vessel_id, [])[:3]) for p in presences]
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "area": area.name,
                "vessels": [_presence_row(p, ev) for p, ev in rows],
            }
        )  # fmt: skip
    return render(request, "maritime/area_vessels.html", {"area": area, "rows": rows})


def _presence_row(p, events) -> dict:
    v = p.vessel
    return {
        "mmsi": v.mmsi,
        "name": v.name,
        "time": v.last_time.isoformat() if v.last_time else None,
        "lon": v.last_lon,
        "lat": v.last_lat,
        "sog": v.last_sog,
        "cog": v.last_cog,
        "destination": v.destination,
        "eta": v.eta.isoformat() if v.eta else None,
        "entered_at": p.entered_at.isoformat(),
        "events": [f"{e.get_kind_display()} {e.detail}" for e in events],
    }


def _period(request, default_days=7):
    end_day = request.GET.get("end") or timezone.localdate().isoformat()
    start_day = request.GET.get("start") or (timezone.localdate() - dt.timedelta(days=default_days - 1)).isoformat()
    try:
        start = dt.date.fromisoformat(start_day)
        end = dt.date.fromisoformat(end_day)
    except ValueError:
        raise ServiceError("invalid", "日期格式错误，应为 YYYY-MM-DD", {"start": ["日期格式错误"]}) from None
    if end < start:
        raise ServiceError("invalid", "结束日期不能早于开始日期", {"end": ["时段无效"]})
    tz = timezone.get_current_timezone()
    return (
        start,
        end,
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


@login_required
def section_stats(request, pk: int):
    require(request, "maritime.view_sectionline")
    section = get_object_or_404(SectionLine.objects.for_user(request.user), pk=pk)
    try:
        start, end, start_dt, end_dt = _period(request)
    except ServiceError as exc:
        if request.GET.get("format") in ("json", "xlsx"):
            return JsonResponse({"code": exc.code, "message": exc.message, "fields": exc.fields}, status=400)
        messages.error(request, exc.message)
        start, end, start_dt, end_dt = _period(type("R", (), {"GET": {}})())
    fmt = request.GET.get("format")
    if fmt == "xlsx":
        require(request, "maritime.view_sectionline")
        from teis.audit import services as audit
        from teis.audit.choices import AuditAction

        audit.record(
            request.user,
            AuditAction.EXPORT,
            section,
            detail={"what": "断面流量统计", "start": str(start), "end": str(end)},
        )
        resp = HttpResponse(
            stats.section_flow_xlsx(section, start_dt, end_dt),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f"attachment; filename=section-{section.pk}-{start}-{end}.xlsx"
        return resp
    flow = stats.section_flow(section, start_dt, end_dt)
    if fmt == "json":
        return JsonResponse(flow)
    return render(
        request, "maritime/section_stats.html", {"section": section, "flow": flow, "start": start, "end": end}
    )


@login_required
def dangerous_goods(request):
    """危险品船舶: list with latest state, continuous records and statistics."""
    require(request, "maritime.view_vessel")
    vessels = Vessel.objects.for_user(request.user).filter(dangerous_goods=True).order_by("-last_time")
    since = timezone.now() - dt.timedelta(days=1)
    records = DangerousGoodsRecord.objects.filter(vessel__in=vessels).select_related("vessel")
    vessel_id = request.GET.get("vessel", "")
    if vessel_id.isdigit():
        records = records.filter(vessel_id=int(vessel_id))
    ctx = {
        "vessels": vessels,
        "records": records.order_by("-time")[:200],
        "active_24h": vessels.filter(last_time__gte=since).count(),
        "records_24h": DangerousGoodsRecord.objects.filter(vessel__in=vessels, time__gte=since).count(),
        "zone_entries": VesselEvent.objects.filter(
            vessel__in=vessels, kind=EventKind.AREA_ENTRY, area__kind=AreaKind.WATER_SOURCE_ZONE
        ).count(),
        "vessel_id": vessel_id,
    }
    return render(request, "maritime/dangerous_goods.html", ctx)


urlpatterns = [
    path("areas/map/", area_map, name="area_map"),
    path("areas/<int:pk>/set/", area_update, name="area_update"),
    path("areas/<int:pk>/vessels/", area_vessels, name="area_vessels"),
    path("sections/<int:pk>/stats/", section_stats, name="section_stats"),
    path("dangerous-goods/", dangerous_goods, name="dangerous_goods"),
]
