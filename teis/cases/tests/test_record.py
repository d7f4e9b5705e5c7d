"""The case record written step by step (teis.cases.services.record): each step's facts are validated and
written in the completing transaction, requirements refuse an incomplete step with a Chinese list, 立案审批
files and codes the case, bad input is refused naming the field with nothing half-written, and the API
returns the whole record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from teis.cases import steps
from teis.cases.choices import CaseStatus, PaymentStatus
from teis.cases.models import CaseDecision, CasePayment, CaseRecord, EnforcementCase
from teis.cases.services import intake, procedure
from teis.core.services import ServiceError
from teis.workflow import services as wf
from teis.workflow.choices import Decision, InstanceStatus, TaskStatus

from ._record import facts_only, make_full_case, step_facts
from .test_processes import FILES

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user, roles):
    wf.ensure_definitions(None, FILES)
    return {
        "officer": make_user("field_officer", "squad1", username="rec_officer"),
        "squad": make_user("squad_leader", "squad1", username="rec_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="rec_brigade"),
        "legal": make_user("legal_reviewer", "corps", username="rec_legal"),
        "leader": make_user("leadership", "corps", username="rec_leader"),
    }


def started(people, tree, **kw):
    case = make_full_case(tree["squad1"], people["officer"], **kw)
    wf.start_process(people["officer"], "case_general", case, case.unit, steps.start_data(case))
    case.refresh_from_db()
    return case


def task(case, step):
    rows = list(case.process.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]))
    assert [r.spec_name for r in rows] == [step], [r.spec_name for r in rows]
    return rows[0]


def do(case, user, step, data=None, decision=Decision.APPROVE, opinion="同意"):
    case.refresh_from_db()
    facts = step_facts(case, step) if data is None else data
    wf.complete_task(user, task(case, step), decision, opinion, facts)
    case.refresh_from_db()
    return case


def walk_to(case, people, last):
    plan = [
        ("officer", "Task_PreRegister"),
        ("squad", "Task_FilingApproval"),
        ("officer", "Task_Register"),
        ("brigade", "Task_CaseApproval"),
        ("officer", "Task_Finding"),
        ("officer", "Task_Statement"),
        ("brigade", "Task_DeptApproval"),
        ("legal", "Task_LegalReview"),
        ("leader", "Task_LeaderApproval"),
        ("officer", "Task_Decision"),
        ("officer", "Task_Execution"),
        ("officer", "Task_Archive"),
        ("squad", "Task_ArchiveReview"),
    ]
    for who, step in plan:
        if step == last:
            return case
        do(case, people[who], step)
    return case


def test_whole_general_procedure_writes_the_record(people, tree):
    case = started(people, tree)
    do(case, people["officer"], "Task_PreRegister")
    assert case.case_code is None and case.status == CaseStatus.FILING  # no code before 立案审批
    do(case, people["squad"], "Task_FilingApproval")
    assert len(case.case_code) == 18 and case.filed_at and case.deadline
    assert case.status == CaseStatus.INVESTIGATING and case.current_step == "案件登记（调查取证）"
    for who, step in [
        ("officer", "Task_Register"),
        ("brigade", "Task_CaseApproval"),
        ("officer", "Task_Finding"),
        ("officer", "Task_Statement"),
        ("brigade", "Task_DeptApproval"),
        ("legal", "Task_LegalReview"),
        ("leader", "Task_LeaderApproval"),
        ("officer", "Task_Decision"),
    ]:
        do(case, people[who], step)
    rec = CaseDecision.objects.get(case=case)
    assert CaseRecord.objects.get(case=case).qa == [{"q": "你是否拒载？", "a": "是的。"}]
    assert case.fine_amount == Decimal("300") and case.discretion.case_reference == case.case_code
    assert rec.penalty_kinds == ["fine"] and rec.legal_opinion and rec.statement_content
    assert case.file_number and case.decided_at and case.served_at
    assert case.payment_status == PaymentStatus.UNPAID
    assert case.payment_due == procedure.payment_due(case.served_at)  # 15 days after service
    assert rec.service_method == "direct" and rec.service_recipient == "张三"
    do(case, people["officer"], "Task_Execution")
    assert case.payment_status == PaymentStatus.PAID and CasePayment.objects.get(case=case).receipt_number == "PJ0001"
    do(case, people["officer"], "Task_Archive")
    do(case, people["squad"], "Task_ArchiveReview")
    rec.refresh_from_db()
    assert case.status == CaseStatus.ARCHIVED and case.closed_at and case.archived_at
    assert case.archive_location == "A1柜 03盒 上层" and rec.archive_number == "2026-001"
    assert case.process.status == InstanceStatus.COMPLETED


def test_missing_facts_refuse_the_step_with_a_chinese_list_and_write_nothing(people, tree):
    case = started(people, tree)
    walk_to(case, people, "Task_Register")
    data = step_facts(case, "Task_Register")
    data.pop("investigation")
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Register", data)
    assert exc.value.code == "step_incomplete" and "未填写调查情况" in exc.value.message
    assert not CaseRecord.objects.filter(case=case).exists()  # the 笔录 of the refused step is not kept
    assert task(case, "Task_Register")  # the process did not move


def test_return_and_reject_need_no_facts(people, tree):
    case = started(people, tree)
    walk_to(case, people, "Task_CaseApproval")
    do(case, people["brigade"], "Task_CaseApproval", {}, Decision.RETURN, "补充询问笔录")
    assert task(case, "Task_Register")


def test_direct_filing_refused_and_submit_goes_through_approval(people, tree):
    case = started(people, tree)
    with pytest.raises(ServiceError) as exc:
        intake.do_file_case(people["officer"], case)
    assert exc.value.code == "needs_filing_approval"
    case = intake.do_submit_for_filing(people["officer"], case)
    assert case.case_code is None and case.status == CaseStatus.FILING
    assert task(case, "Task_FilingApproval")


def test_filing_approval_refused_without_a_cause(people, tree):
    case = started(people, tree)
    do(case, people["officer"], "Task_PreRegister")
    EnforcementCase.objects.filter(pk=case.pk).update(case_cause=None)
    with pytest.raises(ServiceError) as exc:
        do(case, people["squad"], "Task_FilingApproval")
    assert "案由" in exc.value.message
    case.refresh_from_db()
    assert case.case_code is None


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"fine_amount": "5000"}, "fine_amount", "超过法定上限"),
        ({"notice_served_at": None}, "notice_served_at", "请填写事先告知送达时间"),
        ({"hearing": True, "hearing_requested_at": None}, "hearing_requested_at", "请填写听证申请日期"),
        ({"penalty_kinds": []}, "penalty_kinds", "须选择处罚种类"),
    ],
)
def test_finding_bad_input(people, tree, change, field, words):
    case = started(people, tree)
    walk_to(case, people, "Task_Finding")
    data = {**step_facts(case, "Task_Finding"), **change}
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Finding", data)
    assert field in exc.value.fields and words in exc.value.message
    case.refresh_from_db()
    assert case.fine_amount is None and case.discretion_id is None


def test_hearing_request_after_its_deadline_is_refused(people, tree):
    case = started(people, tree)
    walk_to(case, people, "Task_Finding")
    EnforcementCase.objects.filter(pk=case.pk).update(filed_at=timezone.now() - dt.timedelta(days=40))
    data = {
        **step_facts(case, "Task_Finding"),
        "notice_served_at": timezone.now() - dt.timedelta(days=30),
        "hearing": True,
        "hearing_requested_at": timezone.localdate() - dt.timedelta(days=2),
    }
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Finding", data)
    assert "hearing_requested_at" in exc.value.fields and "五个工作日" in exc.value.message


def _deviating(case, people):
    """A case at 处罚复核 whose proposed fine (1,500 元) lies outside the chosen level (轻微 200–500 元)."""
    walk_to(case, people, "Task_Finding")
    data = {**step_facts(case, "Task_Finding"), "fine_amount": "1500", "discretion_reason": "情节恶劣"}
    for who, step, facts in [
        ("officer", "Task_Finding", data),
        ("officer", "Task_Statement", None),
        ("brigade", "Task_DeptApproval", None),
    ]:
        do(case, people[who], step, facts)
    return case


def test_deviation_without_a_reason_is_refused_at_finding(people, tree):
    case = started(people, tree)
    walk_to(case, people, "Task_Finding")
    data = {**step_facts(case, "Task_Finding"), "fine_amount": "1500"}
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Finding", data)
    assert "discretion_reason" in exc.value.fields and "理由" in exc.value.message
    assert CaseDecision.objects.filter(case=case, proposed_at__isnull=False).count() == 0


def test_deviation_is_decided_by_the_legal_reviewer_at_legal_review(people, tree):
    from teis.legal.choices import ApplicationStatus

    case = _deviating(case=started(people, tree), people=people)
    assert case.discretion.status == ApplicationStatus.PENDING and case.fine_amount == Decimal("1500")
    opinion = {"legal_opinion": "情节恶劣，偏离有据"}
    with pytest.raises(ServiceError) as exc:  # the reviewer must decide the deviation
        do(case, people["legal"], "Task_LegalReview", opinion)
    assert "discretion_verdict" in exc.value.fields and "1500 元超出基准 200–500 元" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        do(case, people["legal"], "Task_LegalReview", {**opinion, "discretion_verdict": "reject"})
    assert "退回" in exc.value.message
    case.discretion.refresh_from_db()
    assert case.discretion.status == ApplicationStatus.PENDING  # nothing half-written
    do(case, people["legal"], "Task_LegalReview", {**opinion, "discretion_verdict": "approve"})
    case.discretion.refresh_from_db()
    assert case.discretion.status == ApplicationStatus.APPROVED
    assert case.discretion.decided_by == people["legal"] and case.discretion.decision_opinion == "情节恶劣，偏离有据"
    assert facts_only(steps.missing_requirements(case, "Task_Decision")) == [
        "未记录决定时间",
        "未记录送达时间",
        "未记录送达方式和受送达人",
    ]


def test_returning_a_deviation_at_legal_review_rejects_it_and_the_handler_proposes_again(people, tree):
    from teis.legal.choices import ApplicationStatus

    case = _deviating(case=started(people, tree), people=people)
    first = case.discretion
    do(case, people["legal"], "Task_LegalReview", {}, decision=Decision.RETURN, opinion="偏离理由不充分")
    first.refresh_from_db()
    assert first.status == ApplicationStatus.REJECTED and first.decision_opinion == "偏离理由不充分"
    assert facts_only(steps.missing_requirements(case, "Task_LeaderApproval")) == []
    # the case went back: whoever holds the open step now, the deviation can no longer pass 处罚决定
    assert "偏离基准须经法制审核批准" in "".join(steps.missing_requirements(case, "Task_Decision"))


def test_decision_dates_in_order_and_after_the_notice(people, tree):
    case = started(people, tree)
    walk_to(case, people, "Task_Decision")
    now = timezone.now()
    bad = {**step_facts(case, "Task_Decision"), "served_at": now - dt.timedelta(days=1)}
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Decision", bad)
    assert "served_at" in exc.value.fields and "送达时间不能早于决定时间" in exc.value.message
    CaseDecision.objects.filter(case=case).update(notice_served_at=None)
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Decision")
    assert "未经事先告知" in exc.value.message
    case.refresh_from_db()
    assert case.decided_at is None and not case.file_number


def test_payment_before_the_decision_is_refused_and_edits_after_decision_need_correction(people, tree):
    case = started(people, tree)
    walk_to(case, people, "Task_Execution")
    data = {**step_facts(case, "Task_Execution"), "paid_at": case.decided_at - dt.timedelta(hours=1)}
    with pytest.raises(ServiceError) as exc:
        do(case, people["officer"], "Task_Execution", data)
    assert "paid_at" in exc.value.fields and "缴款时间不能早于处罚决定时间" in exc.value.message
    assert not CasePayment.objects.filter(case=case).exists()
    with pytest.raises(ServiceError) as exc:
        intake.do_update_case(people["officer"], case, {"facts": "改写事实"})
    assert exc.value.code == "decided" and "更正" in exc.value.message
    with pytest.raises(ServiceError) as exc:  # the fine is not paid: 执行 cannot be completed
        do(case, people["officer"], "Task_Execution", {})
    assert "罚款尚未缴清" in exc.value.message


def test_api_refuses_an_incomplete_step_and_returns_the_whole_record(people, tree):
    case = started(people, tree)
    walk_to(case, people, "Task_Register")
    client = APIClient()
    client.force_authenticate(people["officer"])
    wt = task(case, "Task_Register")
    r = client.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve", "data": {}}, format="json")
    assert r.status_code == 400 and "未填写调查情况" in r.json()["message"]
    data = {
        "investigation": "拒载属实",
        "record_kind": "inquiry",
        "record_started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "record_interviewee": "张三",
        "record_qa": "问：是否拒载？\n答：是。",
    }
    r = client.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve", "data": data}, format="json")
    assert r.status_code == 200, r.json()
    body = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert body["case_code"] and body["records"][0]["qa"] == [{"q": "是否拒载？", "a": "是。"}]
    assert body["investigation"] == "拒载属实" and "record" in body and "payments" in body


def test_correction_after_the_decision_needs_a_leaders_approval(people, tree):
    from teis.cases.services import correction as record
    from teis.core.testing import logged_in_client

    case = started(people, tree)
    walk_to(case, people, "Task_Execution")
    with pytest.raises(ServiceError) as exc:
        record.do_request_correction(people["officer"], case, "fine_amount", "100", "写错了")
    assert "field" in exc.value.fields
    client = logged_in_client(people["officer"])
    resp = client.post(
        f"/cases/{case.pk}/corrections/", {"field": "facts", "new_value": "驾驶员拒载乘客并议价", "reason": "漏写议价"}
    )
    assert resp.status_code == 302
    row = case.corrections.get()
    assert row.status == "pending" and row.old_value == "驾驶员拒载乘客"
    with pytest.raises(ServiceError):  # the applicant cannot approve, nor can an officer
        record.do_decide_correction(people["officer"], row, True)
    leader = logged_in_client(people["brigade"])
    assert leader.post(f"/cases/{case.pk}/corrections/{row.pk}/approve/").status_code == 302
    row.refresh_from_db()
    case.refresh_from_db()
    assert row.status == "approved" and row.decided_by == people["brigade"]
    assert case.facts == "驾驶员拒载乘客并议价"
    assert "驾驶员拒载乘客并议价" in client.get(f"/cases/{case.pk}/").content.decode()


def _photo(user, seed: int):
    import io

    from teis.evidence.services.ingest import ingest_bytes
    from teis.evidence.tests.conftest import jpeg_bytes

    return ingest_bytes(user, io.BytesIO(jpeg_bytes(seed)), filename=f"现场{seed}.jpg")


def test_investigation_links_evidence_from_the_picker(people, tree, make_user, settings, tmp_path):
    from teis.cases.step_forms import RegisterStepForm

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TEIS_EVIDENCE_UPLOAD_DIR = str(tmp_path / "uploads")
    case = started(people, tree)
    walk_to(case, people, "Task_Register")
    mine = _photo(people["officer"], 1)
    stranger = make_user("field_officer", "squad3", username="rec_stranger")
    theirs = _photo(stranger, 2)
    form = RegisterStepForm(worktask=task(case, "Task_Register"))
    assert [pk for pk, _ in form.fields["evidence_items"].choices] == [mine.pk]  # the picker offers the case's own
    facts = step_facts(case, "Task_Register")
    with pytest.raises(ServiceError) as exc:  # another squad's photo, posted by id: refused, nothing linked
        do(case, people["officer"], "Task_Register", {**facts, "evidence_items": [mine.pk, theirs.pk]})
    assert "evidence_items" in exc.value.fields and not case.evidence_links.exists()
    assert "未关联任何证据（证据中心或预录照片、视频）" in steps.missing_requirements(case, "Task_CaseApproval")
    do(case, people["officer"], "Task_Register", {**facts, "evidence_items": [mine.pk]})
    assert list(case.evidence_links.values_list("item_id", "description")) == [(mine.pk, "调查取证关联")]
    assert facts_only(steps.missing_requirements(case, "Task_CaseApproval")) == []


def test_approval_without_evidence_is_flagged_by_monitoring_not_refused(people, tree):
    from teis.cases.services import monitoring

    case = started(people, tree)
    walk_to(case, people, "Task_CaseApproval")
    hits = monitoring.evaluate()["missing_material"]
    assert "未关联任何证据" in hits[case.pk]  # 执法全过程智能监控 fires on the real case
    do(case, people["brigade"], "Task_CaseApproval")  # advisory: the approver decides
    assert case.current_step.startswith("处罚认定")
