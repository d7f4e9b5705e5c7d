"""信息派发: import (API and CSV) validated as a whole, assignment by station, scoped reassignment, cases in 预登记."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teis.cases.choices import CaseSource, CaseStatus, RecordStatus
from teis.cases.models import EnforcementCase, StationAssignment, ViolationRecord
from teis.cases.services import dispatch
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user, tree):
    from teis.workflow.services import ensure_definitions

    ensure_definitions(None)
    o1 = make_user("field_officer", "squad1")
    o3 = make_user("field_officer", "squad3")
    StationAssignment.objects.create(station="G2-K100", unit=tree["squad1"], officer=o1)
    return {
        "o1": o1,
        "o3": o3,
        "brigade": make_user("brigade_leader", "brigade1"),
        "center": make_user("command_center", "corps"),
        "tree": tree,
    }


ROWS = [
    {
        "station": "G2-K100",
        "detected_at": "2025-03-01 10:00:00",
        "plate": "沪A12345",
        "description": "超限",
        "external_id": "e1",
    },
    {"station": "S20-K5", "detected_at": "2025-03-01 11:00:00", "plate": "沪B54321", "external_id": "e2"},
]


def test_api_import_assigns_by_station(world):
    client = logged_in_client(world["center"])
    r = client.post("/api/v1/cases/violation-records/", {"records": ROWS}, content_type="application/json")
    assert r.status_code == 201 and r.json()["created"] == 2 and r.json()["assigned"] == 1
    a = ViolationRecord.objects.get(external_id="e1")
    b = ViolationRecord.objects.get(external_id="e2")
    assert (a.unit, a.officer, a.status) == (world["tree"]["squad1"], world["o1"], RecordStatus.ASSIGNED)
    assert b.unit is None and b.status == RecordStatus.NEW
    # importing the same source ids again is refused with the row numbers, nothing imported
    r = client.post("/api/v1/cases/violation-records/", {"records": ROWS}, content_type="application/json")
    assert r.status_code == 400 and "第 1 行" in r.json()["message"] and ViolationRecord.objects.count() == 2


def test_import_errors_report_all_rows_and_write_nothing(world):
    bad = [
        ROWS[0],
        {"station": "", "detected_at": "not a time", "plate": "ABC"},
        {"station": "S1", "detected_at": "2025-03-01 10:00", "plate": "沪C11111", "violation_code": "0000000"},
    ]
    with pytest.raises(ServiceError) as err:
        dispatch.do_import_records(world["center"], bad)
    msg = err.value.message
    assert "第 2 行" in msg and "检测站点不能为空" in msg and "检测时间" in msg and "车牌号" in msg
    assert "第 3 行" in msg and "违章代码" in msg and "第 1 行" not in msg
    assert set(err.value.fields) == {"rows.2", "rows.3"}
    assert ViolationRecord.objects.count() == 0
    assert (
        logged_in_client(world["o1"])
        .post("/api/v1/cases/violation-records/", {"records": ROWS}, content_type="application/json")
        .status_code
        == 403
    )


def test_csv_import_page(world):
    client = logged_in_client(world["center"])
    good = "检测站点,检测时间,车牌号,违法情况,来源编号\nG2-K100,2025-03-02 09:00:00,沪A99999,超速,c1\n".encode(
        "gb18030"
    )
    r = client.post("/cases/dispatch/import/", {"file": SimpleUploadedFile("a.csv", good, "text/csv")})
    assert r.status_code == 302 and ViolationRecord.objects.filter(external_id="c1").exists()
    bad = "检测站点,检测时间,车牌号\nG2-K100,2025-03-02 09:00:00,沪A88888\nG2,yesterday,沪A77777\n".encode()
    r = client.post("/cases/dispatch/import/", {"file": SimpleUploadedFile("b.csv", bad, "text/csv")})
    assert r.status_code == 400 and "第 2 行" in r.content.decode()
    assert not ViolationRecord.objects.filter(plate="沪A88888").exists()
    r = client.post("/cases/dispatch/import/", {"file": SimpleUploadedFile("c.csv", b"a,b\n1,2\n", "text/csv")})
    assert r.status_code == 400 and "缺少必需的列" in r.content.decode()


def test_bulk_reassign_within_scope(world, make_user):
    tree = world["tree"]
    result = dispatch.do_import_records(world["center"], ROWS)
    ids = [r.pk for r in result.records]
    o2 = make_user("field_officer", "squad2")
    brigade = world["brigade"]
    # the unassigned record is outside the brigade leader's scope
    with pytest.raises(ServiceError) as err:
        dispatch.do_reassign(brigade, ids, unit=tree["squad2"], officer=o2)
    assert err.value.code == "not_found"
    assert dispatch.do_reassign(world["center"], ids, unit=tree["squad2"], officer=o2) == 2
    assert set(ViolationRecord.objects.values_list("officer", flat=True)) == {o2.pk}
    with pytest.raises(ServiceError) as err:  # a target outside the dispatcher's scope
        dispatch.do_reassign(brigade, ids, unit=tree["squad3"])
    assert err.value.code == "unit_out_of_scope"
    with pytest.raises(ServiceError) as err:  # officer not in the unit
        dispatch.do_reassign(brigade, ids, unit=tree["squad1"], officer=o2)
    assert err.value.code == "officer_not_in_unit"
    client = logged_in_client(brigade)
    r = client.post(
        "/api/v1/cases/violation-records/reassign/",
        {"ids": ids, "unit": tree["squad1"].pk, "officer": world["o1"].pk},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["updated"] == 2
    r = client.post("/cases/dispatch/", {"ids": ids, "action": "reassign", "unit": tree["squad2"].pk, "officer": o2.pk})
    assert r.status_code == 302 and ViolationRecord.objects.filter(unit=tree["squad2"]).count() == 2


def test_generate_cases_into_pre_registration(world):
    result = dispatch.do_import_records(world["center"], ROWS)
    assigned = [r.pk for r in result.records if r.officer_id]
    unassigned = [r.pk for r in result.records if not r.officer_id]
    with pytest.raises(ServiceError) as err:
        dispatch.do_generate_cases(world["center"], assigned + unassigned)
    assert "尚未派发" in err.value.message and EnforcementCase.objects.count() == 0
    r = logged_in_client(world["center"]).post(
        "/api/v1/cases/violation-records/generate/", {"ids": assigned}, content_type="application/json"
    )
    assert r.status_code == 201
    case = EnforcementCase.objects.get(pk=r.json()["cases"][0])
    assert case.status == CaseStatus.PRE_REGISTERED and case.source == CaseSource.DETECTION
    assert case.handler == world["o1"] and case.unit == world["tree"]["squad1"]
    assert list(case.vehicles.values_list("plate", flat=True)) == ["沪A12345"]
    record = ViolationRecord.objects.get(pk=assigned[0])
    assert record.case == case and record.status == RecordStatus.CASE_CREATED
    with pytest.raises(ServiceError):
        dispatch.do_generate_cases(world["center"], assigned)  # only once


# --- 站点派发规则: officer choices and server-side scope check ------------------------------------------------


def test_station_rule_form_offers_only_officers_in_scope(world, tree):
    from django.urls import reverse

    client = logged_in_client(world["brigade"])
    html = client.get(reverse("cases:stationassignment_add")).content.decode()
    assert f'value="{world["o1"].pk}"' in html  # squad1 is under brigade1
    assert f'value="{world["o3"].pk}"' not in html  # squad3 is not
    # a crafted post with an out-of-scope officer id is refused with a Chinese message, nothing written
    resp = client.post(
        reverse("cases:stationassignment_add"),
        {"station": "G2-K200", "unit": tree["squad1"].pk, "officer": world["o3"].pk},
    )
    assert resp.status_code == 400 and "默认执法人员" in resp.content.decode()
    assert not StationAssignment.objects.filter(station="G2-K200").exists()
    resp = client.post(
        reverse("cases:stationassignment_add"),
        {"station": "G2-K200", "unit": tree["squad1"].pk, "officer": world["o1"].pk},
    )
    assert resp.status_code == 302
    assert StationAssignment.objects.get(station="G2-K200").officer == world["o1"]


def test_station_rule_service_refuses_out_of_scope_officer(world, tree, make_user):
    from teis.cases.services.stations import station_service

    with pytest.raises(ServiceError) as exc:
        station_service.do_create(
            world["brigade"], StationAssignment, {"station": "X1", "unit": tree["squad1"], "officer": world["o3"]}
        )
    assert exc.value.code == "officer_out_of_scope" and "数据权限范围" in exc.value.message
    assert "officer" in exc.value.fields
    o2 = make_user("field_officer", "squad2")
    with pytest.raises(ServiceError) as exc:  # in scope, but not of the chosen unit
        station_service.do_create(
            world["brigade"], StationAssignment, {"station": "X1", "unit": tree["squad1"], "officer": o2}
        )
    assert exc.value.code == "officer_not_in_unit"
    with pytest.raises(ServiceError) as exc:
        station_service.do_create(world["brigade"], StationAssignment, {"station": "X1", "unit": tree["squad3"]})
    assert exc.value.code == "unit_out_of_scope"
    rule = StationAssignment.objects.get(station="G2-K100")
    with pytest.raises(ServiceError) as exc:
        station_service.do_update(world["brigade"], rule, {"officer": world["o3"]})
    assert exc.value.code == "officer_out_of_scope"
    assert StationAssignment.objects.get(pk=rule.pk).officer == world["o1"]


def test_station_rule_api_refuses_out_of_scope_officer(world, tree):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world["brigade"])
    url = "/api/v1/cases/stationassignments/"
    r = api.post(url, {"station": "X2", "unit": tree["squad1"].pk, "officer": world["o3"].pk}, format="json")
    # refused before the service by the scoped choices of the serializer (the same scope the form's choices use)
    assert r.status_code == 400 and r.json()["code"] in ("officer_out_of_scope", "invalid")
    assert "officer" in r.json()["fields"] or "数据权限范围" in r.json()["message"]
    assert not StationAssignment.objects.filter(station="X2").exists()
    r = api.post(url, {"station": "X2", "unit": tree["squad1"].pk, "officer": world["o1"].pk}, format="json")
    assert r.status_code == 201
