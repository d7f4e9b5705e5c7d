"""Step forms of the case diagrams: the task-data variables their gateways read (see `steps.start_data`),
set on the workflow task page (fields above the decision) and checked in the API's `data` by the same form.

A user task names its form with `teis:form="cases.…"`; `register()` runs at app start (CasesConfig.ready).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from teis.core.forms import style_widgets
from teis.legal.models import CaseCause, ViolationCode
from teis.org.models import Unit
from teis.workflow.bpmn import register_form

from .choices import (
    CaseSource,
    ClosingKind,
    DecisionType,
    PenaltyKind,
    RecordKind,
    RemedyKind,
    RemedyResult,
    RoadDamageSettlement,
    ServiceMethod,
)

_TRUE = {"true", "on", "1", "yes"}
_FALSE = {"false", "off", "0", "no", ""}


class CheckboxInput(forms.CheckboxInput):
    """A checkbox that hands unknown values to the field (so the API's `"abc"` is refused, not read as True).
    The class name keeps the template's widget_type "checkbox"."""

    def value_from_datadict(self, data, files, name):
        if name not in data:
            return False
        value = data.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        return value


class YesNoField(forms.BooleanField):
    widget = CheckboxInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, bool):
            return value
        raise ValidationError("取值无效，只能是“是”或“否”", code="invalid")

    def has_changed(self, initial, data):
        return bool(initial) != bool(data)


class StepForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]


def _dt(label: str, **kw) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DT_FORMATS,
        **kw,
    )


def _date(label: str, **kw) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=forms.DateInput(format="%Y-%m-%d"), **kw)


def _area(label: str, rows: int = 3, **kw) -> forms.CharField:
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}), **kw)


def _text(label: str, max_length: int = 100, **kw) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length, **kw)


def _local(value):
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else None


def case_of_task(worktask):
    """The case a workflow task belongs to (None for a task of another subject)."""
    from django.contrib.contenttypes.models import ContentType

    from .models import EnforcementCase

    if worktask is None:
        return None
    instance = worktask.instance
    if instance.subject_type_id != ContentType.objects.get_for_model(EnforcementCase).pk:
        return None
    return EnforcementCase.objects.filter(pk=instance.subject_id).first()


class CaseStepForm(StepForm):
    """A step form of a case diagram: its fields are the facts the step records (validated by
    `teis.cases.services.record`) and start from what the case already holds."""

    uses_task = True

    def __init__(self, *args, worktask=None, **kwargs):
        self.worktask = worktask
        self.case = case_of_task(worktask)
        if self.case is not None and "initial" not in kwargs:
            from .models import CaseDecision

            rec = CaseDecision.objects.filter(case=self.case).first() or CaseDecision(case=self.case)
            kwargs["initial"] = self.initial_for(self.case, rec)
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.fit(self.case)

    def initial_for(self, case, rec) -> dict:
        return {}

    def fit(self, case) -> None:
        """Adjust choices to the case."""


class PreRegisterStepForm(CaseStepForm):
    """案件预登记 → 报请立案: source, 案由, violation codes, facts, 重大案件."""

    title = _text("案件名称", 200)
    source = forms.ChoiceField(label="案件来源", choices=CaseSource.choices, required=False)
    case_cause = forms.ModelChoiceField(
        label="案由",
        queryset=CaseCause.objects.filter(is_deleted=False, status="active"),
        required=False,
        help_text="须从执法案由目录中选择",
    )
    violation_codes = forms.ModelMultipleChoiceField(
        label="违章代码",
        queryset=ViolationCode.objects.filter(is_current=True).exclude(status="retired"),
        required=False,
    )
    facts = _area("违法事实", 4)
    is_major = YesNoField(label="重大案件（须集体讨论）")

    def initial_for(self, case, rec):
        return {
            "title": case.title,
            "source": case.source,
            "case_cause": case.case_cause_id,
            "violation_codes": list(case.violation_codes.values_list("pk", flat=True)),
            "facts": case.facts,
            "is_major": case.is_major,
        }


class RegisterStepForm(CaseStepForm):
    """案件登记（调查取证）: the investigation and a 笔录 with its questions and answers."""

    investigation = _area("调查情况", 4)
    record_kind = forms.ChoiceField(
        label="笔录类型",
        choices=[
            ("", "不新增笔录"),
            *[(k, v) for k, v in RecordKind.choices if k in ("inquiry", "examination", "scene")],
        ],
        required=False,
    )
    record_started_at = _dt("笔录开始时间")
    record_place = _text("笔录地点", 200)
    record_interviewee = _text("被询问人/见证人")
    record_qa = _area("问答（每行以“问：”或“答：”开头）", 6)
    record_content = _area("笔录内容（勘验、现场情况）", 3)
    evidence_items = forms.TypedMultipleChoiceField(
        label="关联证据（证据中心）",
        coerce=int,
        required=False,
        help_text="主办人、协办人或本单位采集且尚未关联本案的证据",
        error_messages={"invalid_choice": "所选证据 %(value)s 不可关联本案"},
    )

    def initial_for(self, case, rec):
        return {"investigation": case.investigation}

    def fit(self, case):
        from .ports import linkable_evidence

        self.fields["evidence_items"].choices = [
            (
                item.pk,
                f"{item.get_category_display()} · {item.title}"
                + (f" · {_local(item.captured_at):%Y-%m-%d %H:%M}" if item.captured_at else ""),
            )
            for item in linkable_evidence(case)
        ]


class RoadRegisterStepForm(RegisterStepForm):
    """路政 案件登记: the investigation with the 勘验笔录 of the road property and its loss (公路法 art. 85)."""

    road_damage_settlement = forms.ChoiceField(
        label="路产损失赔偿处理", choices=[("", "请选择"), *RoadDamageSettlement.choices], required=False
    )
    road_damage = _area("路产损失情况（损坏的路产、数量、勘验结论）", 3)
    road_damage_amount = forms.DecimalField(
        label="路产损失赔偿金额（元）",
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text="按路产损失赔偿标准计算",
    )

    def initial_for(self, case, rec):
        return {
            **super().initial_for(case, rec),
            "record_kind": "examination",
            "road_damage_settlement": rec.road_damage_settlement,
            "road_damage": rec.road_damage,
            "road_damage_amount": rec.road_damage_amount,
        }


class VesselRegisterStepForm(RegisterStepForm):
    """水上 / 海事 案件登记: the investigation with a 现场笔录 on board and the vessel."""

    vessel_name = _text("船名", 60)
    vessel_number = _text("船舶识别号", 20, help_text="CN 加 11 位数字")
    vessel_mmsi = _text("MMSI", 9, help_text="9 位数字")

    def initial_for(self, case, rec):
        return {
            **super().initial_for(case, rec),
            "record_kind": "scene",
            "vessel_name": rec.vessel_name,
            "vessel_number": rec.vessel_number,
            "vessel_mmsi": rec.vessel_mmsi,
        }


class HandoverForm(CaseStepForm):
    """案件移交: to the unit with jurisdiction (its squad leader receives the case)."""

    handover_unit = forms.ModelChoiceField(label="接收单位", queryset=Unit.objects.none(), required=False)
    handover_reason = _area("移交理由（管辖依据）", 3)

    def initial_for(self, case, rec):
        return {"handover_unit": rec.handover_unit_id, "handover_reason": rec.handover_reason}

    def fit(self, case):
        from .services.record_writers import handover_targets

        self.fields["handover_unit"].queryset = handover_targets(case)


class ReceiveForm(CaseStepForm):
    """案件接收: the receiving squad names the handler; the case and its held property move to it."""

    receive_handler = forms.TypedChoiceField(label="接收后主办人", coerce=int, choices=[("", "请选择")], required=False)

    def fit(self, case):
        from django.contrib.auth import get_user_model

        from .models import CaseDecision

        rec = CaseDecision.objects.filter(case=case).select_related("handover_unit").first()
        unit = rec.handover_unit if rec else None
        users = (
            get_user_model()
            .objects.filter(is_active=True, officer__unit=unit, officer__roles__code="field_officer")
            .select_related("officer")
            .distinct()
            if unit
            else []
        )
        self.fields["receive_handler"].choices = [("", "请选择"), *[(u.pk, _person(u)) for u in users]]
        if unit is not None:
            self.fields["receive_handler"].help_text = f"由{unit.name}办理；未处置的涉案财物随案移交"


class CaseApprovalForm(StepForm):
    """案件审批: 移交其他机关办理 / 涉嫌犯罪移送司法机关 (the latter wins)."""

    transfer_case = YesNoField(label="移送其他机关")
    criminal = YesNoField(label="涉嫌犯罪，移送司法机关")


class FindingForm(CaseStepForm):
    """处罚认定（案件处理意见 + 违法行为通知 / 事先告知）."""

    decision_type = forms.ChoiceField(
        label="处理意见",
        choices=[(DecisionType.PENALTY, "给予行政处罚"), (DecisionType.NO_PENALTY, "不予行政处罚")],
        required=False,
    )
    penalty_kinds = forms.MultipleChoiceField(
        label="处罚种类", choices=PenaltyKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    violation_code = forms.ModelChoiceField(
        label="适用裁量基准的违章代码", queryset=ViolationCode.objects.none(), required=False
    )
    discretion_level = forms.ChoiceField(label="裁量情节", choices=[("", "请选择")], required=False)
    conditions_met = forms.MultipleChoiceField(
        label="符合的情节条件", choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    fine_amount = forms.DecimalField(label="罚款金额（元）", required=False, max_digits=12, decimal_places=2)
    discretion_reason = _area("偏离裁量基准的理由", 2)
    proposal_facts = _area("认定的违法事实", 3)
    evidence_list = _area("证据清单", 3)
    legal_basis = _area("法律依据", 3)
    proposal = _area("处理意见说明", 2)
    decision_reason = _area("不予处罚理由", 2)
    notice_served_at = _dt("事先告知书送达时间")
    hearing = YesNoField(label="当事人申请听证")
    hearing_requested_at = _date("听证申请日期", help_text="告知后五个工作日内提出（行政处罚法第六十四条）")

    def initial_for(self, case, rec):
        from .services.case import legal_basis

        basis = "；".join("、".join(row["violated"] + row["penalty"]) or row["legacy"] for row in legal_basis(case))
        return {
            "decision_type": case.decision_type or DecisionType.PENALTY,
            "penalty_kinds": rec.penalty_kinds or [PenaltyKind.FINE],
            "fine_amount": case.fine_amount,
            "proposal_facts": rec.proposal_facts or case.facts,
            "evidence_list": rec.evidence_list,
            "legal_basis": rec.legal_basis or basis,
            "proposal": rec.proposal,
            "decision_reason": rec.decision_reason,
            "notice_served_at": _local(rec.notice_served_at),
            "hearing_requested_at": rec.hearing_requested_at,
        }

    def fit(self, case):
        from teis.legal.models import DiscretionLevel

        codes = list(case.violation_codes.all())
        self.fields["violation_code"].queryset = ViolationCode.objects.filter(pk__in=[c.pk for c in codes])
        if codes:
            self.fields["violation_code"].initial = codes[0].pk
        levels = DiscretionLevel.objects.filter(
            benchmark__violation_code__in=codes, benchmark__is_active=True
        ).select_related("benchmark__violation_code")
        choices, conditions = [("", "请选择")], []
        for lv in levels:
            if lv.fixed_amount is not None:
                span = f"{lv.fixed_amount} 元"
            elif lv.fine_min is not None:
                span = f"{lv.fine_min}–{lv.fine_max} 元"
            else:
                span = "不罚款"
            choices.append((str(lv.pk), f"{lv.benchmark.violation_code.code} {lv.name}（{span}）"))
            conditions += [c for c in (lv.conditions or []) if c not in conditions]
        self.fields["discretion_level"].choices = choices
        self.fields["conditions_met"].choices = [(c, c) for c in conditions]


class StatementForm(CaseStepForm):
    statement_content = _area("陈述申辩内容（放弃的请注明）", 3)
    statement_adopted = forms.ChoiceField(
        label="是否采纳",
        choices=[("", "无需采纳（放弃）"), ("adopted", "采纳"), ("rejected", "不予采纳")],
        required=False,
    )
    statement_reason = _area("采纳与否的理由", 2)


class HearingForm(CaseStepForm):
    hearing_notified_at = _date("听证通知日期")
    hearing_held_at = _date("听证举行日期", help_text="须在举行听证的七日前通知当事人")
    hearing_record = _area("听证笔录", 4)
    hearing_report = _area("听证报告", 3)


class LegalReviewForm(CaseStepForm):
    """处罚复核（法制审核）: the written opinion, and for a major case the leaders of its 集体讨论 (会签 over
    `discussion_leaders`); none chosen = every leader of the approving unit (the workflow fills them in).
    Choices: the leadership role holders of the unit that discusses, so an id from elsewhere is refused."""

    legal_opinion = _area("法制审核意见", 4)
    discretion_verdict = forms.ChoiceField(
        label="裁量偏离审核",
        choices=[("", "请选择"), ("approve", "批准偏离裁量基准"), ("reject", "不批准（须选择“退回”）")],
        required=False,
    )
    discussion_leaders = forms.TypedMultipleChoiceField(
        label="集体讨论参加领导",
        coerce=int,
        required=False,
        help_text="重大案件须经集体讨论：所选领导逐一会签，全部同意方可通过；不选则由全部领导会签",
        error_messages={"invalid_choice": "所选领导 %(value)s 不在可参加集体讨论的领导范围内"},
    )

    def initial_for(self, case, rec):
        return {"legal_opinion": rec.legal_opinion}

    def fit(self, case):
        """The deviation decision is asked only while the proposed fine's deviation awaits legal review."""
        from .services.record_writers import pending_deviation

        deviation = pending_deviation(case)
        if deviation is None:
            del self.fields["discretion_verdict"]
            return
        field = self.fields["discretion_verdict"]
        field.help_text = f"偏离情况：{deviation.deviation}；承办人理由：{deviation.reason}"

    def __init__(self, *args, worktask=None, **kwargs):
        super().__init__(*args, worktask=worktask, **kwargs)
        signers: dict = {}
        if worktask is not None:
            from teis.workflow import services as wf
            from teis.workflow.bpmn import loaded

            parsed, _, _ = loaded(worktask.instance.definition)
            signers = wf.signers_after(worktask.instance, parsed, worktask.spec_name)
        if "discussion_leaders" not in signers:
            # an older diagram version without the 会签 集体讨论: nothing to choose
            del self.fields["discussion_leaders"]
            return
        leaders = signers["discussion_leaders"]
        self.fields["discussion_leaders"].choices = [(u.pk, _person(u)) for u in leaders]
        self.fields["discussion_leaders"].widget.attrs["size"] = str(min(8, max(3, len(leaders))))


class DiscussionForm(CaseStepForm):
    discussion_minutes = _area("讨论发言（记入集体讨论记录）", 3)


class JudicialTransferForm(CaseStepForm):
    transfer_authority = _text("接收机关")
    transfer_date = _date("移送日期")
    transfer_receipt = _text("回执（编号或说明）")


def _person(user) -> str:
    officer = getattr(user, "officer", None)
    name = getattr(officer, "name", "") or user.get_full_name() or user.username
    return f"{name}（{user.username}）"


class DecisionForm(CaseStepForm):
    """行政处罚决定及送达: decision time, the decision's service; the 文号 and the payment due date follow."""

    decided_at = _dt("决定时间")
    served_at = _dt("送达时间")
    service_method = forms.ChoiceField(
        label="送达方式", choices=[("", "请选择"), *ServiceMethod.choices], required=False
    )
    service_recipient = _text("受送达人")
    remedy = YesNoField(label="当事人申请复议或提起诉讼")

    def initial_for(self, case, rec):
        party = case.parties.order_by("pk").first()
        return {
            "decided_at": _local(case.decided_at),
            "served_at": _local(case.served_at),
            "service_method": rec.service_method,
            "service_recipient": rec.service_recipient or (party.name if party else ""),
        }


class RemedyForm(CaseStepForm):
    remedy_kind = forms.ChoiceField(label="救济方式", choices=[("", "请选择"), *RemedyKind.choices], required=False)
    remedy_filed_at = _date("申请/起诉日期")
    remedy_result = forms.ChoiceField(label="结果", choices=RemedyResult.choices, required=False)
    remedy_effect = _area("对本案的影响", 2)


class ExecutionForm(CaseStepForm):
    """执行: a payment recorded by hand, 分期/延期, 催告, 申请法院强制执行."""

    payment_amount = forms.DecimalField(label="本次缴款金额（元）", required=False, max_digits=12, decimal_places=2)
    paid_at = _dt("缴款时间")
    receipt_number = _text("缴款票据号", 60)
    installments = YesNoField(label="经批准分期/延期缴纳")
    installment_note = _text("分期/延期批准情况", 300)
    urged_at = _date("催告日期")
    court_applied_at = _date("申请法院强制执行日期")

    def initial_for(self, case, rec):
        from .services.penalties import amount_due

        due = amount_due(case) if case.fine_amount and case.payment_status != "paid" else None
        return {"payment_amount": due, "installment_note": rec.installment_note}


class ArchiveForm(CaseStepForm):
    closing_kind = forms.ChoiceField(label="结案方式", choices=[("", "请选择"), *ClosingKind.choices], required=False)
    closing_report = _area("结案报告", 4)

    def initial_for(self, case, rec):
        return {"closing_kind": rec.closing_kind, "closing_report": rec.closing_report}


class ArchiveReviewForm(CaseStepForm):
    archive_number = _text("档案号", 60)
    archive_cabinet = _text("档案柜", 30)
    archive_box = _text("档案盒", 30)
    archive_position = _text("位置", 30)


class UrgeWaitForm(StepForm):
    paid = YesNoField(label="已缴清")


class CoerciveDuringForm(StepForm):
    extend = YesNoField(label="申请延期")
    to_penalty = YesNoField(label="转入处罚程序")

    def clean(self):
        data = super().clean()
        if data.get("extend") and data.get("to_penalty"):
            raise ValidationError("“申请延期”与“转入处罚程序”只能选择一项")
        return data


class DisposalForm(StepForm):
    disposal = forms.ChoiceField(
        label="处置方式",
        choices=[("transfer", "移交"), ("return", "返还"), ("auction", "拍卖")],
        error_messages={"required": "请选择处置方式", "invalid_choice": "处置方式无效，可选：移交、返还、拍卖"},
    )


FORMS: dict[str, tuple[str, type[forms.Form]]] = {
    "cases.pre_register": ("案件预登记", PreRegisterStepForm),
    "cases.register": ("调查取证", RegisterStepForm),
    "cases.road_register": ("路政案件登记（调查取证）", RoadRegisterStepForm),
    "cases.vessel_register": ("水上案件登记（调查取证）", VesselRegisterStepForm),
    "cases.handover": ("案件移交", HandoverForm),
    "cases.receive": ("案件接收", ReceiveForm),
    "cases.statement": ("陈述申辩", StatementForm),
    "cases.hearing": ("听证", HearingForm),
    "cases.discussion": ("集体讨论", DiscussionForm),
    "cases.judicial_transfer": ("移送司法机关", JudicialTransferForm),
    "cases.remedy": ("处罚救济", RemedyForm),
    "cases.execution": ("执行", ExecutionForm),
    "cases.archive": ("结案", ArchiveForm),
    "cases.archive_review": ("归档", ArchiveReviewForm),
    "cases.case_approval": ("案件审批", CaseApprovalForm),
    "cases.finding": ("处罚认定", FindingForm),
    "cases.legal_review": ("处罚复核", LegalReviewForm),
    "cases.decision": ("处罚决定及送达", DecisionForm),
    "cases.urge_wait": ("催告期满核查", UrgeWaitForm),
    "cases.coercive_during": ("强制措施期间处理", CoerciveDuringForm),
    "cases.disposal": ("扣押物品处置申请", DisposalForm),
}


def register() -> None:
    from .measure_forms import MEASURE_FORMS  # 行政强制 / 行政检查 (it imports the shared fields from here)

    FORMS.update(MEASURE_FORMS)
    for key, (label, form_class) in FORMS.items():
        register_form(key, label, form_class)
