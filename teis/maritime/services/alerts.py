"""Smart alerts (智能预警): the time-driven checks and the disposal flow (assign → handle → close with a result).

`check_vessel_states(now)` is the periodic job's body: AIS dark inside monitored waters, stopped / drifting /
underway, berth and anchorage arrival, expired certificates, registry look-ups for vessels without static data.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.services import ServiceError

from ..choices import AlertKind, AlertResult, AlertStatus, AreaKind, EventKind, MotionState
from ..models import Alert, AreaPresence, MaritimeSettings, TrackingTask, Vessel, VesselEvent
from .risk import flag_records

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ACTIVE_WINDOW = dt.timedelta(hours=6)  # vessels silent longer than this are no longer "live"
ANCHORED_NAV_STATUS = (1, 5)  # at anchor, moored


# --- tracked vessels -----------------------------------------------------------------------------------------


def tracked_event_alerts(events: list[VesselEvent], now: dt.datetime) -> list[Alert]:
    """Alerts for the events that an active tracking task of the vessel asks to alert on (not yet saved)."""
    vessel_ids = {e.vessel_id for e in events}
    tasks = list(
        TrackingTask.objects.filter(is_active=True, vessels__in=vessel_ids)
        .values_list("pk", "name", "unit_id", "alert_events", "vessels")
        .distinct()
    )
    if not tasks:
        return []
    alerts = []
    for e in events:
        for _pk, name, unit_id, kinds, vessel_id in tasks:
            if vessel_id == e.vessel_id and e.kind in (kinds or []):
                alerts.append(
                    Alert(
                        kind=AlertKind.TRACKED_EVENT,
                        vessel_id=e.vessel_id,
                        unit_id=unit_id,
                        time=e.time,
                        message=f"追踪“{name}”：{EventKind(e.kind).label} {e.detail}"[:300],
                        lon=e.lon,
                        lat=e.lat,
                        area_id=e.area_id,
                        created_at=now,
                    )
                )
    return alerts


# --- periodic checks -----------------------------------------------------------------------------------------


@dataclass
class CheckResult:
    dark: int = 0
    state_changes: int = 0
    arrivals: int = 0
    certificates: int = 0
    registry_lookups: int = 0


def expected_interval_s(cfg: MaritimeSettings, ais_class: str, nav_status: int | None, sog: float | None) -> float:
    """The class reporting interval (ITU-R M.1371 table 1, simplified): class B 30 s; class A 10 s underway and
    3 min at anchor or moored."""
    if ais_class == "B":
        return cfg.class_b_interval_s
    if nav_status in ANCHORED_NAV_STATUS or (sog is not None and sog < cfg.stopped_sog_kn):
        return cfg.class_a_stopped_interval_s
    return cfg.class_a_interval_s


def motion_state(
    cfg: MaritimeSettings, sog: float | None, cog: float | None, heading: float | None, nav_status: int | None
) -> MotionState:
    if sog is None:
        return MotionState.UNKNOWN
    if sog < cfg.stopped_sog_kn or nav_status in ANCHORED_NAV_STATUS and sog < cfg.drifting_sog_kn:
        return MotionState.STOPPED
    if sog < cfg.drifting_sog_kn:
        if heading is None or cog is None:
            return MotionState.DRIFTING
        off = abs((cog - heading + 180) % 360 - 180)
        if off > cfg.drifting_angle_deg or nav_status == 2:
            return MotionState.DRIFTING
    return MotionState.UNDERWAY


def check_vessel_states(now: dt.datetime | None = None) -> CheckResult:
    """The time-driven checks. One transaction; idempotent (an open alert is not raised twice)."""
    now = now or timezone.now()
    cfg = MaritimeSettings.current()
    out = CheckResult()
    with transaction.atomic():
        live = list(
            Vessel.objects.filter(last_time__gte=now - ACTIVE_WINDOW).values_list(
                "pk",
                "name",
                "mmsi",
                "ais_class",
                "last_time",
                "last_lon",
                "last_lat",
                "last_sog",
                "last_cog",
                "last_heading",
                "last_nav_status",
                "motion_state",
                "repeat_offender",
            )  # fmt: skip
        )
        monitored: dict[int, tuple[int, int, str]] = {}
        for vessel_id, area_id, unit_id, area_name in AreaPresence.objects.filter(
            area__monitored=True, area__is_active=True, vessel_id__in=[v[0] for v in live]
        ).values_list("vessel_id", "area_id", "area__unit_id", "area__name"):
            monitored.setdefault(vessel_id, (area_id, unit_id, area_name))
        open_dark = set(
            Alert.objects.filter(kind=AlertKind.AIS_DARK, status__in=_OPEN).values_list("vessel_id", flat=True)
        )
        events: list[VesselEvent] = []
        alerts: list[Alert] = []
        for pk, name, mmsi, ais_class, last_time, lon, lat, sog, cog, heading, nav, state, repeat in live:
            assert last_time is not None  # filtered on it
            label = f"{name or '未知船名'}（MMSI {mmsi}）"
            limit = expected_interval_s(cfg, ais_class, nav, sog) * cfg.dark_factor
            silent = (now - last_time).total_seconds()
            if silent > limit and pk in monitored and pk not in open_dark:
                area_id, unit_id, area_name = monitored[pk]
                alerts.append(
                    Alert(
                        kind=AlertKind.AIS_DARK,
                        vessel_id=pk,
                        unit_id=unit_id,
                        area_id=area_id,
                        time=now,
                        lon=lon,
                        lat=lat,
                        repeat_offender=repeat,
                        message=f"{label} 在“{area_name}”内已 {_duration(silent)} 未发送AIS（阈值 {_duration(limit)}）",
                    )
                )
                out.dark += 1
            new_state = motion_state(cfg, sog, cog, heading, nav)
            if new_state != state:
                Vessel.objects.filter(pk=pk).update(motion_state=new_state)
                kind = {
                    MotionState.STOPPED: EventKind.STOPPED,
                    MotionState.DRIFTING: EventKind.DRIFTING,
                    MotionState.UNDERWAY: EventKind.UNDERWAY,
                }.get(new_state)
                if kind and state != MotionState.UNKNOWN:
                    events.append(VesselEvent(vessel_id=pk, kind=kind, time=last_time, lon=lon, lat=lat, detail=label))
                out.state_changes += 1
        out.arrivals = _arrivals(cfg, now, events)
        if events:
            alerts.extend(tracked_event_alerts(events, now))
            VesselEvent.objects.bulk_create(events)
        if alerts:
            flag_records(alerts)
            Alert.objects.bulk_create(alerts)
        out.certificates = _certificate_alerts(now)
    out.registry_lookups = _registry_lookups(now)
    return out


_OPEN = (AlertStatus.OPEN, AlertStatus.ASSIGNED, AlertStatus.HANDLING)


def _arrivals(cfg: MaritimeSettings, now: dt.datetime, events: list[VesselEvent]) -> int:
    """A vessel stopped inside a berth or anchorage it has not yet arrived at: arrival event."""
    rows = list(
        AreaPresence.objects.filter(
            arrived_at__isnull=True,
            area__kind__in=(AreaKind.BERTH, AreaKind.ANCHORAGE),
            vessel__motion_state=MotionState.STOPPED,
        ).values_list("pk", "vessel_id", "area_id", "area__name", "vessel__last_lon", "vessel__last_lat")
    )
    for _pk, vessel_id, area_id, area_name, lon, lat in rows:
        events.append(
            VesselEvent(
                vessel_id=vessel_id,
                kind=EventKind.BERTH_ARRIVAL,
                time=now,
                area_id=area_id,
                lon=lon,
                lat=lat,
                detail=f"到达{area_name}",
            )  # fmt: skip
        )
    AreaPresence.objects.filter(pk__in=[r[0] for r in rows]).update(arrived_at=now)
    return len(rows)


def _certificate_alerts(now: dt.datetime) -> int:
    """Registered vessels seen in the last hour without a certificate valid today (once while open)."""
    from teis.org.models import Unit

    unit_id = Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    if unit_id is None:
        return 0
    today = timezone.localdate(now)
    seen = Vessel.objects.filter(last_time__gte=now - dt.timedelta(hours=1)).exclude(registry_source="")
    already = set(
        Alert.objects.filter(kind=AlertKind.CERTIFICATE, status__in=_OPEN).values_list("vessel_id", flat=True)
    )
    alerts = []
    for vessel in seen.exclude(pk__in=already).prefetch_related("certificates"):
        certs = list(vessel.certificates.all())
        if not certs:
            reason = "无登记证书"
        elif not any(c.is_valid_on(today) for c in certs):
            reason = "证书已过期或无效"
        else:
            continue
        alerts.append(
            Alert(
                kind=AlertKind.CERTIFICATE,
                vessel=vessel,
                unit_id=unit_id,
                time=now,
                lon=vessel.last_lon,
                lat=vessel.last_lat,
                message=f"{vessel}：{reason}",
                repeat_offender=vessel.repeat_offender,
            )  # fmt: skip
        )
    flag_records(alerts)
    Alert.objects.bulk_create(alerts)
    return len(alerts)


def _registry_lookups(now: dt.datetime, limit: int = 50) -> int:
    from .registry import lookup_missing

    return lookup_missing(now, limit=limit)


def _duration(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    if seconds < 120:
        return f"{seconds}秒"
    if seconds < 7200:
        return f"{seconds // 60}分钟"
    return f"{seconds // 3600}小时{seconds % 3600 // 60}分钟"


# --- disposal ------------------------------------------------------------------------------------------------


DISPOSE_PERMISSION = "maritime.dispose_alert"


def _lock(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def do_assign_alert(actor: User, alert: Alert, assignee: User | None) -> Alert:
    """Give the alert to an officer (in the actor's scope). One transaction; audited; todo for the assignee."""
    if not actor.has_perm("maritime.change_alert"):
        raise ServiceError("forbidden", "没有处置告警的权限")
    from teis.org.models import Officer

    if assignee is None or not Officer.objects.for_user(actor).filter(user_id=assignee.pk).exists():
        raise ServiceError("invalid", "请选择您数据权限范围内的处置人", {"assignee": ["处置人无效"]})
    with transaction.atomic():
        alert = _lock(alert)
        if alert.status == AlertStatus.CLOSED:
            raise ServiceError("closed", "告警已办结，不能再指派")
        before = alert.assignee
        alert.assignee, alert.assigned_at, alert.status = assignee, timezone.now(), AlertStatus.ASSIGNED
        alert.save(update_fields=["assignee", "assigned_at", "status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            alert,
            changes={"处置人": [str(before or ""), str(assignee)]},
            detail={"operation": "alert.assign"},
        )
        notify.complete_todos(f"maritime-alert:{alert.pk}")
        notify.post_todo(
            assignee, f"水上告警处置：{alert.message[:60]}", category="水上告警",
            url=f"/maritime/alerts/{alert.pk}/", source_key=f"maritime-alert:{alert.pk}",
        )  # fmt: skip
    return alert


def do_handle_alert(actor: User, alert: Alert, note: str) -> Alert:
    """Record what was done (处置中). Only the assignee, or a user who may change alerts in scope."""
    note = (note or "").strip()
    if not note:
        raise ServiceError("invalid", "请填写处置情况", {"handling_note": ["请填写处置情况"]})
    with transaction.atomic():
        alert = _lock(alert)
        _check_can_dispose(actor, alert)
        if alert.status == AlertStatus.CLOSED:
            raise ServiceError("closed", "告警已办结")
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        alert.handling_note = (alert.handling_note + "\n" if alert.handling_note else "") + f"[{stamp}] {note}"
        alert.status = AlertStatus.HANDLING
        alert.save(update_fields=["handling_note", "status", "updated_at"])
        audit.record(
            actor, AuditAction.UPDATE, alert, changes={"处置情况": [None, note]}, detail={"operation": "alert.handle"}
        )
    return alert


def do_close_alert(actor: User, alert: Alert, result: str, note: str = "") -> Alert:
    """Close with a result (办结). One transaction; audited; the assignee's todo is done."""
    if result not in AlertResult.values:
        raise ServiceError("invalid", "请选择处置结果", {"result": ["处置结果无效"]})
    with transaction.atomic():
        alert = _lock(alert)
        _check_can_dispose(actor, alert)
        if alert.status == AlertStatus.CLOSED:
            raise ServiceError("closed", "告警已办结")
        if note.strip():
            stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
            alert.handling_note = (
                alert.handling_note + "\n" if alert.handling_note else ""
            ) + f"[{stamp}] {note.strip()}"
        alert.status, alert.result, alert.closed_at = AlertStatus.CLOSED, result, timezone.now()
        alert.save(update_fields=["handling_note", "status", "result", "closed_at", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            alert,
            changes={"处置结果": [None, AlertResult(result).label]},
            detail={"operation": "alert.close"},
        )
        notify.complete_todos(f"maritime-alert:{alert.pk}")
    from .risk import refresh_vessel_risk

    if alert.vessel_id:
        refresh_vessel_risk(alert.vessel_id)
    return alert


def _check_can_dispose(actor: User, alert: Alert) -> None:
    if not actor.has_perm(DISPOSE_PERMISSION):
        raise ServiceError("forbidden", "没有处置告警的权限")
    if alert.assignee_id == actor.pk:
        return
    if not actor.has_perm("maritime.change_alert"):
        raise ServiceError("forbidden", "只有处置人或有告警处置权限的人员可以处置")
