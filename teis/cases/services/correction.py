"""更正: after the decision the case record changes only through a correction a leader approves."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError

from ..models import EnforcementCase
from .record_input import Errors
from .record_writers import record_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from ..models import CaseCorrection

# What a 更正 may change, with its label and where it is kept: the wording of the record (never amounts, dates or
# the decision itself, which need a new decision: 撤销 / 变更 through 处罚救济). A 行政强制 measure's and a 行政检查's
# wording likewise once decided / reviewed ("measure." / "inspection." keys name their fields).
CORRECTABLE = {
    "facts": ("违法事实", "case"),
    "investigation": ("调查情况", "case"),
    "legal_basis": ("法律依据", "record"),
    "proposal_facts": ("认定的违法事实", "record"),
    "service_recipient": ("受送达人", "record"),
    "closing_report": ("结案报告", "record"),
    "measure.reason": ("强制措施理由", "measure"),
    "measure.place": ("强制措施实施地点", "measure"),
    "measure.progress": ("强制措施期间处理情况", "measure"),
    "inspection.inspected_object": ("检查对象", "inspection"),
    "inspection.place": ("检查地点", "inspection"),
    "inspection.problems": ("检查发现的问题", "inspection"),
}
CORRECTION_APPROVER_ROLES = ("brigade_leader", "leadership")


def _holder(case: EnforcementCase, where: str) -> Any:  # the case, its record, its measure or inspection; None
    """The row a correctable field lives on (None when the case has no such record)."""
    from ..models import CoerciveMeasure, InspectionRecord

    if where == "case":
        return case
    if where == "record":
        return record_of(case)
    model = CoerciveMeasure if where == "measure" else InspectionRecord
    return model.objects.filter(case=case).first()


def _attribute(field: str) -> str:
    return field.rpartition(".")[2]


def is_decided(case: EnforcementCase) -> bool:
    """Whether the record is fixed (only 更正 changes it): the penalty decided, the measure decided, the
    inspection reviewed."""
    if case.decided_at is not None:
        return True
    measure, inspection = _holder(case, "measure"), _holder(case, "inspection")
    return bool((measure and measure.decided_at) or (inspection and inspection.reviewed_at))


def correctable_for(case: EnforcementCase) -> list[tuple[str, str]]:
    """(field, label) a correction of this case may name: the case's own and those of the records it has."""
    present = {"case", "record"}
    present |= {where for where in ("measure", "inspection") if _holder(case, where) is not None}
    return [(k, label) for k, (label, where) in CORRECTABLE.items() if where in present]


def label_of(field: str) -> str:
    return CORRECTABLE.get(field, (field, ""))[0]


def do_request_correction(
    actor: User, case: EnforcementCase, field: str, new_value: str, reason: str
) -> CaseCorrection:
    """申请更正: after the decision the record changes only through a correction approved by a leader."""
    from ..models import CaseCorrection
    from . import intake

    errors = Errors()
    allowed = dict(correctable_for(case))
    if field not in allowed:
        errors.add("field", "可更正事项：" + "、".join(allowed.values()))
    new_value = (new_value or "").strip()
    if not new_value:
        errors.add("new_value", "请填写更正后的内容")
    if not (reason or "").strip():
        errors.add("reason", "请填写更正理由")
    errors.raise_if_any()
    intake.check_can_handle(actor, case)
    if not is_decided(case):
        raise ServiceError("not_decided", "决定作出前可直接修改案件信息，无需更正")
    label, where = CORRECTABLE[field]
    with transaction.atomic():
        holder = _holder(case, where)
        row = CaseCorrection.objects.create(
            case=case,
            field=field,
            old_value=str(getattr(holder, _attribute(field)) or ""),
            new_value=new_value,
            reason=reason.strip(),
            created_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, row, detail={"operation": "cases.correction.request", "field": label})
    return row


def do_decide_correction(actor: User, correction: CaseCorrection, approve: bool, opinion: str = "") -> CaseCorrection:
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
            holder = _holder(case, where)
            setattr(holder, _attribute(row.field), row.new_value)
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
