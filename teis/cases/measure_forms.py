"""Step forms of the 行政强制措施 (`case_coercive`) and 行政检查 (`case_inspection`) diagrams: the facts each step
records (validated by `services.coercive` / `services.inspection`), starting from what the record already holds.
Added to `step_forms.FORMS` when the forms are registered."""

from __future__ import annotations

from django import forms

from .choices import CoerciveKind, CoerciveResult, InspectionHandling, InspectionResult
from .step_forms import CaseStepForm, CoerciveDuringForm, YesNoField, _area, _date, _dt, _local, _person, _text


def _measure(case):
    from .services.coercive import measure_of

    return measure_of(case)


class CoerciveApplyForm(CaseStepForm):
    """强制措施申请 (行政强制法 art. 18): kind, basis, reason, place and the objects."""

    measure_kind = forms.ChoiceField(
        label="强制措施种类", choices=[("", "请选择"), *CoerciveKind.choices], required=False
    )
    measure_basis = _area("法律依据", 2)
    measure_reason = _area("理由", 3)
    measure_place = _text("实施地点", 200)
    measure_objects = _area("查封、扣押的场所、设施或财物（每行一项）", 4)
    measure_plate = _text("暂扣车辆车牌号", 10, help_text="暂扣车辆时必填")
    measure_on_the_spot = YesNoField(label="情况紧急，当场实施（24 小时内补办批准手续）")

    def initial_for(self, case, rec):
        m = _measure(case)
        if m is None:
            plate = case.vehicles.values_list("plate", flat=True).first() or ""
            return {"measure_place": case.place, "measure_plate": plate}
        return {
            "measure_kind": m.kind,
            "measure_basis": m.legal_basis,
            "measure_reason": m.reason,
            "measure_place": m.place,
            "measure_objects": "\n".join(m.objects_list),
            "measure_plate": m.plate,
            "measure_on_the_spot": m.on_the_spot,
        }


class CoerciveDecisionForm(CaseStepForm):
    """强制措施决定: the 决定书 and 清单 served, the start and the period (≤ 30 days, art. 25)."""

    measure_number = _text("决定书文号", 60)
    measure_decided_at = _dt("决定时间")
    measure_served_at = _dt("决定书及清单送达时间")
    measure_starts_on = _date("起始日期", help_text="不填则为决定当日")
    measure_period = forms.IntegerField(label="期限（日）", required=False, help_text="不得超过 30 日")

    def initial_for(self, case, rec):
        m = _measure(case)
        return {
            "measure_number": m.decision_number if m else "",
            "measure_decided_at": _local(m.decided_at) if m else None,
            "measure_served_at": _local(m.served_at) if m else None,
            "measure_period": (m.period_days if m and m.period_days else 30),
        }


class CoerciveDuringStepForm(CaseStepForm, CoerciveDuringForm):
    """强制措施期间处理: what was found, and the extension asked for (once, ≤ 30 days) — or 转入处罚 / 解除."""

    measure_progress = _area("期间调查处理情况", 3)
    extension_days = forms.IntegerField(label="延长期限（日）", required=False, help_text="只能延长一次，不超过 30 日")
    extension_reason = _area("延期理由（情况复杂的具体情形）", 2)

    field_order = ["measure_progress", "extend", "extension_days", "extension_reason", "to_penalty"]

    def initial_for(self, case, rec):
        m = _measure(case)
        return {"measure_progress": m.progress if m else ""}

    def fit(self, case):
        m = _measure(case)
        if m is not None and m.ends_on:
            note = f"届满日期 {m.ends_on}"
            if m.extended:
                note += "（已延期一次，不能再次延期）"
            self.fields["extend"].help_text = note


class CoerciveReleaseForm(CaseStepForm):
    """解除强制措施 (art. 27–28): when and why; the property is returned."""

    release_at = _dt("解除时间")
    release_reason = _area("解除理由", 3)


class CoerciveResultForm(CaseStepForm):
    """转入行政处罚 (or 依法没收 under art. 28)."""

    measure_result = forms.ChoiceField(
        label="处理结果",
        choices=[(k, v) for k, v in CoerciveResult.choices if k != CoerciveResult.RELEASED],
        required=False,
    )
    result_note = _area("说明（转入处罚的情况，或没收依据）", 3)


class InspectionRegisterForm(CaseStepForm):
    """检查登记: the party, place and time, a co-inspector, the items, the result and the handling."""

    inspection_party = _text("被检查对象（单位或个人）", 200)
    inspection_party_id = _text("证件号码/统一社会信用代码", 30)
    inspection_object = _text("检查对象（车辆、船舶、场所）", 200)
    inspection_place = _text("检查地点", 200)
    inspection_at = _dt("检查时间")
    inspection_co_inspector = forms.TypedChoiceField(
        label="同行检查人员",
        coerce=int,
        choices=[("", "请选择")],
        required=False,
        help_text="检查须由两名以上执法人员实施",
    )
    inspection_items = _area("检查事项（每行一项）", 4)
    inspection_result = forms.ChoiceField(
        label="检查结果", choices=[("", "请选择"), *InspectionResult.choices], required=False
    )
    inspection_problems = _area("发现的问题", 3)
    inspection_handling = forms.ChoiceField(
        label="处理方式", choices=[("", "请选择"), *InspectionHandling.choices], required=False
    )
    inspection_rectify_by = _date("整改期限", help_text="责令改正时必填")

    def initial_for(self, case, rec):
        from .services.inspection import record_of

        row = record_of(case)
        if row is None:
            party = case.parties.order_by("pk").first()
            return {"inspection_party": party.name if party else "", "inspection_place": case.place}
        co = row.inspectors.exclude(pk=row.recorded_by_id).first()
        return {
            "inspection_party": row.party_name,
            "inspection_object": row.inspected_object,
            "inspection_place": row.place,
            "inspection_at": _local(row.inspected_at),
            "inspection_co_inspector": co.pk if co else None,
            "inspection_items": "\n".join(row.items),
            "inspection_result": row.result,
            "inspection_problems": row.problems,
            "inspection_handling": row.handling,
            "inspection_rectify_by": row.rectify_by,
        }

    def fit(self, case):
        from .services.inspection import co_inspectors

        self.fields["inspection_co_inspector"].choices = [
            ("", "请选择"),
            *[(u.pk, _person(u)) for u in co_inspectors(case)],
        ]


MEASURE_FORMS = {
    "cases.coercive_apply": ("强制措施申请", CoerciveApplyForm),
    "cases.coercive_decision": ("强制措施决定", CoerciveDecisionForm),
    "cases.coercive_during": ("强制措施期间处理", CoerciveDuringStepForm),
    "cases.coercive_release": ("解除强制措施", CoerciveReleaseForm),
    "cases.coercive_result": ("转入行政处罚", CoerciveResultForm),
    "cases.inspection_register": ("检查登记", InspectionRegisterForm),
}
