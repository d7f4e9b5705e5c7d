"""What the home page (工作台) shows about duty and alarms: today's duty, alarms waiting for a hand, the
command centre's orders, plans and reports waiting for approval, and the leadership's alarm and duty-coverage
figures. Read-only, scoped, bounded queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from teis.core.home import (
    COMMAND,
    LEADERS,
    LEADERSHIP,
    LIST_SIZE,
    OFFICERS,
    HomeFigure,
    HomeItem,
    HomePanel,
    PanelContent,
    day_bounds,
    month_bounds,
    same_time_last_month,
    url_or_blank,
)

from .choices import ApprovalStatus, OrderStatus, PlanStatus
from .models import Alarm, CrossDistrictRequest, DutyOrder, DutyPlan, DutyTask, NonDutyUse


def _hhmm(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%H:%M")


def _today_duty(user) -> PanelContent:
    """Today's duty tasks: an officer's own; a leader's or the command centre's whole scope."""
    start, end = day_bounds()
    qs = DutyTask.objects.for_user(user).filter(start_at__lt=end, end_at__gt=start)
    if not _is_leader(user):
        qs = qs.filter(officers=user)
    rows = list(qs.select_related("unit").order_by("start_at")[:LIST_SIZE])
    items = [
        HomeItem(
            f"{_hhmm(t.start_at)}–{_hhmm(t.end_at)} {t.title}",
            reverse("dispatch:dutytask_detail", args=[t.pk]),
            note=t.unit.name,
        )
        for t in rows
    ]
    return PanelContent(items=items, total=qs.count(), empty="今日没有安排勤务")


def _is_leader(user) -> bool:
    from teis.core.home import role_codes

    return bool(role_codes(user) & (LEADERS | LEADERSHIP | COMMAND))


def _open_alarms(user) -> PanelContent:
    """Alarms not yet acknowledged, newest first, each opening the alarm's page (确认 / 处置 there)."""
    qs = Alarm.objects.for_user(user).filter(acknowledged_at__isnull=True)
    rows = list(qs.select_related("vehicle").order_by("-started_at")[:LIST_SIZE])
    items = [
        HomeItem(
            f"{a.get_kind_display()}：{a.message}",
            reverse("dispatch:alarm_detail", args=[a.pk]),
            note=timezone.localtime(a.started_at).strftime("%m-%d %H:%M"),
            level="danger" if a.ended_at is None else "warning",
        )
        for a in rows
    ]
    return PanelContent(items=items, total=qs.count(), empty="没有待处置的告警")


def _orders(user) -> PanelContent:
    """勤务指令 still open, the nearest feedback deadline first."""
    qs = DutyOrder.objects.for_user(user).filter(status=OrderStatus.ISSUED)
    rows = list(qs.order_by("deadline", "-created_at")[:LIST_SIZE])
    items = [
        HomeItem(o.title, reverse("dispatch:dutyorder_detail", args=[o.pk]), note="待反馈", due=o.deadline)
        for o in rows
    ]
    return PanelContent(items=items, total=qs.count(), empty="没有未办结的勤务指令")


def _approvals(user) -> PanelContent:
    """Duty plans, cross-district requests and non-duty vehicle use waiting for the leader's decision."""
    items = []
    plans = DutyPlan.objects.for_user(user).filter(status=PlanStatus.SUBMITTED).exclude(created_by=user)
    for p in plans.order_by("date")[:LIST_SIZE]:
        items.append(
            HomeItem(f"勤务计划：{p.title}", reverse("dispatch:plan_detail", args=[p.pk]), note="待审批", due=p.date)
        )
    for model, label in ((CrossDistrictRequest, "跨区勤务"), (NonDutyUse, "非勤务用车")):
        qs = model.objects.for_user(user).filter(status=ApprovalStatus.PENDING)
        for r in qs.order_by("start_at")[:LIST_SIZE]:
            items.append(
                HomeItem(
                    f"{label}：{r}",
                    reverse(f"dispatch:{model._meta.model_name}_detail", args=[r.pk]),
                    note="待审批",
                    due=r.start_at,
                )
            )
    return PanelContent(items=items[:LIST_SIZE], total=len(items), empty="没有待审批的勤务事项")


def _figures(user) -> PanelContent:
    """Alarms this month and duty coverage (days with duty / days so far), each against last month."""
    last, this, nxt = month_bounds()
    alarms = Alarm.objects.for_user(user).aggregate(
        now=Count("pk", filter=Q(started_at__gte=this, started_at__lt=nxt)),
        prev=Count("pk", filter=Q(started_at__gte=last, started_at__lt=same_time_last_month(last, this))),
    )
    tz = timezone.get_current_timezone()
    days = {
        timezone.localtime(d).date()
        for d in DutyTask.objects.for_user(user)
        .filter(start_at__gte=last, start_at__lt=nxt)
        .datetimes("start_at", "day", tzinfo=tz)
    }
    today = timezone.localdate()
    this_days = (today - this.date()).days + 1
    last_days = (this.date() - last.date()).days
    covered = sum(1 for d in days if d >= this.date())
    covered_prev = sum(1 for d in days if d < this.date())
    coverage = round(covered * 100 / this_days) if this_days else 0
    coverage_prev = round(covered_prev * 100 / last_days) if last_days else 0
    return PanelContent(
        figures=[
            HomeFigure("本月告警", alarms["now"], alarms["prev"], url_or_blank("dispatch:alarm_list"), unit="次"),
            HomeFigure("勤务覆盖率", coverage, coverage_prev, url_or_blank("dispatch:coverage"), unit="%"),
        ]
    )


PANELS = [
    HomePanel(
        "today_duty",
        "今日勤务",
        _today_duty,
        roles=OFFICERS | LEADERS | COMMAND,
        more_url="dispatch:dutytask_list",
        icon="bi-calendar-check",
        order=25,
    ),
    HomePanel(
        "duty_approvals",
        "待审批勤务事项",
        _approvals,
        roles=LEADERS,
        more_url="dispatch:dutyplan_list",
        icon="bi-clipboard-check",
        order=20,
    ),
    HomePanel(
        "open_alarms",
        "待处置告警",
        _open_alarms,
        roles=LEADERS | COMMAND | LEADERSHIP,
        more_url="dispatch:alarm_list",
        icon="bi-exclamation-triangle",
        order=22,
    ),
    HomePanel(
        "orders",
        "未办结勤务指令",
        _orders,
        roles=COMMAND | LEADERSHIP,
        more_url="dispatch:dutyorder_list",
        icon="bi-megaphone",
        order=24,
    ),
    HomePanel("duty_figures", "告警与勤务", _figures, roles=LEADERSHIP, icon="bi-speedometer2", order=6, strip=True),
]
