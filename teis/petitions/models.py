"""Data of 投诉信访: the petition (投诉 or 信访, one model with a `kind`), its attachments, the deadline rules per
channel, the supervision records (督察) of overdue petitions and saved queries.

The handling flow runs on `workflow`; the petition mirrors the current step in its own columns (lists never
deserialise workflows). `unit` is the unit currently responsible (the intake unit until 派发, then the handling
unit): it is the petition's scope unit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.fields import EncryptedCharField
from teis.core.models import ScopedModel, StoredFile

from .choices import Channel, PetitionKind, PetitionStatus, Satisfaction, SupervisionKind, SupervisionStatus

CATEGORY_DICT = "petition_category"


class Petition(ScopedModel):
    """信访件 / 投诉件."""

    scope_unit_field = "unit"
    scope_owner_field = "registered_by"

    code = models.CharField("信访编号", max_length=30, unique=True)
    kind = models.CharField("类型", max_length=10, choices=PetitionKind.choices, default=PetitionKind.COMPLAINT)
    channel = models.CharField("来源渠道", max_length=10, choices=Channel.choices, db_index=True)
    external_ref = models.CharField("来源工单号", max_length=60, blank=True, help_text="12345 工单号或上级转办文号")
    category = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="反映类别",
        on_delete=models.PROTECT,
        limit_choices_to={"dict_type__code": CATEGORY_DICT},
        related_name="+",
    )
    title = models.CharField("事项摘要", max_length=200)
    content = models.TextField("反映内容")
    is_anonymous = models.BooleanField("匿名", default=False)
    complainant_name = EncryptedCharField("反映人姓名", max_plain_length=50)
    complainant_phone = EncryptedCharField("联系电话", index_field="complainant_phone_index", max_plain_length=20)
    complainant_phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    complainant_id_number = EncryptedCharField(
        "身份证号", index_field="complainant_id_number_index", max_plain_length=18
    )
    complainant_id_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    complainant_address = EncryptedCharField("联系地址", max_plain_length=200)
    subject_plate = models.CharField("涉及车牌", max_length=10, blank=True, db_index=True)
    subject_company = models.CharField("涉及企业", max_length=200, blank=True)
    subject_ship = models.CharField("涉及船舶", max_length=100, blank=True)
    place = models.CharField("发生地点", max_length=200, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    occurred_at = models.DateTimeField("发生时间", null=True, blank=True)
    registered_at = models.DateTimeField("登记时间", default=timezone.now, db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    intake_unit = models.ForeignKey("org.Unit", verbose_name="登记单位", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=14, choices=PetitionStatus.choices, default=PetitionStatus.REGISTERED, db_index=True
    )
    accept_due = models.DateField("受理期限")
    finish_due = models.DateField("办结期限")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    instruction = models.TextField("批示意见", blank=True)
    dispatched_at = models.DateTimeField("派发时间", null=True, blank=True)
    handling_result = models.TextField("办理结果", blank=True)
    handled_at = models.DateTimeField("办理完成时间", null=True, blank=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True, db_index=True)
    closed_in_time = models.BooleanField("按期办结", null=True, blank=True)
    satisfaction = models.CharField("回访满意度", max_length=12, choices=Satisfaction.choices, blank=True)
    visit_note = models.TextField("回访记录", blank=True)
    visited_at = models.DateTimeField("回访时间", null=True, blank=True)
    reminded_at = models.DateTimeField("临期提醒时间", null=True, blank=True)
    redo_count = models.PositiveSmallIntegerField("重办次数", default=0, help_text="回访不满意后重新办理的次数")
    reopened_at = models.DateTimeField("最近重办时间", null=True, blank=True)
    supervised = models.BooleanField("已督察", default=False, db_index=True)
    cases = models.ManyToManyField(
        "cases.EnforcementCase", verbose_name="关联案件", blank=True, related_name="petitions"
    )
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

    class Meta:
        verbose_name = verbose_name_plural = "投诉信访件"
        ordering = ["-registered_at", "-id"]
        # the steps of the handling flow (受理 … 回访, 情况说明); which step and whose task the engine decides
        permissions = [("handle_petition", "办理信访件")]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["-registered_at", "-id"], name="petition_registered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_water(self) -> bool:
        return bool(self.category_id and self.category.code == "water")


class PetitionAttachment(StoredFile):
    petition = models.ForeignKey(Petition, verbose_name="信访件", on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        verbose_name = verbose_name_plural = "信访附件"
        ordering = ["petition", "id"]


class DeadlineRule(ScopedModel):
    """办理时限 per channel, in working days (`core.workdays`). Without a row the defaults apply."""

    scope_unit_field = None
    scope_owner_field = None

    channel = models.CharField("来源渠道", max_length=10, choices=Channel.choices, unique=True)
    accept_days = models.IntegerField("受理时限（工作日）", default=15)
    finish_days = models.IntegerField("办结时限（工作日）", default=60)
    remind_days = models.IntegerField("提前提醒（工作日）", default=3)

    class Meta:
        verbose_name = verbose_name_plural = "信访办理时限"
        ordering = ["channel"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}：受理 {self.accept_days} 日，办结 {self.finish_days} 日"


class PetitionSupervision(ScopedModel):
    """督察: opened by the deadline job when a petition runs past its 受理 or 办结 deadline. Runs the process
    `processes/petition_supervision.bpmn`: the supervised unit submits a 情况说明, the supervisor accepts it (督察意见)
    or sends it back for a new one. `round` is the petition's 重办 round (a reopened petition may run late again)."""

    scope_unit_field = "unit"
    scope_owner_field = None

    petition = models.ForeignKey(Petition, verbose_name="信访件", on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField("督察事由", max_length=16, choices=SupervisionKind.choices)
    unit = models.ForeignKey("org.Unit", verbose_name="被督察单位", on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField("办理轮次", default=0)
    due_date = models.DateField("原期限")
    detected_at = models.DateTimeField("发现超期时间")
    status = models.CharField(
        "状态", max_length=6, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN, db_index=True
    )
    explanation = models.TextField("情况说明", blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="说明人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    explained_at = models.DateTimeField("说明时间", null=True, blank=True)
    explanation_count = models.PositiveSmallIntegerField("说明次数", default=0)
    process = models.OneToOneField(
        "workflow.ProcessInstance",
        verbose_name="督察流程",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opinion = models.TextField("督察意见", blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="督察人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    supervised_at = models.DateTimeField("督察时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "信访督察"
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind", "round"], name="uniq_petition_supervision_round")
        ]

    def __str__(self) -> str:
        return f"{self.petition.code} {self.get_kind_display()}"


class PetitionQuery(ScopedModel):
    """自定义查询: a saved list of conditions (see `services.query`)."""

    scope_unit_field = None
    scope_owner_field = "owner"

    name = models.CharField("查询名称", max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.CASCADE, related_name="+"
    )
    definition = models.JSONField("查询条件", default=list)
    shared = models.BooleanField("共享", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "信访自定义查询"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
