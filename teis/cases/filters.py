"""FilterSets of cases, shared by the list page, the API and the Excel export."""

from __future__ import annotations

import django_filters
from django import forms

from teis.core.filters import IdFilter, ScopedFilterSet
from teis.core.models import DictionaryItem
from teis.org.models import Unit

from .choices import CaseSource, CaseStatus, Procedure
from .models import EnforcementCase

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class EnforcementCaseFilterSet(ScopedFilterSet):
    case_code = django_filters.CharFilter(label="统一案件编码", lookup_expr="icontains")
    file_number = django_filters.CharFilter(label="文号", lookup_expr="icontains")
    title = django_filters.CharFilter(label="案件名称", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="案件状态", choices=CaseStatus.choices)
    procedure = django_filters.ChoiceFilter(label="程序", choices=Procedure.choices)
    source = django_filters.ChoiceFilter(label="案件来源", choices=CaseSource.choices)
    current_step = django_filters.CharFilter(label="当前环节", lookup_expr="icontains")
    unit = django_filters.ModelChoiceFilter(
        label="承办单位（含下级）", queryset=Unit.objects.all(), method="filter_unit_subtree"
    )
    business_line = django_filters.ModelChoiceFilter(
        label="业务条线", queryset=DictionaryItem.objects.filter(dict_type__code="business_line")
    )
    handler = IdFilter(label="主办人", field_name="handler_id", widget=forms.HiddenInput)
    filed_at = django_filters.DateFilter(
        label="立案日期", field_name="filed_at", lookup_expr="date", widget=forms.HiddenInput
    )
    filed_after = django_filters.DateFilter(label="立案日期起", field_name="filed_at", lookup_expr="date__gte", **DATE)
    filed_before = django_filters.DateFilter(label="立案日期止", field_name="filed_at", lookup_expr="date__lte", **DATE)
    discovered_after = django_filters.DateFilter(
        label="发现日期起", field_name="discovered_at", lookup_expr="date__gte", **DATE
    )
    discovered_before = django_filters.DateFilter(
        label="发现日期止", field_name="discovered_at", lookup_expr="date__lte", **DATE
    )

    class Meta:
        model = EnforcementCase
        fields = ["case_code", "title", "status", "procedure", "unit", "business_line"]

    def filter_unit_subtree(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset
