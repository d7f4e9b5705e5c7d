"""统计汇总展示 (spec §2.6.3.5): type a unit, a cause, a business line, a plate or a period (2026, 2026-03,
2026年3月) — several words combine — and get the matching totals and charts, every figure linked to its rows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps as django_apps
from django.utils import timezone

from teis.core.services import ServiceError

from .. import semantic as sem
from .boards import drill_url

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.org.models import Unit

PERIOD = re.compile(r"^(\d{4})(?:\s*[-年./]\s*(\d{1,2})\s*月?)?年?$")
PLATE = re.compile(r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{4,6}$")


@dataclass
class Understood:
    start: dt.date
    end: dt.date
    unit: Unit | None = None
    filters: dict[str, str] = field(default_factory=dict)
    terms: list[tuple[str, str]] = field(default_factory=list)  # (what, as understood)
    unknown: list[str] = field(default_factory=list)


def understand(user: User, text: str) -> Understood:
    today = timezone.localdate()
    u = Understood(today.replace(month=1, day=1), today)
    words = [w for w in re.split(r"[\s,，、;；]+", (text or "").strip()) if w]
    if not words:
        raise ServiceError("empty_keyword", "请输入单位、案由、条线、车牌号或期间", {"q": ["请输入关键词"]})
    if len(words) > 6:
        raise ServiceError("too_many_keywords", "关键词最多 6 个", {"q": ["关键词最多 6 个"]})
    for w in words:
        if not _one(user, u, w):
            u.unknown.append(w)
    return u


def _one(user: User, u: Understood, w: str) -> bool:
    m = PERIOD.match(w)
    if m:
        year, month = int(m.group(1)), m.group(2)
        if not 2000 <= year <= 2100 or (month and not 1 <= int(month) <= 12):
            return False
        if month:
            first = dt.date(year, int(month), 1)
            u.start, u.end = first, (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            u.terms.append(("期间", f"{year}年{int(month)}月"))
        else:
            u.start, u.end = dt.date(year, 1, 1), dt.date(year, 12, 31)
            u.terms.append(("期间", f"{year}年"))
        return True
    if PLATE.match(w.upper()):
        u.filters["plate"] = w.upper()
        u.terms.append(("车牌号", w.upper()))
        return True
    from teis.org.models import Unit

    unit = Unit.objects.for_user(user).filter(name__icontains=w).order_by("depth", "path").first() or (
        Unit.objects.for_user(user).filter(short_name__icontains=w).order_by("depth", "path").first()
    )
    if unit is not None:
        u.unit = unit
        u.terms.append(("单位", unit.name))
        return True
    line = (
        django_apps.get_model("core.DictionaryItem")
        .objects.filter(dict_type__code="business_line", label__icontains=w)
        .first()
    )
    if line is not None:
        u.filters["line"] = str(line.pk)
        u.terms.append(("业务条线", line.label))
        return True
    cause = django_apps.get_model("legal.CaseCause").objects.filter(name__icontains=w).first()
    if cause is not None:
        u.filters["cause"] = str(cause.pk)
        u.terms.append(("案由", cause.name))
        return True
    return False


def summarise(user: User, text: str) -> dict[str, Any]:
    u = understand(user, text)
    root = sem.report_root(user, u.unit)
    sl = sem.Slice(u.start, u.end, root, dict(u.filters))
    figures: list[dict[str, Any]] = []
    for fact, label, amount in (
        ("cases_filed", "立案数", False),
        ("cases_closed", "结案数", False),
        ("fines_decided", "罚没款（元）", True),
        ("cases_major", "重大立案", False),
    ):
        r = sem.totals(user, fact, sl)[0]
        figures.append(
            {
                "label": label,
                "value": float(r.amount) if amount else r.n,
                "url": drill_url(fact, sl.start, sl.end, root, **u.filters),
            }
        )
    filed, closed = figures[0]["value"], figures[1]["value"]
    figures.insert(2, {"label": "结案率（%）", "value": round(closed * 100 / filed, 1) if filed else None, "url": ""})
    if "plate" in u.filters:
        it = sem.Slice(u.start, u.end, root, {"it_plate": u.filters["plate"]})
        r = sem.totals(user, "illegal_transport", it)[0]
        figures.append(
            {
                "label": "非法客运记录",
                "value": r.n,
                "url": drill_url("illegal_transport", it.start, it.end, root, it_plate=u.filters["plate"]),
            }
        )
    by_month = sem.totals(user, "cases_filed", sl, sem.MONTH)
    closed_month = {r.key: r.n for r in sem.totals(user, "cases_closed", sl, sem.MONTH)}
    group = sem.UNIT_LEVEL if "plate" not in u.filters else "source"
    split = sem.totals(user, "cases_filed", sl, group)[:12]
    return {
        "understood": u,
        "root": root,
        "figures": figures,
        "split_label": "下级单位" if group == sem.UNIT_LEVEL else "案件来源",
        "split": [(r, drill_url("cases_filed", sl.start, sl.end, root, group, r.key, **u.filters)) for r in split],
        "chart": {
            "months": [r.key for r in by_month],
            "filed": [r.n for r in by_month],
            "closed": [closed_month.get(r.key, 0) for r in by_month],
            "split": [{"name": r.label, "value": r.n} for r in split],
        },
    }
