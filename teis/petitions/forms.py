"""Forms of the petition pages and of the declared actions. They only collect input: every rule is in the
services, whose ServiceError field messages are put back on the registration form (`apply_service_errors`)."""

from __future__ import annotations

from django import forms

from teis.core.forms import style_widgets

from .choices import Channel, PetitionKind, Satisfaction
from .services.intake import categories


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _required(label: str) -> dict:
    return {"required": f"请填写{label}"}


DUPLICATE_ATTRS = {
    "hx-post": "",  # set in __init__ (reverse at import time is too early)
    "hx-trigger": "change",
    "hx-target": "#duplicates",
    # One check at a time for the three fields: a newer check aborts an older one still in flight, so a
    # slow answer for the phone alone can never overwrite the answer that already includes the plate.
    "hx-sync": "#duplicates:replace",
    "hx-include": "#id_complainant_phone,#id_complainant_id_number,#id_subject_plate",
}


class RegisterForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=PetitionKind.choices, initial=PetitionKind.COMPLAINT)
    channel = forms.ChoiceField(
        label="来源渠道", choices=[("", "请选择"), *Channel.choices], error_messages=_required("来源渠道")
    )
    external_ref = forms.CharField(
        label="来源工单号", required=False, max_length=60, help_text="12345 工单号或上级转办文号"
    )
    category = forms.ModelChoiceField(
        label="反映类别", queryset=None, empty_label="请选择", error_messages=_required("反映类别")
    )
    title = forms.CharField(label="事项摘要", max_length=200, error_messages=_required("事项摘要"))
    content = forms.CharField(
        label="反映内容", widget=forms.Textarea(attrs={"rows": 4}), error_messages=_required("反映内容")
    )
    is_anonymous = forms.BooleanField(label="匿名反映", required=False)
    complainant_name = forms.CharField(label="反映人姓名", required=False, max_length=50)
    complainant_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    complainant_id_number = forms.CharField(label="身份证号", required=False, max_length=18)
    complainant_address = forms.CharField(label="联系地址", required=False, max_length=200)
    subject_plate = forms.CharField(label="涉及车牌", required=False, max_length=10)
    subject_company = forms.CharField(label="涉及企业", required=False, max_length=200)
    subject_ship = forms.CharField(label="涉及船舶", required=False, max_length=100)
    occurred_at = forms.DateTimeField(
        label="发生时间", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label="发生地点", required=False, max_length=200)
    lon = forms.FloatField(label="经度", required=False, help_text="可在地图上点选")
    lat = forms.FloatField(label="纬度", required=False)
    files = MultipleFileField(label="附件（来信扫描件、照片、录音等）", required=False)

    def __init__(self, *args, duplicate_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories()
        style_widgets(self)
        for name in ("complainant_phone", "complainant_id_number", "subject_plate"):
            self.fields[name].widget.attrs.update({**DUPLICATE_ATTRS, "hx-post": duplicate_url})


# --- the input of the declared actions (`tables.py`): the flow's steps and 督察; the services check it again -----

_ROWS2 = {"rows": 2}


def _text(label: str, *, required: bool = True, rows: int = 2, max_length: int = 2000) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages=_required(label),
    )


def _unit_field(label: str) -> forms.ModelChoiceField:
    """Any active unit; whether it is within the actor's reach and has someone to handle it is the service's
    rule (`flow.check_reach`, `flow.check_handler`)."""
    from teis.org.models import Unit

    return forms.ModelChoiceField(
        label=label,
        queryset=Unit.objects.filter(is_active=True).order_by("path"),
        empty_label="请选择",
        error_messages={"required": "请选择承办单位", "invalid_choice": "所选单位不存在"},
    )


class AcceptForm(forms.Form):
    opinion = _text("受理意见", required=False)


class RejectForm(forms.Form):
    opinion = _text("不予受理理由", max_length=5000)


class InstructForm(forms.Form):
    instruction = _text("批示意见")


class DispatchForm(forms.Form):
    unit = _unit_field("承办单位")
    opinion = _text("派发意见", required=False)


class HandleForm(forms.Form):
    result = _text("办理结果", rows=3, max_length=5000)


class TransferForm(forms.Form):
    unit = _unit_field("转办至单位")
    reason = _text("转办理由")


class ReturnForm(forms.Form):
    reason = _text("退回理由")


class ApproveOpinionForm(forms.Form):
    opinion = _text("审核意见", required=False)


class ReturnOpinionForm(forms.Form):
    opinion = _text("退回理由")


class VisitForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label="回访满意度",
        choices=Satisfaction.choices,
        error_messages={"required": "请选择回访满意度", "invalid_choice": "请选择回访满意度"},
    )
    note = _text("回访记录", required=False)


class ExplainForm(forms.Form):
    explanation = _text("情况说明", rows=3)


class SuperviseForm(forms.Form):
    opinion = _text("督察意见")


def apply_service_errors(err, form) -> None:
    placed = False
    for key, messages in err.fields.items():
        for m in messages:
            if key in form.fields:
                form.add_error(key, m)
                placed = True
    if not placed:
        form.add_error(None, err.message)
