"""The case record written step by step (案卷): what each step of the general procedure (and its 路政 / 水上 / 海事
variants, which share the step ids) decides is validated and written here when the step is completed, inside
the workflow's transaction (`handle_step`, registered with `teis.workflow.services.register_step_handler`).

The writers are in `record_writers` (one per step), their input readers in `record_input`, 更正 in `correction`.
A refusal (`ServiceError` naming the field in Chinese) leaves the record and the process untouched. 退回 and
不同意 decide nothing, so they write nothing (except the reason of a 结案归档退回). After every step its
requirements (`steps.missing_requirements`, documents excepted until the documents issue) are checked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from teis.core.services import ServiceError

from .. import steps
from ..choices import CaseStatus
from ..models import CaseDecision, EnforcementCase
from .coercive import MEASURE_FACT_FIELDS
from .inspection import INSPECTION_FACT_FIELDS
from .record_input import Errors
from .record_writers import KEEP_CASE, record_of, return_legal_review, write_receive, writer_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.workflow.models import ProcessInstance, WorkTask

# Task-data variables the diagrams' gateways read: passed to the engine, never written to the record.
PROCESS_VARIABLES = frozenset(
    {
        "hearing",
        "transfer_case",
        "criminal",
        "remedy",
        "paid",
        "extend",
        "to_penalty",
        "disposal",
        "discussion_leaders",
        "is_major",
        "handover_unit",
    }
)


def check_step(case: EnforcementCase, step_id: str) -> None:
    """Refuse completing `step_id` while a required fact is missing (documents are the documents issue's)."""
    missing = []
    for req in steps.requirements_for(case, step_id):
        if req.document or req.advisory:
            continue
        message = req.check(case)
        if message:
            missing.append(message)
    if missing:
        raise ServiceError("step_incomplete", "本环节尚不能办结，缺少：" + "；".join(missing), {"__all__": missing})


def _case_of(instance: ProcessInstance, related: tuple[str, ...] = ()) -> EnforcementCase | None:
    from django.contrib.contenttypes.models import ContentType

    if not instance.subject_id or instance.subject_type_id != ContentType.objects.get_for_model(EnforcementCase).pk:
        return None
    qs = EnforcementCase.objects.select_for_update(of=("self",))
    if related:
        qs = qs.select_related(*related)
    return qs.filter(pk=instance.subject_id).first()


def _related_for(key: str, step: str) -> tuple[str, ...]:
    """What the step's writer and requirement checks read beside the case (perf: joined to the locked row instead
    of one query each): the cause (案由), the discretion application (罚款), the unit (文号)."""
    keys = {r.key for r in steps.STEP_REQUIREMENTS.get(step, ())}
    keys |= {r.key for r in steps.PROCESS_REQUIREMENTS.get(key, {}).get(step, ())}
    related = []
    if "case_cause" in keys:
        related.append("case_cause")
    if keys & {"fine_in_benchmark", "fine_proposed"}:
        related.append("discretion")
    if step == "Task_Decision":
        related.append("unit")
    return tuple(related)


def handle_step(
    actor: User, instance: ProcessInstance, worktask: WorkTask, decision: str, data: dict[str, Any], opinion: str = ""
) -> dict[str, Any]:
    """The cases step handler (`teis.workflow.services.register_step_handler`), run inside `complete_task`'s
    transaction before the engine moves: writes the step's facts, checks its requirements, files the case on
    立案审批's approval; returns the process variables for the engine."""
    from teis.workflow.choices import Decision

    variables = {k: v for k, v in data.items() if k in PROCESS_VARIABLES or k not in FACT_FIELDS}
    step = worktask.spec_name
    related = _related_for(instance.definition.key, step) if decision == Decision.APPROVE else ()
    case = _case_of(instance, related)
    if case is None:
        return variables
    if decision != Decision.APPROVE:
        if step == "Task_ArchiveReview" and opinion:
            rec = record_of(case)
            rec.archive_return_reason = opinion
            rec.save(update_fields=["archive_return_reason", "updated_at"])
        if step == "Task_LegalReview":
            return_legal_review(actor, case, opinion)
        return variables
    writer = writer_for(case, step)
    # inside complete_task's transaction: a refusal rolls all of it back, so no savepoint is needed (perf)
    with transaction.atomic(savepoint=False):
        if writer is not None:
            errors = Errors()
            extra = {"instance": instance} if writer is write_receive else {}
            rec = record_of(case)
            variables.update(writer(actor, case, rec, data, errors, **extra) or {})
            if writer in KEEP_CASE:
                case._step_record = rec  # type: ignore[attr-defined]  # current: the checks need not read it again (perf)
            else:
                case.refresh_from_db()
        check_step(case, step)
        if step == "Task_FilingApproval":
            from . import intake

            intake.do_file_case(actor, case, by_workflow=True)
        if "is_major" in data:
            variables["is_major"] = bool(case.is_major)
    return variables


# Field names the step forms collect for the record (never copied into the task data).
FACT_FIELDS = frozenset(
    {
        "title",
        "source",
        "case_cause",
        "violation_codes",
        "facts",
        "investigation",
        "record_kind",
        "record_started_at",
        "record_place",
        "record_interviewee",
        "record_qa",
        "record_content",
        "evidence_items",
        "decision_type",
        "penalty_kinds",
        "fine_amount",
        "violation_code",
        "discretion_level",
        "conditions_met",
        "discretion_reason",
        "legal_basis",
        "proposal_facts",
        "evidence_list",
        "proposal",
        "decision_reason",
        "notice_served_at",
        "hearing_requested_at",
        "statement_content",
        "statement_adopted",
        "statement_reason",
        "hearing_notified_at",
        "hearing_held_at",
        "hearing_record",
        "hearing_report",
        "legal_opinion",
        "discretion_verdict",
        "discussion_minutes",
        "decided_at",
        "served_at",
        "service_method",
        "service_recipient",
        "remedy_kind",
        "remedy_filed_at",
        "remedy_result",
        "remedy_effect",
        "payment_amount",
        "paid_at",
        "receipt_number",
        "urged_at",
        "court_applied_at",
        "installments",
        "installment_note",
        "closing_kind",
        "closing_report",
        "archive_number",
        "archive_cabinet",
        "archive_box",
        "archive_position",
        "transfer_authority",
        "transfer_date",
        "transfer_receipt",
        "road_damage",
        "road_damage_amount",
        "road_damage_settlement",
        "vessel_name",
        "vessel_number",
        "vessel_mmsi",
        "handover_unit",  # recorded, and the process variable Task_Receive's teis:unitVar reads
        "handover_reason",
        "receive_handler",
    }
)


# ... and those of the 行政强制 and 行政检查 forms (their writers: services.coercive, services.inspection).
FACT_FIELDS = FACT_FIELDS | MEASURE_FACT_FIELDS | INSPECTION_FACT_FIELDS


def decided(case: EnforcementCase) -> bool:
    """After the decision the record changes only through 更正 (with approval)."""
    return case.decided_at is not None and case.status not in (CaseStatus.PRE_REGISTERED, CaseStatus.FILING)


def register_step_handlers() -> None:
    """Called from the app's ready(): the general procedure and its variants record their facts here."""
    from teis.workflow.services import register_step_handler

    for key in steps.GENERAL_KEYS:
        register_step_handler(key, handle_step)
    from .coercive import handle_step as handle_measure_step

    for key in (steps.COERCIVE, steps.INSPECTION):
        register_step_handler(key, handle_measure_step)


# --- reading ---------------------------------------------------------------------------------------------------


def record_context(case: EnforcementCase) -> dict[str, Any]:
    """What `cases/_case_record.html` shows: the decision record, 笔录, payments and each 集体讨论 opinion."""
    discussion = []
    if case.process_id:
        from teis.workflow.choices import TaskStatus
        from teis.workflow.models import WorkTask

        rows = (
            WorkTask.objects.filter(
                instance_id=case.process_id, spec_name="Task_Discussion", status=TaskStatus.COMPLETED
            )
            .select_related("completed_by__officer")
            .order_by("completed_at")
        )
        for row in rows:
            user = row.completed_by
            name = getattr(getattr(user, "officer", None), "name", "") or (user.username if user else "")
            discussion.append((name, row.get_decision_display(), row.opinion))
    return {
        "record": CaseDecision.objects.filter(case=case).select_related("legal_reviewer__officer").first(),
        "records": list(case.records.select_related("recorder__officer")),
        "payments": list(case.payments.all()),
        "discussion": discussion,
    }
