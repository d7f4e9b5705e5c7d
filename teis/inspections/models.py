"""Data of 双随机一公开: the object and inspector pools, plans with their rules, the frozen and verifiable
draw, tasks with their findings, and warnings.

The draw itself is a pure function in `draw.py`; `DrawRecord` keeps its published inputs (commitment,
frozen candidates with their SM3, rules, and after the draw the revealed seed and the result)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from teis.core.models import ScopedModel
from teis.core.validators import validate_credit_code

from .choices import (
    CreditRating,
    FindingResult,
    ImportStatus,
    IndicatorDirection,
    IndicatorKind,
    ObjectKind,
    ObjectStatus,
    PlanLevel,
    PlanStatus,
    RiskLevel,
    TaskResult,
    TaskStatus,
    WarningKind,
    WarningStatus,
    WeightAttribute,
)

INDUSTRY_DICT = "industry"


def industry_choices():
    return {"dict_type__code": INDUSTRY_DICT, "is_active": True}


def district_choices() -> list[tuple[str, str]]:
    from teis.core.geo import shanghai_districts

    return [(f["properties"]["code"], f["properties"]["name"]) for f in shanghai_districts()["features"]]


# --- pools ------------------------------------------------------------------------------------------------


class InspectionObject(ScopedModel):
    """检查对象: a business or individual operator under a supervising unit."""

    scope_unit_field = "unit"
    scope_owner_field = None

    name = models.CharField("对象名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code])
    kind = models.CharField("主体类型", max_length=12, choices=ObjectKind.choices, default=ObjectKind.ENTERPRISE)
    industry = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="行业类别",
        on_delete=models.PROTECT,
        limit_choices_to=industry_choices,
        related_name="+",
    )
    district = models.CharField("所属区", max_length=6, choices=district_choices)
    address = models.CharField("经营地址", max_length=200, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="监管单位", on_delete=models.PROTECT, related_name="+")
    credit_rating = models.CharField("信用等级", max_length=1, choices=CreditRating.choices, default=CreditRating.A)
    risk_level = models.CharField("风险等级", max_length=8, choices=RiskLevel.choices, default=RiskLevel.LOW)
    last_inspected_on = models.DateField("最近检查日期", null=True, blank=True)
    status = models.CharField("经营状态", max_length=14, choices=ObjectStatus.choices, default=ObjectStatus.NORMAL)

    class Meta:
        verbose_name = verbose_name_plural = "检查对象"
        ordering = ["credit_code"]
        indexes = [models.Index(fields=["industry", "district"])]

    def __str__(self) -> str:
        return self.name


class ObjectImport(models.Model):
    """One Excel import of inspection objects, run as a job; the page polls its progress."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField("文件", max_length=300)
    original_name = models.CharField("原文件名", max_length=200)
    status = models.CharField("状态", max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total = models.PositiveIntegerField("总行数", default=0)
    done = models.PositiveIntegerField("已处理", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查对象导入"
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class RequiredCheckQuota(ScopedModel):
    """检查企业数配置 (spec §2.5.1.1): the yearly number of objects a unit must check in one industry."""

    scope_unit_field = "unit"
    scope_owner_field = None

    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    unit = models.ForeignKey("org.Unit", verbose_name="执法单位", on_delete=models.PROTECT, related_name="+")
    industry = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="行业类别",
        on_delete=models.PROTECT,
        limit_choices_to=industry_choices,
        related_name="+",
    )
    required_count = models.PositiveIntegerField("年度应检查企业数")
    progress_threshold = models.PositiveSmallIntegerField(
        "进度预警线(%)",
        default=80,
        validators=[MaxValueValidator(100)],
        help_text="已检查数低于“应检查数×年度已过比例×该百分比”时预警",
    )
    remark = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查企业数配置"
        ordering = ["-year", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["year", "unit", "industry"], name="uniq_inspection_quota"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit} {self.industry}：{self.required_count}"


class Inspector(ScopedModel):
    """执法检查人员: an officer in the inspector pool. The certificate (执法证) is the officer's; the area is a
    district code, blank for the whole city (taken from the officer's unit when not given)."""

    scope_unit_field = "officer__unit"
    scope_owner_field = "officer__user"

    officer = models.OneToOneField(
        "org.Officer", verbose_name="执法人员", on_delete=models.PROTECT, related_name="inspector"
    )
    district = models.CharField("检查区域", max_length=6, blank=True, choices=district_choices, help_text="空为全市")
    industries = models.ManyToManyField(
        "core.DictionaryItem",
        verbose_name="可检查行业",
        blank=True,
        limit_choices_to=industry_choices,
        related_name="+",
        help_text="空为不限行业",
    )
    is_available = models.BooleanField("可参与抽取", default=True)
    unavailable_reason = models.CharField("不可用原因", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "执法检查人员"
        ordering = ["officer__unit__path", "officer__name"]

    def __str__(self) -> str:
        return str(self.officer)


class DeclaredRelation(ScopedModel):
    """利害关系申报: an inspector may never be drawn for an object they declared a relation with."""

    scope_unit_field = "inspector__officer__unit"
    scope_owner_field = "inspector__officer__user"

    inspector = models.ForeignKey(
        Inspector, verbose_name="检查人员", on_delete=models.CASCADE, related_name="relations"
    )
    inspection_object = models.ForeignKey(
        InspectionObject, verbose_name="检查对象", on_delete=models.CASCADE, related_name="relations"
    )
    description = models.CharField("关系说明", max_length=200)
    declared_on = models.DateField("申报日期")

    class Meta:
        verbose_name = verbose_name_plural = "利害关系申报"
        ordering = ["-declared_on"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "inspection_object"], name="uniq_inspection_relation"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} — {self.inspection_object}"


class CheckItem(ScopedModel):
    """检查事项: a requirement checked on site (检查要求) with its indicator (检查指标)."""

    scope_unit_field = None
    scope_owner_field = None

    code = models.CharField("事项编码", max_length=30, unique=True)
    name = models.CharField("检查事项", max_length=200)
    industry = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="适用行业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to=industry_choices,
        related_name="+",
        help_text="空为通用",
    )
    requirement = models.TextField("检查要求", blank=True)
    indicator = models.CharField("检查指标", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# --- plans and draws ---------------------------------------------------------------------------------------


class InspectionPlan(ScopedModel):
    """抽查计划 with its rules (检查指标生成, spec §2.7.1.7). A district-level plan draws only within its unit's
    subtree; a city-level plan from the whole pools."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    code = models.CharField("计划编号", max_length=30, unique=True, editable=False)
    name = models.CharField("计划名称", max_length=200)
    level = models.CharField("计划层级", max_length=10, choices=PlanLevel.choices, default=PlanLevel.CITY)
    unit = models.ForeignKey("org.Unit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    industries = models.ManyToManyField(
        "core.DictionaryItem",
        verbose_name="抽查行业",
        blank=True,
        limit_choices_to=industry_choices,
        related_name="+",
        help_text="空为全部行业",
    )
    districts = models.JSONField("抽查区域", default=list, blank=True, help_text="区划代码列表，空为全部")
    credit_ratings = models.JSONField("信用等级范围", default=list, blank=True, help_text="空为全部")
    risk_levels = models.JSONField("风险等级范围", default=list, blank=True, help_text="空为全部")
    exclude_inspected_months = models.PositiveSmallIntegerField("排除近N个月已检查", default=0, help_text="0 为不排除")
    exclude_investigating = models.BooleanField("排除立案调查中对象", default=True)
    draw_count = models.PositiveIntegerField("抽取数量", null=True, blank=True)
    draw_percent = models.DecimalField(
        "抽取比例(%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    weight_attribute = models.CharField(
        "分类加权", max_length=14, choices=WeightAttribute.choices, default=WeightAttribute.NONE, blank=True
    )
    class_weights = models.JSONField(
        "分类权重", default=dict, blank=True, help_text='如 {"high": 3, "medium": 2, "low": 1}，整数 1–20'
    )
    inspectors_per_object = models.PositiveSmallIntegerField(
        "每对象检查人数", default=2, validators=[MinValueValidator(2), MaxValueValidator(10)]
    )
    check_items = models.ManyToManyField(CheckItem, verbose_name="检查事项", blank=True, related_name="plans")
    deadline_workdays = models.PositiveSmallIntegerField("完成期限(工作日)", default=20)
    warn_workdays_before = models.PositiveSmallIntegerField("期限前预警(工作日)", default=3)
    coverage_threshold = models.PositiveSmallIntegerField(
        "单位覆盖率预警线(%)", default=80, validators=[MaxValueValidator(100)]
    )
    target_completion = models.PositiveSmallIntegerField(
        "完成率指标(%)", default=100, validators=[MaxValueValidator(100)]
    )
    status = models.CharField("状态", max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    remark = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽查计划"
        ordering = ["-created_at"]
        permissions = [("draw_inspectionplan", "执行双随机抽取")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}" if self.code else self.name


class DrawRecord(models.Model):
    """The published inputs and output of one plan's draw. Before the draw only `seed_commitment` (SM3 of the
    seed) is shown; the seed itself is kept SM4-encrypted until it is revealed with the result."""

    plan = models.OneToOneField(InspectionPlan, verbose_name="抽查计划", on_delete=models.CASCADE, related_name="draw")
    seed_commitment = models.CharField("随机种子承诺值(SM3)", max_length=64)
    sealed_seed = models.TextField("加密种子", editable=False)
    seed_hex = models.CharField("随机种子（抽取后公开）", max_length=64, blank=True)
    candidates = models.JSONField("冻结候选名单")
    candidates_sm3 = models.CharField("候选名单 SM3", max_length=64)
    rules = models.JSONField("抽取规则")
    rules_sm3 = models.CharField("规则 SM3", max_length=64)
    frozen_at = models.DateTimeField("冻结时间")
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    result = models.JSONField("抽取结果", null=True, blank=True)
    result_sm3 = models.CharField("结果 SM3", max_length=64, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField("公示时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽取记录"

    def __str__(self) -> str:
        return f"{self.plan} 抽取记录"


class InspectionIndicator(ScopedModel):
    """检查指标 of a plan (spec §2.5.1.3, §2.7.1.7): a target for the plan or one unit's part of it. The actual
    value is computed from the plan's tasks (`services.indicators.refresh`) at the draw, at each execution and
    by the daily warning scan; an indicator not met raises 指标未达成 to the inspectors and their leaders."""

    scope_unit_field = "plan__unit"
    scope_owner_field = "plan__created_by"

    plan = models.ForeignKey(
        InspectionPlan, verbose_name="抽查计划", on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField("指标名称", max_length=100)
    kind = models.CharField("指标类型", max_length=20, choices=IndicatorKind.choices)
    direction = models.CharField(
        "达成条件", max_length=4, choices=IndicatorDirection.choices, default=IndicatorDirection.AT_LEAST
    )
    target = models.DecimalField(
        "目标值", max_digits=10, decimal_places=2, validators=[MinValueValidator(0)], help_text="比率类为百分数"
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="考核单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空为整个计划；否则只计该单位及下级承办的任务",
    )
    warn_percent = models.PositiveSmallIntegerField(
        "进度预警线(%)",
        default=80,
        validators=[MaxValueValidator(100)],
        help_text="期限前，实际值低于“目标值×已过工作日比例×该百分比”时预警"
        "（完成率、覆盖率、检查户数）；0 为期限前不预警",
    )
    actual = models.DecimalField("实际值", max_digits=10, decimal_places=2, null=True, blank=True, editable=False)
    is_met = models.BooleanField("是否达成", null=True, blank=True, editable=False)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True, editable=False)
    remark = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查指标"
        ordering = ["plan", "pk"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_direction_display()}{self.target_display}）"

    @property
    def is_rate(self) -> bool:
        return self.kind in (IndicatorKind.COMPLETION_RATE, IndicatorKind.COVERAGE_RATE, IndicatorKind.PROBLEM_RATE)

    @property
    def target_display(self) -> str:
        return f"{self.target.normalize():f}{'%' if self.is_rate else ''}"

    @property
    def actual_display(self) -> str:
        if self.actual is None:
            return "—"
        return f"{self.actual.normalize():f}{'%' if self.is_rate else ''}"


# --- tasks and execution -----------------------------------------------------------------------------------


class InspectionTask(ScopedModel):
    """One drawn object with its inspectors and deadline; `unit` is the lead inspector's unit."""

    scope_unit_field = "unit"
    scope_owner_field = "inspectors__officer__user"

    code = models.CharField("任务编号", max_length=40, unique=True)
    plan = models.ForeignKey(InspectionPlan, verbose_name="抽查计划", on_delete=models.PROTECT, related_name="tasks")
    inspection_object = models.ForeignKey(
        InspectionObject, verbose_name="检查对象", on_delete=models.PROTECT, related_name="tasks"
    )
    inspectors = models.ManyToManyField(Inspector, verbose_name="检查人员", related_name="tasks")
    unit = models.ForeignKey("org.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField("完成期限")
    status = models.CharField("状态", max_length=10, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    result = models.CharField("检查结果", max_length=12, choices=TaskResult.choices, blank=True)
    summary = models.TextField("检查情况", blank=True)
    rectify_deadline = models.DateField("整改期限", null=True, blank=True)
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="执行人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.EnforcementCase",
        verbose_name="预登记案件",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "检查任务"
        ordering = ["deadline", "code"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.code} {self.inspection_object.name}" if self.inspection_object_id else self.code


class TaskFinding(models.Model):
    """The result of one bound check item on one task (spec §2.5.1.3)."""

    task = models.ForeignKey(InspectionTask, verbose_name="检查任务", on_delete=models.CASCADE, related_name="findings")
    check_item = models.ForeignKey(CheckItem, verbose_name="检查事项", on_delete=models.PROTECT, related_name="+")
    result = models.CharField("结论", max_length=12, choices=FindingResult.choices, blank=True)
    note = models.CharField("情况说明", max_length=500, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查事项结果"
        ordering = ["check_item__code"]
        constraints = [models.UniqueConstraint(fields=["task", "check_item"], name="uniq_task_finding")]


class TaskPhoto(models.Model):
    task = models.ForeignKey(InspectionTask, verbose_name="检查任务", on_delete=models.CASCADE, related_name="photos")
    file_name = models.CharField("存储名", max_length=300)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sm3 = models.CharField("SM3", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "检查照片"
        ordering = ["uploaded_at"]


class InspectionWarning(ScopedModel):
    """检查情况跟踪预警 (spec §2.5.1.5). One open warning per `key`; closed when the condition clears."""

    scope_unit_field = "unit"
    scope_owner_field = None

    key = models.CharField("预警标识", max_length=100, db_index=True, editable=False)
    kind = models.CharField("预警类型", max_length=16, choices=WarningKind.choices)
    plan = models.ForeignKey(InspectionPlan, verbose_name="抽查计划", on_delete=models.CASCADE, related_name="warnings")
    task = models.ForeignKey(
        InspectionTask,
        verbose_name="检查任务",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="warnings",
    )
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    message = models.CharField("预警内容", max_length=300)
    status = models.CharField("状态", max_length=8, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    closed_at = models.DateTimeField("解除时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "检查预警"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class DutyLink(models.Model):
    """An inspection task carried by a duty task (勤务任务) of one day's 勤务计划 in dispatch: created when the
    plan is published (into the editable plans of the task's unit for the days of its window) or when a duty
    plan takes in its unit's open inspection tasks. At most one duty task per inspection task and day."""

    task = models.ForeignKey(
        InspectionTask, verbose_name="检查任务", on_delete=models.CASCADE, related_name="duty_links"
    )
    duty_task = models.OneToOneField(
        "dispatch.DutyTask", verbose_name="勤务任务", on_delete=models.CASCADE, related_name="inspection_link"
    )
    date = models.DateField("勤务日期")

    class Meta:
        verbose_name = verbose_name_plural = "检查任务勤务关联"
        ordering = ["date", "task"]
        constraints = [models.UniqueConstraint(fields=["task", "date"], name="uniq_inspection_duty_day")]

    def __str__(self) -> str:
        return f"{self.task} @ {self.date}"
