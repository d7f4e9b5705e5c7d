"""Step forms of the case diagrams: the task-data variables their gateways read (see `steps.start_data`),
set on the workflow task page (fields above the decision) and checked in the API's `data` by the same form.

A user task names its form with `teis:form="cases.…"`; `register()` runs at app start (CasesConfig.ready).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from teis.core.forms import style_widgets
from teis.workflow.bpmn import register_form

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


class CaseApprovalForm(StepForm):
    """案件审批: 移交其他机关办理 / 涉嫌犯罪移送司法机关 (the latter wins)."""

    transfer_case = YesNoField(label="移送其他机关")
    criminal = YesNoField(label="涉嫌犯罪，移送司法机关")


class FindingForm(StepForm):
    hearing = YesNoField(label="当事人申请听证")


class LegalReviewForm(StepForm):
    """处罚复核: names the leaders of a major case's 集体讨论 (会签 over `discussion_leaders`); none chosen =
    every leader of the approving unit (the workflow fills them in). Choices: the leadership role holders of the
    unit that discusses, so an id from elsewhere is refused."""

    uses_task = True
    discussion_leaders = forms.TypedMultipleChoiceField(
        label="集体讨论参加领导",
        coerce=int,
        required=False,
        help_text="重大案件须经集体讨论：所选领导逐一会签，全部同意方可通过；不选则由全部领导会签",
        error_messages={"invalid_choice": "所选领导 %(value)s 不在可参加集体讨论的领导范围内"},
    )

    def __init__(self, *args, worktask=None, **kwargs):
        super().__init__(*args, **kwargs)
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


def _person(user) -> str:
    officer = getattr(user, "officer", None)
    name = getattr(officer, "name", "") or user.get_full_name() or user.username
    return f"{name}（{user.username}）"


class DecisionForm(StepForm):
    remedy = YesNoField(label="当事人申请复议或提起诉讼")


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
    "cases.case_approval": ("案件审批", CaseApprovalForm),
    "cases.finding": ("处罚认定", FindingForm),
    "cases.legal_review": ("处罚复核", LegalReviewForm),
    "cases.decision": ("处罚决定及送达", DecisionForm),
    "cases.urge_wait": ("催告期满核查", UrgeWaitForm),
    "cases.coercive_during": ("强制措施期间处理", CoerciveDuringForm),
    "cases.disposal": ("扣押物品处置申请", DisposalForm),
}


def register() -> None:
    for key, (label, form_class) in FORMS.items():
        register_form(key, label, form_class)
