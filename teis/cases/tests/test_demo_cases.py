"""The demo general-procedure cases (`teis.cases.demo.general`): made through the services by the users the engine
offered each step to, at least 20 archived with their whole record in order, and open cases at every step — each
open step in the inbox of a demo user."""

from __future__ import annotations

import pytest
from django.utils import timezone

from teis.cases import steps
from teis.cases.choices import CaseStatus, DecisionType, PaymentStatus
from teis.cases.demo.general import MARK, STORIES, load_general_demo
from teis.cases.models import CaseDecision, EnforcementCase
from teis.core.models import TodoItem, TodoStatus
from teis.legal.choices import ApplicationStatus
from teis.workflow.choices import TaskStatus
from teis.workflow.models import WorkTask

pytestmark = pytest.mark.django_db


def _seed() -> dict:
    """The demo organisation, legal catalogue and process definitions, then the demo cases."""
    from teis.legal.demo.loader import load_demo as load_legal
    from teis.org.management.commands.seed_demo import Seeder
    from teis.org.roles import ensure_roles
    from teis.workflow.services import ensure_definitions

    seeder = Seeder()
    ensure_roles()
    lines = seeder.dictionaries()
    units = seeder.units(lines)
    seeder.officers(units, lines)
    load_legal()
    ensure_definitions(None)
    return load_general_demo(STORIES)  # all of them (the test settings' seed_demo makes a sample)


def test_demo_cases_are_made_through_the_services_with_their_record():
    """One seeding (it is the expensive part), three checks."""
    assert _seed() == {"一般程序案件": len(STORIES)}
    assert load_general_demo() == {}  # idempotent
    check_archived_cases_carry_their_whole_record_in_order()
    check_open_cases_wait_at_every_step_in_a_demo_users_inbox()


def _demo():
    return EnforcementCase.objects.filter(title__endswith=MARK)


def check_archived_cases_carry_their_whole_record_in_order():
    archived = list(_demo().filter(status=CaseStatus.ARCHIVED).select_related("discretion"))
    assert len(archived) >= 20
    for case in archived:
        rec = CaseDecision.objects.get(case=case)
        assert len(case.case_code) == 18 and case.file_number, case.title
        assert case.records.exists() and rec.legal_opinion and rec.service_method and rec.service_recipient
        assert rec.archive_number and case.archive_location and rec.closing_report
        assert case.filed_at < rec.notice_served_at <= case.decided_at <= case.served_at < case.closed_at
        assert case.closed_at < case.archived_at < timezone.now()
        if case.decision_type == DecisionType.PENALTY:
            assert case.fine_amount and case.payment_status == PaymentStatus.PAID
            assert case.payments.get().paid_at > case.served_at
            assert case.discretion.status in (ApplicationStatus.WITHIN, ApplicationStatus.APPROVED)
            assert case.discretion.amount == case.fine_amount
        assert steps.missing_requirements(case, "Task_ArchiveReview") == []
    days = sorted(c.archived_at for c in archived)
    assert (days[-1] - days[0]).days > 200  # spread over the year, for statistics
    kinds = {
        "major": [c for c in archived if c.is_major],
        "hearing": [c for c in archived if c.decision_record and c.decision_record.hearing_report],
        "deviation": [c for c in archived if c.discretion and c.discretion.status == ApplicationStatus.APPROVED],
        "no_penalty": [c for c in archived if c.decision_type == DecisionType.NO_PENALTY],
        "remedy": [c for c in archived if c.decision_record and c.decision_record.remedy_kind],
        "variants": [c for c in archived if c.process_key != steps.GENERAL],
    }
    assert all(kinds.values()), {k: len(v) for k, v in kinds.items()}
    major = kinds["major"][0]
    signed = WorkTask.objects.filter(
        instance_id=major.process_id, spec_name="Task_Discussion", status=TaskStatus.COMPLETED
    )
    assert signed.count() >= 2 and major.decision_record.discussion_minutes


def check_open_cases_wait_at_every_step_in_a_demo_users_inbox():
    waiting = {}
    for case in _demo().exclude(status__in=[CaseStatus.ARCHIVED, CaseStatus.NOT_FILED, CaseStatus.TRANSFERRED_OUT]):
        open_tasks = WorkTask.objects.filter(
            instance_id=case.process_id, status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]
        )
        for wt in open_tasks:
            waiting[wt.spec_name] = case
            assert wt.assignee_id or TodoItem.objects.filter(source_key=f"wf:{wt.pk}", status=TodoStatus.OPEN).exists()
    wanted = {s.stop for s in STORIES if s.stop.startswith("Task_")}
    assert wanted <= set(waiting), wanted - set(waiting)
    assert _demo().filter(status=CaseStatus.NOT_FILED, case_code__isnull=True).count() == 1
    transferred = _demo().get(status=CaseStatus.TRANSFERRED_OUT)
    assert transferred.decision_record.transfer_authority and transferred.decision_record.transfer_receipt
    overdue = _demo().filter(payment_status=PaymentStatus.UNPAID, payment_due__lt=timezone.localdate())
    assert overdue.exists()  # the overdue job has a fine to act on
