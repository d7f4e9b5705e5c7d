"""FilterSets where the generated ones would cost a query per choice (choices labelled through a relation);
the other lists use the FilterSets core generates from their columns."""

from __future__ import annotations

import django_filters

from teis.core.filters import ScopedFilterSet
from teis.org.models import Unit

from .choices import WarningKind, WarningStatus
from .models import DeclaredRelation, InspectionObject, InspectionPlan, InspectionTask, InspectionWarning, Inspector


class DeclaredRelationFilterSet(ScopedFilterSet):
    inspector = django_filters.ModelChoiceFilter(label="检查人员", queryset=Inspector.objects.select_related("officer"))
    inspection_object = django_filters.ModelChoiceFilter(label="检查对象", queryset=InspectionObject.objects.all())
    description = django_filters.CharFilter(label="关系说明", lookup_expr="icontains")
    declared_on = django_filters.DateFilter(label="申报日期")

    class Meta:
        model = DeclaredRelation
        fields = ["inspector", "inspection_object", "description", "declared_on"]


class InspectionWarningFilterSet(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(label="预警类型", choices=WarningKind.choices)
    plan = django_filters.ModelChoiceFilter(label="抽查计划", queryset=InspectionPlan.objects.all())
    task = django_filters.ModelChoiceFilter(
        label="检查任务", queryset=InspectionTask.objects.select_related("inspection_object")
    )
    unit = django_filters.ModelChoiceFilter(label="单位", queryset=Unit.objects.all())
    message = django_filters.CharFilter(label="预警内容", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label="状态", choices=WarningStatus.choices)
    created_at = django_filters.DateFilter(label="创建时间", field_name="created_at", lookup_expr="date")

    class Meta:
        model = InspectionWarning
        fields = ["kind", "plan", "task", "unit", "message", "status", "created_at"]
