"""Geofences (执法区域, 禁入区域, 重点区域), alarms (告警) and text messages down to terminals (信息下发)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel

from ..choices import AlarmKind, CommandStatus, GeofenceKind


class Geofence(ScopedModel):
    """A custom area. A vehicle's patrol area is its unit's 辖区 (Unit.jurisdiction, from the nearest unit up
    the tree that has one) plus the unit's `patrol_area` fences; `restricted` fences apply to the vehicles of
    the fence's unit and its subtree; `key_area` fences must be patrolled every month (区域监管)."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=GeofenceKind.choices, default=GeofenceKind.RESTRICTED)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    geometry = models.JSONField("范围", help_text="GeoJSON Polygon / MultiPolygon（WGS-84）")
    dwell_seconds = models.PositiveIntegerField(
        "驻留判定(秒)", null=True, blank=True, help_text="进出持续多久才算数；空 = 系统默认"
    )
    monthly_patrols = models.PositiveSmallIntegerField("每月最少巡查次数", default=1, help_text="仅重点区域")
    is_active = models.BooleanField("启用", default=True)
    remark = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "电子围栏"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Alarm(ScopedModel):
    """One alarm with a start and (when the condition clears) an end; acknowledged with a note. At most one
    open alarm per vehicle (or officer), kind and fence: repeats extend it instead of adding rows."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    kind = models.CharField("告警类型", max_length=30, choices=AlarmKind.choices)
    vehicle = models.ForeignKey(
        "dispatch.PatrolVehicle",
        verbose_name="车辆",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alarms",
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    fence = models.ForeignKey(Geofence, verbose_name="围栏", null=True, blank=True, on_delete=models.SET_NULL)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    message = models.CharField("告警内容", max_length=300)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ack_note = models.CharField("处理说明", max_length=500, blank=True)
    case = models.ForeignKey(
        "cases.EnforcementCase",
        verbose_name="关联案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seq = models.BigIntegerField("变更序号", default=0, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "告警"
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["vehicle", "kind", "ended_at"]), models.Index(fields=["ended_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.vehicle or self.officer or ''}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class TerminalCommand(ScopedModel):
    """A text message down to a terminal (JT/T 808 0x8300, 指挥中心信息下发); the gateway polls the pending
    ones and marks them sent / acked / failed."""

    vehicle = models.ForeignKey(
        "dispatch.PatrolVehicle", verbose_name="车辆", on_delete=models.CASCADE, related_name="commands"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    phone = models.CharField("终端手机号", max_length=20, db_index=True)
    text = models.CharField("内容", max_length=500)
    flags = models.PositiveSmallIntegerField("标志", default=0b1100, help_text="0x8300 标志位：显示 + TTS 播读")
    status = models.CharField("状态", max_length=10, choices=CommandStatus.choices, default=CommandStatus.PENDING)
    detail = models.CharField("结果说明", max_length=300, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    acked_at = models.DateTimeField("确认时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "信息下发"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "phone"])]

    def __str__(self) -> str:
        return f"{self.vehicle}: {self.text[:20]}"
