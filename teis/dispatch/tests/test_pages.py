"""Pages and exports: track exports (Excel, GPX, KML, PDF), statistics with Excel, key-area coverage, daily
mileage from tracks, simplification and trip/stop detection, retention purge."""

from __future__ import annotations

import datetime as dt
import io

import gpxpy
import numpy as np
import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from teis.core.testing import logged_in_client
from teis.dispatch.choices import GeofenceKind
from teis.dispatch.models import DailyMileage, FixRecord, Geofence
from teis.dispatch.services import stats, tracks
from teis.dispatch.services.positions import ingest_fixes
from teis.dispatch.services.retention import purge_old_fixes

from .conftest import run

pytestmark = pytest.mark.django_db


@pytest.fixture
def drive(fleet, t0):
    """20 min east at ~36 km/h, a 10 min stop with jitter, 10 min north; all on one local day (daily figures
    count by the local day, so a drive run just after midnight starts before the previous day's end)."""
    steps = [(121.41 + 0.001 * i, 31.22) for i in range(120)]
    steps += [(121.53 + (0.00002 if i % 2 else -0.00002), 31.22) for i in range(60)]
    steps += [(121.53, 31.22 + 0.001 * i) for i in range(1, 61)]
    midnight = timezone.localtime(t0 + dt.timedelta(minutes=41)).replace(hour=0, minute=0, second=0)
    start = midnight - dt.timedelta(minutes=45) if t0 < midnight else t0
    ingest_fixes(run(start, steps, every=10, speed=36))
    return fleet["car1"], start


def test_track_exports(drive, make_user):
    car, t0 = drive
    client = logged_in_client(make_user("command_center", "corps"))
    q = {"start": (t0 - dt.timedelta(minutes=1)).isoformat(), "end": (t0 + dt.timedelta(hours=1)).isoformat()}
    gpx = client.get(f"/dispatch/track/{car.pk}/export.gpx", q)
    assert gpx.status_code == 200
    parsed = gpxpy.parse(gpx.content.decode())
    assert len(parsed.tracks[0].segments[0].points) == 240
    kml = client.get(f"/dispatch/track/{car.pk}/export.kml", q).content.decode()
    assert "<LineString" in kml and "沪A12345" in kml
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/dispatch/track/{car.pk}/export.xlsx", q).content))
    assert wb["轨迹"].max_row == 241 and wb["行程与停留"].max_row >= 3
    pdf = client.get(f"/dispatch/track/{car.pk}/export.pdf", q)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/dispatch/track/{car.pk}/export.exe", q).status_code == 404
    assert client.get(f"/dispatch/track/{car.pk}/export.gpx", {"start": "x"}).status_code == 302


def test_trips_stops_totals(drive):
    car, t0 = drive
    s = tracks.summarise(tracks.load_track(car, t0, t0 + dt.timedelta(hours=1)))
    assert len(s.stops) == 1 and 540 <= s.stops[0].seconds <= 620
    assert len(s.trips) == 2
    assert 17.5 < s.distance_km < 18.5  # 11.4 km east + 6.7 km north; the jittering stop adds nothing
    assert s.max_speed == 36


@settings(max_examples=50)
@given(st.lists(st.tuples(st.floats(121, 122), st.floats(31, 32)), min_size=2, max_size=300), st.integers(0, 20))
def test_simplification_keeps_ends_and_order(points, zoom):
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    idx = tracks.simplify_indices(lon, lat, zoom)
    assert idx[0] == 0 and idx[-1] == len(points) - 1
    assert list(idx) == sorted(set(idx.tolist()))


def test_simplification_reduces_a_year():
    n = 200_000
    t = np.linspace(0, 50, n)
    lon, lat = 121.4 + 0.1 * np.sin(t), 31.2 + 0.1 * np.cos(t * 0.7)
    assert len(tracks.simplify_indices(lon, lat, 10)) < 2000
    assert len(tracks.simplify_indices(lon, lat, 18)) > len(tracks.simplify_indices(lon, lat, 10))


def test_daily_mileage_and_reports(drive, make_user, tree):
    car, t0 = drive
    day = timezone.localtime(t0).date()
    assert stats.compute_daily_mileage(day) >= 1
    m = DailyMileage.objects.get(vehicle=car, date=day)
    assert 17 < m.distance_km < 19
    client = logged_in_client(make_user("command_center", "corps"))
    for report in ("mileage", "duty", "daily", "inspection"):
        r = client.get("/dispatch/stats/", {"report": report, "start": str(day), "end": str(day)})
        assert r.status_code == 200, report
    r = client.get("/dispatch/stats/", {"report": "mileage", "start": str(day), "end": str(day), "export": "xlsx"})
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "车辆" and rows[1][0] == "沪A12345"
    assert client.get("/dispatch/stats/", {"start": "2026-13-45", "end": "nonsense"}).status_code == 200


def test_coverage(drive, make_user, tree):
    car, t0 = drive
    Geofence.objects.create(
        name="东方枢纽",
        kind=GeofenceKind.KEY_AREA,
        unit=tree["brigade1"],
        monthly_patrols=1,
        geometry={
            "type": "Polygon",
            "coordinates": [[[121.52, 31.21], [121.54, 31.21], [121.54, 31.23], [121.52, 31.21]]],
        },
    )
    Geofence.objects.create(
        name="未到区域",
        kind=GeofenceKind.KEY_AREA,
        unit=tree["brigade1"],
        geometry={"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.01, 31.0], [121.01, 31.01], [121.0, 31.0]]]},
    )
    local = timezone.localtime(t0)
    user = make_user("command_center", "corps")
    result = {a["name"]: a for a in stats.key_area_coverage(user, local.year, local.month)}
    assert result["东方枢纽"]["covered"] and result["东方枢纽"]["visits"] == 1
    assert not result["未到区域"]["covered"]
    page = logged_in_client(user).get("/dispatch/coverage/", {"month": f"{local:%Y-%m}"})
    assert "未覆盖" in page.content.decode()


def test_live_and_track_pages_render(fleet, make_user):
    client = logged_in_client(make_user("command_center", "corps"))
    for url in ("/dispatch/live/", "/dispatch/track/", "/dispatch/sign-in/", "/dispatch/coverage/"):
        assert client.get(url).status_code == 200, url


def test_purge(drive, settings):
    from teis.core.telemetry import partitions

    car, t0 = drive
    settings.TEIS_DISPATCH_FIX_RETENTION_DAYS = 1
    if not partitions.is_partitioned(FixRecord._meta.db_table):  # SQLite: rows deleted in chunks
        assert purge_old_fixes(timezone.now() + dt.timedelta(days=2), chunk=100) == 240
    else:  # PostgreSQL: whole months are dropped, so this month's fixes wait until the month is past
        purge_old_fixes(timezone.now() + dt.timedelta(days=2), chunk=100)
        assert FixRecord.objects.count() == 240
        from django.db import connection

        with connection.cursor() as cursor:  # the job runs in its own transaction; here the inserts' deferred
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign-key checks are still pending: run them now
        purge_old_fixes(timezone.now() + dt.timedelta(days=70), chunk=100)
    assert FixRecord.objects.count() == 0
