"""执法监督: monitoring warnings on cases and case-file sampling reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teis.core.models import ScopedModel

from ..choices import WarningKind
from .case import EnforcementCase


class MonitoringWarning(ScopedModel):
    """执法全过程智能监控: an open warning on a case for its officer and their leader."""

    scope_unit_field = "case__unit"
    scope_owner_field = "case__handler"

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="warnings")
    kind = models.CharField("监控点", max_length=20, choices=WarningKind.choices)
    message = models.CharField("说明", max_length=300)
    is_open = models.BooleanField("未处理", default=True, db_index=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "执法监控预警"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(is_open=True), name="uniq_open_warning_per_kind"
            )
        ]

    def __str__(self) -> str:
        return self.message


class CaseReview(ScopedModel):
    """案件抽查: a closed case drawn for review, with the reviewer's score and comments."""

    scope_unit_field = "case__unit"
    scope_owner_field = "reviewer"

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="reviews")
    batch = models.CharField("抽查批次", max_length=60, db_index=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评查人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.PositiveSmallIntegerField("评分", null=True, blank=True)
    comments = models.TextField("评查意见", blank=True)
    reviewed_at = models.DateTimeField("评查时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件抽查"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["case", "batch"], name="uniq_case_review_batch")]

    def __str__(self) -> str:
        return f"{self.batch} {self.case}"
