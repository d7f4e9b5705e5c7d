"""Requests within a case that a leader decides: 回避, 协助调查, 证据先行登记保存, 延期 / 分期缴纳罚款. One model
serves the five: what differs is which fields a kind needs (checked by `services.requests`) and what approval
does to the case."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teis.core.models import ScopedModel

from ..choices import CaseRequestKind, CaseRequestStatus
from .case import EnforcementCase


class CaseRequest(ScopedModel):
    scope_unit_field = "case__unit"
    scope_owner_field = "created_by"
    # an approved 协助调查 is seen (and answered) by the unit asked to assist as well
    scope_shared_unit_field = "assist_unit"
    scope_shared_when = {
        "kind": CaseRequestKind.ASSISTANCE,
        "status__in": (CaseRequestStatus.APPROVED, CaseRequestStatus.DONE),
    }

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField("申请事项", max_length=14, choices=CaseRequestKind.choices)
    reason = models.TextField("理由及事项", help_text="回避理由、协助调查事项、保存理由或经济困难情况")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请回避的执法人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assist_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="协助单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"is_active": True},
    )
    items = models.TextField("先行登记保存的证据清单", blank=True)
    new_due = models.DateField("延期至", null=True, blank=True)
    instalments = models.PositiveSmallIntegerField("分期期数", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=CaseRequestStatus.choices, default=CaseRequestStatus.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.CharField("审批意见", max_length=300, blank=True)
    replacement = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更换的执法人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.TextField("协助调查结果", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办案申请"
        ordering = ["-created_at"]
        permissions = [("decide_caserequest", "审批办案申请（回避、协助调查、先行登记保存、延期分期）")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.case.title[:30]}）"
