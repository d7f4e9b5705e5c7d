"""The case record (案卷) kept step by step: 笔录 with questions and answers, hand-recorded payments, and 更正
requests after the decision. The facts decided once per case (proposal, review, notice, decision, service,
closing, archive) are on `CaseDecision` (models/decision.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from ..choices import CorrectionStatus, RecordKind
from .case import EnforcementCase


class _Entry(models.Model):
    """A row of the case record: when and by whom it was written (the audit trail has the rest)."""

    created_at = models.DateTimeField("记录时间", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人员",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True


class CaseRecord(_Entry):
    """笔录: 询问 / 勘验 / 现场 / 陈述申辩 / 听证. `qa` holds [{"q": 问, "a": 答}, …] in order."""

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="records")
    kind = models.CharField("笔录类型", max_length=12, choices=RecordKind.choices)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="记录人", on_delete=models.PROTECT, related_name="+"
    )
    interviewee = models.CharField("被询问人/见证人", max_length=100, blank=True)
    content = models.TextField("内容", blank=True)
    qa = models.JSONField("问答", default=list, blank=True)
    step = models.CharField("环节", max_length=60, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "笔录"
        ordering = ["case", "started_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.interviewee}".strip()


class CasePayment(_Entry):
    """罚没款缴纳, recorded by hand (the payment channel comes later)."""

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField("缴款金额（元）", max_digits=12, decimal_places=2)
    paid_at = models.DateTimeField("缴款时间")
    receipt_number = models.CharField("票据号", max_length=60)

    class Meta:
        verbose_name = verbose_name_plural = "缴款记录"
        ordering = ["case", "paid_at", "id"]

    def __str__(self) -> str:
        return f"{self.amount} 元 {self.receipt_number}"


class CaseCorrection(_Entry):
    """更正: after the decision the record changes only through an approved correction."""

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField("更正事项", max_length=60)
    old_value = models.TextField("原内容", blank=True)
    new_value = models.TextField("更正为")
    reason = models.TextField("更正理由")
    status = models.CharField("状态", max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件更正"
        ordering = ["case", "-created_at"]

    def __str__(self) -> str:
        return f"{self.field}：{self.new_value}"
