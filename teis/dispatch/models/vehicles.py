"""执法车辆 / 执法船艇 with their terminal, and the static map layers (检查站, 治超站)."""

from __future__ import annotations

from django.db import models

from teis.core.models import ScopedModel
from teis.org.models import business_line_choices

from ..choices import CheckpointKind, VehicleKind, VehicleStatus

_HEX = frozenset("0123456789abcdef")


def device_key(value: str) -> str:
    """The key a device is looked up by: JT/T 808 phones are BCD with leading zeros (12 digits in 2013, 20 in
    2019), so a phone loses its leading zeros; some terminals put hex digits a–f in the field (the gateway reads
    them as lower-case hex text), so any id made of hex digits only is compared in lower case without leading
    zeros; other ids are kept as given (trimmed, lower case)."""
    value = (value or "").strip().lower()
    if value and _HEX.issuperset(value):
        return value.lstrip("0") or "0"
    return value


class PatrolVehicle(ScopedModel):
    """One enforcement vehicle or boat (`kind`) with its terminal: a JT/T 808 phone number or another
    device id (OsmAnd/Traccar, a phone app). Terminal registration state lives here (one terminal per
    vehicle), written only by `services.terminals`."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    plate = models.CharField("车牌号/船名", max_length=40, unique=True)
    kind = models.CharField("类型", max_length=20, choices=VehicleKind.choices, default=VehicleKind.CAR)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    business_line = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="业务条线",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to=business_line_choices,
        related_name="+",
    )
    terminal_phone = models.CharField(
        "终端手机号",
        max_length=20,
        blank=True,
        help_text="JT/T 808 终端手机号（BCD，最长 20 位；个别终端含十六进制 a–f）",
    )
    device_id = models.CharField("其他设备号", max_length=64, blank=True, help_text="OsmAnd/Traccar 等设备标识")
    status = models.CharField("状态", max_length=20, choices=VehicleStatus.choices, default=VehicleStatus.IN_SERVICE)
    remark = models.CharField("备注", max_length=300, blank=True)
    # terminal registration (JT/T 808 0x0100 / 0x0102), written by services.terminals only
    terminal_registered = models.BooleanField("终端已注册", default=False, editable=False)
    terminal_id = models.CharField("终端 ID", max_length=30, blank=True, editable=False)
    terminal_maker = models.CharField("终端制造商", max_length=20, blank=True, editable=False)
    terminal_model = models.CharField("终端型号", max_length=30, blank=True, editable=False)
    auth_code = models.CharField("鉴权码", max_length=40, blank=True, editable=False)
    terminal_online = models.BooleanField("终端在线", default=False, editable=False)
    terminal_seen_at = models.DateTimeField("终端最近通信", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "执法车辆船艇"
        ordering = ["unit__path", "plate"]
        indexes = [models.Index(fields=["terminal_phone"]), models.Index(fields=["device_id"])]

    def __str__(self) -> str:
        return self.plate


class Checkpoint(ScopedModel):
    """A static point on the GIS map: 检查站, 治超站, 监测点."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=CheckpointKind.choices, default=CheckpointKind.CHECKPOINT)
    unit = models.ForeignKey("org.Unit", verbose_name="管理单位", on_delete=models.PROTECT, related_name="+")
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    address = models.CharField("地址", max_length=200, blank=True)
    remark = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查站与治超站"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name
