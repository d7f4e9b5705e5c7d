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


def test_demo_clues_move_through_the_station(tree, make_user):
    """Issue 21 §4: with the station's units (黄浦江大队 / 吴淞中队) the demo clues are moved by the clue services —
    the review waits in the station head's inbox, the approved clue is a 非现场 pre-registration with its images."""
    from pathlib import Path

    import teis.cases
    from teis.core.models import TodoItem, TodoStatus
    from teis.maritime.demo.loader import STATION
    from teis.maritime.services import clues as clue_services
    from teis.org.choices import UnitType
    from teis.org.models import Unit
    from teis.org.services import UnitService
    from teis.workflow.services import ensure_definitions

    ensure_definitions(
        None,
        files=[
            Path(clue_services.__file__).parent.parent / "processes" / "maritime_clue.bpmn",
            Path(teis.cases.__file__).parent / "processes" / "case_general.bpmn",
        ],
    )
    svc = UnitService()
    brigade = svc.do_create(None, Unit, {"name": STATION[0], "unit_type": UnitType.BRIGADE, "parent": tree["corps"]})
    tree["station"] = svc.do_create(None, Unit, {"name": STATION[1], "unit_type": UnitType.SQUAD, "parent": brigade})
    officer = make_user("field_officer", "station", username="wusong01")
    head = make_user("squad_leader", "station", username="wusong_head")
    load_demo()
    clues = {c.ship_name: c for c in Clue.objects.select_related("case")}
    assert clues["皖化运68"].status == ClueStatus.SCREENED and clues["皖化运68"].screened_by == officer
    todo = TodoItem.objects.get(user=head, status=TodoStatus.OPEN)
    assert "皖化运68" in todo.title
    pushed = clues["沪航运101"]
    assert pushed.status == ClueStatus.PUSHED and pushed.case.source == "non_site"
    assert pushed.case.handler == officer and pushed.case.evidence_links.count() == 2
    assert clues["沪建工3"].status == ClueStatus.REJECTED
    page = logged_in_client(head).get(f"/maritime/clue/{clues['皖化运68'].pk}/").content.decode()
    assert "同意并推送办案" in page
