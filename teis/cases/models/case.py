"""The case (案件) and what is registered with it at intake: parties, vehicles, attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.fields import EncryptedCharField
from teis.core.models import ScopedModel, StoredFile

from ..choices import (
    CaseSource,
    CaseStatus,
    DecisionType,
    PartyKind,
    PaymentStatus,
    Procedure,
)


class EnforcementCase(ScopedModel):
    """案件. `case_code` (18 digits) is given at filing (赋码); `file_number` (文号) at the decision."""

    scope_unit_field = "unit"
    scope_owner_field = "handler"

    case_code = models.CharField("统一案件编码", max_length=30, null=True, blank=True, unique=True)
    file_number = models.CharField("文号", max_length=60, blank=True, db_index=True)
    title = models.CharField("案件名称", max_length=200)
    procedure = models.CharField("程序", max_length=12, choices=Procedure.choices, default=Procedure.GENERAL)
    process_key = models.CharField("流程定义", max_length=100, blank=True, help_text="BPMN 流程标识")
    status = models.CharField(
        "案件状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.PRE_REGISTERED, db_index=True
    )
    source = models.CharField("案件来源", max_length=12, choices=CaseSource.choices, default=CaseSource.ON_SITE)
    business_line = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="业务条线",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"dict_type__code": "business_line"},
        related_name="+",
    )
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主办人", on_delete=models.PROTECT, related_name="+"
    )
    co_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="协办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    discovered_at = models.DateTimeField("发现时间", default=timezone.now)
    place = models.CharField("发现地点", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    case_cause = models.ForeignKey(
        "legal.CaseCause", verbose_name="案由", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    violation_codes = models.ManyToManyField(
        "legal.ViolationCode",
        verbose_name="违章代码",
        blank=True,
        related_name="+",
        help_text="所选版本固定于案件，法规修订后不随之变化",
    )
    facts = models.TextField("违法事实", blank=True)
    investigation = models.TextField("调查情况", blank=True)
    discretion = models.ForeignKey(
        "legal.DiscretionApplication",
        verbose_name="裁量适用",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_major = models.BooleanField("重大案件（须集体讨论）", default=False)
    decision_type = models.CharField("决定类型", max_length=12, choices=DecisionType.choices, blank=True)
    fine_amount = models.DecimalField("罚款金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    confiscated_amount = models.DecimalField(
        "没收违法所得（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    served_at = models.DateTimeField("送达时间", null=True, blank=True)
    payment_status = models.CharField(
        "缴款状态", max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.NONE
    )
    paid_amount = models.DecimalField("已缴金额（元）", max_digits=12, decimal_places=2, default=0)
    paid_at = models.DateTimeField("缴款时间", null=True, blank=True)
    payment_due = models.DateField("缴款期限", null=True, blank=True)
    late_penalty = models.DecimalField("加处罚款（元）", max_digits=12, decimal_places=2, default=0)
    filed_at = models.DateTimeField("立案时间", null=True, blank=True, db_index=True)
    deadline = models.DateField("办案期限", null=True, blank=True, help_text="一般程序立案后 90 日")
    deadline_extended = models.BooleanField("已批准延期", default=False)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    archive_location = models.CharField("归档位置", max_length=120, blank=True)
    # mirror of the workflow, so lists never deserialise it
    process = models.OneToOneField(
        "workflow.ProcessInstance",
        verbose_name="办理流程",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    current_step = models.CharField("当前环节", max_length=200, blank=True)
    step_due_at = models.DateTimeField("环节期限", null=True, blank=True)
    origin_case = models.ForeignKey(
        "self",
        verbose_name="来源案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derived_cases",
        help_text="行政强制或行政检查转入行政处罚时的原案件",
    )
    # 治超 (spec §2.5.1.18)
    axles = models.PositiveSmallIntegerField("轴数", null=True, blank=True)
    gross_weight_kg = models.PositiveIntegerField("车货总重（千克）", null=True, blank=True)
    weight_limit_kg = models.PositiveIntegerField("限重（千克）", null=True, blank=True)
    overload_ratio = models.DecimalField("超限率（%）", max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "-created_at"]),
            # 综合查询: first page in (-created_at, -id) order, within a unit or for one handler
            models.Index(fields=["-created_at", "-id"], name="case_created_id_idx"),
            models.Index(fields=["unit", "-created_at", "-id"], name="case_unit_created_idx"),
            models.Index(fields=["handler", "-created_at", "-id"], name="case_handler_created_idx"),
            # 综合查询 over a 立案时间 range (read range-first, see services.query._range_first): on PostgreSQL the
            # page's ids come from this index alone (index-only scan: range, amount, scope and order columns)
            models.Index(
                fields=["filed_at"],
                include=["created_at", "id", "fine_amount", "unit", "handler"],
                name="case_filed_cover_idx",
            ),
        ]
        permissions = [("sample_enforcementcase", "案件抽查评查")]

    def __str__(self) -> str:
        return f"{self.case_code or '（未赋码）'} {self.title}"


class Party(models.Model):
    """当事人: a person (personal data encrypted and masked) or an organisation."""

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField("类型", max_length=12, choices=PartyKind.choices)
    name = models.CharField("姓名/名称", max_length=200)
    id_number = EncryptedCharField("身份证号", index_field="id_number_index", max_plain_length=18)
    id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone = EncryptedCharField("联系电话", index_field="phone_index", max_plain_length=20)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    address = EncryptedCharField("住址", max_plain_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "当事人"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.name


class CaseVehicle(models.Model):
    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="vehicles")
    plate = models.CharField("车牌号", max_length=10, db_index=True)
    vehicle_type = models.CharField("车辆类型", max_length=30, blank=True)
    operating_licence = models.CharField("道路运输证号", max_length=40, blank=True)
    driver_name = models.CharField("驾驶员", max_length=50, blank=True)
    driver_licence = models.CharField("从业资格证号", max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "涉案车辆"
        ordering = ["case", "id"]

    def __str__(self) -> str:
        return self.plate


class CaseAttachment(StoredFile):
    """A photo or video uploaded with the case (案件预录); the evidence centre takes these over later."""

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        verbose_name = verbose_name_plural = "案件附件"
        ordering = ["case", "id"]
