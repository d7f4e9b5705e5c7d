"""日常绩效 (spec §2.5.6.2, §2.5.5.4): each officer's month computed from the declared facts (`facts.py`) through
the semantic layer — so every figure is in the viewer's scope and drills down to its rows:

| indicator | fact | split by |
|---|---|---|
| 出勤 | `signins` (dispatch sign-ins) | the signer |
| 立案 / 结案 | `cases_filed` / `cases_closed` | the handling officer |
| 签发文书 | `documents_issued` (teis/documents) | the issuer |
| 执法监督预警 (penalty) | `case_warnings` (cases' monitoring warnings on their cases) | the case's handler |
| 投诉 (penalty) | `officer_complaints` (complaints linked to a case they handle) | the case's handler |

Training and discipline records do not exist in TEIS yet: the page says so and they are not scored.

Score of a month: Σ over the positive indicators of weight × min(count / monthly target, 1), minus the penalty per
occurrence, within 0–100; weights from the latest active `PerformanceScheme` (the legal department's), else
`DEFAULTS`.
Ranking: by score, then by cases closed; officers of the report's unit subtree that the viewer may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from teis.core.services import ServiceError

from .. import semantic as sem
from ..choices import PerformanceKey

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from teis.org.models import Unit

    from ..models import PerformanceScheme

# key → (fact, dimension, weight, monthly target, penalty)
DEFAULTS: dict[str, tuple[str, str, Decimal, int, bool]] = {
    PerformanceKey.SIGNINS: ("signins", "signer", Decimal(30), 20, False),
    PerformanceKey.CASES_FILED: ("cases_filed", "officer", Decimal(20), 4, False),
    PerformanceKey.CASES_CLOSED: ("cases_closed", "officer", Decimal(30), 4, False),
    PerformanceKey.DOCUMENTS: ("documents_issued", "issuer", Decimal(20), 6, False),
    PerformanceKey.WARNINGS: ("case_warnings", "warned", Decimal(2), 0, True),
    PerformanceKey.COMPLAINTS: ("officer_complaints", "complained", Decimal(5), 0, True),
}
MISSING = [
    ("培训", "系统暂无培训记录数据（培训管理尚未接入），本项未计分。"),
    ("纪律作风", "系统暂无纪律作风（违纪）记录数据，本项未计分；执法监督预警作为扣分项计入。"),
]


@dataclass
class Indicator:
    key: str
    label: str
    fact: str
    dim: str
    weight: Decimal
    target: int
    penalty: bool


@dataclass
class OfficerMonth:
    user_id: int
    name: str
    unit: str
    counts: dict[str, int] = field(default_factory=dict)
    score: Decimal = Decimal(0)
    rank: int = 0


# key → the scheme's (weight field, target field)
SCHEME_FIELDS: dict[str, tuple[str, str | None]] = {
    PerformanceKey.SIGNINS: ("signins_weight", "signins_target"),
    PerformanceKey.CASES_FILED: ("cases_filed_weight", "cases_filed_target"),
    PerformanceKey.CASES_CLOSED: ("cases_closed_weight", "cases_closed_target"),
    PerformanceKey.DOCUMENTS: ("documents_weight", "documents_target"),
    PerformanceKey.WARNINGS: ("warning_penalty", None),
    PerformanceKey.COMPLAINTS: ("complaint_penalty", None),
}


def active_scheme() -> PerformanceScheme | None:
    from ..models import PerformanceScheme

    return PerformanceScheme.objects.filter(is_active=True).order_by("-created_at", "-pk").first()


def indicators(scheme: PerformanceScheme | None = None) -> list[Indicator]:
    scheme = scheme or active_scheme()
    out = []
    for key, (fact, dim, weight, target, penalty) in DEFAULTS.items():
        if scheme is not None:
            wf, tf = SCHEME_FIELDS[key]
            weight = getattr(scheme, wf)
            target = getattr(scheme, tf) if tf else 0
        out.append(Indicator(key, PerformanceKey(key).label, fact, dim, weight, target, penalty))
    return out


def month_bounds(text: str | None) -> tuple[dt.date, dt.date]:
    """The first and last day of `YYYY-MM` (default: this month, to today)."""
    today = timezone.localdate()
    if not text:
        return today.replace(day=1), today
    try:
        year, month = (int(p) for p in str(text).split("-"))
        start = dt.date(year, month, 1)
    except (TypeError, ValueError):
        raise ServiceError("invalid_month", "月份格式无效，例如 2026-11", {"month": ["月份格式无效"]}) from None
    if not 2000 <= year <= 2100:
        raise ServiceError("invalid_month", "月份格式无效，例如 2026-11", {"month": ["月份格式无效"]})
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start, min(end, today) if start <= today else end


def score_of(counts: dict[str, int], inds: list[Indicator]) -> Decimal:
    total = Decimal(0)
    for ind in inds:
        n = counts.get(ind.key, 0)
        if ind.penalty:
            total -= ind.weight * n
        elif ind.target > 0:
            total += ind.weight * min(Decimal(n) / ind.target, Decimal(1))
    total = max(Decimal(0), min(Decimal(100), total))
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def monthly(user: User, month: str | None = None, unit: Unit | None = None) -> dict[str, Any]:
    """The officers of the report's unit subtree (within the viewer's scope) with their month's counts, score and
    rank."""
    from teis.org.models import Officer

    start, end = month_bounds(month)
    root = sem.report_root(user, unit)
    scheme = active_scheme()
    inds = indicators(scheme)
    sl = sem.Slice(start, end, root)
    counts: dict[str, dict[str, int]] = {}
    for ind in inds:
        counts[ind.key] = {r.key: r.n for r in sem.totals(user, ind.fact, sl, ind.dim)}
    officers = (
        Officer.objects.for_user(user)
        .filter(unit__path__startswith=root.path, user__is_active=True)
        .exclude(unit__unit_type="department")
        .select_related("unit")
        .order_by("unit__path", "pk")
    )
    rows = []
    for o in officers[:2000]:
        c = {ind.key: counts[ind.key].get(str(o.user_id), 0) for ind in inds}
        rows.append(OfficerMonth(o.user_id, o.name, o.unit.name, c, score_of(c, inds)))
    rows.sort(key=lambda r: (-r.score, -r.counts.get(PerformanceKey.CASES_CLOSED, 0), r.unit, r.name))
    previous, rank = None, 0
    for i, r in enumerate(rows, 1):
        if r.score != previous:
            rank, previous = i, r.score
        r.rank = rank
    return {
        "start": start,
        "end": end,
        "root": root,
        "scheme": scheme,
        "indicators": inds,
        "rows": rows,
        "missing": MISSING,
    }
