import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from teis.core.filters import ScopedFilterSet
from teis.core.models import DictionaryItem

from .choices import OfficerStatus, UnitType
from .models import MobileDevice, Officer, Role, Unit


@extend_schema_field(OpenApiTypes.INT)
class UnitSubtreeFilter(django_filters.ModelChoiceFilter):
    """A unit id; matches records of that unit and every unit below it."""


class UnitFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(label="单位名称", lookup_expr="icontains")
    unit_type = django_filters.ChoiceFilter(label="单位类型", choices=UnitType.choices)
    subject_code = django_filters.CharFilter(label="执法主体编码", lookup_expr="icontains")
    parent = django_filters.ModelChoiceFilter(label="上级单位", queryset=Unit.objects.all())
    is_active = django_filters.BooleanFilter(label="启用")

    class Meta:
        model = Unit
        fields = ["name", "unit_type", "subject_code", "parent", "is_active"]


class OfficerFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(label="姓名", lookup_expr="icontains")
    certificate_number = django_filters.CharFilter(label="执法证号", lookup_expr="icontains")
    unit = django_filters.ModelChoiceFilter(label="所属单位", queryset=Unit.objects.all())
    subtree = UnitSubtreeFilter(label="单位（含下级）", queryset=Unit.objects.all(), method="filter_subtree")
    status = django_filters.ChoiceFilter(label="状态", choices=OfficerStatus.choices)
    roles = django_filters.ModelChoiceFilter(label="角色", queryset=Role.objects.all())
    business_lines = django_filters.ModelChoiceFilter(
        label="业务条线", queryset=DictionaryItem.objects.filter(dict_type__code="business_line")
    )

    class Meta:
        model = Officer
        fields = ["name", "certificate_number", "unit", "subtree", "status", "roles", "business_lines"]

    def filter_subtree(self, queryset, name, value):
        return queryset.filter(unit__path__startswith=value.path) if value else queryset


class RoleFilterSet(ScopedFilterSet):
    name = django_filters.CharFilter(label="角色名称", lookup_expr="icontains")

    class Meta:
        model = Role
        fields = ["name", "data_scope", "admin_kind"]


class MobileDeviceFilterSet(ScopedFilterSet):
    device_id = django_filters.CharFilter(label="设备号", lookup_expr="icontains")
    phone_number = django_filters.CharFilter(label="手机号码", lookup_expr="icontains")

    class Meta:
        model = MobileDevice
        fields = ["owner", "device_id", "phone_number", "is_active"]
