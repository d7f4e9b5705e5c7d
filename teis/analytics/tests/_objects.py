"""Factories of analytics' own records for the generic and action tests."""

from __future__ import annotations

from decimal import Decimal

from teis.analytics.choices import CandidateStatus, EvaluationStatus, ReportKind, ReportStatus, RuleKind, TargetKind
from teis.analytics.models import (
    DishonestyCandidate,
    DishonestyRule,
    EvaluationBatch,
    EvaluationIndicator,
    EvaluationTarget,
    ReportVersion,
    StatutoryReport,
)


def report(unit, n: int, status=ReportStatus.GENERATED, kind=ReportKind.CREDIT) -> StatutoryReport:
    year, month = 2000 + (n // 12) % 90, n % 12 + 1
    r = StatutoryReport.objects.create(kind=kind, year=year, month=month, unit=unit, status=status, row_count=0)
    ReportVersion.objects.create(report=r, number=1, columns=["列"], rows=[], reason="测试")
    return r


def rule(n: int = 0, kind=RuleKind.REPEATED, **kw) -> DishonestyRule:
    return DishonestyRule.objects.create(name=f"规则{n}", kind=kind, **kw)


def candidate(unit, n: int, status=CandidateStatus.PENDING) -> DishonestyCandidate:
    return DishonestyCandidate.objects.create(
        rule=rule(n),
        subject_kind="organisation",
        name=f"候选企业{n}",
        identifier=f"91310000{n:010d}",
        subject_key=f"org:{n}",
        unit=unit,
        case_count=3,
        fine_total=Decimal("3000"),
        status=status,
    )


def batch(unit, n: int, status=EvaluationStatus.DRAFT, indicators=(("质量", 60), ("程序", 40))) -> EvaluationBatch:
    b = EvaluationBatch.objects.create(name=f"考核批次{n}", year=2000 + n % 90, unit=unit, status=status)
    for i, (name, weight) in enumerate(indicators):
        EvaluationIndicator.objects.create(batch=b, name=name, weight=weight, order=i)
    return b


def target(unit, n: int, status=EvaluationStatus.SCORING) -> EvaluationTarget:
    root = unit
    while root.parent_id:
        root = root.parent
    return EvaluationTarget.objects.create(batch=batch(root, n, status), kind=TargetKind.UNIT, unit=unit)
