"""What core shows of 治超 records, 一超四罚, 非法客运 records, the 黑名单 and 当场处罚 decisions: lists, forms, API,
menu. Status, review and removal are never generically writable: they are the actions of `services.blacklist`
(buttons on the detail page)."""

from django.urls import reverse

from teis.core.api.serializers import ScopedModelSerializer
from teis.core.masking import mask_id_number
from teis.core.registry import MenuEntry, ModelConfig, registry

from .choices import BlacklistStatus
from .models import BlacklistEntry, FourPenaltyLink, IllegalTransportRecord, OnSpotPenalty, OverloadUnloading
from .services.blacklist import REVIEW_PERMISSION, blacklist_service, illegal_transport_service


class CasesConfig(ModelConfig):
    menu_group = "案件办理"


@registry.register
class OverloadUnloadingConfig(CasesConfig):
    model = OverloadUnloading
    list_columns = ["case", "method", "unloaded_kg", "place", "done_at"]
    ui_read_only = True  # written from the case page (services.overload)
    api_read_only = True


@registry.register
class FourPenaltyLinkConfig(CasesConfig):
    model = FourPenaltyLink
    list_columns = ["source_case", "target", "subject_name", "action", "related_case", "copy_to"]
    ui_read_only = True  # generated from the overload case (services.overload)
    api_read_only = True
    menu_label = "一超四罚"
    menu_icon = "bi-diagram-3"
    menu_order = 60


BLACKLIST_WRITABLE = ["kind", "name", "id_number", "plate", "credit_code", "reason", "source_case", "source_record"]


class BlacklistEntrySerializer(ScopedModelSerializer):
    class Meta:
        model = BlacklistEntry
        fields = ["id", *BLACKLIST_WRITABLE, "unit", "status", "reviewed_by", "reviewed_at", "review_note"]
        fields += ["removed_by", "removed_at", "removal_reason", "created_at"]
        read_only_fields = [f for f in fields if f not in BLACKLIST_WRITABLE]


@registry.register
class BlacklistEntryConfig(CasesConfig):
    model = BlacklistEntry
    list_columns = ["name", "kind", "plate", "credit_code", "unit", "status", "created_at"]
    form_fields = BLACKLIST_WRITABLE
    serializer = BlacklistEntrySerializer
    masked_fields = {"id_number": mask_id_number}
    service = blacklist_service
    menu_label = "黑名单"
    menu_icon = "bi-person-x"
    menu_order = 62

    @classmethod
    def detail_actions(cls, obj, user):
        if not user.has_perm(REVIEW_PERMISSION):
            return []
        if obj.status == BlacklistStatus.PENDING:
            return [("审核", reverse("cases:blacklist_action", args=[obj.pk, "review"]), "bi-check2-square")]
        if obj.status == BlacklistStatus.ACTIVE:
            return [("移出黑名单", reverse("cases:blacklist_action", args=[obj.pk, "remove"]), "bi-person-dash")]
        return []


ILLEGAL_WRITABLE = [
    "plate",
    "driver_name",
    "driver_id_number",
    "occurred_at",
    "place",
    "passengers",
    "description",
    "case",
]


class IllegalTransportRecordSerializer(ScopedModelSerializer):
    class Meta:
        model = IllegalTransportRecord
        fields = ["id", *ILLEGAL_WRITABLE, "unit", "created_at"]
        read_only_fields = ["unit", "created_at"]


@registry.register
class IllegalTransportRecordConfig(CasesConfig):
    model = IllegalTransportRecord
    list_columns = ["plate", "driver_name", "occurred_at", "place", "passengers", "unit"]
    form_fields = ILLEGAL_WRITABLE
    serializer = IllegalTransportRecordSerializer
    masked_fields = {"driver_id_number": mask_id_number}
    service = illegal_transport_service
    menu_label = "非法客运记录"
    menu_icon = "bi-car-front"
    menu_order = 61

    @classmethod
    def detail_actions(cls, obj, user):
        if user.has_perm("cases.add_blacklistentry"):
            return [("列入黑名单", reverse("cases:blacklist_from_record", args=[obj.pk]), "bi-person-x")]
        return []


@registry.register
class OnSpotPenaltyConfig(CasesConfig):
    model = OnSpotPenalty
    list_columns = ["case", "penalty_kind", "fine_amount", "decided_at", "decided_by", "collected_on_spot", "filed_at"]
    ui_read_only = True  # made by services.simplified (page /cases/on-spot/new/ and the mobile API)
    api_read_only = True

    @classmethod
    def detail_actions(cls, obj, user):
        return [("案件详情", reverse("cases:case_detail", args=[obj.case_id]), "bi-folder2-open")]


registry.add_menu(
    MenuEntry("当场处罚", "cases:on_spot_penalty", "cases.add_enforcementcase", "案件办理", "bi-lightning", 12)
)
registry.add_menu(
    MenuEntry(
        "执法对象预查询", "cases:party_lookup", "cases.view_enforcementcase", "案件办理", "bi-person-bounding-box", 13
    )
)
