"""What core shows of 涉案财物 and 扣押车辆停车管理: lists, forms, API, menu (案件办理 → 涉案财物 / 保管场所 /
停车场 / 在场车辆). Property and parking records are written only through their services (case page and the
property page's buttons); custody places and car parks are plain configuration of the custodian."""

from django.urls import reverse

from teis.core.api.serializers import ScopedModelSerializer
from teis.core.registry import MenuEntry, ModelConfig, registry

from .models import CarPark, CaseProperty, CustodyPlace, ParkingRecord


class CasesConfig(ModelConfig):
    menu_group = "案件办理"


@registry.register
class CasePropertyConfig(CasesConfig):
    model = CaseProperty
    list_columns = ["description", "kind", "plate", "case", "keeper_unit", "custody_place", "status", "custody_until"]
    detail_fields = [
        "case",
        "kind",
        "description",
        "quantity",
        "plate",
        "keeper_unit",
        "custody_place",
        "storage_place",
        "status",
        "seized_at",
        "custody_until",
        "disposed_at",
        "disposal_note",
        "auction_date",
        "auction_price",
    ]
    ui_read_only = True  # registered from the case page, moved by the property services
    api_read_only = True
    menu_label = "涉案财物"
    menu_icon = "bi-box-seam"
    menu_order = 50

    @classmethod
    def detail_actions(cls, obj, user):
        actions = [("案件详情", reverse("cases:case_detail", args=[obj.case_id]), "bi-folder2-open")]
        return actions + [
            (label, reverse("cases:property_action", args=[obj.pk, name]), icon)
            for name, label, icon in available_property_actions(obj, user)
        ]


def available_property_actions(prop, user) -> list[tuple[str, str, str]]:
    from .views.custody import ACTIONS

    return [(name, a.label, a.icon) for name, a in ACTIONS.items() if a.available(prop, user)]


@registry.register
class CustodyPlaceConfig(CasesConfig):
    model = CustodyPlace
    list_columns = ["name", "unit", "address", "is_active"]
    form_fields = ["name", "unit", "address", "is_active"]
    menu_label = "财物保管场所"
    menu_icon = "bi-building-lock"
    menu_order = 51


class CarParkSerializer(ScopedModelSerializer):
    class Meta:
        model = CarPark
        fields = ["id", "name", "unit", "address", "daily_tariff", "capacity", "is_active"]


@registry.register
class CarParkConfig(CasesConfig):
    model = CarPark
    list_columns = ["name", "unit", "daily_tariff", "capacity", "is_active"]
    form_fields = ["name", "unit", "address", "daily_tariff", "capacity", "is_active"]
    serializer = CarParkSerializer
    menu_label = "扣押车辆停车场"
    menu_icon = "bi-p-square"
    menu_order = 52


@registry.register
class ParkingRecordConfig(CasesConfig):
    model = ParkingRecord
    list_columns = ["plate", "car_park", "space", "entered_at", "released_at", "released_to", "parking_fee"]
    detail_fields = [
        "property",
        "car_park",
        "plate",
        "space",
        "entered_at",
        "released_at",
        "released_by",
        "released_to",
        "release_number",
        "release_note",
        "parking_days",
        "parking_fee",
    ]
    ui_read_only = True
    api_read_only = True
    menu_label = "扣押车辆停放记录"
    menu_icon = "bi-car-front"
    menu_order = 53

    @classmethod
    def detail_actions(cls, obj, user):
        actions = [("涉案财物", reverse("cases:caseproperty_detail", args=[obj.property_id]), "bi-box-seam")]
        if obj.released_at is None and user.has_perm("cases.change_parkingrecord"):
            actions.append(("出场放行", reverse("cases:parking_release", args=[obj.pk]), "bi-box-arrow-right"))
        if obj.released_at is not None:
            actions.append(("放行单", reverse("cases:parking_release_slip", args=[obj.pk]), "bi-receipt"))
        return actions


registry.add_menu(
    MenuEntry("在场车辆", "cases:vehicles_held", "cases.view_parkingrecord", "案件办理", "bi-car-front-fill", 54)
)
