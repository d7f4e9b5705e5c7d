"""What each step of the general procedure (and its 路政 / 水上 / 海事 variants) records, one writer per step: the
facts are validated first (`record_input.Errors`, raised together naming each field) and written only when all
are valid; `services.record.handle_step` calls them inside the workflow's transaction."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError, fit
from teis.core.workdays import add_workdays

from .. import ports
from ..choices import DecisionType, PaymentStatus, PenaltyKind, RecordKind
from ..models import CaseDecision, CasePayment, CaseRecord, EnforcementCase
from .record_input import (
    Errors,
    as_amount,
    as_date,
    as_datetime,
    fmt,
    local_day,
    minute,
    optional_text,
    parse_qa,
    required_text,
    text,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.legal.models import DiscretionApplication
    from teis.org.models import Unit
    from teis.workflow.models import ProcessInstance

HEARING_REQUEST_WORKDAYS = 5  # 行政处罚法 art. 64(1) 告知后五日内提出; art. 85: 五日 = working days


def record_of(case: EnforcementCase) -> CaseDecision:
    """The case's decision record, created empty on first use."""
    rec, _ = CaseDecision.objects.get_or_create(case=case)
    return rec


def _write_pre_register(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """案件预登记 / 立案: source, 案由, violation codes, facts, 重大案件 (through the intake service's checks)."""
    from . import intake

    fields = {k: data[k] for k in ("title", "source", "case_cause", "violation_codes", "facts") if k in data}
    if "is_major" in data:
        fields["is_major"] = bool(data["is_major"])
    if "violation_codes" in fields:
        fields["violation_codes"] = list(fields["violation_codes"] or [])
    if fields:
        intake.do_update_case(actor, case, fields)
    return {}


def _write_filing(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    return {}


def _evidence_to_link(actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors) -> list[Any]:
    wanted = data.get("evidence_items") or []
    if isinstance(wanted, (str, int)):
        wanted = [wanted]
    ids = []
    for value in wanted:
        pk = getattr(value, "pk", value)
        if not str(pk).isdigit():
            errors.add("evidence_items", "证据编号无效")
            return []
        ids.append(int(pk))
    items = ports.evidence_in_scope(actor, ids)
    if len(items) != len(set(ids)):
        errors.add("evidence_items", "所选证据不存在或不在您的数据权限范围内")
    return items


def _write_investigation(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """调查取证: the investigation text and, when given, one 笔录 with its questions and answers."""
    investigation = text(data, "investigation")
    kind = text(data, "record_kind")
    record = None
    if kind:
        if kind not in RecordKind.values:
            errors.add("record_kind", "笔录类型无效")
        started = as_datetime(data.get("record_started_at"), errors, "record_started_at", "笔录开始时间")
        qa = parse_qa(text(data, "record_qa"))
        content = text(data, "record_content")
        if not qa and not content:
            errors.add("record_qa", "请填写笔录的问答或内容（每行以“问：”或“答：”开头）")
        if kind == RecordKind.INQUIRY and not text(data, "record_interviewee"):
            errors.add("record_interviewee", "询问笔录须填写被询问人")
        if started and case.discovered_at and started < case.discovered_at - dt.timedelta(days=1):
            errors.add("record_started_at", "笔录开始时间早于发现违法行为的时间")
        record = {
            "kind": kind,
            "started_at": started,
            "place": optional_text(data, errors, "record_place", "笔录地点", 200),
            "interviewee": optional_text(data, errors, "record_interviewee", "被询问人", 100),
            "content": content,
            "qa": qa,
        }
    evidence = _evidence_to_link(actor, case, data, errors)
    errors.raise_if_any()
    if evidence:
        linked = set(case.evidence_links.values_list("item_id", flat=True))
        for item in evidence:
            if item.pk not in linked:
                ports.link_evidence(actor, item, case, "调查取证关联")
    if investigation and investigation != case.investigation:
        from . import intake

        intake.do_update_case(actor, case, {"investigation": investigation})
    if record is not None:
        row = CaseRecord.objects.create(case=case, recorder=actor, created_by=actor, step="Task_Register", **record)
        audit.record(actor, AuditAction.CREATE, row, detail={"operation": "cases.record", "case": case.pk})
    return {}


MMSI = re.compile(r"^[2-7]\d{8}$")  # ITU-R M.585: a ship station's MID (201–775) and six digits
VESSEL_NUMBER = re.compile(r"^CN\d{11}$")  # 船舶识别号: CN and eleven digits


def _write_road_investigation(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """路政 调查取证: the investigation, its 笔录 (the 勘验笔录 of the road property) and the loss: what was damaged,
    the compensation by the 路产损失赔偿 standard and how it was settled."""
    from ..choices import RoadDamageSettlement

    settlement = text(data, "road_damage_settlement")
    if settlement not in RoadDamageSettlement.values:
        errors.add("road_damage_settlement", "请选择路产损失赔偿处理情况")
    damaged = settlement in RoadDamageSettlement.values and settlement != RoadDamageSettlement.NONE
    damage = required_text(data, errors, "road_damage", "路产损失情况") if damaged else text(data, "road_damage")
    amount = as_amount(
        data.get("road_damage_amount"), errors, "road_damage_amount", "路产损失赔偿金额", required=damaged
    )
    if settlement == RoadDamageSettlement.NONE and amount is not None:
        errors.add("road_damage_amount", "选择“无路产损失”时不应填写赔偿金额")
    out = _write_investigation(actor, case, rec, data, errors)
    rec.road_damage, rec.road_damage_amount, rec.road_damage_settlement = damage, amount, settlement
    rec.save()
    return out


def _write_vessel_investigation(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """水上 / 海事 调查取证: the investigation, its 笔录 (a 现场笔录 on board) and the vessel: its name and its
    船舶识别号 or MMSI."""
    name = required_text(data, errors, "vessel_name", "船名", 60)
    number = text(data, "vessel_number").upper()
    mmsi = text(data, "vessel_mmsi")
    if number and not VESSEL_NUMBER.match(number):
        errors.add("vessel_number", "船舶识别号应为 CN 加 11 位数字")
    if mmsi and not MMSI.match(mmsi):
        errors.add("vessel_mmsi", "MMSI 应为 9 位数字，以 2–7 开头")
    if name and not (number or mmsi):
        errors.add("vessel_number", "请填写船舶识别号或 MMSI")
    out = _write_investigation(actor, case, rec, data, errors)
    rec.vessel_name, rec.vessel_number, rec.vessel_mmsi = name, number, mmsi
    rec.save()
    return out


def _discretion(
    actor: User, case: EnforcementCase, data: dict[str, Any], errors: Errors, fine: Decimal | None
) -> DiscretionApplication | None:
    """The discretion application for the proposed fine, linked to the case (case.discretion)."""
    from teis.legal.services import discretion as legal

    code = data.get("violation_code") or next(iter(case.violation_codes.all()), None)
    level = data.get("discretion_level")
    if code is None:
        errors.add("violation_code", "罚款须选择违章代码以适用裁量基准")
        return None
    if not level:
        errors.add("discretion_level", "请选择裁量情节")
        return None
    try:
        return legal.do_apply_discretion(
            actor,
            violation_code=code,
            level=level,
            amount=fine,
            conditions_met=list(data.get("conditions_met") or []),
            reason=text(data, "discretion_reason"),
            case_reference=case.case_code or f"案件{case.pk}",
            unit=case.unit,
        )
    except ServiceError as err:
        target = {"amount": "fine_amount", "level": "discretion_level", "code": "violation_code"}
        for name, msgs in (err.fields or {"discretion_reason": [err.message]}).items():
            for m in msgs:
                errors.add(target.get(name, "discretion_reason" if name == "reason" else name), m)
        if not err.fields:
            return None
        errors.fields.setdefault("__all__", []).append(err.message)
        return None


def _write_finding(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """案件处理意见 + 违法行为通知（事先告知）: decision type, penalty kinds, fine within the discretion benchmark
    (or a deviation sent to legal review), legal basis, the notice's service date, and a hearing request."""
    decision_type = text(data, "decision_type") or DecisionType.PENALTY
    if decision_type not in (DecisionType.PENALTY, DecisionType.NO_PENALTY):
        errors.add("decision_type", "处理决定类型无效")
    kinds = [k for k in (data.get("penalty_kinds") or []) if k]
    bad = [k for k in kinds if k not in PenaltyKind.values]
    if bad:
        errors.add("penalty_kinds", "处罚种类无效：" + "、".join(map(str, bad)))
    fine = None
    if decision_type == DecisionType.PENALTY:
        if not kinds:
            errors.add("penalty_kinds", "给予行政处罚须选择处罚种类")
        if PenaltyKind.FINE in kinds:
            fine = as_amount(data.get("fine_amount"), errors, "fine_amount", "罚款金额")
        elif data.get("fine_amount") not in (None, ""):
            errors.add("fine_amount", "未选择“罚款”处罚种类，不应填写罚款金额")
        if not text(data, "legal_basis"):
            errors.add("legal_basis", "请填写法律依据")
    else:
        required_text(data, errors, "decision_reason", "不予处罚理由")
    notice = as_datetime(data.get("notice_served_at"), errors, "notice_served_at", "事先告知送达时间")
    if notice and case.filed_at and notice < minute(case.filed_at):
        errors.add("notice_served_at", "事先告知送达时间不能早于立案时间")
    hearing = bool(data.get("hearing"))
    requested = as_date(
        data.get("hearing_requested_at"), errors, "hearing_requested_at", "听证申请日期", required=hearing
    )
    if requested and not hearing:
        errors.add("hearing", "填写了听证申请日期，请勾选“当事人申请听证”")
    if requested and notice:
        served_day = local_day(notice)
        last = add_workdays(served_day, HEARING_REQUEST_WORKDAYS)
        if requested < served_day:
            errors.add("hearing_requested_at", "听证申请日期不能早于事先告知送达日期")
        elif requested > last:
            errors.add(
                "hearing_requested_at",
                f"听证申请日期 {requested} 已超过期限：应在告知送达后五个工作日内（{last} 前）提出",
            )
    code = data.get("violation_code") or next(iter(case.violation_codes.all()), None)
    if fine is not None and code is not None:
        low, high = getattr(code, "fine_min", None), getattr(code, "fine_max", None)
        if high is not None and fine > high:
            errors.add("fine_amount", f"罚款金额 {fine} 元超过法定上限 {high} 元（违章代码 {code.code}）")
        elif low is not None and fine < low:
            errors.add("fine_amount", f"罚款金额 {fine} 元低于法定下限 {low} 元（违章代码 {code.code}）")
    errors.raise_if_any()
    application = _discretion(actor, case, data, errors, fine) if fine is not None else None
    errors.raise_if_any()
    before = audit.snapshot(case)
    case.decision_type = decision_type
    case.fine_amount = fine
    if application is not None:
        case.discretion = application
    elif fine is None:
        case.discretion = None
    case.save(update_fields=["decision_type", "fine_amount", "discretion", "updated_at"])
    rec.penalty_kinds = kinds if decision_type == DecisionType.PENALTY else []
    rec.legal_basis = text(data, "legal_basis")
    rec.proposal_facts = text(data, "proposal_facts") or case.facts
    rec.evidence_list = text(data, "evidence_list")
    rec.proposal = text(data, "proposal")
    rec.decision_reason = text(data, "decision_reason") if decision_type == DecisionType.NO_PENALTY else ""
    rec.proposed_at = timezone.now()
    rec.notice_served_at = notice
    rec.hearing_requested_at = requested
    rec.save()
    _audit(actor, case, before, "cases.finding")
    return {"hearing": hearing}


def _write_statement(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """陈述申辩: what the party said, whether it was adopted and why (or that the party waived it)."""
    content = required_text(data, errors, "statement_content", "陈述申辩内容（放弃的请注明）")
    adopted = data.get("statement_adopted")
    adopted = None if adopted in (None, "") else adopted in (True, "true", "yes", "1", "adopted")
    reason = text(data, "statement_reason")
    if adopted is not None and not reason:
        errors.add("statement_reason", "请填写采纳或不予采纳的理由")
    errors.raise_if_any()
    rec.statement_content, rec.statement_adopted, rec.statement_reason = content, adopted, reason
    rec.save()
    return {}


def _write_hearing(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """听证: notice, the hearing held (not before 7 days after the notice, art. 64(2)), record and report."""
    notified = as_date(data.get("hearing_notified_at"), errors, "hearing_notified_at", "听证通知日期")
    held = as_date(data.get("hearing_held_at"), errors, "hearing_held_at", "听证举行日期")
    record = required_text(data, errors, "hearing_record", "听证笔录")
    report = required_text(data, errors, "hearing_report", "听证报告")
    if notified and rec.hearing_requested_at and notified < rec.hearing_requested_at:
        errors.add("hearing_notified_at", "听证通知日期不能早于听证申请日期")
    if notified and held and held < notified + dt.timedelta(days=7):
        errors.add("hearing_held_at", "应当在举行听证的七日前通知当事人（听证举行日期过早）")
    errors.raise_if_any()
    assert held is not None  # required above
    rec.hearing_notified_at, rec.hearing_held_at = notified, held
    rec.hearing_record, rec.hearing_report = record, report
    rec.save()
    CaseRecord.objects.create(
        case=case,
        kind=RecordKind.HEARING,
        started_at=timezone.make_aware(dt.datetime.combine(held, dt.time(9, 0))),
        recorder=actor,
        created_by=actor,
        content=record,
        step="Task_Hearing",
    )
    return {}


def pending_deviation(case: EnforcementCase) -> DiscretionApplication | None:
    """The case's discretion application while a deviation from the benchmark awaits legal review, else None."""
    from teis.legal.choices import ApplicationStatus

    app = case.discretion if case.discretion_id else None
    return app if app is not None and app.status == ApplicationStatus.PENDING else None


def _decide_deviation(actor: User, app: DiscretionApplication, approve: bool, opinion: str) -> None:
    from teis.legal.services import discretion as legal

    try:
        legal.do_decide_discretion(actor, app, approve, opinion)
    except ServiceError as err:
        raise ServiceError(err.code, err.message, {"discretion_verdict": [err.message]}) from err


def _write_legal_review(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """法制审核: the reviewer's written opinion and, when the proposed fine deviates from the discretion benchmark,
    the reviewer's recorded decision on the deviation (approving it here approves the discretion application; not
    approving it is a 退回 to the handler). The 集体讨论 leaders are a process variable."""
    opinion = required_text(data, errors, "legal_opinion", "法制审核意见")
    deviation = pending_deviation(case)
    verdict = text(data, "discretion_verdict")
    if deviation is not None:
        if verdict not in ("approve", "reject"):
            errors.add("discretion_verdict", f"拟处罚偏离裁量基准（{deviation.deviation}），请作出是否批准的审核决定")
        elif verdict == "reject":
            errors.add("discretion_verdict", "不批准偏离裁量基准的，请选择“退回”，由承办人重新提出处理意见")
    errors.raise_if_any()
    if deviation is not None:
        _decide_deviation(actor, deviation, True, opinion)
    rec.legal_opinion, rec.legal_reviewer, rec.legal_reviewed_at = opinion, actor, timezone.now()
    rec.save()
    return {}


def return_legal_review(actor: User, case: EnforcementCase, opinion: str) -> None:
    """退回 at 法制审核 while a deviation is pending: the deviation is not approved, with the reviewer's reason."""
    deviation = pending_deviation(case)
    if deviation is not None:
        _decide_deviation(actor, deviation, False, opinion or "法制审核退回")


def _write_discussion(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """集体讨论 (会签): each leader's opinion is their signature's opinion; minutes are kept once, added to."""
    minutes = text(data, "discussion_minutes")
    if minutes:
        name = getattr(getattr(actor, "officer", None), "name", "") or actor.get_username()
        rec.discussion_minutes = (
            rec.discussion_minutes + "\n" if rec.discussion_minutes else ""
        ) + f"{name}：{minutes}"
    rec.discussion_at = rec.discussion_at or timezone.now()
    rec.save()
    return {}


def _write_decision(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """处罚决定及送达: decision time after the prior notice (and after the hearing), service after the decision,
    the decision number (文号) and the payment due date (15 days after service, art. 67)."""
    from ..codes import next_file_number
    from .procedure import payment_due

    decided = as_datetime(data.get("decided_at"), errors, "decided_at", "决定时间")
    served = as_datetime(data.get("served_at"), errors, "served_at", "送达时间")
    method = text(data, "service_method")
    from ..choices import ServiceMethod

    if not method:
        errors.add("service_method", "请选择送达方式")
    elif method not in ServiceMethod.values:
        errors.add("service_method", "送达方式无效")
    recipient = required_text(data, errors, "service_recipient", "受送达人", 100)
    if case.decision_type == DecisionType.PENALTY and rec.notice_served_at is None:
        errors.add("decided_at", "未经事先告知（未记录告知书送达时间），不能作出行政处罚决定")
    if decided and rec.notice_served_at and decided < rec.notice_served_at:
        errors.add("decided_at", f"决定时间不能早于事先告知送达时间（{fmt(rec.notice_served_at)}）")
    if decided and rec.hearing_held_at and local_day(decided) < rec.hearing_held_at:
        errors.add("decided_at", f"决定时间不能早于听证举行日期（{rec.hearing_held_at}）")
    if decided and case.filed_at and decided < minute(case.filed_at):
        errors.add("decided_at", "决定时间不能早于立案时间")
    if decided and served and served < decided:
        errors.add("served_at", "送达时间不能早于决定时间")
    errors.raise_if_any()
    before = audit.snapshot(case)
    case.decided_at, case.served_at = decided, served
    if not case.file_number:
        case.file_number = next_file_number(case, local_day(decided))
    if case.decision_type == DecisionType.PENALTY and case.fine_amount:
        assert served is not None  # required above
        case.payment_due = payment_due(served)
        if case.payment_status == PaymentStatus.NONE:
            case.payment_status = PaymentStatus.UNPAID
    case.save(update_fields=["decided_at", "served_at", "file_number", "payment_due", "payment_status", "updated_at"])
    rec.service_method, rec.service_recipient = method, recipient
    rec.save()
    _audit(actor, case, before, "cases.decision")
    return {}


def _write_remedy(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    from ..choices import RemedyKind, RemedyResult

    kind = text(data, "remedy_kind")
    if kind not in RemedyKind.values:
        errors.add("remedy_kind", "请选择救济方式（行政复议或行政诉讼）")
    filed = as_date(data.get("remedy_filed_at"), errors, "remedy_filed_at", "申请/起诉日期")
    result = text(data, "remedy_result") or RemedyResult.PENDING
    if result not in RemedyResult.values:
        errors.add("remedy_result", "结果无效")
    if filed and case.served_at and filed < local_day(case.served_at):
        errors.add("remedy_filed_at", "申请/起诉日期不能早于处罚决定送达日期")
    errors.raise_if_any()
    rec.remedy_kind, rec.remedy_filed_at, rec.remedy_result = kind, filed, result
    rec.remedy_effect = text(data, "remedy_effect")
    rec.save()
    return {}


def _write_execution(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """执行: a payment recorded by hand (amount, time, receipt), 分期/延期, 催告, or 申请法院强制执行."""
    from . import penalties

    amount = as_amount(data.get("payment_amount"), errors, "payment_amount", "缴款金额", required=False)
    paid_at = as_datetime(data.get("paid_at"), errors, "paid_at", "缴款时间", required=amount is not None)
    receipt = text(data, "receipt_number")
    if amount is not None and not receipt:
        errors.add("receipt_number", "请填写缴款票据号")
    if paid_at and case.decided_at and paid_at < case.decided_at:
        errors.add("paid_at", "缴款时间不能早于处罚决定时间")
    urged = as_date(data.get("urged_at"), errors, "urged_at", "催告日期", required=False)
    court = as_date(data.get("court_applied_at"), errors, "court_applied_at", "申请法院强制执行日期", required=False)
    decided_day = local_day(case.decided_at)
    for name, value, label in (("urged_at", urged, "催告日期"), ("court_applied_at", court, "申请法院强制执行日期")):
        if value and decided_day and value < decided_day:
            errors.add(name, f"{label}不能早于处罚决定日期")
    installments = bool(data.get("installments"))
    note = text(data, "installment_note")
    if installments and not note:
        errors.add("installment_note", "分期/延期缴纳须写明批准情况（批准人、期限）")
    errors.raise_if_any()
    if amount is not None:
        assert paid_at is not None  # required with an amount
        try:
            paid = penalties.do_record_payment(actor, case, amount, paid_at)
        except ServiceError as err:
            raise ServiceError(err.code, err.message, {"payment_amount": [err.message]}) from err
        for name in ("paid_amount", "paid_at", "late_penalty", "payment_status", "updated_at"):
            setattr(case, name, getattr(paid, name))  # what it saved: `case` stays current (KEEP_CASE)
        row = CasePayment.objects.create(
            case=case,
            amount=amount,
            paid_at=paid_at,
            receipt_number=fit(CasePayment, "receipt_number", receipt, field="payment_receipt"),
            created_by=actor,
        )
        audit.record(actor, AuditAction.CREATE, row, detail={"operation": "cases.payment", "case": case.pk})
    if court and case.payment_status != PaymentStatus.PAID:
        EnforcementCase.objects.filter(pk=case.pk).update(payment_status=PaymentStatus.COURT)
        case.payment_status = PaymentStatus.COURT
    rec.installments, rec.installment_note = installments, note[:300]
    rec.urged_at = urged or rec.urged_at
    rec.court_applied_at = court or rec.court_applied_at
    rec.save()
    return {}


def _write_archive(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """结案: the 结案报告 with how the case ended; the closing time."""
    from ..choices import ClosingKind

    kind = text(data, "closing_kind")
    if kind not in ClosingKind.values:
        errors.add("closing_kind", "请选择结案方式")
    report = required_text(data, errors, "closing_report", "结案报告")
    unpaid = case.decision_type == DecisionType.PENALTY and case.fine_amount and case.payment_status != "paid"
    if kind == ClosingKind.EXECUTED and unpaid:
        errors.add("closing_kind", "罚款尚未缴清，不能以“处罚决定执行完毕”结案")
    errors.raise_if_any()
    before = audit.snapshot(case)
    case.closed_at = timezone.now()
    case.save(update_fields=["closed_at", "updated_at"])
    rec.closing_kind, rec.closing_report = kind, report
    rec.save()
    _audit(actor, case, before, "cases.close")
    return {}


def _write_archive_review(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """归档: archive number and where the file is kept (cabinet / box / position)."""
    number = required_text(data, errors, "archive_number", "档案号", 60)
    cabinet = required_text(data, errors, "archive_cabinet", "档案柜", 30)
    box = required_text(data, errors, "archive_box", "档案盒", 30)
    position = required_text(data, errors, "archive_position", "位置", 30)
    errors.raise_if_any()
    before = audit.snapshot(case)
    case.archive_location = f"{cabinet}柜 {box}盒 {position}"[:120]
    case.archived_at = timezone.now()
    case.save(update_fields=["archive_location", "archived_at", "updated_at"])
    rec.archive_number, rec.archive_cabinet, rec.archive_box, rec.archive_position = number, cabinet, box, position
    rec.archive_return_reason = ""
    rec.save()
    _audit(actor, case, before, "cases.archive")
    return {}


def _write_judicial_transfer(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """移送司法机关 / 涉刑衔接: the receiving authority, the date and its receipt."""
    authority = required_text(data, errors, "transfer_authority", "接收机关", 100)
    day = as_date(data.get("transfer_date"), errors, "transfer_date", "移送日期")
    receipt = required_text(data, errors, "transfer_receipt", "回执", 100)
    if day and case.filed_at and day < local_day(case.filed_at):
        errors.add("transfer_date", "移送日期不能早于立案日期")
    errors.raise_if_any()
    rec.transfer_authority, rec.transfer_date, rec.transfer_receipt = authority, day, receipt
    rec.save()
    return {}


def handover_targets(case: EnforcementCase) -> QuerySet[Unit]:
    """Units a case may be handed over to: the other active squads (a squad leader receives it)."""
    from teis.org.choices import UnitType
    from teis.org.models import Unit

    return Unit.objects.filter(is_active=True, unit_type=UnitType.SQUAD).exclude(pk=case.unit_id).order_by("path")


def _write_handover(
    actor: User, case: EnforcementCase, rec: CaseDecision, data: dict[str, Any], errors: Errors
) -> dict[str, Any]:
    """案件移交: the unit with jurisdiction and why; that unit's squad leader receives it (`handover_unit`)."""
    value: Any = data.get("handover_unit")
    pk = getattr(value, "pk", value)
    unit = handover_targets(case).filter(pk=pk).first() if str(pk or "").isdigit() else None
    if unit is None:
        errors.add("handover_unit", "请选择接收案件的单位（其他中队）")
    reason = required_text(data, errors, "handover_reason", "移交理由", 1000)
    errors.raise_if_any()
    assert unit is not None  # refused above
    rec.handover_unit, rec.handover_reason, rec.handed_over_at = unit, reason, timezone.now()
    rec.handover_from, rec.handover_received_at = case.unit, None
    rec.save()
    audit.record(actor, AuditAction.UPDATE, case, detail={"operation": "cases.handover", "to": unit.name})
    return {"handover_unit": unit.pk}


def write_receive(
    actor: User,
    case: EnforcementCase,
    rec: CaseDecision,
    data: dict[str, Any],
    errors: Errors,
    instance: ProcessInstance | None = None,
) -> dict[str, Any]:
    """案件接收: the receiving squad names the handler; the case, its process and its held property move to it."""
    from django.contrib.auth import get_user_model

    from . import property as properties

    unit = rec.handover_unit
    if unit is None:
        raise ServiceError("invalid_record", "案件没有移交记录，不能接收")
    value: Any = data.get("receive_handler")
    pk = getattr(value, "pk", value)
    handler = (
        get_user_model().objects.filter(pk=pk, is_active=True, officer__unit=unit).first()
        if str(pk or "").isdigit()
        else None
    )
    if handler is None:
        errors.add("receive_handler", f"请选择{unit.name}的执法人员作为主办人")
    errors.raise_if_any()
    assert handler is not None  # refused above
    before = audit.snapshot(case)
    case.unit, case.handler, case.co_handler = unit, handler, None
    case.save(update_fields=["unit", "handler", "co_handler", "updated_at"])
    if instance is not None:  # later steps of "self" go to the receiving unit
        type(instance).objects.filter(pk=instance.pk).update(unit=unit)
        instance.unit = unit
    moved = properties.transfer_case_properties(actor, case, unit, f"随案移交{unit.name}")
    rec.handover_received_at = timezone.now()
    rec.save()
    _audit(actor, case, before, "cases.receive")
    if moved:
        audit.record(
            actor, AuditAction.UPDATE, case, detail={"operation": "cases.receive.property", "items": len(moved)}
        )
    return {}


WRITERS: dict[str, Callable[..., dict[str, Any]]] = {
    "Task_PreRegister": _write_pre_register,
    "Task_FilingApproval": _write_filing,
    "Task_Register": _write_investigation,
    "Task_Finding": _write_finding,
    "Task_Statement": _write_statement,
    "Task_Hearing": _write_hearing,
    "Task_LegalReview": _write_legal_review,
    "Task_Discussion": _write_discussion,
    "Task_Decision": _write_decision,
    "Task_Remedy": _write_remedy,
    "Task_Execution": _write_execution,
    "Task_Archive": _write_archive,
    "Task_ArchiveReview": _write_archive_review,
    "Task_JudicialTransfer": _write_judicial_transfer,
    "Task_Handover": _write_handover,
    "Task_Receive": write_receive,
}


# A variant's own writer of a step (its diagram names its own form for that step).
VARIANT_WRITERS: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("case_general_road", "Task_Register"): _write_road_investigation,
    ("case_general_water", "Task_Register"): _write_vessel_investigation,
    ("case_general_maritime", "Task_Register"): _write_vessel_investigation,
}


# Writers that change the case only through the instance they are given (`case.save()`) and the decision record only
# through `rec`, or not at all: after them the case needs no reading back (perf: `handle_step` skips its
# `refresh_from_db`, and the requirement checks use `rec` instead of reading the record again). The others write
# through services that read their own copy (intake, penalties, legal, 案件接收).
KEEP_CASE = frozenset(
    {
        _write_filing,
        _write_statement,
        _write_hearing,
        _write_discussion,
        _write_decision,
        _write_execution,
        _write_remedy,
        _write_archive,
        _write_archive_review,
        _write_judicial_transfer,
        _write_handover,
    }
)


def writer_for(case: EnforcementCase, step: str) -> Callable[..., dict[str, Any]] | None:
    return VARIANT_WRITERS.get((case.process_key or "", step)) or WRITERS.get(step)


def _audit(actor: User, case: EnforcementCase, before: dict[str, Any], operation: str) -> None:
    changes = audit.diff(before, audit.snapshot(case))
    audit.record(actor, AuditAction.UPDATE, case, changes=changes, detail={"operation": operation})
