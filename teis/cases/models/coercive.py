"""行政强制措施 (查封 / 扣押 / 暂扣车辆, 行政强制法 art. 18–28) and 行政检查 records, one row per case, written
step by step by `services.coercive` and `services.inspection` when the steps of `case_coercive` and
`case_inspection` are completed."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from teis.core.models import ScopedModel

from ..choices import CoerciveKind, CoerciveResult, InspectionHandling, InspectionResult
from .case import EnforcementCase
from .property import CaseProperty


def _user(label: str) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=label, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class CoerciveMeasure(ScopedModel):
    """A 查封 / 扣押: applied for, approved (art. 18), decided with its 决定书 and 清单 served (art. 24), lasting
    at most 30 days (art. 25) — extended once by at most 30 days with approval — then released with the
    property returned (art. 27–28) or turned into a penalty."""

    scope_unit_field = "case__unit"
    scope_owner_field = "case__handler"

    case = models.OneToOneField(
        EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="coercive_measure"
    )
    # 强制措施申请 (Task_CoerciveApply)
    kind = models.CharField("强制措施种类", max_length=10, choices=CoerciveKind.choices)
    legal_basis = models.TextField("法律依据")
    reason = models.TextField("理由")
    place = models.CharField("实施地点", max_length=200)
    objects_list = models.JSONField("查封扣押物品清单", default=list, blank=True)
    plate = models.CharField("暂扣车辆车牌号", max_length=10, blank=True)
    on_the_spot = models.BooleanField("当场实施（24 小时内补办批准）", default=False)
    applied_at = models.DateTimeField("申请时间", null=True, blank=True)
    applied_by = _user("申请人")
    # 内部审批 (Task_CoerciveApproval)
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    approved_by = _user("批准人")
    # 强制措施决定 (Task_CoerciveDecision)
    decision_number = models.CharField("决定书文号", max_length=60, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    served_at = models.DateTimeField("决定书送达时间", null=True, blank=True)
    starts_on = models.DateField("起始日期", null=True, blank=True)
    period_days = models.PositiveSmallIntegerField("期限（日）", null=True, blank=True)
    ends_on = models.DateField("届满日期", null=True, blank=True)
    properties = models.ManyToManyField(CaseProperty, verbose_name="登记的涉案财物", blank=True, related_name="+")
    # 强制措施期间处理 (Task_CoerciveDuring) and 延期审批 (Task_ExtensionApproval)
    progress = models.TextField("期间调查处理情况", blank=True)
    extension_requested_at = models.DateTimeField("延期申请时间", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延长期限（日）", null=True, blank=True)
    extension_reason = models.TextField("延期理由", blank=True)
    extension_approved_at = models.DateTimeField("延期批准时间", null=True, blank=True)
    extension_approved_by = _user("延期批准人")
    extension_refused = models.TextField("延期不予批准意见", blank=True)
    # 解除 (Task_CoerciveRelease) / 转入行政处罚 (Task_ToPenalty)
    released_at = models.DateTimeField("解除时间", null=True, blank=True)
    release_reason = models.TextField("解除理由", blank=True)
    result = models.CharField("处理结果", max_length=12, choices=CoerciveResult.choices, blank=True)
    result_at = models.DateTimeField("结果时间", null=True, blank=True)
    result_note = models.TextField("结果说明", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政强制措施"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_number}".strip()

    @property
    def extended(self) -> bool:
        return self.extension_approved_at is not None

    @property
    def extension_pending(self) -> bool:
        return self.extension_requested_at is not None and not self.extended and not self.extension_refused


class InspectionRecord(ScopedModel):
    """行政检查: who and what was inspected, where and when, by at least two law-enforcement officers, the items
    checked, the result and how problems are handled (责令改正 with a deadline, or 立案查处); reviewed."""

    scope_unit_field = "case__unit"
    scope_owner_field = "case__handler"

    case = models.OneToOneField(
        EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="inspection_record"
    )
    party_name = models.CharField("被检查对象", max_length=200)
    party_id_number = models.CharField("证件号码/统一社会信用代码", max_length=30, blank=True)
    inspected_object = models.CharField("检查对象（车辆、船舶、场所）", max_length=200, blank=True)
    place = models.CharField("检查地点", max_length=200)
    inspected_at = models.DateTimeField("检查时间")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="检查人员", related_name="+")
    items = models.JSONField("检查事项", default=list, blank=True)
    result = models.CharField("检查结果", max_length=10, choices=InspectionResult.choices)
    problems = models.TextField("发现的问题", blank=True)
    handling = models.CharField("处理方式", max_length=10, choices=InspectionHandling.choices)
    rectify_by = models.DateField("整改期限", null=True, blank=True)
    recorded_by = _user("登记人")
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = _user("审核人")
    review_opinion = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "行政检查记录"
        ordering = ["-inspected_at"]

    def __str__(self) -> str:
        return f"{self.party_name} {self.get_result_display()}"
