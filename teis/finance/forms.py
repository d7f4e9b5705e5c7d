"""Input forms of the declared actions of 票证与罚没款 (the API mirrors them)."""

from django import forms

from .choices import Resolution, StockCategory
from .models import StockKind

_ROWS2 = {"rows": 2}


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="审批意见", max_length=300, required=False, widget=forms.Textarea(attrs=_ROWS2))


class RequiredOpinionForm(forms.Form):
    opinion = forms.CharField(label="审批意见", max_length=300, widget=forms.Textarea(attrs=_ROWS2))


class OfflinePaymentForm(forms.Form):
    kind = forms.ModelChoiceField(
        label="票据种类", queryset=StockKind.objects.filter(category=StockCategory.RECEIPT, is_active=True)
    )
    receipt_number = forms.CharField(label="纸质票据号", max_length=40)
    amount = forms.DecimalField(label="缴款金额（元）", max_digits=12, decimal_places=2, min_value=0.01)


class ResolveForm(forms.Form):
    resolution = forms.ChoiceField(label="处理方式", choices=Resolution.choices)
    note = forms.CharField(label="处理说明", max_length=300, required=False, widget=forms.Textarea(attrs=_ROWS2))


class VoidForm(forms.Form):
    kind = forms.ModelChoiceField(label="票证种类", queryset=StockKind.objects.filter(is_active=True))
    number = forms.CharField(label="票证号", max_length=40)
    reason = forms.CharField(label="作废原因", max_length=300)


class StatementForm(forms.Form):
    file = forms.FileField(label="对账单文件（CSV 或 Excel）")
    statement_date = forms.DateField(
        label="对账日期（空：取首笔缴款日期）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class PeriodForm(forms.Form):
    date_from = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", widget=forms.DateInput(attrs={"type": "date"}))
