"""Shared helpers of the documents tests: a general-procedure case walked to a step (the cases' own record
helpers), and a document issued on it."""

from __future__ import annotations

import pytest

from teis.cases import steps
from teis.cases.tests._record import make_full_case, step_facts
from teis.cases.tests.test_processes import FILES
from teis.workflow import services as wf
from teis.workflow.choices import Decision, TaskStatus

PLAN = [
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


@pytest.fixture
def people(make_user, roles):
    wf.ensure_definitions(None, FILES)
    return {
        "officer": make_user("field_officer", "squad1", username="doc_officer"),
        "squad": make_user("squad_leader", "squad1", username="doc_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="doc_brigade"),
        "legal": make_user("legal_reviewer", "corps", username="doc_legal"),
        "leader": make_user("leadership", "corps", username="doc_leader"),
        "other": make_user("field_officer", "squad3", username="doc_other"),
    }


def open_task(case, step):
    return case.process.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED], spec_name=step)


def case_at(people, tree, last: str, unit: str = "squad1"):
    """A case started and walked (approving each step with the record helpers' facts) up to `last`."""
    case = make_full_case(tree[unit], people["officer"])
    wf.start_process(people["officer"], "case_general", case, case.unit, steps.start_data(case))
    for who, step in PLAN:
        case.refresh_from_db()
        if step == last:
            return case
        wf.complete_task(people[who], open_task(case, step), Decision.APPROVE, "同意", step_facts(case, step))
    case.refresh_from_db()
    return case
