"""信息派发: violations detected by stations, and each station's default unit and officer."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teis.core.models import ScopedModel
from teis.core.timetext import local_text

from ..choices import RecordStatus
from .case import EnforcementCase


class ViolationRecord(ScopedModel):
    """信息派发: a violation detected by a station, assigned to a unit and officer, then made a case."""

    scope_unit_field = "unit"
    scope_owner_field = "officer"

    station = models.CharField("检测站点", max_length=100, db_index=True)
    detected_at = models.DateTimeField("检测时间", db_index=True)
    plate = models.CharField("车牌号", max_length=10, db_index=True)
    violation_code = models.ForeignKey(
        "legal.ViolationCode",
        verbose_name="违章代码",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField("违法情况", max_length=300, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name="执法机构", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执法人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField("状态", max_length=14, choices=RecordStatus.choices, default=RecordStatus.NEW)
    case = models.ForeignKey(
        EnforcementCase, verbose_name="案件", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField("来源编号", max_length=64, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "违法信息派发"
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.station} {self.plate} {local_text(self.detected_at)}"


class StationAssignment(models.Model):
    """The default unit and officer of a detection station."""

    station = models.CharField("检测站点", max_length=100, unique=True)
    unit = models.ForeignKey("org.Unit", verbose_name="默认执法机构", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="默认执法人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "站点派发规则"
        ordering = ["station"]  # the generic list and API page through it

    def __str__(self) -> str:
        return self.station
