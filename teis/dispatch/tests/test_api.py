"""API endpoints of dispatch: live delta, static layers, text down, alarm ack and 立案, OsmAnd / mobile
positions, tracks, sign-in, plan actions and approvals. Bad input is a 400 with the one error body."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body
from teis.dispatch.choices import AlarmKind, CommandStatus, PlanStatus
from teis.dispatch.models import Alarm, DutyPlan, DutyTask, FixRecord, NfcTag, NonDutyUse, SignIn, TerminalCommand
from teis.dispatch.services.positions import ingest_fixes

from .conftest import INSIDE, OUTSIDE, run

pytestmark = pytest.mark.django_db
API = "/api/v1/dispatch/"


@pytest.fixture
def command(make_user):
    return logged_in_client(make_user("command_center", "corps", username="cmd"))


def test_live_delta_full_then_incremental(fleet, command, t0, settings):
    settings.TEIS_DISPATCH_DWELL_S = 10
    ingest_fixes(run(timezone.now() - dt.timedelta(seconds=60), [INSIDE] * 3))
    full = command.get(API + "live/").json()
    assert full["full"] and {v["plate"] for v in full["vehicles"]} == {"沪A12345", "沪A22222", "沪B33333", "沪执法01"}
    car1 = next(v for v in full["vehicles"] if v["plate"] == "沪A12345")
    assert car1["state"] == "moving" and car1["lon"] == INSIDE[0]
    assert command.get(API + f"live/?since={full['cursor']}").json()["vehicles"] == []
    # the car leaves its area: the next delta carries it in alarm state and the alarm
    ingest_fixes(run(timezone.now() - dt.timedelta(seconds=20), [OUTSIDE] * 5, every=4))
    delta = command.get(API + f"live/?since={full['cursor']}").json()
    assert [v["plate"] for v in delta["vehicles"]] == ["沪A12345"] and delta["vehicles"][0]["state"] == "alarm"
    assert [a["kind"] for a in delta["alarms"]] == [AlarmKind.OUT_OF_AREA]


def test_live_scope_and_filters(fleet, make_user, tree):
    officer = logged_in_client(make_user("squad_leader", "squad1"))
    plates = {v["plate"] for v in officer.get(API + "live/").json()["vehicles"]}
    assert plates == {"沪A12345", "沪A22222"}
    cmd = logged_in_client(make_user("command_center", "corps"))
    plates = {v["plate"] for v in cmd.get(API + f"live/?unit={tree['brigade2'].pk}").json()["vehicles"]}
    assert plates == {"沪B33333", "沪执法01"}
    assert_error_body(cmd.get(API + "live/?since=abc"), 400)
    assert cmd.get(API + f"live/?unit={10**6}").status_code == 404
    denied = logged_in_client(make_user(None, "squad1"))
    assert denied.get(API + "live/").status_code == 403


def test_layers(fleet, command, tree):
    from teis.dispatch.models import Checkpoint

    Checkpoint.objects.create(name="G2 检查站", kind="checkpoint", unit=tree["brigade1"], lon=121.3, lat=31.3)
    data = command.get(API + "live/layers/").json()
    assert [f["properties"]["name"] for f in data["jurisdictions"]] == ["第一大队"]
    assert data["checkpoints"][0]["name"] == "G2 检查站"


def test_send_text_and_status(fleet, command):
    r = command.post(API + f"vehicles/{fleet['car1'].pk}/text/", {"text": "前往外滩"}, content_type="application/json")
    assert r.status_code == 201
    cmd = TerminalCommand.objects.get(pk=r.json()["id"])
    assert cmd.text == "前往外滩" and cmd.status == CommandStatus.PENDING
    assert command.get(API + f"commands/{cmd.pk}/").json()["status"] == "pending"
    assert_error_body(
        command.post(API + f"vehicles/{fleet['car1'].pk}/text/", {"text": ""}, content_type="application/json"),
        400,
        "text_required",
    )
    assert_error_body(
        command.post(API + f"vehicles/{fleet['car3'].pk}/text/", {"text": "x"}, content_type="application/json"),
        400,
        "no_terminal",
    )


def test_alarm_ack_and_case(fleet, make_user, t0, tree, settings, tmp_path):
    from teis.workflow.services import ensure_definitions

    settings.MEDIA_ROOT, settings.STORAGE_URL = str(tmp_path / "media"), ""
    ensure_definitions(None)  # the case processes, for 立案
    ingest_fixes(run(t0, [INSIDE] + [OUTSIDE] * 10, every=10))
    alarm = Alarm.objects.get(kind=AlarmKind.OUT_OF_AREA)
    from teis.core.testing import make_officer_user

    leader = logged_in_client(make_officer_user(role_codes=["brigade_leader", "field_officer"], unit=tree["brigade1"]))
    assert_error_body(
        leader.post(API + f"alarms/{alarm.pk}/acknowledge/", {"note": ""}, content_type="application/json"),
        400,
        "invalid",
    )
    r = leader.post(
        API + f"alarms/{alarm.pk}/acknowledge/", {"note": "已电话联系，执行跨区任务"}, content_type="application/json"
    )
    assert r.status_code == 200
    alarm.refresh_from_db()
    assert alarm.ack_note == "已电话联系，执行跨区任务" and alarm.acknowledged_by is not None
    assert_error_body(
        leader.post(API + f"alarms/{alarm.pk}/acknowledge/", {"note": "again"}, content_type="application/json"),
        400,
        "bad_state",
    )
    r = leader.post(API + f"alarms/{alarm.pk}/file-case/")
    assert r.status_code == 201, r.content
    from teis.cases.models import CaseAttachment, EnforcementCase

    case = EnforcementCase.objects.get(pk=r.json()["case_id"])
    assert "沪A12345" in case.title and "驶出执法区域" in case.facts
    assert not CaseAttachment.objects.filter(case=case).exists()
    snapshot = case.evidence_links.select_related("item").get().item  # the track snapshot, as evidence
    assert snapshot.source == "system" and snapshot.category == "photo" and snapshot.content_type == "image/png"
    alarm.refresh_from_db()
    assert alarm.case_id == case.pk
    assert_error_body(leader.post(API + f"alarms/{alarm.pk}/file-case/"), 400, "already_filed")
    outsider = logged_in_client(make_user("brigade_leader", "brigade2"))
    assert (
        outsider.post(
            API + f"alarms/{alarm.pk}/acknowledge/", {"note": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_osmand_query_and_json(fleet, client):
    now = int(timezone.now().timestamp())
    r = client.get(API + f"osmand/?id=osmand-33&lat=31.25&lon=121.45&timestamp={now}&speed=10&bearing=90&altitude=5")
    assert r.status_code == 200 and r.json()["stored"] == 1
    f = FixRecord.objects.get()
    assert f.source == "osmand" and abs(f.speed_kmh - 18.52) < 0.01 and f.heading == 90
    body = {
        "device_id": "osmand-33",
        "location": {
            "timestamp": timezone.now().isoformat(),
            "coords": {"latitude": 31.251, "longitude": 121.451, "speed": 10, "heading": 180},
        },
    }
    r = client.post(API + "osmand/", body, content_type="application/json")
    assert r.json()["stored"] == 1 and FixRecord.objects.order_by("-time").first().speed_kmh == 36
    assert client.get(API + f"osmand/?id=nobody&lat=31&lon=121&timestamp={now}").status_code == 404
    assert_error_body(client.get(API + f"osmand/?id=osmand-33&lat=abc&lon=121&timestamp={now}"), 400)
    assert_error_body(client.get(API + "osmand/?id=osmand-33&lat=31&lon=121&timestamp=yesterday"), 400)
    assert_error_body(client.get(API + "osmand/?lat=31&lon=121"), 400)


def test_mobile_positions(fleet, make_user):
    officer = logged_in_client(make_user("field_officer", "squad1"))
    now = timezone.now()
    body = {
        "vehicle": fleet["car2"].pk,
        "positions": [
            {"lon": 121.45, "lat": 31.25, "timestamp": (now - dt.timedelta(seconds=s)).isoformat(), "speed": 20}
            for s in (20, 10)
        ],
    }
    r = officer.post(API + "mobile/positions/", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["stored"] == 2
    assert FixRecord.objects.filter(vehicle=fleet["car2"], source="mobile").count() == 2
    r = officer.post(
        API + "mobile/positions/",
        {"vehicle": fleet["car2"].pk, "positions": [{"lon": 500, "lat": 31, "timestamp": now.isoformat()}]},
        content_type="application/json",
    )
    assert "positions.0.lon" in assert_error_body(r, 400)["fields"]
    assert (
        officer.post(
            API + "mobile/positions/",
            {"vehicle": fleet["car3"].pk, "lon": 121, "lat": 31},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert_error_body(
        officer.post(API + "mobile/positions/", {"lon": 121, "lat": 31}, content_type="application/json"),
        400,
        "no_device",
    )


def test_track_api(fleet, command, t0):
    steps = [(121.40 + i * 0.0005, 31.25) for i in range(100)]
    ingest_fixes(run(t0, steps, every=5))
    url = API + f"tracks/{fleet['car1'].pk}/"
    period = {"start": (t0 - dt.timedelta(minutes=1)).isoformat(), "end": (t0 + dt.timedelta(hours=1)).isoformat()}
    data = command.get(url, period).json()
    assert data["total_points"] == 100 and len(data["points"]) == 100
    assert 4.5 < data["totals"]["distance_km"] < 5.0
    simplified = command.get(url, period | {"zoom": 10}).json()
    assert len(simplified["points"]) == 2  # a straight line
    assert_error_body(command.get(url, {"start": period["end"], "end": period["start"]}), 400)
    assert_error_body(command.get(url, period | {"zoom": 99}), 400)


def _plan(leader, tree, fleet, officer):
    plan = DutyPlan.objects.create(unit=tree["squad1"], title="早班巡查", created_by=leader)
    now = timezone.now()
    task = DutyTask.objects.create(
        plan=plan,
        unit=tree["squad1"],
        title="火车站整治",
        start_at=now - dt.timedelta(hours=1),
        end_at=now + dt.timedelta(hours=3),
    )
    task.officers.set([officer])
    task.vehicles.set([fleet["car1"]])
    return plan, task


def test_plan_actions_sign_in_and_unregistered_driving(fleet, make_user, tree, settings):
    settings.TEIS_DISPATCH_UNREGISTERED_S = 30
    officer_user = make_user("field_officer", "squad1")
    squad = make_user("squad_leader", "squad1")
    brigade = make_user("brigade_leader", "brigade1")
    plan, task = _plan(squad, tree, fleet, officer_user)
    url = API + f"dutyplans/{plan.pk}/"
    s, b = logged_in_client(squad), logged_in_client(brigade)
    assert s.post(url + "submit/", {}, content_type="application/json").json()["status"] == "submitted"
    assert_error_body(s.post(url + "approve/", {}, content_type="application/json"), 403, "permission_denied")
    body = assert_error_body(b.post(url + "reject/", {}, content_type="application/json"), 400, "invalid")
    assert "opinion" in body["fields"]
    assert b.post(url + "approve/", {"opinion": "同意"}, content_type="application/json").json()["status"] == "approved"
    assert b.post(url + "dance/", {}, content_type="application/json").status_code == 404
    # approved task, nobody signed in: driving raises 未登录行驶
    start = timezone.now() - dt.timedelta(seconds=60)
    ingest_fixes(run(start, [(121.41 + i * 0.001, 31.25) for i in range(6)], every=10, speed=40))
    assert Alarm.objects.filter(kind=AlarmKind.UNREGISTERED_DRIVING, ended_at=None).count() == 1
    # NFC sign-in by the task's officer; the alarm ends with the next fixes
    NfcTag.objects.create(tag_id="04A1B2C3", place="第一中队营房", unit=tree["squad1"])
    o = logged_in_client(officer_user)
    assert_error_body(
        o.post(
            API + "sign-in/", {"method": "nfc", "tag_id": "nope", "device_id": "IMEI1"}, content_type="application/json"
        ),
        400,
        "unknown_tag",
    )
    r = o.post(
        API + "sign-in/", {"method": "nfc", "tag_id": "04A1B2C3", "device_id": "IMEI1"}, content_type="application/json"
    )
    assert r.status_code == 201 and r.json()["task"] == task.pk
    assert SignIn.objects.get().place == "第一中队营房"
    ingest_fixes(run(timezone.now() - dt.timedelta(seconds=5), [(121.417, 31.25)], speed=40))
    assert Alarm.objects.get(kind=AlarmKind.UNREGISTERED_DRIVING).ended_at is not None
    # adjust: back to draft, counted
    r = b.post(url + "adjust/", {"reason": "增派警力"}, content_type="application/json")
    assert r.json()["status"] == PlanStatus.DRAFT and DutyPlan.objects.get().adjustments == 1


def test_non_duty_use_decision(fleet, make_user, tree):
    squad = make_user("squad_leader", "squad1")
    now = timezone.now()
    report = NonDutyUse.objects.create(
        unit=tree["squad1"], vehicle=fleet["car1"], reason="车辆保养", start_at=now, end_at=now + dt.timedelta(hours=2)
    )
    url = API + f"nondutyuses/{report.pk}/approve/"
    assert_error_body(logged_in_client(squad).post(url, {}, content_type="application/json"), 403, "permission_denied")
    b = logged_in_client(make_user("brigade_leader", "brigade1"))
    assert_error_body(b.post(url, "{bad", content_type="application/json"), 400)
    assert b.post(url, {}, content_type="application/json").json()["status"] == "approved"
    assert_error_body(b.post(url, {}, content_type="application/json"), 400, "bad_state")
    from teis.dispatch.services.duty import vehicles_cleared_to_drive

    assert vehicles_cleared_to_drive([fleet["car1"].pk], now + dt.timedelta(minutes=5)) == {fleet["car1"].pk}


def test_live_first_load_shows_every_alarm_waiting_for_a_hand(fleet, command):
    """Issue 21 §4: an alarm that ended hours ago but nobody acknowledged is still open on the panel."""
    old = timezone.now() - dt.timedelta(hours=6)
    waiting = Alarm.objects.create(
        kind=AlarmKind.OUT_OF_AREA, vehicle=fleet["car1"], unit=fleet["car1"].unit, message="越界（未处置）",
        started_at=old, ended_at=old + dt.timedelta(minutes=5),
    )  # fmt: skip
    handled = Alarm.objects.create(
        kind=AlarmKind.OUT_OF_AREA, vehicle=fleet["car2"], unit=fleet["car2"].unit, message="越界（已处置）",
        started_at=old, ended_at=old + dt.timedelta(minutes=5), acknowledged_at=old + dt.timedelta(minutes=9),
    )  # fmt: skip
    ids = {a["id"] for a in command.get(API + "live/").json()["alarms"]}
    assert waiting.pk in ids and handled.pk not in ids
