"""Factories of analytics' own records for the generic and action tests."""

from __future__ import annotations

from decimal import Decimal

from teis.analytics.choices import CandidateStatus, ReportKind, ReportStatus, RuleKind
from teis.analytics.models import DishonestyCandidate, DishonestyRule, ReportVersion, StatutoryReport


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
