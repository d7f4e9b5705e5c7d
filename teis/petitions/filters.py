"""FilterSets of petitions, shared by the list page, the API and the Excel export."""

from __future__ import annotations

import django_filters
from django import forms

from teis.core.filters import IdFilter, ScopedFilterSet
from teis.core.models import DictionaryItem
from teis.org.models import Unit

from .choices import Channel, PetitionKind, PetitionStatus, Satisfaction, SupervisionKind, SupervisionStatus
from .models import CATEGORY_DICT, DeadlineRule, Petition, PetitionSupervision

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class PetitionFilterSet(ScopedFilterSet):
    code = django_filters.CharFilter(label="信访编号", lookup_expr="icontains")
    title = django_filters.CharFilter(label="事项摘要", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="类型", choices=PetitionKind.choices)
    channel = django_filters.ChoiceFilter(label="来源渠道", choices=Channel.choices)
    category = django_filters.ModelChoiceFilter(
        label="反映类别", queryset=DictionaryItem.objects.filter(dict_type__code=CATEGORY_DICT)
    )
    status = django_filters.ChoiceFilter(label="状态", choices=PetitionStatus.choices)
    current_step = django_filters.CharFilter(label="当前环节", lookup_expr="icontains")
    unit = django_filters.ModelChoiceFilter(
        label="承办单位（含下级）", queryset=Unit.objects.all(), method="filter_unit_subtree"
    )
    subject_plate = django_filters.CharFilter(label="涉及车牌", lookup_expr="icontains")
    satisfaction = django_filters.ChoiceFilter(label="回访满意度", choices=Satisfaction.choices)
    supervised = django_filters.BooleanFilter(label="已督察")
    registered_at = django_filters.DateFromToRangeFilter(
        label="登记日期",
        field_name="registered_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    finish_due = django_filters.DateFromToRangeFilter(
        label="办结期限", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    closed_at = django_filters.DateFromToRangeFilter(
        label="结案日期", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = Petition
        fields = ["code", "title", "kind", "channel", "category", "status", "unit", "satisfaction", "supervised"]

    def filter_unit_subtree(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset


class DeadlineRuleFilterSet(ScopedFilterSet):
    channel = django_filters.ChoiceFilter(label="来源渠道", choices=Channel.choices)
    accept_days = django_filters.NumberFilter(label="受理时限（工作日）")
    finish_days = django_filters.NumberFilter(label="办结时限（工作日）")
    remind_days = django_filters.NumberFilter(label="提前提醒（工作日）")

    class Meta:
        model = DeadlineRule
        fields = ["channel", "accept_days", "finish_days", "remind_days"]


class PetitionSupervisionFilterSet(ScopedFilterSet):
    petition_code = django_filters.CharFilter(label="信访编号", field_name="petition__code", lookup_expr="icontains")
    petition = IdFilter(label="信访件", field_name="petition", widget=forms.HiddenInput)
    kind = django_filters.ChoiceFilter(label="督察事由", choices=SupervisionKind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=SupervisionStatus.choices)
    unit = django_filters.ModelChoiceFilter(
        label="被督察单位（含下级）", queryset=Unit.objects.all(), method="filter_unit_subtree"
    )
    due_date = django_filters.DateFromToRangeFilter(
        label="原期限", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    detected_at = django_filters.DateFromToRangeFilter(
        label="发现超期时间", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )
    supervised_at = django_filters.DateFromToRangeFilter(
        label="督察时间", widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"})
    )

    class Meta:
        model = PetitionSupervision
        fields = ["kind", "status", "unit"]

    def filter_unit_subtree(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset
