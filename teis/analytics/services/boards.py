"""Themed boards (spec §2.5.6.3–4, §2.5.6.6, §2.5.6.9–10) and the leaders' big screen (§2.3.1.5): key figures,
trends and splits, each read through the semantic layer in the viewer's scope (the duty figures through the
dispatch app's own statistics service). Every figure that counts rows carries the drill-down link."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from .. import semantic as sem

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.org.models import Unit


def drill_url(
    fact: str,
    start: dt.date | None,
    end: dt.date | None,
    root: Unit | None = None,
    group: str | None = None,
    key: str | None = None,
    **filters: Any,
) -> str:
    q: dict[str, Any] = {"fact": fact}
    if start:
        q["start"] = start.isoformat()
    if end:
        q["end"] = end.isoformat()
    if root is not None:
        q["unit"] = root.pk
    if group:
        q["group"] = group
    if key is not None:
        q["key"] = key
    q |= {f"f_{k}": v for k, v in filters.items()}
    return reverse("analytics:drill") + "?" + urlencode(q)


def figure(
    user: User, fact: str, sl: sem.Slice, label: str, *, amount: bool = False, unit: str = "件"
) -> dict[str, Any]:
    r = sem.totals(user, fact, sl)[0]
    value = r.amount if amount else r.n
    return {"label": label, "value": _num(value), "unit": unit, "url": drill_url(fact, sl.start, sl.end, sl.unit)}


def _num(v: Any) -> Any:
    if isinstance(v, Decimal):
        return float(round(v, 2))
    return v


def _rate(part: float, whole: float) -> float | None:
    return round(part * 100.0 / whole, 1) if whole else None


def periods(today: dt.date | None = None) -> dict[str, tuple[dt.date, dt.date]]:
    today = today or timezone.localdate()
    return {
        "today": (today, today),
        "month": (today.replace(day=1), today),
        "year": (today.replace(month=1, day=1), today),
        "last30": (today - dt.timedelta(days=29), today),
    }


def daily_series(user: User, fact: str, sl: sem.Slice) -> list[int]:
    by_day = {r.key: r.n for r in sem.totals(user, fact, sl, sem.DAY)}
    out: list[int] = []
    d, end = sl.start, sl.end
    assert d is not None and end is not None  # a bounded period
    while d <= end:
        out.append(by_day.get(d.isoformat(), 0))
        d += dt.timedelta(days=1)
    return out


def case_board(user: User, root: Unit | None = None) -> dict[str, Any]:
    """办案看板: 立结案 and 结案率 today / this month / this year, daily trend, lines, units."""
    root = sem.report_root(user, root)
    p = periods()
    month, year, last30 = (sem.Slice(*p[k], root) for k in ("month", "year", "last30"))
    filed_y, closed_y = sem.totals(user, "cases_filed", year)[0].n, sem.totals(user, "cases_closed", year)[0].n
    figures = [
        figure(user, "cases_filed", sem.Slice(*p["today"], root), "今日立案"),
        figure(user, "cases_closed", sem.Slice(*p["today"], root), "今日结案"),
        figure(user, "cases_filed", month, "本月立案"),
        figure(user, "cases_closed", month, "本月结案"),
        figure(user, "cases_filed", year, "本年立案"),
        {"label": "本年结案率", "value": _rate(closed_y, filed_y), "unit": "%", "url": ""},
        figure(user, "fines_decided", year, "本年罚没款", amount=True, unit="元"),
        figure(user, "cases_overdue", sem.Slice(unit=root), "超期未结"),
    ]
    days = [(p["last30"][0] + dt.timedelta(days=i)).strftime("%m-%d") for i in range(30)]
    units = sorted(sem.totals(user, "cases_filed", year, sem.UNIT_LEVEL), key=lambda r: -r.n)
    closed_units = {r.key: r.n for r in sem.totals(user, "cases_closed", year, sem.UNIT_LEVEL)}
    return {
        "root": root,
        "figures": figures,
        "chart": {
            "days": days,
            "filed": daily_series(user, "cases_filed", last30),
            "closed": daily_series(user, "cases_closed", last30),
            "lines": [{"name": r.label, "value": r.n} for r in sem.totals(user, "cases_filed", year, "line")[:10]],
            "sources": [{"name": r.label, "value": r.n} for r in sem.totals(user, "cases_filed", year, "source")],
            "units": [r.label for r in units[:15]],
            "unit_filed": [r.n for r in units[:15]],
            "unit_rate": [_rate(closed_units.get(r.key, 0), r.n) for r in units[:15]],
        },
    }


def illegal_board(user: User, root: Unit | None = None) -> dict[str, Any]:
    """非法客运看板: records and passengers this month / year, monthly trend, units, blacklist."""
    root = sem.report_root(user, root)
    p = periods()
    month, year = sem.Slice(*p["month"], root), sem.Slice(*p["year"], root)
    twelve = sem.Slice(p["today"][0].replace(day=1) - dt.timedelta(days=334), p["today"][0], root)
    by_month = sem.totals(user, "illegal_transport", twelve, sem.MONTH)
    by_unit = sem.totals(user, "illegal_transport", year, sem.UNIT_LEVEL)
    return {
        "root": root,
        "figures": [
            figure(user, "illegal_transport", sem.Slice(*p["today"], root), "今日查处"),
            figure(user, "illegal_transport", month, "本月查处"),
            figure(user, "illegal_transport", year, "本年查处"),
            figure(user, "illegal_transport", year, "本年涉及乘客", amount=True, unit="人次"),
            figure(user, "blacklist", year, "本年黑名单登记"),
        ],
        "chart": {
            "months": [r.label for r in by_month],
            "month_n": [r.n for r in by_month],
            "units": [r.label for r in by_unit[:15]],
            "unit_n": [r.n for r in by_unit[:15]],
            "kinds": [{"name": r.label, "value": r.n} for r in sem.totals(user, "blacklist", year, "kind")],
        },
    }


def duty_figures(user: User, start: dt.date, end: dt.date) -> dict[str, Any]:
    """出动人次 / 车次 and checks from the dispatch app's 勤务报表 (its 合计 row), within the user's scope."""
    from teis.dispatch.services import stats as duty_stats

    _, rows = duty_stats.duty_report(user, start, end)
    total = rows[-1] if rows else {}
    return {
        "people": total.get("出勤人次", 0),
        "vehicles": total.get("出车次数", 0),
        "checked_vehicles": total.get("检查车辆", 0),
        "checked_operators": total.get("检查业户", 0),
        "tasks": total.get("任务数", 0),
        "rows": rows[:-1],
    }


def overload_figures(user: User, sl: sem.Slice) -> dict[str, Any]:
    """治超检查数, 超限率 (share of checked vehicles over the limit), 严重超限率 (100 % and more)."""
    f = sem.fact("overload_checks")
    qs = sem.base_queryset(user, f, sl)
    n = qs.count()
    over = qs.filter(overload_ratio__gt=0).count()
    serious = qs.filter(overload_ratio__gte=100).count()
    return {"checks": n, "over": over, "serious": serious, "rate": _rate(over, n), "serious_rate": _rate(serious, n)}


def duty_board(user: User, root: Unit | None = None) -> dict[str, Any]:
    """勤务看板 (治超检查数, 超限率, 严重超限率, 出动人次车次, 行业覆盖率)."""
    root = sem.report_root(user, root)
    p = periods()
    month = sem.Slice(*p["month"], root)
    duty = duty_figures(user, *p["month"])
    over = overload_figures(user, month)
    lines_active = len([r for r in sem.totals(user, "cases_filed", month, "line") if r.key])
    from teis.core.models import DictionaryItem

    lines_all = DictionaryItem.objects.filter(dict_type__code="business_line", is_active=True).count()
    last30 = sem.Slice(*p["last30"], root)
    twelve = sem.Slice(p["today"][0].replace(day=1) - dt.timedelta(days=334), p["today"][0], root)
    checks = sem.totals(user, "overload_checks", twelve, sem.MONTH)
    return {
        "root": root,
        "figures": [
            {
                "label": "本月治超检查",
                "value": over["checks"],
                "unit": "车次",
                "url": drill_url("overload_checks", month.start, month.end, root),
            },
            {"label": "超限率", "value": over["rate"], "unit": "%", "url": ""},
            {"label": "严重超限率", "value": over["serious_rate"], "unit": "%", "url": ""},
            {"label": "本月出动人次", "value": duty["people"], "unit": "人次", "url": reverse("dispatch:stats")},
            {"label": "本月出动车次", "value": duty["vehicles"], "unit": "车次", "url": reverse("dispatch:stats")},
            {"label": "检查车辆", "value": duty["checked_vehicles"], "unit": "辆", "url": ""},
            {"label": "检查业户", "value": duty["checked_operators"], "unit": "户", "url": ""},
            {"label": "行业覆盖率", "value": _rate(lines_active, lines_all), "unit": "%", "url": ""},
        ],
        "chart": {
            "units": [r["单位"] for r in duty["rows"][:15]],
            "people": [r["出勤人次"] for r in duty["rows"][:15]],
            "vehicles": [r["出车次数"] for r in duty["rows"][:15]],
            "days": [(p["last30"][0] + dt.timedelta(days=i)).strftime("%m-%d") for i in range(30)],
            "alarms": daily_series(user, "alarms", last30),
            "months": [r.label for r in checks],
            "checks": [r.n for r in checks],
            "ratio": [round(float(r.amount) / r.n, 1) if r.n else None for r in checks],
        },
    }


def screen(user: User) -> dict[str, Any]:
    """领导驾驶舱: the day's key numbers, this year's totals, the 30-day trend, units and lines."""
    root = sem.report_root(user)
    p = periods()
    today, year, last30 = (sem.Slice(*p[k], root) for k in ("today", "year", "last30"))
    filed_y, closed_y = sem.totals(user, "cases_filed", year)[0].n, sem.totals(user, "cases_closed", year)[0].n
    duty = duty_figures(user, *p["today"])
    units = sorted(sem.totals(user, "cases_filed", year, sem.UNIT_LEVEL), key=lambda r: -r.n)[:10]
    return {
        "unit": root.name,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "today": [
            figure(user, "cases_filed", today, "今日立案"),
            figure(user, "cases_closed", today, "今日结案"),
            figure(user, "fines_decided", today, "今日罚没款", amount=True, unit="元"),
            figure(user, "illegal_transport", today, "今日非法客运"),
            figure(user, "petitions", today, "今日信访"),
            figure(user, "alarms", today, "今日告警"),
            {"label": "今日出动人次", "value": duty["people"], "unit": "人次", "url": ""},
            figure(user, "cases_overdue", sem.Slice(unit=root), "超期未结"),
        ],
        "year": [
            {"label": "本年立案", "value": filed_y, "unit": "件"},
            {"label": "本年结案", "value": closed_y, "unit": "件"},
            {"label": "结案率", "value": _rate(closed_y, filed_y), "unit": "%"},
            {"label": "本年罚没款", "value": _num(sem.totals(user, "fines_decided", year)[0].amount), "unit": "元"},
        ],
        "trend": {
            "days": [(p["last30"][0] + dt.timedelta(days=i)).strftime("%m-%d") for i in range(30)],
            "filed": daily_series(user, "cases_filed", last30),
            "closed": daily_series(user, "cases_closed", last30),
        },
        "units": {"names": [r.label for r in units], "filed": [r.n for r in units]},
        "lines": [{"name": r.label, "value": r.n} for r in sem.totals(user, "cases_filed", year, "line")[:8]],
        "sources": [{"name": r.label, "value": r.n} for r in sem.totals(user, "cases_filed", year, "source")],
    }
