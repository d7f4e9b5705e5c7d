"""Vessels (keyed by MMSI), their certificates, every AIS fix and the events derived from them.

Vessels and positions are machine telemetry and reference data, not organisation-bound records: every user
who may view them sees all of them (`scope_unit_field = None`).
"""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from teis.core.fields import EncryptedCharField
from teis.core.models import ScopedModel
from teis.core.settings_record import SettingsRecord
from teis.core.timetext import SECOND, local_text

from ..choices import AisClass, EventKind, MotionState, ShipCategory, ship_category, ship_type_text


class Vessel(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    mmsi = models.PositiveIntegerField("MMSI", unique=True)
    name = models.CharField("船名", max_length=60, blank=True, db_index=True)
    call_sign = models.CharField("呼号", max_length=20, blank=True, db_index=True)
    imo = models.PositiveIntegerField("IMO", null=True, blank=True)
    # the ITU-R M.1371 code as sent, reserved and regional codes included (0–255); its category: `ship_type_label`
    ship_type = models.PositiveSmallIntegerField(
        "AIS船舶类型",
        null=True,
        blank=True,
        validators=[MaxValueValidator(255)],
        help_text="ITU-R M.1371 表53代码，0–255",
    )
    category = models.CharField(
        "船舶类别", max_length=20, choices=ShipCategory.choices, default=ShipCategory.OTHER, db_index=True
    )
    length_m = models.PositiveSmallIntegerField("船长(米)", null=True, blank=True)
    width_m = models.PositiveSmallIntegerField("船宽(米)", null=True, blank=True)
    draught_m = models.FloatField("吃水(米)", null=True, blank=True)
    destination = models.CharField("目的地", max_length=40, blank=True)
    eta = models.DateTimeField("预计到达", null=True, blank=True)
    ais_class = models.CharField("AIS类别", max_length=1, choices=AisClass.choices, default=AisClass.A)
    # registry data (船舶登记信息)
    owner = models.CharField("船舶所有人", max_length=100, blank=True)
    owner_address = EncryptedCharField("所有人地址", max_plain_length=200)  # personal data: SM4 at rest
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    phone = EncryptedCharField("联系电话", max_plain_length=30)
    registry_port = models.CharField("船籍港", max_length=50, blank=True)
    registered_type = models.PositiveSmallIntegerField("登记船舶类型", null=True, blank=True)
    dangerous_goods = models.BooleanField("危险品船舶", default=False, db_index=True)
    high_risk = models.BooleanField("高风险船舶", default=False)
    is_key = models.BooleanField("重点船舶", default=False)
    registry_source = models.CharField("登记信息来源", max_length=50, blank=True)
    registry_checked_at = models.DateTimeField("登记信息查询时间", null=True, blank=True)
    risk_score = models.FloatField("风险评分", default=0)
    repeat_offender = models.BooleanField("多次违法", default=False)
    # latest fix, cached on the row (the pipeline updates it per batch). No index on these columns, and the table
    # has free room in its pages (fillfactor, migration 0002): the per-batch UPDATE of every vessel heard is then
    # a HOT update (no index entries written), several times cheaper; the few thousand rows scan fast.
    last_time = models.DateTimeField("最新定位时间", null=True, blank=True)
    last_lon = models.FloatField("经度", null=True, blank=True)
    last_lat = models.FloatField("纬度", null=True, blank=True)
    last_sog = models.FloatField("航速(节)", null=True, blank=True)
    last_cog = models.FloatField("航向(度)", null=True, blank=True)
    last_heading = models.SmallIntegerField("船首向", null=True, blank=True)
    last_nav_status = models.SmallIntegerField("航行状态", null=True, blank=True)
    motion_state = models.CharField("运动状态", max_length=10, choices=MotionState.choices, default=MotionState.UNKNOWN)
    live_seq = models.BigIntegerField("推送序号", default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "船舶"
        ordering = ["mmsi"]

    def __str__(self) -> str:
        return f"{self.name or '未知船名'}（{self.mmsi}）"

    @property
    def ship_type_label(self) -> str:
        """The code with its category: "66 · 客船", "9 · 保留/未定义（代码 9）", "未提供"."""
        return ship_type_text(self.ship_type)

    @property
    def registered_type_label(self) -> str:
        return ship_type_text(self.registered_type)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.category = ship_category(self.ship_type)
        super().save(*args, **kwargs)


class VesselCertificate(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    vessel = models.ForeignKey(Vessel, verbose_name="船舶", on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField("证书名称", max_length=60)
    number = models.CharField("证书编号", max_length=60, blank=True)
    valid_from = models.DateField("有效期起", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "船舶证书"
        ordering = ["vessel", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"

    def is_valid_on(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is not None and day <= self.valid_until
        )


class VesselPosition(models.Model):
    """One AIS fix. Written in bulk by the pipeline; never edited."""

    # no database constraint: PostgreSQL would check the key of every fix at each batch's commit (the deferred
    # check was a third of the commit); the pipeline only writes ids it has just read, and deleting a vessel
    # still deletes its fixes (Django's CASCADE). No index of its own either: (vessel, time) below serves every
    # look-up by vessel, and each index is one more B-tree insert per fix in the pipeline's COPY
    vessel = models.ForeignKey(
        Vessel, verbose_name="船舶", on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    time = models.DateTimeField("时间")
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    sog = models.FloatField("航速(节)", null=True, blank=True)
    cog = models.FloatField("航向(度)", null=True, blank=True)
    heading = models.SmallIntegerField("船首向", null=True, blank=True)
    nav_status = models.SmallIntegerField("航行状态", null=True, blank=True)
    source = models.CharField("来源", max_length=30, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "船舶定位"
        indexes = [models.Index(fields=["vessel", "time"], name="maritime_pos_vessel_time")]

    def __str__(self) -> str:
        return f"{self.vessel_id}@{local_text(self.time, SECOND)}"


class VesselEvent(ScopedModel):
    scope_unit_field = None
    scope_owner_field = None

    vessel = models.ForeignKey(Vessel, verbose_name="船舶", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("事件类型", max_length=20, choices=EventKind.choices, db_index=True)
    time = models.DateTimeField("时间", db_index=True)
    detail = models.CharField("说明", max_length=300, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    area = models.ForeignKey(
        "maritime.WaterArea", verbose_name="区域", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "船舶事件"
        ordering = ["-time"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.detail}"


class DangerousGoodsRecord(models.Model):
    """危险品船舶连续记录: a dangerous-goods vessel's position, at most one a minute."""

    vessel = models.ForeignKey(Vessel, verbose_name="船舶", on_delete=models.CASCADE, related_name="+")
    time = models.DateTimeField("时间", db_index=True)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    sog = models.FloatField("航速(节)", null=True, blank=True)
    area = models.ForeignKey(
        "maritime.WaterArea",
        verbose_name="所在区域",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "危险品船舶记录"
        ordering = ["-time"]


class WatchGroup(ScopedModel):
    """关注船舶分组: a user's own list of vessels."""

    scope_unit_field = None
    scope_owner_field = "created_by"

    name = models.CharField("分组名称", max_length=50)
    vessels = models.ManyToManyField(Vessel, verbose_name="船舶", blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "关注船舶分组"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrackingTask(ScopedModel):
    """重点船舶追踪: while active, the vessels' events are recorded and the chosen events raise alerts."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    name = models.CharField("追踪名称", max_length=60)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    vessels = models.ManyToManyField(Vessel, verbose_name="追踪船舶", related_name="tracking_tasks")
    record_positions = models.BooleanField("记录轨迹", default=True)
    alert_events = models.JSONField("告警事件", default=list, blank=True, help_text="事件类型编码列表")
    is_active = models.BooleanField("追踪中", default=True)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    stopped_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "船舶追踪"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return self.name


class MaritimeSettings(SettingsRecord):
    """Thresholds of the smart alerts and the risk weights (one row, `MaritimeSettings.current()`, served from a
    process-local copy dropped on save); the command centre edits them on 水上执法 → 水上告警阈值, audited."""

    dark_factor = models.FloatField("AIS消失倍数k", default=6.0)
    class_a_interval_s = models.PositiveIntegerField("A类航行报告间隔(秒)", default=10)
    class_a_stopped_interval_s = models.PositiveIntegerField("A类停泊报告间隔(秒)", default=180)
    class_b_interval_s = models.PositiveIntegerField("B类报告间隔(秒)", default=30)
    stopped_sog_kn = models.FloatField("停船航速阈值(节)", default=0.5)
    drifting_sog_kn = models.FloatField("漂航航速上限(节)", default=2.0)
    drifting_angle_deg = models.FloatField("漂航航向偏差(度)", default=30.0)
    fusion_window_s = models.PositiveIntegerField("融合时间窗(秒)", default=120)
    fusion_radius_m = models.PositiveIntegerField("融合距离(米)", default=500)
    weight_alert = models.FloatField("风险权重：告警", default=1.0)
    weight_control = models.FloatField("风险权重：管控", default=2.0)
    weight_case = models.FloatField("风险权重：案件", default=5.0)
    repeat_offender_cases = models.PositiveSmallIntegerField("多次违法案件数", default=2)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "水上告警阈值"

    def __str__(self) -> str:
        return "水上告警阈值"


__all__ = [
    "DangerousGoodsRecord",
    "MaritimeSettings",
    "TrackingTask",
    "Vessel",
    "VesselCertificate",
    "VesselEvent",
    "VesselPosition",
    "WatchGroup",
]
