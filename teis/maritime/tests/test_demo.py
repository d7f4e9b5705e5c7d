"""The demo data give the checkpoint pages content: perceptions fused with the demo tracks, alerts, clues in
several states; loading twice adds nothing."""

from __future__ import annotations

import pytest

from teis.core.storage import get_storage
from teis.core.testing import logged_in_client
from teis.maritime.choices import AlertKind, ClueStatus
from teis.maritime.demo.loader import load_demo
from teis.maritime.models import AidToNavigation, Alert, BaseStation, Clue, Perception, Vessel

pytestmark = pytest.mark.django_db


def test_demo_has_perceptions_and_clues_in_several_states(tree, make_user):
    created = load_demo()
    assert created["卡口感知"] == 7 and created["非现场执法线索"] == 5
    assert sorted(AidToNavigation.objects.values_list("name", flat=True))[:2] == [
        "HUANGPU NO 1 PORT BUOY", "HUANGPU NO 2 STBD BUOY",
    ]  # fmt: skip
    assert BaseStation.objects.get().mmsi == 4131001

    fused = Perception.objects.filter(vessel__isnull=False)
    assert fused.count() == 6 and all(p.confidence > 0.5 and p.fusion_distance_m < 500 for p in fused)
    unmatched = Perception.objects.get(vessel__isnull=True)
    assert unmatched.recognised_name == "无名驳船"
    assert Alert.objects.filter(kind=AlertKind.NO_AIS_SIGHTING, checkpoint__code="HP-KK02").count() == 1
    key_alert = Alert.objects.get(kind=AlertKind.KEY_VESSEL_CHECKPOINT, vessel__mmsi=413761005)
    assert key_alert.attention == "重点关注：曾有 2 次违法/预警记录"
    assert get_storage().exists(unmatched.full_image) and get_storage().exists(unmatched.closeup_image)

    states = dict(Clue.objects.values_list("ship_name", "status"))
    assert states == {
        "沪拖12": ClueStatus.NEW, "皖化运68": ClueStatus.SCREENED, "沪航运101": ClueStatus.APPROVED,
        "沪建工3": ClueStatus.REJECTED, "无名驳船": ClueStatus.NEW,
    }  # fmt: skip
    assert Clue.objects.get(ship_name="沪拖12").attention == "重点关注：曾有 3 次违法/预警记录"  # + the key alert

    client = logged_in_client(make_user("command_center", "brigade1"))
    page = client.get("/maritime/clue/").content.decode()
    assert "皖化运68" in page and "待审核" in page and "不予处理" in page
    assert "沪航运101" in client.get("/maritime/perception/").content.decode()

    assert load_demo() == {}
    assert Perception.objects.count() == 7 and Vessel.objects.filter(mmsi__gte=413761001).count() == 8
