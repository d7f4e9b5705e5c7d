"""行政强制措施 and 行政检查 records (teis.cases.services.coercive / inspection), written step by step through
`workflow.services.complete_task` by the roles of the diagrams' lanes: dates, period, end day, extension once with
its approver, release returning the property, to penalty; bad input refused naming the field with nothing
half-written; the case page and `GET /api/v1/cases/{id}/` show the records (basic / process / result)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from teis.cases import steps
from teis.cases.choices import CaseStatus, PropertyStatus
from teis.cases.models import CaseProperty, CoerciveMeasure, InspectionRecord
from teis.cases.services import procedure
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.workflow import services as wf
from teis.workflow.choices import Decision, InstanceStatus, TaskStatus
from teis.workflow.services import deadline_after

from ._record import make_full_case, measure_facts
from .test_processes import FILES

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, roles):
    wf.ensure_definitions(None, FILES)
    return {
        "officer": make_user("field_officer", "squad1", username="ci_officer"),
        "officer2": make_user("field_officer", "squad1", username="ci_officer2"),
        "squad": make_user("squad_leader", "squad1", username="ci_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="ci_brigade"),
        "leader": make_user("leadership", "corps", username="ci_leader"),
        "other": make_user("field_officer", "squad2", username="ci_elsewhere"),
    }


def started(people, tree, procedure_name: str):
    case = make_full_case(tree["squad1"], people["officer"], procedure=procedure_name, title="涉嫌非法营运")
    key = steps.process_key_for(case)
    wf.start_process(people["officer"], key, case, case.unit, steps.start_data(case))
    case.refresh_from_db()
    return case


def task(case, step):
    rows = list(case.process.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]))
    assert [r.spec_name for r in rows] == [step], [r.spec_name for r in rows]
    return rows[0]


def do(case, user, step, data=None, decision=Decision.APPROVE, opinion="同意"):
    case.refresh_from_db()
    facts = measure_facts(case, step) if data is None else data
    wf.complete_task(user, task(case, step), decision, opinion, facts)
    case.refresh_from_db()
    return case


def refused(case, user, step, data) -> ServiceError:
    with pytest.raises(ServiceError) as exc:
        do(case, user, step, data)
    task(case, step)  # the process did not move
    return exc.value


def measure(case) -> CoerciveMeasure:
    return CoerciveMeasure.objects.get(case=case)


def to_decision(case, people, **apply):
    do(case, people["officer"], "Task_CoerciveApply", {**measure_facts(case, "Task_CoerciveApply"), **apply})
    do(case, people["brigade"], "Task_CoerciveApproval")
    return case


EXTEND = {"extend": True, "extension_days": 20, "extension_reason": "涉案设备需送检鉴定"}


# --- 行政强制措施 --------------------------------------------------------------------------------------------------


def test_seizure_extended_once_then_released_returns_the_property(people, tree):
    case = started(people, tree, "coercive")
    to_decision(case, people)
    m = measure(case)
    assert m.kind == "seize" and m.objects_list == ["计价器 1 台", "车载 POS 机 1 台"]
    assert m.applied_by == people["officer"] and m.approved_by == people["brigade"] and m.approved_at
    now = timezone.now()
    decision = {
        "measure_number": "沪交强扣〔2026〕1号",
        "measure_decided_at": now,
        "measure_served_at": now + dt.timedelta(minutes=1),
        "measure_period": 30,
    }
    do(case, people["officer"], "Task_CoerciveDecision", decision)
    m.refresh_from_db()
    start = timezone.localtime(decision["measure_decided_at"]).date()
    assert m.decision_number == "沪交强扣〔2026〕1号" and m.starts_on == start and m.period_days == 30
    assert m.ends_on == procedure.coercive_deadline(start)  # 30 natural days, a holiday moves it on
    items = list(m.properties.order_by("pk"))
    assert [(p.description, p.status, p.custody_until) for p in items] == [
        ("计价器 1 台", PropertyStatus.SEIZED, m.ends_on),
        ("车载 POS 机 1 台", PropertyStatus.SEIZED, m.ends_on),
    ]
    assert case.status == CaseStatus.ENFORCING

    do(case, people["officer"], "Task_CoerciveDuring", EXTEND)
    do(case, people["leader"], "Task_ExtensionApproval")
    m.refresh_from_db()
    assert m.extended and m.extension_approved_by == people["leader"] and m.extension_days == 20
    assert m.ends_on == deadline_after(start, calendar_days=50)
    assert set(CaseProperty.objects.filter(case=case).values_list("custody_until", flat=True)) == {m.ends_on}

    err = refused(case, people["officer"], "Task_CoerciveDuring", {**EXTEND, "extension_days": 5})
    assert "extend" in err.fields and "不能再次延期" in err.message
    m.refresh_from_db()
    assert m.extension_days == 20  # the refused second request wrote nothing

    do(case, people["officer"], "Task_CoerciveDuring", {"measure_progress": "经鉴定，设备未改装"})
    released = timezone.now()
    do(case, people["officer"], "Task_CoerciveRelease", {"release_at": released, "release_reason": "违法事实不成立"})
    m.refresh_from_db()
    assert m.result == "released" and m.released_at == released and m.progress == "经鉴定，设备未改装"
    assert set(CaseProperty.objects.filter(case=case).values_list("status", flat=True)) == {PropertyStatus.RETURNED}
    assert case.status == CaseStatus.CLOSED and case.process.status == InstanceStatus.COMPLETED

    client = APIClient()
    client.force_authenticate(people["officer"])
    body = client.get(f"/api/v1/cases/{case.pk}/").json()["coercive"]
    assert body["basic"]["kind_display"] == "扣押财物" and body["basic"]["approved_by"]
    assert body["basic"]["decision_number"] == "沪交强扣〔2026〕1号"
    assert body["process"]["ends_on"] == m.ends_on.isoformat() and body["process"]["extended"] is True
    assert body["process"]["extension_days"] == 20 and body["process"]["period_days"] == 30
    assert [p["status_display"] for p in body["process"]["properties"]] == ["已返还", "已返还"]
    assert body["result"]["result_display"] == "解除" and body["result"]["release_reason"] == "违法事实不成立"
    page = logged_in_client(people["officer"]).get(f"/cases/{case.pk}/").content.decode()
    assert "行政强制措施" in page and "沪交强扣〔2026〕1号" in page and "违法事实不成立" in page


def test_vehicle_needs_its_plate_and_bad_dates_and_period_are_refused(people, tree):
    case = started(people, tree, "coercive")
    vehicle = {**measure_facts(case, "Task_CoerciveApply"), "measure_kind": "vehicle", "measure_objects": ""}
    err = refused(case, people["officer"], "Task_CoerciveApply", vehicle)
    assert err.fields["measure_plate"] == ["暂扣车辆须填写车牌号"]
    assert not CoerciveMeasure.objects.filter(case=case).exists()
    to_decision(case, people, measure_kind="vehicle", measure_plate="沪A12345", measure_objects="")
    now = timezone.now()
    good = {
        "measure_number": "沪交强暂〔2026〕2号",
        "measure_decided_at": now,
        "measure_served_at": now,
        "measure_period": 30,
    }
    err = refused(case, people["officer"], "Task_CoerciveDecision", {**good, "measure_period": 31})
    assert "不得超过 30 日" in err.fields["measure_period"][0]
    err = refused(
        case,
        people["officer"],
        "Task_CoerciveDecision",
        {**good, "measure_served_at": now - dt.timedelta(hours=1), "measure_number": ""},
    )
    assert err.fields["measure_served_at"] == ["决定书送达时间不能早于决定时间"]
    assert err.fields["measure_number"] == ["请填写决定书文号"]  # every problem named at once
    m = measure(case)
    assert not m.decision_number and not m.properties.exists()  # nothing half-written
    do(case, people["officer"], "Task_CoerciveDecision", good)
    vehicle_row = measure(case).properties.get()
    assert vehicle_row.kind == "vehicle" and vehicle_row.plate == "沪A12345"

    err = refused(case, people["officer"], "Task_CoerciveDuring", {**EXTEND, "extension_days": 31})
    assert "extension_days" in err.fields
    err = refused(case, people["officer"], "Task_CoerciveDuring", {"extend": True})
    assert set(err.fields) == {"extension_days", "extension_reason"}
    do(case, people["officer"], "Task_CoerciveDuring", EXTEND)
    do(case, people["leader"], "Task_ExtensionApproval", {}, Decision.REJECT, "理由不充分")
    m.refresh_from_db()
    assert not m.extended and m.extension_refused == "理由不充分"
    do(case, people["officer"], "Task_CoerciveDuring", EXTEND)  # refused once, it may be asked again
    do(case, people["leader"], "Task_ExtensionApproval")
    m.refresh_from_db()
    assert m.extended and m.ends_on == deadline_after(m.starts_on, calendar_days=50)
    do(case, people["officer"], "Task_CoerciveDuring", {"to_penalty": True})
    err = refused(case, people["officer"], "Task_ToPenalty", {"measure_result": "to_penalty"})
    assert "result_note" in err.fields
    do(case, people["officer"], "Task_ToPenalty")
    m.refresh_from_db()
    assert m.result == "to_penalty" and m.result_note == "转入一般程序立案查处"
    assert measure(case).properties.get().status == PropertyStatus.SEIZED  # held for the penalty decision
    body = APIClient()
    body.force_authenticate(people["officer"])
    out = body.get(f"/api/v1/cases/{case.pk}/").json()["coercive"]
    assert out["basic"]["plate"] == "沪A12345" and out["result"]["result_display"] == "转入行政处罚"


def test_release_before_the_start_and_extension_after_the_end_are_refused(people, tree):
    case = started(people, tree, "coercive")
    to_decision(case, people, measure_on_the_spot=True)  # seized on the spot, approval obtained afterwards
    now = timezone.now()
    start = timezone.localdate() - dt.timedelta(days=5)
    do(
        case,
        people["officer"],
        "Task_CoerciveDecision",
        {
            "measure_number": "沪交强扣〔2026〕3号",
            "measure_decided_at": now - dt.timedelta(days=6),
            "measure_served_at": now - dt.timedelta(days=6),
            "measure_starts_on": start,
            "measure_period": 10,
        },
    )
    m = measure(case)
    assert m.ends_on == deadline_after(start, calendar_days=10)
    # the period has run out: no extension any more
    CoerciveMeasure.objects.filter(pk=m.pk).update(ends_on=timezone.localdate() - dt.timedelta(days=1))
    err = refused(case, people["officer"], "Task_CoerciveDuring", EXTEND)
    assert "届满" in err.fields["extend"][0]
    do(case, people["officer"], "Task_CoerciveDuring")
    err = refused(
        case,
        people["officer"],
        "Task_CoerciveRelease",
        {"release_at": now - dt.timedelta(days=7), "release_reason": "期限届满"},
    )
    assert "不能早于强制措施起始日期" in err.fields["release_at"][0]
    m.refresh_from_db()
    assert m.released_at is None and not m.result
    assert set(m.properties.values_list("status", flat=True)) == {PropertyStatus.SEIZED}
    do(case, people["officer"], "Task_CoerciveRelease", {"release_at": now, "release_reason": "期限届满"})
    assert set(m.properties.values_list("status", flat=True)) == {PropertyStatus.RETURNED}


def test_coercive_forms_on_the_task_api_name_the_field(people, tree):
    case = started(people, tree, "coercive")
    client = APIClient()
    client.force_authenticate(people["officer"])
    wt = task(case, "Task_CoerciveApply")
    r = client.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve", "data": {}}, format="json")
    assert r.status_code == 400 and "measure_kind" in r.json()["fields"]
    data = {**measure_facts(case, "Task_CoerciveApply"), "measure_on_the_spot": True}
    r = client.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve", "data": data}, format="json")
    assert r.status_code == 200, r.json()
    assert measure(case).on_the_spot is True


# --- 行政检查 --------------------------------------------------------------------------------------------------


def test_inspection_with_two_inspectors_rectification_and_review(people, tree):
    case = started(people, tree, "inspection")
    base = {
        **measure_facts(case, "Task_InspectionRegister"),
        "inspection_party_id": "91310000MA1FL0000X",
        "inspection_result": "problems",
        "inspection_problems": "2 辆车未按期年审",
        "inspection_handling": "rectify",
    }
    err = refused(case, people["officer"], "Task_InspectionRegister", {**base, "inspection_co_inspector": None})
    assert "两名以上执法人员" in err.fields["inspection_co_inspector"][0]
    for co in (people["officer"], people["other"]):  # oneself, or an officer of another unit
        err = refused(case, people["officer"], "Task_InspectionRegister", {**base, "inspection_co_inspector": co.pk})
        assert "inspection_co_inspector" in err.fields
    err = refused(
        case, people["officer"], "Task_InspectionRegister", {**base, "inspection_co_inspector": people["officer2"].pk}
    )
    assert err.fields["inspection_rectify_by"] == ["责令改正的，请填写整改期限"]
    err = refused(
        case,
        people["officer"],
        "Task_InspectionRegister",
        {**base, "inspection_result": "qualified", "inspection_problems": ""},
    )
    assert "无需处理" in err.fields["inspection_handling"][0]
    assert not InspectionRecord.objects.filter(case=case).exists()  # nothing half-written

    deadline = timezone.localdate() + dt.timedelta(days=15)
    do(
        case,
        people["officer"],
        "Task_InspectionRegister",
        {**base, "inspection_co_inspector": people["officer2"].pk, "inspection_rectify_by": deadline},
    )
    row = InspectionRecord.objects.get(case=case)
    assert set(row.inspectors.all()) == {people["officer"], people["officer2"]}
    assert row.items == ["经营资质", "车辆技术状况"] and row.handling == "rectify" and row.rectify_by == deadline
    do(case, people["squad"], "Task_InspectionReview", {}, opinion="同意责令改正")
    row.refresh_from_db()
    assert row.reviewed_by == people["squad"] and row.review_opinion == "同意责令改正" and row.reviewed_at
    assert case.process.status == InstanceStatus.COMPLETED

    client = APIClient()
    client.force_authenticate(people["officer"])
    body = client.get(f"/api/v1/cases/{case.pk}/").json()["inspection"]
    assert body["basic"]["party_name"] == "上海某运输有限公司"
    assert body["basic"]["party_id_number"] == "913100********000X"  # masked, as the parties are
    assert len(body["process"]["inspectors"]) == 2 and body["process"]["review_opinion"] == "同意责令改正"
    assert body["result"]["result_display"] == "发现问题" and body["result"]["handling_display"] == "责令改正"
    assert body["result"]["rectify_by"] == deadline.isoformat()
    page = logged_in_client(people["officer"]).get(f"/cases/{case.pk}/").content.decode()
    assert "行政检查" in page and "2 辆车未按期年审" in page and "91310000MA1FL0000X" not in page


def test_inspection_returned_is_registered_again(people, tree):
    case = started(people, tree, "inspection")
    do(case, people["officer"], "Task_InspectionRegister")
    do(case, people["squad"], "Task_InspectionReview", {}, Decision.RETURN, "检查事项不全")
    row = InspectionRecord.objects.get(case=case)
    assert row.reviewed_at is None
    data = {**measure_facts(case, "Task_InspectionRegister"), "inspection_items": "经营资质\n车辆技术状况\n从业资格"}
    do(case, people["officer"], "Task_InspectionRegister", data)
    row.refresh_from_db()
    assert row.items == ["经营资质", "车辆技术状况", "从业资格"] and row.result == "qualified"


# --- demo -----------------------------------------------------------------------------------------------------


def test_demo_coercive_and_inspection_cases_are_made_through_the_services():
    from teis.cases.demo.coercive import load_coercive_inspection_demo
    from teis.legal.demo.loader import load_demo as load_legal
    from teis.org.management.commands.seed_demo import Seeder
    from teis.org.roles import ensure_roles

    seeder = Seeder()
    ensure_roles()
    lines = seeder.dictionaries()
    seeder.officers(seeder.units(lines), lines)
    load_legal()
    wf.ensure_definitions(None)
    assert load_coercive_inspection_demo() == {"行政强制案件": 2, "行政检查案件": 2}
    vehicle, seizure = CoerciveMeasure.objects.order_by("decided_at")  # the vehicle is the older one
    assert seizure.result == "released" and vehicle.result == "to_penalty"
    assert vehicle.extended and vehicle.extension_approved_by.officer.roles.filter(code="leadership").exists()
    assert vehicle.ends_on == deadline_after(vehicle.starts_on, calendar_days=45)
    assert set(seizure.properties.values_list("status", flat=True)) == {PropertyStatus.RETURNED}
    assert vehicle.properties.get().plate and vehicle.properties.get().status == PropertyStatus.SEIZED
    rows = list(InspectionRecord.objects.order_by("inspected_at"))
    assert [r.handling for r in rows] == ["none", "rectify"] and all(r.reviewed_by_id for r in rows)
    assert all(r.inspectors.count() == 2 for r in rows) and rows[1].rectify_by
    assert load_coercive_inspection_demo() == {}  # idempotent


def test_a_measure_taken_on_the_spot_and_not_approved_within_24_hours_is_flagged(people, tree):
    """行政强制法 art. 19: reported to the leader and approved within 24 hours; after that 执法全过程智能监控 warns,
    and the warning clears once the approval is given."""
    from teis.cases.choices import WarningKind
    from teis.cases.models import MonitoringWarning
    from teis.cases.services import monitoring

    case = started(people, tree, "coercive")
    do(
        case,
        people["officer"],
        "Task_CoerciveApply",
        {**measure_facts(case, "Task_CoerciveApply"), "measure_on_the_spot": True},
    )
    taken = measure(case).applied_at
    assert case.pk not in monitoring.evaluate(taken + dt.timedelta(hours=23))[WarningKind.ON_SPOT_UNAPPROVED]
    monitoring.do_check_cases(taken + dt.timedelta(hours=25))
    warning = MonitoringWarning.objects.get(case=case, kind=WarningKind.ON_SPOT_UNAPPROVED, resolved_at__isnull=True)
    assert "超过 24 小时未经负责人补办批准" in warning.message
    do(case, people["brigade"], "Task_CoerciveApproval")
    monitoring.do_check_cases(taken + dt.timedelta(hours=26))
    warning.refresh_from_db()
    assert warning.resolved_at is not None


def test_a_decided_measure_and_a_reviewed_inspection_change_only_through_an_approved_correction(people, tree):
    """更正 reaches the 行政强制 and 行政检查 records: once the measure is decided (the inspection reviewed) their
    wording changes only through a correction a leader approves; the case page offers their fields."""
    from teis.cases.services import correction
    from teis.core.testing import logged_in_client

    case = started(people, tree, "coercive")
    to_decision(case, people)
    with pytest.raises(ServiceError, match="无需更正"):  # not decided yet: the steps still change it
        correction.do_request_correction(people["officer"], case, "measure.place", "虹桥枢纽 P9", "地点写错")
    do(case, people["officer"], "Task_CoerciveDecision")
    assert "measure.place" in dict(correction.correctable_for(case))
    assert "inspection.problems" not in dict(correction.correctable_for(case))
    with pytest.raises(ServiceError) as exc:
        correction.do_request_correction(people["officer"], case, "inspection.problems", "无", "不是检查")
    assert "field" in exc.value.fields
    old = measure(case).place
    client = logged_in_client(people["officer"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="corrections"' in page and "强制措施实施地点" in page
    resp = client.post(
        f"/cases/{case.pk}/corrections/",
        {"field": "measure.place", "new_value": "虹桥枢纽 P9 停车场", "reason": "地点写错"},
    )
    assert resp.status_code == 302
    row = case.corrections.get()
    assert row.old_value == old and measure(case).place == old  # nothing changes before the approval
    correction.do_decide_correction(people["brigade"], row, True)
    assert measure(case).place == "虹桥枢纽 P9 停车场"
    assert "强制措施实施地点" in client.get(f"/cases/{case.pk}/").content.decode()

    case = started(people, tree, "inspection")
    facts = {**measure_facts(case, "Task_InspectionRegister"), "inspection_co_inspector": people["officer2"].pk}
    do(case, people["officer"], "Task_InspectionRegister", facts)
    do(case, people["squad"], "Task_InspectionReview", {}, opinion="同意")
    row = correction.do_request_correction(people["officer"], case, "inspection.place", "企业停车场东区", "补充位置")
    correction.do_decide_correction(people["brigade"], row, True)
    assert InspectionRecord.objects.get(case=case).place == "企业停车场东区"
