"""The administrators' homes (工作台): the system administrator's users and roles, the security
administrator's failed logins. Read-only, bounded queries."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from teis.core.home import LIST_SIZE, HomeFigure, HomeItem, HomePanel, PanelContent, roles, url_or_blank

from .choices import OfficerStatus
from .models import LoginAttempt, Officer, Role


def _users(user) -> PanelContent:
    """Accounts at a glance, and the newest accounts (each opening its page)."""
    officers = Officer.objects.for_user(user)
    agg = officers.aggregate(
        active=Count("pk", filter=Q(status=OfficerStatus.ACTIVE)),
        disabled=Count("pk", filter=Q(status=OfficerStatus.DISABLED)),
        first_login=Count("pk", filter=Q(must_change_password=True, status=OfficerStatus.ACTIVE)),
    )
    url = url_or_blank("org:officer_list")
    rows = officers.select_related("unit").order_by("-created_at")[:LIST_SIZE]
    items = [
        HomeItem(
            f"{o.name}（{o.unit.name}）", reverse("org:officer_detail", args=[o.pk]), note=o.position or "新增账号"
        )
        for o in rows
    ]
    figures = [
        HomeFigure("在岗人员", agg["active"], url=url, unit="人"),
        HomeFigure("待首次改密", agg["first_login"], url=url, unit="人"),
        HomeFigure("停用账号", agg["disabled"], url=url, unit="人"),
        HomeFigure("角色", Role.objects.count(), url=url_or_blank("org:role_list"), unit="个"),
    ]
    return PanelContent(items=items, figures=figures, empty="暂无人员")


def _security(user) -> PanelContent:
    """Failed logins of the last 24 hours by account, most first (a burst is a guess at a password)."""
    since = timezone.now() - dt.timedelta(days=1)
    failed = LoginAttempt.objects.filter(at__gte=since, success=False)
    url = url_or_blank("login_attempts")
    rows = failed.values("username").annotate(n=Count("pk")).order_by("-n", "username")[:LIST_SIZE]
    items = [
        HomeItem(r["username"], f"{url}?username={r['username']}", note=f"失败 {r['n']} 次", level="warning")
        for r in rows
    ]
    figures = [
        HomeFigure("近 24 小时登录失败", failed.count(), url=url, unit="次"),
        HomeFigure(
            "近 24 小时登录成功",
            LoginAttempt.objects.filter(at__gte=since, success=True).count(),
            url=url,
            unit="次",
        ),
    ]
    return PanelContent(items=items, figures=figures, empty="近 24 小时没有登录失败")


PANELS = [
    HomePanel(
        "users",
        "用户与角色",
        _users,
        roles=roles("system_admin"),
        more_url="org:officer_list",
        icon="bi-people",
        order=20,
        wide=True,
    ),
    HomePanel(
        "security_events",
        "安全事件",
        _security,
        roles=roles("security_admin"),
        more_url="login_attempts",
        icon="bi-shield-lock",
        order=20,
        wide=True,
    ),
]
