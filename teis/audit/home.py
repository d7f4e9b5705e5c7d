"""The audit administrator's home (工作台): anomaly alerts not yet handled and today's audit volume."""

from __future__ import annotations

from django.utils import timezone

from teis.core.home import LIST_SIZE, HomeFigure, HomeItem, HomePanel, PanelContent, day_bounds, roles, url_or_blank

from .models import AuditAlert, AuditRecord


def _alerts(user) -> PanelContent:
    qs = AuditAlert.objects.for_user(user).filter(acknowledged=False)
    url = url_or_blank("audit:auditalert_list")
    rows = list(qs.select_related("rule").order_by("-at")[:LIST_SIZE])
    items = [
        HomeItem(
            f"{a.rule}：{a.message}",
            url_or_blank("audit:auditalert_detail", a.pk) or url,
            note=timezone.localtime(a.at).strftime("%m-%d %H:%M"),
            level="warning",
        )
        for a in rows
    ]
    start, end = day_bounds()
    today = AuditRecord.objects.for_user(user).filter(at__gte=start, at__lt=end).count()
    figures = [
        HomeFigure("未处理异常告警", qs.count(), url=url, unit="条"),
        HomeFigure("今日审计记录", today, url=url_or_blank("audit:auditrecord_list"), unit="条"),
    ]
    return PanelContent(items=items, figures=figures, empty="没有未处理的异常告警")


PANELS = [
    HomePanel(
        "audit_alerts",
        "审计异常告警",
        _alerts,
        roles=roles("audit_admin"),
        more_url="audit:auditalert_list",
        icon="bi-journal-check",
        order=20,
        wide=True,
    ),
]
