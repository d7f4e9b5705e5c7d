"""Forms of the case pages. They only shape input; every rule is checked again by the intake service, whose
errors (`ServiceError.fields`, keys like `parties.0.id_number`) are put back on the right form."""

from __future__ import annotations

from django import forms
from django.urls import reverse_lazy
from django.utils import timezone

from teis.core.forms import ScopedModelForm, scope_choices, style_widgets
from teis.core.models import DictionaryItem
from teis.legal.models import CaseCause, ViolationCode

from .choices import CaseSource, PartyKind, Procedure
from .models import StationAssignment


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class PreRegisterForm(forms.Form):
    title = forms.CharField(label="案件名称", max_length=200)
    procedure = forms.ChoiceField(label="程序", choices=Procedure.choices, initial=Procedure.GENERAL)
    source = forms.ChoiceField(label="案件来源", choices=CaseSource.choices, initial=CaseSource.ON_SITE)
    business_line = forms.ModelChoiceField(
        label="业务条线",
        queryset=DictionaryItem.objects.filter(dict_type__code="business_line", is_active=True),
        required=False,
    )
    is_major = forms.BooleanField(
        label="重大案件（须集体讨论）",
        required=False,
        help_text="情节复杂或重大违法行为：处罚复核后由负责人集体讨论决定（行政处罚法第五十七条）",
    )
    discovered_at = forms.DateTimeField(
        label="发现时间",
        initial=lambda: timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    place = forms.CharField(label="发现地点", max_length=200, required=False)
    lon = forms.FloatField(label="经度", required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label="纬度", required=False, min_value=-90, max_value=90)
    case_cause = forms.ModelChoiceField(
        label="案由",
        queryset=CaseCause.objects.filter(is_deleted=False, status="active"),
        required=False,
        help_text="立案前须选择执法案由目录中的案由",
    )
    violation_codes = forms.ModelMultipleChoiceField(
        label="违章代码",
        queryset=ViolationCode.objects.filter(is_current=True).exclude(status="retired"),
        required=False,
    )
    facts = forms.CharField(label="违法事实", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    # 治超 (spec §2.5.1.18): the limit defaults to GB 1589-2016 by axle count (services.overload)
    axles = forms.IntegerField(label="轴数（治超）", min_value=2, max_value=20, required=False)
    gross_weight_kg = forms.IntegerField(label="车货总重（千克）", min_value=1, required=False)
    weight_limit_kg = forms.IntegerField(
        label="限重（千克）", min_value=1, required=False, help_text="不填则按 GB 1589-2016 依轴数确定"
    )
    files = MultipleFileField(label="现场照片 / 视频", required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            scope_choices(self, user)
        style_widgets(self)


# 执法对象预查询 (spec §2.7.1.6): entering an ID number or a plate shows at once what TEIS knows of it
LOOKUP = {
    "hx-get": reverse_lazy("cases:party_lookup"),
    "hx-trigger": "change",
    "hx-target": "#party-lookup",
    "hx-swap": "innerHTML",
}


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=PartyKind.choices, initial=PartyKind.PERSON)
    name = forms.CharField(label="姓名/名称", max_length=200)
    id_number = forms.CharField(label="身份证号", max_length=30, required=False, widget=forms.TextInput(LOOKUP))
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    address = forms.CharField(label="住址", max_length=200, required=False)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=30, required=False)
    legal_representative = forms.CharField(label="法定代表人", max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class VehicleForm(forms.Form):
    plate = forms.CharField(label="车牌号", max_length=12, widget=forms.TextInput(LOOKUP))
    vehicle_type = forms.CharField(label="车辆类型", max_length=30, required=False)
    operating_licence = forms.CharField(label="道路运输证号", max_length=40, required=False)
    driver_name = forms.CharField(label="驾驶员", max_length=50, required=False)
    driver_licence = forms.CharField(label="从业资格证号", max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


PartyFormSet = forms.formset_factory(PartyForm, extra=1, max_num=20, validate_max=True)
VehicleFormSet = forms.formset_factory(VehicleForm, extra=1, max_num=20, validate_max=True)


def formset_rows(formset) -> list[dict]:
    """The filled, not-deleted rows of a valid formset, in order."""
    return [f.cleaned_data for f in formset.forms if f.has_changed() and f.cleaned_data]


def apply_service_errors(err, form, formsets: dict) -> None:
    """Put a ServiceError's field messages on the form or on the row of a formset (`parties.0.id_number`)."""
    placed = False
    for key, messages in err.fields.items():
        head, _, rest = key.partition(".")
        if head in formsets and rest:
            index, _, field = rest.partition(".")
            rows = [f for f in formsets[head].forms if f.has_changed()]
            if index.isdigit() and int(index) < len(rows):
                target = rows[int(index)]
                for m in messages:
                    target.add_error(field if field in target.fields else None, m)
                placed = True
                continue
        for m in messages:
            form.add_error(head if head in form.fields else None, m)
        placed = True
    if not placed:
        form.add_error(None, err.message)


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        officer = getattr(obj, "officer", None)
        return f"{officer.name}（{officer.unit.name}）" if officer is not None else obj.username


class StationAssignmentForm(ScopedModelForm):
    """站点派发规则: the officer choices are the active officers of the units in the user's scope (the service
    checks them again, for the API too)."""

    officer = OfficerChoiceField(label="默认执法人员", queryset=None, required=False)

    class Meta:
        model = StationAssignment
        fields = ["station", "unit", "officer"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        from django.contrib.auth import get_user_model

        from teis.org.models import Unit

        users = get_user_model().objects.filter(is_active=True, officer__isnull=False)
        users = users.filter(officer__unit__in=Unit.objects.for_user(user)) if user is not None else users.none()
        self.fields["officer"].queryset = users.select_related("officer", "officer__unit").order_by(
            "officer__unit__order", "officer__unit__pk", "officer__name"
        )
        self.fields["officer"].empty_label = "请选择"
