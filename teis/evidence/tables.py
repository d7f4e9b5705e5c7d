"""What core shows of 执法证据中心: lists, forms, API, menu (group "证据中心")."""

from django.urls import reverse

from teis.core.registry import MenuEntry, ModelConfig, registry

from .filters import DeviceFilterSet, EvidenceItemFilterSet
from .models import Device, EvidenceItem, IntegrityCheck, RetentionPolicy, ShareLink
from .services.devices import DeviceService


class EvidenceModelConfig(ModelConfig):
    menu_group = "证据中心"


@registry.register
class EvidenceItemConfig(EvidenceModelConfig):
    """Evidence is created only by ingest and changed only by the evidence services."""

    model = EvidenceItem
    list_columns = [
        "title",
        "category",
        "source",
        "officer",
        "unit",
        "captured_at",
        "size",
        "sm3",
        "status",
        "created_at",
    ]
    filterset = EvidenceItemFilterSet
    ui_read_only = True
    api_read_only = True
    api_exclude = ["storage_name", "proxy_name", "poster_name"]
    menu_label = "证据查询"
    menu_icon = "bi-collection-play"
    menu_order = 10

    @classmethod
    def detail_actions(cls, obj, user):
        return [("查看 / 播放", reverse("evidence:item_view", args=[obj.pk]), "bi-play-circle")]


@registry.register
class DeviceConfig(EvidenceModelConfig):
    model = Device
    list_columns = [
        "serial",
        "kind",
        "model_name",
        "unit",
        "assigned_to",
        "place",
        "status",
        "last_sync_at",
        "last_heartbeat_at",
    ]
    filterset = DeviceFilterSet
    form_fields = [
        "kind",
        "serial",
        "model_name",
        "unit",
        "assigned_to",
        "place",
        "capacity_gb",
        "used_gb",
        "status",  # 在用/故障/停用 by the keeper; 离线 only by the heartbeat check (DeviceService)
        "heartbeat_timeout_minutes",
        "remark",
    ]
    api_exclude = ["credential_hash"]
    service = DeviceService()
    rule_fields_writable = {"status": "在用/故障/停用 is the device's upkeep state, kept by its keeper"}
    menu_label = "取证设备"
    menu_icon = "bi-camera"
    menu_order = 60

    @classmethod
    def detail_actions(cls, obj, user):
        actions = [("设备健康", reverse("evidence:health"), "bi-heart-pulse")]
        if obj.kind == "collection_station" and user.has_perm("evidence.change_device"):
            actions.append(("签发工作站凭据", reverse("evidence:station_credential", args=[obj.pk]), "bi-key"))
        return actions


@registry.register
class RetentionPolicyConfig(EvidenceModelConfig):
    model = RetentionPolicy
    list_columns = ["name", "category", "source", "unlinked_days", "linked_years_after_archive", "enabled"]
    menu_label = "保存规则"
    menu_icon = "bi-hourglass-split"
    menu_order = 70


@registry.register
class ShareLinkConfig(EvidenceModelConfig):
    model = ShareLink
    list_columns = [
        "recipient",
        "recipient_kind",
        "access",
        "expires_at",
        "revoked_at",
        "unit",
        "access_count",
        "created_at",
    ]
    ui_read_only = True
    api_read_only = True
    api_exclude = ["token_hash"]
    menu_label = "对外共享"
    menu_icon = "bi-share"
    menu_order = 50

    @classmethod
    def detail_actions(cls, obj, user):
        return [
            ("披露回执（PDF）", reverse("evidence:share_receipt", args=[obj.pk]), "bi-file-earmark-pdf"),
            ("撤销共享", reverse("evidence:share_revoke", args=[obj.pk]), "bi-x-circle"),
        ]


@registry.register
class IntegrityCheckConfig(EvidenceModelConfig):
    model = IntegrityCheck
    list_columns = ["item", "at", "result", "sm3", "actor"]
    ui_read_only = True
    api_read_only = True
    menu_label = "完整性校验"
    menu_icon = "bi-shield-check"
    menu_order = 80

    @classmethod
    def queryset_for(cls, user):
        """A check is visible with the evidence item it re-hashed."""
        from .models import EvidenceItem

        return IntegrityCheck.objects.filter(item__in=EvidenceItem.objects.for_user(user)).select_related(
            "item", "actor"
        )

    @classmethod
    def api_queryset_for(cls, user):
        return cls.queryset_for(user)


registry.add_menu(
    MenuEntry("上传证据", "evidence:upload", "evidence.add_evidenceitem", "证据中心", "bi-cloud-upload", 5)
)
registry.add_menu(MenuEntry("到期删除", "evidence:retention", "evidence.manage_retention", "证据中心", "bi-trash3", 75))
registry.add_menu(MenuEntry("设备健康", "evidence:health", "evidence.view_device", "证据中心", "bi-heart-pulse", 65))
registry.add_menu(
    MenuEntry("日志导入", "evidence:log_import", "evidence.change_device", "证据中心", "bi-journal-arrow-up", 66)
)
