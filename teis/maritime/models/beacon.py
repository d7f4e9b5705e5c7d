"""Aids to navigation (AIS type 21) and AIS base stations (types 4 / 11): fixed reference data the AIS stream keeps
up to date, one row per MMSI, shown as layers of the live map. Like vessels, machine telemetry visible to every user
who may view vessels (`scope_unit_field = None`)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from teis.core.models import ScopedModel

from ..choices import AID_TYPE_CHOICES, aid_type_category, aid_type_label, is_floating_aid


class AidToNavigation(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    mmsi = models.PositiveIntegerField("MMSI", unique=True)
    aid_type = models.PositiveSmallIntegerField(
        "航标类型",
        default=0,
        choices=AID_TYPE_CHOICES,
        validators=[MaxValueValidator(31)],
        help_text="ITU-R M.1371 表34代码，0–31",
    )
    name = models.CharField("航标名称", max_length=40, blank=True, db_index=True)  # 20 + 14 characters
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    virtual = models.BooleanField("虚拟航标", default=False)
    off_position = models.BooleanField("偏离位置", default=False)
    length_m = models.PositiveSmallIntegerField("长度(米)", null=True, blank=True)
    width_m = models.PositiveSmallIntegerField("宽度(米)", null=True, blank=True)
    last_time = models.DateTimeField("最新报告时间", null=True, blank=True)
    source = models.CharField("来源", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "航标"
        ordering = ["mmsi"]

    def __str__(self) -> str:
        return f"{self.name or '未知航标'}（{self.mmsi}）"

    @property
    def category(self) -> str:
        return aid_type_category(self.aid_type)

    @property
    def type_label(self) -> str:
        return aid_type_label(self.aid_type)

    @property
    def floating(self) -> bool:
        return is_floating_aid(self.aid_type)


class BaseStation(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    mmsi = models.PositiveIntegerField("MMSI", unique=True)
    name = models.CharField("基站名称", max_length=60, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    coverage_km = models.FloatField("覆盖半径(千米)", default=37.0)  # VHF range of a shore station: about 20 n mile
    station_time = models.DateTimeField("基站报告的UTC时间", null=True, blank=True)
    last_time = models.DateTimeField("最新报告时间", null=True, blank=True)
    last_msg_type = models.PositiveSmallIntegerField("报文类型", default=4)
    source = models.CharField("来源", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "AIS基站"
        ordering = ["mmsi"]

    def __str__(self) -> str:
        return f"{self.name or 'AIS基站'}（{self.mmsi}）"
