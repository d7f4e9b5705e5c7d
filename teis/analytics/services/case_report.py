"""案件统计 (spec §2.1.4.3, §2.6.3.6): 立案数, 结案数, 结案率, 罚没款 (decided and collected), 重大立案, 人均立案 by
unit level (委 / 总队 / 支队 / 大队 follow the report's unit), cause, line, source, officer, district or month;
compared with the previous period (环比) and the same period last year (同比); the distribution of processing
time and the overdue cases. Every figure comes from `semantic.totals` and links to `semantic.drill`."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse

from .. import semantic as sem
from .params import ReportParams

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.org.models import Unit

# column key -> (label, fact, measure)
COLUMNS: list[tuple[str, str, str | None, str]] = [
    ("filed", "立案数", "cases_filed", "n"),
    ("closed", "结案数", "cases_closed", "n"),
    ("closure_rate", "结案率（%）", None, ""),
    ("fines", "罚没款·决定（元）", "fines_decided", "amount"),
    ("collected", "罚没款·已缴（元）", "fines_collected", "amount"),
    ("major", "重大立案", "cases_major", "n"),
    ("per_officer", "人均立案", None, ""),
    ("filed_prev", "上期立案", "cases_filed", "n"),
    ("mom", "环比（%）", None, ""),
    ("filed_ly", "去年同期立案", "cases_filed", "n"),
    ("yoy", "同比（%）", None, ""),
]
GROUPS = {
    sem.UNIT_LEVEL: "下级单位",
    "cause": "案由",
    "line": "业务条线",
    "source": "案件来源",
    "officer": "办案人员",
    "procedure": "程序",
    sem.DISTRICT: "行政区划",
    sem.MONTH: "月份",
}
FILTERS = ("line", "source", "procedure")


@dataclass
class Cell:
    value: object
    url: str = ""


def rate(part: float | Decimal, whole: float | Decimal) -> float | None:
    return round(float(part) * 100.0 / float(whole), 1) if whole else None


def change(cur: float | Decimal, prev: float | Decimal) -> float | None:
    return round((float(cur) - float(prev)) * 100.0 / float(prev), 1) if prev else None


def _drill_url(params: ReportParams, fact: str, key: str | None, sl_kind: str = "") -> str:
    extra = {"fact": fact}
    if key is not None:
        extra["key"] = key
    if sl_kind:
        extra["period"] = sl_kind
    return f"{_drill_base(params)}&{urlencode(extra)}"


def _drill_base(params: ReportParams) -> str:
    cached = getattr(params, "_drill_base", None)
    if cached is None:
        cached = params._drill_base = f"{reverse('analytics:drill')}?{params.query()}"  # type: ignore[attr-defined]
    return cached


def officers_per_key(user: User, root: Unit, group: str, keys: list[str]) -> dict[str, int]:
    """Active officers under each unit-level key (人均立案's denominator), from one count per unit."""
    from django.db.models import Count

    from teis.org.models import Officer, Unit

    if group != sem.UNIT_LEVEL:
        return {}
    per_unit = list(
        Officer.objects.filter(user__is_active=True, unit__path__startswith=root.path)
        .values("unit_id", "unit__path")
        .annotate(n=Count("pk"))
    )
    paths = dict(Unit.objects.filter(pk__in=[int(k) for k in keys if k.isdigit()]).values_list("pk", "path"))
    out = {"": sum(r["n"] for r in per_unit)}
    for key in keys:
        if key.startswith("self:"):
            out[key] = sum(r["n"] for r in per_unit if r["unit_id"] == root.pk)
        else:
            path = paths.get(int(key), None) if key.isdigit() else None
            out[key] = sum(r["n"] for r in per_unit if path and r["unit__path"].startswith(path))
    return out


def build(user: User, params: ReportParams) -> dict[str, Any]:
    root = sem.report_root(user, params.unit)
    sl = params.slice(root)
    group = params.group
    by_fact: dict[tuple[str, str], dict[str, sem.Row]] = {}
    slices = {"": sl, "prev": sl.previous(), "ly": sl.shifted(years=-1)}
    wanted = {(fact, kind) for _, _, fact, _ in COLUMNS if fact for kind in [""]} | {
        ("cases_filed", "prev"),
        ("cases_filed", "ly"),
    }
    for fact, kind in wanted:
        fact_rows = sem.totals(user, fact, slices[kind], group)
        by_fact[fact, kind] = {r.key: r for r in fact_rows}
        # the whole is the sum of its groups (every row of the rooted slice is in exactly one group)
        by_fact[fact, kind][""] = sem.Row(
            "", "合计", sum(r.n for r in fact_rows), sum((r.amount for r in fact_rows), Decimal(0))
        )
    keys: list[str] = list(by_fact["cases_filed", ""].keys())
    for (_fact, kind), by_key in by_fact.items():
        if kind == "":
            keys += [k for k in by_key if k not in keys]
    keys = [k for k in keys if k != ""]
    labels: dict[str, str] = {}
    for by_key in by_fact.values():
        for k, r in by_key.items():
            labels.setdefault(k, r.label)
    officers = officers_per_key(user, root, group, keys)

    def line(key: str) -> dict[str, Any]:
        def get(fact: str, kind: str = "", measure: str = "n") -> Any:
            r = by_fact[fact, kind].get(key)
            return getattr(r, measure) if r else (0 if measure == "n" else Decimal(0))

        filed, closed = get("cases_filed"), get("cases_closed")
        prev, ly = get("cases_filed", "prev"), get("cases_filed", "ly")
        k = key or None
        cells = {
            "filed": Cell(filed, _drill_url(params, "cases_filed", k)),
            "closed": Cell(closed, _drill_url(params, "cases_closed", k)),
            "closure_rate": Cell(rate(closed, filed)),
            "fines": Cell(get("fines_decided", measure="amount"), _drill_url(params, "fines_decided", k)),
            "collected": Cell(get("fines_collected", measure="amount"), _drill_url(params, "fines_collected", k)),
            "major": Cell(get("cases_major"), _drill_url(params, "cases_major", k)),
            "per_officer": Cell(round(filed / officers[key], 2) if officers.get(key) else None),
            "filed_prev": Cell(prev, _drill_url(params, "cases_filed", k, "prev")),
            "mom": Cell(change(filed, prev)),
            "filed_ly": Cell(ly, _drill_url(params, "cases_filed", k, "ly")),
            "yoy": Cell(change(filed, ly)),
        }
        return {"key": key, "label": labels.get(key, "合计") if key else "合计", "cells": cells}

    rows = [line(k) for k in keys]
    total = line("")
    duration = sem.totals(user, "cases_closed", sl, "duration")
    overdue_sl = sem.Slice(unit=root)
    overdue = sem.totals(user, "cases_overdue", overdue_sl)[0].n
    pending = sem.totals(user, "cases_pending", overdue_sl)[0].n
    trend_filed = sem.totals(user, "cases_filed", sl, sem.MONTH)
    trend_closed = {r.key: r.n for r in sem.totals(user, "cases_closed", sl, sem.MONTH)}
    return {
        "root": root,
        "slice": sl,
        "previous": slices["prev"],
        "last_year": slices["ly"],
        "group_label": GROUPS.get(group, group),
        "columns": [(k, label) for k, label, _, _ in COLUMNS],
        "rows": rows,
        "total": total,
        "duration": [
            {
                "label": r.label,
                "n": r.n,
                "url": reverse("analytics:drill")
                + "?"
                + params.query(fact="cases_closed", key=r.key, group="duration"),
            }
            for r in sorted(duration, key=lambda r: r.key)
        ],
        "overdue": overdue,
        "pending": pending,
        "overdue_url": reverse("analytics:drill") + "?" + params.query(fact="cases_overdue"),
        "trend": {
            "months": [r.key for r in trend_filed],
            "filed": [r.n for r in trend_filed],
            "closed": [trend_closed.get(r.key, 0) for r in trend_filed],
        },
        "as_of": sem.aggregate_as_of(),
    }


def chart(data: dict[str, Any]) -> dict[str, Any]:
    rows = data["rows"][:20]
    return {
        "labels": [r["label"] for r in rows],
        "filed": [r["cells"]["filed"].value for r in rows],
        "closed": [r["cells"]["closed"].value for r in rows],
        "rate": [r["cells"]["closure_rate"].value for r in rows],
        "trend": data["trend"],
        "duration": [{"name": d["label"], "value": d["n"]} for d in data["duration"]],
    }


def _plain(v: Any) -> Any:
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        return float(v)
    return v


def to_xlsx(data: dict[str, Any], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "案件统计"
    sl = data["slice"]
    ws.append([title])
    ws.append([f"统计单位：{data['root'].name}", f"期间：{sl.start} 至 {sl.end}", f"分组：{data['group_label']}"])
    ws.append([data["group_label"], *[label for _, label in data["columns"]]])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for r in [*data["rows"], data["total"]]:
        ws.append([r["label"], *[_plain(r["cells"][k].value) for k, _ in data["columns"]]])
    ws.append([])
    ws.append(["办案时长分布（结案）", *[d["label"] for d in data["duration"]]])
    ws.append(["件数", *[d["n"] for d in data["duration"]]])
    ws.append(["超期未结", data["overdue"], "在办案件", data["pending"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
