"""卡口 perception → fusion → clue → 筛选 → 审核 (BPMN) → 非现场 pre-registration with the images; OCR; the PDF."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.maritime.choices import AlertKind, ClueStatus
from teis.maritime.models import Alert, Checkpoint, Clue, Vessel
from teis.maritime.services import checkpoints as checkpoint_services
from teis.maritime.services import clues as clue_services
from teis.maritime.services.pipeline import process_records

from .factories import T0, pos

pytestmark = pytest.mark.django_db


def png(text: str = "", size=(320, 120)) -> bytes:
    img = Image.new("RGB", size, "white")
    if text:
        font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
        font = ImageFont.truetype(font_path, 48) if Path(font_path).exists() else ImageFont.load_default()
        ImageDraw.Draw(img).text((12, 30), text, fill="black", font=font)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def setup(tree, make_user):
    import teis.cases
    from teis.workflow.services import ensure_definitions

    ensure_definitions(
        None,
        files=[
            Path(clue_services.__file__).parent.parent / "processes" / "maritime_clue.bpmn",
            Path(teis.cases.__file__).parent / "processes" / "case_general.bpmn",
        ],
    )
    officer = make_user("field_officer", "squad1")
    leader = make_user("squad_leader", "squad1")
    device = make_user("command_center", "squad1")
    cp = Checkpoint.objects.create(code="KK01", name="外白渡桥卡口", unit=tree["squad1"], lon=121.49, lat=31.24)
    v = Vessel.objects.create(mmsi=413000201, name="沪货运88", owner="上海某航运公司", registry_port="上海",
                              owner_address="上海市黄浦区中山东一路1号", repeat_offender=True)  # fmt: skip
    process_records([pos(413000201, 0, 121.4905, 31.2402, cog=90)])
    return {"officer": officer, "leader": leader, "device": device, "cp": cp, "vessel": v}


def perceive(setup, **data):
    base = {"checkpoint": "KK01", "time": (T0).isoformat(), "ai_flags": {"cargo_uncovered": True}}
    base.update(data)
    return checkpoint_services.do_receive_perception(
        setup["device"],
        base,
        SimpleUploadedFile("full.png", png(), "image/png"),
        SimpleUploadedFile("close.png", png(), "image/png"),
    )


def test_perception_fuses_with_nearest_ais_and_makes_a_clue(setup):
    p = perceive(setup, ship_name="沪货运88")
    assert p.vessel == setup["vessel"] and p.confidence > 0.8 and p.fusion_distance_m < 100
    clue = p.clues.get()
    assert clue.owner == "上海某航运公司" and clue.registry_port == "上海" and clue.repeat_offender
    assert "货物未苫盖" in clue.summary and "多次违法" in clue.summary
    assert clue.heading.startswith("东")


def test_sighting_without_ais_raises_alert_and_clue(setup):
    p = perceive(setup, ship_name="无名船", time=(T0.replace(hour=12)).isoformat(), ai_flags={})
    assert p.vessel is None
    assert Alert.objects.filter(kind=AlertKind.NO_AIS_SIGHTING, checkpoint=setup["cp"]).count() == 1
    assert "未开启AIS" in p.clues.get().summary


def test_bad_perception_is_refused_and_nothing_written(setup):
    with pytest.raises(ServiceError) as exc:
        checkpoint_services.do_receive_perception(
            setup["device"],
            {"checkpoint": "KK01", "time": "yesterday"},
            SimpleUploadedFile("x.png", b"not an image", "image/png"),
        )
    assert set(exc.value.fields) == {"time", "full_image"}
    with pytest.raises(ServiceError):
        checkpoint_services.do_receive_perception(setup["officer"], {"checkpoint": "KK01", "time": T0.isoformat()})
    assert not Clue.objects.exists()


def test_clue_screen_review_push_creates_pre_registration_with_images(setup):
    from teis.cases.choices import CaseSource, CaseStatus
    from teis.cases.models import CaseAttachment

    clue = perceive(setup, ship_name="沪货运88").clues.get()
    with pytest.raises(ServiceError):
        clue_services.do_review_clue(setup["leader"], clue, "approve")  # not yet screened
    clue = clue_services.do_screen_clue(setup["officer"], clue, True, "情况属实", {"summary": "货物未苫盖，扬尘"})
    assert clue.status == ClueStatus.SCREENED and clue.process is not None
    with pytest.raises(ServiceError):
        clue_services.do_review_clue(setup["officer"], clue, "approve")  # not the station head's task
    clue = clue_services.do_review_clue(setup["leader"], clue, "approve", "同意推送")
    assert clue.status == ClueStatus.PUSHED
    case = clue.case
    assert case.status == CaseStatus.PRE_REGISTERED and case.source == CaseSource.NON_SITE
    assert case.handler == setup["officer"] and "沪货运88" in case.title and "扬尘" in case.facts
    assert not CaseAttachment.objects.filter(case=case).exists()
    # the snapshots are evidence items of the checkpoint camera, linked to the case (identical bytes: one item)
    from teis.core.crypto import sm3_hex
    from teis.core.storage import get_storage

    p = clue.perception
    with get_storage().open(p.full_image) as full, get_storage().open(p.closeup_image) as close:
        expected = {sm3_hex(full.read()), sm3_hex(close.read())}
    items = [link.item for link in case.evidence_links.select_related("item")]
    assert {i.sm3 for i in items} == expected and {i.source for i in items} == {"checkpoint_camera"}


def test_clue_api_and_pages(setup):
    clue = perceive(setup, ship_name="沪货运88").clues.get()
    officer, leader = logged_in_client(setup["officer"]), logged_in_client(setup["leader"])
    url = f"/api/v1/maritime/clues/{clue.pk}/"
    resp = officer.post(url + "screen/", {"note": "x" * 400}, content_type="application/json")
    assert resp.status_code == 400 and "note" in resp.json()["fields"]
    resp = officer.post(url + "screen/", {"note": "情况属实"}, content_type="application/json")
    assert resp.json()["status"] == "screened"
    page = leader.get(f"/maritime/clue/{clue.pk}/")
    assert page.status_code == 200 and "同意并推送办案" in page.content.decode()
    assert 'value="approve"' not in officer.get(f"/maritime/clue/{clue.pk}/").content.decode()  # not the reviewer
    resp = officer.post(url + "approve/", {}, content_type="application/json")
    assert resp.status_code == 400 and Clue.objects.get(pk=clue.pk).status == ClueStatus.SCREENED
    resp = leader.post(url + "approve/", {"opinion": "同意"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["case"]
    assert leader.get(f"/maritime/clues/{clue.pk}/image/closeup_image/").status_code == 200
    pdf = leader.get("/maritime/clues/suspect-list.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_perception_api_with_ocr_of_the_closeup(setup):
    client = logged_in_client(setup["device"])
    resp = client.post(
        "/api/v1/maritime/perceptions/upload/",
        {
            "checkpoint": "KK01",
            "time": T0.isoformat(),
            "ai_flags": json.dumps({"no_life_jacket": True}),
            "full_image": SimpleUploadedFile("full.png", png(), "image/png"),
            "closeup_image": SimpleUploadedFile("close.png", png("HUHANG 618", size=(520, 120)), "image/png"),
        },
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert "HUHANG" in body["ocr_name"].upper().replace(" ", "") and body["clue_id"]
    resp = client.post("/api/v1/maritime/perceptions/upload/", {"checkpoint": "NOPE", "time": "x"})
    assert resp.status_code == 400 and resp.json()["code"] == "invalid"


def test_the_clue_flow_in_the_browser_pages(setup):
    """Issue 21 §4 / issue 15 §2: the clue's page carries its declared actions (筛选, 审核, 推送办案); the review
    lands in the station head's inbox; an approved clue not pushed yet offers 推送办案."""
    from teis.core.models import TodoItem, TodoStatus

    clue = perceive(setup, ship_name="沪货运88").clues.get()
    officer, leader = logged_in_client(setup["officer"]), logged_in_client(setup["leader"])
    page = f"/maritime/clue/{clue.pk}/"
    assert 'value="screen"' in officer.get(page).content.decode()
    resp = officer.post(page, {"_action": "screen", "screen-ship_name": "沪货运88", "screen-note": "情况属实"})
    assert resp.status_code == 302 and resp.url == page
    todo = TodoItem.objects.get(user=setup["leader"], status=TodoStatus.OPEN)
    assert "沪货运88" in todo.title
    assert leader.get(todo.url).status_code == 200
    # an approved clue that was not pushed (an older record): the button, then the pre-registration
    Clue.objects.filter(pk=clue.pk).update(status=ClueStatus.APPROVED)
    html = leader.get(page).content.decode()
    assert 'value="push"' in html and "推送办案" in html
    resp = leader.post(page, {"_action": "push"})
    assert resp.status_code == 302, resp.content.decode()[:200]
    clue.refresh_from_db()
    assert clue.status == ClueStatus.PUSHED and clue.case.source == "non_site" and clue.case.evidence_links.exists()
    assert 'value="push"' not in leader.get(page).content.decode()
    resp = leader.post(page, {"_action": "push"})  # twice: refused, nothing written
    assert resp.status_code == 400 and "只有审核通过且尚未推送的线索可以推送办案" in resp.content.decode()
