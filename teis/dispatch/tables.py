"""What core shows of 指挥调度: lists, forms, API, menu (group "指挥调度")."""

from django.urls import reverse

from teis.core.api.serializers import ScopedModelSerializer
from teis.core.registry import MenuEntry, ModelConfig, registry

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
    PatrolVehicle,
    SignIn,
    TerminalCommand,
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
    actions=(("计划与审批", "plan_detail", "bi-calendar-check"),),
)  # fmt: skip
_config(
    DutyTask, "勤务任务", "bi-list-task", 32,
    ["title", "task_type", "plan", "unit", "start_at", "end_at", "area"],
    ["plan", "unit", "task_type", "template", "title", "content", "start_at", "end_at", "officers", "vehicles", "area",
     "assisting_units"],
    actions=(("勤务反馈", "feedback_for_task", "bi-reply"),),
)  # fmt: skip
_FEEDBACK_COUNTS = ["checked_vehicles", "checked_operators", "cases_found"]
_config(
    DutyFeedback, "勤务反馈", "bi-reply", 33,
    ["task", "unit", *_FEEDBACK_COUNTS, "overtime_hours", "created_at"],
    ["task", "unit", *_FEEDBACK_COUNTS, "cases", "overtime_hours", "content"],
)  # fmt: skip
_config(
    DutyOrder, "勤务指令", "bi-megaphone", 34,
    ["title", "unit", "deadline", "status", "created_at"],
    ["unit", "title", "content", "target_units", "deadline", "status"],
)  # fmt: skip
_config(
    OrderFeedback, "指令反馈", "bi-reply-all", 35,
    ["order", "unit", "created_by", "created_at"],
    ["order", "unit", "content"],
)  # fmt: skip
_DECIDE = "审批", "bi-check2-circle"
_config(
    CrossDistrictRequest, "跨区勤务报审", "bi-signpost-split", 36,
    ["unit", "target_region", "start_at", "end_at", "status", "decided_by"],
    ["unit", "target_region", "reason", "start_at", "end_at", "vehicles"],
    actions=((_DECIDE[0], "decide_cross_district", _DECIDE[1]),),
)  # fmt: skip
_config(
    NonDutyUse, "非勤务用车报备", "bi-car-front", 37,
    ["vehicle", "unit", "reason", "start_at", "end_at", "status", "decided_by"],
    ["unit", "vehicle", "reason", "start_at", "end_at"],
    actions=((_DECIDE[0], "decide_non_duty_use", _DECIDE[1]),),
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
