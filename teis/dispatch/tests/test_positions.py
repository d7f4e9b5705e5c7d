"""The position pipeline's rules: geofence exit / return with dwell debounce, boundary jitter, late and
out-of-order fixes, jumps, restricted fences, 未登录行驶 and terminal SOS."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teis.dispatch.choices import AlarmKind, GeofenceKind
from teis.dispatch.models import Alarm, FixRecord, Geofence, LatestFix
from teis.dispatch.services import directory
from teis.dispatch.services.positions import ingest_fixes

from .conftest import INSIDE, OUTSIDE, fix, run

pytestmark = pytest.mark.django_db
EDGE_IN, EDGE_OUT = (121.4995, 31.25), (121.5005, 31.25)  # 50 m either side of the east edge


def alarms(kind=AlarmKind.OUT_OF_AREA):
    return list(Alarm.objects.filter(kind=kind).order_by("started_at"))


def test_exit_counts_after_the_dwell_and_ends_on_return(fleet, t0, settings):
    settings.TEIS_DISPATCH_DWELL_S = 60
    settings.TEIS_DISPATCH_UNREGISTERED_S = 10**6
    ingest_fixes(run(t0, [INSIDE] * 3))
    r = ingest_fixes(run(t0 + dt.timedelta(seconds=30), [OUTSIDE] * 6, every=10))  # 50 s outside: not yet
    assert r.alarms_raised == 0 and alarms() == []
    r = ingest_fixes([fix(at=t0 + dt.timedelta(seconds=90), lonlat=OUTSIDE)])  # 60 s outside
    assert r.alarms_raised == 1
    (a,) = alarms()
    assert a.started_at == t0 + dt.timedelta(seconds=30) and a.ended_at is None and a.vehicle == fleet["car1"]
    # staying outside raises nothing more
    assert ingest_fixes(run(t0 + dt.timedelta(seconds=100), [OUTSIDE] * 5)).alarms_raised == 0
    r = ingest_fixes(run(t0 + dt.timedelta(seconds=200), [INSIDE] * 8))
    assert r.alarms_ended == 1
    a.refresh_from_db()
    assert a.ended_at == t0 + dt.timedelta(seconds=200)


def test_jitter_at_the_boundary_raises_nothing(fleet, t0, settings):
    settings.TEIS_DISPATCH_DWELL_S = 60
    steps = [EDGE_IN if i % 3 else EDGE_OUT for i in range(60)]  # 10 min of jitter across the edge
    r = ingest_fixes(run(t0, steps, every=10, speed=2))
    assert r.alarms_raised == 0 and r.stored == 60


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.booleans(), min_size=1, max_size=40))
def test_no_alarm_unless_outside_for_the_dwell(fleet_h, flips):
    """Property: with fixes every 10 s and a 60 s dwell, an exit alarm exists iff some run of consecutive
    outside fixes spans at least 60 s (7 fixes)."""
    fleet, t0 = fleet_h
    Alarm.objects.all().delete()
    LatestFix.objects.all().delete()
    FixRecord.objects.all().delete()
    from teis.dispatch.models import ZoneState

    ZoneState.objects.all().delete()
    steps = [INSIDE] + [OUTSIDE if f else INSIDE for f in flips]
    ingest_fixes(run(t0, steps, every=10, speed=3))
    longest = run_len = 0
    for f in flips:
        run_len = run_len + 1 if f else 0
        longest = max(longest, run_len)
    assert bool(alarms()) == (longest >= 7)


@pytest.fixture
def fleet_h(fleet, t0, settings):  # noqa: F811
    settings.TEIS_DISPATCH_DWELL_S = 60
    settings.TEIS_DISPATCH_UNREGISTERED_S = 10**6
    return fleet, t0


def test_late_fixes_are_stored_in_time_order_and_never_evaluated(fleet, t0, settings):
    settings.TEIS_DISPATCH_DWELL_S = 30
    ingest_fixes(run(t0 + dt.timedelta(minutes=10), [INSIDE] * 3))
    # a buffered batch from ten minutes ago, all outside the area
    r = ingest_fixes(run(t0, [OUTSIDE] * 20, every=10))
    assert r.late == 20 and r.stored == 20 and r.alarms_raised == 0
    times = list(FixRecord.objects.filter(vehicle=fleet["car1"]).order_by("time").values_list("time", flat=True))
    assert len(times) == 23 and times == sorted(times)
    assert LatestFix.objects.get(vehicle=fleet["car1"]).time == t0 + dt.timedelta(minutes=10, seconds=20)


def test_out_of_order_within_a_batch(fleet, t0, settings):
    settings.TEIS_DISPATCH_DWELL_S = 30
    fixes = run(t0, [INSIDE, INSIDE, OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE], every=10)
    r = ingest_fixes(list(reversed(fixes)))  # sorted by time before evaluation
    assert r.alarms_raised == 1 and r.late == 0


def test_a_small_batch_mixing_int_and_float_values_is_stored(fleet, t0):
    # speed 0 and 12.5 in one batch (Fix allows int for float fields): small batches go as one array per column
    fixes = [
        fix(at=t0, speed=0, heading=90),
        fix(at=t0 + dt.timedelta(seconds=10), speed=12.5, heading=91, mileage_km=3),
        fix(at=t0 + dt.timedelta(seconds=20), speed=13, mileage_km=3.5),
    ]
    r = ingest_fixes(fixes)
    assert r.stored == 3
    latest = LatestFix.objects.get(vehicle=fleet["car1"])
    assert latest.speed_kmh == 13.0 and latest.mileage_km == 3.5


def test_resent_duplicates_are_dropped(fleet, t0):
    ingest_fixes(run(t0, [INSIDE] * 5))
    r = ingest_fixes(run(t0, [INSIDE] * 5))
    assert r.late == 5
    assert FixRecord.objects.count() == 5


def test_jump_is_stored_flagged_and_alarmed_once(fleet, t0):
    """A jump is no position (never the latest fix, no track point) but it is kept, flagged "jump"."""
    ingest_fixes(run(t0, [INSIDE] * 2))
    far = (121.95, 31.25)  # ~47 km in 10 s
    r = ingest_fixes(
        [fix(at=t0 + dt.timedelta(seconds=20), lonlat=far), fix(at=t0 + dt.timedelta(seconds=30), lonlat=far)]
    )
    assert r.invalid == 0 and (r.flagged, r.flagged_reasons, r.stored) == (2, {"jump": 2}, 2)
    assert len(alarms(AlarmKind.POSITION_JUMP)) == 1
    assert LatestFix.objects.get(vehicle=fleet["car1"]).lon == INSIDE[0]
    assert list(FixRecord.objects.filter(lon=far[0]).values_list("flag", flat=True)) == ["jump", "jump"]


def test_restricted_fence(fleet, t0, settings, tree):
    settings.TEIS_DISPATCH_DWELL_S = 20
    Geofence.objects.create(
        name="机场禁区",
        kind=GeofenceKind.RESTRICTED,
        unit=tree["brigade1"],
        geometry={
            "type": "Polygon",
            "coordinates": [[[121.49, 31.24], [121.4995, 31.24], [121.4995, 31.26], [121.49, 31.26], [121.49, 31.24]]],
        },
    )
    directory.invalidate()
    ingest_fixes(run(t0, [(121.488, 31.25)] * 2))
    r = ingest_fixes(run(t0 + dt.timedelta(seconds=60), [INSIDE] * 4))
    assert r.alarms_raised == 1
    (a,) = alarms(AlarmKind.RESTRICTED_AREA)
    assert "机场禁区" in a.message and a.fence is not None
    # car3 (squad3, under brigade2) is not subject to brigade1's fence
    assert ingest_fixes(run(t0, [INSIDE] * 5, device="osmand-33", source="osmand")).alarms_raised == 0


def test_unregistered_driving(fleet, t0, settings):
    settings.TEIS_DISPATCH_UNREGISTERED_S = 60
    r = ingest_fixes(run(t0, [(121.41 + i * 0.001, 31.25) for i in range(10)], every=10, speed=40))
    assert r.alarms_raised == 1 and len(alarms(AlarmKind.UNREGISTERED_DRIVING)) == 1


def test_terminal_sos(fleet, t0, settings):
    settings.TEIS_DISPATCH_UNREGISTERED_S = 10**6
    ingest_fixes([fix(at=t0, alarm_bits=1)])
    ingest_fixes([fix(at=t0 + dt.timedelta(seconds=10), alarm_bits=1)])
    ingest_fixes([fix(at=t0 + dt.timedelta(seconds=20))])
    (a,) = alarms(AlarmKind.TERMINAL_ALARM)
    assert a.ended_at == t0 + dt.timedelta(seconds=20)


def test_duty_alarms_officer_not_signed_in_and_no_fix(fleet, make_user, tree, settings):
    from django.utils import timezone

    from teis.dispatch.models import DutyPlan, DutyTask
    from teis.dispatch.services.duty import check_duty_alarms

    settings.TEIS_DISPATCH_SIGNIN_GRACE_MIN = 30
    settings.TEIS_DISPATCH_NO_FIX_MIN = 15
    officer = make_user("field_officer", "squad1")
    now = timezone.now()
    plan = DutyPlan.objects.create(unit=tree["squad1"], title="早班", status="approved")
    task = DutyTask.objects.create(
        plan=plan,
        unit=tree["squad1"],
        title="巡查",
        start_at=now - dt.timedelta(hours=1),
        end_at=now + dt.timedelta(hours=1),
    )
    task.officers.set([officer])
    task.vehicles.set([fleet["car1"], fleet["car2"]])
    ingest_fixes([fix(at=now - dt.timedelta(hours=2))])  # car1 reported before the task; car2 never did
    assert check_duty_alarms(now) == (2, 0)
    assert {a.vehicle for a in alarms(AlarmKind.NO_FIX)} == {fleet["car1"]}  # a terminal never connected: no alarm
    assert check_duty_alarms(now) == (0, 0)  # de-duplicated
    assert alarms(AlarmKind.OFFICER_NOT_SIGNED_IN)[0].officer == officer
    ingest_fixes([fix(at=now - dt.timedelta(seconds=5))])
    assert check_duty_alarms(now) == (0, 1)  # the vehicle reports again: 定位异常 ends


def test_fresh_rows_that_collide_with_rows_stored_otherwise_are_dropped(fleet, t0):
    """The fast path (PostgreSQL COPY) assumes nothing is stored after the latest fix; rows stored by other
    means (an import) make it fall back to the conflict-ignoring insert, in the same transaction."""
    ingest_fixes(run(t0, [INSIDE]))
    FixRecord.objects.create(
        vehicle=fleet["car1"], time=t0 + dt.timedelta(seconds=20), lon=1, lat=1, received_at=t0
    )  # stored without a latest-fix update
    r = ingest_fixes(run(t0 + dt.timedelta(seconds=10), [INSIDE] * 3))
    assert r.stored == 3 and r.late == 0
    times = list(FixRecord.objects.filter(vehicle=fleet["car1"]).values_list("time", "lon").order_by("time"))
    assert [t for t, _ in times] == [t0 + dt.timedelta(seconds=10 * i) for i in range(4)]
    assert times[2][1] == 1  # the stored row is kept, the resent one dropped
    lf = LatestFix.objects.get(vehicle=fleet["car1"])
    assert lf.time == t0 + dt.timedelta(seconds=30) and lf.lon == INSIDE[0]


def test_a_fleet_batch_is_stored_and_cached_whole(fleet, t0, settings):
    """One batch with fixes of several vehicles, out of order, with an unknown device: every row and every
    latest fix written with the set-based statements, values intact."""
    settings.TEIS_DISPATCH_UNREGISTERED_S = 10**6
    batch = []
    for k in range(5):
        at = t0 + dt.timedelta(seconds=10 * k)
        batch += [
            fix("013800000001", at, INSIDE, speed=10 + k, heading=365, mileage_km=1.5 + k, alarm_bits=0),
            fix("013800000002", at, (121.45, 31.25), speed=20, altitude_m=7),
            fix("osmand-33", at, (121.45 + k * 0.0001, 31.26), speed=3, source="osmand", mileage_km=None),
            fix("099999999999", at, INSIDE),
        ]
    r = ingest_fixes(list(reversed(batch)))
    assert (r.stored, r.unknown_device, r.invalid, r.late) == (15, 5, 0, 0)
    car1 = list(FixRecord.objects.filter(vehicle=fleet["car1"]).order_by("time"))
    assert [f.speed_kmh for f in car1] == [10, 11, 12, 13, 14] and {f.heading for f in car1} == {5}
    assert car1[-1].mileage_km == 5.5 and car1[0].time == t0 and car1[0].received_at is not None
    assert FixRecord.objects.get(vehicle=fleet["car2"], time=t0).altitude_m == 7
    latest = {lf.vehicle_id: lf for lf in LatestFix.objects.all()}
    assert set(latest) == {fleet["car1"].pk, fleet["car2"].pk, fleet["car3"].pk}
    assert latest[fleet["car1"].pk].time == t0 + dt.timedelta(seconds=40)
    assert latest[fleet["car1"].pk].seq == r.cursor and latest[fleet["car1"].pk].moving_since == t0
    assert latest[fleet["car3"].pk].source == "osmand" and latest[fleet["car3"].pk].moving_since is None
    assert latest[fleet["car3"].pk].mileage_km is None
    # the next batch updates the cached rows in place
    r2 = ingest_fixes([fix("013800000002", t0 + dt.timedelta(seconds=60), (121.4501, 31.25), speed=0)])
    lf = LatestFix.objects.get(vehicle=fleet["car2"])
    assert lf.lon == 121.4501 and lf.seq == r2.cursor and lf.moving_since is None and LatestFix.objects.count() == 3


def test_zone_state_is_kept_without_a_write_per_batch(fleet, t0, settings):
    from teis.dispatch.models import ZoneState

    settings.TEIS_DISPATCH_DWELL_S = 60
    ingest_fixes(run(t0, [INSIDE] * 2))
    state = ZoneState.objects.get(vehicle=fleet["car1"], zone="area")
    assert state.inside is True and state.last_time == t0 + dt.timedelta(seconds=10)
    ingest_fixes(run(t0 + dt.timedelta(minutes=1), [INSIDE] * 2))  # same side, soon after: no write needed
    state.refresh_from_db()
    assert state.last_time == t0 + dt.timedelta(seconds=10)
    ingest_fixes(run(t0 + dt.timedelta(minutes=15), [INSIDE] * 2))  # refreshed for the retention purge
    state.refresh_from_db()
    assert state.last_time == t0 + dt.timedelta(minutes=15, seconds=10)


def test_unregistered_driving_decision_is_remembered_until_duty_changes(
    fleet, t0, settings, django_capture_on_commit_callbacks
):
    """A moving fleet is checked on every batch: the same 未登录行驶 decision is not taken again (no read of the
    duty tables or the open alarms), until something that clears a vehicle changes (the duty stamp)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from teis.dispatch.choices import ApprovalStatus
    from teis.dispatch.models import NonDutyUse

    settings.TEIS_DISPATCH_UNREGISTERED_S = 60
    route = [(121.41 + i * 0.001, 31.25) for i in range(14)]
    with django_capture_on_commit_callbacks(execute=True):
        assert ingest_fixes(run(t0, route[:10], every=10, speed=40)).alarms_raised == 1
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        r = ingest_fixes(run(t0 + dt.timedelta(seconds=100), route[10:12], every=10, speed=40))
    assert r.stored == 2 and r.alarms_raised == 0
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"dispatch_alarm"."id"' not in sql and '"dispatch_nondutyuse"."vehicle_id"' not in sql
    (alarm,) = alarms(AlarmKind.UNREGISTERED_DRIVING)
    assert alarm.ended_at is None
    # an approved 非勤务用车报备 changes the duty stamp: the next batch decides again and ends the alarm
    now = timezone.now()
    NonDutyUse.objects.create(
        unit=fleet["car1"].unit,
        vehicle=fleet["car1"],
        reason="送检",
        start_at=now - dt.timedelta(hours=2),
        end_at=now + dt.timedelta(hours=1),
        status=ApprovalStatus.APPROVED,
    )
    with django_capture_on_commit_callbacks(execute=True):
        ingest_fixes(run(t0 + dt.timedelta(seconds=120), route[12:14], every=10, speed=40))
    alarm.refresh_from_db()
    assert alarm.ended_at == t0 + dt.timedelta(seconds=130)


@pytest.mark.parametrize("stage_min_rows", [1, 10**9])
def test_upserts_through_staging_tables_or_arrays_write_the_same(fleet, t0, settings, monkeypatch, stage_min_rows):
    """PostgreSQL takes many latest-fix and zone rows through COPY into temporary tables, few as arrays; both
    write the same, batch after batch inside one transaction (the test's: the staging tables are not emptied
    by a commit in between)."""
    from teis.dispatch.models import ZoneState
    from teis.dispatch.services import positions

    monkeypatch.setattr(positions, "STAGE_MIN_ROWS", stage_min_rows)
    settings.TEIS_DISPATCH_UNREGISTERED_S = 10**6
    for k in range(3):
        at = t0 + dt.timedelta(seconds=10 * k)
        r = ingest_fixes(
            [
                fix("013800000001", at, INSIDE, speed=10.0 + k, mileage_km=1.5 + k),
                fix("013800000002", at, OUTSIDE if k else INSIDE, speed=0.0),
                fix("osmand-33", at, (121.45, 31.26 + k * 0.0001), source="osmand"),
            ]
        )
        assert (r.stored, r.invalid, r.late) == (3, 0, 0)
    latest = {lf.vehicle_id: lf for lf in LatestFix.objects.all()}
    assert len(latest) == 3 and {lf.seq for lf in latest.values()} == {r.cursor}
    car1 = latest[fleet["car1"].pk]
    assert (car1.time, car1.speed_kmh, car1.mileage_km) == (t0 + dt.timedelta(seconds=20), 12, 3.5)
    assert car1.moving_since == t0
    assert latest[fleet["car3"].pk].lat == 31.2602 and latest[fleet["car3"].pk].source == "osmand"
    states = {s.vehicle_id: s for s in ZoneState.objects.filter(zone="area")}
    assert states[fleet["car1"].pk].inside is True and states[fleet["car1"].pk].last_time == t0
    assert states[fleet["car2"].pk].pending_inside is False and states[
        fleet["car2"].pk
    ].pending_since == t0 + dt.timedelta(seconds=10)
    assert FixRecord.objects.count() == 9


@given(
    st.floats(121.0, 122.0), st.floats(30.5, 31.9), st.floats(-0.02, 0.02), st.floats(-0.02, 0.02), st.integers(1, 120)
)
def test_jump_bound_decides_as_the_great_circle(lon, lat, dlon, dlat, seconds):
    """`is_jump` skips the great circle when an upper bound of the distance is under the minimum: the decision is
    the one the great circle gives."""
    import datetime as _dt

    from teis.core.geo import haversine_m
    from teis.dispatch.services.positions import Rules, is_jump

    t = _dt.datetime(2025, 6, 1, tzinfo=_dt.UTC)
    rules = Rules(t)
    moved = fix(at=t + _dt.timedelta(seconds=seconds), lonlat=(lon + dlon, lat + dlat))
    distance = haversine_m(lon, lat, lon + dlon, lat + dlat)
    expected = distance >= rules.jump_min_m and distance / seconds * 3.6 > rules.max_speed
    assert is_jump(t, lon, lat, moved, rules) == expected
