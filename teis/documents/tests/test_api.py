"""The documents API: issuing refuses exactly what the page refuses (same Chinese message, HTTP 400), 404
outside the user's scope, 403 without the permission; the step's types with their missing facts; the case
file request."""

from __future__ import annotations

import pytest
from django.urls import reverse

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body
from teis.documents.models import CaseFile, Document

from .factories import ready_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user, roles, tree, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    officer = make_user("field_officer", "squad1", username="doc_api_officer")
    return officer, ready_case(tree["squad1"], officer), tree


def test_issue_through_the_api(setup):
    officer, case, _ = setup
    client = logged_in_client(officer)
    resp = client.post(
        "/api/v1/documents/issue/", {"case": case.pk, "type": "violation_notice"}, content_type="application/json"
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    doc = Document.objects.get(pk=body["id"])
    assert body["number"] == doc.number and body["sm3"] == doc.sm3 and body["verify_code"] == doc.verify_code
    resp = client.get(f"/api/v1/documents/documents/{doc.pk}/")
    assert resp.status_code == 200 and "facts" not in resp.json()


def test_api_refuses_what_the_page_refuses_with_the_same_message(setup):
    officer, case, _ = setup
    case.fine_amount = None
    case.save()
    client = logged_in_client(officer)
    resp = client.post(
        "/api/v1/documents/issue/", {"case": case.pk, "type": "violation_notice"}, content_type="application/json"
    )
    body = assert_error_body(resp, 400, "missing_facts")
    assert body["message"] == "尚不能签发《违法行为通知书》，案件缺少：罚款金额（元）"
    page = client.post(reverse("documents:issue", args=[case.pk, "violation_notice"]), follow=True)
    assert body["message"] in page.content.decode()
    assert not Document.objects.exists()
    for data, field in [({"case": case.pk}, "type"), ({"case": "x", "type": "violation_notice"}, "case")]:
        body = assert_error_body(client.post("/api/v1/documents/issue/", data, content_type="application/json"), 400)
        assert field in body["fields"]
    body = assert_error_body(
        client.post("/api/v1/documents/issue/", {"case": case.pk, "type": "nope"}, content_type="application/json"),
        400,
        "unknown_type",
    )


def test_api_scope_and_permission(setup, make_user):
    officer, _, tree = setup
    outside = ready_case(tree["squad3"])
    client = logged_in_client(officer)
    resp = client.post(
        "/api/v1/documents/issue/", {"case": outside.pk, "type": "violation_notice"}, content_type="application/json"
    )
    assert_error_body(resp, 404, "not_found")
    assert_error_body(client.get(f"/api/v1/documents/cases/{outside.pk}/types/"), 404, "not_found")
    viewer = make_user("command_center", "corps", username="doc_api_viewer")  # may read, not issue
    resp = logged_in_client(viewer).post(
        "/api/v1/documents/issue/", {"case": outside.pk, "type": "violation_notice"}, content_type="application/json"
    )
    assert_error_body(resp, 403, "permission_denied")
    assert_error_body(logged_in_client(viewer).post(f"/api/v1/documents/cases/{outside.pk}/casefile/"), 403)


def test_step_types_and_case_file(setup, django_capture_on_commit_callbacks):
    officer, case, _ = setup
    client = logged_in_client(officer)
    resp = client.get(f"/api/v1/documents/cases/{case.pk}/types/", {"step": "Task_Finding"})
    assert resp.status_code == 200
    rows = {r["code"]: r for r in resp.json()}
    assert rows["violation_notice"]["missing"] == [] and "case_proposal" in rows
    assert rows["case_proposal"]["missing"] == ["处理意见"]
    client.post(
        "/api/v1/documents/issue/", {"case": case.pk, "type": "violation_notice"}, content_type="application/json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/api/v1/documents/cases/{case.pk}/casefile/")
    assert resp.status_code == 202, resp.content
    casefile = CaseFile.objects.get(pk=resp.json()["id"])  # the job ran (immediate under the test settings)
    assert casefile.status == "done" and casefile.pages >= 4 and casefile.sm3
