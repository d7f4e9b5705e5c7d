"""治超 (spec §2.5.1.18, §2.6.1.8): the 卸载 / 转运 of the goods above the limit and the 一超四罚 objects generated
from an overload case (the vehicle, the driver, the transport operator, the source loading site)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel

from ..choices import FourPenaltyAction, FourPenaltyTarget, OverloadDisposal
from .case import EnforcementCase


class OverloadUnloading(ScopedModel):
    """卸载 / 转运记录 of an overload case."""

    scope_unit_field = "case__unit"
    scope_owner_field = None

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.PROTECT, related_name="unloadings")
    method = models.CharField("方式", max_length=10, choices=OverloadDisposal.choices)
    unloaded_kg = models.PositiveIntegerField("卸载/转运重量（千克）")
    place = models.CharField("地点", max_length=200)
    done_at = models.DateTimeField("完成时间", default=timezone.now)
    receiver = models.CharField("接收车辆或单位", max_length=100, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "卸载转运记录"
        ordering = ["-done_at"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.unloaded_kg} kg"


class FourPenaltyLink(ScopedModel):
    """一超四罚: one related object of an overload case, handled as its own pre-registered case (when this unit
    has the power) or as a 抄告 to the authority that has it; linked to the first case."""

    scope_unit_field = "source_case__unit"
    scope_owner_field = None

    source_case = models.ForeignKey(
        EnforcementCase, verbose_name="超限案件", on_delete=models.PROTECT, related_name="four_penalty_links"
    )
    target = models.CharField("处罚对象", max_length=14, choices=FourPenaltyTarget.choices)
    subject_name = models.CharField("对象名称", max_length=200)
    identifier = models.CharField("证照号/车牌号", max_length=60, blank=True)
    action = models.CharField("处理方式", max_length=12, choices=FourPenaltyAction.choices)
    related_case = models.ForeignKey(
        EnforcementCase, verbose_name="关联案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    copy_to = models.CharField("抄告单位", max_length=100, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "一超四罚"
        ordering = ["source_case", "id"]
        constraints = [models.UniqueConstraint(fields=["source_case", "target"], name="four_penalty_one_per_target")]

    def __str__(self) -> str:
        return f"{self.get_target_display()}：{self.subject_name}"
