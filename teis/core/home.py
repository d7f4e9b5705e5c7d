"""The home page (工作台) per role: panels that say what to do next, each item a link to where it is handled.

Core knows no domain app: every app that has something for a home ships `<app>/home.py` with `PANELS`, a list
of `HomePanel`s, discovered at start (like `<app>/roles.py` and `<app>/demo/loader.py`). A panel names the
roles it is for; its `build(user)` reads through the app's own scoped queries (`for_user`) and returns a
`PanelContent` with a bounded number of queries (a home costs the same whatever the data; tests assert it).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

LIST_SIZE = 8  # items shown per list panel; "全部" links to the full list


@dataclass
class HomeItem:
    label: str
    url: str
    note: str = ""  # what the row is waiting for, e.g. its stage
    due: dt.datetime | dt.date | None = None  # shown red when past
    level: str = ""  # "danger" / "warning": a badge before the label


@dataclass
class HomeFigure:
    """One key figure with the same measure for the same part of last month (the trend)."""

    label: str
    value: int | Decimal | float
    previous: int | Decimal | float | None = None
    url: str = ""
    unit: str = "件"

    @property
    def trend(self) -> str:
        if self.previous is None or self.previous == self.value:
            return "flat"
        return "up" if self.value > self.previous else "down"

    @property
    def change(self) -> str:
        """The change against last month as text: "+12%", "-3", "持平"."""
        if self.previous is None:
            return ""
        if self.previous == self.value:
            return "与上月同期持平"
        if self.previous:
            pct = (Decimal(str(self.value)) - Decimal(str(self.previous))) * 100 / Decimal(str(self.previous))
            return f"较上月同期 {pct:+.0f}%"
        return f"较上月同期 +{self.value}"


@dataclass
class PanelContent:
    items: list[HomeItem] = field(default_factory=list)
    figures: list[HomeFigure] = field(default_factory=list)
    chart: dict[str, Any] | None = None  # an ECharts option
    total: int | None = None  # how many there are in all (the list shows LIST_SIZE)
    empty: str = "暂无"


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    build: Callable[[Any], PanelContent]
    roles: frozenset[str] | None = None  # None: every signed-in user
    more_url: str = ""  # URL name of the full list
    icon: str = "bi-list-task"
    order: int = 100
    wide: bool = False
    strip: bool = False  # key figures: shown as tiles across the top of the page, not as a card

    def for_user(self, codes: set[str]) -> bool:
        return self.roles is None or bool(self.roles & codes)

    def more(self) -> str:
        return url_or_blank(self.more_url)


def roles(*codes: str) -> frozenset[str]:
    return frozenset(codes)


LEADERS = roles("squad_leader", "brigade_leader")
OFFICERS = roles("field_officer")
LEADERSHIP = roles("leadership")
COMMAND = roles("command_center")


def url_or_blank(name: str, *args: Any, query: str = "") -> str:
    if not name:
        return ""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


def role_codes(user: Any) -> set[str]:
    """The codes of the user's roles, cached on the user for the request."""
    cached = getattr(user, "_teis_role_codes", None)
    if cached is None:
        from teis.core.ports import officer_of

        officer = officer_of(user)
        cached = set(officer.roles.values_list("code", flat=True)) if officer is not None else set()
        user._teis_role_codes = cached
    return cached


def month_bounds(today: dt.date | None = None) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """(start of last month, start of this month, start of next month) as aware local datetimes."""
    today = today or timezone.localdate()
    this = today.replace(day=1)
    last = (this - dt.timedelta(days=1)).replace(day=1)
    nxt = (this + dt.timedelta(days=32)).replace(day=1)
    tz = timezone.get_current_timezone()
    return tuple(dt.datetime.combine(d, dt.time.min, tzinfo=tz) for d in (last, this, nxt))  # type: ignore[return-value]


def same_time_last_month(last: dt.datetime, this: dt.datetime, now: dt.datetime | None = None) -> dt.datetime:
    """The end of last month's part that matches this month so far: a count of this month to date is compared with
    last month's first as many days and hours (on 7 December, 1–7 November), never with a whole month."""
    now = now or timezone.now()
    return min(last + (now - this), this)


def day_bounds(day: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    day = day or timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


# --- discovery ---------------------------------------------------------------------------------------------------

_panels: list[HomePanel] | None = None


def all_panels() -> list[HomePanel]:
    global _panels
    if _panels is None:
        from django.apps import apps

        found: list[HomePanel] = list(CORE_PANELS)
        for app in apps.get_app_configs():
            if not app.name.startswith("teis.") or app.name == "teis.core":
                continue
            try:
                module = importlib.import_module(f"{app.name}.home")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.home":
                    raise
                continue
            found.extend(getattr(module, "PANELS", []))
        _panels = sorted(found, key=lambda p: p.order)
    return _panels


def panels_for(user: Any) -> list[tuple[HomePanel, PanelContent]]:
    codes = role_codes(user)
    if user.is_superuser:
        codes = codes | {"system_admin"}
    return [(panel, panel.build(user)) for panel in all_panels() if panel.for_user(codes)]


# --- core's own panels: the inbox every feature writes to, and the job runner for operations ------------------------


def _todos(user: Any) -> PanelContent:
    from .models import TodoItem, TodoStatus

    qs = TodoItem.objects.filter(user=user, status=TodoStatus.OPEN)
    rows = list(qs.order_by("due_at", "-created_at")[:LIST_SIZE])
    return PanelContent(
        items=[HomeItem(t.title, t.url, note=t.category, due=t.due_at) for t in rows],
        total=qs.count() if len(rows) == LIST_SIZE else len(rows),
        empty="暂无待办事项",
    )


def _notifications(user: Any) -> PanelContent:
    from .models import Notification

    rows = Notification.objects.filter(user=user).order_by("-created_at")[:LIST_SIZE]
    level: dict[str, str] = {Notification.Level.ALARM: "danger", Notification.Level.WARNING: "warning"}
    return PanelContent(
        items=[
            HomeItem(
                n.title,
                n.url,
                note=timezone.localtime(n.created_at).strftime("%m-%d %H:%M"),
                level=level.get(n.level, ""),
            )
            for n in rows
        ],
        empty="暂无通知",
    )


def _jobs(user: Any) -> PanelContent:
    """Periodic jobs: the failures of the last day, and the latest runs."""
    from .models import JobRun

    url = url_or_blank("core:jobs")
    failed = JobRun.objects.filter(started_at__gte=timezone.now() - dt.timedelta(days=1), ok=False).count()
    rows = JobRun.objects.order_by("-started_at")[:LIST_SIZE]
    status = {True: "成功", False: "失败", None: "运行中"}
    items = [
        HomeItem(
            r.name,
            url,
            note=f"{status[r.ok]} · {timezone.localtime(r.started_at).strftime('%m-%d %H:%M')}",
            level="danger" if r.ok is False else "",
        )
        for r in rows
    ]
    return PanelContent(
        items=items,
        figures=[HomeFigure("近 24 小时失败的作业", failed, url=url, unit="次")],
        empty="尚无作业运行记录",
    )


CORE_PANELS = [
    HomePanel("todos", "我的待办", _todos, more_url="core:todo_list", icon="bi-check2-square", order=10, wide=True),
    HomePanel("notifications", "最新通知", _notifications, more_url="core:notification_list", icon="bi-bell", order=90),
    HomePanel(
        "jobs", "后台作业", _jobs, roles=roles("operations"), more_url="core:jobs", icon="bi-cpu", order=20, wide=True
    ),
]
