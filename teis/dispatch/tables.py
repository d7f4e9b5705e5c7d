"""What core shows of 指挥调度: lists, forms, API, menu (group "指挥调度")."""

from django import forms
from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.api.serializers import ScopedModelSerializer
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import ApprovalStatus, OrderStatus, PlanStatus
from .models import (
    Alarm,
    Checkpoint,
    CrossDistrictRequest,
    DutyFeedback,
    DutyOrder,
    DutyPlan,
    DutyTask,
    DutyTemplate,
    Geofence,
    LeaderOnDuty,
    NfcTag,
    NonDutyUse,
    OrderFeedback,
    OrderReceipt,
    PatrolVehicle,
    SignIn,
    TerminalCommand,
)
from .services import alarms as alarm_services
from .services import approvals, duty, orders
from .services.duty import (
    ApprovalRequestService,
    DutyFeedbackService,
    DutyPlanService,
    DutyTaskService,
)
from .services.vehicles import GeofenceService, VehicleService


class DispatchModelConfig(ModelConfig):
    menu_group = "指挥调度"
    # buttons on the detail page: (label, URL name in the dispatch namespace taking the object's pk, icon)
    actions: tuple[tuple[str, str, str], ...] = ()

    @classmethod
    def detail_actions(cls, obj, user):
        return [(label, reverse(f"dispatch:{name}", args=[obj.pk]), icon) for label, name, icon in cls.actions]


def _config(model, label: str, icon: str, order: int, columns: list[str], form: list[str] | None = None, **attrs):
    """Register the config of a model that differs from the others only in names: list columns, form fields
    (the list columns when None), menu entry and any other `ModelConfig` attribute."""
    attrs |= {"model": model, "list_columns": columns, "form_fields": form if form is not None else columns}
    attrs |= {"menu_label": label, "menu_icon": icon, "menu_order": order}
    return registry.register(type(f"{model.__name__}Config", (DispatchModelConfig,), attrs))


def _read_only(model, label: str, icon: str, order: int, columns: list[str], **attrs):
    """A register written only by the services: listed, never edited through the generic pages or API."""
    return _config(model, label, icon, order, columns, "__all__", ui_read_only=True, api_read_only=True, **attrs)


registry.add_menu(MenuEntry("实时监控", "dispatch:live", "dispatch.view_patrolvehicle", "指挥调度", "bi-geo-alt", 1))
registry.add_menu(MenuEntry("轨迹回放", "dispatch:track", "dispatch.view_fixrecord", "指挥调度", "bi-bezier2", 2))
registry.add_menu(MenuEntry("勤务统计", "dispatch:stats", "dispatch.view_dutytask", "指挥调度", "bi-bar-chart", 90))
registry.add_menu(MenuEntry("区域监管", "dispatch:coverage", "dispatch.view_geofence", "指挥调度", "bi-bullseye", 91))
registry.add_menu(
    MenuEntry("调度阈值设置", "dispatch:thresholds", "dispatch.view_dispatchsettings", "指挥调度", "bi-sliders", 95)
)
registry.add_menu(MenuEntry("签到", "dispatch:sign_in", "dispatch.add_signin", "指挥调度", "bi-person-check", 40))

_VEHICLE_FIELDS = ["plate", "kind", "unit", "business_line", "terminal_phone", "device_id", "status"]
_TERMINAL_FIELDS = ["terminal_registered", "terminal_id", "terminal_maker", "terminal_model", "terminal_online"]
_config(
    PatrolVehicle, "车辆船艇", "bi-truck", 10,
    [*_VEHICLE_FIELDS, "terminal_online"],
    [*_VEHICLE_FIELDS, "remark"],
    service=VehicleService(),
    rule_fields_writable={"status": "在用/维修/停用 is the vehicle's upkeep state, kept by its keeper"},
    detail_fields=[*_VEHICLE_FIELDS, "remark", *_TERMINAL_FIELDS, "terminal_seen_at"],
    api_exclude=["auth_code"],
    actions=(("轨迹回放", "track_vehicle", "bi-bezier2"),),
)  # fmt: skip
_read_only(
    Alarm, "告警记录", "bi-exclamation-triangle", 5,
    ["kind", "vehicle", "officer", "unit", "started_at", "ended_at", "message", "acknowledged_at", "case"],
    actions=(("处理告警", "alarm_handle", "bi-check2-square"),),
)  # fmt: skip
_read_only(
    TerminalCommand, "信息下发", "bi-chat-square-text", 6,
    ["vehicle", "text", "status", "created_by", "created_at", "sent_at", "acked_at", "unit"],
)  # fmt: skip
_config(
    Geofence, "电子围栏", "bi-bounding-box", 20,
    ["name", "kind", "unit", "dwell_seconds", "monthly_patrols", "is_active"],
    ["name", "kind", "unit", "geometry", "dwell_seconds", "monthly_patrols", "is_active", "remark"],
    service=GeofenceService(),
)  # fmt: skip


class DispatchCheckpointSerializer(ScopedModelSerializer):
    """Named apart from maritime's Checkpoint (监测卡口) in the OpenAPI document."""

    class Meta:
        model = Checkpoint
        fields = "__all__"


_config(
    Checkpoint, "检查站/治超站", "bi-signpost", 21,
    ["name", "kind", "unit", "lon", "lat", "address"],
    ["name", "kind", "unit", "lon", "lat", "address", "remark"],
    serializer=DispatchCheckpointSerializer,
)  # fmt: skip
_config(
    DutyTemplate, "任务内容范本", "bi-file-text", 30,
    ["name", "task_type", "unit", "business_line", "default_hours"],
    ["name", "task_type", "unit", "business_line", "content", "default_hours"],
)  # fmt: skip
_config(
    DutyPlan, "勤务计划", "bi-calendar-check", 31,
    ["date", "title", "unit", "status", "approved_by", "approved_at", "adjustments"],
    ["unit", "date", "title"],
    service=DutyPlanService(),
    actions=(("计划与审批", "plan_detail", "bi-calendar-check"),),
)  # fmt: skip
_config(
    DutyTask, "勤务任务", "bi-list-task", 32,
    ["title", "task_type", "plan", "unit", "start_at", "end_at", "area"],
    ["plan", "unit", "task_type", "template", "title", "content", "start_at", "end_at", "officers", "vehicles", "area",
     "assisting_units"],
    service=DutyTaskService(),
    actions=(("勤务反馈", "feedback_for_task", "bi-reply"),),
)  # fmt: skip
_FEEDBACK_COUNTS = ["checked_vehicles", "checked_operators", "cases_found"]
_config(
    DutyFeedback, "勤务反馈", "bi-reply", 33,
    ["task", "unit", *_FEEDBACK_COUNTS, "overtime_hours", "created_at"],
    ["task", "unit", *_FEEDBACK_COUNTS, "cases", "overtime_hours", "content"],
    service=DutyFeedbackService(),
)  # fmt: skip
_config(
    DutyOrder, "勤务指令", "bi-megaphone", 34,
    ["title", "unit", "ack_deadline", "deadline", "status", "created_at"],
    ["unit", "title", "content", "target_units", "ack_deadline", "deadline"],
    service=orders.order_service,
    detail_template="dispatch/dutyorder_detail.html",
    detail_context=lambda obj, user: {"receipt_rows": orders.receipt_rows(obj)},
)  # fmt: skip
_read_only(
    OrderReceipt, "指令签收", "bi-check2-square", 35,  # written by the order actions (签收) only
    ["order", "unit", "acknowledged_by", "acknowledged_at"],
)  # fmt: skip
_read_only(
    OrderFeedback, "指令反馈", "bi-reply-all", 35,  # written by the order action 反馈 only
    ["order", "unit", "content", "created_by", "created_at"],
)  # fmt: skip
_config(
    CrossDistrictRequest, "跨区勤务报审", "bi-signpost-split", 36,
    ["unit", "target_region", "start_at", "end_at", "status", "decided_by"],
    ["unit", "target_region", "reason", "start_at", "end_at", "vehicles"],
    service=ApprovalRequestService(),
)  # fmt: skip
_config(
    NonDutyUse, "非勤务用车报备", "bi-car-front", 37,
    ["vehicle", "unit", "reason", "start_at", "end_at", "status", "decided_by"],
    ["unit", "vehicle", "reason", "start_at", "end_at"],
    service=ApprovalRequestService(),
)  # fmt: skip
_config(
    LeaderOnDuty, "领导带班", "bi-person-badge", 38,
    ["date", "unit", "leader", "remark"],
    ["unit", "date", "leader", "remark"],
)  # fmt: skip
_config(NfcTag, "NFC 签到点", "bi-tag", 41, ["tag_id", "place", "unit", "lon", "lat", "is_active"])
_read_only(
    SignIn, "签到记录", "bi-person-check", 42,  # written only by the sign-in service (NFC, terminal, phone position)
    ["officer", "unit", "method", "signed_at", "place", "vehicle", "task", "device_id"],
)  # fmt: skip


# --- actions: every state change of dispatch, declared once (teis.core.actions) ------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label="处理说明", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label="审批意见", max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredOpinionForm(forms.Form):
    opinion = forms.CharField(label="审批意见", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="调整原因", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


actions.register(
    Action(
        "dispatch.alarm", "acknowledge", "确认告警", "dispatch.change_alarm",
        run=lambda actor, alarm, note: alarm_services.do_acknowledge(actor, alarm, note),
        form=NoteForm,
        applies=lambda alarm: alarm.acknowledged_at is None,
        not_applicable="该告警已确认。",
    )
)  # fmt: skip
_PLAN = "dispatch.dutyplan"
actions.register(
    Action(
        _PLAN, "submit", "提交审批", "dispatch.change_dutyplan",
        run=lambda actor, plan: duty.do_submit_plan(actor, plan),
        states=(PlanStatus.DRAFT, PlanStatus.REJECTED), icon="bi-send",
    )
)  # fmt: skip
actions.register(
    Action(
        _PLAN, "approve", "批准", "dispatch.approve_dutyplan",
        run=lambda actor, plan, opinion: duty.do_decide_plan(actor, plan, approve=True, opinion=opinion),
        form=OpinionForm, states=(PlanStatus.SUBMITTED,), offered_to=approvals.may_decide,
    )
)  # fmt: skip
actions.register(
    Action(
        _PLAN, "reject", "退回", "dispatch.approve_dutyplan",
        run=lambda actor, plan, opinion: duty.do_decide_plan(actor, plan, approve=False, opinion=opinion),
        form=RequiredOpinionForm, states=(PlanStatus.SUBMITTED,), icon="bi-arrow-return-left", style="warning",
        offered_to=approvals.may_decide,
    )
)  # fmt: skip
actions.register(
    Action(
        _PLAN, "adjust", "调整计划", "dispatch.change_dutyplan",
        run=lambda actor, plan, reason: duty.do_adjust_plan(actor, plan, reason),
        form=ReasonForm, states=(PlanStatus.APPROVED,), icon="bi-pencil-square", style="secondary",
    )
)  # fmt: skip
for _label, _decide in (
    ("dispatch.crossdistrictrequest", duty.do_decide_cross_district),
    ("dispatch.nondutyuse", duty.do_decide_non_duty_use),
):
    _perm = f"dispatch.approve_{_label.split('.')[1]}"
    actions.register(
        Action(
            _label, "approve", "批准", _perm,
            run=lambda actor, obj, opinion, _d=_decide: _d(actor, obj, approve=True, opinion=opinion),
            form=OpinionForm, states=(ApprovalStatus.PENDING,), offered_to=approvals.may_decide,
        )
    )  # fmt: skip
    actions.register(
        Action(
            _label, "reject", "不予批准", _perm,
            run=lambda actor, obj, opinion, _d=_decide: _d(actor, obj, approve=False, opinion=opinion),
            form=RequiredOpinionForm, states=(ApprovalStatus.PENDING,), icon="bi-x-circle", style="danger",
            offered_to=approvals.may_decide,
        )
    )  # fmt: skip
_ORDER = "dispatch.dutyorder"


class FeedbackForm(forms.Form):
    content = forms.CharField(label="反馈内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


actions.register(
    Action(
        _ORDER, "acknowledge", "签收", orders.ACKNOWLEDGE_PERMISSION,
        run=lambda actor, order: orders.do_acknowledge_order(actor, order),
        states=(OrderStatus.ISSUED,), offered_to=orders.can_acknowledge, icon="bi-check2-square",
    )
)  # fmt: skip
actions.register(
    Action(
        _ORDER, "feedback", "反馈", orders.FEEDBACK_PERMISSION,
        run=lambda actor, order, content: orders.do_report_feedback(actor, order, content),
        form=FeedbackForm, states=(OrderStatus.ISSUED,), offered_to=orders.can_report, icon="bi-reply",
        style="success",
    )
)  # fmt: skip
actions.register(
    Action(
        _ORDER, "close", "办结", "dispatch.change_dutyorder",
        run=lambda actor, order: orders.do_close_order(actor, order),
        states=(OrderStatus.ISSUED,), icon="bi-check2-all", style="secondary",
    )
)  # fmt: skip
