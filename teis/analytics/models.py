"""统计分析: the daily aggregate behind the reports, the statutory monthly reports with their versions, and the
失信 rules and candidates.

`DailyFact` is derived data (kept by `services.aggregate` from the facts declared in `facts.py`); every other
model here is a business record with its own lifecycle, written only by the services of this app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedManager, ScopedModel, ScopedQuerySet, StoredFile

from .choices import (
    CandidateStatus,
    EvaluationStatus,
    ReportKind,
    ReportStatus,
    RuleKind,
    SubjectKind,
    TargetKind,
)


class DailyFact(models.Model):
    """One fact of one local day for one unit, whole (`dim` "") or split by one dimension (`dim`, `value`):
    how many (`n`) and the sum of the fact's amount (`amount`). Rebuilt per day, never edited by hand."""

    scope_unit_field = "unit"
    scope_owner_field = None

    day = models.DateField("日期")
    fact = models.CharField("指标", max_length=32)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    dim = models.CharField("维度", max_length=16, blank=True)
    value = models.CharField("维度值", max_length=40, blank=True)
    n = models.BigIntegerField("数量", default=0)
    amount = models.DecimalField("金额", max_digits=18, decimal_places=2, default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = "日汇总指标"
        permissions = [("view_statistics", "查看统计分析"), ("view_screen", "查看领导驾驶舱")]
        indexes = [models.Index(fields=["fact", "dim", "day"], name="analytics_fact_dim_day")]
        constraints = [
            models.UniqueConstraint(fields=["fact", "day", "unit", "dim", "value"], name="analytics_daily_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.fact} {self.dim}={self.value}: {self.n}"


class AggregateState(models.Model):
    """Where the incremental job stopped: rows of the source changed after `watermark` are not counted yet."""

    source = models.CharField("数据源", max_length=40, unique=True)
    watermark = models.DateTimeField("已汇总至", null=True, blank=True)
    last_run_at = models.DateTimeField("最近运行", null=True, blank=True)
    last_days = models.PositiveIntegerField("最近重算天数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "汇总进度"

    def __str__(self) -> str:
        return self.source


class StatutoryReport(ScopedModel):
    """法定月报 of one month: generated (a new version each time), reviewed, marked as sent. A corps-wide document
    kept by the legal department (法制科, a department outside the brigades' subtrees): who may open it is a matter
    of permission, not of unit scope."""

    scope_unit_field = None
    scope_owner_field = None

    kind = models.CharField("报表类型", max_length=20, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    month = models.PositiveSmallIntegerField("月份")
    unit = models.ForeignKey("org.Unit", verbose_name="报送单位", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        "状态", max_length=12, choices=ReportStatus.choices, default=ReportStatus.GENERATED, db_index=True
    )
    version = models.PositiveIntegerField("当前版本", default=1)
    row_count = models.PositiveIntegerField("记录数", default=0)
    generated_at = models.DateTimeField("生成时间", default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField("报送时间", null=True, blank=True)
    sent_to = models.CharField("报送对象", max_length=100, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "法定月报"
        ordering = ["-year", "-month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "month", "unit"], name="analytics_report_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.year}年{self.month}月 {self.get_kind_display()}"

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


class ReportVersion(models.Model):
    """One generated version of a statutory report: the rows as generated (the Excel file is made from them)."""

    report = models.ForeignKey(StatutoryReport, verbose_name="报表", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    columns = models.JSONField("列", default=list)
    rows = models.JSONField("数据", default=list)
    generated_at = models.DateTimeField("生成时间", default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField("生成原因", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "报表版本"
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="analytics_version_unique")]

    def __str__(self) -> str:
        return f"{self.report} 第{self.number}版"


class DishonestyRule(ScopedModel):
    """严重失信主体 rule, configurable: repeated violations in a period, serious causes, unpaid fines."""

    scope_unit_field = None
    scope_owner_field = None

    name = models.CharField("规则名称", max_length=100)
    kind = models.CharField("规则类型", max_length=16, choices=RuleKind.choices)
    period_days = models.PositiveIntegerField("统计期间（天）", default=365)
    threshold = models.PositiveIntegerField("次数阈值", default=3, help_text="期间内达到此案件数即列为候选")
    min_fine = models.DecimalField(
        "罚款金额下限（元）", max_digits=12, decimal_places=2, default=0, help_text="严重违法案由：单案罚款达到此金额"
    )
    cause_keywords = models.CharField(
        "案由关键词",
        max_length=300,
        blank=True,
        help_text="严重违法案由：案件名称或违法事实含任一关键词（逗号分隔）",
    )
    overdue_days = models.PositiveIntegerField("逾期天数", default=30, help_text="逾期不缴纳：超过缴款期限的天数")
    is_active = models.BooleanField("启用", default=True)
    basis = models.CharField("认定依据", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "失信认定规则"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class DishonestyCandidate(ScopedModel):
    """A candidate 严重失信主体 found by a rule, with its evidence cases; reviewed (confirmed or not). Corps-wide
    like the statutory reports (the list goes to the credit platforms): permission-gated, not unit-scoped."""

    scope_unit_field = None
    scope_owner_field = None

    rule = models.ForeignKey(DishonestyRule, verbose_name="认定规则", on_delete=models.PROTECT, related_name="+")
    subject_kind = models.CharField("主体类型", max_length=14, choices=SubjectKind.choices)
    name = models.CharField("名称/姓名", max_length=200)
    identifier = models.CharField("统一社会信用代码/身份证号（掩码）", max_length=40, blank=True)
    subject_key = models.CharField("主体键", max_length=80, editable=False, db_index=True)
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="+")
    cases = models.ManyToManyField("cases.EnforcementCase", verbose_name="证据案件", related_name="+")
    case_count = models.PositiveIntegerField("案件数", default=0)
    fine_total = models.DecimalField("罚款合计（元）", max_digits=14, decimal_places=2, default=0)
    status = models.CharField(
        "状态", max_length=12, choices=CandidateStatus.choices, default=CandidateStatus.PENDING, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "失信候选主体"
        ordering = ["status", "-case_count", "name"]
        constraints = [models.UniqueConstraint(fields=["rule", "subject_key"], name="analytics_candidate_one_per_rule")]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_subject_kind_display()}）"


# --- 评议考核 (spec §2.5.2.1) ------------------------------------------------------------------------------------

EVALUATION_WORK_PERMISSIONS = ("analytics.change_evaluationbatch", "analytics.score_evaluationtarget")


class EvaluationBatch(ScopedModel):
    """年度评议考核 batch: its year, indicators with weights, the objects evaluated (units, officers, case files drawn
    through the cases app's sampling). Corps-wide, kept by the legal department: permission-gated, not unit-scoped
    (like the statutory reports)."""

    scope_unit_field = None
    scope_owner_field = None

    name = models.CharField("批次名称", max_length=100)
    year = models.PositiveSmallIntegerField("考核年度")
    unit = models.ForeignKey(
        "org.Unit", verbose_name="组织单位", on_delete=models.PROTECT, related_name="+", editable=False
    )
    description = models.TextField("考核说明", blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT, db_index=True
    )
    sample_batches = models.JSONField("案卷抽查批次", default=list, blank=True, editable=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = verbose_name_plural = "评议考核批次"
        ordering = ["-year", "-created_at"]

    def __str__(self) -> str:
        return self.name


class EvaluationIndicator(models.Model):
    """考核指标: a reviewer gives each object at most `weight` points on it."""

    batch = models.ForeignKey(EvaluationBatch, verbose_name="批次", on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField("指标名称", max_length=100)
    weight = models.PositiveSmallIntegerField("分值（权重）")
    description = models.CharField("评分标准", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "考核指标"
        ordering = ["batch", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["batch", "name"], name="analytics_indicator_unique")]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}分）"


class EvaluationTargetQuerySet(ScopedQuerySet):
    def for_user(self, user):
        """Organisers and reviewers work corps-wide (every object of the batches); the evaluated units see their
        subtree by the usual data scope."""
        authenticated = user is not None and getattr(user, "is_authenticated", False)
        if authenticated and any(user.has_perm(p) for p in EVALUATION_WORK_PERMISSIONS):
            return self.all()
        return super().for_user(user)


class EvaluationTarget(ScopedModel):
    """One object evaluated in a batch: a unit, an officer, or a case file (through its `CaseReview` of the sample).
    `unit` is the unit answerable for it (the unit itself, the officer's unit, the case's unit)."""

    scope_unit_field = "unit"
    scope_owner_field = None

    batch = models.ForeignKey(EvaluationBatch, verbose_name="批次", on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField("对象类型", max_length=10, choices=TargetKind.choices)
    unit = models.ForeignKey("org.Unit", verbose_name="被考核单位", on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(
        "org.Officer", verbose_name="执法人员", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey(
        "cases.EnforcementCase", verbose_name="案卷", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review = models.ForeignKey(
        "cases.CaseReview", verbose_name="抽查记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    total = models.DecimalField("得分", max_digits=6, decimal_places=1, null=True, blank=True)
    comments = models.TextField("评议意见", blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评分人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)
    feedback = models.TextField("反馈意见", blank=True)
    feedback_at = models.DateTimeField("反馈时间", null=True, blank=True)

    objects = ScopedManager.from_queryset(EvaluationTargetQuerySet)()

    class Meta:
        verbose_name = verbose_name_plural = "考核对象"
        ordering = ["batch", "kind", "unit__path", "pk"]
        permissions = [("score_evaluationtarget", "评议考核评分"), ("feedback_evaluationtarget", "考核结果反馈")]

    def __str__(self) -> str:
        if self.kind == TargetKind.CASE and self.case_id:
            return f"案卷 {self.case}"
        if self.kind == TargetKind.OFFICER and self.officer_id:
            return f"人员 {self.officer.name}"
        return f"单位 {self.unit.name}"

    @property
    def status(self) -> str:
        """The batch's state, so that the declared actions can refuse by it."""
        return self.batch.status

    def get_status_display(self) -> str:
        return self.batch.get_status_display()


class EvaluationScore(models.Model):
    """One reviewer's score of one object on one indicator (0 ≤ score ≤ the indicator's weight)."""

    target = models.ForeignKey(
        EvaluationTarget, verbose_name="考核对象", on_delete=models.CASCADE, related_name="scores"
    )
    indicator = models.ForeignKey(
        EvaluationIndicator, verbose_name="指标", on_delete=models.CASCADE, related_name="scores"
    )
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评分人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scored_at = models.DateTimeField("评分时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "指标得分"
        ordering = ["target", "indicator__order", "indicator_id"]
        constraints = [models.UniqueConstraint(fields=["target", "indicator"], name="analytics_score_unique")]

    def __str__(self) -> str:
        return f"{self.indicator.name}: {self.score}"


class EvaluationMaterial(StoredFile):
    """自评材料 submitted by the evaluated unit for one object (the file checked by content, SM3 digest kept)."""

    target = models.ForeignKey(
        EvaluationTarget, verbose_name="考核对象", on_delete=models.CASCADE, related_name="materials"
    )
    note = models.CharField("材料说明", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核材料"
        ordering = ["target", "pk"]


class PerformanceScheme(ScopedModel):
    """日常绩效方案, kept by the legal department: the weight of each indicator. A positive indicator gives its
    points at its monthly target (proportionally below it, never more); a penalty (监督预警, 投诉) takes its points per
    occurrence. The latest active scheme applies; without one, `services.performance.DEFAULTS`."""

    scope_unit_field = None
    scope_owner_field = None

    name = models.CharField("方案名称", max_length=100, unique=True)
    is_active = models.BooleanField("启用", default=True)
    signins_weight = models.DecimalField("出勤分值", max_digits=5, decimal_places=1, default=30)
    signins_target = models.PositiveIntegerField("出勤月度目标（次）", default=20)
    cases_filed_weight = models.DecimalField("立案分值", max_digits=5, decimal_places=1, default=20)
    cases_filed_target = models.PositiveIntegerField("立案月度目标（件）", default=4)
    cases_closed_weight = models.DecimalField("结案分值", max_digits=5, decimal_places=1, default=30)
    cases_closed_target = models.PositiveIntegerField("结案月度目标（件）", default=4)
    documents_weight = models.DecimalField("签发文书分值", max_digits=5, decimal_places=1, default=20)
    documents_target = models.PositiveIntegerField("签发文书月度目标（份）", default=6)
    warning_penalty = models.DecimalField("每条执法监督预警扣分", max_digits=5, decimal_places=1, default=2)
    complaint_penalty = models.DecimalField("每件投诉扣分", max_digits=5, decimal_places=1, default=5)

    class Meta:
        verbose_name = verbose_name_plural = "日常绩效方案"
        ordering = ["-is_active", "-created_at"]

    def __str__(self) -> str:
        return self.name
