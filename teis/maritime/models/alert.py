"""智能预警: alerts raised by the pipeline, the periodic checks and the checkpoints, with their disposal flow."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel

from ..choices import AlertKind, AlertResult, AlertStatus


class RecordFlag(models.Model):
    """What an alert or a clue says about its vessel's past: the number of earlier alerts (not false alarms) and
    cases, and the plain flag "重点关注：曾有 N 次违法/预警记录" built from it when it was raised
    (`services.risk.flag_records`)."""

    prior_records = models.PositiveIntegerField("此前违法/预警记录数", default=0)
    attention = models.CharField("重点关注", max_length=60, blank=True)

    class Meta:
        abstract = True

    def set_prior_records(self, count: int) -> None:
        self.prior_records = count
        self.attention = f"重点关注：曾有 {count} 次违法/预警记录" if count else ""


class Alert(RecordFlag, ScopedModel):
    scope_unit_field = "unit"
    scope_owner_field = "assignee"

    kind = models.CharField("告警类型", max_length=30, choices=AlertKind.choices, db_index=True)
    vessel = models.ForeignKey(
        "maritime.Vessel", verbose_name="船舶", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="处置单位", on_delete=models.PROTECT, related_name="+")
    time = models.DateTimeField("告警时间", default=timezone.now, db_index=True)
    message = models.CharField("告警内容", max_length=300)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    area = models.ForeignKey(
        "maritime.WaterArea", verbose_name="区域", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checkpoint = models.ForeignKey(
        "maritime.Checkpoint", verbose_name="卡口", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    repeat_offender = models.BooleanField("多次违法船舶", default=False)
    status = models.CharField("处置状态", max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处置人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField("指派时间", null=True, blank=True)
    handling_note = models.TextField("处置情况", blank=True)
    result = models.CharField("处置结果", max_length=20, choices=AlertResult.choices, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "水上告警"
        ordering = ["-time"]
        # 记录处置 / 办结: the assignee's own alert, or any alert in scope with change_alert (the service checks)
        permissions = [("dispose_alert", "处置受指派的水上告警")]
        indexes = [models.Index(fields=["vessel", "kind", "status"], name="maritime_alert_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.message}"
