"""Demo data of the documents app, run by `manage.py seed_demo` after the cases' demo: the archived demo cases
get the documents their steps issue, issued through the service by the user who completed each step, dated when
the step was done (文号, seal, signature and QR like any other). Under the test settings only the first archived
case gets three of them (seed_demo runs in tests and must stay fast). Idempotent."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

# What each step of the general procedure issues in the demo (a type is skipped when its facts are missing, e.g.
# the 听证 documents of a case without a hearing, the 不予行政处罚决定书 of a case with a fine).
DEMO_TYPES: dict[str, tuple[str, ...]] = {
    "Task_FilingApproval": ("filing_register",),
    "Task_Register": ("inquiry_record", "examination_record", "scene_record", "evidence_register"),
    "Task_CaseApproval": ("case_investigation_report",),
    "Task_Finding": ("case_proposal", "violation_notice"),
    "Task_Statement": ("statement_record",),
    "Task_Hearing": ("hearing_notice", "hearing_record", "hearing_report"),
    "Task_LegalReview": ("legal_review_opinion",),
    "Task_Discussion": ("collective_discussion",),
    "Task_LeaderApproval": ("case_approval",),
    "Task_Decision": ("penalty_decision", "no_penalty_decision", "service_receipt"),
    "Task_Archive": ("closing_report",),
    "Task_ArchiveReview": ("file_cover", "file_contents", "file_reference"),
}


# Under the test settings (seed_demo runs in tests): the documents the other tests look for, nothing more.
TEST_TYPES = frozenset({"violation_notice", "penalty_decision", "service_receipt"})


def load_demo(full: bool | None = None) -> dict[str, int]:
    """`full=False` (default under the test settings): the first archived case and `TEST_TYPES` only."""
    from django.conf import settings

    from teis.cases.choices import CaseStatus, Procedure
    from teis.cases.models import EnforcementCase

    from ..models import Document
    from ..services.catalogue import ensure_catalogue

    ensure_catalogue()
    cases = EnforcementCase.objects.filter(
        status=CaseStatus.ARCHIVED, procedure=Procedure.GENERAL, title__endswith="（演示）", process__isnull=False
    ).order_by("filed_at", "pk")
    if full is None:
        full = not getattr(settings, "TESTING", False)
    if not full:
        cases = cases[:1]
    issued = 0
    for case in cases:
        if Document.objects.filter(case=case).exists():
            continue
        issued += _issue_for(case, None if full else TEST_TYPES)
    return {"执法文书": issued} if issued else {}


def _issue_for(case, only: frozenset[str] | None) -> int:
    from teis.core.services import ServiceError
    from teis.workflow.choices import Decision, TaskStatus
    from teis.workflow.models import WorkTask

    from ..services import issuing

    tasks = (
        WorkTask.objects.filter(instance_id=case.process_id, status=TaskStatus.COMPLETED, decision=Decision.APPROVE)
        .select_related("completed_by")
        .order_by("completed_at", "pk")
    )
    done: set[str] = set()
    n = 0
    for task in tasks:
        for code in DEMO_TYPES.get(task.spec_name, ()):
            if code in done or task.completed_by is None or (only is not None and code not in only):
                continue
            try:
                issuing.issue_document(task.completed_by, case, code, step=task.spec_name, issued_at=task.completed_at)
            except ServiceError:  # facts this case does not have (no hearing, no fine …)
                continue
            done.add(code)
            n += 1
    return n
