"""The semantic layer (一个口径): every countable fact is declared once — its base model, its date, its condition,
its measure and its dimensions — and every table, chart, drill-down, board and API of `analytics` reads through
`totals()` and `drill()` here, always within the user's data scope (`Model.objects.for_user`).

    totals(user, "cases_filed", Slice(start, end, unit=brigade), group="cause")  -> [Row(key, label, n, amount)]
    drill(user, "cases_filed", Slice(...), group="cause", key="12")              -> the base rows of that total

The one promise: for every row of `totals`, `drill` with the same slice, group and key returns exactly the base
rows it counts (their number is `n`, the sum of their measure is `amount`). Both paths apply the same
condition; the aggregate path (`DailyFact`, kept by `services.aggregate`) is only taken where it is equivalent:
an aggregated fact, no dimension filters, and a user whose scope is by unit (not 本人).

Another app can declare a fact of its own, or replace one (e.g. 罚没款（已缴） from finance's receipts) with
`register(Fact(...), replace=True)` from its `apps.ready()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.apps import apps as django_apps
from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from teis.core.services import ServiceError

if TYPE_CHECKING:
    from teis.org.models import Unit

NONE_KEY = ""  # the bucket of rows without a value of the dimension (未填)
NONE_LABEL = "（未填）"
OWN_LABEL = "（本级）"


@dataclass(frozen=True)
class Dimension:
    """A way to split a fact. `field` is a path on the fact's base model (None: derived from the unit)."""

    key: str
    label: str
    field: str | None = None
    labels: Callable[[list[str]], dict[str, str]] | None = None  # key -> display label, for a page of keys
    expr: Callable[[], Any] | None = None  # a computed value (annotated as d_<key>) instead of a field
    match: Callable[[str], Q] | None = None  # a filter-only dimension (e.g. a plate through the case's vehicles)


@dataclass(frozen=True)
class Fact:
    key: str
    label: str
    model: str  # "cases.EnforcementCase"
    date_field: str  # the time dimension: the day the fact happened (local date)
    where: Q | Callable[[], Q] = field(default_factory=Q)  # a callable for conditions on "today"
    amount: str | None = None  # the summed measure (a field path), None: counts only
    amount_label: str = ""
    unit_field: str = "unit"
    dimensions: tuple[str, ...] = ()
    aggregated: bool = False  # kept per day in DailyFact
    snapshot: bool = False  # a state now (e.g. overdue), not an event in a period: the period is ignored
    drill_columns: tuple[str, ...] = ()
    count_label: str = "件"
    provider: str = "analytics"  # the app that provides it (a registered replacement names itself)
    order_by: tuple[str, ...] = ("-pk",)

    def condition(self) -> Q:
        return self.where() if callable(self.where) else self.where

    def base_model(self) -> type[Any]:  # the model named by `model` (app_label.ModelName)
        return django_apps.get_model(self.model)


_FACTS: dict[str, Fact] = {}
_DIMENSIONS: dict[str, Dimension] = {}


def register(fact: Fact, *, replace: bool = False) -> Fact:
    if fact.key in _FACTS and not replace:
        raise ValueError(f"fact {fact.key!r} is declared already; pass replace=True to provide it from elsewhere")
    unknown = [d for d in fact.dimensions if d not in _DIMENSIONS]
    if unknown:
        raise ValueError(f"fact {fact.key!r} names unknown dimensions {unknown}")
    _FACTS[fact.key] = fact
    return fact


def register_dimension(dim: Dimension) -> Dimension:
    _DIMENSIONS[dim.key] = dim
    return dim


def fact(key: str) -> Fact:
    try:
        return _FACTS[key]
    except KeyError:
        raise ServiceError("invalid_fact", f"统计指标“{key}”不存在") from None


def facts() -> list[Fact]:
    return list(_FACTS.values())


def dimension(key: str) -> Dimension:
    try:
        return _DIMENSIONS[key]
    except KeyError:
        raise ServiceError("invalid_dimension", f"统计维度“{key}”不存在") from None


# groups that are not a field of the fact: computed from the unit or the date
UNIT_LEVEL = "unit"  # the units one level below the slice's unit (委 → 总队 → 支队 → 大队 → 中队)
DISTRICT = "district"  # the 行政区划 of the unit (nearest region code)
MONTH = "month"
DAY = "day"
DERIVED_GROUPS = {UNIT_LEVEL: "单位", DISTRICT: "行政区划", MONTH: "月份", DAY: "日期"}


@dataclass
class Slice:
    """What is counted: a local-date period (inclusive), a unit subtree, and equality filters on dimensions."""

    start: dt.date | None = None
    end: dt.date | None = None
    unit: Any = None  # org.Unit: its subtree; None: the user's whole scope
    filters: dict[str, str] = field(default_factory=dict)

    def check(self, f: Fact) -> None:
        if self.start and self.end and self.start > self.end:
            raise ServiceError("invalid_period", "起始日期不能晚于截止日期", {"start": ["起始日期不能晚于截止日期"]})
        for key in self.filters:
            if key not in f.dimensions and key != DISTRICT:
                raise ServiceError("invalid_filter", f"指标“{f.label}”不能按“{dimension(key).label}”筛选")

    def shifted(self, *, years: int = 0, days: int = 0) -> Slice:
        def move(d: dt.date | None) -> dt.date | None:
            if d is None:
                return None
            if years:
                try:
                    d = d.replace(year=d.year + years)
                except ValueError:  # 29 February
                    d = d.replace(year=d.year + years, day=28)
            return d + dt.timedelta(days=days)

        return Slice(move(self.start), move(self.end), self.unit, dict(self.filters))

    def previous(self) -> Slice:
        """The period of the same length just before (环比)."""
        if not (self.start and self.end):
            return self
        length = (self.end - self.start).days + 1
        return self.shifted(days=-length)


@dataclass
class Row:
    key: str
    label: str
    n: int = 0
    amount: Decimal = Decimal(0)


# --- scope and units ------------------------------------------------------------------------------------------


def _scope(user) -> str | None:
    from teis.org.scope import user_data_scope

    return user_data_scope(user)


def by_unit_scope(user) -> bool:
    """Whether the user's scope is a set of units (then the aggregate answers for them)."""
    return _scope(user) in ("unit", "subtree", "all")


def scoped_units(user):
    """The units whose facts the user may count (by-unit scopes); the aggregate is filtered by these."""
    from teis.org.models import Unit

    return Unit.objects.for_user(user)


def _unit_path_q(prefix: str, unit) -> Q:
    return Q(**{f"{prefix}path__startswith": unit.path})


def report_root(user: Any, unit: Unit | None = None) -> Unit:
    """The unit a report starts from: the one asked for (inside the user's scope, else 404) or the user's own."""
    from django.http import Http404

    from teis.org.models import Unit

    if unit is not None:
        if not Unit.objects.for_user(user).filter(pk=unit.pk).exists():
            raise Http404
        return unit
    officer = getattr(user, "officer", None)
    if officer is not None and officer.unit_id:
        from teis.org.scope import scope_unit

        # a corps department (法制科, 指挥中心) reports for its corps: its own cases are few
        return scope_unit(officer) if by_unit_scope(user) else officer.unit
    root = Unit.objects.order_by("depth", "path").first()
    if root is None:  # no organisation yet
        raise Http404
    return root


# --- the base path ----------------------------------------------------------------------------------------------


def _local_bounds(start: dt.date | None, end: dt.date | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz) if start else None
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if end else None
    return lo, hi


def base_queryset(user, f: Fact, sl: Slice) -> QuerySet:
    """The fact's base rows in the slice, within the user's scope: what every total counts."""
    sl.check(f)
    qs = f.base_model().objects.for_user(user).filter(f.condition())
    if not f.snapshot:
        lo, hi = _local_bounds(sl.start, sl.end)
        qs = qs.filter(**{f"{f.date_field}__isnull": False})
        if lo:
            qs = qs.filter(**{f"{f.date_field}__gte": lo})
        if hi:
            qs = qs.filter(**{f"{f.date_field}__lt": hi})
    if sl.unit is not None:
        qs = qs.filter(_unit_path_q(f"{f.unit_field}__", sl.unit))
    for key, value in sl.filters.items():
        if key == DISTRICT:
            qs = qs.filter(**{f"{f.unit_field}_id__in": units_of_district(value)})
            continue
        d = dimension(key)
        qs = with_dimension(qs, d).filter(_dim_q(d, value))
    return qs


def _dim_q(d: Dimension, value: str) -> Q:
    """Rows whose dimension value is `value` ("" : none)."""
    if d.match is not None:
        return d.match(value)
    name = d.field or f"d_{d.key}"
    if name.endswith("_id") and value != NONE_KEY and not (value.isdigit() and int(value) <= 2**31 - 1):
        raise ServiceError("invalid_key", f"“{d.label}”的取值无效", {d.key: ["取值无效"]})
    if value == NONE_KEY:
        q = Q(**{f"{name}__isnull": True})
        return q if name.endswith("_id") else q | Q(**{name: ""})
    return Q(**{name: value})


def with_dimension(qs: QuerySet, d: Dimension) -> QuerySet:
    """The queryset with the dimension's computed value annotated (`d_<key>`), where it is computed."""
    return qs.annotate(**{f"d_{d.key}": d.expr()}) if d.expr is not None else qs


CENT = Decimal("0.01")


def _money(value) -> Decimal:
    """Sums as exact yuan and fen, whatever the database returns (SQLite: a float or a bare integer)."""
    return Decimal(str(value or 0)).quantize(CENT)


def _measures(f: Fact) -> dict[str, Any]:
    out: dict[str, Any] = {"n": Count("pk")}
    if f.amount:
        out["amount"] = Coalesce(
            Sum(f.amount), Value(Decimal(0)), output_field=DecimalField(max_digits=18, decimal_places=2)
        )
    return out


def _group_expr(f: Fact, group: str | None) -> tuple[str, dict]:
    """(the values() name, annotations) of a group on the base rows."""
    if group in (UNIT_LEVEL, DISTRICT):
        return f"{f.unit_field}_id", {}
    if group in (MONTH, DAY):
        return "g_day", {"g_day": TruncDate(f.date_field, tzinfo=timezone.get_current_timezone())}
    d = dimension(group)  # type: ignore[arg-type]
    if d.match is not None:
        raise ServiceError("invalid_dimension", f"不能按“{d.label}”分组")
    if d.expr is not None:
        return f"d_{d.key}", {f"d_{d.key}": d.expr()}
    return d.field, {}


def _base_totals(user, f: Fact, sl: Slice, group: str | None) -> dict[Any, tuple[int, Decimal]]:
    qs = base_queryset(user, f, sl)
    if group is None:
        r = qs.aggregate(**_measures(f))
        return {None: (r["n"] or 0, _money(r.get("amount")))}
    name, ann = _group_expr(f, group)
    if ann:
        qs = qs.annotate(**ann)
    out: dict[Any, tuple[int, Decimal]] = {}
    for r in qs.order_by().values(name).annotate(**_measures(f)):
        out[r[name]] = (r["n"], _money(r.get("amount")))
    return out


# --- the aggregate path -----------------------------------------------------------------------------------------


AS_OF_KEY = "analytics:aggregate_as_of"
AS_OF_SECONDS = 5


def aggregate_as_of() -> dt.datetime | None:
    """When the aggregate was last brought up to date (None: never built, the base table answers). Cached a few
    seconds: a page asks for it with every figure, and both paths give the same answer."""
    from django.core.cache import cache

    from .models import AggregateState

    cached = cache.get(AS_OF_KEY)
    if cached is not None:
        return cached or None
    value = AggregateState.objects.filter(source="cases").values_list("watermark", flat=True).first()
    cache.set(AS_OF_KEY, value or "", AS_OF_SECONDS)
    return value


def forget_as_of() -> None:
    from django.core.cache import cache

    cache.delete(AS_OF_KEY)


def uses_aggregate(user, f: Fact, sl: Slice, group: str | None) -> bool:
    if not f.aggregated or not by_unit_scope(user):
        return False
    if aggregate_as_of() is None:
        return False
    if any(k != DISTRICT for k in sl.filters):
        return False
    if group in f.dimensions and dimension(group).match is not None:
        return False
    return group is None or group in (UNIT_LEVEL, DISTRICT, MONTH, DAY) or group in f.dimensions


def _aggregate_totals(user, f: Fact, sl: Slice, group: str | None) -> dict[Any, tuple[int, Decimal]]:
    from .models import DailyFact

    sl.check(f)
    dim = group if group in f.dimensions else ""
    qs = DailyFact.objects.for_user(user).filter(fact=f.key, dim=dim)
    if sl.start and not f.snapshot:
        qs = qs.filter(day__gte=sl.start)
    if sl.end and not f.snapshot:
        qs = qs.filter(day__lte=sl.end)
    if sl.unit is not None:
        qs = qs.filter(unit__path__startswith=sl.unit.path)
    if DISTRICT in sl.filters:
        qs = qs.filter(unit_id__in=units_of_district(sl.filters[DISTRICT]))
    if group is None:
        name = None
    elif group in (UNIT_LEVEL, DISTRICT):
        name = "unit_id"
    elif group in (MONTH, DAY):
        name = "day"
    else:
        name = "value"
    measures = {"n_sum": Sum("n"), "amount_sum": Sum("amount")}
    if name is None:
        r = qs.aggregate(**measures)
        return {None: (int(r["n_sum"] or 0), _money(r["amount_sum"]))}
    out: dict[Any, tuple[int, Decimal]] = {}
    for r in qs.order_by().values(name).annotate(**measures):
        out[r[name]] = (int(r["n_sum"] or 0), _money(r["amount_sum"]))
    return out


# --- totals and drill-down --------------------------------------------------------------------------------------


def _add(bucket: dict[str, list], key: str, n: int, amount: Decimal) -> None:
    cur = bucket.setdefault(key, [0, Decimal(0)])
    cur[0] += n
    cur[1] += amount


def _unit_children(root) -> list:
    from teis.org.models import Unit

    # only what a label and a subtree need (a unit also carries its jurisdiction's GeoJSON)
    return list(Unit.objects.filter(parent=root).order_by("order", "path").only("pk", "name", "path", "parent_id"))


def _level_key(unit_path: str, root, children: list) -> str:
    for c in children:
        if unit_path.startswith(c.path):
            return str(c.pk)
    return f"self:{root.pk}"


def _unit_paths(ids) -> dict[int, str]:
    from teis.org.models import Unit

    return dict(Unit.objects.filter(pk__in=[i for i in ids if i is not None]).values_list("pk", "path"))


def totals(user, fact_key: str, sl: Slice, group: str | None = None) -> list[Row]:
    """The fact's totals in the slice, one row per group key (all of them, largest first for dimensions; in
    order for units, months and days); without a group a single row."""
    f = fact(fact_key)
    sl = _rooted(user, sl, group)
    if f.snapshot and group in (MONTH, DAY):
        raise ServiceError("invalid_dimension", f"“{f.label}”是当前状态，不能按{DERIVED_GROUPS[group]}分组")
    if group is not None and group not in DERIVED_GROUPS and group not in f.dimensions:
        raise ServiceError("invalid_dimension", f"指标“{f.label}”不能按“{dimension(group).label}”分组")
    raw = (
        _aggregate_totals(user, f, sl, group)
        if uses_aggregate(user, f, sl, group)
        else _base_totals(user, f, sl, group)
    )
    if group is None:
        n, amount = raw.get(None, (0, Decimal(0)))
        return [Row("", "合计", n, amount)]
    bucket: dict[str, list] = {}
    if group == UNIT_LEVEL:
        root = sl.unit
        children = _unit_children(root)
        paths = _unit_paths(raw.keys())
        for uid, (n, a) in raw.items():
            _add(bucket, _level_key(paths.get(uid, ""), root, children), n, a)
        labels = {str(c.pk): c.name for c in children} | {f"self:{root.pk}": f"{root.name}{OWN_LABEL}"}
        order = [str(c.pk) for c in children] + [f"self:{root.pk}"]
        return [Row(k, labels[k], *bucket[k]) for k in order if k in bucket]
    if group == DISTRICT:
        regions = unit_regions([k for k in raw if k is not None])
        for uid, (n, a) in raw.items():
            _add(bucket, regions.get(uid, NONE_KEY), n, a)
        names = region_names()
        return sorted(
            (Row(k, names.get(k, k or NONE_LABEL), *v) for k, v in bucket.items()), key=lambda r: (-r.n, r.key)
        )
    if group in (MONTH, DAY):
        for d, (n, a) in raw.items():
            if d is None:
                continue
            key = f"{d:%Y-%m}" if group == MONTH else f"{d:%Y-%m-%d}"
            _add(bucket, key, n, a)
        return [Row(k, k, *bucket[k]) for k in sorted(bucket)]
    d = dimension(group)
    for k, (n, a) in raw.items():
        _add(bucket, "" if k is None else str(k), n, a)
    labels = d.labels([k for k in bucket if k]) if d.labels else {}
    return sorted(
        (Row(k, labels.get(k, k) if k else NONE_LABEL, *v) for k, v in bucket.items()), key=lambda r: (-r.n, r.key)
    )


def drill(user, fact_key: str, sl: Slice, group: str | None = None, key: str | None = None) -> QuerySet:
    """Exactly the base rows that make up the total of `key` in `totals(user, fact_key, sl, group)` (all rows
    of the slice without a group), in the user's scope. A key outside the user's scope gives no rows."""
    f = fact(fact_key)
    sl = _rooted(user, sl, group)
    qs = base_queryset(user, f, sl)
    if group is None or key is None:
        return qs.order_by(*f.order_by)
    if group == UNIT_LEVEL:
        root = sl.unit
        if key.startswith("self:"):
            qs = qs.filter(**{f"{f.unit_field}_id": root.pk})
        else:
            child = _child(root, key)
            qs = qs.filter(_unit_path_q(f"{f.unit_field}__", child)) if child is not None else qs.none()
    elif group == DISTRICT:
        qs = qs.filter(**{f"{f.unit_field}_id__in": units_of_district(key)})
    elif group in (MONTH, DAY):
        try:
            first = dt.date.fromisoformat(f"{key}-01" if group == MONTH else key)
        except ValueError:
            raise ServiceError("invalid_key", "日期格式无效") from None
        last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        lo, hi = _local_bounds(first, last if group == MONTH else first)
        qs = qs.filter(**{f"{f.date_field}__gte": lo, f"{f.date_field}__lt": hi})
    else:
        d = dimension(group)
        qs = with_dimension(qs, d).filter(_dim_q(d, key))
    return qs.order_by(*f.order_by)


def _rooted(user, sl: Slice, group: str | None) -> Slice:
    """By unit level, the slice is the root's subtree: every row then belongs to a child or to the root itself."""
    if group == UNIT_LEVEL and sl.unit is None:
        return Slice(sl.start, sl.end, report_root(user), dict(sl.filters))
    return sl


def _child(root, key: str):
    from teis.org.models import Unit

    if not key.isdigit() or int(key) > 2**31 - 1:
        return None
    return Unit.objects.filter(parent=root, pk=int(key)).first()


def measure_of(f: Fact, qs: QuerySet) -> tuple[int, Decimal]:
    """(count, summed measure) of base rows: the drill-down's own total, to set beside the clicked figure."""
    r = qs.order_by().aggregate(**_measures(f))
    return r["n"] or 0, _money(r.get("amount"))


# --- districts (行政区划): the nearest region code up the unit tree --------------------------------------------


def unit_regions(unit_ids=None) -> dict[int, str]:
    """unit id -> 6-digit region code of the nearest unit (itself or an ancestor) that has one."""
    from teis.org.models import Unit

    units = {u["pk"]: u for u in Unit.objects.values("pk", "parent_id", "region_code")}
    out = {}
    for uid in unit_ids if unit_ids is not None else units:
        u, code = units.get(uid), ""
        while u is not None and not code:
            code = u["region_code"] or ""
            u = units.get(u["parent_id"])
        out[uid] = code
    return out


def units_of_district(code: str) -> list[int]:
    return [uid for uid, c in unit_regions().items() if c == code]


def region_names() -> dict[str, str]:
    from teis.org.models import Unit

    names = {}
    for code, name, kind in Unit.objects.exclude(region_code="").values_list("region_code", "name", "unit_type"):
        if code not in names or kind == "district_brigade":
            label = name.removesuffix("交通执法大队") if kind == "district_brigade" else "市级"
            names[code] = label
    return names
