"""Forms of 双随机一公开: they only parse; the rules are in `inspections.services`."""

from __future__ import annotations

import json

from django import forms

from teis.core.forms import ScopedModelForm, style_widgets

from .choices import CreditRating, FindingResult, RiskLevel, TaskResult
from .models import InspectionPlan, Inspector, district_choices

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class PlanForm(ScopedModelForm):
    districts = forms.MultipleChoiceField(label="抽查区域", required=False, help_text="不选为全部")
    credit_ratings = forms.MultipleChoiceField(
        label="信用等级范围", choices=CreditRating.choices, required=False, help_text="不选为全部"
    )
    risk_levels = forms.MultipleChoiceField(
        label="风险等级范围", choices=RiskLevel.choices, required=False, help_text="不选为全部"
    )
    class_weights = forms.CharField(
        label="分类权重",
        required=False,
        help_text='JSON，如 {"high": 3, "medium": 2, "low": 1} 或 {"C": 3, "D": 4}；权重越高抽中概率越大',
    )

    class Meta:
        model = InspectionPlan
        fields = [
            "name",
            "level",
            "unit",
            "year",
            "industries",
            "districts",
            "credit_ratings",
            "risk_levels",
            "exclude_inspected_months",
            "exclude_investigating",
            "draw_count",
            "draw_percent",
            "weight_attribute",
            "class_weights",
            "inspectors_per_object",
            "check_items",
            "deadline_workdays",
            "warn_workdays_before",
            "coverage_threshold",
            "target_completion",
            "remark",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["districts"].choices = district_choices()
        if self.instance and self.instance.pk:
            self.initial["class_weights"] = json.dumps(self.instance.class_weights or {}, ensure_ascii=False)
        for name in ("districts", "credit_ratings", "risk_levels", "industries", "check_items"):
            self.fields[name].widget.attrs["size"] = 6
        style_widgets(self)

    def clean_class_weights(self):
        raw = (self.cleaned_data.get("class_weights") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError('分类权重应为 JSON，如 {"high": 3}') from None
        if not isinstance(value, dict):
            raise forms.ValidationError('分类权重应为 JSON 对象，如 {"high": 3}')
        return value


class InspectorForm(ScopedModelForm):
    class Meta:
        model = Inspector
        fields = ["officer", "district", "industries", "is_available", "unavailable_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["industries"].widget.attrs["size"] = 6
        self.fields["district"].help_text = "空为全市；新增时不选则取所属单位的辖区"


class ObjectImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件",
        help_text="第一行为表头：对象名称、统一社会信用代码、主体类型、行业类别、所属区、监管单位、信用等级、风险等级、"
        "最近检查日期、经营状态、经营地址。已有信用代码将被更新。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件不能超过 20 MB。")
        return f


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ExecuteForm(forms.Form):
    """The task's bound check items become one `finding_<id>` choice and one `note_<id>` field each."""

    inspected_on = forms.DateField(label="检查日期", widget=forms.DateInput(format="%Y-%m-%d"))
    result = forms.ChoiceField(label="检查结果", choices=[("", "请选择"), *TaskResult.choices])
    rectify_deadline = forms.DateField(
        label="整改期限", required=False, widget=forms.DateInput(format="%Y-%m-%d"), help_text="责令整改时必填"
    )
    summary = forms.CharField(label="检查情况", widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(label="现场照片", required=False)

    def __init__(self, *args, findings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.finding_rows = []
        for f in findings:
            key = f"finding_{f.check_item_id}"
            self.fields[key] = forms.ChoiceField(
                label=f.check_item.name, choices=[("", "请选择"), *FindingResult.choices], required=True
            )
            self.fields[f"note_{f.check_item_id}"] = forms.CharField(label="说明", required=False, max_length=500)
            self.finding_rows.append((f, key, f"note_{f.check_item_id}"))
        style_widgets(self)

    def finding_fields(self) -> list:
        return [(f, self[key], self[note]) for f, key, note in self.finding_rows]

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "inspected_on": d["inspected_on"],
            "result": d["result"],
            "rectify_deadline": d.get("rectify_deadline"),
            "summary": d["summary"],
            "findings": {
                str(f.check_item_id): {"result": d.get(key, ""), "note": d.get(note, "")}
                for f, key, note in self.finding_rows
            },
        }
