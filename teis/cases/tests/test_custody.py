"""涉案财物 reachable by the roles that use it, custody places, 扣押车辆停车管理 (entry, release document, the fee
rule), the case page's register button, the property actions, and their API (permission 403, scope 404, a
`status` in the body ignored)."""

# ruff: noqa: F401, F811

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from teis.core.models import TodoItem
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body

from ..choices import PropertyKind, PropertyStatus
from ..models import CarPark, CaseProperty, CustodyPlace, EnforcementCase, ParkingRecord
from ..services import parking
from ..services import property as svc
from .side_fixtures import case_setup, media, side

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(side, tree):
    side["case"] = EnforcementCase.objects.create(
        title="非法营运扣车案", unit=tree["squad1"], handler=side["officer"], status="investigating"
    )
    side["place"] = CustodyPlace.objects.create(name="第一支队涉案财物库", unit=tree["det1"])
    side["park"] = CarPark.objects.create(name="第一支队扣车场", unit=tree["det1"], daily_tariff=Decimal("20"))
    return side


def vehicle(setup, **extra):
    data = {"kind": PropertyKind.VEHICLE, "description": "白色轿车", "plate": "沪A·12345", **extra}
    return svc.do_register_property(setup["officer"], setup["case"], data)


def test_fee_rule_partial_day_counts_as_a_day():
    start = timezone.make_aware(dt.datetime(2025, 3, 1, 10, 0))
    assert parking.parking_fee(start, start + dt.timedelta(minutes=5), Decimal("20")) == (1, Decimal("20.00"))
    assert parking.parking_fee(start, start + dt.timedelta(hours=24), Decimal("20")) == (1, Decimal("20.00"))
    assert parking.parking_fee(start, start + dt.timedelta(hours=24, seconds=1), Decimal("20")) == (2, Decimal("40.00"))
    assert parking.parking_fee(start, start + dt.timedelta(days=9, hours=3), Decimal("12.5")) == (10, Decimal("125.00"))


def test_evidence_admin_sees_and_manages_property_in_scope(setup, client):
    prop = vehicle(setup)
    assert prop.plate == "沪A12345"
    keeper = logged_in_client(setup["evidence"])
    page = keeper.get("/").content.decode()
    assert "/cases/caseproperty/" in page and "/cases/carpark/" in page  # the menu entries
    assert "白色轿车" in keeper.get("/cases/caseproperty/").content.decode()
    detail = keeper.get(f"/cases/caseproperty/{prop.pk}/").content.decode()
    assert "入库保管" in detail and "入场停放" in detail and "拍卖" in detail
    resp = keeper.post(
        f"/cases/caseproperty/{prop.pk}/do/store/",
        {"custody_place": setup["place"].pk, "storage_place": "A-01", "custody_until": "2099-01-01"},
    )
    assert resp.status_code == 302
    prop.refresh_from_db()
    assert prop.status == PropertyStatus.IN_CUSTODY and prop.custody_place == setup["place"]
    # another brigade's custodian does not even see it
    from teis.core.testing import make_officer_user

    other = make_officer_user(role_codes=["evidence_admin"], unit=setup["tree"]["brigade2"], username="side_ev2")
    assert logged_in_client(other).get(f"/cases/caseproperty/{prop.pk}/").status_code == 404
    # the officer sees it (own unit) but has no disposal buttons
    officer_page = logged_in_client(setup["officer"]).get(f"/cases/caseproperty/{prop.pk}/").content.decode()
    assert "/do/auction/" not in officer_page and "白色轿车" in officer_page


def test_register_from_the_case_page(setup):
    officer = logged_in_client(setup["officer"])
    case = setup["case"]
    assert "登记涉案财物" in officer.get(f"/cases/{case.pk}/").content.decode()
    url = f"/cases/{case.pk}/property/new/"
    assert officer.get(url).status_code == 200
    resp = officer.post(url, {"kind": "vehicle", "description": "黑色面包车", "quantity": 1})
    assert resp.status_code == 400 and "车牌号" in resp.content.decode()
    resp = officer.post(
        url,
        {
            "kind": "vehicle",
            "description": "黑色面包车",
            "quantity": 1,
            "plate": "沪B54321",
            "custody_place": setup["place"].pk,
        },
    )
    assert resp.status_code == 302
    assert case.properties.get().custody_place == setup["place"]
    # another officer of the unit who is not on the case may not register on it
    with pytest.raises(ServiceError):
        svc.do_register_property(setup["officer2"], case, {"kind": "tool", "description": "工具"})
    assert logged_in_client(setup["nobody"]).get(url).status_code == 403


def test_park_release_slip_and_held_list(setup):
    prop = vehicle(setup)
    prop.seized_at = timezone.now() - dt.timedelta(days=5)
    prop.save(update_fields=["seized_at"])
    keeper = logged_in_client(setup["evidence"])
    resp = keeper.post(f"/cases/caseproperty/{prop.pk}/do/park/", {"car_park": setup["park"].pk, "space": "B-7"})
    assert resp.status_code == 302
    record = ParkingRecord.objects.get(property=prop)
    ParkingRecord.objects.filter(pk=record.pk).update(entered_at=timezone.now() - dt.timedelta(days=2, hours=1))
    held = keeper.get("/cases/parking/held/").content.decode()
    assert "沪A12345" in held and "60.00" in held  # 3 started days × 20 元
    with pytest.raises(ServiceError) as exc:
        parking.do_park_vehicle(setup["evidence"], prop, setup["park"])
    assert exc.value.code == "already_parked"
    resp = keeper.post(f"/cases/parkingrecord/{record.pk}/release/", {"released_to": "车主 孙八 310101…", "note": ""})
    assert resp.status_code == 302
    record.refresh_from_db()
    assert (
        record.parking_days == 3 and record.parking_fee == Decimal("60.00") and record.released_by == setup["evidence"]
    )
    slip = keeper.get(f"/cases/parkingrecord/{record.pk}/slip/").content.decode()
    assert record.release_number in slip and "60.00" in slip and "孙八" in slip
    assert "沪A12345" not in keeper.get("/cases/parking/held/").content.decode()


def test_auction_releases_the_vehicle_and_unblocks_closing(setup):
    prop = vehicle(setup)
    parking.do_park_vehicle(setup["evidence"], prop, setup["park"])
    sold = svc.do_auction_property(
        setup["evidence"], prop, timezone.localdate(), Decimal("35000"), buyer="某拍卖买受人"
    )
    assert sold.status == PropertyStatus.AUCTIONED and sold.auction_price == Decimal("35000.00")
    record = ParkingRecord.objects.get(property=prop)
    assert record.released_at and record.released_to == "某拍卖买受人" and record.parking_fee == Decimal("20.00")
    assert svc.property_settled(setup["case"]) is None
    todo = TodoItem.objects.get(user=setup["officer"], source_key=f"case:{setup['case'].pk}:property_settled")
    assert "已全部处置" in todo.title


def test_capacity_and_kind_checks(setup):
    setup["park"].capacity = 1
    setup["park"].save()
    parking.do_park_vehicle(setup["evidence"], vehicle(setup), setup["park"])
    with pytest.raises(ServiceError) as exc:
        parking.do_park_vehicle(setup["evidence"], vehicle(setup, plate="沪C11111"), setup["park"])
    assert "车位已满" in exc.value.message
    tool = svc.do_register_property(setup["officer"], setup["case"], {"kind": "tool", "description": "撬棍"})
    with pytest.raises(ServiceError) as exc:
        parking.do_park_vehicle(setup["evidence"], tool, setup["park"])
    assert "property" in exc.value.fields


def test_transfer_with_the_case(setup, tree):
    prop = vehicle(setup)
    moved = svc.transfer_case_properties(setup["squad"], setup["case"], tree["squad3"], "案件移交第三中队")
    assert [p.pk for p in moved] == [prop.pk]
    prop.refresh_from_db()
    assert prop.keeper_unit == tree["squad3"] and prop.status == PropertyStatus.TRANSFERRED


def test_custody_reminder_goes_to_the_custodian(setup):
    prop = vehicle(setup, custody_until=timezone.localdate())
    assert svc.custody_reminders(timezone.localdate()) == 1
    assert TodoItem.objects.filter(user=setup["evidence"], source_key__startswith=f"property:{prop.pk}:").exists()


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_register_act_release(setup):
    officer, keeper = logged_in_client(setup["officer"]), logged_in_client(setup["evidence"])
    case = setup["case"]
    resp = officer.post(
        f"/api/v1/cases/{case.pk}/property/",
        {"kind": "vehicle", "description": "白色轿车", "plate": "沪A12345", "status": "auctioned"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    pid = resp.json()["id"]
    assert resp.json()["status"] == "seized"  # a status in the body is ignored
    resp = keeper.post(
        f"/api/v1/cases/property/{pid}/park/",
        {"car_park": setup["park"].pk, "status": "x"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    rid = resp.json()["id"]
    held = keeper.get("/api/v1/cases/parking/held/").json()
    assert held["count"] == 1 and held["results"][0]["fee"] == "20.00"
    assert_error_body(keeper.post(f"/api/v1/cases/parking/{rid}/release/", {}, content_type="application/json"), 400)
    resp = keeper.post(
        f"/api/v1/cases/parking/{rid}/release/", {"released_to": "车主"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["parking_fee"] == "20.00"
    resp = keeper.post(
        f"/api/v1/cases/property/{pid}/auction/",
        {"auction_date": str(timezone.localdate()), "auction_price": "-1"},
        content_type="application/json",
    )
    assert "auction_price" in assert_error_body(resp, 400)["fields"]
    resp = keeper.post(
        f"/api/v1/cases/property/{pid}/auction/",
        {"auction_date": str(timezone.localdate()), "auction_price": "12000"},
        content_type="application/json",
    )
    assert (
        resp.status_code == 200 and resp.json()["status"] == "auctioned" and resp.json()["auction_price"] == "12000.00"
    )
    assert_error_body(keeper.post(f"/api/v1/cases/property/{pid}/melt/", {}, content_type="application/json"), 404)


def test_api_hostile(setup, tree):
    prop = vehicle(setup)
    elsewhere = EnforcementCase.objects.create(title="他队案件", unit=tree["squad3"], handler=setup["officer3"])
    other = svc.do_register_property(setup["officer3"], elsewhere, {"kind": "tool", "description": "外队工具"})
    officer, keeper, nobody = (logged_in_client(setup[k]) for k in ("officer", "evidence", "nobody"))
    # another unit's id: 404
    assert_error_body(
        officer.post(
            f"/api/v1/cases/{elsewhere.pk}/property/",
            {"kind": "tool", "description": "x"},
            content_type="application/json",
        ),
        404,
    )
    assert_error_body(
        keeper.post(f"/api/v1/cases/property/{other.pk}/return/", {}, content_type="application/json"), 404
    )
    # a role without the permission: 403 (audited)
    assert_error_body(
        officer.post(f"/api/v1/cases/property/{prop.pk}/return/", {}, content_type="application/json"), 403
    )
    assert_error_body(
        nobody.post(f"/api/v1/cases/{setup['case'].pk}/property/", {}, content_type="application/json"), 403
    )
    assert_error_body(nobody.get("/api/v1/cases/parking/held/"), 403)
    assert_error_body(officer.post("/api/v1/cases/parking/1/release/", {}, content_type="application/json"), 403)
    prop.refresh_from_db()
    assert prop.status == PropertyStatus.SEIZED
