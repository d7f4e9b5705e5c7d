"""The facts of a general-procedure case decided once each, step by step (one row per case): the handler's
proposal (案件处理意见), 法制审核, 集体讨论 minutes, 事先告知 and its service, 陈述申辩, 听证, the decision with its
service (送达), execution (催告 / 强制执行), 移送司法机关, 处罚救济, 结案 and 归档. Amounts, dates and status that
lists and statistics read stay on `EnforcementCase` (fine_amount, decided_at, served_at, closed_at …)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ..choices import ClosingKind, RemedyKind, RemedyResult, RoadDamageSettlement, ServiceMethod
from .case import EnforcementCase


class CaseDecision(models.Model):
    case = models.OneToOneField(
        EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="decision_record"
    )
    # 案件处理意见 (Task_Finding)
    proposal_facts = models.TextField("认定的违法事实", blank=True)
    evidence_list = models.TextField("证据清单", blank=True)
    legal_basis = models.TextField("法律依据", blank=True)
    penalty_kinds = models.JSONField("处罚种类", default=list, blank=True)
    proposal = models.TextField("处理意见", blank=True)
    proposed_at = models.DateTimeField("提出时间", null=True, blank=True)
    # 事先告知 (行政处罚法 art. 44)
    notice_served_at = models.DateTimeField("事先告知送达时间", null=True, blank=True)
    # 陈述申辩
    statement_content = models.TextField("陈述申辩内容", blank=True)
    statement_adopted = models.BooleanField("是否采纳", null=True, blank=True)
    statement_reason = models.TextField("采纳与否的理由", blank=True)
    # 听证 (art. 64: request within 5 days of the notice)
    hearing_requested_at = models.DateField("听证申请日期", null=True, blank=True)
    hearing_notified_at = models.DateField("听证通知日期", null=True, blank=True)
    hearing_held_at = models.DateField("听证举行日期", null=True, blank=True)
    hearing_record = models.TextField("听证笔录", blank=True)
    hearing_report = models.TextField("听证报告", blank=True)
    # 法制审核 / 集体讨论
    legal_opinion = models.TextField("法制审核意见", blank=True)
    legal_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="法制审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    legal_reviewed_at = models.DateTimeField("法制审核时间", null=True, blank=True)
    discussion_minutes = models.TextField("集体讨论记录", blank=True)
    discussion_at = models.DateTimeField("集体讨论时间", null=True, blank=True)
    # 处罚决定 / 不予处罚 / 撤销立案
    decision_reason = models.TextField("不予处罚或撤销立案理由", blank=True)
    # 送达
    service_method = models.CharField("送达方式", max_length=12, choices=ServiceMethod.choices, blank=True)
    service_recipient = models.CharField("受送达人", max_length=100, blank=True)
    # 执行
    installments = models.BooleanField("分期/延期缴纳", default=False)
    installment_note = models.CharField("分期/延期说明及批准", max_length=300, blank=True)
    urged_at = models.DateField("催告日期", null=True, blank=True)
    court_applied_at = models.DateField("申请法院强制执行日期", null=True, blank=True)
    # 路政案件: 路产损失勘验及赔偿 (公路法 art. 85: 造成路产损失的，应当依法承担民事责任)
    road_damage = models.TextField("路产损失情况", blank=True)
    road_damage_amount = models.DecimalField(
        "路产损失赔偿金额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    road_damage_settlement = models.CharField(
        "赔偿处理", max_length=10, choices=RoadDamageSettlement.choices, blank=True
    )
    # 水上 / 海事案件: 涉案船舶
    vessel_name = models.CharField("船名", max_length=60, blank=True)
    vessel_number = models.CharField("船舶识别号", max_length=20, blank=True)
    vessel_mmsi = models.CharField("MMSI", max_length=9, blank=True)
    # 案件移交 / 案件接收: the unit with jurisdiction takes the case (and its held property)
    handover_unit = models.ForeignKey(
        "org.Unit", verbose_name="移交接收单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handover_reason = models.TextField("移交理由", blank=True)
    handed_over_at = models.DateTimeField("移交时间", null=True, blank=True)
    handover_from = models.ForeignKey(
        "org.Unit", verbose_name="原承办单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handover_received_at = models.DateTimeField("接收时间", null=True, blank=True)
    # 移送司法机关
    transfer_authority = models.CharField("接收机关", max_length=100, blank=True)
    transfer_date = models.DateField("移送日期", null=True, blank=True)
    transfer_receipt = models.CharField("回执", max_length=100, blank=True)
    # 处罚救济
    remedy_kind = models.CharField("救济方式", max_length=16, choices=RemedyKind.choices, blank=True)
    remedy_filed_at = models.DateField("申请/起诉日期", null=True, blank=True)
    remedy_result = models.CharField("结果", max_length=12, choices=RemedyResult.choices, blank=True)
    remedy_effect = models.TextField("对本案的影响", blank=True)
    # 结案 / 归档
    closing_kind = models.CharField("结案方式", max_length=12, choices=ClosingKind.choices, blank=True)
    closing_report = models.TextField("结案报告", blank=True)
    archive_number = models.CharField("档案号", max_length=60, blank=True)
    archive_cabinet = models.CharField("档案柜", max_length=30, blank=True)
    archive_box = models.CharField("档案盒", max_length=30, blank=True)
    archive_position = models.CharField("位置", max_length=30, blank=True)
    archive_return_reason = models.TextField("结案归档退回理由", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件处理记录"

    def __str__(self) -> str:
        return f"{self.case} 处理记录"

    def penalty_kind_labels(self) -> list[str]:
        from ..choices import PenaltyKind

        labels = dict(PenaltyKind.choices)
        return [labels.get(k, k) for k in self.penalty_kinds or []]
