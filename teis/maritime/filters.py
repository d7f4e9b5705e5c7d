"""FilterSets of 水上执法, shared by the list pages, the API and the Excel export."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from teis.core.filters import IdFilter, ScopedFilterSet

from .choices import AlertKind, AlertStatus, ShipCategory
from .models import Alert, Vessel


def vessel_search_q(text: str, prefix: str = "") -> Q:
    """船名, MMSI or 呼号: digits match MMSI by prefix, anything matches name and call sign. `prefix` is the path to
    the vessel ("vessel__" for its alerts)."""
    text = (text or "").strip()
    q = Q(**{f"{prefix}name__icontains": text}) | Q(**{f"{prefix}call_sign__iexact": text})
    if text.isdigit():
        q |= Q(**{f"{prefix}mmsi__startswith": text}) if len(text) < 9 else Q(**{f"{prefix}mmsi": int(text)})
    return q


class VesselFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label="船名/MMSI/呼号", method="filter_q")
    mmsi = django_filters.NumberFilter(label="MMSI")
    name = django_filters.CharFilter(label="船名", lookup_expr="icontains")
    call_sign = django_filters.CharFilter(label="呼号", lookup_expr="iexact")
    category = django_filters.ChoiceFilter(label="船舶类别", choices=ShipCategory.choices)
    registry_port = django_filters.CharFilter(label="船籍港", lookup_expr="icontains")
    owner = django_filters.CharFilter(label="船舶所有人", lookup_expr="icontains")
    dangerous_goods = django_filters.BooleanFilter(label="危险品船舶")
    high_risk = django_filters.BooleanFilter(label="高风险船舶")
    is_key = django_filters.BooleanFilter(label="重点船舶")
    repeat_offender = django_filters.BooleanFilter(label="多次违法")
    last_time = django_filters.DateFilter(label="最新定位日期", field_name="last_time", lookup_expr="date")
    risk_score = django_filters.NumberFilter(label="风险评分≥", lookup_expr="gte")

    class Meta:
        model = Vessel
        fields = ["q", "mmsi", "name", "call_sign", "category", "registry_port", "owner", "dangerous_goods"]

    def filter_q(self, qs, name, value):
        return qs.filter(vessel_search_q(value)) if value else qs


class AlertFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(label="告警类型", choices=AlertKind.choices)
    status = django_filters.ChoiceFilter(label="处置状态", choices=AlertStatus.choices)
    vessel = IdFilter(label="船舶", field_name="vessel", widget=forms.HiddenInput)
    q = django_filters.CharFilter(label="船名/MMSI/呼号", method="filter_q")
    time = django_filters.DateFilter(label="告警日期", field_name="time", lookup_expr="date")
    time_after = django_filters.DateFilter(label="告警日期起", field_name="time", lookup_expr="date__gte")
    time_before = django_filters.DateFilter(label="告警日期止", field_name="time", lookup_expr="date__lte")
    unit = django_filters.NumberFilter(label="处置单位", field_name="unit")
    assignee = django_filters.NumberFilter(label="处置人", field_name="assignee")
    repeat_offender = django_filters.BooleanFilter(label="多次违法船舶")
    message = django_filters.CharFilter(label="告警内容", lookup_expr="icontains")
    attention = django_filters.CharFilter(label="重点关注", lookup_expr="icontains")
    result = django_filters.CharFilter(label="处置结果")

    class Meta:
        model = Alert
        fields = ["kind", "status", "vessel", "repeat_offender"]

    def filter_q(self, qs, name, value):
        return qs.filter(vessel_search_q(value, "vessel__")) if value else qs
