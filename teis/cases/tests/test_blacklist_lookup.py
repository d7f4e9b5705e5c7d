"""非法客运 records and the 黑名单 (register, review, removal with reason; audited), and 执法对象预查询: prior cases,
violations, blacklist hits and the vehicle's operator for an ID number or a plate, in scope, masked, audited —
on the page (HTMX from the pre-registration form) and through the API."""

# ruff: noqa: F401, F811

from __future__ import annotations

import pytest
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body

from ..models import BlacklistEntry, EnforcementCase, IllegalTransportRecord, ViolationRecord
from ..services import blacklist as svc
from ..services import intake, lookup
from .side_fixtures import CREDIT_CODE, ID_NUMBER, case_setup, media, side

pytestmark = pytest.mark.django_db


def entry(side, **extra):
    data = {"kind": "person", "name": "黑车司机甲", "id_number": ID_NUMBER, "reason": "一年内三次非法客运", **extra}
    return svc.blacklist_service.do_create(side["officer"], BlacklistEntry, data)


def test_register_review_remove(side):
    with pytest.raises(ServiceError) as exc:
        svc.blacklist_service.do_create(side["officer"], BlacklistEntry, {"kind": "person", "name": "", "reason": ""})
    assert {"name", "reason", "id_number"} <= set(exc.value.fields)
    e = entry(side)
    assert e.status == "pending" and e.id_number == ID_NUMBER and e.id_number_index
    with pytest.raises(ServiceError):  # an officer cannot review
        svc.do_review_entry(side["officer"], e, True)
    e = svc.do_review_entry(side["squad"], e, True, "情况属实")
    assert e.status == "active" and e.reviewed_by == side["squad"]
    with pytest.raises(ServiceError) as exc:
        svc.do_remove_entry(side["squad"], e, " ")
    assert "reason" in exc.value.fields
    e = svc.do_remove_entry(side["squad"], e, "已整改，期满移出")
    assert e.status == "removed" and e.removal_reason == "已整改，期满移出"
    ops = set(
        AuditRecord.objects.filter(object_type="cases.blacklistentry").values_list("detail__operation", flat=True)
    )
    assert {"cases.blacklist_register", "cases.blacklist_review", "cases.blacklist_remove"} <= ops
    own = svc.blacklist_service.do_create(
        side["squad"], BlacklistEntry, {"kind": "vehicle", "name": "沪K1", "plate": "沪K12345", "reason": "非法客运"}
    )
    with pytest.raises(ServiceError) as exc:
        svc.do_review_entry(side["squad"], own, True)
    assert exc.value.code == "own_entry"


def test_pages_review_and_remove(side):
    e = entry(side)
    squad = logged_in_client(side["squad"])
    detail = squad.get(f"/cases/blacklistentry/{e.pk}/").content.decode()
    assert "审核" in detail and ID_NUMBER not in detail
    resp = squad.post(f"/cases/blacklistentry/{e.pk}/do/review/", {"approve": "0", "note": ""})
    assert resp.status_code == 400
    assert squad.post(f"/cases/blacklistentry/{e.pk}/do/review/", {"approve": "1", "note": "属实"}).status_code == 302
    assert "移出黑名单" in squad.get(f"/cases/blacklistentry/{e.pk}/").content.decode()
    assert squad.post(f"/cases/blacklistentry/{e.pk}/do/remove/", {"reason": "误列"}).status_code == 302
    e.refresh_from_db()
    assert e.status == "removed"
    assert logged_in_client(side["officer"]).get(f"/cases/blacklistentry/{e.pk}/do/remove/").status_code == 403
    assert logged_in_client(side["squad3"]).get(f"/cases/blacklistentry/{e.pk}/do/remove/").status_code == 404


def test_illegal_transport_record_to_blacklist(side):
    record = svc.illegal_transport_service.do_create(
        side["officer"], IllegalTransportRecord, {"plate": "沪F·88888", "driver_name": "张三", "passengers": 3}
    )
    assert record.plate == "沪F88888"
    officer = logged_in_client(side["officer"])
    assert "列入黑名单" in officer.get(f"/cases/illegaltransportrecord/{record.pk}/").content.decode()
    resp = officer.post(f"/cases/illegaltransportrecord/{record.pk}/blacklist/", {"reason": ""})
    assert resp.status_code == 302
    e = BlacklistEntry.objects.get(source_record=record)
    assert e.kind == "vehicle" and e.plate == "沪F88888" and e.status == "pending"


def test_api_actions_and_hostile_input(side):
    e = entry(side)
    squad, officer = logged_in_client(side["squad"]), logged_in_client(side["officer"])
    # the generic create ignores a status in the body
    resp = officer.post(
        "/api/v1/cases/blacklistentrys/",
        {"kind": "vehicle", "name": "沪G12345", "plate": "沪G12345", "reason": "非法客运", "status": "active"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["status"] == "pending"
    assert_error_body(officer.post(f"/api/v1/cases/blacklist/{e.pk}/review/", {}, content_type="application/json"), 403)
    assert_error_body(
        logged_in_client(side["squad3"]).post(
            f"/api/v1/cases/blacklist/{e.pk}/review/", {}, content_type="application/json"
        ),
        404,
    )
    resp = squad.post(
        f"/api/v1/cases/blacklist/{e.pk}/review/",
        {"approve": True, "status": "removed"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["status"] == "active"
    assert ID_NUMBER not in resp.content.decode()
    assert_error_body(squad.post(f"/api/v1/cases/blacklist/{e.pk}/remove/", {}, content_type="application/json"), 400)
    resp = squad.post(f"/api/v1/cases/blacklist/{e.pk}/remove/", {"reason": "误列"}, content_type="application/json")
    assert resp.json()["status"] == "removed"


# --- 执法对象预查询 -------------------------------------------------------------------------------------------------


@pytest.fixture
def known(side, tree):
    case = intake.do_pre_register(
        side["officer"],
        {
            "title": "网约车非法营运",
            "parties": [
                {"kind": "person", "name": "赵大", "id_number": ID_NUMBER},
                {"kind": "organisation", "name": "某汽车租赁公司", "credit_code": CREDIT_CODE},
            ],
            "vehicles": [{"plate": "沪H12345", "operating_licence": "沪交运 310000123"}],
        },
        process_key="case_coercive",
    )
    ViolationRecord.objects.create(
        station="G15 检测站", detected_at=timezone.now(), plate="沪H12345", unit=tree["squad1"], description="超限 30%"
    )
    e = entry(side)
    svc.do_review_entry(side["squad"], e, True)
    elsewhere = EnforcementCase.objects.create(title="外队案件", unit=tree["squad3"], handler=side["officer3"])
    elsewhere.vehicles.create(plate="沪H12345")
    return {"case": case, "elsewhere": elsewhere}


def test_lookup_by_id_number_and_plate(side, known):
    result = lookup.lookup_party(side["squad"], id_number=ID_NUMBER.lower())
    assert [c["id"] for c in result["cases"]] == [known["case"].pk]
    assert len(result["blacklist"]) == 1 and result["blacklist"][0]["name"] != "黑车司机甲"  # masked for the squad
    assert ID_NUMBER not in str(result)
    result = lookup.lookup_party(side["squad"], plate="沪h·12345")
    assert [c["id"] for c in result["cases"]] == [known["case"].pk]  # not the other brigade's case
    assert result["violations"][0]["station"] == "G15 检测站"
    assert result["operators"] == [{"name": "某汽车租赁公司", "credit_code": CREDIT_CODE}]
    assert result["operating_licences"] == ["沪交运 310000123"]
    assert AuditRecord.objects.filter(actor=side["squad"], detail__operation="cases.party_lookup").count() == 2
    with pytest.raises(ServiceError) as exc:
        lookup.lookup_party(side["squad"], id_number="123")
    assert "id_number" in exc.value.fields


def test_lookup_page_htmx_and_api(side, known):
    officer = logged_in_client(side["officer"])
    # from the pre-registration form: the party row's field name, an HTMX request, the fragment only
    resp = officer.get("/cases/lookup/", {"parties-0-id_number": ID_NUMBER}, HTTP_HX_REQUEST="true")
    html = resp.content.decode()
    assert resp.status_code == 200 and "<html" not in html and "黑名单命中" in html and "网约车非法营运" in html
    assert 'hx-get="/cases/lookup/"' in officer.get("/cases/new/").content.decode()
    resp = officer.get("/api/v1/cases/lookup/", {"plate": "沪H12345"})
    assert resp.status_code == 200 and resp.json()["cases"][0]["id"] == known["case"].pk
    assert_error_body(officer.get("/api/v1/cases/lookup/"), 400)
    assert_error_body(logged_in_client(side["nobody"]).get("/api/v1/cases/lookup/", {"plate": "沪H12345"}), 403)
