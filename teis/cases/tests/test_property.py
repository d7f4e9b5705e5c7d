"""涉案财物: register, custody, transfer / return / auction, reminders before custody ends, cross-case query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.cases.choices import PropertyKind, PropertyStatus
from teis.cases.models import EnforcementCase
from teis.cases.services import property as svc
from teis.core.models import TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.workdays import add_workdays


@pytest.fixture
def people(make_user):
    return {
        "officer": make_user("field_officer", "squad1", username="prop_officer"),
        "keeper": make_user("squad_leader", "squad1", username="prop_keeper"),
        "keeper3": make_user("squad_leader", "squad3", username="prop_keeper3"),
        "brigade": make_user("brigade_leader", "brigade1", username="prop_brigade"),
        "brigade2": make_user("brigade_leader", "brigade2", username="prop_brigade2"),
    }


@pytest.fixture
def case(people, tree):
    return EnforcementCase.objects.create(title="非法营运扣车案", unit=tree["squad1"], handler=people["officer"])


def register(people, case, **data):
    data.setdefault("description", "白色轿车一辆")
    data.setdefault("kind", PropertyKind.VEHICLE)
    if data["kind"] == PropertyKind.VEHICLE:
        data.setdefault("plate", "沪A12345")
    return svc.do_register_property(case.handler, case, data)


def test_register_and_bad_input(people, case, tree):
    prop = register(people, case, plate="沪A12345")
    assert prop.keeper_unit_id == tree["squad1"].pk and prop.status == PropertyStatus.SEIZED
    with pytest.raises(ServiceError) as exc:
        register(people, case, description=" ", kind="dragon", quantity=0)
    assert set(exc.value.fields) == {"description", "kind", "quantity"}
    assert case.properties.count() == 1


def test_lifecycle_transfer_return_auction(people, case, tree):
    prop = register(people, case)
    prop = svc.do_store_property(people["keeper"], prop, "第一停车场 A-12", timezone.localdate() + dt.timedelta(30))
    assert prop.status == PropertyStatus.IN_CUSTODY
    with pytest.raises(ServiceError):
        svc.do_transfer_property(people["keeper"], prop, tree["squad1"])  # same keeper
    prop = svc.do_transfer_property(people["keeper"], prop, tree["squad3"], "随案移交第三中队")
    assert prop.status == PropertyStatus.TRANSFERRED and prop.keeper_unit_id == tree["squad3"].pk
    with pytest.raises(ServiceError) as exc:
        svc.do_return_property(people["keeper"], prop)
    assert exc.value.code == "forbidden"  # no longer the squad1 keeper's
    with pytest.raises(ServiceError) as exc:
        svc.do_return_property(people["keeper3"], prop)
    assert exc.value.code == "not_held"

    other = register(people, case, description="营运证一本", kind=PropertyKind.CERTIFICATE)
    with pytest.raises(ServiceError) as exc:  # the officer registers; custody and disposal are the keeper's
        svc.do_return_property(people["officer"], other)
    assert exc.value.code == "forbidden"
    assert svc.do_return_property(people["keeper"], other).status == PropertyStatus.RETURNED
    third = register(people, case, description="改装工具一套", kind=PropertyKind.TOOL)
    with pytest.raises(ServiceError) as exc:
        svc.do_auction_property(people["brigade"], third, None, "-5")
    assert set(exc.value.fields) == {"auction_date", "auction_price"}
    with pytest.raises(ServiceError) as exc:
        svc.do_auction_property(people["brigade"], third, timezone.localdate() + dt.timedelta(days=1), "3000")
    assert set(exc.value.fields) == {"auction_date"}
    sold = svc.do_auction_property(people["brigade"], third, timezone.localdate(), "3000")
    assert sold.status == PropertyStatus.AUCTIONED and sold.auction_price == 3000
    assert sold.auction_date == timezone.localdate()


def test_custody_reminders_n_working_days_before(people, case, tree):
    today = timezone.localdate()
    soon = register(people, case, description="车辆甲", custody_until=add_workdays(today, svc.REMINDER_WORKDAYS))
    later = register(people, case, description="车辆乙", custody_until=add_workdays(today, svc.REMINDER_WORKDAYS + 2))
    gone = register(people, case, description="车辆丙", custody_until=add_workdays(today, 1))
    svc.do_return_property(people["keeper"], gone)

    assert svc.custody_reminders(today) == 1
    todo = TodoItem.objects.get(user=people["keeper"], status=TodoStatus.OPEN, category="涉案财物")
    assert "车辆甲" in todo.title and str(soon.pk) in todo.source_key
    assert svc.custody_reminders(today) == 0  # once per item and period
    # the later one is reminded when its time comes
    assert svc.custody_reminders(add_workdays(today, 2)) == 1
    assert TodoItem.objects.filter(source_key__startswith=f"property:{later.pk}:").count() == 1
    # a transferred item reminds the new keeper unit's squad leader
    moved = register(people, case, description="车辆丁")
    moved = svc.do_transfer_property(people["keeper"], moved, tree["squad3"])
    assert moved.status == PropertyStatus.TRANSFERRED  # no longer held: no reminders


def test_reminder_goes_up_when_the_keeper_unit_has_no_squad_leader(people, case, tree, make_user):
    today = timezone.localdate()
    register(people, case, description="车辆戊", keeper_unit=tree["squad2"], custody_until=today)
    assert svc.custody_reminders(today) == 0  # nobody above squad2 holds the role yet: nothing posted, no error
    upper = make_user("squad_leader", "brigade1", username="prop_upper")
    assert svc.custody_reminders(today) == 1
    todo = TodoItem.objects.get(user=upper)
    assert "已届满" not in todo.title and "即将届满" in todo.title


def test_cross_case_query_in_scope(people, case, tree):
    second = EnforcementCase.objects.create(title="第二起案件", unit=tree["squad1"], handler=people["officer"])
    register(people, case, plate="沪A11111")
    register(people, second, description="营运证", kind=PropertyKind.CERTIFICATE)
    elsewhere = EnforcementCase.objects.create(title="他队案件", unit=tree["squad3"], handler=people["keeper3"])
    register(people, elsewhere, description="外队车辆")

    seen = svc.property_query(people["brigade"])
    assert {p.description for p in seen} == {"白色轿车一辆", "营运证"}  # both cases, not the other brigade's
    assert [p.plate for p in svc.property_query(people["brigade"], text="沪A111")] == ["沪A11111"]
    assert svc.property_query(people["brigade"], kind=PropertyKind.CERTIFICATE).count() == 1
    assert svc.property_query(people["brigade"], status=[PropertyStatus.RETURNED]).count() == 0
    assert {p.description for p in svc.property_query(people["brigade2"])} == {"外队车辆"}
