"""统计 (spec §2.1.4.2) and the 信访专题 dashboard (spec §2.5.6.5), always within the user's data scope.

Figures per group (反映类别, 承办单位, 来源渠道, month):
- total 信访总量 (registered in the period), accepted 受理数 (accepted_at set), handled 处理数 (handled_at set),
  closed 办结数 (closed_at set);
- closure_rate 办结率 = closed / total;
- in_time_rate 限时办结率 = closed within 办结期限 / closed;
- satisfaction_rate 回访满意率 = (满意 + 基本满意) / visits that reached the complainant (无法联系 not counted), each
  petition counted once by its latest visit (a petition reopened after 不满意 counts as 不满意 until visited again);
- redone 重办数: petitions reopened at least once after a 不满意 visit (`redo_count` > 0).
Rates are percentages with one decimal, None when the denominator is 0.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from teis.core.services import ServiceError

from ..choices import SATISFIED_VALUES, Channel, Satisfaction
from ..models import Petition

if TYPE_CHECKING:
    from django.db.models import QuerySet

DIMENSIONS = {"category": "反映类别", "unit": "承办单位", "channel": "来源渠道", "month": "月份"}
FIGURES = {
    "total": "信访总量",
    "accepted": "受理数",
    "handled": "处理数",
    "closed": "办结数",
    "closure_rate": "办结率（%）",
    "in_time": "按期办结数",
    "in_time_rate": "限时办结率（%）",
    "visited": "回访数",
    "satisfied": "满意数",
    "satisfaction_rate": "回访满意率（%）",
    "redone": "重办数",
}
AGGREGATES = {
    "total": Count("pk"),
    "accepted": Count("pk", filter=Q(accepted_at__isnull=False)),
    "handled": Count("pk", filter=Q(handled_at__isnull=False)),
    "closed": Count("pk", filter=Q(closed_at__isnull=False)),
    "in_time": Count("pk", filter=Q(closed_at__isnull=False, closed_in_time=True)),
    "visited": Count("pk", filter=~Q(satisfaction="") & ~Q(satisfaction=Satisfaction.UNREACHABLE)),
    "satisfied": Count("pk", filter=Q(satisfaction__in=SATISFIED_VALUES)),
    "redone": Count("pk", filter=Q(redo_count__gt=0)),
}


def rate(part: int, whole: int) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["closure_rate"] = rate(row["closed"], row["total"])
    row["in_time_rate"] = rate(row["in_time"], row["closed"])
    row["satisfaction_rate"] = rate(row["satisfied"], row["visited"])
    return row


def _bounds(date_from: dt.date | None, date_to: dt.date | None) -> Q:
    q = Q()
    tz = timezone.get_current_timezone()
    if date_from:
        q &= Q(registered_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
    if date_to:
        q &= Q(registered_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return q


def check_period(date_from: Any, date_to: Any) -> tuple[dt.date | None, dt.date | None]:
    def parse(value: Any, label: str) -> dt.date | None:
        if value in (None, ""):
            return None
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise ServiceError("invalid_date", f"{label}格式无效，例如 2025-01-31", {label: ["日期格式无效"]}) from None

    start, end = parse(date_from, "起始日期"), parse(date_to, "截止日期")
    if start and end and start > end:
        raise ServiceError("invalid_period", "起始日期不能晚于截止日期", {"date_from": ["起始日期不能晚于截止日期"]})
    return start, end


def statistics(
    user: Any, dimension: str, date_from: Any = None, date_to: Any = None, *, unit: Any = None
) -> list[dict[str, Any]]:
    """Rows of figures grouped by `dimension`, plus a 合计 row last."""
    if dimension not in DIMENSIONS:
        raise ServiceError("invalid_dimension", "统计维度无效，可选：" + "、".join(DIMENSIONS.values()))
    date_from, date_to = check_period(date_from, date_to)
    qs = Petition.objects.for_user(user).filter(_bounds(date_from, date_to))
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    rows: list[dict[str, Any]] = []
    if dimension == "category":
        for r in qs.values("category_id", "category__label").annotate(**AGGREGATES).order_by("-total", "category_id"):
            rows.append({"key": r["category_id"], "label": r["category__label"], **_figures(r)})
    elif dimension == "unit":
        for r in qs.values("unit_id", "unit__name").annotate(**AGGREGATES).order_by("-total", "unit_id"):
            rows.append({"key": r["unit_id"], "label": r["unit__name"], **_figures(r)})
    elif dimension == "channel":
        labels = dict(Channel.choices)
        for r in qs.values("channel").annotate(**AGGREGATES).order_by("-total", "channel"):
            rows.append({"key": r["channel"], "label": labels.get(r["channel"], r["channel"]), **_figures(r)})
    else:
        month_rows = qs.annotate(month=TruncMonth("registered_at")).values("month").annotate(**AGGREGATES)
        for r in month_rows.order_by("month"):
            month = r["month"]
            label = f"{month:%Y-%m}" if month else "—"
            rows.append({"key": label, "label": label, **_figures(r)})
    total = qs.aggregate(**AGGREGATES)
    rows.append({"key": "", "label": "合计", **_figures(total)})
    return rows


def _figures(r: dict[str, Any]) -> dict[str, Any]:
    return _with_rates({k: r[k] for k in AGGREGATES})


def export_statistics(rows: list[dict[str, Any]], dimension: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"按{DIMENSIONS[dimension]}统计"[:30]
    ws.append([DIMENSIONS[dimension], *FIGURES.values()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r["label"], *[r[k] if r[k] is not None else "—" for k in FIGURES]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- 信访专题 dashboard ---------------------------------------------------------------------------------------


def _period_figures(qs: QuerySet[Petition], start: dt.date, end: dt.date) -> dict[str, Any]:
    return _figures(qs.filter(_bounds(start, end)).aggregate(**AGGREGATES))


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _compare(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in ("total", "accepted", "handled", "closed", "closure_rate"):
        cur, prev = current[k], previous[k]
        if cur is None or prev is None:
            out[k] = None
        elif k == "closure_rate":
            out[k] = round(cur - prev, 1)
        else:
            out[k] = rate(cur - prev, prev) if prev else None
    return out


def dashboard(user: Any, year: int | None = None, month: int | None = None) -> dict[str, Any]:
    """信访专题: this year vs last year, this month vs the previous month, and the monthly series of both years."""
    today = timezone.localdate()
    year = year or today.year
    month = month or (today.month if year == today.year else 12)
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise ServiceError("invalid_period", "年份或月份无效")
    qs = Petition.objects.for_user(user)
    this_year = _period_figures(qs, dt.date(year, 1, 1), dt.date(year, 12, 31))
    last_year = _period_figures(qs, dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31))
    prev_y, prev_m = (year, month - 1) if month > 1 else (year - 1, 12)
    this_month = _period_figures(qs, dt.date(year, month, 1), _month_end(year, month))
    last_month = _period_figures(qs, dt.date(prev_y, prev_m, 1), _month_end(prev_y, prev_m))
    series = {}
    for y in (year, year - 1):
        rows = {
            r["month"].month: r
            for r in qs.filter(_bounds(dt.date(y, 1, 1), dt.date(y, 12, 31)))
            .annotate(month=TruncMonth("registered_at"))
            .values("month")
            .annotate(**AGGREGATES)
        }
        series[y] = [_figures(rows[m]) if m in rows else _figures(dict.fromkeys(AGGREGATES, 0)) for m in range(1, 13)]
    return {
        "year": year,
        "month": month,
        "previous_month": (prev_y, prev_m),
        "this_year": this_year,
        "last_year": last_year,
        "year_change": _compare(this_year, last_year),
        "this_month": this_month,
        "last_month": last_month,
        "month_change": _compare(this_month, last_month),
        "series": {"current": series[year], "previous": series[year - 1]},
        "by_category": statistics(user, "category", dt.date(year, 1, 1), dt.date(year, 12, 31))[:-1],
    }
