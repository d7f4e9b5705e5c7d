"""What core shows of 水上执法: lists, forms, API, menu (group "水上执法")."""

from django import forms
from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.masking import mask_address, mask_id_number, mask_phone
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import AlertResult, AlertStatus, ClueStatus
from .filters import (
    AlertFilterSet,
    CrewMemberFilterSet,
    EmergencyInfoFilterSet,
    PortFilterSet,
    VesselFilterSet,
    WaterAccidentFilterSet,
)
from .forms import CheckpointForm, SectionLineForm, WaterAreaForm
from .models import (
    AidToNavigation,
    Alert,
    BaseStation,
    Checkpoint,
    Clue,
    CrewMember,
    EmergencyInfo,
    Perception,
    Port,
    SectionLine,
    TrackingTask,
    Vessel,
    VesselCertificate,
    VesselEvent,
    WatchGroup,
    WaterAccident,
    WaterArea,
)
from .services import alerts as alert_services
from .services import clues as clue_services
from .services.shapes import shape_service


class MaritimeModelConfig(ModelConfig):
    menu_group = "水上执法"


registry.add_menu(
    MenuEntry("水上告警阈值", "maritime:thresholds", "maritime.view_maritimesettings", "水上执法", "bi-sliders", 95)
)
registry.add_menu(MenuEntry("船舶实时监控", "maritime:live", "maritime.view_vessel", "水上执法", "bi-broadcast-pin", 1))


@registry.register
class VesselConfig(MaritimeModelConfig):
    model = Vessel
    filterset = VesselFilterSet
    list_columns = [
        "mmsi", "name", "call_sign", "category", "registry_port", "owner", "dangerous_goods", "high_risk",
        "risk_score", "last_time",
    ]  # fmt: skip
    form_fields = [
        "mmsi", "name", "call_sign", "imo", "ship_type", "length_m", "width_m", "draught_m", "destination",
        "owner", "owner_address", "legal_representative", "phone", "registry_port", "registered_type",
        "dangerous_goods", "high_risk", "is_key",
    ]  # fmt: skip
    api_exclude = ["live_seq"]
    masked_fields = {"phone": mask_phone, "owner_address": mask_address}
    menu_label = "船舶综合信息"
    menu_icon = "bi-water"
    menu_order = 5

    @classmethod
    def detail_actions(cls, obj, user):
        return [
            ("船舶档案", reverse("maritime:vessel_card", args=[obj.pk]), "bi-card-text"),
            ("轨迹回放", reverse("maritime:track", args=[obj.pk]), "bi-play-circle"),
        ]


@registry.register
class VesselCertificateConfig(MaritimeModelConfig):
    model = VesselCertificate
    list_columns = ["vessel", "name", "number", "valid_from", "valid_until"]


def _shape_config(model, form, list_columns, menu, action):
    """Areas, sections, checkpoints: a shape form served by `shape_service`, a menu entry (label, icon, order) and
    one action on the detail page (label, URL name taking the pk, icon)."""

    def detail_actions(cls, obj, user):
        return [(action[0], reverse(action[1], args=[obj.pk]), action[2])]

    attrs = {"model": model, "form": form, "service": shape_service, "list_columns": list_columns}
    attrs |= dict(zip(("menu_label", "menu_icon", "menu_order"), menu, strict=True))
    attrs["detail_actions"] = classmethod(detail_actions)
    return registry.register(type(f"{model.__name__}Config", (MaritimeModelConfig,), attrs))


WaterAreaConfig = _shape_config(
    WaterArea, WaterAreaForm, ["name", "kind", "unit", "priority", "visible", "monitored", "is_active"],
    ("重点区域", "bi-bounding-box", 10), ("区域内船舶", "maritime:area_vessels", "bi-geo"),
)  # fmt: skip
SectionLineConfig = _shape_config(
    SectionLine, SectionLineForm, ["name", "unit", "forward_label", "reverse_label", "is_active"],
    ("断面监测", "bi-signpost-split", 20), ("流量统计", "maritime:section_stats", "bi-bar-chart"),
)  # fmt: skip
CheckpointConfig = _shape_config(
    Checkpoint, CheckpointForm, ["code", "name", "unit", "lon", "lat", "is_active"],
    ("监测卡口", "bi-camera", 60), ("流量与预测", "maritime:checkpoint_stats", "bi-graph-up"),
)  # fmt: skip


@registry.register
class AlertConfig(MaritimeModelConfig):
    model = Alert
    filterset = AlertFilterSet
    list_columns = ["time", "kind", "vessel", "message", "attention", "unit", "status", "assignee", "repeat_offender"]
    ui_read_only = True  # raised by the pipeline and the checks; moved by the disposal actions below
    api_read_only = True
    menu_label = "智能预警"
    menu_icon = "bi-bell"
    menu_order = 30
    detail_template = "maritime/alert_detail.html"

    @staticmethod
    def detail_context(obj, user):
        from teis.org.models import Officer

        return {"officers": Officer.objects.for_user(user).select_related("user", "unit")[:200]}


@registry.register
class TrackingTaskConfig(MaritimeModelConfig):
    model = TrackingTask
    list_columns = ["name", "unit", "is_active", "started_at", "stopped_at"]
    form_fields = ["name", "unit", "vessels", "record_positions", "alert_events", "is_active"]
    menu_label = "重点船舶追踪"
    menu_icon = "bi-crosshair"
    menu_order = 40


@registry.register
class WatchGroupConfig(MaritimeModelConfig):
    model = WatchGroup
    list_columns = ["name", "created_at"]
    form_fields = ["name", "vessels"]
    menu_label = "关注船舶分组"
    menu_icon = "bi-star"
    menu_order = 45


@registry.register
class VesselEventConfig(MaritimeModelConfig):
    model = VesselEvent
    list_columns = ["time", "vessel", "kind", "detail", "area"]
    ui_read_only = True
    api_read_only = True
    menu_label = "船舶事件"
    menu_icon = "bi-activity"
    menu_order = 35


@registry.register
class AidToNavigationConfig(MaritimeModelConfig):
    model = AidToNavigation
    list_columns = ["mmsi", "name", "aid_type", "virtual", "off_position", "lon", "lat", "last_time"]
    ui_read_only = True  # kept up to date by the AIS stream (type 21)
    api_read_only = True
    menu_label = "航标"
    menu_icon = "bi-signpost-2"
    menu_order = 36


@registry.register
class BaseStationConfig(MaritimeModelConfig):
    model = BaseStation
    list_columns = ["mmsi", "name", "lon", "lat", "coverage_km", "last_time"]
    form_fields = ["mmsi", "name", "lon", "lat", "coverage_km"]  # the stream keeps position and time up to date
    menu_label = "AIS基站"
    menu_icon = "bi-broadcast"
    menu_order = 37


registry.add_menu(
    MenuEntry(
        "危险品船舶", "maritime:dangerous_goods", "maritime.view_vessel", "水上执法", "bi-exclamation-diamond", 50
    )
)


@registry.register
class PerceptionConfig(MaritimeModelConfig):
    model = Perception
    list_columns = ["time", "checkpoint", "recognised_name", "ocr_name", "vessel", "confidence"]
    ui_read_only = True  # arrive through the perception API only
    api_read_only = True
    menu_label = "卡口感知"
    menu_icon = "bi-eye"
    menu_order = 65


@registry.register
class ClueConfig(MaritimeModelConfig):
    model = Clue
    list_columns = ["time", "ship_name", "vessel", "place", "attention", "unit", "status", "repeat_offender", "case"]
    form_fields = [
        "ship_name", "time", "owner", "owner_address", "legal_representative", "phone", "ship_type",
        "registry_port", "heading", "place", "summary",
    ]  # fmt: skip
    ui_read_only = True  # made from perceptions; moved by the clue actions below
    api_read_only = True
    masked_fields = {"phone": mask_phone, "owner_address": mask_address}
    menu_label = "非现场执法线索"
    menu_icon = "bi-clipboard-check"
    menu_order = 70
    detail_fields = [
        "ship_name",
        "time",
        "owner",
        "owner_address",
        "legal_representative",
        "phone",
        "ship_type",
        "registry_port",
        "heading",
        "place",
        "summary",
    ]  # fmt: skip  (the 案件要素; status, images, case and workflow history are on the page itself)
    detail_template = "maritime/clue_detail.html"

    @classmethod
    def detail_actions(cls, obj, user):
        return [("涉嫌违章船舶信息", reverse("maritime:suspect_list"), "bi-file-pdf")]


def _info_config(model, list_columns, menu_label, menu_icon, menu_order, **extra):
    """行业查询 lists: the same config but for the model, columns and menu entry (imports: `info_imports`)."""
    attrs = {"model": model, "list_columns": list_columns, "menu_label": menu_label, "menu_icon": menu_icon}
    return registry.register(
        type(f"{model.__name__}Config", (MaritimeModelConfig,), attrs | {"menu_order": menu_order, **extra})
    )


CrewMemberConfig = _info_config(
    CrewMember, ["name", "certificate_number", "position", "certificate_valid_until", "vessel"], "船员综合信息",
    "bi-people", 80, masked_fields={"id_number": mask_id_number}, api_exclude=["id_number"],
    filterset=CrewMemberFilterSet,
)  # fmt: skip
PortConfig = _info_config(
    Port, ["name", "code", "operator", "berths", "dangerous_goods_allowed"], "港口综合信息", "bi-building", 81,
    filterset=PortFilterSet,
)  # fmt: skip
WaterAccidentConfig = _info_config(
    WaterAccident, ["title", "occurred_at", "place", "level", "casualties"], "水上交通事故", "bi-exclamation-octagon",
    82, filterset=WaterAccidentFilterSet,
)  # fmt: skip
EmergencyInfoConfig = _info_config(
    EmergencyInfo, ["title", "kind", "level", "valid_from", "valid_until", "place"], "应急综合信息",
    "bi-cloud-lightning", 83, filterset=EmergencyInfoFilterSet,
)  # fmt: skip


def _can_import(user) -> bool:
    from .services.import_templates import kinds_for

    return bool(kinds_for(user))


registry.add_menu(MenuEntry("信息导入", "maritime:import_index", None, "水上执法", "bi-upload", 84, _can_import))


# --- actions: every state change of alerts and clues, declared once (teis.core.actions) --------------------

_ROWS2 = {"rows": 2}
_OPEN = (AlertStatus.OPEN, AlertStatus.ASSIGNED, AlertStatus.HANDLING)


class AssignForm(forms.Form):
    # a user id; the service accepts only an officer within the actor's data scope (the page offers those)
    assignee = forms.IntegerField(label="处置人", min_value=1)


class HandleForm(forms.Form):
    note = forms.CharField(label="处置情况", max_length=2000, widget=forms.Textarea(attrs=_ROWS2))


class CloseForm(forms.Form):
    result = forms.ChoiceField(label="处置结果", choices=AlertResult.choices)
    note = forms.CharField(label="说明", max_length=2000, required=False, widget=forms.Textarea(attrs=_ROWS2))


def _assign(actor, alert, assignee):
    from django.contrib.auth import get_user_model

    return alert_services.do_assign_alert(actor, alert, get_user_model().objects.filter(pk=assignee).first())


def _may_dispose(user, alert) -> bool:
    return alert.assignee_id == user.pk or user.has_perm("maritime.change_alert")


_ALERT = "maritime.alert"
actions.register(
    Action(
        _ALERT, "assign", "指派", "maritime.change_alert", run=_assign, form=AssignForm, states=_OPEN,
        icon="bi-person-check",
    )
)  # fmt: skip
actions.register(
    Action(
        _ALERT, "handle", "记录处置", alert_services.DISPOSE_PERMISSION,
        run=lambda actor, alert, note: alert_services.do_handle_alert(actor, alert, note),
        form=HandleForm, states=_OPEN, offered_to=_may_dispose, icon="bi-pencil-square", style="secondary",
    )
)  # fmt: skip
actions.register(
    Action(
        _ALERT, "close", "办结", alert_services.DISPOSE_PERMISSION,
        run=lambda actor, alert, result, note: alert_services.do_close_alert(actor, alert, result, note),
        form=CloseForm, states=_OPEN, offered_to=_may_dispose, icon="bi-check2-all", style="success",
    )
)  # fmt: skip


class ScreenForm(forms.Form):
    """The 案件要素 the officer may correct while screening (blank: kept), and the note."""

    ship_name = forms.CharField(label="船名", max_length=60, required=False)
    owner = forms.CharField(label="所有人", max_length=200, required=False)
    place = forms.CharField(label="地点", max_length=200, required=False)
    summary = forms.CharField(label="摘要", max_length=2000, required=False, widget=forms.Textarea(attrs=_ROWS2))
    note = forms.CharField(label="筛选意见", max_length=300, required=False)


class NoteForm(forms.Form):
    note = forms.CharField(label="筛选意见", max_length=300, required=False)


class ReviewForm(forms.Form):
    opinion = forms.CharField(label="审核意见", max_length=300, required=False)


def _screen(actor, clue, note, **updates):
    return clue_services.do_screen_clue(actor, clue, True, note, {k: v for k, v in updates.items() if v})


def _can_review(user, clue) -> bool:
    from teis.workflow.services import can_act

    task = clue_services.review_task(clue) if clue.process_id else None
    return task is not None and can_act(user, task)


_CLUE = "maritime.clue"
actions.register(
    Action(
        _CLUE, "screen", "提交审核", "maritime.change_clue", run=_screen, form=ScreenForm,
        states=(ClueStatus.NEW,), icon="bi-send",
    )
)  # fmt: skip
actions.register(
    Action(
        _CLUE, "dismiss", "不予处理", "maritime.change_clue",
        run=lambda actor, clue, note: clue_services.do_screen_clue(actor, clue, False, note),
        form=NoteForm, states=(ClueStatus.NEW,), icon="bi-x-circle", style="secondary",
    )
)  # fmt: skip
for _name, _label, _icon, _style, _confirm in (
    (
        "approve",
        "同意并推送办案",
        "bi-check2-circle",
        "success",
        "同意后将把本线索推送办案，生成一件非现场案件预登记（附图片），不可撤回。确定推送？",
    ),
    ("reject", "不同意", "bi-x-circle", "danger", ""),
):
    actions.register(
        Action(
            _CLUE, _name, _label, "maritime.change_clue",  # the workflow's 线索审核 task says who may decide
            run=lambda actor, clue, opinion, _d=_name: clue_services.do_review_clue(actor, clue, _d, opinion),
            form=ReviewForm, states=(ClueStatus.SCREENED,), offered_to=_can_review, icon=_icon, style=_style,
            confirm=_confirm,
        )
    )  # fmt: skip
actions.register(
    Action(
        _CLUE, "push", "推送办案", "maritime.change_clue",
        run=lambda actor, clue: clue_services.do_push_approved_clue(actor, clue),
        # the review pushes at once; this is the way on for an approved clue whose push did not happen
        states=(ClueStatus.APPROVED,), applies=lambda clue: clue.case_id is None,
        not_applicable="只有审核通过且尚未推送的线索可以推送办案", icon="bi-send", style="success",
        confirm="将本线索推送办案，生成一件非现场案件预登记（附图片），不可撤回。确定推送？",
    )
)  # fmt: skip
