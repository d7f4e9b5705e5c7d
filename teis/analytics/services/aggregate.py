"""The daily aggregate (`DailyFact`): per local day, unit and fact, whole and split by each of the fact's
dimensions. Kept by `refresh()` (the periodic job: the days touched by cases changed since the last run are
recomputed whole) and `rebuild()` (the `rebuild_analytics` command, and the first run).

Each (fact, day range) is recomputed with one `INSERT … SELECT … GROUP BY` per grouping over the base table
(no rows through Python), after deleting that range: a rerun gives the same rows, and a recomputed day is right
whatever changed in it (a case moved to another unit, its cause corrected). A date field moved to another day
leaves its old day stale until the nightly run, which recomputes the trailing `NIGHTLY_DAYS` too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import Count, DateField, DecimalField, Expression, F, Max, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ..models import AggregateState, DailyFact
from ..semantic import Fact, _local_bounds, dimension, facts

SOURCE = "cases"
OVERLAP = dt.timedelta(minutes=10)  # rows saved before the watermark but committed after it
NIGHTLY_DAYS = 35


def grouping_dimensions(f: Fact) -> list[str]:
    """The dimensions kept in the aggregate (filter-only ones, like a plate, are read from the base table)."""
    return [d for d in f.dimensions if dimension(d).match is None]


def aggregated_facts() -> list[Fact]:
    return [f for f in facts() if f.aggregated]


def event_facts() -> list[Fact]:
    """Aggregated facts that happen on a day (kept per day)."""
    return [f for f in aggregated_facts() if not f.snapshot]


def snapshot_facts() -> list[Fact]:
    """Aggregated states (在办, 超期未结): kept as of the last run, one row set per unit and dimension."""
    return [f for f in aggregated_facts() if f.snapshot]


def _grouped(f: Fact, dim: str, start: dt.date, end: dt.date) -> QuerySet[Any, dict[str, Any]]:
    """The base rows of `f` in [start, end] grouped by day, unit and the dimension's value, with n and amount (a
    snapshot: all its rows now, on the day `end`)."""
    model = f.base_model()
    qs = model._base_manager.filter(f.condition())
    day: Expression
    if f.snapshot:
        day = Value(end, output_field=DateField())
    else:
        lo, hi = _local_bounds(start, end)
        qs = qs.filter(**{f"{f.date_field}__gte": lo, f"{f.date_field}__lt": hi, f"{f.date_field}__isnull": False})
        day = TruncDate(f.date_field, tzinfo=timezone.get_current_timezone())
    ann: dict[str, Any] = {"g_day": day, "g_unit": F(f"{f.unit_field}_id")}
    if dim:
        d = dimension(dim)
        ann["g_val"] = d.expr() if d.expr is not None else F(cast(str, d.field))
    else:
        ann["g_val"] = Value("")
    amount = F(f.amount) if f.amount else Value(0)
    grouped: QuerySet[Any, dict[str, Any]] = (
        qs.annotate(**ann)
        .values("g_day", "g_unit", "g_val")
        .annotate(
            g_n=Count("pk"),
            g_amount=Coalesce(Sum(amount), Value(0), output_field=DecimalField(max_digits=18, decimal_places=2)),
        )
        .order_by()
    )
    return grouped


def _insert(f: Fact, dim: str, start: dt.date, end: dt.date) -> int:
    sql, params = _grouped(f, dim, start, end).query.sql_with_params()
    q = connection.ops.quote_name
    table = q(DailyFact._meta.db_table)
    insert = (
        f"INSERT INTO {table} (day, fact, unit_id, dim, value, n, amount) "  # noqa: S608 (table name from model meta)
        f"SELECT sub.g_day, %s, sub.g_unit, %s, COALESCE(CAST(sub.g_val AS VARCHAR(40)), ''), sub.g_n, sub.g_amount "
        f"FROM ({sql}) sub"
    )
    with connection.cursor() as cur:
        cur.execute(insert, [f.key, dim, *params])
        count: int = cur.rowcount
        return count


def recompute(start: dt.date, end: dt.date, fact_list: Iterable[Fact] | None = None) -> int:
    """Recompute [start, end] of the aggregated facts; one transaction. Returns the rows written."""
    written = 0
    with transaction.atomic():
        for f in fact_list or event_facts():
            DailyFact.objects.filter(fact=f.key, day__gte=start, day__lte=end).delete()
            for dim in ("", *grouping_dimensions(f)):
                written += max(_insert(f, dim, start, end), 0)
    return written


def snapshot() -> int:
    """Recompute the aggregated states as of now (one GROUP BY per grouping over the open rows)."""
    written = 0
    today = timezone.localdate()
    with transaction.atomic():
        for f in snapshot_facts():
            DailyFact.objects.filter(fact=f.key).delete()
            for dim in ("", *grouping_dimensions(f)):
                written += max(_insert(f, dim, today, today), 0)
    return written


MAX_RANGES = 4  # more runs of dirty days than this: one range from the first to the last (fewer table scans)


def ranges(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Contiguous runs of the given days."""
    out: list[tuple[dt.date, dt.date]] = []
    for d in sorted(set(days)):
        if out and (d - out[-1][1]).days == 1:
            out[-1] = (out[-1][0], d)
        else:
            out.append((d, d))
    return out


def _case_model() -> Any:  # the model of the case facts (`Fact.base_model`)
    return event_facts()[0].base_model()


def _date_fields() -> list[str]:
    return sorted({f.date_field for f in event_facts()})


def _days_touched(qs: QuerySet[Any]) -> set[dt.date]:
    tz = timezone.get_current_timezone()
    days: set[dt.date] = set()
    for name in _date_fields():
        rows = (
            qs.filter(**{f"{name}__isnull": False})
            .annotate(g_day=TruncDate(name, tzinfo=tz))
            .values_list("g_day", flat=True)
            .order_by()
            .distinct()
        )
        days.update(d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in rows)
    return days


def _span_of_data() -> tuple[dt.date, dt.date] | None:
    from django.db.models import Min

    model = _case_model()
    lo_hi = [model._base_manager.aggregate(lo=Min(n), hi=Max(n)) for n in _date_fields()]
    los = [timezone.localtime(r["lo"]).date() for r in lo_hi if r["lo"]]
    his = [timezone.localtime(r["hi"]).date() for r in lo_hi if r["hi"]]
    return (min(los), max(his)) if los else None


def rebuild(start: dt.date | None = None, end: dt.date | None = None, *, chunk_days: int = 92) -> dict[str, Any]:
    """Recompute every day of the data (or of [start, end]) in chunks; moves the watermark to now."""
    began = timezone.now()
    span = _span_of_data()
    if span is None:
        DailyFact.objects.all().delete()
        rows = snapshot()
        _save_state(began, 0)
        return {"days": 0, "rows": rows}
    start, end = start or span[0], end or span[1]
    if start == span[0] and end == span[1]:
        DailyFact.objects.all().delete()
    rows, day = 0, start
    while day <= end:
        last = min(end, day + dt.timedelta(days=chunk_days - 1))
        rows += recompute(day, last)
        day = last + dt.timedelta(days=1)
    rows += snapshot()
    days = (end - start).days + 1
    _save_state(began, days)
    return {"days": days, "rows": rows}


def _save_state(watermark: dt.datetime, days: int) -> None:
    from ..semantic import forget_as_of

    forget_as_of()
    AggregateState.objects.update_or_create(
        source=SOURCE, defaults={"watermark": watermark, "last_run_at": timezone.now(), "last_days": days}
    )


def refresh(*, trailing_days: int = 0) -> dict[str, Any]:
    """The incremental run: recompute the days touched by cases changed since the watermark (and the trailing
    days, for the nightly run). The first run rebuilds everything."""
    state = AggregateState.objects.filter(source=SOURCE).first()
    if state is None or state.watermark is None:
        return {"rebuilt": True, **rebuild()}
    began = timezone.now()
    changed = _case_model()._base_manager.filter(updated_at__gt=state.watermark - OVERLAP)
    days = _days_touched(changed)
    if trailing_days:
        today = timezone.localdate()
        days.update(today - dt.timedelta(days=i) for i in range(trailing_days))
    runs = ranges(days)
    if len(runs) > MAX_RANGES:
        runs = [(runs[0][0], runs[-1][1])]
    rows = sum(recompute(a, b) for a, b in runs) + snapshot()
    _save_state(began, len(days))
    return {"rebuilt": False, "days": len(days), "rows": rows}
