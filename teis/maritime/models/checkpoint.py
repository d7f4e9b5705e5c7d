"""卡口 (monitoring points), the perceptions their devices send, and the non-site enforcement clues made from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.fields import EncryptedCharField
from teis.core.models import ScopedModel
from teis.core.timetext import local_text

from ..choices import ClueStatus
from .alert import RecordFlag


class Checkpoint(ScopedModel):
    scope_unit_field = "unit"
    scope_owner_field = None

    code = models.CharField("卡口编号", max_length=30, unique=True)
    name = models.CharField("卡口名称", max_length=60)
    unit = models.ForeignKey("org.Unit", verbose_name="管辖单位", on_delete=models.PROTECT, related_name="+")
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    coverage = models.JSONField("覆盖范围(GeoJSON面)", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "监测卡口"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Perception(ScopedModel):
    """One detection a front-end device sent, with the AIS track it was fused with."""

    scope_unit_field = "checkpoint__unit"
    scope_owner_field = None

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name="卡口", on_delete=models.PROTECT, related_name="perceptions"
    )
    time = models.DateTimeField("抓拍时间", db_index=True)
    full_image = models.CharField("全景图", max_length=300, blank=True)
    closeup_image = models.CharField("特写图", max_length=300, blank=True)
    full_image_sm3 = models.CharField("全景图SM3", max_length=64, blank=True)
    closeup_image_sm3 = models.CharField("特写图SM3", max_length=64, blank=True)
    recognised_name = models.CharField("设备识别船名", max_length=60, blank=True)
    ocr_name = models.CharField("OCR识别船名", max_length=60, blank=True)
    ai_flags = models.JSONField("AI识别标记", default=dict, blank=True)
    ship_type_text = models.CharField("识别船型", max_length=30, blank=True)
    reported_mmsi = models.PositiveIntegerField("设备上报MMSI", null=True, blank=True)
    vessel = models.ForeignKey(
        "maritime.Vessel", verbose_name="融合船舶", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField("融合置信度", null=True, blank=True)
    fusion_distance_m = models.FloatField("融合距离(米)", null=True, blank=True)
    fusion_dt_s = models.FloatField("融合时间差(秒)", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "卡口感知"
        ordering = ["-time"]

    def __str__(self) -> str:
        return f"{self.checkpoint} {local_text(self.time)}"

    @property
    def ship_name(self) -> str:
        return self.recognised_name or self.ocr_name or (self.vessel.name if self.vessel_id else "")


class Clue(RecordFlag, ScopedModel):
    """非现场执法线索 with its 案件要素; 智能筛选 → 审核 (BPMN `maritime_clue`) → 非现场 pre-registration."""

    scope_unit_field = "unit"
    scope_owner_field = None

    perception = models.ForeignKey(
        Perception, verbose_name="感知记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="clues"
    )
    vessel = models.ForeignKey(
        "maritime.Vessel", verbose_name="船舶", null=True, blank=True, on_delete=models.SET_NULL, related_name="clues"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="管辖单位", on_delete=models.PROTECT, related_name="+")
    ship_name = models.CharField("船名", max_length=60, blank=True)
    time = models.DateTimeField("发现时间", default=timezone.now)
    owner = models.CharField("船舶所有人", max_length=100, blank=True)
    owner_address = EncryptedCharField("所有人地址", max_plain_length=200)  # personal data: SM4 at rest
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    phone = EncryptedCharField("联系电话", max_plain_length=30)
    ship_type = models.CharField("船舶类型", max_length=30, blank=True)
    registry_port = models.CharField("船籍港", max_length=50, blank=True)
    heading = models.CharField("航向", max_length=20, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    summary = models.TextField("违法情况摘要", blank=True)
    repeat_offender = models.BooleanField("多次违法船舶", default=False)
    status = models.CharField("线索状态", max_length=10, choices=ClueStatus.choices, default=ClueStatus.NEW)
    process = models.ForeignKey(
        "workflow.ProcessInstance",
        verbose_name="审核流程",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.EnforcementCase",
        verbose_name="预登记案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="筛选人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "非现场执法线索"
        ordering = ["-time"]

    def __str__(self) -> str:
        return f"{self.ship_name or '未识别船舶'} {local_text(self.time)}"
