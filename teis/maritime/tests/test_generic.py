"""Rule 13 for 水上执法: the generic pages and API of every registered model, as four users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.testing_mixins import GenericModelTests
from teis.maritime.models import (
    AidToNavigation,
    Alert,
    BaseStation,
    Checkpoint,
    Clue,
    CrewMember,
    EmergencyInfo,
    Perception,
    Port,
    SectionLine,
    TrackingTask,
    Vessel,
    VesselCertificate,
    VesselEvent,
    WatchGroup,
    WaterAccident,
    WaterArea,
)

from .factories import BOX

pytestmark = pytest.mark.django_db
BOX_TEXT = "121.48,31.23;121.50,31.23;121.50,31.25;121.48,31.25"


class TestVessel(GenericModelTests):
    model_label = "maritime.vessel"
    unique_column = "mmsi"
    scoped = False
    lookup_field = "mmsi"

    def make_object(self, unit, n):
        return Vessel.objects.create(mmsi=413100000 + n, name=f"沪货{n}")

    def form_data(self, ctx, n):
        return {"mmsi": 413200000 + n, "name": f"新船{n}", "call_sign": f"B{n}"}


class TestVesselCertificate(GenericModelTests):
    model_label = "maritime.vesselcertificate"
    unique_column = "number"
    scoped = False
    lookup_field = "number"

    def make_object(self, unit, n):
        v = Vessel.objects.create(mmsi=413300000 + n)
        return VesselCertificate.objects.create(vessel=v, name="船舶国籍证书", number=f"GJ{n}")

    def form_data(self, ctx, n):
        v = Vessel.objects.create(mmsi=413400000 + n)
        return {"vessel": v.pk, "name": "船舶检验证书", "number": f"JY{n}", "valid_until": "2030-01-01"}


class TestWaterArea(GenericModelTests):
    model_label = "maritime.waterarea"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return WaterArea.objects.create(name=f"区域{n}", unit=unit, geometry=BOX)

    def form_data(self, ctx, n):
        return {"name": f"新区域{n}", "kind": "key_area", "unit": ctx.tree["squad1"].pk, "geometry": BOX_TEXT,
                "priority": 2, "visible": "on", "monitored": "on", "is_active": "on"}  # fmt: skip

    def api_data(self, ctx, n):
        return {"name": f"接口区域{n}", "kind": "water_source_zone", "unit": ctx.tree["squad1"].pk, "geometry": BOX}


class TestSectionLine(GenericModelTests):
    model_label = "maritime.sectionline"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return SectionLine.objects.create(name=f"断面{n}", unit=unit, coordinates=[[121.48, 31.24], [121.50, 31.24]])

    def form_data(self, ctx, n):
        return {"name": f"新断面{n}", "unit": ctx.tree["squad1"].pk, "coordinates": "121.48,31.24;121.50,31.24",
                "forward_label": "上行", "reverse_label": "下行", "is_active": "on"}  # fmt: skip

    def api_data(self, ctx, n):
        return {"name": f"接口断面{n}", "unit": ctx.tree["squad1"].pk, "coordinates": [[121.48, 31.24], [121.5, 31.24]]}


class TestCheckpoint(GenericModelTests):
    model_label = "maritime.checkpoint"
    unique_column = "code"
    lookup_field = "code"

    def make_object(self, unit, n):
        return Checkpoint.objects.create(code=f"KK{n}", name=f"卡口{n}", unit=unit, lon=121.49, lat=31.24)

    def form_data(self, ctx, n):
        return {"code": f"NK{n}", "name": f"新卡口{n}", "unit": ctx.tree["squad1"].pk, "lon": 121.49, "lat": 31.24,
                "coverage": BOX_TEXT, "is_active": "on"}  # fmt: skip

    def api_data(self, ctx, n):
        return {"code": f"AK{n}", "name": f"接口卡口{n}", "unit": ctx.tree["squad1"].pk, "lon": 121.49, "lat": 31.24}


class TestTrackingTask(GenericModelTests):
    model_label = "maritime.trackingtask"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        t = TrackingTask.objects.create(name=f"追踪{n}", unit=unit)
        t.vessels.set([Vessel.objects.create(mmsi=413500000 + n)])
        return t

    def form_data(self, ctx, n):
        v = Vessel.objects.create(mmsi=413600000 + n)
        return {"name": f"新追踪{n}", "unit": ctx.tree["squad1"].pk, "vessels": [v.pk], "alert_events": '["stopped"]',
                "record_positions": "on", "is_active": "on"}  # fmt: skip

    def api_data(self, ctx, n):
        v = Vessel.objects.create(mmsi=413700000 + n)
        return {"name": f"接口追踪{n}", "unit": ctx.tree["squad1"].pk, "vessels": [v.pk], "alert_events": ["stopped"]}


class TestCrewMember(GenericModelTests):
    model_label = "maritime.crewmember"
    unique_column = "name"
    scoped = False
    lookup_field = "name"

    def make_object(self, unit, n):
        return CrewMember.objects.create(name=f"船员{n}", certificate_number=f"CY{n}")

    def form_data(self, ctx, n):
        return {"name": f"新船员{n}", "certificate_number": f"NC{n}", "position": "船长"}


class TestPort(GenericModelTests):
    model_label = "maritime.port"
    unique_column = "name"
    scoped = False
    lookup_field = "name"

    def make_object(self, unit, n):
        return Port.objects.create(name=f"码头{n}")

    def form_data(self, ctx, n):
        return {"name": f"新码头{n}", "berths": 3}


class TestWaterAccident(GenericModelTests):
    model_label = "maritime.wateraccident"
    unique_column = "title"
    scoped = False
    lookup_field = "title"

    def make_object(self, unit, n):
        return WaterAccident.objects.create(title=f"碰撞事故{n}", occurred_at=timezone.now())

    def form_data(self, ctx, n):
        return {"title": f"搁浅事故{n}", "occurred_at": "2026-03-01 10:00", "level": "minor", "casualties": 0}

    def api_data(self, ctx, n):
        return {"title": f"接口事故{n}", "occurred_at": "2026-03-01T10:00:00+08:00", "level": "minor"}


class TestEmergencyInfo(GenericModelTests):
    model_label = "maritime.emergencyinfo"
    unique_column = "title"
    scoped = False
    lookup_field = "title"

    def make_object(self, unit, n):
        return EmergencyInfo.objects.create(kind="weather_warning", title=f"大风预警{n}", valid_from=timezone.now())

    def form_data(self, ctx, n):
        return {"title": f"应急资源{n}", "kind": "resource", "level": ""}


class TestWatchGroup(GenericModelTests):
    model_label = "maritime.watchgroup"
    unique_column = "name"
    scoped = False
    lookup_field = "name"

    def make_object(self, unit, n):
        return WatchGroup.objects.create(name=f"关注{n}", created_by=getattr(self._ctx, "user", None))

    def form_data(self, ctx, n):
        return {"name": f"新关注{n}"}


class TestAlert(GenericModelTests):
    model_label = "maritime.alert"
    unique_column = "message"
    lookup_field = "message"

    def make_object(self, unit, n):
        return Alert.objects.create(kind="zone_entry", unit=unit, message=f"告警{n}")

    def form_data(self, ctx, n):
        return {"message": f"x{n}"}


class TestVesselEvent(GenericModelTests):
    model_label = "maritime.vesselevent"
    unique_column = "detail"
    scoped = False
    lookup_field = "detail"

    def make_object(self, unit, n):
        v = Vessel.objects.create(mmsi=413800000 + n)
        return VesselEvent.objects.create(vessel=v, kind="stopped", time=timezone.now(), detail=f"停船{n}")

    def form_data(self, ctx, n):
        return {"detail": f"x{n}"}


class TestPerception(GenericModelTests):
    model_label = "maritime.perception"
    unique_column = "recognised_name"
    lookup_field = "recognised_name"

    def make_object(self, unit, n):
        cp = Checkpoint.objects.create(code=f"PK{n}", name=f"卡口{n}", unit=unit, lon=121.49, lat=31.24)
        return Perception.objects.create(
            checkpoint=cp, time=timezone.now() - dt.timedelta(minutes=n % 50), recognised_name=f"沪船{n}"
        )

    def form_data(self, ctx, n):
        return {"recognised_name": f"x{n}"}


class TestClue(GenericModelTests):
    model_label = "maritime.clue"
    unique_column = "ship_name"
    lookup_field = "ship_name"

    def make_object(self, unit, n):
        return Clue.objects.create(unit=unit, ship_name=f"线索船{n}")

    def form_data(self, ctx, n):
        return {"ship_name": f"x{n}"}


class TestAidToNavigation(GenericModelTests):
    model_label = "maritime.aidtonavigation"
    unique_column = "name"
    scoped = False
    lookup_field = "name"

    def make_object(self, unit, n):
        return AidToNavigation.objects.create(
            mmsi=994130000 + n, name=f"BUOY {n}", aid_type=20 + n % 12, lon=121.5, lat=31.2, last_time=timezone.now()
        )

    def form_data(self, ctx, n):
        return {"name": f"BUOY X{n}"}


class TestBaseStation(GenericModelTests):
    model_label = "maritime.basestation"
    unique_column = "name"
    scoped = False
    lookup_field = "name"

    def make_object(self, unit, n):
        return BaseStation.objects.create(mmsi=4130000 + n, name=f"基站{n}", lon=121.5, lat=31.2)

    def form_data(self, ctx, n):
        return {"mmsi": 4139000 + n, "name": f"新基站{n}", "lon": 121.49, "lat": 31.24, "coverage_km": 30}
