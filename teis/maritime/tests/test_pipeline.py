"""The AIS pipeline's rules: vessel state, stored fixes, crossings with directions, zone alarm, bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from teis.maritime.choices import AlertKind, CrossingDirection, EventKind
from teis.maritime.models import (
    Alert,
    AreaPresence,
    DangerousGoodsRecord,
    SectionCrossing,
    Vessel,
    VesselEvent,
    VesselPosition,
)
from teis.maritime.services.geometry import segment_crossings
from teis.maritime.services.pipeline import process_records

from .factories import T0, area, pos, section, static

pytestmark = pytest.mark.django_db


def test_positions_and_statics_make_vessels_and_fixes(tree):
    result = process_records(
        [
            static(413000001, name="沪航运1", call_sign="BXYZ", ship_type=70, draught_m=4.2, destination="SHANGHAI"),
            pos(413000001, 0, 121.49, 31.20),
            pos(413000001, 10, 121.4901, 31.2010),
            pos(413000002, 5, 121.47, 31.21, ais_class="B"),
        ]
    )
    assert (result.positions, result.statics, result.skipped) == (3, 1, 0)
    v = Vessel.objects.get(mmsi=413000001)
    assert (v.name, v.call_sign, v.category, v.draught_m) == ("沪航运1", "BXYZ", "cargo", 4.2)
    assert v.last_time == T0 + dt.timedelta(seconds=10) and v.last_lat == pytest.approx(31.201)
    assert VesselPosition.objects.filter(vessel=v).count() == 2
    assert Vessel.objects.get(mmsi=413000002).ais_class == "B"


def test_bad_positions_and_mmsi_zero_are_skipped(tree):
    result = process_records(
        [
            pos(0, 0, 121.49, 31.20),
            pos(413000003, 0, 121.49, 91.0),
            pos(413000003, 1, 181.0, 31.0),
            pos(413000003, 2, 0.0, 0.0),
            static(0, name="X"),
            "garbage",
            pos(413000003, 3, 121.49, 31.20),
        ]
    )
    assert (result.positions, result.skipped, result.statics) == (1, 6, 0)
    assert VesselPosition.objects.count() == 1
    assert not Vessel.objects.filter(mmsi=0).exists()


def test_name_destination_draught_changes_are_events(tree):
    process_records([static(413000004, name="旧名", destination="NANJING", draught_m=3.0)])
    process_records([static(413000004, 60, name="新名", destination="WUHAN", draught_m=3.0)])
    kinds = set(VesselEvent.objects.values_list("kind", flat=True))
    assert kinds == {EventKind.NAME_CHANGE, EventKind.DESTINATION_CHANGE}
    assert VesselEvent.objects.get(kind=EventKind.NAME_CHANGE).detail == "旧名 → 新名"


def test_type_mismatch_alert_goes_to_the_root_unit_with_or_without_fixes(tree):
    from teis.org.models import Unit

    Vessel.objects.create(mmsi=413000011, registered_type=70)
    Vessel.objects.create(mmsi=413000012, registered_type=70)
    # with fixes the statics are worked out during the fixes' COPY, where the root unit is not looked up yet
    result = process_records([static(413000011, ship_type=80), pos(413000011, 0, 121.49, 31.20)])
    assert result.alerts == 1
    process_records([static(413000012, ship_type=80)])  # statics only
    root = Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True).first()
    alerts = Alert.objects.filter(kind=AlertKind.TYPE_MISMATCH).values_list("vessel__mmsi", "unit_id")
    assert sorted(alerts) == [(413000011, root), (413000012, root)]
    assert Vessel.objects.get(mmsi=413000011).category == "tanker"


def test_crossings_both_ways_with_interpolated_time(tree):
    s = section(tree["corps"])  # west→east at lat 31.24
    # northbound across the line between fixes at t=0 (31.239) and t=20 (31.241): crossing at t=10
    process_records([pos(413000005, 0, 121.49, 31.239), pos(413000005, 20, 121.49, 31.241)])
    # southbound in the next batch: previous fix comes from the vessel's cached latest fix
    process_records([pos(413000005, 60, 121.49, 31.2395)])
    rows = list(SectionCrossing.objects.filter(section=s).order_by("time"))
    assert [r.direction for r in rows] == [CrossingDirection.FORWARD, CrossingDirection.REVERSE]
    assert rows[0].time == T0 + dt.timedelta(seconds=10)
    assert rows[0].lat == pytest.approx(31.24)
    assert rows[1].time == pytest.approx(
        T0 + dt.timedelta(seconds=20 + 40 * 0.001 / 0.0015), abs=dt.timedelta(seconds=0.01)
    )


def test_fix_on_the_line_counts_once_and_jumps_do_not_count(tree):
    section(tree["corps"])
    process_records(
        [pos(413000006, 0, 121.49, 31.239), pos(413000006, 10, 121.49, 31.24), pos(413000006, 20, 121.49, 31.241)]
    )
    assert SectionCrossing.objects.count() == 1
    # an impossible jump (300 km in 10 s) is a bad fix, not a crossing
    process_records([pos(413000007, 0, 121.49, 31.0), pos(413000007, 10, 121.49, 33.0)])
    assert SectionCrossing.objects.filter(vessel__mmsi=413000007).count() == 0


def test_water_source_zone_entry_raises_one_alarm(tree):
    zone = area(tree["brigade1"], kind="water_source_zone", name="黄浦江上游水源保护区")
    process_records([pos(413000008, 0, 121.47, 31.24), pos(413000008, 10, 121.485, 31.24)])
    process_records([pos(413000008, 20, 121.486, 31.24)])  # still inside: no second alarm
    alerts = Alert.objects.filter(kind=AlertKind.ZONE_ENTRY)
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.unit == tree["brigade1"] and alert.area == zone and "黄浦江上游水源保护区" in alert.message
    assert AreaPresence.objects.filter(area=zone, vessel__mmsi=413000008).exists()
    process_records([pos(413000008, 30, 121.47, 31.24)])
    assert not AreaPresence.objects.filter(area=zone).exists()
    assert VesselEvent.objects.filter(kind=EventKind.AREA_EXIT).count() == 1


def test_dangerous_goods_vessel_is_recorded_at_most_once_a_minute(tree):
    Vessel.objects.create(mmsi=413000009, dangerous_goods=True)
    process_records([pos(413000009, s, 121.49, 31.20 + s * 1e-5) for s in range(0, 180, 10)])
    assert DangerousGoodsRecord.objects.count() == 3


@given(
    st.lists(st.floats(-1, 1, allow_nan=False), min_size=8, max_size=8),
)
def test_segment_intersection_agrees_with_shapely(coords):
    ax, ay, bx, by, px, py, qx, qy = coords
    line = np.array([[ax, ay], [bx, by]])
    hits = segment_crossings(line, np.array([px]), np.array([py]), np.array([qx]), np.array([qy]))
    seg, move = shapely.LineString([(ax, ay), (bx, by)]), shapely.LineString([(px, py), (qx, qy)])
    if seg.length < 1e-6 or move.length < 1e-6:
        return
    # away from the degenerate cases (touching ends, collinear) the answers agree
    if min(seg.distance(shapely.Point(px, py)), seg.distance(shapely.Point(qx, qy)),
           move.distance(shapely.Point(ax, ay)), move.distance(shapely.Point(bx, by))) < 1e-9:  # fmt: skip
        return
    assert (len(hits.move_index) == 1) == seg.intersects(move)
    if len(hits.move_index):
        cross = (bx - ax) * (qy - py) - (by - ay) * (qx - px)
        assert bool(hits.forward[0]) == (cross > 0)
        assert shapely.Point(hits.x[0], hits.y[0]).distance(seg) < 1e-9
