"""Choices stay visible: radios and check lists are Bootstrap form-checks, never form-control boxes."""

from django import forms

from teis.core.forms import style_widgets
from teis.workflow.forms import CompleteForm


def test_approval_decision_radios_are_form_checks():
    html = str(CompleteForm({"decision": "approve"})["decision"])
    assert "form-control" not in html
    assert html.count('class="form-check form-check-inline"') == 3
    assert 'class="form-check-input"' in html and "checked" in html
    for label in ("同意", "退回", "不同意"):
        assert f">{label}</label>" in html


def test_check_lists_and_single_checkboxes():
    class F(forms.Form):
        kinds = forms.MultipleChoiceField(choices=[("a", "警告"), ("b", "罚款")], widget=forms.CheckboxSelectMultiple)
        agree = forms.BooleanField(required=False)
        name = forms.CharField()
        unit = forms.ChoiceField(choices=[("1", "一中队")])

    form = F()
    style_widgets(form)
    kinds = str(form["kinds"])
    assert "form-check-input" in kinds and "form-control" not in kinds and 'for="id_kinds_1">罚款' in kinds
    assert form.fields["agree"].widget.attrs["class"] == "form-check-input"
    assert form.fields["name"].widget.attrs["class"] == "form-control"
    assert form.fields["unit"].widget.attrs["class"] == "form-select"
