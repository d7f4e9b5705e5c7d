from django import forms

from teis.core.forms import style_widgets

from .choices import Decision


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class CompleteForm(StyledForm):
    decision = forms.ChoiceField(label="审批结论", choices=Decision.choices, widget=forms.RadioSelect)
    opinion = forms.CharField(
        label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    lock_version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReturnForm(StyledForm):
    target = forms.ChoiceField(label="退回到", required=False)
    opinion = forms.CharField(label="驳回意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "上一步"), *targets]


class UserPickForm(StyledForm):
    user = forms.CharField(label="人员账号", max_length=150)
    position = forms.ChoiceField(
        label="加签位置", required=False, choices=[("before", "在我之前"), ("after", "在我之后")]
    )
