"""The inspections API: draw record / freeze / draw / publish (the plan's declared actions) / verify, my tasks,
task detail, execution, statistics, duty tasks — success, refusals (one JSON error body, Chinese message) and scope."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body
from teis.inspections.models import InspectionTask, TaskPhoto

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BASE = "/api/v1/inspections"
PLANS = "/api/v1/inspections/inspectionplans"  # the declared actions: PLANS/<pk>/<action>/


@pytest.fixture
def api(setup):
    return logged_in_client(setup["leader"])


def test_freeze_draw_publish_verify(setup, api):
    plan = setup["plan"]
    assert_error_body(api.get(f"{BASE}/plans/{plan.pk}/draw-record/"), 400, "not_frozen")
    resp = api.post(f"{PLANS}/{plan.pk}/freeze/")
    assert resp.status_code == 200, resp.content
    assert resp.json()["id"] == plan.pk and resp.json()["status"] == "frozen"
    body = api.get(f"{BASE}/plans/{plan.pk}/draw-record/").json()
    assert len(body["seed_commitment"]) == 64 and body["seed_hex"] == "" and body["objects"] == 6
    body = assert_error_body(api.post(f"{PLANS}/{plan.pk}/publish/"), 400, "bad_state")
    assert "不能公示结果" in body["message"]
    assert api.post(f"{PLANS}/{plan.pk}/draw/").json()["status"] == "drawn"
    body = api.get(f"{BASE}/plans/{plan.pk}/draw-record/").json()
    assert len(body["seed_hex"]) == 64 and body["plan_status"] == "drawn"
    verify = api.get(f"{BASE}/plans/{plan.pk}/verify/").json()
    assert verify["identical"] is True and verify["lines"]
    assert api.post(f"{PLANS}/{plan.pk}/publish/").json()["status"] == "published"


def test_draw_refusals(setup, api, make_user):
    plan = setup["plan"]
    officer = logged_in_client(setup["officers"][0])
    assert_error_body(officer.post(f"{PLANS}/{plan.pk}/freeze/"), 403)
    outsider = logged_in_client(make_user("brigade_leader", "brigade2"))
    assert_error_body(outsider.post(f"{PLANS}/{plan.pk}/freeze/"), 404)
    assert_error_body(logged_in_client(setup["leader"]).post(f"{PLANS}/999999/freeze/"), 404)
    # infeasible: 3 inspectors per object with objects only 4 can reach, one relation each → refused
    plan.inspectors_per_object = 4
    plan.save()
    from teis.inspections.models import DeclaredRelation

    DeclaredRelation.objects.create(
        inspector=setup["inspectors"][0],
        inspection_object=setup["objects"][0],
        description="亲属",
        declared_on="2025-01-01",
    )
    body = assert_error_body(api.post(f"{PLANS}/{plan.pk}/freeze/"), 400, "infeasible")
    assert setup["objects"][0].name in body["message"] and body["fields"]["plan"]
    assert api.get(f"{BASE}/plans/{plan.pk}/draw-record/").status_code == 400


def test_mobile_tasks_and_execution(setup, api, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    api.post(f"{PLANS}/{setup['plan'].pk}/freeze/")
    api.post(f"{PLANS}/{setup['plan'].pk}/draw/")
    task = InspectionTask.objects.order_by("code").first()
    user = task.inspectors.first().officer.user
    client = logged_in_client(user)
    mine = client.get(f"{BASE}/tasks/mine/?status=pending").json()
    assert task.pk in [t["id"] for t in mine["results"]]
    assert_error_body(client.get(f"{BASE}/tasks/mine/?status=bogus"), 400, "invalid")
    detail = client.get(f"{BASE}/tasks/{task.pk}/").json()
    item_id = detail["findings"][0]["check_item"]
    assert detail["findings"][0]["indicator"] == "证照齐全"
    # bad input: 400 with fields, nothing written
    body = assert_error_body(client.post(f"{BASE}/tasks/{task.pk}/execute/", {"result": "bogus"}), 400)
    assert "result" in body["fields"]
    resp = client.post(
        f"{BASE}/tasks/{task.pk}/execute/",
        {
            "result": "rectify",
            "summary": "货运车辆未随车携带道路运输证",
            "rectify_deadline": "2030-06-30",
            "findings": json.dumps({str(item_id): {"result": "nonconform", "note": "缺证"}}),
            "photos": [SimpleUploadedFile("a.png", PNG, content_type="image/png")],
        },
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "done" and resp.json()["findings"][0]["result"] == "nonconform"
    assert TaskPhoto.objects.filter(task=task).count() == 1
    assert_error_body(
        client.post(f"{BASE}/tasks/{task.pk}/execute/", {"result": "no_problem", "summary": "x"}), 400, "done"
    )
    # someone outside the task's scope does not see it
    stranger = logged_in_client(
        next(i.officer.user for i in setup["inspectors"] if not task.inspectors.filter(pk=i.pk).exists())
    )
    assert stranger.get(f"{BASE}/tasks/{task.pk}/").status_code in (400, 404)


def test_statistics_and_duty(setup, api):
    api.post(f"{PLANS}/{setup['plan'].pk}/freeze/")
    api.post(f"{PLANS}/{setup['plan'].pk}/draw/")
    stats = api.get(f"{BASE}/statistics/?year=2025").json()
    assert stats["totals"]["total"] == 3 and stats["by_unit"]
    assert_error_body(api.get(f"{BASE}/statistics/?year=abc"), 400, "invalid")
    duty = api.get(f"{BASE}/duty-tasks/?unit={setup['tree']['brigade1'].pk}").json()
    assert duty["count"] == 3
    assert_error_body(api.get(f"{BASE}/duty-tasks/?unit=x"), 400, "invalid")
    assert_error_body(api.get(f"{BASE}/duty-tasks/?unit={setup['tree']['brigade1'].pk}&date=2025-13-01"), 400)
    assert_error_body(api.get(f"{BASE}/statistics/?plan=1e9"), 400)
