"""What the case processes (`teis/cases/processes/*.bpmn`) mean for a case: the case status each step
stands for, what each step requires before it may be completed, which process a case runs, and the task
data the diagrams read.

The step ids are the BPMN element ids of the user tasks; the general procedure and its 路政 / 水上 / 海事
variants share them, so one table serves all four (an administrator who adds a step in the modeler gets no
status change for it, which is the right default: the case keeps the status of the step before).
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import CaseStatus, DecisionType, Procedure

# --- processes ------------------------------------------------------------------------------------------

GENERAL = "case_general"
SIMPLIFIED = "case_simplified"
OVERDUE = "case_overdue"
COERCIVE = "case_coercive"
PROPERTY = "case_property"
INSPECTION = "case_inspection"
# Business lines (dictionary `business_line` codes) with their own general-procedure diagram and roles.
GENERAL_BY_LINE = {
    "road_admin": "case_general_road",
    "waterway": "case_general_water",
    "port": "case_general_water",
    "maritime": "case_general_maritime",
}
GENERAL_KEYS = (GENERAL, *sorted(set(GENERAL_BY_LINE.values())))
CASE_PROCESS_KEYS = (*GENERAL_KEYS, SIMPLIFIED, COERCIVE, INSPECTION)


def process_key_for(case) -> str:
    """The process a new case runs: by procedure, and for the general procedure by business line."""
    if case.procedure == Procedure.SIMPLIFIED:
        return SIMPLIFIED
    if case.procedure == Procedure.COERCIVE:
        return COERCIVE
    if case.procedure == Procedure.INSPECTION:
        return INSPECTION
    line = getattr(case.business_line, "code", "") if case.business_line_id else ""
    return GENERAL_BY_LINE.get(line, GENERAL)


def start_data(case) -> dict:
    """Task data a case process needs at its start. The general diagrams read `is_major` (重大案件 → 集体讨论,
    行政处罚法 art. 57); every other variable a gateway reads is set to False by the diagram's own
    "流程变量初始化" script and changed by the step that decides it, through
    `complete_task(..., data={...})`:

    - criminal, transfer_case (案件审批): 涉刑衔接审核 → 移送司法机关; 案件移交 → 案件接收
    - hearing (处罚认定): 听证 instead of 陈述申辩
    - is_major (处罚复核 may correct it): 集体讨论
    - remedy (行政处罚决定及送达): 处罚救济 (复议 / 诉讼 records)
    - paid (case_overdue, 催告期满核查); extend / to_penalty (case_coercive, 强制措施期间处理);
      disposal = "transfer" / "return" / "auction" (case_property, 处置申请)
    """
    return {"case_id": case.pk, "is_major": bool(case.is_major)}


# --- status mirror ----------------------------------------------------------------------------------------

STEP_STATUS: dict[str, str] = {
    # general procedure and its variants
    "Task_PreRegister": CaseStatus.PRE_REGISTERED,
    "Task_FilingApproval": CaseStatus.FILING,
    "Task_Register": CaseStatus.INVESTIGATING,
    "Task_CaseApproval": CaseStatus.INVESTIGATING,
    "Task_CriminalReview": CaseStatus.INVESTIGATING,
    "Task_JudicialTransfer": CaseStatus.INVESTIGATING,
    "Task_Handover": CaseStatus.INVESTIGATING,
    "Task_Receive": CaseStatus.INVESTIGATING,
    "Task_Finding": CaseStatus.DECIDING,
    "Task_Statement": CaseStatus.DECIDING,
    "Task_Hearing": CaseStatus.DECIDING,
    "Task_DeptApproval": CaseStatus.DECIDING,
    "Task_LegalReview": CaseStatus.DECIDING,
    "Task_Discussion": CaseStatus.DECIDING,
    "Task_LeaderApproval": CaseStatus.DECIDING,
    "Task_Decision": CaseStatus.DECIDING,
    "Task_Remedy": CaseStatus.DECIDED,
    "Task_Execution": CaseStatus.ENFORCING,
    "Task_Archive": CaseStatus.CLOSED,
    "Task_ArchiveReview": CaseStatus.CLOSED,
    # 简易程序
    "Task_OnSpotDecision": CaseStatus.DECIDED,
    "Task_SimplifiedFiling": CaseStatus.CLOSED,
    # 行政强制措施
    "Task_CoerciveApply": CaseStatus.FILING,
    "Task_CoerciveApproval": CaseStatus.FILING,
    "Task_CoerciveDecision": CaseStatus.DECIDED,
    "Task_CoerciveDuring": CaseStatus.ENFORCING,
    "Task_ExtensionApproval": CaseStatus.ENFORCING,
    "Task_CoerciveRelease": CaseStatus.ENFORCING,
    "Task_ToPenalty": CaseStatus.ENFORCING,
    # 行政检查
    "Task_InspectionRegister": CaseStatus.INVESTIGATING,
    "Task_InspectionReview": CaseStatus.DECIDING,
}
# The end event a finished case process reached → the case's final status. (The overdue and property
# processes do not move the case status: they change payment and property records.)
END_STATUS: dict[str, str] = {
    "End_Archived": CaseStatus.ARCHIVED,
    "End_NotFiled": CaseStatus.NOT_FILED,
    "End_Transferred": CaseStatus.TRANSFERRED_OUT,
    "End_Filed": CaseStatus.ARCHIVED,
    "End_NotApproved": CaseStatus.NOT_FILED,
    "End_Released": CaseStatus.CLOSED,
    "End_ToPenalty": CaseStatus.CLOSED,
    "End_Done": CaseStatus.ARCHIVED,
}


def status_for_step(current_step: str) -> str | None:
    """The case status of a process's current step column ("A" or "A、B" while parallel); None = unchanged."""
    for step in (current_step or "").split("、"):
        if step in STEP_STATUS:
            return STEP_STATUS[step]
    return None


def end_status(instance) -> str | None:
    """The case status of a completed instance, from the end event it reached (deserialises the workflow:
    call it once, on the "completed" event)."""
    from SpiffWorkflow.util.task import TaskState

    from teis.workflow.services import load_workflow

    wf = load_workflow(instance)
    for task in wf.get_tasks(state=TaskState.COMPLETED):
        bpmn_id = getattr(task.task_spec, "bpmn_id", None)
        if bpmn_id in END_STATUS:
            return END_STATUS[bpmn_id]
    return None


# --- requirements per step ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """One thing a step needs before it is completed. `check(case)` returns a Chinese message when it is
    missing, else None. Documents (`document`) are only named here; the documents issue checks them."""

    key: str
    label: str
    document: bool = False
    # advisory: reported by 执法全过程智能监控, never refuses the step (a judgement the approver makes)
    advisory: bool = False

    def check(self, case) -> str | None:
        if self.document:
            return _check_document(case, self)
        return CHECKS[self.key](case)


def _check_document(case, req: Requirement) -> str | None:
    """Documents come with a later issue: until it registers a `has_document(case, name)` hook, documents are
    listed (`required_documents`) but not reported missing."""
    hook = DOCUMENT_HOOK.get("has_document")
    if hook is None:
        return None
    return None if hook(case, req.label) else f"缺少文书：{req.label}"


# Set by the documents app: DOCUMENT_HOOK["has_document"] = func(case, document_name) -> bool.
DOCUMENT_HOOK: dict[str, object] = {}


def _cause(case) -> str | None:
    cause = case.case_cause if case.case_cause_id else None
    if cause is None:
        return "未选择案由（须从案由目录中选择）"
    from teis.legal.choices import CodeStatus

    if getattr(cause, "is_deleted", False) or cause.status != CodeStatus.ACTIVE:
        return f"案由“{cause.name}”已停用或删除，请重新选择"
    return None


def _facts(case) -> str | None:
    return None if (case.facts or "").strip() else "未填写违法事实"


def _party(case) -> str | None:
    return None if case.pk and case.parties.exists() else "未登记当事人"


def _investigation(case) -> str | None:
    return None if (case.investigation or "").strip() else "未填写调查情况"


def _decision_type(case) -> str | None:
    return None if case.decision_type else "未确定处理决定类型"


def _fine_in_benchmark(case, *, pending_ok: bool = False) -> str | None:
    """A fine must lie within the discretion benchmark, or its deviation must have been approved by legal
    review (teis.legal: DiscretionApplication WITHIN / APPROVED). Before 法制审核 (`pending_ok`) a deviation
    awaiting the reviewer's decision is a complete proposal: the reviewer decides it at 处罚复核."""
    if case.decision_type and case.decision_type != DecisionType.PENALTY:
        return None
    if case.fine_amount is None:
        return "未确定罚款金额"
    from teis.legal.choices import ApplicationStatus

    app = case.discretion if case.discretion_id else None
    if app is None:
        return "未进行裁量基准选取适用"
    allowed = (ApplicationStatus.WITHIN, ApplicationStatus.APPROVED)
    if pending_ok:
        allowed += (ApplicationStatus.PENDING,)
    if app.status not in allowed:
        return f"裁量适用状态为“{app.get_status_display()}”，偏离基准须经法制审核批准"
    if app.amount is not None and app.amount != case.fine_amount:
        return f"罚款金额 {case.fine_amount} 元与裁量适用金额 {app.amount} 元不一致"
    return None


def _fine_proposed(case) -> str | None:
    return _fine_in_benchmark(case, pending_ok=True)


def _decided(case) -> str | None:
    return None if case.decided_at else "未记录决定时间"


def _served(case) -> str | None:
    return None if case.served_at else "未记录送达时间"


def _paid(case) -> str | None:
    from .choices import PaymentStatus

    if case.decision_type != DecisionType.PENALTY or not case.fine_amount:
        return None
    if case.payment_status in (PaymentStatus.PAID, PaymentStatus.COURT):
        return None
    return "罚款尚未缴清"


def _archive_location(case) -> str | None:
    return None if (case.archive_location or "").strip() else "未填写归档位置"


def _closed(case) -> str | None:
    return None if case.closed_at else "未记录结案时间"


def _overload(case) -> str | None:
    """治超 cases (spec §2.5.1.18) need the weighing data."""
    line = getattr(case.business_line, "code", "") if case.business_line_id else ""
    if line != "overload":
        return None
    if not (case.axles and case.gross_weight_kg and case.weight_limit_kg):
        return "治超案件未填写轴数、车货总重或限重"
    return None


def _on_spot_penalty(case) -> str | None:
    """简易程序: the decision is recorded by `services.simplified` (warning, or a fine within art. 51)."""
    if not case.decision_type:
        return "未作出当场处罚决定"
    if case.fine_amount is None and not hasattr(case, "on_spot"):
        return "未确定处罚种类（警告或罚款）"
    return None


def _rec(case):
    from .models import CaseDecision

    known = case.__dict__.get("_step_record")  # the record the step has just written (`services.record.handle_step`)
    if known is not None:
        return known

    return CaseDecision.objects.filter(case=case).first() if case.pk else None


def _records(case) -> str | None:
    return None if case.pk and case.records.exists() else "未制作询问笔录、勘验笔录或现场笔录"


def _notice(case) -> str | None:
    if case.decision_type != DecisionType.PENALTY:
        return None
    rec = _rec(case)
    return None if rec and rec.notice_served_at else "未记录违法行为通知（事先告知）的送达时间"


def _statement(case) -> str | None:
    rec = _rec(case)
    return None if rec and rec.statement_content.strip() else "未记录陈述申辩"


def _hearing(case) -> str | None:
    rec = _rec(case)
    return None if rec and rec.hearing_report.strip() else "未记录听证笔录和听证报告"


def _legal_opinion(case) -> str | None:
    rec = _rec(case)
    return None if rec and rec.legal_opinion.strip() else "未填写法制审核意见"


def _service(case) -> str | None:
    rec = _rec(case)
    return None if rec and rec.service_method and rec.service_recipient else "未记录送达方式和受送达人"


def _closing_report(case) -> str | None:
    rec = _rec(case)
    return None if rec and rec.closing_report.strip() else "未填写结案报告"


def _record_of_kind(case, kinds, label: str) -> str | None:
    return None if case.pk and case.records.filter(kind__in=kinds).exists() else f"未制作{label}"


def _examination_record(case) -> str | None:
    return _record_of_kind(case, ("examination",), "勘验笔录（路产勘验）")


def _scene_record(case) -> str | None:
    return _record_of_kind(case, ("scene", "examination"), "现场笔录或勘验笔录")


def _road_damage(case) -> str | None:
    rec = _rec(case)
    if rec is None or not rec.road_damage_settlement:
        return "未记录路产损失勘验及赔偿处理情况"
    if rec.road_damage_settlement != "none" and not rec.road_damage_amount:
        return "未填写路产损失赔偿金额"
    return None


def _vessel(case) -> str | None:
    rec = _rec(case)
    if rec is None or not rec.vessel_name or not (rec.vessel_number or rec.vessel_mmsi):
        return "未登记涉案船舶（船名及船舶识别号或 MMSI）"
    return None


def _evidence(case) -> str | None:
    """Evidence-centre items or photos / videos uploaded at 预录 (笔录 are checked on their own)."""
    if case.pk and (case.evidence_links.exists() or case.attachments.exists()):
        return None
    return "未关联任何证据（证据中心或预录照片、视频）"


def _property_settled(case) -> str | None:
    """结案 waits for the case's seized property to be returned, confiscated, auctioned or transferred."""
    from .services.property import property_settled

    return property_settled(case)


def _handover(case) -> str | None:
    rec = _rec(case)
    return None if rec and rec.handover_unit_id and rec.handover_reason else "未选择接收单位或未填写移交理由"


def _transfer(case) -> str | None:
    rec = _rec(case)
    return None if rec and rec.transfer_authority and rec.transfer_date else "未记录移送的接收机关和日期"


CHECKS = {
    "evidence": _evidence,
    "property_settled": _property_settled,
    "handover": _handover,
    "examination_record": _examination_record,
    "scene_record": _scene_record,
    "road_damage": _road_damage,
    "vessel": _vessel,
    "on_spot_penalty": _on_spot_penalty,
    "records": _records,
    "notice": _notice,
    "statement": _statement,
    "hearing": _hearing,
    "legal_opinion": _legal_opinion,
    "service": _service,
    "closing_report": _closing_report,
    "transfer": _transfer,
    "case_cause": _cause,
    "facts": _facts,
    "party": _party,
    "investigation": _investigation,
    "overload": _overload,
    "decision_type": _decision_type,
    "fine_in_benchmark": _fine_in_benchmark,
    "fine_proposed": _fine_proposed,
    "decided_at": _decided,
    "served_at": _served,
    "paid": _paid,
    "archive_location": _archive_location,
    "closed_at": _closed,
}


def _service_check(module: str, name: str):
    """A 行政强制 / 行政检查 requirement, checked by the service that writes its record."""

    def check(case) -> str | None:
        from importlib import import_module

        return getattr(import_module(f"teis.cases.services.{module}"), name)(case)

    return check


CHECKS.update(
    {
        "measure_applied": _service_check("coercive", "check_applied"),
        "measure_decided": _service_check("coercive", "check_decided"),
        "measure_extension": _service_check("coercive", "check_extension"),
        "measure_released": _service_check("coercive", "check_released"),
        "measure_result": _service_check("coercive", "check_result"),
        "inspection_registered": _service_check("inspection", "check_registered"),
    }
)


def _r(key: str, label: str) -> Requirement:
    return Requirement(key, label)


def _doc(name: str) -> Requirement:
    return Requirement(f"doc:{name}", name, document=True)


STEP_REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "Task_PreRegister": (_r("facts", "违法事实"), _doc("现场检查笔录")),
    "Task_FilingApproval": (_r("case_cause", "案由"), _r("party", "当事人"), _doc("立案审批表")),
    "Task_Register": (
        _r("case_cause", "案由"),
        _r("investigation", "调查情况"),
        _r("records", "笔录"),
        _r("overload", "治超称重数据"),
        _doc("询问笔录"),
        _doc("证据登记保存清单"),
    ),
    "Task_CaseApproval": (
        _r("investigation", "调查情况"),
        Requirement("evidence", "证据", advisory=True),
        _doc("案件调查终结报告"),
    ),
    "Task_JudicialTransfer": (_r("transfer", "移送记录"), _doc("涉嫌犯罪案件移送书")),
    "Task_Handover": (_r("handover", "移交接收单位和理由"), _doc("案件移送函")),
    "Task_Finding": (
        _r("decision_type", "处理决定类型"),
        _r("fine_proposed", "罚款金额在裁量基准内，或偏离已写明理由报法制审核"),
        _r("notice", "事先告知送达"),
        _doc("行政处罚事先告知书"),
    ),
    "Task_Statement": (_r("statement", "陈述申辩"), _doc("陈述申辩笔录")),
    "Task_Hearing": (_r("hearing", "听证记录"), _doc("听证通知书"), _doc("听证笔录"), _doc("听证报告")),
    "Task_DeptApproval": (_r("fine_proposed", "罚款金额在裁量基准内，或偏离已写明理由报法制审核"),),
    "Task_LegalReview": (
        _r("fine_in_benchmark", "罚款金额在裁量基准内或偏离已批准"),
        _r("legal_opinion", "法制审核意见"),
        _doc("法制审核意见书"),
    ),
    "Task_Discussion": (_doc("重大案件集体讨论记录"),),
    "Task_LeaderApproval": (_doc("行政处罚决定审批表"),),
    "Task_Decision": (
        _r("fine_in_benchmark", "罚款金额在裁量基准内或偏离已批准"),
        _r("decided_at", "决定时间"),
        _r("served_at", "送达时间"),
        _r("service", "送达方式和受送达人"),
        _doc("行政处罚决定书"),
        _doc("送达回证"),
    ),
    # a decision without its served notice (送达回证) is reported while the fine is executed
    "Task_Execution": (_r("paid", "罚款缴清"), _doc("送达回证")),
    "Task_Archive": (
        _r("closed_at", "结案时间"),
        _r("closing_report", "结案报告"),
        _r("property_settled", "涉案财物已处置"),
        _doc("结案报告"),
    ),
    "Task_ArchiveReview": (_r("archive_location", "归档位置"),),
    "Task_OnSpotDecision": (_r("on_spot_penalty", "当场处罚决定（警告或法定限额内罚款）"), _doc("当场处罚决定书")),
    "Task_CoerciveDecision": (_doc("查封扣押决定书"), _doc("查封扣押清单")),
    "Task_ExtensionApproval": (_doc("延长查封扣押期限决定书"),),
    "Task_CoerciveRelease": (_doc("解除查封扣押决定书"),),
    "Task_Urge": (_doc("催告书"),),
    "Task_CourtApplication": (_doc("强制执行申请书"),),
    "Task_InspectionRegister": (_doc("检查记录"),),
}


_VESSEL_STEPS = {"Task_Register": (_r("vessel", "涉案船舶"), _r("scene_record", "现场笔录"))}
# What a variant's rules add to a step (its own forms collect it: teis:form in the variant's diagram).
PROCESS_REQUIREMENTS: dict[str, dict[str, tuple[Requirement, ...]]] = {
    # 路政: the road property damaged is examined (勘验笔录) and its loss settled beside the penalty
    "case_general_road": {
        "Task_Register": (_r("examination_record", "勘验笔录"), _r("road_damage", "路产损失勘验及赔偿")),
    },
    # 水上 and 海事: the vessel is identified and the scene recorded
    "case_general_water": _VESSEL_STEPS,
    "case_general_maritime": _VESSEL_STEPS,
}

# 行政强制措施 (行政强制法 art. 18–28) and 行政检查: the facts their steps record (services.coercive / inspection).
PROCESS_REQUIREMENTS[COERCIVE] = {
    "Task_CoerciveApply": (_r("measure_applied", "强制措施申请"),),
    "Task_CoerciveDecision": (_r("measure_decided", "强制措施决定及送达"),),
    "Task_ExtensionApproval": (_r("measure_extension", "延期申请"),),
    "Task_CoerciveRelease": (_r("measure_released", "解除及财物退还"),),
    "Task_ToPenalty": (_r("measure_result", "处理结果"),),
}
PROCESS_REQUIREMENTS[INSPECTION] = {"Task_InspectionRegister": (_r("inspection_registered", "检查记录"),)}


def requirements_for(case, step_id: str) -> tuple[Requirement, ...]:
    """The step's requirements in the case's own process (the general ones and its variant's)."""
    extra = PROCESS_REQUIREMENTS.get(getattr(case, "process_key", "") or "", {}).get(step_id, ())
    return STEP_REQUIREMENTS.get(step_id, ()) + extra


def missing_requirements(case, step_id: str) -> list[str]:
    """Chinese messages for what `step_id` requires and the case lacks (empty list: nothing missing).

    Used by 执法全过程智能监控 and before completing a step."""
    out = []
    for req in requirements_for(case, step_id):
        message = req.check(case)
        if message:
            out.append(message)
    return out


def required_documents(step_id: str) -> list[str]:
    """The documents a step lists (checked by the documents issue)."""
    return [r.label for r in STEP_REQUIREMENTS.get(step_id, ()) if r.document]
