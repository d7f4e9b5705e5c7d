"""The case procedures shipped as BPMN: every diagram validates and renders; the general procedure runs from
pre-registration to archive with a user per role (with a 退回 and 集体讨论); variants change by configuration;
process-level time limits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from teis.cases import steps
from teis.cases.choices import CaseStatus, PaymentStatus
from teis.cases.models import EnforcementCase
from teis.cases.services import penalties, procedure
from teis.core.models import TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.workdays import is_workday
from teis.workflow import services as wf
from teis.workflow.choices import Decision, InstanceStatus, TaskStatus
from teis.workflow.models import ProcessDefinition, ProcessInstance

from ._record import facts_only, make_full_case, step_facts

PROCESSES = Path(steps.__file__).parent / "processes"
FILES = sorted(PROCESSES.glob("*.bpmn"))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
GENERAL_PATH = [
    "Task_PreRegister",
    "Task_FilingApproval",
    "Task_Register",
    "Task_CaseApproval",
    "Task_Finding",
    "Task_Statement",
    "Task_DeptApproval",
    "Task_LegalReview",
    "Task_LeaderApproval",
    "Task_Decision",
    "Task_Execution",
    "Task_Archive",
    "Task_ArchiveReview",
]


@pytest.fixture
def defs(roles):
    return {d.key: d for d in wf.ensure_definitions(None, FILES)}


@pytest.fixture
def people(make_user, defs):
    return {
        "officer": make_user("field_officer", "squad1", username="case_officer"),
        "squad": make_user("squad_leader", "squad1", username="case_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="case_brigade"),
        "legal": make_user("legal_reviewer", "corps", username="case_legal"),
        "leader": make_user("leadership", "corps", username="case_leader"),
        "leader2": make_user("leadership", "corps", username="case_leader2"),
    }


def make_case(people, tree, **kw) -> EnforcementCase:
    return make_full_case(tree["squad1"], people["officer"], **kw)


def start(people, case, key="case_general") -> ProcessInstance:
    return wf.start_process(people["officer"], key, case, case.unit, steps.start_data(case), subject_label=case.title)


def active(instance: ProcessInstance):
    return instance.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).order_by("pk")


def act(instance, user, expect: str, decision=Decision.APPROVE, opinion="", data=None):
    """Complete the single active task of the instance, which must be `expect`."""
    rows = list(active(instance))
    assert [r.spec_name for r in rows] == [expect], [r.spec_name for r in rows]
    if decision == Decision.APPROVE and instance.subject_id:
        # the facts the step records (teis.cases.services.record), then what the test adds
        data = {**step_facts(EnforcementCase.objects.get(pk=instance.subject_id), expect), **(data or {})}
    wf.complete_task(user, rows[0], decision, opinion or ("同意" if decision == Decision.APPROVE else "请补正"), data)
    instance.refresh_from_db()
    return rows[0]


# --- diagrams ------------------------------------------------------------------------------------------------


def test_all_shipped_diagrams_are_found_and_loaded(defs):
    shipped = {p.stem for p in FILES}
    assert shipped == {
        "case_general",
        "case_general_road",
        "case_general_water",
        "case_general_maritime",
        "case_simplified",
        "case_overdue",
        "case_coercive",
        "case_property",
        "case_inspection",
    }
    # ensure_definitions() without arguments discovers the cases app's processes/ folder
    assert {p.stem for p in wf.process_files()} >= shipped
    assert set(defs) == shipped
    assert set(steps.CASE_PROCESS_KEYS) <= shipped


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_diagram_validates_and_has_di_for_every_element(roles, path):
    xml = path.read_text(encoding="utf-8")
    parsed = wf.check_definition(xml, path.stem)
    assert parsed.key == path.stem
    for meta in parsed.tasks.values():
        assert meta.deadline_days is not None, f"{meta.bpmn_id} 缺少办理期限"
    root = etree.fromstring(xml.encode())
    process = root.find(f"{{{BPMN}}}process")
    drawable = [
        el.get("id")
        for el in process.iter()
        if isinstance(el.tag, str)
        and etree.QName(el).localname not in ("laneSet", "process", "flowNodeRef")
        and el.getparent() is not None
        and etree.QName(el.getparent()).localname in ("process", "laneSet")
        and el.get("id")
    ]
    lanes = [el.get("id") for el in process.iter(f"{{{BPMN}}}lane")]
    drawn = {el.get("bpmnElement") for el in root.iter(f"{{{DI}}}BPMNShape", f"{{{DI}}}BPMNEdge")}
    missing = (set(drawable) | set(lanes)) - drawn - {"LaneSet_1"}
    assert not missing, f"没有图形的元素：{missing}"


def test_every_step_of_the_general_diagram_maps_to_a_status_and_back(defs):
    parsed = wf.check_definition(defs["case_general"].bpmn_xml)
    assert set(parsed.tasks) <= set(steps.STEP_STATUS)
    for key in ("case_general_road", "case_general_water", "case_general_maritime"):
        assert set(wf.check_definition(defs[key].bpmn_xml).tasks) == set(parsed.tasks)
    for key in ("case_simplified", "case_coercive", "case_inspection"):
        assert set(wf.check_definition(defs[key].bpmn_xml).tasks) <= set(steps.STEP_STATUS)
    assert set(steps.STEP_STATUS.values()) <= set(CaseStatus.values)
    assert steps.status_for_step("Task_Finding") == CaseStatus.DECIDING
    assert steps.status_for_step("") is None


# --- the general procedure end to end ---------------------------------------------------------------------------


def test_general_procedure_walk_with_return_and_collective_discussion(people, tree):
    case = make_case(people, tree, is_major=True)
    instance = start(people, case)
    assert instance.definition.key == "case_general"
    officer, squad, brigade, legal = people["officer"], people["squad"], people["brigade"], people["legal"]
    act(instance, officer, "Task_PreRegister")
    act(instance, squad, "Task_FilingApproval")
    act(instance, officer, "Task_Register")
    # 退回: 案件审批 sends the case back to 案件登记（调查取证）
    act(instance, brigade, "Task_CaseApproval", Decision.RETURN, "证据不足，补充询问笔录")
    act(instance, officer, "Task_Register")
    act(instance, brigade, "Task_CaseApproval")
    act(instance, officer, "Task_Finding")
    act(instance, officer, "Task_Statement")
    act(instance, brigade, "Task_DeptApproval")
    # 处罚复核 names the leaders of the 集体讨论 (会签 of both)
    act(instance, legal, "Task_LegalReview", data={"discussion_leaders": [people["leader"].pk, people["leader2"].pk]})
    rows = list(active(instance))
    assert [r.spec_name for r in rows] == ["Task_Discussion", "Task_Discussion"]
    assert {r.assignee_id for r in rows} == {people["leader"].pk, people["leader2"].pk}
    assert {r.sign_mode for r in rows} == {"all"} and len({r.group_id for r in rows}) == 1
    assert all(r.candidate_unit_id == tree["corps"].pk and r.status == TaskStatus.CLAIMED for r in rows)
    by_user = {r.assignee_id: r for r in rows}
    wf.complete_task(people["leader"], by_user[people["leader"].pk], Decision.APPROVE, "同意")
    # one of two agreed: the step waits for the other
    assert [r.spec_name for r in active(instance)] == ["Task_Discussion"]
    wf.complete_task(people["leader2"], by_user[people["leader2"].pk], Decision.APPROVE, "同意")
    instance.refresh_from_db()
    act(instance, people["leader2"], "Task_LeaderApproval")
    act(instance, officer, "Task_Decision")
    act(instance, officer, "Task_Execution")
    act(instance, officer, "Task_Archive")
    act(instance, squad, "Task_ArchiveReview")

    assert instance.status == InstanceStatus.COMPLETED and instance.outcome == Decision.APPROVE
    assert steps.end_status(instance) == CaseStatus.ARCHIVED
    history = [(t.spec_name, t.completed_by.username, t.decision) for t in wf.history(instance)]
    assert [h[0] for h in history] == [
        "Task_PreRegister",
        "Task_FilingApproval",
        "Task_Register",
        "Task_CaseApproval",
        "Task_Register",
        "Task_CaseApproval",
        "Task_Finding",
        "Task_Statement",
        "Task_DeptApproval",
        "Task_LegalReview",
        "Task_Discussion",
        "Task_Discussion",
        "Task_LeaderApproval",
        "Task_Decision",
        "Task_Execution",
        "Task_Archive",
        "Task_ArchiveReview",
    ]
    assert {h[1] for h in history if h[0] == "Task_Discussion"} == {"case_leader", "case_leader2"}
    assert history[3] == ("Task_CaseApproval", "case_brigade", Decision.RETURN)
    assert not any(t.auto_skipped for t in wf.history(instance))  # consecutive officer steps are real work


def _to_legal_review(people, tree, **kw):
    case = make_case(people, tree, is_major=True, **kw)
    instance = start(people, case)
    for user, step in [
        ("officer", "Task_PreRegister"),
        ("squad", "Task_FilingApproval"),
        ("officer", "Task_Register"),
        ("brigade", "Task_CaseApproval"),
        ("officer", "Task_Finding"),
        ("officer", "Task_Statement"),
        ("brigade", "Task_DeptApproval"),
    ]:
        act(instance, people[user], step)
    return instance


def test_collective_discussion_defaults_to_every_leader_and_one_refusal_returns(people, tree, make_user):
    elsewhere = make_user("leadership", "brigade1", username="brigade_boss")  # not a leader of the corps
    instance = _to_legal_review(people, tree)
    act(instance, people["legal"], "Task_LegalReview")  # nobody named: every leader of the corps signs
    rows = list(active(instance))
    assert {r.assignee_id for r in rows} == {people["leader"].pk, people["leader2"].pk}
    assert elsewhere.pk not in {r.assignee_id for r in rows}
    # a leader who is not one of the signers cannot act
    with pytest.raises(ServiceError) as exc:
        wf.complete_task(people["leader2"], next(r for r in rows if r.assignee == people["leader"]), Decision.APPROVE)
    assert exc.value.code == "not_your_task"
    # 不同意 by one ends the 会签 and follows the diagram: back to 处罚认定; the other's row is cancelled
    mine = next(r for r in rows if r.assignee == people["leader"])
    wf.complete_task(people["leader"], mine, Decision.REJECT, "处罚明显过重")
    instance.refresh_from_db()
    assert [r.spec_name for r in active(instance)] == ["Task_Finding"]
    other = next(r for r in rows if r.assignee == people["leader2"])
    other.refresh_from_db()
    assert other.status == TaskStatus.CANCELLED
    assert not TodoItem.objects.filter(source_key=f"wf:{other.pk}", status=TodoStatus.OPEN).exists()


def test_collective_discussion_return_follows_the_diagram(people, tree):
    instance = _to_legal_review(people, tree)
    act(instance, people["legal"], "Task_LegalReview", data={"discussion_leaders": [people["leader2"].pk]})
    row = active(instance).get()
    assert row.assignee == people["leader2"] and row.spec_name == "Task_Discussion"
    wf.complete_task(people["leader2"], row, Decision.RETURN, "事实不清，重新认定")
    instance.refresh_from_db()
    assert [r.spec_name for r in active(instance)] == ["Task_Finding"]


def test_legal_review_form_offers_only_the_leaders_of_the_discussing_unit(people, tree, make_user):
    elsewhere = make_user("leadership", "brigade1", username="brigade_boss2")
    instance = _to_legal_review(people, tree)
    wt = active(instance).get()
    form = wf.make_step_form(wt)
    assert {v for v, _ in form.fields["discussion_leaders"].choices} == {people["leader"].pk, people["leader2"].pk}
    with pytest.raises(ServiceError) as exc:
        wf.step_form_data(wt, {"discussion_leaders": [elsewhere.pk]})
    assert exc.value.code == "invalid_data" and "集体讨论参加领导" in exc.value.message
    assert wf.step_form_data(wt, {"discussion_leaders": [str(people["leader"].pk)]})["discussion_leaders"] == [
        people["leader"].pk
    ]


def test_units_of_the_approvals(people, tree):
    case = make_case(people, tree)
    instance = start(people, case)
    act(instance, people["officer"], "Task_PreRegister")
    assert active(instance).get().candidate_unit_id == tree["squad1"].pk  # 立案审批 by the squad leader
    act(instance, people["squad"], "Task_FilingApproval")
    act(instance, people["officer"], "Task_Register")
    row = active(instance).get()
    assert (row.role, row.candidate_unit_id) == ("brigade_leader", tree["brigade1"].pk)
    assert row.due_at is not None
    # someone of another role cannot take it
    with pytest.raises(ServiceError) as exc:
        wf.complete_task(people["officer"], row, Decision.APPROVE)
    assert exc.value.code == "not_your_task"


def test_ordinary_case_skips_discussion_and_hearing_branch(people, tree):
    case = make_case(people, tree, is_major=False)
    instance = start(people, case)
    for user, step in [
        ("officer", "Task_PreRegister"),
        ("squad", "Task_FilingApproval"),
        ("officer", "Task_Register"),
        ("brigade", "Task_CaseApproval"),
    ]:
        act(instance, people[user], step)
    # the party asks for a hearing: set by the officer at 处罚认定 (dated back: a hearing is noticed 7 days ahead)
    today = timezone.localdate()
    EnforcementCase.objects.filter(pk=case.pk).update(filed_at=timezone.now() - dt.timedelta(days=30))
    notice = {"notice_served_at": timezone.now() - dt.timedelta(days=20)}
    act(
        instance,
        people["officer"],
        "Task_Finding",
        data={**notice, "hearing": True, "hearing_requested_at": today - dt.timedelta(days=19)},
    )
    hearing = {
        "hearing_notified_at": today - dt.timedelta(days=18),
        "hearing_held_at": today - dt.timedelta(days=10),
        "hearing_record": "听证笔录：当事人陈述……",
        "hearing_report": "建议维持拟处罚意见",
    }
    act(instance, people["legal"], "Task_Hearing", data=hearing)
    act(instance, people["brigade"], "Task_DeptApproval")
    act(instance, people["legal"], "Task_LegalReview")
    act(instance, people["leader"], "Task_LeaderApproval")  # no 集体讨论
    act(instance, people["officer"], "Task_Decision", data={"remedy": True})
    act(instance, people["legal"], "Task_Remedy")
    assert active(instance).get().spec_name == "Task_Execution"


def test_not_filed_and_transfer_to_judicial_organ(people, tree):
    case = make_case(people, tree)
    refused = start(people, case)
    act(refused, people["officer"], "Task_PreRegister")
    act(refused, people["squad"], "Task_FilingApproval", Decision.REJECT, "不属于本机关管辖")
    assert refused.status == InstanceStatus.COMPLETED
    assert steps.end_status(refused) == CaseStatus.NOT_FILED

    other = make_case(people, tree, title="非法营运涉嫌犯罪案")
    instance = start(people, other)
    act(instance, people["officer"], "Task_PreRegister")
    act(instance, people["squad"], "Task_FilingApproval")
    act(instance, people["officer"], "Task_Register")
    act(instance, people["brigade"], "Task_CaseApproval", data={"criminal": True})
    act(instance, people["legal"], "Task_CriminalReview")
    act(instance, people["officer"], "Task_JudicialTransfer")
    assert instance.status == InstanceStatus.COMPLETED
    assert steps.end_status(instance) == CaseStatus.TRANSFERRED_OUT


def test_case_handover_and_receipt(people, tree, make_user):
    receiver = make_user("squad_leader", "squad2", username="receiver")
    handler = make_user("field_officer", "squad2", username="receiver_officer")
    case = make_case(people, tree)
    instance = start(people, case)
    act(instance, people["officer"], "Task_PreRegister")
    act(instance, people["squad"], "Task_FilingApproval")
    act(instance, people["officer"], "Task_Register")
    act(
        instance,
        people["brigade"],
        "Task_CaseApproval",
        data={"transfer_case": True, "assignee_Task_Receive": receiver.pk},
    )
    act(instance, people["officer"], "Task_Handover")
    row = active(instance).get()
    assert row.spec_name == "Task_Receive" and row.assignee_id == receiver.pk
    act(instance, receiver, "Task_Receive")
    assert active(instance).get().spec_name == "Task_Finding"
    case.refresh_from_db()
    assert (case.unit, case.handler) == (tree["squad2"], handler)


# --- variants are configuration ---------------------------------------------------------------------------------


def _road_with_extra_step(xml: str) -> str:
    """The 路政 diagram with one more approval (路政科审核, brigade leader) between 立案审批 and 案件登记."""
    xml = xml.replace(
        'sourceRef="Gateway_Filing" targetRef="Task_Register"', 'sourceRef="Gateway_Filing" targetRef="Task_RoadExtra"'
    )
    xml = xml.replace(
        "<bpmn:incoming>Flow_Filing_Approve</bpmn:incoming>", "<bpmn:incoming>Flow_RoadExtra</bpmn:incoming>"
    )
    extra = (
        '<bpmn:userTask id="Task_RoadExtra" name="路政科审核" teis:unit="brigade" teis:deadlineDays="2">'
        "<bpmn:incoming>Flow_Filing_Approve</bpmn:incoming><bpmn:outgoing>Flow_RoadExtra</bpmn:outgoing>"
        "</bpmn:userTask>"
        '<bpmn:sequenceFlow id="Flow_RoadExtra" sourceRef="Task_RoadExtra" targetRef="Task_Register" />'
        "</bpmn:process>"
    )
    xml = xml.replace("</bpmn:process>", extra)
    return xml.replace(
        '<bpmn:lane id="Lane_brigade" name="brigade_leader">',
        '<bpmn:lane id="Lane_brigade" name="brigade_leader">'
        "\n        <bpmn:flowNodeRef>Task_RoadExtra</bpmn:flowNodeRef>",
    )


def test_road_variant_changed_in_the_modeler_changes_new_cases_only(people, tree, sysadmin, defs):
    key = "case_general_road"
    running_case = make_case(people, tree, title="路政案件（修改前）")
    running = start(people, running_case, key)
    act(running, people["officer"], "Task_PreRegister")  # waiting at 立案审批 on version 1

    v2 = wf.do_save_definition(sysadmin, key, _road_with_extra_step(defs[key].bpmn_xml))
    assert v2.version == 2 and v2.is_current

    new_case = make_case(people, tree, title="路政案件（修改后）")
    new = start(people, new_case, key)
    assert new.definition_id == v2.pk
    act(new, people["officer"], "Task_PreRegister")
    act(new, people["squad"], "Task_FilingApproval")
    extra = act(new, people["brigade"], "Task_RoadExtra")  # the new step is met
    assert extra.name == "路政科审核"
    assert active(new).get().spec_name == "Task_Register"

    act(running, people["squad"], "Task_FilingApproval")
    assert active(running).get().spec_name == "Task_Register"  # the running case keeps its path
    running.refresh_from_db()
    assert running.definition_id == defs[key].pk
    # the other general diagrams are untouched
    assert ProcessDefinition.objects.get(key="case_general", is_current=True).version == 1


# --- the other procedures ----------------------------------------------------------------------------------------


def test_simplified_and_inspection(people, tree):
    case = make_case(people, tree, procedure="simplified")
    instance = start(people, case, "case_simplified")
    act(instance, people["officer"], "Task_OnSpotDecision")
    act(instance, people["squad"], "Task_SimplifiedFiling", Decision.RETURN, "决定书编号有误")
    act(instance, people["officer"], "Task_OnSpotDecision")
    act(instance, people["squad"], "Task_SimplifiedFiling")
    assert instance.status == InstanceStatus.COMPLETED and steps.end_status(instance) == CaseStatus.ARCHIVED

    check = start(people, make_case(people, tree, procedure="inspection"), "case_inspection")
    act(check, people["officer"], "Task_InspectionRegister")
    act(check, people["squad"], "Task_InspectionReview")
    assert check.status == InstanceStatus.COMPLETED


EXTEND = {"extend": True, "extension_days": 20, "extension_reason": "涉案财物需技术鉴定"}


def test_coercive_measure_extension_only_once(people, tree):
    case = make_case(people, tree, procedure="coercive")
    instance = start(people, case, "case_coercive")
    act(instance, people["officer"], "Task_CoerciveApply")
    act(instance, people["brigade"], "Task_CoerciveApproval")
    act(instance, people["officer"], "Task_CoerciveDecision")
    act(instance, people["officer"], "Task_CoerciveDuring", data=EXTEND)
    act(instance, people["leader"], "Task_ExtensionApproval")
    # a second request for extension is refused (行政强制法 art. 25): the measure is released (or turned into a penalty)
    with pytest.raises(ServiceError) as exc:
        act(instance, people["officer"], "Task_CoerciveDuring", data=EXTEND)
    assert exc.value.fields["extend"] and "不能再次延期" in exc.value.message
    act(instance, people["officer"], "Task_CoerciveDuring")
    act(instance, people["officer"], "Task_CoerciveRelease")
    assert instance.status == InstanceStatus.COMPLETED and steps.end_status(instance) == CaseStatus.CLOSED
    names = [t.spec_name for t in wf.history(instance)]
    assert names.count("Task_ExtensionApproval") == 1


def test_coercive_refused_extension_may_be_asked_again_and_to_penalty(people, tree):
    instance = start(people, make_case(people, tree, procedure="coercive"), "case_coercive")
    act(instance, people["officer"], "Task_CoerciveApply")
    act(instance, people["brigade"], "Task_CoerciveApproval")
    act(instance, people["officer"], "Task_CoerciveDecision")
    act(instance, people["officer"], "Task_CoerciveDuring", data=EXTEND)
    act(instance, people["leader"], "Task_ExtensionApproval", Decision.REJECT, "理由不充分")
    act(instance, people["officer"], "Task_CoerciveDuring", data={"to_penalty": True})
    act(instance, people["officer"], "Task_ToPenalty")
    assert instance.status == InstanceStatus.COMPLETED


def test_coercive_deadlines_in_natural_days(db):  # workdays read the holiday calendar (data)
    # 30 natural days from 3 March 2025 is Wednesday 2 April, a working day
    assert procedure.coercive_deadline(dt.date(2025, 3, 3)) == dt.date(2025, 4, 2)
    assert procedure.coercive_deadline(dt.date(2025, 3, 3), extended=True) == dt.date(2025, 5, 6)
    # 30 days from 1 September 2025 falls on National Day: the period ends on the first working day after
    end = procedure.coercive_deadline(dt.date(2025, 9, 1))
    assert end == dt.date(2025, 10, 9) and is_workday(end)
    assert procedure.general_deadline(dt.date(2025, 1, 2)) == dt.date(2025, 4, 2)
    assert procedure.general_deadline(dt.date(2025, 1, 2), extended=True) == dt.date(2025, 5, 6)
    assert procedure.payment_due(dt.date(2025, 3, 3)) == dt.date(2025, 3, 18)


def test_overdue_process_paid_and_court(people, tree):
    case = make_case(people, tree)
    paid = start(people, case, "case_overdue")
    act(paid, people["officer"], "Task_Urge")
    act(paid, people["officer"], "Task_UrgeWait", data={"paid": True})
    assert paid.status == InstanceStatus.COMPLETED
    assert "Task_CourtApproval" not in [t.spec_name for t in wf.history(paid)]

    court = start(people, case, "case_overdue")
    act(court, people["officer"], "Task_Urge")
    act(court, people["officer"], "Task_UrgeWait")
    act(court, people["brigade"], "Task_CourtApproval")
    act(court, people["legal"], "Task_CourtApplication")
    assert court.status == InstanceStatus.COMPLETED


def test_mark_overdue_job_starts_the_overdue_process(people, tree):
    today = dt.date(2025, 6, 20)
    case = make_case(
        people,
        tree,
        fine_amount=Decimal("1000"),
        payment_status=PaymentStatus.UNPAID,
        payment_due=dt.date(2025, 6, 15),
    )
    not_due = make_case(
        people,
        tree,
        title="未到期",
        fine_amount=Decimal("500"),
        payment_status=PaymentStatus.UNPAID,
        payment_due=dt.date(2025, 6, 25),
    )
    assert penalties.do_mark_overdue(None, today) == {"marked": 1, "started": 1}
    case.refresh_from_db()
    not_due.refresh_from_db()
    assert case.payment_status == PaymentStatus.OVERDUE and case.late_penalty == Decimal("150.00")
    assert not_due.payment_status == PaymentStatus.UNPAID
    overdue = ProcessInstance.objects.get(definition__key="case_overdue", subject_id=str(case.pk))
    assert overdue.current_step == "Task_Urge"
    assert penalties.do_mark_overdue(None, today) == {"marked": 0, "started": 0}  # idempotent


def test_recorded_jobs_run(people, tree):
    from teis.cases import tasks
    from teis.core.jobs import PERIODIC
    from teis.core.models import JobRun

    assert "teis.cases.tasks.mark_overdue_cases" in PERIODIC
    assert "teis.cases.tasks.property_custody_reminders" in PERIODIC
    tasks.mark_overdue_cases.call_local()
    tasks.property_custody_reminders.call_local()
    assert JobRun.objects.filter(name="teis.cases.tasks.mark_overdue_cases", ok=True).exists()


# --- the 90-day limit of the general procedure ---------------------------------------------------------------


def test_extension_requested_and_approved_once(people, tree):
    case = make_case(people, tree, status=CaseStatus.INVESTIGATING)
    case = procedure.do_set_filed(people["officer"], case, filed_at=dt.datetime(2025, 1, 2, 10, tzinfo=dt.UTC))
    assert case.deadline == dt.date(2025, 4, 2)
    with pytest.raises(ServiceError, match="延期理由"):
        procedure.do_request_extension(people["officer"], case, "")
    procedure.do_request_extension(people["officer"], case, "案情复杂，需鉴定")
    todos = TodoItem.objects.filter(source_key=f"case:{case.pk}:extension", status=TodoStatus.OPEN)
    assert {t.user_id for t in todos} == {people["leader"].pk, people["leader2"].pk}
    with pytest.raises(ServiceError) as exc:
        procedure.do_request_extension(people["officer"], case, "再次申请")
    assert exc.value.code == "already_requested"
    with pytest.raises(ServiceError) as exc:
        procedure.do_approve_extension(people["brigade"], case, True)
    assert exc.value.code == "permission_denied"
    case = procedure.do_approve_extension(people["leader"], case, True, "同意延长")
    assert case.deadline_extended and case.deadline == dt.date(2025, 5, 6)
    assert not TodoItem.objects.filter(source_key=f"case:{case.pk}:extension", status=TodoStatus.OPEN).exists()
    with pytest.raises(ServiceError) as exc:
        procedure.do_request_extension(people["officer"], case, "第三次")
    assert exc.value.code == "already_extended"


# --- requirements per step -------------------------------------------------------------------------------------


def test_missing_requirements(people, tree):
    from teis.legal.choices import ApplicationStatus
    from teis.legal.models import CaseCause

    case = EnforcementCase.objects.create(unit=tree["squad1"], handler=people["officer"], title="拒载案")
    assert "未选择案由（须从案由目录中选择）" in steps.missing_requirements(case, "Task_FilingApproval")
    cause = CaseCause.objects.create(cause_code="1" * 20, name="拒载", item_type="penalty")
    case.case_cause = cause
    case.save()
    assert not any("案由" in m for m in steps.missing_requirements(case, "Task_FilingApproval"))
    assert steps.missing_requirements(case, "Task_Finding")[:2] == ["未确定处理决定类型", "未确定罚款金额"]
    case.decision_type = "penalty"
    case.fine_amount = Decimal("200")
    assert facts_only(steps.missing_requirements(case, "Task_Finding")) == [
        "未进行裁量基准选取适用",
        "未记录违法行为通知（事先告知）的送达时间",
    ]
    assert facts_only(steps.missing_requirements(case, "Task_Decision")) == [
        "未进行裁量基准选取适用",  # 处罚决定 needs the benchmark (or an approved deviation) too
        "未记录决定时间",
        "未记录送达时间",
        "未记录送达方式和受送达人",
    ]
    assert "行政处罚决定书" in steps.required_documents("Task_Decision")
    assert "缺少文书：行政处罚决定书" in steps.missing_requirements(case, "Task_Decision")  # read by the documents app
    assert steps.missing_requirements(case, "No_Such_Step") == []
    assert ApplicationStatus.WITHIN  # the statuses the check accepts exist
