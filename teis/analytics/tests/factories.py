"""Cases for analytics tests: written straight to the table (as generate_cases does), dates in local time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

TZ = timezone.get_fixed_timezone(480)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def make_case(
    unit,
    handler,
    *,
    filed: dt.date | None = None,
    closed: dt.date | None = None,
    decided=None,
    fine=None,
    source="on_site",
    line=None,
    major=False,
    status=None,
    paid=None,
    title="测试案件",
    **kw,
):
    from teis.cases.models import EnforcementCase

    status = status or ("closed" if closed else "investigating" if filed else "pre_registered")
    return EnforcementCase.objects.create(
        title=title,
        unit=unit,
        handler=handler,
        created_by=handler,
        status=status,
        source=source,
        business_line=line,
        is_major=major,
        filed_at=at(filed) if filed else None,
        closed_at=at(closed, 15) if closed else None,
        decided_at=at(decided) if decided else None,
        decision_type="penalty" if decided else "",
        fine_amount=Decimal(fine) if fine is not None else None,
        paid_amount=Decimal(paid or 0),
        paid_at=at(decided) if paid else None,
        **kw,
    )
