"""FilterSets of 水上执法, shared by the list pages, the API and the Excel export."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from teis.core.filters import IdFilter, ScopedFilterSet

from .choices import AccidentLevel, AlertKind, AlertStatus, CertificateState, EmergencyInfoKind, ShipCategory
from .models import Alert, CrewMember, EmergencyInfo, Port, Vessel, WaterAccident


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


# --- 行业查询 (information queries) ----------------------------------------------------------------------------


class CrewMemberFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(label="姓名", lookup_expr="icontains")
    id_number = django_filters.CharFilter(label="身份证号", method="filter_id_number")
    certificate_number = django_filters.CharFilter(label="船员证书号", lookup_expr="icontains")
    position = django_filters.CharFilter(label="职务", lookup_expr="icontains")
    ship = django_filters.CharFilter(label="所在船舶（船名/MMSI）", method="filter_ship")
    certificate_state = django_filters.ChoiceFilter(
        label="证书状态", choices=CertificateState.choices, method="filter_certificate_state"
    )
    certificate_valid_until = django_filters.DateFilter(label="证书有效期至不晚于", lookup_expr="lte")
    vessel = IdFilter(label="船舶", field_name="vessel", widget=forms.HiddenInput)

    class Meta:
        model = CrewMember
        fields: list[str] = []

    def filter_id_number(self, qs, name, value):
        from teis.core import crypto
        from teis.core.validators import normalise_id_number

        return qs.filter(id_number_index=crypto.blind_index(normalise_id_number(value))) if value.strip() else qs

    def filter_ship(self, qs, name, value):
        return qs.filter(vessel_search_q(value, "vessel__")) if value.strip() else qs

    def filter_certificate_state(self, qs, name, value):
        today = timezone.localdate()
        soon = today + dt.timedelta(days=30)
        if value == CertificateState.EXPIRED:
            return qs.filter(certificate_valid_until__lt=today)
        if value == CertificateState.EXPIRING:
            return qs.filter(certificate_valid_until__gte=today, certificate_valid_until__lte=soon)
        if value == CertificateState.VALID:
            return qs.filter(certificate_valid_until__gte=today)
        return qs


class PortFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(label="港口/码头名称", lookup_expr="icontains")
    code = django_filters.CharFilter(label="编码", lookup_expr="icontains")
    operator = django_filters.CharFilter(label="经营人", lookup_expr="icontains")
    berths = django_filters.NumberFilter(label="泊位数≥", lookup_expr="gte")
    dangerous_goods_allowed = django_filters.BooleanFilter(label="可作业危险品")

    class Meta:
        model = Port
        fields: list[str] = []


class WaterAccidentFilterSet(ScopedFilterSet):
    title = django_filters.CharFilter(label="事故名称", lookup_expr="icontains")
    occurred_at = django_filters.DateFilter(label="发生日期", field_name="occurred_at", lookup_expr="date")
    occurred_after = django_filters.DateFilter(label="发生日期起", field_name="occurred_at", lookup_expr="date__gte")
    occurred_before = django_filters.DateFilter(label="发生日期止", field_name="occurred_at", lookup_expr="date__lte")
    place = django_filters.CharFilter(label="地点", lookup_expr="icontains")
    level = django_filters.ChoiceFilter(label="事故等级", choices=AccidentLevel.choices)
    casualties = django_filters.NumberFilter(label="伤亡人数≥", lookup_expr="gte")
    ship = django_filters.CharFilter(label="涉事船舶（船名/MMSI）", method="filter_ship")

    class Meta:
        model = WaterAccident
        fields: list[str] = []

    def filter_ship(self, qs, name, value):
        if not value.strip():
            return qs
        through = WaterAccident.vessels.through.objects.filter(vessel__in=Vessel.objects.filter(vessel_search_q(value)))
        return qs.filter(pk__in=through.values("wateraccident_id"))


class EmergencyInfoFilterSet(ScopedFilterSet):
    q = django_filters.CharFilter(label="关键字（标题/内容）", method="filter_q")
    title = django_filters.CharFilter(label="标题", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label="类别", choices=EmergencyInfoKind.choices)
    level = django_filters.CharFilter(label="级别", lookup_expr="icontains")
    place = django_filters.CharFilter(label="地点/区域", lookup_expr="icontains")
    active_on = django_filters.DateFilter(label="在该日有效", method="filter_active_on")
    valid_from = django_filters.DateFilter(label="生效日期", field_name="valid_from", lookup_expr="date")
    valid_until = django_filters.DateFilter(label="失效日期", field_name="valid_until", lookup_expr="date")

    class Meta:
        model = EmergencyInfo
        fields: list[str] = []

    def filter_q(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(title__icontains=value) | Q(content__icontains=value)) if value else qs

    def filter_active_on(self, qs, name, value):
        return qs.filter(
            Q(valid_from__isnull=True) | Q(valid_from__date__lte=value),
            Q(valid_until__isnull=True) | Q(valid_until__date__gte=value),
        )
