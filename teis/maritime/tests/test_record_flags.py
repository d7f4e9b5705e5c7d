"""A new alert or checkpoint clue on a vessel with a record says so plainly: list, page, API, live feed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teis.core.testing import logged_in_client
from teis.maritime.choices import AlertKind, AlertResult, AlertStatus
from teis.maritime.models import Alert, Checkpoint, Vessel
from teis.maritime.services import checkpoints as checkpoint_services
from teis.maritime.services.pipeline import process_records

from .factories import T0, area, pos
from .test_clues import png

pytestmark = pytest.mark.django_db
FLAG = "重点关注：曾有 2 次违法/预警记录"


def past_alerts(vessel, unit):
    """Two real past alerts and one false alarm (which does not count)."""
    for result in (AlertResult.CONFIRMED, AlertResult.CASE, AlertResult.FALSE_ALARM):
        Alert.objects.create(
            kind=AlertKind.ZONE_ENTRY, vessel=vessel, unit=unit, message="旧告警", status=AlertStatus.CLOSED,
            result=result,
        )  # fmt: skip


def test_pipeline_alert_on_a_vessel_with_a_record_carries_the_flag(tree, make_user):
    area(tree["squad1"], kind="water_source_zone")
    offender = Vessel.objects.create(mmsi=413000701, name="沪惯犯1")
    clean = Vessel.objects.create(mmsi=413000702, name="沪清白2")
    past_alerts(offender, tree["squad1"])
    process_records([pos(413000701, 0, 121.47, 31.24), pos(413000702, 0, 121.47, 31.241)])
    process_records([pos(413000701, 60, 121.49, 31.24), pos(413000702, 60, 121.49, 31.241)])
    new = Alert.objects.get(vessel=offender, status=AlertStatus.OPEN)
    assert new.kind == AlertKind.ZONE_ENTRY and new.prior_records == 2 and new.attention == FLAG
    other = Alert.objects.get(vessel=clean)
    assert other.prior_records == 0 and other.attention == ""

    client = logged_in_client(make_user("command_center", "brigade1"))
    page = client.get(f"/maritime/alert/{new.pk}/").content.decode()
    assert FLAG in page
    listing = client.get("/maritime/alert/").content.decode()
    assert listing.count(FLAG) == 1  # the offender's new alert only
    api = client.get(f"/api/v1/maritime/alerts/{new.pk}/").json()
    assert api["attention"] == FLAG and api["prior_records"] == 2
    delta = client.get("/api/v1/maritime/live/delta/?since=0&alert=0").json()
    assert {a["id"]: a["attention"] for a in delta["alerts"]}[new.pk] == FLAG


def test_checkpoint_clue_on_a_vessel_with_a_record_carries_the_flag(tree, make_user):
    device = make_user("command_center", "squad1")
    Checkpoint.objects.create(code="KK09", name="南浦大桥卡口", unit=tree["squad1"], lon=121.49, lat=31.24)
    offender = Vessel.objects.create(mmsi=413000703, name="沪惯犯3")
    past_alerts(offender, tree["squad1"])
    process_records([pos(413000703, 0, 121.4905, 31.2402, cog=90)])
    p = checkpoint_services.do_receive_perception(
        device,
        {"checkpoint": "KK09", "time": T0.isoformat(), "ship_name": "沪惯犯3", "ai_flags": {"cargo_uncovered": True}},
        SimpleUploadedFile("full.png", png(), "image/png"),
        SimpleUploadedFile("close.png", png(), "image/png"),
    )
    clue = p.clues.get()
    assert clue.vessel == offender and clue.prior_records == 2 and clue.attention == FLAG
    assert FLAG in clue.summary

    client = logged_in_client(make_user("command_center", "brigade1"))
    assert FLAG in client.get(f"/maritime/clue/{clue.pk}/").content.decode()
    assert FLAG in client.get("/maritime/clue/").content.decode()
    assert client.get(f"/api/v1/maritime/clues/{clue.pk}/").json()["attention"] == FLAG
