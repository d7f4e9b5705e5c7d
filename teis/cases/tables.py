"""What core shows of case handling: lists, forms, API, menu (filled in by the cases work)."""

from django.urls import reverse

from teis.core.registry import MenuEntry, ModelConfig, registry

from .filters import EnforcementCaseFilterSet
from .forms import StationAssignmentForm
from .models import (
    CaseReview,
    EnforcementCase,
    MonitoringWarning,
    StationAssignment,
    ViolationRecord,
)
from .services.stations import station_service


class CasesConfig(ModelConfig):
    menu_group = "案件办理"


@registry.register
class EnforcementCaseConfig(CasesConfig):
    model = EnforcementCase
    list_columns = ["case_code", "title", "procedure", "status", "current_step", "unit", "handler", "filed_at"]
    filterset = EnforcementCaseFilterSet
    ui_read_only = True  # cases are created and moved only through the case services and the workflow
    api_read_only = True
    menu_label = "案件查询"
    menu_icon = "bi-folder2-open"
    menu_order = 20

    @classmethod
    def detail_actions(cls, obj, user):
        return [("案件详情", reverse("cases:case_detail", args=[obj.pk]), "bi-folder2-open")]


registry.add_menu(
    MenuEntry("案件预登记", "cases:pre_register", "cases.add_enforcementcase", "案件办理", "bi-plus-square", 10)
)
registry.add_menu(
    MenuEntry("我的案件", "cases:my_cases", "cases.view_enforcementcase", "案件办理", "bi-person-workspace", 15)
)


@registry.register
class ViolationRecordConfig(CasesConfig):
    """信息派发 records: created by import, moved by the dispatch services only (pages under /cases/dispatch/)."""

    model = ViolationRecord
    list_columns = ["station", "detected_at", "plate", "violation_code", "unit", "officer", "status", "case"]
    ui_read_only = True
    api_read_only = True


@registry.register
class StationAssignmentConfig(CasesConfig):
    """站点派发规则: a station's default unit and officer. Not organisation-scoped by itself: a user sees and
    edits the rules whose unit is in their scope."""

    model = StationAssignment
    list_columns = ["station", "unit", "officer"]
    form = StationAssignmentForm
    service = station_service

    @classmethod
    def queryset_for(cls, user):
        from teis.org.models import Unit

        return StationAssignment.objects.filter(unit__in=Unit.objects.for_user(user)).select_related("unit", "officer")

    @classmethod
    def api_queryset_for(cls, user):
        return cls.queryset_for(user)


@registry.register
class MonitoringWarningConfig(CasesConfig):
    model = MonitoringWarning
    list_columns = ["kind", "case", "message", "is_open", "created_at", "resolved_at"]
    ui_read_only = True
    api_read_only = True


@registry.register
class CaseReviewConfig(CasesConfig):
    model = CaseReview
    list_columns = ["batch", "case", "reviewer", "score", "reviewed_at"]
    ui_read_only = True
    api_read_only = True
