"""Mobile case API: pre-register (multipart), my cases, detail (masked), 立案; Chinese 400s; 404 outside scope."""

# ruff: noqa: F811 - the shared case fixtures are imported from test_intake

from __future__ import annotations

import json

import pytest
from django.test import Client

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body

from ..codes import validate_case_code
from ..models import EnforcementCase
from .test_intake import (  # noqa: F401
    ID_NUMBER,
    PHONE,
    SAMPLE,
    assert_nothing_written,
    case_setup,
    media,
    officer,
    photo,
    pre_register,
    squad_leader,
    video,
)


@pytest.fixture(autouse=True)
def general_process(case_setup):
    from teis.workflow import services as wf

    from ..services.case import register_listeners

    wf.do_save_definition(None, "case_general", SAMPLE.read_text().replace("sample_approval", "case_general"))
    register_listeners()


def multipart(setup, **extra) -> dict:
    data = {
        "title": "出租车拒载",
        "business_line": "taxi",
        "place": "人民广场",
        "lon": "121.47",
        "lat": "31.23",
        "violation_codes": json.dumps([setup["code"].code]),
        "parties": json.dumps([{"kind": "person", "name": "赵六", "id_number": ID_NUMBER, "phone": PHONE}]),
        "vehicles": json.dumps([{"plate": "沪D11111"}]),
        "files": [photo(), video("b.mp4")],
    }
    data.update(extra)
    return data


def test_pre_register_multipart(officer, case_setup):
    resp = logged_in_client(officer).post("/api/v1/cases/pre-register/", multipart(case_setup))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    case = EnforcementCase.objects.get()
    assert body["id"] == case.pk and body["status"] == "pre_registered" and body["current_step"] == "中队审核"
    assert body["parties"][0]["id_number"] == "110105********002X"
    assert ID_NUMBER not in resp.content.decode() and PHONE not in resp.content.decode()
    assert body["attachments"] == [] and body["vehicles"][0]["plate"] == "沪D11111"
    # the mobile app's files are evidence items from a phone, linked to the case
    assert [(e["original_name"], e["category"]) for e in body["evidence"]] == [
        ("scene.jpg", "photo"),
        ("b.mp4", "video"),
    ]
    assert {link.item.source for link in case.evidence_links.select_related("item")} == {"phone"}
    assert body["violation_codes"][0]["code"] == "10001"
    assert body["tasks"][0]["url"].startswith("/api/v1/workflow/tasks/")


def test_pre_register_json(officer, case_setup):
    data = {
        "title": "路政案件",
        "parties": [{"kind": "person", "name": "钱七"}],
        "vehicles": [],
        "violation_codes": ["10001"],
    }
    resp = logged_in_client(officer).post("/api/v1/cases/pre-register/", data, content_type="application/json")
    assert resp.status_code == 201, resp.content


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (
            {"parties": json.dumps([{"kind": "person", "name": "赵六", "id_number": "110105194912310021"}])},
            "parties.0.id_number",
        ),
        ({"vehicles": json.dumps([{"plate": "沪"}])}, "vehicles.0.plate"),
        ({"parties": "not json"}, "parties"),
        ({"title": ""}, "title"),
        ({"files": [photo("a.txt", b"text", "text/plain")]}, "files"),
        ({"lon": "abc"}, "lon"),
    ],
)
def test_pre_register_bad_input_is_a_chinese_400(officer, case_setup, media, extra, field):
    resp = logged_in_client(officer).post("/api/v1/cases/pre-register/", multipart(case_setup, **extra))
    body = assert_error_body(resp, 400)
    assert field in body["fields"], body
    assert_nothing_written(media)


def test_pre_register_needs_permission_and_login(squad_leader, case_setup):
    assert_error_body(logged_in_client(squad_leader).post("/api/v1/cases/pre-register/", multipart(case_setup)), 403)
    assert_error_body(Client().post("/api/v1/cases/pre-register/", multipart(case_setup)), (401, 403))
    assert EnforcementCase.objects.count() == 0


def test_mine_detail_and_scope(officer, make_user, case_setup):
    mine = pre_register(officer, case_setup)
    other = pre_register(make_user("field_officer", "squad3"), case_setup, title="别人的案件")
    client = logged_in_client(officer)
    body = client.get("/api/v1/cases/mine/").json()
    assert [r["id"] for r in body["results"]] == [mine.pk]
    detail = client.get(f"/api/v1/cases/{mine.pk}/").json()
    assert detail["parties"][0]["phone"] == "138****5678"
    assert_error_body(client.get(f"/api/v1/cases/{other.pk}/"), 404)
    assert_error_body(client.post(f"/api/v1/cases/{other.pk}/file/"), 404)
    assert_error_body(logged_in_client(make_user("squad_leader", "squad2")).get(f"/api/v1/cases/{mine.pk}/"), 404)


def test_file_case_api_submits_for_filing_approval(officer, make_user, case_setup):
    """POST …/file/ means 报请立案审批 (completes 案件预登记); the code is given when 立案审批 approves."""
    from teis.workflow import services as wf

    from ..services import intake
    from .test_intake import case_data

    wf.ensure_definitions(None)
    squad = make_user("squad_leader", "squad1")
    case = intake.do_pre_register(officer, case_data(case_setup), process_key="case_general")
    client = logged_in_client(officer)
    resp = client.post(f"/api/v1/cases/{case.pk}/file/")
    assert resp.status_code == 200, resp.json()
    assert resp.json()["case_code"] is None and resp.json()["status"] == "filing"
    assert_error_body(client.post(f"/api/v1/cases/{case.pk}/file/"), 400, "not_pre_registered")
    task_id = case.process.tasks.get(status="open", spec_name="Task_FilingApproval").pk
    leader = logged_in_client(squad)
    url = f"/api/v1/workflow/tasks/{task_id}/complete/"
    body = assert_error_body(leader.post(url, {"decision": "approve"}, content_type="application/json"), 400)
    assert "案由" in body["message"]  # no catalogue cause: 立案审批 cannot approve
    EnforcementCase.objects.filter(pk=case.pk).update(case_cause=case_setup["cause"])
    assert leader.post(url, {"decision": "approve"}, content_type="application/json").status_code == 200
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    validate_case_code(detail["case_code"])
    assert detail["status"] == "investigating" and detail["current_step"] == "案件登记（调查取证）"


def test_schema_documents_the_case_endpoints(officer):
    resp = logged_in_client(officer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert resp.status_code == 200
    text = resp.content.decode()
    for p in ("/api/v1/cases/pre-register/", "/api/v1/cases/mine/", "/api/v1/cases/{id}/file/"):
        assert p in text
    assert "/api/v1/workflow/tasks/" in text
