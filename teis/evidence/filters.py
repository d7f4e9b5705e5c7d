"""FilterSets of the evidence centre, shared by the list page, the API (mobile / PDA queries by case,
officer, device, time and place) and the Excel export."""

from __future__ import annotations

import django_filters
from django import forms

from teis.core.filters import IdFilter, ScopedFilterSet
from teis.org.models import Unit

from .choices import DeviceKind, DeviceStatus, EvidenceCategory, EvidenceSource, EvidenceStatus
from .models import Device, EvidenceItem

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class EvidenceItemFilterSet(ScopedFilterSet):
    title = django_filters.CharFilter(label="证据名称", lookup_expr="icontains")
    category = django_filters.ChoiceFilter(label="类别", choices=EvidenceCategory.choices)
    source = django_filters.ChoiceFilter(label="来源", choices=EvidenceSource.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=EvidenceStatus.choices)
    unit = django_filters.ModelChoiceFilter(
        label="所属单位（含下级）", queryset=Unit.objects.all(), method="filter_unit"
    )
    officer = IdFilter(label="执法人员", field_name="officer_id", widget=forms.HiddenInput)
    case = IdFilter(label="案件", field_name="links__case_id", widget=forms.HiddenInput)
    device_serial = django_filters.CharFilter(label="设备编号", lookup_expr="icontains")
    sm3 = django_filters.CharFilter(label="SM3 摘要", lookup_expr="istartswith")
    place = django_filters.CharFilter(label="地点", lookup_expr="icontains")
    captured_after = django_filters.DateFilter(
        label="拍摄日期起", field_name="captured_at", lookup_expr="date__gte", **DATE
    )
    captured_before = django_filters.DateFilter(
        label="拍摄日期止", field_name="captured_at", lookup_expr="date__lte", **DATE
    )
    created_after = django_filters.DateFilter(
        label="入库日期起", field_name="created_at", lookup_expr="date__gte", **DATE
    )
    created_before = django_filters.DateFilter(
        label="入库日期止", field_name="created_at", lookup_expr="date__lte", **DATE
    )
    bbox = django_filters.CharFilter(
        label="范围（经度1,纬度1,经度2,纬度2）", method="filter_bbox", widget=forms.HiddenInput
    )
    legal_hold = django_filters.BooleanFilter(label="诉讼保全")

    class Meta:
        model = EvidenceItem
        fields = ["title", "category", "source", "status", "unit", "device_serial"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset

    def filter_bbox(self, queryset, name, value):
        try:
            lon1, lat1, lon2, lat2 = (float(v) for v in value.split(","))
        except ValueError:
            return queryset.none()
        return queryset.filter(
            lon__gte=min(lon1, lon2), lon__lte=max(lon1, lon2), lat__gte=min(lat1, lat2), lat__lte=max(lat1, lat2)
        )


class DeviceFilterSet(ScopedFilterSet):
    serial = django_filters.CharFilter(label="设备编号", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="设备类型", choices=DeviceKind.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=DeviceStatus.choices)
    unit = django_filters.ModelChoiceFilter(
        label="所属单位（含下级）", queryset=Unit.objects.all(), method="filter_unit"
    )
    model_name = django_filters.CharFilter(label="型号", lookup_expr="icontains")
    place = django_filters.CharFilter(label="安装地点", lookup_expr="icontains")

    class Meta:
        model = Device
        fields = ["serial", "kind", "status", "unit", "model_name"]

    def filter_unit(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset
