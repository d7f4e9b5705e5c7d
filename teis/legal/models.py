"""Legal knowledge base: laws in seven levels with versions, violation codes, the case-cause catalogue,
discretion benchmarks and legal-change warnings.

Reference data: visible to every user who holds the view permission (no organisation scope), written only
through `legal.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from teis.core.models import ScopedManager, ScopedModel

from .choices import (
    ApplicationStatus,
    CodeStatus,
    EffectLevel,
    ExerciseLevel,
    ItemType,
    PenaltyType,
    ProvisionLevel,
    ProvisionStatus,
    Validity,
    WarningStatus,
)


class ReferenceModel(ScopedModel):
    """Reference data has no organisation scope."""

    scope_unit_field = None
    scope_owner_field = None

    class Meta:
        abstract = True


# --- laws ---------------------------------------------------------------------------------------------


class Law(ReferenceModel):
    """法律法规 (the city platform's 法律法规对象)."""

    name = models.CharField("法律法规名称", max_length=200, db_index=True)
    file_number = models.CharField("文号", max_length=120, blank=True)
    effect_level = models.CharField("效力级别", max_length=20, choices=EffectLevel.choices)
    validity = models.CharField("时效性", max_length=10, choices=Validity.choices, default=Validity.IN_FORCE)
    issuing_authority = models.CharField("颁布机关", max_length=120, blank=True)
    promulgated_on = models.DateField("颁布日期", null=True, blank=True)
    effective_on = models.DateField("实施日期", null=True, blank=True)
    abolished_on = models.DateField("废止日期", null=True, blank=True)
    inclusion_reason = models.CharField("入库理由", max_length=300, blank=True)
    entry_unit = models.ForeignKey(
        "org.Unit", verbose_name="录入单位", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    preamble = models.TextField("篇头", blank=True, help_text="标题下的制定、修正说明")
    data_source = models.CharField("数据来源", max_length=200, blank=True)
    remark = models.TextField("备注", blank=True)
    business_lines = models.ManyToManyField(
        "core.DictionaryItem",
        verbose_name="业务条线",
        blank=True,
        limit_choices_to={"dict_type__code": "business_line"},
        related_name="+",
    )
    is_abridged = models.BooleanField("节选", default=False, help_text="正文为节选，仅收录执法常用条款")
    current_version = models.ForeignKey(
        "LawVersion", verbose_name="现行版本", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "法律法规"
        ordering = ["effect_level", "name"]

    def __str__(self) -> str:
        return self.name


class LawVersion(models.Model):
    """One text of a law. Amending a law adds a version; provisions of older versions stay for old cases."""

    law = models.ForeignKey(Law, verbose_name="法律法规", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本序号")
    label = models.CharField("版本", max_length=100, help_text="如：2019年修正")
    effective_from = models.DateField("施行日期", null=True, blank=True)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    note = models.TextField("修订说明", blank=True)
    source_text = models.TextField("原文", blank=True)
    created_at = models.DateTimeField("录入时间", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "法规版本"
        ordering = ["law", "-number"]
        constraints = [models.UniqueConstraint(fields=["law", "number"], name="uniq_law_version_number")]

    def __str__(self) -> str:
        return f"{self.law.name}（{self.label}）"


class Provision(ReferenceModel):
    """A node of a law's text: 编 / 章 / 节 / 条 / 款 / 项 / 目 (the city platform's 法律法规内容).

    `key` is the structural position (parts "p1", chapters "c2" or "p1c2", sections "c2s1", articles "a37" or
    "a20-1" for 第二十条之一, then "a37.1" 款, "a37.1.2" 项, "a37.1.2.3" 目); `stable_id` identifies
    "the same provision" across versions (carried over by the import when the key matches), so codes can
    follow a provision through amendments. `citation` is the full citation string, e.g.
    《上海市出租汽车管理条例》第三十七条第一款第（二）项.
    """

    law = models.ForeignKey(Law, verbose_name="法律法规", on_delete=models.CASCADE, related_name="provisions")
    version = models.ForeignKey(LawVersion, verbose_name="版本", on_delete=models.CASCADE, related_name="provisions")
    parent = models.ForeignKey(
        "self", verbose_name="上级条款", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.CharField("层级", max_length=10, choices=ProvisionLevel.choices)
    number = models.PositiveIntegerField("序号", help_text="同级序号，如第三十七条为 37")
    label = models.CharField("标号", max_length=40, help_text="如：第三十七条、第一款、（二）、1.")
    title = models.CharField("标题", max_length=200, blank=True, help_text="编、章、节的名称")
    text = models.TextField("内容", blank=True)
    order = models.PositiveIntegerField("排序号", help_text="在全文中的顺序")
    key = models.CharField("结构路径", max_length=120)
    stable_id = models.CharField("稳定标识", max_length=36, db_index=True)
    citation = models.CharField("引用名", max_length=300)
    has_children = models.BooleanField("存在子节点", default=False)
    status = models.CharField("状态", max_length=10, choices=ProvisionStatus.choices, default=ProvisionStatus.IN_FORCE)
    effective_from = models.DateField("生效日期", null=True, blank=True)
    effective_to = models.DateField("失效日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "法律条款"
        ordering = ["version", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "key"], name="uniq_provision_key_in_version")]
        indexes = [models.Index(fields=["version", "order"]), models.Index(fields=["law", "level"])]

    def __str__(self) -> str:
        return self.citation


class ProvisionToken(models.Model):
    """Inverted index for Chinese search (jieba tokens), portable across SQLite and PostgreSQL."""

    token = models.CharField(max_length=40, db_index=True)
    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="+")
    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="+")
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        indexes = [models.Index(fields=["token", "law"])]


# --- violation codes ---------------------------------------------------------------------------------


class LegalBasisFlags(models.Model):
    """Legal-change warning state shared by codes, causes and benchmarks."""

    legal_change_flag = models.BooleanField("法律依据变更待处理", default=False, db_index=True)
    flagged_at = models.DateTimeField("预警时间", null=True, blank=True)
    flag_reason = models.CharField("预警原因", max_length=300, blank=True)

    class Meta:
        abstract = True


class ViolationCode(ReferenceModel, LegalBasisFlags):
    """违章代码. Every change makes a new row (version) with effective dates; cases keep the row they used."""

    code = models.CharField("违章代码", max_length=20, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    is_current = models.BooleanField("现行版本", default=True, db_index=True)
    name = models.CharField("违章行为", max_length=300)
    business_line = models.ForeignKey(
        "core.DictionaryItem",
        verbose_name="业务条线",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        limit_choices_to={"dict_type__code": "business_line"},
        related_name="+",
    )
    violated_provisions = models.ManyToManyField(
        Provision, verbose_name="违反条款", blank=True, related_name="violated_by_codes"
    )
    penalty_provisions = models.ManyToManyField(
        Provision, verbose_name="处罚依据", blank=True, related_name="penalised_by_codes"
    )
    enforcement_subject = models.CharField("执法主体", max_length=120, blank=True)
    penalty_types = models.JSONField("处罚种类", default=list, blank=True, help_text="PenaltyType 取值列表")
    fine_min = models.DecimalField("罚款下限（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    fine_max = models.DecimalField("罚款上限（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    simplified_procedure = models.BooleanField("适用简易程序", default=False)
    status = models.CharField("状态", max_length=10, choices=CodeStatus.choices, default=CodeStatus.ACTIVE)
    effective_from = models.DateField("生效日期", default=timezone.localdate)
    effective_to = models.DateField("失效日期", null=True, blank=True)
    legacy_basis_text = models.TextField("原法律依据（文本）", blank=True, help_text="历史代码的文字依据")
    previous = models.ForeignKey(
        "self", verbose_name="上一版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "违章代码"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="uniq_violation_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_current=True), name="uniq_current_violation_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def penalty_type_labels(self) -> str:
        labels = dict(PenaltyType.choices)
        return "、".join(str(labels.get(v, v)) for v in self.penalty_types)

    penalty_type_labels.short_description = "处罚种类"


# --- case-cause catalogue ------------------------------------------------------------------------------


class CaseCause(ReferenceModel, LegalBasisFlags):
    """执法案由目录: 20-digit code = 12-digit basic code + 2-digit cause code + 6-digit additional code."""

    cause_code = models.CharField("案由目录编码", max_length=20, unique=True)
    name = models.CharField("案由名称", max_length=300)
    item_type = models.CharField("事项类型", max_length=20, choices=ItemType.choices)
    item_code = models.CharField("所属事项编码", max_length=40, blank=True)
    exercise_levels = models.JSONField("行使层级", default=list, blank=True, help_text="ExerciseLevel 取值列表")
    basis_provisions = models.ManyToManyField(
        Provision, verbose_name="设立依据/违法行为依据", blank=True, related_name="basis_of_causes"
    )
    penalty_provisions = models.ManyToManyField(
        Provision, verbose_name="处罚依据", blank=True, related_name="penalty_of_causes"
    )
    violation_codes = models.ManyToManyField(
        ViolationCode, verbose_name="对应违章代码", blank=True, related_name="case_causes"
    )
    status = models.CharField("事项状态", max_length=10, choices=CodeStatus.choices, default=CodeStatus.ACTIVE)
    is_deleted = models.BooleanField("是否已删除", default=False)
    modified_at = models.DateTimeField("修改时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "执法案由"
        ordering = ["cause_code"]

    def __str__(self) -> str:
        return f"{self.cause_code} {self.name}"

    def exercise_level_labels(self) -> str:
        labels = dict(ExerciseLevel.choices)
        return "、".join(str(labels.get(v, v)) for v in self.exercise_levels)

    exercise_level_labels.short_description = "行使层级"


# --- discretion benchmarks ---------------------------------------------------------------------------


class DiscretionBenchmark(ReferenceModel, LegalBasisFlags):
    """自由裁量基准 of one violation code: ordered circumstances, each with conditions and a range."""

    violation_code = models.ForeignKey(
        ViolationCode, verbose_name="违章代码", on_delete=models.PROTECT, related_name="benchmarks"
    )
    name = models.CharField("基准名称", max_length=200)
    basis_provisions = models.ManyToManyField(Provision, verbose_name="裁量依据", blank=True, related_name="+")
    effective_from = models.DateField("生效日期", default=timezone.localdate)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "自由裁量基准"
        ordering = ["violation_code__code"]

    def __str__(self) -> str:
        return self.name


class DiscretionLevel(models.Model):
    """One circumstance of a benchmark (轻微 / 一般 / 较重 / 严重 or as configured)."""

    benchmark = models.ForeignKey(
        DiscretionBenchmark, verbose_name="基准", on_delete=models.CASCADE, related_name="levels"
    )
    order = models.PositiveSmallIntegerField("排序")
    name = models.CharField("情节", max_length=30)
    conditions = models.JSONField("适用条件", default=list, help_text="条件描述列表")
    fine_min = models.DecimalField("罚款下限（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    fine_max = models.DecimalField("罚款上限（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    fixed_amount = models.DecimalField("固定罚款（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    other_penalties = models.CharField("其他处罚", max_length=300, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "裁量情节"
        ordering = ["benchmark", "order"]
        constraints = [models.UniqueConstraint(fields=["benchmark", "order"], name="uniq_discretion_level_order")]

    def __str__(self) -> str:
        return f"{self.benchmark} · {self.name}"


class DiscretionApplication(ScopedModel):
    """选取适用: an officer's choice of circumstance and amount; a deviation waits for legal review."""

    scope_unit_field = "unit"
    scope_owner_field = "created_by"

    violation_code = models.ForeignKey(
        ViolationCode, verbose_name="违章代码", on_delete=models.PROTECT, related_name="+"
    )
    level = models.ForeignKey(DiscretionLevel, verbose_name="情节", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", verbose_name="办案单位", on_delete=models.PROTECT, related_name="+")
    case_reference = models.CharField("案件", max_length=60, blank=True, help_text="案件编号或预登记号")
    amount = models.DecimalField("拟罚款金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    conditions_met = models.JSONField("已勾选条件", default=list, blank=True)
    deviation = models.CharField("偏离说明", max_length=300, blank=True)
    reason = models.TextField("理由", blank=True)
    status = models.CharField("状态", max_length=10, choices=ApplicationStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decision_opinion = models.TextField("审核意见", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "裁量适用"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.violation_code.code} {self.level.name} {self.amount or ''}"


# --- legal-change warnings -------------------------------------------------------------------------------


class LegalChangeWarning(models.Model):
    """A provision was amended or abolished; one row per code, cause or benchmark citing it."""

    provision = models.ForeignKey(Provision, verbose_name="变更条款", on_delete=models.CASCADE, related_name="+")
    change = models.CharField("变更类型", max_length=10, choices=ProvisionStatus.choices)
    violation_code = models.ForeignKey(
        ViolationCode, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings"
    )
    case_cause = models.ForeignKey(CaseCause, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings")
    benchmark = models.ForeignKey(
        DiscretionBenchmark, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings"
    )
    status = models.CharField("状态", max_length=15, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    created_at = models.DateTimeField("预警时间", default=timezone.now)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("处理说明", max_length=300, blank=True)

    scope_unit_field = None
    scope_owner_field = None
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = "法律依据变更预警"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        target = self.violation_code or self.case_cause or self.benchmark
        return f"{self.provision.citation} → {target}"


class BasisSuggestion(models.Model):
    """The matcher's proposal that a legacy code's free-text basis cites a provision, for review."""

    violation_code = models.ForeignKey(ViolationCode, on_delete=models.CASCADE, related_name="basis_suggestions")
    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField("匹配概率")
    suspected_mismatch = models.BooleanField("疑似不一致", default=False)
    accepted = models.BooleanField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    scope_unit_field = None
    scope_owner_field = None
    objects = ScopedManager()

    class Meta:
        verbose_name = verbose_name_plural = "法律依据匹配建议"
        ordering = ["-probability"]
