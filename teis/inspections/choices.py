"""Choices of 双随机一公开 (TextChoices with Chinese labels)."""

from django.db import models


class ObjectKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INDIVIDUAL = "individual", "个体工商户"


class CreditRating(models.TextChoices):
    A = "A", "A（守信）"
    B = "B", "B（基本守信）"
    C = "C", "C（失信）"
    D = "D", "D（严重失信）"


class RiskLevel(models.TextChoices):
    LOW = "low", "低风险"
    MEDIUM = "medium", "中风险"
    HIGH = "high", "高风险"


class ObjectStatus(models.TextChoices):
    NORMAL = "normal", "正常经营"
    INVESTIGATING = "investigating", "立案调查中"
    SUSPENDED = "suspended", "停业"
    CANCELLED = "cancelled", "注销"


class PlanLevel(models.TextChoices):
    CITY = "city", "市级"
    DISTRICT = "district", "区级"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草拟"
    FROZEN = "frozen", "名单已冻结"
    DRAWN = "drawn", "已抽取"
    PUBLISHED = "published", "已公示"


class WeightAttribute(models.TextChoices):
    NONE = "", "不分类"
    RISK = "risk_level", "按风险等级"
    CREDIT = "credit_rating", "按信用等级"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "待检查"
    DONE = "done", "已完成"


class TaskResult(models.TextChoices):
    NO_PROBLEM = "no_problem", "未发现问题"
    RECTIFY = "rectify", "责令整改"
    FILE_CASE = "file_case", "立案"


class FindingResult(models.TextChoices):
    CONFORM = "conform", "符合"
    NONCONFORM = "nonconform", "不符合"
    NOT_APPLICABLE = "na", "不适用"


class WarningKind(models.TextChoices):
    DEADLINE_NEAR = "deadline_near", "临近期限"
    OVERDUE = "overdue", "已超期"
    COVERAGE_LOW = "coverage_low", "覆盖率不足"
    INDICATOR_UNMET = "indicator_unmet", "指标未达成"


class WarningStatus(models.TextChoices):
    OPEN = "open", "未处理"
    CLOSED = "closed", "已解除"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "导入中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class IndicatorKind(models.TextChoices):
    COMPLETION_RATE = "completion_rate", "完成率(%)"
    COVERAGE_RATE = "coverage_rate", "覆盖率(%)"
    INSPECTED_COUNT = "inspected_count", "检查户数"
    PROBLEM_RATE = "problem_rate", "问题发现率(%)"
    CASE_COUNT = "case_count", "立案数"


class IndicatorDirection(models.TextChoices):
    AT_LEAST = "gte", "不低于"
    AT_MOST = "lte", "不高于"
