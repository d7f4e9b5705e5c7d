"""Alarms: raised and ended by the position pipeline and the periodic checks (de-duplicated: at most one open
alarm per vehicle or officer, kind and fence), acknowledged with a note, and turned into a draft case
pre-registration (立案) with the facts and a track snapshot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.codes import next_value
from teis.core.services import ServiceError

from ..choices import AlarmKind
from ..models import Alarm

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User

    from teis.cases.models import EnforcementCase


@dataclass
class _Op:
    action: str  # open / close / instant
    vehicle_id: int | None
    kind: str
    at: dt.datetime
    unit_id: int | None = None
    lon: float | None = None
    lat: float | None = None
    message: str = ""
    fence_id: int | None = None
    officer_id: int | None = None
    dedupe_minutes: int = 0


class AlarmBatch:
    """Collects alarm changes of one batch and writes them in `flush` with a fixed number of queries."""

    def __init__(self, cursor: int) -> None:
        self.cursor = cursor
        self.ops: list[_Op] = []
        self.raised = 0
        self.ended = 0

    def open(
        self,
        vehicle_id: int | None,
        unit_id: int,
        kind: str,
        at: dt.datetime,
        lon: float | None,
        lat: float | None,
        message: str,
        *,
        fence_id: int | None = None,
        officer_id: int | None = None,
    ) -> None:
        self.ops.append(_Op("open", vehicle_id, kind, at, unit_id, lon, lat, message, fence_id, officer_id))

    def close(
        self,
        vehicle_id: int | None,
        kind: str,
        at: dt.datetime,
        *,
        fence_id: int | None = None,
        officer_id: int | None = None,
    ) -> None:
        self.ops.append(_Op("close", vehicle_id, kind, at, fence_id=fence_id, officer_id=officer_id))

    def instant(
        self,
        vehicle_id: int | None,
        unit_id: int,
        kind: str,
        at: dt.datetime,
        lon: float | None,
        lat: float | None,
        message: str,
        *,
        dedupe_minutes: int = 10,
    ) -> None:
        self.ops.append(_Op("instant", vehicle_id, kind, at, unit_id, lon, lat, message, dedupe_minutes=dedupe_minutes))

    def flush(self) -> None:
        if not self.ops:
            return
        vids = {op.vehicle_id for op in self.ops if op.vehicle_id}
        oids = {op.officer_id for op in self.ops if op.officer_id}
        kinds = {op.kind for op in self.ops}
        horizon = min(op.at for op in self.ops) - dt.timedelta(minutes=max(op.dedupe_minutes for op in self.ops))
        recent = Alarm.objects.filter(Q(vehicle_id__in=vids) | Q(officer_id__in=oids), kind__in=kinds).filter(
            Q(ended_at__isnull=True) | Q(started_at__gte=horizon)
        )

        def key(a: Alarm) -> tuple[Any, ...]:
            return (a.vehicle_id, a.officer_id, a.kind, a.fence_id)

        open_alarms: dict[tuple[Any, ...], Alarm] = {}
        last_started: dict[tuple[Any, ...], dt.datetime] = {}
        for a in recent:
            k = key(a)
            if a.ended_at is None:
                open_alarms[k] = a
            last_started[k] = max(last_started.get(k, a.started_at), a.started_at)
        new: list[Alarm] = []
        ended: dict[int, Alarm] = {}
        for op in self.ops:
            k = (op.vehicle_id, op.officer_id, op.kind, op.fence_id)
            if op.action == "close":
                closed = open_alarms.pop(k, None)
                if closed is not None:
                    closed.ended_at, closed.seq = max(op.at, closed.started_at), self.cursor
                    if closed.pk:
                        ended[closed.pk] = closed
                    self.ended += 1
                continue
            if op.action == "open" and k in open_alarms:
                continue
            if (
                op.action == "instant"
                and k in last_started
                and op.at - last_started[k] < dt.timedelta(minutes=op.dedupe_minutes)
            ):
                continue
            assert op.unit_id is not None  # open and instant ops always name the unit
            a = Alarm(
                kind=op.kind,
                vehicle_id=op.vehicle_id,
                officer_id=op.officer_id,
                unit_id=op.unit_id,
                fence_id=op.fence_id,
                started_at=op.at,
                ended_at=op.at if op.action == "instant" else None,
                lon=op.lon,
                lat=op.lat,
                message=op.message[:300],
                seq=self.cursor,
            )
            new.append(a)
            last_started[k] = op.at
            if op.action == "open":
                open_alarms[k] = a
            self.raised += 1
        if ended:
            Alarm.objects.bulk_update(list(ended.values()), ["ended_at", "seq"])
        if new:
            Alarm.objects.bulk_create(new)
        self.ops.clear()


def raise_alarms(build: Callable[[AlarmBatch], None]) -> tuple[int, int]:
    """Run `build(batch)` (which calls open / close / instant) in one transaction with a fresh live cursor and
    push the change after commit. Used by the periodic checks. Returns (raised, ended)."""
    from .positions import LIVE_SEQUENCE, push_live

    with transaction.atomic():
        batch = AlarmBatch(next_value(LIVE_SEQUENCE))
        build(batch)
        batch.flush()
        if batch.raised or batch.ended:
            transaction.on_commit(lambda: push_live(batch.cursor))
    return batch.raised, batch.ended


# --- people's actions ----------------------------------------------------------------------------------------


def access_alarm(actor: User, pk: int) -> Alarm:
    alarm = Alarm.objects.for_user(actor).select_related("vehicle", "unit").filter(pk=pk).first()
    if alarm is None:
        # outside the scope is a 404 everywhere, page and API alike (rule 4)
        raise Http404("告警不存在或不在您的数据权限范围内。")
    return alarm


def do_acknowledge(actor: User, alarm: Alarm, note: str) -> Alarm:
    """确认告警 with a note. One transaction; audited; the live pages see it at the next cursor."""
    if not actor.has_perm("dispatch.change_alarm"):
        raise ServiceError("forbidden", "没有处理告警的权限。")
    note = (note or "").strip()
    if not note:
        raise ServiceError("note_required", "请填写处理说明。", {"note": ["请填写处理说明"]})
    if len(note) > 500:
        raise ServiceError("note_too_long", "处理说明不能超过 500 字。", {"note": ["不能超过 500 字"]})
    with transaction.atomic():
        alarm = Alarm.objects.select_for_update().get(pk=alarm.pk)
        if alarm.acknowledged_at is not None:
            raise ServiceError("already_acknowledged", "该告警已确认。")
        alarm.acknowledged_at, alarm.acknowledged_by, alarm.ack_note = timezone.now(), actor, note
        alarm.seq = next_value("dispatch.live")
        alarm.save(update_fields=["acknowledged_at", "acknowledged_by", "ack_note", "seq", "updated_at"])
        audit.record(actor, AuditAction.UPDATE, alarm, changes={"确认": [None, note]})
    return alarm


def do_file_case(actor: User, alarm: Alarm) -> EnforcementCase:
    """立案 from an alarm: a draft case pre-registration (through the case services) with the alarm's facts
    and the track around it (an SVG snapshot) attached. One transaction; audited by the case service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from teis.cases.services.intake import do_pre_register

    from .tracks import track_snapshot_png

    if alarm.case_id:
        raise ServiceError("already_filed", "该告警已生成预登记案件。")
    vehicle = alarm.vehicle
    place = f"经度 {alarm.lon:.6f}，纬度 {alarm.lat:.6f}" if alarm.lon is not None else ""
    facts = (
        f"{timezone.localtime(alarm.started_at):%Y年%m月%d日 %H:%M:%S}，指挥调度系统告警：{alarm.get_kind_display()}。"
        f"{alarm.message}。" + (f"位置：{place}。" if place else "")
    )
    data: dict[str, Any] = {
        "title": f"{alarm.get_kind_display()}（{vehicle or alarm.officer or ''}）"[:200],
        "source": "other",
        "place": place,
        "facts": facts,
        "discovered_at": alarm.started_at.isoformat(),
    }
    if alarm.lon is not None:
        data |= {"lon": alarm.lon, "lat": alarm.lat}
    attachments: list[SimpleUploadedFile] = []
    if vehicle is not None:
        png = track_snapshot_png(
            vehicle,
            alarm.started_at - dt.timedelta(minutes=30),
            alarm.started_at + dt.timedelta(minutes=30),
            mark=(alarm.lon, alarm.lat),
        )
        if png:
            attachments.append(SimpleUploadedFile(f"alarm-{alarm.pk}-track.png", png, content_type="image/png"))
    with transaction.atomic():
        case = do_pre_register(actor, data, attachments, evidence_source="system")
        Alarm.objects.filter(pk=alarm.pk).update(case=case, seq=next_value("dispatch.live"))
        audit.record(actor, AuditAction.UPDATE, alarm, changes={"关联案件": [None, str(case)]})
    return case


ALARM_KINDS_ON_MAP = [k for k, _ in AlarmKind.choices]
