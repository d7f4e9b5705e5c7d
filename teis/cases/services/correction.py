"""更正: after the decision the case record changes only through a correction a leader approves."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from ..models import EnforcementCase
from .record_input import Errors
from .record_writers import record_of

# What a 更正 may change, with its label: the wording of the record (never amounts, dates or the decision itself,
# which need a new decision: 撤销 / 变更 through 处罚救济).
CORRECTABLE = {
    "facts": ("违法事实", "case"),
    "investigation": ("调查情况", "case"),
    "legal_basis": ("法律依据", "record"),
    "proposal_facts": ("认定的违法事实", "record"),
    "service_recipient": ("受送达人", "record"),
    "closing_report": ("结案报告", "record"),
}
CORRECTION_APPROVER_ROLES = ("brigade_leader", "leadership")


def do_request_correction(actor, case: EnforcementCase, field: str, new_value: str, reason: str):
    """申请更正: after the decision the record changes only through a correction approved by a leader."""
    from ..models import CaseCorrection
    from . import intake

    errors = Errors()
    if field not in CORRECTABLE:
        errors.add("field", "可更正事项：" + "、".join(label for label, _ in CORRECTABLE.values()))
    new_value = (new_value or "").strip()
    if not new_value:
        errors.add("new_value", "请填写更正后的内容")
    if not (reason or "").strip():
        errors.add("reason", "请填写更正理由")
    errors.raise_if_any()
    intake.check_can_handle(actor, case)
    if case.decided_at is None:
        raise ServiceError("not_decided", "处罚决定作出前可直接修改案件信息，无需更正")
    label, where = CORRECTABLE[field]
    with transaction.atomic():
        holder = case if where == "case" else record_of(case)
        row = CaseCorrection.objects.create(
            case=case,
            field=field,
            old_value=str(getattr(holder, field) or ""),
            new_value=new_value,
            reason=reason.strip(),
            created_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, row, detail={"operation": "cases.correction.request", "field": label})
    return row


def do_decide_correction(actor, correction, approve: bool, opinion: str = ""):
    """审批更正: a brigade leader or corps leader (not the applicant) approves — the change is written and audited
    — or rejects it with a reason."""
    from teis.workflow.services import _role_codes

    from ..choices import CorrectionStatus
    from ..models import CaseCorrection

    with transaction.atomic():
        row = CaseCorrection.objects.select_for_update().select_related("case").get(pk=correction.pk)
        if row.status != CorrectionStatus.PENDING:
            raise ServiceError("decided", "该更正申请已审批")
        if not set(CORRECTION_APPROVER_ROLES) & _role_codes(actor):
            raise ServiceError("forbidden", "更正须由大队长或总队领导审批")
        if actor.pk == row.created_by_id:
            raise ServiceError("forbidden", "不能审批本人提出的更正申请")
        if not approve and not (opinion or "").strip():
            raise ServiceError("reason_required", "驳回更正申请须填写理由", {"opinion": ["请填写理由"]})
        case = row.case
        if approve:
            label, where = CORRECTABLE[row.field]
            holder = case if where == "case" else record_of(case)
            setattr(holder, row.field, row.new_value)
            holder.save()
            audit.record(
                actor,
                AuditAction.UPDATE,
                case,
                changes={label: [row.old_value, row.new_value]},
                detail={"operation": "cases.correction", "correction": row.pk},
            )
        row.status = CorrectionStatus.APPROVED if approve else CorrectionStatus.REJECTED
        row.decided_by, row.decided_at = actor, timezone.now()
        row.save(update_fields=["status", "decided_by", "decided_at"])
    return row
