from django.db import models


class ReportKind(models.TextChoices):
    """法定月报 (spec §2.5.2.2–3)."""

    CREDIT = "credit", "征信案件报送"
    DOUBLE_PUBLICITY = "double_publicity", "双公示（行政处罚）"
    OVERLOAD = "overload", "超限治理统计表"


class ReportStatus(models.TextChoices):
    GENERATED = "generated", "待审核"
    REVIEWED = "reviewed", "已审核"
    SENT = "sent", "已报送"


class RuleKind(models.TextChoices):
    """严重失信主体认定规则 (spec §2.5.2.4)."""

    REPEATED = "repeated", "一定期间内多次违法"
    SERIOUS_CAUSE = "serious_cause", "严重违法案由"
    UNPAID = "unpaid", "逾期不缴纳罚款"


class SubjectKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class CandidateStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "不予认定"


class EvaluationStatus(models.TextChoices):
    """评议考核批次 (spec §2.5.2.1)."""

    DRAFT = "draft", "准备中"
    SCORING = "scoring", "评分中"
    PUBLISHED = "published", "已发布"


class TargetKind(models.TextChoices):
    UNIT = "unit", "单位"
    OFFICER = "officer", "执法人员"
    CASE = "case", "案卷"


class PerformanceKey(models.TextChoices):
    """日常绩效 indicators (spec §2.5.6.2, §2.5.5.4): each read from a declared fact (`facts.py`)."""

    SIGNINS = "signins", "出勤（勤务签到）"
    CASES_FILED = "cases_filed", "立案数"
    CASES_CLOSED = "cases_closed", "结案数"
    DOCUMENTS = "documents_issued", "签发文书"
    WARNINGS = "case_warnings", "执法监督预警"
    COMPLAINTS = "officer_complaints", "投诉（涉及承办案件）"
