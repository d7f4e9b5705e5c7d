"""Shared helpers of the documents tests: a general-procedure case walked to a step (the cases' own record
helpers), and a document issued on it."""

from __future__ import annotations

from teis.cases import steps
from teis.cases.tests._record import make_full_case, step_facts
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
