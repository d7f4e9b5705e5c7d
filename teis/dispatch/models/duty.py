"""勤务: templates, daily plans and tasks, orders and their feedback, daily feedback, 跨区勤务报审, 非勤务用车报备,
领导带班, NFC tags and sign-ins."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedModel
from teis.core.timetext import local_text
from teis.org.models import business_line_choices

from ..choices import ApprovalStatus, OrderStatus, PlanStatus, SignInMethod, TaskType


class DutyTemplate(ScopedModel):
    """任务内容范本."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    name = models.CharField("范本名称", max_length=100)
    task_type = models.CharField("任务类型", max_length=20, choices=TaskType.choices, default=TaskType.DAILY)
    unit = models.ForeignKey("org.Unit", verbose_name="制定单位", on_delete=models.PROTECT, related_name="+")
    business_line = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="业务条线",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to=business_line_choices,
        related_name="+",
    )
    content = models.TextField("任务内容")
    default_hours = models.PositiveSmallIntegerField("默认时长(小时)", default=8)

    class Meta:
        verbose_name = verbose_name_plural = "任务内容范本"
        ordering = ["task_type", "name"]

    def __str__(self) -> str:
        return self.name


class DutyPlan(ScopedModel):
    """每日勤务计划 of one unit for one day; approved by the unit's leader, adjusted after approval."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("勤务日期", default=timezone.localdate)
    title = models.CharField("计划名称", max_length=200)
    status = models.CharField("状态", max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.CharField("审批意见", max_length=300, blank=True)
    adjustments = models.PositiveSmallIntegerField("调整次数", default=0, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "勤务计划"
        ordering = ["-date", "unit__path"]
        permissions = [("approve_dutyplan", "审批勤务计划")]
        constraints = [models.UniqueConstraint(fields=["unit", "date", "title"], name="dispatch_plan_uniq")]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class DutyTask(ScopedModel):
    """One task of a plan (日常 / 专项 / 突发): who, with which vehicles, where, when; 协管 units assist."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    plan = models.ForeignKey(DutyPlan, verbose_name="勤务计划", on_delete=models.CASCADE, related_name="tasks")
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    task_type = models.CharField("任务类型", max_length=20, choices=TaskType.choices, default=TaskType.DAILY)
    template = models.ForeignKey(
        DutyTemplate, verbose_name="任务范本", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField("任务名称", max_length=200)
    content = models.TextField("任务内容", blank=True)
    start_at = models.DateTimeField("开始时间")
    end_at = models.DateTimeField("结束时间")
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="执勤人员", blank=True, related_name="+")
    vehicles = models.ManyToManyField(
        "dispatch.PatrolVehicle", verbose_name="车辆/船艇", blank=True, related_name="tasks"
    )
    area = models.ForeignKey(
        "dispatch.Geofence", verbose_name="勤务区域", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assisting_units = models.ManyToManyField("org.Unit", verbose_name="协管单位", blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "勤务任务"
        ordering = ["-start_at"]
        indexes = [models.Index(fields=["start_at", "end_at"])]

    def __str__(self) -> str:
        return self.title


class DutyFeedback(ScopedModel):
    """勤务反馈 of a task: what was checked, counts, cases found."""

    task = models.ForeignKey(DutyTask, verbose_name="勤务任务", on_delete=models.CASCADE, related_name="feedbacks")
    unit = models.ForeignKey("org.Unit", verbose_name="反馈单位", on_delete=models.PROTECT, related_name="+")
    checked_vehicles = models.PositiveIntegerField("检查车辆数", default=0)
    checked_operators = models.PositiveIntegerField("检查业户数", default=0)
    cases_found = models.PositiveIntegerField("查处案件数", default=0)
    cases = models.ManyToManyField("cases.EnforcementCase", verbose_name="关联案件", blank=True, related_name="+")
    overtime_hours = models.DecimalField("加班时长(小时)", max_digits=5, decimal_places=1, default=0)
    content = models.TextField("勤务情况")

    class Meta:
        verbose_name = verbose_name_plural = "勤务反馈"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.task} 反馈"


class DutyOrder(ScopedModel):
    """指挥勤务指令 (spec §2.6.3.5) from the command centre to brigades and district units: each target unit (and
    the units below it) sees the order, its leaders get a todo and a notification, acknowledge it (签收, one
    `OrderReceipt` per target unit) and report feedback (`OrderFeedback`)."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows
    # the target units see the orders sent to them, and so does everyone below them
    scope_shared_unit_field = "target_units"
    scope_shared_to_subtree = True

    unit = models.ForeignKey("org.Unit", verbose_name="下达单位", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("指令标题", max_length=200)
    content = models.TextField("指令内容")
    target_units = models.ManyToManyField("org.Unit", verbose_name="接收单位", related_name="+")
    ack_deadline = models.DateTimeField(
        "签收期限", null=True, blank=True, help_text="接收单位应在此时间前签收；逾期未签收的单位在指令页标红"
    )
    deadline = models.DateTimeField("反馈期限", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=OrderStatus.choices, default=OrderStatus.ISSUED)

    class Meta:
        verbose_name = verbose_name_plural = "勤务指令"
        ordering = ["-created_at"]
        permissions = [("acknowledge_dutyorder", "签收勤务指令")]

    def __str__(self) -> str:
        return self.title


class OrderReceipt(ScopedModel):
    """One target unit of a 勤务指令: whether, when and by whom it acknowledged the order (签收). Written only by
    the order services; the issuing unit sees the receipts of its orders."""

    scope_owner_field = None
    scope_shared_unit_field = "order__unit"

    order = models.ForeignKey(DutyOrder, verbose_name="勤务指令", on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey("org.Unit", verbose_name="接收单位", on_delete=models.PROTECT, related_name="+")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "指令签收"
        ordering = ["order", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["order", "unit"], name="dispatch_receipt_uniq")]

    def __str__(self) -> str:
        return f"{self.order} — {self.unit}"

    @property
    def is_late(self) -> bool:
        """Not acknowledged by the order's 签收期限 (still open past it, or acknowledged after it)."""
        deadline = self.order.ack_deadline
        if deadline is None:
            return False
        return (self.acknowledged_at or timezone.now()) > deadline


class OrderFeedback(ScopedModel):
    """A receiving unit's feedback on a 勤务指令 (the order's 反馈 action); the issuing unit sees it."""

    scope_shared_unit_field = "order__unit"

    order = models.ForeignKey(DutyOrder, verbose_name="勤务指令", on_delete=models.CASCADE, related_name="feedbacks")
    unit = models.ForeignKey("org.Unit", verbose_name="反馈单位", on_delete=models.PROTECT, related_name="+")
    content = models.TextField("反馈内容")

    class Meta:
        verbose_name = verbose_name_plural = "指令反馈"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order} — {self.unit}"


class ApprovalRecord(ScopedModel):
    """A request a leader approves or rejects (跨区勤务报审, 非勤务用车报备): its decision fields."""

    status = models.CharField("状态", max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    opinion = models.CharField("审批意见", max_length=300, blank=True)

    class Meta:
        abstract = True


class CrossDistrictRequest(ApprovalRecord):
    """跨区勤务报审."""

    unit = models.ForeignKey("org.Unit", verbose_name="申请单位", on_delete=models.PROTECT, related_name="+")
    target_region = models.CharField("前往区域", max_length=100)
    reason = models.TextField("事由")
    start_at = models.DateTimeField("开始时间")
    end_at = models.DateTimeField("结束时间")
    vehicles = models.ManyToManyField("dispatch.PatrolVehicle", verbose_name="车辆/船艇", blank=True, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "跨区勤务报审"
        ordering = ["-start_at"]
        permissions = [("approve_crossdistrictrequest", "审批跨区勤务")]

    def __str__(self) -> str:
        return f"{self.unit} → {self.target_region}"


class NonDutyUse(ApprovalRecord):
    """非勤务用车 / 用船报备: an approved use suppresses 未登录行驶 for its vehicle and period."""

    unit = models.ForeignKey("org.Unit", verbose_name="报备单位", on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(
        "dispatch.PatrolVehicle", verbose_name="车辆/船艇", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("用途", max_length=300)
    start_at = models.DateTimeField("开始时间")
    end_at = models.DateTimeField("结束时间")

    class Meta:
        verbose_name = verbose_name_plural = "非勤务用车报备"
        ordering = ["-start_at"]
        permissions = [("approve_nondutyuse", "审批非勤务用车")]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.reason}"


class LeaderOnDuty(ScopedModel):
    """领导带班 record."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期", default=timezone.localdate)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="带班领导", on_delete=models.PROTECT, related_name="+"
    )
    remark = models.CharField("带班情况", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "领导带班"
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["unit", "date", "leader"], name="dispatch_leader_uniq")]

    def __str__(self) -> str:
        return f"{self.date} {self.leader}"


class NfcTag(ScopedModel):
    """An NFC tag at a sign-in place."""

    scope_owner_field = None  # unit-bound: the "own" scope sees its unit's rows

    tag_id = models.CharField("标签编号", max_length=64, unique=True)
    place = models.CharField("位置", max_length=100)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "NFC 签到点"
        ordering = ["place"]

    def __str__(self) -> str:
        return f"{self.place}（{self.tag_id}）"


class SignIn(ScopedModel):
    """签到 (spec §2.5.4.1): by NFC tag on the phone, or by the vehicle terminal. Drives 未登录行驶."""

    scope_owner_field = "officer"

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="签到人", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    method = models.CharField("方式", max_length=10, choices=SignInMethod.choices, default=SignInMethod.NFC)
    signed_at = models.DateTimeField("签到时间", default=timezone.now)
    device_id = models.CharField("手机设备码", max_length=64, blank=True)
    tag = models.ForeignKey(
        NfcTag, verbose_name="NFC 标签", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField("签到位置", max_length=100, blank=True)
    vehicle = models.ForeignKey(
        "dispatch.PatrolVehicle", verbose_name="车辆", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        DutyTask, verbose_name="勤务任务", null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_ins"
    )
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "签到记录"
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["signed_at"])]

    def __str__(self) -> str:
        return f"{self.officer} {local_text(self.signed_at)}"
