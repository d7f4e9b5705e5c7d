"""治超: the GB 1589-2016 table, the overload ratio, overload facts through the pre-registration form and API,
卸载 / 转运 records, and 一超四罚 — an overload case generates its four related objects (cases or 抄告)."""

# ruff: noqa: F401, F811

from __future__ import annotations

from decimal import Decimal

import pytest

from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body

from ..models import EnforcementCase, FourPenaltyLink, OverloadUnloading
from ..services import intake
from ..services import overload as svc
from .side_fixtures import CREDIT_CODE, case_setup, media, side

pytestmark = pytest.mark.django_db


def test_statutory_limits_and_ratio():
    assert [svc.statutory_limit_kg(n) for n in (1, 2, 3, 4, 5, 6, 7)] == [
        None,
        18000,
        25000,
        31000,
        43000,
        49000,
        49000,
    ]
    assert svc.overload_ratio(62000, 49000) == Decimal("26.53")
    assert svc.overload_ratio(40000, 43000) == Decimal("0.00")
    assert svc.overload_ratio(None, 43000) is None


def overload_case(side, **extra):
    data = {
        "title": "六轴货车超限运输",
        "procedure": "general",
        "facts": "六轴货车车货总重 62 吨",
        "axles": 6,
        "gross_weight_kg": 62000,
        "parties": [{"kind": "organisation", "name": "某物流有限公司", "credit_code": CREDIT_CODE}],
        "vehicles": [{"plate": "沪D12345", "driver_name": "钱大", "driver_licence": "310101198001011234"}],
        **extra,
    }
    return intake.do_pre_register(side["officer"], data, process_key="case_coercive")


def test_pre_register_takes_the_limit_from_the_table(side):
    case = overload_case(side)
    assert case.weight_limit_kg == 49000 and case.overload_ratio == Decimal("26.53")
    explicit = overload_case(side, axles=3, gross_weight_kg=30000, weight_limit_kg=27000)
    assert explicit.weight_limit_kg == 27000 and explicit.overload_ratio == Decimal("11.11")


def test_pre_register_api_and_form_carry_overload_facts(side):
    client = logged_in_client(side["officer"])
    resp = client.post(
        "/api/v1/cases/pre-register/",
        {"title": "四轴超限", "axles": 4, "gross_weight_kg": 40000, "status": "archived"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    case = EnforcementCase.objects.get(pk=resp.json()["id"])
    assert case.weight_limit_kg == 31000 and case.overload_ratio == Decimal("29.03") and case.status == "pre_registered"
    assert 'name="axles"' in client.get("/cases/new/").content.decode()


def test_unloading_record(side):
    case = overload_case(side)
    with pytest.raises(ServiceError) as exc:
        svc.do_record_unloading(side["officer"], case, {"method": "dump", "unloaded_kg": 0, "place": ""})
    assert set(exc.value.fields) == {"method", "unloaded_kg", "place"}
    record = svc.do_record_unloading(
        side["officer"], case, {"method": "unload", "unloaded_kg": 13000, "place": "某卸货场"}
    )
    assert record.case == case and record.get_method_display() == "卸载"
    resp = logged_in_client(side["officer"]).post(
        f"/api/v1/cases/{case.pk}/unloading/",
        {"method": "tranship", "unloaded_kg": 500, "place": "转运点"},
        content_type="application/json",
    )
    assert resp.status_code == 201 and OverloadUnloading.objects.filter(case=case).count() == 2
    page = logged_in_client(side["officer"]).get(f"/cases/{case.pk}/").content.decode()
    assert "卸载" in page and "一超四罚" in page and "26.53" in page


def test_overload_case_generates_its_four_penalty_objects(side):
    case = overload_case(side)
    officer = logged_in_client(side["officer"])
    form = officer.get(f"/cases/{case.pk}/four-penalties/").content.decode()
    assert "某物流有限公司" in form and "钱大" in form and "沪D12345" in form  # pre-filled from the case
    before = EnforcementCase.objects.count()
    resp = officer.post(
        f"/cases/{case.pk}/four-penalties/",
        {
            "vehicle__action": "copy_report",
            "vehicle__subject_name": "沪D12345",
            "vehicle__copy_to": "车籍地公安机关交通管理部门",
            "driver__action": "case",
            "driver__subject_name": "钱大",
            "operator__action": "case",
            "operator__subject_name": "某物流有限公司",
            "operator__identifier": CREDIT_CODE,
            "loading_site__action": "copy_report",
            "loading_site__subject_name": "某砂石料场",
            "loading_site__copy_to": "某区交通运输局",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[-3000:]
    links = {x.target: x for x in FourPenaltyLink.objects.filter(source_case=case)}
    assert set(links) == {"vehicle", "driver", "operator", "loading_site"}
    assert links["vehicle"].related_case is None and links["vehicle"].copy_to.startswith("车籍地")
    driver_case, operator_case = links["driver"].related_case, links["operator"].related_case
    assert driver_case.status == "pre_registered" and driver_case.process_id and "钱大" in driver_case.title
    assert operator_case.parties.get().credit_code == CREDIT_CODE
    assert case.case_code or str(case.pk) in operator_case.facts
    assert EnforcementCase.objects.count() == before + 2
    page = officer.get(f"/cases/{case.pk}/").content.decode()
    assert driver_case.title in page and "某区交通运输局" in page
    # once per case
    with pytest.raises(ServiceError) as exc:
        svc.do_generate_four_penalties(side["officer"], case, {})
    assert exc.value.code == "already_generated"


def test_four_penalties_api_and_refusals(side, tree):
    case = overload_case(side)
    officer = logged_in_client(side["officer"])
    bad = {"operator": {"action": "case", "identifier": "123"}, "loading_site": {"action": "case"}}
    err = assert_error_body(
        officer.post(f"/api/v1/cases/{case.pk}/four-penalties/", bad, content_type="application/json"), 400
    )
    assert "operator.identifier" in err["fields"] and "loading_site.subject_name" in err["fields"]
    assert not FourPenaltyLink.objects.exists()
    long = {"loading_site": {"action": "copy_report", "subject_name": "料" * 201}}  # refused, never cut
    err = assert_error_body(
        officer.post(f"/api/v1/cases/{case.pk}/four-penalties/", long, content_type="application/json"), 400
    )
    assert "不能超过 200 个字" in err["fields"]["loading_site.subject_name"][0]
    assert not FourPenaltyLink.objects.exists()
    ok = {"loading_site": {"action": "copy_report", "subject_name": "某料场"}, "status": "closed"}
    resp = officer.post(f"/api/v1/cases/{case.pk}/four-penalties/", ok, content_type="application/json")
    assert resp.status_code == 201, resp.content
    assert len(resp.json()["results"]) == 4
    plain = EnforcementCase.objects.create(title="普通案件", unit=tree["squad1"], handler=side["officer"])
    resp = officer.post(f"/api/v1/cases/{plain.pk}/four-penalties/", {}, content_type="application/json")
    assert_error_body(resp, 400, "not_overload")
    other = EnforcementCase.objects.create(title="他队案件", unit=tree["squad3"], handler=side["officer3"])
    assert_error_body(
        officer.post(f"/api/v1/cases/{other.pk}/four-penalties/", {}, content_type="application/json"), 404
    )
    assert_error_body(officer.post(f"/api/v1/cases/{other.pk}/unloading/", {}, content_type="application/json"), 404)
    nobody = logged_in_client(side["nobody"])
    assert_error_body(nobody.post(f"/api/v1/cases/{case.pk}/four-penalties/", {}, content_type="application/json"), 403)
    assert_error_body(nobody.post(f"/api/v1/cases/{case.pk}/unloading/", {}, content_type="application/json"), 403)
