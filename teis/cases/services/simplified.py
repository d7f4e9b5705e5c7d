"""简易程序 (当场处罚, 行政处罚法 art. 51–52, 68–69) through the page and the mobile API.

The officer records the party, the facts, the legal basis (violation codes), the penalty — a warning, or a fine
of at most 200 元 for a natural person and 3000 元 for a legal person or other organisation (art. 51), within the
violation code's own range — and whether the fine was collected on the spot (art. 68: fines up to 100 元, or
when it would be hard to enforce later). In one transaction the case is registered, coded (统一案件编码), given
its 文号, decided and served on the spot, and its 当场处罚决定 step completed; it goes to the unit's 备案 step.
When 备案 is approved (here or on the task page) the case is closed and archived.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, fit

from ..choices import CaseStatus, DecisionType, OnSpotPenaltyKind, PartyKind, PaymentStatus, Procedure
from ..models import EnforcementCase, OnSpotPenalty

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User

    from teis.workflow.models import ProcessInstance, WorkTask

PROCESS_KEY = "case_simplified"
DECISION_STEP = "Task_OnSpotDecision"
FILING_STEP = "Task_SimplifiedFiling"
LIMITS: dict[str, Decimal] = {PartyKind.PERSON: Decimal("200"), PartyKind.ORGANISATION: Decimal("3000")}  # art. 51
ON_SPOT_COLLECTION_LIMIT = Decimal("100")  # art. 68 (一)
COLLECTION_REASONS = ("不当场收缴事后难以执行", "边远、水上、交通不便地区当事人提出")  # art. 68 (二), art. 69


def _amount(value: Any, errors: dict[str, Any]) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors["fine_amount"] = ["罚款金额应为数字"]
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        errors["fine_amount"] = ["罚款金额最多两位小数"]
        return None
    return amount


def check_penalty(party_kind: str, codes: list[Any], data: dict[str, Any]) -> dict[str, Any]:
    """The penalty part: kind, amount within art. 51 and the codes' range, legal basis, collection."""
    errors: dict[str, list[str]] = {}
    kind = (data.get("penalty_kind") or "").strip()
    if kind not in OnSpotPenaltyKind.values:
        errors["penalty_kind"] = ["处罚种类应为警告或罚款"]
    amount = _amount(data.get("fine_amount"), errors)
    limit = LIMITS.get(party_kind, LIMITS[PartyKind.PERSON])
    if kind == OnSpotPenaltyKind.FINE and "fine_amount" not in errors:
        if amount is None or amount <= 0:
            errors["fine_amount"] = ["请填写罚款金额"]
        elif amount > limit:
            who = "公民" if party_kind == PartyKind.PERSON else "法人或其他组织"
            errors["fine_amount"] = [f"简易程序对{who}罚款不得超过 {limit} 元（行政处罚法第五十一条），请适用一般程序"]
        else:
            for code in codes:
                if code.fine_max is not None and amount > code.fine_max:
                    errors["fine_amount"] = [f"罚款金额超过违章代码 {code.code} 的罚款上限 {code.fine_max} 元"]
                elif code.fine_min is not None and amount < code.fine_min:
                    errors["fine_amount"] = [f"罚款金额低于违章代码 {code.code} 的罚款下限 {code.fine_min} 元"]
    if kind == OnSpotPenaltyKind.WARNING and amount:
        errors["fine_amount"] = ["警告不能同时填写罚款金额"]
    if not codes:
        errors["violation_codes"] = ["请选择违章代码（处罚的法律依据）"]
    collected = bool(data.get("collected_on_spot"))
    reason = (data.get("collection_reason") or "").strip()
    receipt = (data.get("receipt_number") or "").strip()
    if collected:
        if kind != OnSpotPenaltyKind.FINE:
            errors["collected_on_spot"] = ["警告无需收缴罚款"]
        elif amount is not None and amount > ON_SPOT_COLLECTION_LIMIT and reason not in COLLECTION_REASONS:
            errors["collection_reason"] = [
                f"罚款超过 {ON_SPOT_COLLECTION_LIMIT} 元的，仅在“{COLLECTION_REASONS[0]}”"
                f"或“{COLLECTION_REASONS[1]}”时可当场收缴"
            ]
        if not receipt:
            errors["receipt_number"] = ["当场收缴须填写罚没款收据号"]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    basis = "；".join(f"{c.code} {c.name}" for c in codes)
    return {
        "penalty_kind": kind,
        "fine_amount": amount if kind == OnSpotPenaltyKind.FINE else None,
        "legal_basis": (data.get("legal_basis") or "").strip() or basis,
        "collected_on_spot": collected,
        "collection_reason": fit(OnSpotPenalty, "collection_reason", reason) if collected else "",
        "receipt_number": fit(OnSpotPenalty, "receipt_number", receipt) if collected else "",
    }


def _decision_task(case: EnforcementCase, step: str) -> WorkTask | None:
    from teis.workflow.choices import ACTIVE_TASK_STATUSES

    if case.process is None:
        return None
    return case.process.tasks.filter(spec_name=step, status__in=ACTIVE_TASK_STATUSES).first()


def _record_decision(actor: User, case: EnforcementCase, penalty: dict[str, Any]) -> EnforcementCase:
    """Write the decision on the case (code, 文号, decided and served now, payment) and complete the step."""
    from teis.workflow.choices import Decision
    from teis.workflow.services import complete_task

    from ..codes import generate_case_code, next_file_number
    from .procedure import payment_due

    now = timezone.now()
    today = timezone.localdate(now)
    case = EnforcementCase.objects.select_for_update(of=("self",)).select_related("unit", "process").get(pk=case.pk)
    task = _decision_task(case, DECISION_STEP)
    if task is None:
        raise ServiceError("not_at_step", "案件当前不在“当场处罚决定”环节")
    before = audit.snapshot(case)
    if not case.case_code:
        case.case_code = generate_case_code(case, today)
    if not case.file_number:
        case.file_number = next_file_number(case, today)
    case.filed_at = case.filed_at or now
    case.decision_type = DecisionType.PENALTY
    case.fine_amount = penalty["fine_amount"]
    case.decided_at = case.served_at = now  # 当场交付 (art. 52)
    if penalty["fine_amount"] is None:
        case.payment_status, case.paid_amount, case.paid_at, case.payment_due = PaymentStatus.NONE, 0, None, None
    elif penalty["collected_on_spot"]:
        case.payment_status, case.paid_amount, case.paid_at = PaymentStatus.PAID, penalty["fine_amount"], now
        case.payment_due = today
    else:
        case.payment_status, case.paid_amount, case.paid_at = PaymentStatus.UNPAID, 0, None
        case.payment_due = payment_due(now)
    case.save()
    OnSpotPenalty.objects.update_or_create(
        case=case, defaults={**penalty, "decided_at": now, "decided_by": actor, "created_by": actor}
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        case,
        changes=audit.diff(before, audit.snapshot(case)),
        detail={"operation": "cases.on_spot_decision", "penalty": penalty["penalty_kind"]},
    )
    complete_task(actor, task, Decision.APPROVE, "当场作出处罚决定并交付当事人")
    return case


def do_on_spot_penalty(actor: User, data: dict[str, Any], attachments: Iterable[Any] = ()) -> EnforcementCase:
    """当场处罚 in one call: register the case (simplified procedure) with its party, facts and legal basis, record
    the decision and the collection, complete 当场处罚决定. One transaction; audited; nothing kept on refusal."""
    from .intake import Errors, _check_list, _violation_codes, check_party, do_pre_register

    if not isinstance(data, dict):
        raise ServiceError("invalid", "当场处罚信息格式错误")
    errors = Errors()
    parties = _check_list(data, "parties", check_party, errors, "当事人")
    codes = data.get("violation_codes") or []
    codes = _violation_codes([codes] if isinstance(codes, (str, int)) else codes, errors)
    if not (data.get("facts") or "").strip():
        errors.add("facts", "请填写违法事实")
    if len(parties) != 1 and "parties" not in errors:
        errors.add("parties", "当场处罚须登记一名当事人")
    errors.raise_if_any("当场处罚信息")
    penalty = check_penalty(parties[0]["kind"], codes, data)
    case_data = {
        k: v
        for k, v in data.items()
        if k
        not in {
            "penalty_kind",
            "fine_amount",
            "legal_basis",
            "collected_on_spot",
            "collection_reason",
            "receipt_number",
            "status",
        }
    }
    case_data["procedure"] = Procedure.SIMPLIFIED
    case_data.setdefault("title", f"当场处罚：{parties[0]['name']}")
    with transaction.atomic():
        case = do_pre_register(actor, case_data, attachments, process_key=PROCESS_KEY, evidence_source="phone")
        case = _record_decision(actor, case, penalty)
    return EnforcementCase.objects.select_related("unit", "process").get(pk=case.pk)


def do_on_spot_decision(actor: User, case: EnforcementCase, data: dict[str, Any]) -> EnforcementCase:
    """Record (again, after 备案 returned it) the decision of an existing simplified case at its decision step."""
    from .intake import check_can_handle

    if case.procedure != Procedure.SIMPLIFIED:
        raise ServiceError("not_simplified", "该案件不是简易程序案件")
    check_can_handle(actor, case)
    party = case.parties.first()
    if party is None:
        raise ServiceError("invalid", "案件未登记当事人", {"parties": ["请登记当事人"]})
    penalty = check_penalty(party.kind, list(case.violation_codes.all()), data)
    with transaction.atomic():
        return _record_decision(actor, case, penalty)


def do_simplified_filing(
    actor: User, case: EnforcementCase, approve: bool = True, opinion: str = ""
) -> EnforcementCase:
    """备案 (art. 52): the unit's leader approves (the case is closed and archived) or returns it for correction."""
    from teis.workflow.choices import Decision
    from teis.workflow.services import complete_task

    if case.procedure != Procedure.SIMPLIFIED:
        raise ServiceError("not_simplified", "该案件不是简易程序案件")
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update(of=("self",)).select_related("process").get(pk=case.pk)
        task = _decision_task(case, FILING_STEP)
        if task is None:
            raise ServiceError("not_at_step", "案件当前不在“备案”环节")
        complete_task(actor, task, Decision.APPROVE if approve else Decision.RETURN, opinion)
    return EnforcementCase.objects.select_related("unit", "process").get(pk=case.pk)


def on_simplified_event(instance: ProcessInstance, event: str) -> None:
    """Workflow listener: when 备案 ends the process (here or from the task page), the case is closed and archived
    with the 备案 recorded. Runs inside the workflow transaction, after the case listener set the status."""
    from django.contrib.contenttypes.models import ContentType

    if event != "completed" or instance.subject_type_id != ContentType.objects.get_for_model(EnforcementCase).pk:
        return
    case = EnforcementCase.objects.filter(pk=instance.subject_id).first()
    if case is None or case.status != CaseStatus.ARCHIVED:
        return
    now = timezone.now()
    last = instance.tasks.filter(spec_name=FILING_STEP, completed_at__isnull=False).order_by("-completed_at").first()
    EnforcementCase.objects.filter(pk=case.pk).update(
        closed_at=case.closed_at or now,
        archived_at=case.archived_at or now,
        archive_location=case.archive_location or "简易程序电子档案",
    )
    OnSpotPenalty.objects.filter(case=case, filed_at__isnull=True).update(
        filed_at=now, filed_by=last.completed_by if last else None
    )


def register_listener() -> None:
    from teis.workflow.services import LISTENERS
    from teis.workflow.services import register_listener as register

    if on_simplified_event not in LISTENERS.get(PROCESS_KEY, []):
        register(PROCESS_KEY, on_simplified_event)
