"""涉案财物: property seized or sealed in a case, kept by a unit."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel

from ..choices import PropertyKind, PropertyStatus
from .case import EnforcementCase


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
    storage_place = models.CharField("存放地点", max_length=200, blank=True)
    status = models.CharField("状态", max_length=12, choices=PropertyStatus.choices, default=PropertyStatus.SEIZED)
    seized_at = models.DateTimeField("扣押时间", default=timezone.now)
    custody_until = models.DateField("保管期限", null=True, blank=True)
    disposed_at = models.DateTimeField("处置时间", null=True, blank=True)
    disposal_note = models.CharField("处置说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "涉案财物"
        ordering = ["-seized_at"]

    def __str__(self) -> str:
        return self.description
