"""简易程序 (当场处罚) through the mobile API and the page: registered, coded, decided, collected, 备案 → archived
with a case code, a decision and a fine; the statutory limits of art. 51 and the collection rule of art. 68."""

# ruff: noqa: F401, F811

from __future__ import annotations

from decimal import Decimal

import pytest

from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body

from ..codes import validate_case_code
from ..models import EnforcementCase, OnSpotPenalty
from ..services import simplified as svc
from .side_fixtures import CREDIT_CODE, ID_NUMBER, case_setup, media, side

pytestmark = pytest.mark.django_db


def body(side, **extra) -> dict:
    data = {
        "facts": "出租汽车驾驶员未按规定使用计价器",
        "place": "人民广场",
        "violation_codes": [side["wide"].code],
        "parties": [{"kind": "person", "name": "孙八", "id_number": ID_NUMBER}],
        "vehicles": [{"plate": "沪E12345"}],
        "penalty_kind": "fine",
        "fine_amount": "100",
        "collected_on_spot": True,
        "receipt_number": "SH2025-000123",
    }
    data.update(extra)
    return data


def test_api_on_spot_penalty_to_archived(side):
    officer, squad = logged_in_client(side["officer"]), logged_in_client(side["squad"])
    resp = officer.post("/api/v1/cases/on-spot/", {**body(side), "status": "archived"}, content_type="application/json")
    assert resp.status_code == 201, resp.content
    data = resp.json()
    case = EnforcementCase.objects.get(pk=data["id"])
    assert data["status"] == "closed" and case.status == "closed"  # decided on the spot, waiting for 备案
    assert data["current_step"] == "备案" and data["procedure"] == "simplified"
    validate_case_code(data["case_code"])
    assert "简" in data["file_number"] and data["decision_type"] == "penalty" and data["fine_amount"] == "100.00"
    assert data["on_spot"]["collected_on_spot"] and data["payment_status"] == "paid"
    assert ID_NUMBER not in resp.content.decode()

    # the officer cannot file the case himself: the unit's squad leader does
    assert_error_body(
        officer.post(f"/api/v1/cases/{case.pk}/on-spot/filing/", {}, content_type="application/json"), 400
    )
    resp = squad.post(f"/api/v1/cases/{case.pk}/on-spot/filing/", {"approve": True}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert data["status"] == "archived" and data["archived_at"] and data["closed_at"]
    case.refresh_from_db()
    assert case.status == "archived" and case.case_code and case.decided_at and case.fine_amount == Decimal("100")
    assert case.paid_amount == Decimal("100") and case.archive_location
    assert OnSpotPenalty.objects.get(case=case).filed_by == side["squad"]
    detail = officer.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["status"] == "archived" and detail["case_code"] == case.case_code
    on_spot = detail["on_spot"]  # the whole record: the on-the-spot decision and its 备案
    assert (on_spot["penalty_kind"], on_spot["fine_amount"], on_spot["receipt_number"]) == (
        "fine",
        "100.00",
        "SH2025-000123",
    )
    assert on_spot["legal_basis"] and on_spot["filed_at"] and on_spot["collected_on_spot"] is True
    assert on_spot["filed_by"].startswith(side["squad"].officer.name)
    assert ID_NUMBER not in officer.get(f"/api/v1/cases/{case.pk}/").content.decode()


def test_api_return_and_decide_again(side):
    officer, squad = logged_in_client(side["officer"]), logged_in_client(side["squad"])
    case_id = officer.post("/api/v1/cases/on-spot/", body(side), content_type="application/json").json()["id"]
    resp = squad.post(f"/api/v1/cases/{case_id}/on-spot/filing/", {"approve": False}, content_type="application/json")
    assert_error_body(resp, 400, "opinion_required")
    resp = squad.post(
        f"/api/v1/cases/{case_id}/on-spot/filing/",
        {"approve": False, "opinion": "收据号有误"},
        content_type="application/json",
    )
    assert resp.json()["current_step"] == "当场处罚决定"
    resp = officer.post(
        f"/api/v1/cases/{case_id}/on-spot/",
        {"penalty_kind": "warning", "status": "archived"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["fine_amount"] is None and resp.json()["payment_status"] == "none"
    assert resp.json()["current_step"] == "备案"


def test_api_refuses_beyond_the_statutory_limits(side):
    officer = logged_in_client(side["officer"])
    before = EnforcementCase.objects.count()
    cases = [
        (body(side, fine_amount="200.01", collected_on_spot=False), "fine_amount"),  # person: ≤ 200
        (body(side, fine_amount="150", receipt_number=""), "collection_reason"),  # > 100 collected on the spot
        (body(side, fine_amount="20"), "fine_amount"),  # below the code's 50 元
        (body(side, penalty_kind="warning", fine_amount="20", collected_on_spot=False), "fine_amount"),
        (body(side, violation_codes=[]), "violation_codes"),
        (body(side, parties=[]), "parties"),
    ]
    for data, field in cases:
        resp = officer.post("/api/v1/cases/on-spot/", data, content_type="application/json")
        err = assert_error_body(resp, 400)
        assert field in err["fields"], (field, err)
    assert EnforcementCase.objects.count() == before  # nothing half-written
    org = {"kind": "organisation", "name": "某客运公司", "credit_code": CREDIT_CODE}
    ok = body(side, parties=[org], fine_amount="1500", collected_on_spot=False)
    resp = officer.post("/api/v1/cases/on-spot/", ok, content_type="application/json")
    assert resp.status_code == 201, resp.content.decode()
    too_much = body(side, parties=[org], fine_amount="3000.01", collected_on_spot=False)
    err = assert_error_body(officer.post("/api/v1/cases/on-spot/", too_much, content_type="application/json"), 400)
    assert "3000" in err["message"]


def test_api_permission_and_scope(side):
    nobody = logged_in_client(side["nobody"])
    assert_error_body(nobody.post("/api/v1/cases/on-spot/", body(side), content_type="application/json"), 403)
    case_id = (
        logged_in_client(side["officer"])
        .post("/api/v1/cases/on-spot/", body(side), content_type="application/json")
        .json()["id"]
    )
    other = logged_in_client(side["squad3"])
    resp = other.post(f"/api/v1/cases/{case_id}/on-spot/filing/", {}, content_type="application/json")
    assert_error_body(resp, 404)
    resp = other.post(f"/api/v1/cases/{case_id}/on-spot/", {"penalty_kind": "warning"}, content_type="application/json")
    assert_error_body(resp, 404)


def test_page_on_spot_then_filing_on_the_task_page(side):
    from teis.workflow.models import WorkTask

    client = logged_in_client(side["officer"])
    assert client.get("/cases/on-spot/new/").status_code == 200
    form = {
        "party_kind": "person",
        "party_name": "周九",
        "party_id_number": ID_NUMBER,
        "facts": "未按规定使用计价器",
        "violation_codes": [side["wide"].pk],
        "penalty_kind": "fine",
        "fine_amount": "500",
    }
    resp = client.post("/cases/on-spot/new/", form)
    assert resp.status_code == 400 and "200" in resp.content.decode()  # the art. 51 limit, on the form
    resp = client.post("/cases/on-spot/new/", {**form, "fine_amount": "80"})
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    case = EnforcementCase.objects.get(title="当场处罚：周九")
    task = WorkTask.objects.get(instance=case.process, spec_name="Task_SimplifiedFiling")
    from teis.workflow import services as wf

    wf.complete_task(side["squad"], task, "approve", "")  # 备案 from the task page goes the same way
    case.refresh_from_db()
    assert case.status == "archived" and case.archived_at and case.case_code and case.fine_amount == 80
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "当场处罚决定" in page and "80" in page


def test_service_rules_direct(side):
    with pytest.raises(ServiceError) as exc:
        svc.check_penalty("person", [side["wide"]], {"penalty_kind": "detention"})
    assert "penalty_kind" in exc.value.fields
    ok = svc.check_penalty("organisation", [side["wide"]], {"penalty_kind": "fine", "fine_amount": "2000"})
    assert ok["fine_amount"] == Decimal("2000") and "20001" in ok["legal_basis"]
