import django_filters
from django.core.validators import validate_ipv46_address

from teis.core.filters import ScopedFilterSet

from .choices import AuditAction, AuditCategory
from .models import AuditRecord


class AuditRecordFilterSet(ScopedFilterSet):
    actor_name = django_filters.CharFilter(label="操作人", lookup_expr="icontains")
    unit_name = django_filters.CharFilter(label="单位", lookup_expr="icontains")
    action = django_filters.ChoiceFilter(label="操作", choices=AuditAction.choices)
    category = django_filters.ChoiceFilter(label="类别", choices=AuditCategory.choices)
    object_type = django_filters.CharFilter(label="对象类型", lookup_expr="icontains")
    object_id = django_filters.CharFilter(label="对象ID")
    object_repr = django_filters.CharFilter(label="对象", lookup_expr="icontains")
    ip = django_filters.CharFilter(label="IP", validators=[validate_ipv46_address])  # PostgreSQL inet: 500 otherwise
    at_after = django_filters.DateFilter(label="开始日期", field_name="at", lookup_expr="date__gte")
    at_before = django_filters.DateFilter(label="结束日期", field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditRecord
        fields = ["actor_name", "unit_name", "action", "category", "object_type", "object_id", "object_repr", "ip"]
