"""What core shows of 执法证据中心: lists, forms, API, menu (group "证据中心")."""

from django import forms
from django.urls import reverse

from teis.core import actions
from teis.core.actions import Action
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import EvidenceStatus
from .filters import DeviceFilterSet, EvidenceItemFilterSet
from .models import Device, EvidenceItem, IntegrityCheck, RetentionPolicy, ShareLink
from .services import links, retention, sharing
from .services.devices import DeviceService
from .services.integrity import verify_item


class EvidenceModelConfig(ModelConfig):
    menu_group = "证据中心"


@registry.register
class EvidenceItemConfig(EvidenceModelConfig):
    """Evidence is created only by ingest and changed only by its declared actions (below). The detail page is the
    player page: every view of it is audited."""

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
    detail_template = "evidence/item_view.html"

    @staticmethod
    def detail_context(obj, user):
        from .views.items import item_context

        return item_context(obj, user)


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
        return [("披露回执（PDF）", reverse("evidence:share_receipt", args=[obj.pk]), "bi-file-earmark-pdf")]


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


# --- actions: every state change of an evidence item and of a share, declared once (teis.core.actions) ------

_ROWS2 = {"rows": 2}


class LinkForm(forms.Form):
    case = forms.CharField(label="案件", max_length=60, help_text="统一案件编码、文号或案件编号")
    description = forms.CharField(label="证明内容", max_length=300, required=False)


class UnlinkForm(forms.Form):
    case = forms.CharField(label="案件", max_length=60, help_text="统一案件编码、文号或案件编号")


class DeleteForm(forms.Form):
    reason = forms.CharField(label="删除原因", max_length=300, widget=forms.Textarea(attrs=_ROWS2))


class HoldForm(forms.Form):
    reason = forms.CharField(label="保全原因", max_length=300, widget=forms.Textarea(attrs=_ROWS2))


def _link(actor, item, case, description):
    links.do_link(actor, item, links.find_case(actor, case), description)
    return item


def _unlink(actor, item, case):
    links.do_unlink(actor, item, links.find_case(actor, case))
    return item


def _verify(actor, item):
    verify_item(item, actor)
    return EvidenceItem.objects.get(pk=item.pk)


_ITEM = "evidence.evidenceitem"
_ACTIVE = (EvidenceStatus.ACTIVE,)
_MANAGE = "evidence.manage_retention"
for _action in (
    Action(
        _ITEM,
        "link",
        "关联案件",
        links.LINK_PERMISSION,
        run=_link,
        form=LinkForm,
        states=_ACTIVE,
        icon="bi-link-45deg",
    ),
    Action(
        _ITEM,
        "unlink",
        "解除关联",
        links.LINK_PERMISSION,
        run=_unlink,
        form=UnlinkForm,
        states=_ACTIVE,
        icon="bi-x-lg",
        style="danger",
    ),
    Action(
        _ITEM,
        "verify",
        "立即校验",
        _MANAGE,
        run=_verify,
        states=_ACTIVE,
        icon="bi-shield-check",
        style="secondary",
    ),
    Action(
        _ITEM,
        "hold",
        "诉讼保全",
        _MANAGE,
        run=lambda actor, item, reason: retention.do_set_legal_hold(actor, item, True, reason),
        form=HoldForm,
        states=_ACTIVE,
        applies=lambda item: not item.legal_hold,
        icon="bi-lock",
        style="warning",
    ),
    Action(
        _ITEM,
        "release",
        "解除诉讼保全",
        _MANAGE,
        run=lambda actor, item: retention.do_set_legal_hold(actor, item, False),
        applies=lambda item: item.legal_hold,
        not_applicable="证据未处于诉讼保全状态。",
        icon="bi-unlock",
        style="warning",
    ),
    Action(
        _ITEM,
        "delete",
        "删除",
        _MANAGE,
        run=lambda actor, item, reason: retention.do_delete(actor, item, reason),
        form=DeleteForm,
        states=_ACTIVE,
        icon="bi-trash",
        style="danger",
    ),
    Action(
        _ITEM,
        "restore",
        "恢复证据",
        _MANAGE,
        run=lambda actor, item: retention.do_restore(actor, item),
        states=(EvidenceStatus.DELETED,),
        icon="bi-arrow-counterclockwise",
        style="success",
    ),
    Action(
        "evidence.sharelink",
        "revoke",
        "撤销共享",
        "evidence.share_evidenceitem",
        run=lambda actor, share: sharing.do_revoke_share(actor, share),
        applies=lambda share: share.revoked_at is None,
        not_applicable="该共享已撤销。",
        icon="bi-x-circle",
        style="danger",
    ),
):
    actions.register(_action)  # fmt: skip
