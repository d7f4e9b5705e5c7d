"""简易程序 (当场处罚): the on-the-spot decision as recorded by the officer and its 备案."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teis.core.models import ScopedModel

from ..choices import OnSpotPenaltyKind
from .case import EnforcementCase


class OnSpotPenalty(ScopedModel):
    """当场处罚决定 (行政处罚法 art. 51–52, 68): penalty, legal basis, collection on the spot, then 备案."""

    scope_unit_field = "case__unit"
    scope_owner_field = "case__handler"

    case = models.OneToOneField(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="on_spot")
    penalty_kind = models.CharField("处罚种类", max_length=10, choices=OnSpotPenaltyKind.choices)
    fine_amount = models.DecimalField("罚款金额（元）", max_digits=8, decimal_places=2, null=True, blank=True)
    legal_basis = models.TextField("法律依据")
    decided_at = models.DateTimeField("决定时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="执法人员", on_delete=models.PROTECT, related_name="+"
    )
    collected_on_spot = models.BooleanField("当场收缴", default=False)
    collection_reason = models.CharField("当场收缴情形", max_length=100, blank=True)
    receipt_number = models.CharField("罚没款收据号", max_length=40, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="备案人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "当场处罚决定"
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return f"{self.case.file_number or self.case_id} {self.get_penalty_kind_display()}"
