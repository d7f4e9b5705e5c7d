"""FilterSets of violation codes, case causes, benchmarks, warnings and discretion applications: shared by
the list pages, the API and the Excel exports."""

from __future__ import annotations

import django_filters

from teis.core.filters import ScopedFilterSet
from teis.core.models import DictionaryItem
from teis.org.models import Unit

from .choices import ApplicationStatus, CodeStatus, ItemType, ProvisionStatus, WarningStatus
from .models import CaseCause, DiscretionApplication, DiscretionBenchmark, LegalChangeWarning, ViolationCode


class ViolationCodeFilterSet(ScopedFilterSet):
    code = django_filters.CharFilter(label="违章代码", lookup_expr="icontains")
    name = django_filters.CharFilter(label="违章行为", lookup_expr="icontains")
    business_line = django_filters.ModelChoiceFilter(
        label="业务条线", queryset=DictionaryItem.objects.filter(dict_type__code="business_line")
    )
    enforcement_subject = django_filters.CharFilter(label="执法主体", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="状态", choices=CodeStatus.choices)
    is_current = django_filters.BooleanFilter(label="现行版本")
    simplified_procedure = django_filters.BooleanFilter(label="适用简易程序")
    legal_change_flag = django_filters.BooleanFilter(label="法律依据变更待处理")
    version = django_filters.NumberFilter(label="版本")
    fine_min = django_filters.NumberFilter(label="罚款下限（元）")
    fine_max = django_filters.NumberFilter(label="罚款上限（元）")

    class Meta:
        model = ViolationCode
        fields = [
            "code",
            "name",
            "business_line",
            "enforcement_subject",
            "status",
            "is_current",
            "simplified_procedure",
            "legal_change_flag",
            "version",
            "fine_min",
            "fine_max",
        ]


class CaseCauseFilterSet(ScopedFilterSet):
    cause_code = django_filters.CharFilter(label="案由目录编码", lookup_expr="startswith")
    name = django_filters.CharFilter(label="案由名称", lookup_expr="icontains")
    item_type = django_filters.ChoiceFilter(label="事项类型", choices=ItemType.choices)
    status = django_filters.ChoiceFilter(label="事项状态", choices=CodeStatus.choices)
    is_deleted = django_filters.BooleanFilter(label="是否已删除")
    modified_at = django_filters.DateFilter(label="修改时间", field_name="modified_at", lookup_expr="date")
    legal_change_flag = django_filters.BooleanFilter(label="法律依据变更待处理")

    class Meta:
        model = CaseCause
        fields = ["cause_code", "name", "item_type", "status", "is_deleted", "modified_at", "legal_change_flag"]


class DiscretionBenchmarkFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(label="基准名称", lookup_expr="icontains")
    violation_code = django_filters.CharFilter(
        label="违章代码", field_name="violation_code__code", lookup_expr="icontains"
    )
    effective_from = django_filters.DateFilter(label="生效日期")
    is_active = django_filters.BooleanFilter(label="启用")
    legal_change_flag = django_filters.BooleanFilter(label="法律依据变更待处理")

    class Meta:
        model = DiscretionBenchmark
        fields = ["name", "violation_code", "effective_from", "is_active", "legal_change_flag"]


class LegalChangeWarningFilterSet(ScopedFilterSet):
    provision = django_filters.CharFilter(label="变更条款", field_name="provision__citation", lookup_expr="icontains")
    change = django_filters.ChoiceFilter(label="变更类型", choices=ProvisionStatus.choices)
    status = django_filters.ChoiceFilter(label="状态", choices=WarningStatus.choices)
    violation_code = django_filters.CharFilter(
        label="违章代码", field_name="violation_code__code", lookup_expr="icontains"
    )
    case_cause = django_filters.CharFilter(
        label="案由目录编码", field_name="case_cause__cause_code", lookup_expr="startswith"
    )
    benchmark = django_filters.CharFilter(label="裁量基准", field_name="benchmark__name", lookup_expr="icontains")
    created_at = django_filters.DateFilter(label="预警时间", field_name="created_at", lookup_expr="date")

    class Meta:
        model = LegalChangeWarning
        fields = ["provision", "change", "status", "violation_code", "case_cause", "benchmark", "created_at"]


class DiscretionApplicationFilterSet(ScopedFilterSet):
    violation_code = django_filters.CharFilter(
        label="违章代码", field_name="violation_code__code", lookup_expr="icontains"
    )
    level = django_filters.CharFilter(label="情节", field_name="level__name", lookup_expr="icontains")
    unit = django_filters.ModelChoiceFilter(label="办案单位", queryset=Unit.objects.all())
    case_reference = django_filters.CharFilter(label="案件", lookup_expr="icontains")
    amount = django_filters.NumberFilter(label="拟罚款金额（元）")
    status = django_filters.ChoiceFilter(label="状态", choices=ApplicationStatus.choices)
    created_at = django_filters.DateFilter(label="创建时间", field_name="created_at", lookup_expr="date")

    class Meta:
        model = DiscretionApplication
        fields = ["violation_code", "level", "unit", "case_reference", "amount", "status", "created_at"]
