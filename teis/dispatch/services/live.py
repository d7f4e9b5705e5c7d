"""The live map's data: vehicles with their latest fix and state, open alarms, unit jurisdictions and static
points, in the user's scope. `live_delta(user, since)` answers the page's poll (`?since=<cursor>`) with what
changed after the cursor: two indexed queries on the latest-fix cache and the alarms, whatever the fleet size."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from teis.core.models import Sequence

from .. import conf
from ..choices import LiveState, VehicleStatus
from ..models import Alarm, Checkpoint, LatestFix, PatrolVehicle
from .positions import LIVE_SEQUENCE

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.org.models import Unit


def current_cursor() -> int:
    return Sequence.objects.filter(name=LIVE_SEQUENCE).values_list("value", flat=True).first() or 0


def vehicle_state(latest: LatestFix | None, alarmed: bool, now: dt.datetime) -> str:
    if alarmed:
        return LiveState.ALARM
    if latest is None or now - latest.time > dt.timedelta(minutes=conf.get("TEIS_DISPATCH_OFFLINE_MIN")):
        return LiveState.OFFLINE
    if latest.speed_kmh >= conf.get("TEIS_DISPATCH_MOVING_KMH"):
        return LiveState.MOVING
    return LiveState.STOPPED


def scoped_vehicles(user: User, *, unit: Unit | None = None, line: int | None = None) -> QuerySet[PatrolVehicle]:
    qs = PatrolVehicle.objects.for_user(user).exclude(status=VehicleStatus.RETIRED)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if line:
        qs = qs.filter(business_line_id=line)
    return qs


def _alarm_json(a: Alarm) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "vehicle_id": a.vehicle_id,
        "plate": a.vehicle.plate if a.vehicle is not None else "",
        "officer": str(
            a.officer.officer.name if a.officer is not None and hasattr(a.officer, "officer") else a.officer or ""
        ),
        "unit": a.unit.name,
        "message": a.message,
        "started_at": timezone.localtime(a.started_at).isoformat(),
        "ended_at": timezone.localtime(a.ended_at).isoformat() if a.ended_at else None,
        "acknowledged": a.acknowledged_at is not None,
        "lon": a.lon,
        "lat": a.lat,
        "case_id": a.case_id,
    }


def live_delta(user: User, since: int = 0, *, unit: Unit | None = None, line: int | None = None) -> dict[str, Any]:
    """What changed after `since` (everything when 0): vehicles [{id, plate, kind, unit, line, state, lon, lat,
    speed, heading, time, online}], alarms (open ones, plus those ended or acknowledged since), the new cursor."""
    now = timezone.now()
    cursor = current_cursor()
    vehicles = scoped_vehicles(user, unit=unit, line=line)
    alarms = Alarm.objects.for_user(user).select_related("vehicle", "unit", "officer", "officer__officer")
    if since:
        alarms = alarms.filter(seq__gt=since)
    else:
        # what is open now: still running, or ended but not yet handled (acknowledged), and the last two hours'
        alarms = alarms.filter(
            Q(ended_at__isnull=True) | Q(acknowledged_at__isnull=True) | Q(started_at__gte=now - dt.timedelta(hours=2))
        )
    alarm_list = list(alarms.order_by("-started_at")[:300])
    changed_ids = {a.vehicle_id for a in alarm_list if a.vehicle_id}
    if since:
        vehicles = vehicles.filter(Q(latest__seq__gt=since) | Q(pk__in=changed_ids))
    vehicle_list = list(vehicles.select_related("latest", "unit", "business_line"))
    alarmed = set(
        Alarm.objects.filter(
            vehicle_id__in=[v.pk for v in vehicle_list], ended_at__isnull=True, acknowledged_at__isnull=True
        ).values_list("vehicle_id", flat=True)
    )
    out = []
    for v in vehicle_list:
        try:
            lf = v.latest
        except LatestFix.DoesNotExist:
            lf = None
        out.append(
            {
                "id": v.pk,
                "plate": v.plate,
                "kind": v.kind,
                "kind_label": v.get_kind_display(),
                "unit": v.unit.name,
                "unit_id": v.unit_id,
                "line": v.business_line.label if v.business_line is not None else "",
                "state": vehicle_state(lf, v.pk in alarmed, now),
                "lon": lf.lon if lf else None,
                "lat": lf.lat if lf else None,
                "speed": lf.speed_kmh if lf else None,
                "heading": lf.heading if lf else None,
                "time": timezone.localtime(lf.time).isoformat() if lf else None,
                "online": v.terminal_online,
                "has_terminal": bool(v.terminal_phone),
            }
        )
    return {
        "cursor": cursor,
        "full": not since,
        "now": timezone.localtime(now).isoformat(),
        "offline_after_s": conf.get("TEIS_DISPATCH_OFFLINE_MIN") * 60,
        "vehicles": out,
        "alarms": [_alarm_json(a) for a in alarm_list],
    }


def static_layers(user: User) -> dict[str, Any]:
    """Unit jurisdictions (GeoJSON features coloured by unit) and the checkpoints / overload stations."""
    from teis.org.models import Unit

    units = Unit.objects.for_user(user).exclude(jurisdiction=None).only("id", "name", "jurisdiction")
    features = []
    for u in units:
        geom = u.jurisdiction.get("geometry", u.jurisdiction) if isinstance(u.jurisdiction, dict) else None
        if geom:
            features.append({"type": "Feature", "properties": {"name": u.name, "unit_id": u.pk}, "geometry": geom})
    points = [
        {
            "id": c.pk,
            "name": c.name,
            "kind": c.kind,
            "kind_label": c.get_kind_display(),
            "lon": c.lon,
            "lat": c.lat,
            "address": c.address,
        }
        for c in Checkpoint.objects.for_user(user)
    ]
    return {"jurisdictions": features, "checkpoints": points}
