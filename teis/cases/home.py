"""What the home page (工作台) shows about cases: an officer's open cases by deadline, a leader's cases by
stage, and the leadership's monthly figures with a six-month chart. Read-only, scoped, bounded queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from teis.core.home import (
    LEADERS,
    LEADERSHIP,
    LIST_SIZE,
    OFFICERS,
    HomeFigure,
    HomeItem,
    HomePanel,
    PanelContent,
    month_bounds,
    roles,
    same_time_last_month,
    url_or_blank,
)

from .choices import CaseStatus
from .models import EnforcementCase

FINISHED = (CaseStatus.CLOSED, CaseStatus.ARCHIVED, CaseStatus.NOT_FILED, CaseStatus.TRANSFERRED_OUT)
OPEN_STAGES = [s for s in CaseStatus if s not in FINISHED]


def _case_url(case: EnforcementCase) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def _open_cases(user) -> PanelContent:
    """主办 / 协办 cases not yet closed, the nearest deadline (step, then case) first."""
    qs = (
        EnforcementCase.objects.for_user(user).filter(Q(handler=user) | Q(co_handler=user)).exclude(status__in=FINISHED)
    )
    rows = list(
        qs.order_by("step_due_at", "deadline", "-created_at").only(
            "pk", "case_code", "title", "status", "current_step", "step_due_at", "deadline"
        )[:LIST_SIZE]
    )
    items = [
        HomeItem(
            f"{c.case_code or '未赋码'} {c.title}",
            _case_url(c),
            note=c.current_step or c.get_status_display(),
            due=c.step_due_at or c.deadline,
        )
        for c in rows
    ]
    return PanelContent(items=items, total=qs.count(), empty="没有在办案件")


def _cases_by_stage(user) -> PanelContent:
    """The unit's open cases counted by stage, each a link to the list filtered by that stage."""
    counts = dict(
        EnforcementCase.objects.for_user(user)
        .exclude(status__in=FINISHED)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    base = url_or_blank("cases:enforcementcase_list")
    items = [
        HomeItem(s.label, f"{base}?status={s.value}", note=f"{counts.get(s.value, 0)} 件")
        for s in OPEN_STAGES
        if counts.get(s.value)
    ]
    overdue = (
        EnforcementCase.objects.for_user(user)
        .exclude(status__in=FINISHED)
        .filter(deadline__lt=timezone.localdate())
        .count()
    )
    figures = [
        HomeFigure("在办案件", sum(counts.values()), url=base),
        HomeFigure("超过办案期限", overdue, url=base),
    ]
    return PanelContent(items=items, figures=figures, empty="本单位暂无在办案件")


def _monthly(user) -> PanelContent:
    """This month against last month: filed, closed, fines decided; and six months of filings as a chart."""
    last, this, nxt = month_bounds()
    last_cut = same_time_last_month(last, this)
    qs = EnforcementCase.objects.for_user(user)
    agg = qs.aggregate(
        filed=Count("pk", filter=Q(filed_at__gte=this, filed_at__lt=nxt)),
        filed_prev=Count("pk", filter=Q(filed_at__gte=last, filed_at__lt=last_cut)),
        closed=Count("pk", filter=Q(closed_at__gte=this, closed_at__lt=nxt)),
        closed_prev=Count("pk", filter=Q(closed_at__gte=last, closed_at__lt=last_cut)),
        fines=Sum("fine_amount", filter=Q(decided_at__gte=this, decided_at__lt=nxt)),
        fines_prev=Sum("fine_amount", filter=Q(decided_at__gte=last, decided_at__lt=last_cut)),
    )
    url = url_or_blank("cases:enforcementcase_list")
    figures = [
        HomeFigure("本月立案", agg["filed"], agg["filed_prev"], url),
        HomeFigure("本月结案", agg["closed"], agg["closed_prev"], url),
        HomeFigure("本月决定罚款", agg["fines"] or 0, agg["fines_prev"] or 0, url, unit="元"),
    ]
    return PanelContent(figures=figures, chart=_filing_chart(qs, this))


def _filing_chart(qs, this: dt.datetime) -> dict:
    start = this
    for _ in range(5):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    rows = (
        qs.filter(filed_at__gte=start)
        .annotate(month=TruncMonth("filed_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    by_month = {
        timezone.localtime(r["month"]).strftime("%Y-%m")
        if timezone.is_aware(r["month"])
        else r["month"].strftime("%Y-%m"): r["n"]
        for r in rows
    }
    months = []
    cursor = start
    for _ in range(6):
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    return {
        "title": {"text": "近六个月立案数", "textStyle": {"fontSize": 13}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 24},
        "xAxis": {"type": "category", "data": months},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"type": "bar", "name": "立案", "data": [by_month.get(m, 0) for m in months]}],
    }


PANELS = [
    HomePanel(
        "my_cases",
        "我的在办案件",
        _open_cases,
        roles=OFFICERS,
        more_url="cases:my_cases",
        icon="bi-folder2-open",
        order=15,
    ),
    HomePanel(
        "cases_by_stage",
        "本单位案件（按阶段）",
        _cases_by_stage,
        roles=LEADERS | roles("legal_reviewer", "command_center"),
        more_url="cases:enforcementcase_list",
        icon="bi-bar-chart-steps",
        order=30,
    ),
    HomePanel(
        "case_figures",
        "案件办理指标",
        _monthly,
        roles=LEADERSHIP | roles("brigade_leader"),
        more_url="cases:enforcementcase_list",
        icon="bi-graph-up",
        order=5,
        strip=True,
    ),
]
