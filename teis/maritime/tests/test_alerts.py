"""Time-driven checks (AIS dark, motion states, arrivals) and the alert disposal flow."""

from __future__ import annotations

import datetime as dt

import pytest

from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.maritime.choices import AlertKind, AlertStatus, EventKind, MotionState
from teis.maritime.models import Alert, MaritimeSettings, TrackingTask, Vessel, VesselEvent
from teis.maritime.services import alerts as alert_services
from teis.maritime.services.pipeline import process_records

from .factories import T0, area, pos

pytestmark = pytest.mark.django_db


def test_dark_alert_fires_once_inside_monitored_waters(tree):
    area(tree["squad1"], name="吴淞口监控水域", monitored=True)
    area(
        tree["squad1"],
        name="非监控区",
        monitored=False,
        geometry={"type": "Polygon", "coordinates": [[[121.6, 31.3], [121.7, 31.3], [121.7, 31.4], [121.6, 31.3]]]},
    )
    process_records([pos(413000101, 0, 121.49, 31.24, sog=8.0)])  # class A underway: 10 s × k=6 = 60 s
    process_records([pos(413000102, 0, 121.65, 31.32, sog=8.0)])  # outside monitored waters
    assert alert_services.check_vessel_states(T0 + dt.timedelta(seconds=50)).dark == 0
    result = alert_services.check_vessel_states(T0 + dt.timedelta(seconds=61))
    assert result.dark == 1
    alert = Alert.objects.get(kind=AlertKind.AIS_DARK)
    assert alert.vessel.mmsi == 413000101 and alert.unit == tree["squad1"] and "吴淞口监控水域" in alert.message
    assert alert_services.check_vessel_states(T0 + dt.timedelta(seconds=120)).dark == 0  # still open: not twice


def test_dark_threshold_follows_class_and_k(tree):
    area(tree["squad1"])
    cfg = MaritimeSettings.current()
    cfg.dark_factor = 3
    cfg.save()
    process_records([pos(413000103, 0, 121.49, 31.24, sog=6.0, ais_class="B")])  # class B: 30 s × 3 = 90 s
    assert alert_services.check_vessel_states(T0 + dt.timedelta(seconds=80)).dark == 0
    assert alert_services.check_vessel_states(T0 + dt.timedelta(seconds=95)).dark == 1


def test_motion_states_and_berth_arrival_are_events(tree):
    area(tree["squad1"], kind="berth", name="十六铺码头")
    process_records([pos(413000104, 0, 121.47, 31.24, sog=8.0, cog=90, heading=90)])
    alert_services.check_vessel_states(T0 + dt.timedelta(seconds=5))
    assert Vessel.objects.get(mmsi=413000104).motion_state == MotionState.UNDERWAY
    process_records([pos(413000104, 10, 121.49, 31.24, sog=0.1, cog=90, heading=90)])
    alert_services.check_vessel_states(T0 + dt.timedelta(seconds=15))
    kinds = list(VesselEvent.objects.filter(vessel__mmsi=413000104).values_list("kind", flat=True))
    assert EventKind.STOPPED in kinds and EventKind.BERTH_ARRIVAL in kinds and EventKind.AREA_ENTRY in kinds
    process_records([pos(413000104, 20, 121.49, 31.24, sog=1.5, cog=180, heading=90)])
    alert_services.check_vessel_states(T0 + dt.timedelta(seconds=25))
    assert Vessel.objects.get(mmsi=413000104).motion_state == MotionState.DRIFTING
    process_records([pos(413000104, 30, 121.47, 31.24, sog=8.0)])  # leaves the berth after arriving
    assert VesselEvent.objects.filter(vessel__mmsi=413000104, kind=EventKind.BERTH_DEPARTURE).count() == 1


def test_tracking_task_turns_chosen_events_into_alerts(tree):
    v = Vessel.objects.create(mmsi=413000105)
    task = TrackingTask.objects.create(name="重点追踪", unit=tree["squad1"], alert_events=[EventKind.AREA_ENTRY])
    task.vessels.set([v])
    area(tree["squad1"])
    process_records([pos(413000105, 0, 121.47, 31.24), pos(413000105, 10, 121.485, 31.24)])
    alert = Alert.objects.get(kind=AlertKind.TRACKED_EVENT)
    assert alert.unit == tree["squad1"] and "重点追踪" in alert.message


def test_disposal_flow_assign_handle_close(tree, make_user):
    leader = make_user("squad_leader", "squad1")
    officer = make_user("field_officer", "squad1")
    outsider = make_user("field_officer", "squad3")
    alert = Alert.objects.create(kind=AlertKind.ZONE_ENTRY, unit=tree["squad1"], message="进入水源保护地")
    with pytest.raises(ServiceError) as exc:
        alert_services.do_assign_alert(officer, alert, officer)
    assert exc.value.code == "forbidden"
    with pytest.raises(ServiceError):
        alert_services.do_assign_alert(leader, alert, outsider)  # outside the leader's scope
    alert_services.do_assign_alert(leader, alert, officer)
    with pytest.raises(ServiceError):
        alert_services.do_handle_alert(officer, alert, "  ")
    alert_services.do_handle_alert(officer, alert, "已电话联系船方驶离")
    with pytest.raises(ServiceError):
        alert_services.do_close_alert(officer, alert, "nonsense")
    alert = alert_services.do_close_alert(officer, alert, "confirmed", "已驶离")
    assert alert.status == AlertStatus.CLOSED and "已电话联系船方驶离" in alert.handling_note
    with pytest.raises(ServiceError) as exc:
        alert_services.do_handle_alert(officer, alert, "再次处置")
    assert exc.value.code == "closed"


def test_alert_actions_api_and_page(tree, make_user):
    """The declared actions (teis.core.actions): assign / handle / close on the API and on the alert's page."""
    leader = make_user("squad_leader", "squad1")
    officer = make_user("field_officer", "squad1")
    alert = Alert.objects.create(kind=AlertKind.ZONE_ENTRY, unit=tree["squad1"], message="进入水源保护地")
    client = logged_in_client(leader)
    url = f"/api/v1/maritime/alerts/{alert.pk}/"
    resp = client.post(url + "assign/", {"assignee": "x"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "invalid" and "assignee" in resp.json()["fields"]
    resp = client.post(url + "assign/", {"assignee": officer.pk}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "assigned"
    # the assignee (a field officer without change_alert) records and closes the alert assigned to them
    mine = logged_in_client(officer)
    page = mine.get(f"/maritime/alert/{alert.pk}/").content.decode()
    assert 'value="handle"' in page and 'value="close"' in page and 'value="assign"' not in page
    resp = mine.post(f"/maritime/alert/{alert.pk}/", {"_action": "handle", "handle-note": "已电话联系船方驶离"})
    assert resp.status_code == 302 and resp.url == f"/maritime/alert/{alert.pk}/"
    resp = mine.post(url + "close/", {"result": "false_alarm"}, content_type="application/json")
    assert resp.json()["status"] == "closed"
    resp = client.post(url + "close/", {"result": "false_alarm"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["code"] == "bad_state"
    other = Alert.objects.create(kind=AlertKind.ZONE_ENTRY, unit=tree["squad3"], message="x")
    resp = client.post(f"/api/v1/maritime/alerts/{other.pk}/handle/", {"note": "x"}, content_type="application/json")
    assert resp.status_code == 404
    page = client.get(f"/maritime/alert/{alert.pk}/")
    assert page.status_code == 200 and "误报" in page.content.decode() and "已电话联系船方驶离" in page.content.decode()
