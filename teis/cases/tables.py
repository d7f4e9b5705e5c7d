"""What core shows of case handling: lists, forms, API, menu (filled in by the cases work)."""

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import CaseRequestKind, CaseRequestStatus
from .filters import EnforcementCaseFilterSet
from .forms import StationAssignmentForm
from .models import (
    CaseRequest,
    CaseReview,
    EnforcementCase,
    MonitoringWarning,
    StationAssignment,
    ViolationRecord,
)
from .services import requests
from .services.requests import request_service
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


# --- 办案申请: 回避, 协助调查, 先行登记保存, 延期 / 分期缴纳 (one model, declared actions) ---------------------------


@registry.register
class CaseRequestConfig(CasesConfig):
    model = CaseRequest
    list_columns = ["kind", "case", "reason", "status", "created_by", "decided_by", "decided_at"]
    create_fields = ["case", "kind", "reason", "officer", "assist_unit", "items", "new_due", "instalments"]
    edit_fields = ["reason", "officer", "assist_unit", "items", "new_due", "instalments"]
    detail_fields = [
        "case",
        "kind",
        "reason",
        "officer",
        "assist_unit",
        "items",
        "new_due",
        "instalments",
        "status",
        "created_by",
        "created_at",
        "decided_by",
        "decided_at",
        "opinion",
        "replacement",
        "result",
    ]
    service = request_service
    open_choices = ("assist_unit",)  # another unit, usually outside the asker's scope
    menu_label = "办案申请"
    menu_icon = "bi-envelope-paper"
    menu_order = 25


class DecideRequestForm(forms.Form):
    opinion = forms.CharField(
        label="审批意见", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    replacement = forms.ModelChoiceField(
        label="接替的执法人员（回避申请）",
        queryset=get_user_model().objects.filter(is_active=True, officer__isnull=False),
        required=False,
        help_text="批准回避时，选择本案承办单位的另一名执法人员接替",
    )


class RejectRequestForm(forms.Form):
    opinion = forms.CharField(label="审批意见", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    result = forms.CharField(label="协助调查结果", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


_REQUEST = "cases.caserequest"
actions.register(
    Action(
        _REQUEST, "approve", "批准", requests.DECIDE_PERMISSION,
        run=lambda actor, req, opinion, replacement: requests.do_decide_request(
            actor, req, approve=True, opinion=opinion, replacement=replacement
        ),
        form=DecideRequestForm, states=(CaseRequestStatus.PENDING,),
    )
)  # fmt: skip
actions.register(
    Action(
        _REQUEST, "reject", "不予批准", requests.DECIDE_PERMISSION,
        run=lambda actor, req, opinion: requests.do_decide_request(actor, req, approve=False, opinion=opinion),
        form=RejectRequestForm, states=(CaseRequestStatus.PENDING,), icon="bi-x-circle", style="danger",
    )
)  # fmt: skip
actions.register(
    Action(
        _REQUEST, "reply", "登记协助结果", "cases.change_caserequest",
        run=lambda actor, req, result: requests.do_record_reply(actor, req, result=result),
        form=ReplyForm,
        applies=lambda req: req.kind == CaseRequestKind.ASSISTANCE and req.status == CaseRequestStatus.APPROVED,
        not_applicable="只有已批准的协助调查可以登记结果。", icon="bi-reply",
    )
)  # fmt: skip
