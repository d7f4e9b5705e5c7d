"""Forms of violation codes, case causes, benchmarks (with their levels), discretion selection and review,
warnings and Excel import. Forms only parse; the rules are in `legal.services`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from teis.core.forms import ScopedModelForm, style_widgets

from .choices import ExerciseLevel, PenaltyType, ProvisionLevel, ProvisionStatus
from .models import CaseCause, DiscretionBenchmark, Provision, ViolationCode
from .validators import validate_cause_code, validate_violation_code

CITABLE_LEVELS = [ProvisionLevel.ARTICLE, ProvisionLevel.PARAGRAPH, ProvisionLevel.ITEM, ProvisionLevel.SUB_ITEM]


def _limit_provisions(form: forms.BaseForm, names: list[str]) -> None:
    """Offer provisions in force (articles and below) plus whatever the object already cites."""
    for name in names:
        f = form.fields.get(name)
        if f is None:
            continue
        current = []
        if form.instance is not None and form.instance.pk:
            current = list(getattr(form.instance, name).values_list("pk", flat=True))
        qs = Provision.objects.filter(level__in=CITABLE_LEVELS, status=ProvisionStatus.IN_FORCE)
        f.queryset = (qs | Provision.objects.filter(pk__in=current)).distinct().order_by("law__name", "order")
        f.widget.attrs["size"] = 8


class ViolationCodeForm(ScopedModelForm):
    penalty_types = forms.MultipleChoiceField(
        label="处罚种类", choices=PenaltyType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = ViolationCode
        fields = [
            "code",
            "name",
            "business_line",
            "enforcement_subject",
            "violated_provisions",
            "penalty_provisions",
            "penalty_types",
            "fine_min",
            "fine_max",
            "simplified_procedure",
            "status",
            "effective_from",
            "effective_to",
            "legacy_basis_text",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_provisions(self, ["violated_provisions", "penalty_provisions"])
        self.fields["penalty_types"].widget.attrs.pop("class", None)
        if self.instance.pk:
            # An edit makes a new version of the same code.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "修改将生成新版本，原版本保留供已登记案件使用"
            self.fields["effective_from"].label = "新版本生效日期"
            self.initial["effective_from"] = timezone.localdate()
            self.fields["effective_to"].initial = None
            self.initial["effective_to"] = None

    def clean_code(self):
        value = self.cleaned_data.get("code")
        if self.instance.pk:
            return self.instance.code
        return validate_violation_code(value)

    def _post_clean(self):
        # Model validation (unique code + version) is the service's; keep the instance untouched.
        return None


class CaseCauseForm(ScopedModelForm):
    exercise_levels = forms.MultipleChoiceField(
        label="行使层级", choices=ExerciseLevel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CaseCause
        fields = [
            "cause_code",
            "name",
            "item_type",
            "item_code",
            "exercise_levels",
            "basis_provisions",
            "penalty_provisions",
            "violation_codes",
            "status",
        ]
        help_texts = {"cause_code": "20 位：12 位基本编码 + 2 位案由代码 + 6 位附加码"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_provisions(self, ["basis_provisions", "penalty_provisions"])
        self.fields["exercise_levels"].widget.attrs.pop("class", None)
        self.fields["violation_codes"].queryset = ViolationCode.objects.filter(is_current=True).order_by("code")
        self.fields["violation_codes"].widget.attrs["size"] = 8

    def clean_cause_code(self):
        return validate_cause_code(self.cleaned_data.get("cause_code") or "")

    def _post_clean(self):
        return None


class BenchmarkForm(ScopedModelForm):
    class Meta:
        model = DiscretionBenchmark
        fields = ["violation_code", "name", "basis_provisions", "effective_from", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        qs = ViolationCode.objects.filter(is_current=True)
        if self.instance.pk:
            qs = qs | ViolationCode.objects.filter(pk=self.instance.violation_code_id)
        self.fields["violation_code"].queryset = qs.distinct().order_by("code")
        _limit_provisions(self, ["basis_provisions"])

    def _post_clean(self):
        return None


class LevelForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    order = forms.IntegerField(label="排序", min_value=0, max_value=999)
    name = forms.CharField(label="情节", max_length=30)
    conditions = forms.CharField(
        label="适用条件", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="每行一个条件"
    )
    fine_min = forms.DecimalField(label="罚款下限（元）", required=False, max_digits=12, decimal_places=2)
    fine_max = forms.DecimalField(label="罚款上限（元）", required=False, max_digits=12, decimal_places=2)
    fixed_amount = forms.DecimalField(label="固定罚款（元）", required=False, max_digits=12, decimal_places=2)
    other_penalties = forms.CharField(label="其他处罚", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
        for f in self.fields.values():
            f.widget.attrs["class"] = f.widget.attrs.get("class", "") + " form-control-sm"

    def level_data(self) -> dict:
        d = dict(self.cleaned_data)
        d["conditions"] = [c.strip() for c in (d.get("conditions") or "").splitlines() if c.strip()]
        return d


LevelFormSet = forms.formset_factory(LevelForm, extra=2, can_delete=True)


def level_initial(benchmark: DiscretionBenchmark | None) -> list[dict]:
    if benchmark is None:
        return [{"order": i + 1, "name": name} for i, name in enumerate(["轻微", "一般", "较重", "严重"])]
    return [
        {
            "id": lv.pk,
            "order": lv.order,
            "name": lv.name,
            "conditions": "\n".join(lv.conditions),
            "fine_min": lv.fine_min,
            "fine_max": lv.fine_max,
            "fixed_amount": lv.fixed_amount,
            "other_penalties": lv.other_penalties,
        }
        for lv in benchmark.levels.order_by("order")
    ]


class DiscretionApplyForm(forms.Form):
    code = forms.CharField(label="违章代码", max_length=20)
    level = forms.ChoiceField(label="裁量情节", choices=[])
    conditions_met = forms.MultipleChoiceField(
        label="已满足的适用条件", required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    amount = forms.DecimalField(label="拟罚款金额（元）", required=False, max_digits=12, decimal_places=2, min_value=0)
    case_reference = forms.CharField(label="案件编号或预登记号", max_length=60, required=False)
    reason = forms.CharField(
        label="偏离理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="金额超出基准或情节条件未全部满足时必填，并报法制审核",
    )

    def __init__(self, *args, levels=(), conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "请选择")] + [(str(lv.pk), f"{lv.order}. {lv.name}") for lv in levels]
        self.fields["conditions_met"].choices = [(c, c) for c in conditions]
        style_widgets(self)
        self.fields["conditions_met"].widget.attrs.pop("class", None)


class AcknowledgeForm(forms.Form):
    """The input of a warning's action `acknowledge` (确认: the object still stands after the change; to change it,
    revise the code, cause or benchmark — the warning is then marked updated by itself)."""

    note = forms.CharField(
        label="处理说明",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：经核对，修改后的条款不影响本代码",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件", widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"})
    )

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise ValidationError("请上传 .xlsx 格式的 Excel 文件。")
        if f.size > MAX_UPLOAD_BYTES:
            raise ValidationError("文件不能超过 10 MB。")
        return f
