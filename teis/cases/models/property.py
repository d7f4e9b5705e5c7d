"""涉案财物: property seized or sealed in a case, kept by a unit in a named custody place; impounded vehicles
parked in car parks (扣押车辆停车管理) with their entry, release document and parking fee."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel

from ..choices import PropertyKind, PropertyStatus
from .case import EnforcementCase


class CustodyPlace(ScopedModel):
    """保管场所: a named store room, warehouse or yard of a unit where seized property is kept."""

    scope_unit_field = "unit"
    scope_owner_field = None

    name = models.CharField("场所名称", max_length=100)
    unit = models.ForeignKey("org.Unit", verbose_name="管理单位", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地址", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "财物保管场所"
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="custody_place_unit_name_uniq")]

    def __str__(self) -> str:
        return self.name


class CarPark(ScopedModel):
    """扣押车辆停车场 with its daily tariff (configurable per car park)."""

    scope_unit_field = "unit"
    scope_owner_field = None

    name = models.CharField("停车场名称", max_length=100)
    unit = models.ForeignKey("org.Unit", verbose_name="管理单位", on_delete=models.PROTECT, related_name="+")
    address = models.CharField("地址", max_length=200, blank=True)
    daily_tariff = models.DecimalField("收费标准（元/日）", max_digits=8, decimal_places=2)
    capacity = models.PositiveIntegerField("车位数", default=0, help_text="0 表示不限")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "扣押车辆停车场"
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="car_park_unit_name_uniq")]

    def __str__(self) -> str:
        return self.name


class CaseProperty(ScopedModel):
    """涉案财物: registered with the case, transferred with it, kept by the handling unit."""

    scope_unit_field = "keeper_unit"
    scope_owner_field = None

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.PROTECT, related_name="properties")
    kind = models.CharField("类别", max_length=12, choices=PropertyKind.choices)
    description = models.CharField("名称及特征", max_length=200)
    quantity = models.PositiveIntegerField("数量", default=1)
    plate = models.CharField("车牌号", max_length=10, blank=True)
    keeper_unit = models.ForeignKey("org.Unit", verbose_name="保管单位", on_delete=models.PROTECT, related_name="+")
    custody_place = models.ForeignKey(
        CustodyPlace, verbose_name="保管场所", null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    storage_place = models.CharField("存放位置", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=PropertyStatus.choices, default=PropertyStatus.SEIZED)
    seized_at = models.DateTimeField("扣押时间", default=timezone.now)
    custody_until = models.DateField("保管期限", null=True, blank=True)
    disposed_at = models.DateTimeField("处置时间", null=True, blank=True)
    disposal_note = models.CharField("处置说明", max_length=300, blank=True)
    auction_date = models.DateField("拍卖日期", null=True, blank=True)
    auction_price = models.DecimalField("成交价（元）", max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "涉案财物"
        ordering = ["-seized_at"]

    def __str__(self) -> str:
        return self.description


class ParkingRecord(ScopedModel):
    """A vehicle's stay in a car park: entry, and at release the 放行单 (who released it, when, to whom) and
    the parking fee fixed at that moment (`services.parking.parking_fee`)."""

    scope_unit_field = "car_park__unit"
    scope_owner_field = None

    property = models.ForeignKey(
        CaseProperty, verbose_name="涉案车辆", on_delete=models.PROTECT, related_name="parking_records"
    )
    car_park = models.ForeignKey(CarPark, verbose_name="停车场", on_delete=models.PROTECT, related_name="records")
    plate = models.CharField("车牌号", max_length=10, db_index=True)
    space = models.CharField("车位", max_length=30, blank=True)
    entered_at = models.DateTimeField("入场时间", default=timezone.now)
    released_at = models.DateTimeField("放行时间", null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="放行人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    released_to = models.CharField("提车人", max_length=100, blank=True)
    release_number = models.CharField("放行单号", max_length=40, blank=True)
    release_note = models.CharField("放行说明", max_length=300, blank=True)
    parking_days = models.PositiveIntegerField("停车天数", null=True, blank=True)
    parking_fee = models.DecimalField("停车费（元）", max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "扣押车辆停放记录"
        ordering = ["-entered_at"]
        constraints = [
            # a vehicle is in at most one car park at a time
            models.UniqueConstraint(
                fields=["property"], condition=models.Q(released_at__isnull=True), name="parking_one_open_per_vehicle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plate}（{self.car_park}）"
