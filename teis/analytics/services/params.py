"""Reading a report's parameters (period, unit, grouping, dimension filters) from a query string, the same for
the page, its Excel and PDF, the drill-down and the API; refusals are Chinese `ServiceError`s (HTTP 400)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone

from teis.core.services import ServiceError

from .. import semantic as sem

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.org.models import Unit

FILTER_PREFIX = "f_"


@dataclass
class ReportParams:
    start: dt.date
    end: dt.date
    unit: Unit | None = None  # the report's root (None: the user's own)
    group: str = sem.UNIT_LEVEL
    filters: dict[str, str] = field(default_factory=dict)

    def slice(self, root: Unit) -> sem.Slice:
        return sem.Slice(self.start, self.end, root, dict(self.filters))

    def query(self, **extra: Any) -> str:
        q: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat(), "group": self.group}
        if self.unit is not None:
            q["unit"] = self.unit.pk
        q |= {f"{FILTER_PREFIX}{k}": v for k, v in self.filters.items()}
        q |= {k: v for k, v in extra.items() if v is not None}
        return urlencode(q)


def _date(value: Any, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ServiceError("invalid_date", f"{label}格式无效，例如 2026-01-31", {label: ["日期格式无效"]}) from None


def parse(user: User, data: dict[str, Any], *, default_group: str = sem.UNIT_LEVEL) -> ReportParams:
    """Parameters from a QueryDict / dict. Default period: this year to today. A unit outside the user's scope
    answers 404."""
    from teis.org.models import Unit

    today = timezone.localdate()
    start = _date(data.get("start"), "起始日期") or today.replace(month=1, day=1)
    end = _date(data.get("end"), "截止日期") or today
    if start > end:
        raise ServiceError("invalid_period", "起始日期不能晚于截止日期", {"start": ["起始日期不能晚于截止日期"]})
    if (end - start).days > 366 * 5:
        raise ServiceError("invalid_period", "统计期间不能超过五年", {"start": ["统计期间不能超过五年"]})
    unit = None
    raw_unit = data.get("unit")
    if raw_unit not in (None, ""):
        text = str(raw_unit)
        if not text.isdigit() or int(text) > 2**31 - 1:
            raise Http404
        unit = Unit.objects.for_user(user).filter(pk=int(text)).first()
        if unit is None:
            raise Http404
    group = data.get("group") or default_group
    known = set(sem.DERIVED_GROUPS) | {d for f in sem.facts() for d in f.dimensions}
    if group not in known:
        raise ServiceError("invalid_dimension", "统计维度无效", {"group": ["统计维度无效"]})
    filters = {}
    for key, value in data.items():
        if key.startswith(FILTER_PREFIX) and value not in (None, ""):  # empty: 全部
            dim = key[len(FILTER_PREFIX) :]
            if dim != sem.DISTRICT:
                sem.dimension(dim)  # unknown: ServiceError
            filters[dim] = str(value)
    return ReportParams(start, end, unit, group, filters)
