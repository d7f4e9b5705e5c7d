"""Anomaly rules over the audit trail (智能化分析): each enabled `AnomalyRule` looks at the records of its
window and raises an `AuditAlert`, delivered as an alarm to every audit administrator.

Rules:
- failed_logins: at least `threshold` failed logins for one account, or from one IP, within the window;
- off_hours: at least `threshold` actions by one user outside `start_hour`–`end_hour` (local time);
- export_volume: more than `threshold` rows exported by one user within the window (EXPORT records carry
  `detail["rows"]`);
- view_burst: more than `threshold` views or reveals of personal data by one user within the window.

`evaluate_rules()` is idempotent: a rule does not alert twice on the same subject within one window.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from teis.core.models import Notification
from teis.core.notify import notify

from . import services as audit
from .choices import AuditAction, AuditCategory
from .models import AnomalyRule, AuditAlert, AuditRecord

Kind = AnomalyRule.Kind

DEFAULT_RULES: dict[str, dict] = {
    Kind.FAILED_LOGINS: {"threshold": 5, "window_minutes": 10},
    Kind.OFF_HOURS: {"threshold": 1, "window_minutes": 60, "start_hour": 7, "end_hour": 21},
    Kind.EXPORT_VOLUME: {"threshold": 5000, "window_minutes": 60},
    Kind.VIEW_BURST: {"threshold": 100, "window_minutes": 10},
}

# (subject, message, detail) found by a rule in [start, end]
Finding = tuple[str, str, dict]


def ensure_default_rules() -> None:
    """Create the standard rules that do not exist yet; existing ones keep their configuration."""
    for kind, defaults in DEFAULT_RULES.items():
        AnomalyRule.objects.get_or_create(kind=kind, defaults=defaults)


def _records(start: datetime, end: datetime, actions) -> Iterator[AuditRecord]:
    return (
        AuditRecord.objects.filter(at__gte=start, at__lte=end, action__in=list(actions))
        .only("id", "at", "action", "actor_id", "actor_name", "ip", "detail")
        .order_by("id")
        .iterator(chunk_size=2000)
    )


def _failed_logins(rule: AnomalyRule, start: datetime, end: datetime) -> list[Finding]:
    by_user: Counter[str] = Counter()
    by_ip: Counter[str] = Counter()
    for rec in _records(start, end, [AuditAction.LOGIN_FAILED]):
        username = str((rec.detail or {}).get("username") or rec.actor_name or "")
        if username:
            by_user[username] += 1
        if rec.ip:
            by_ip[rec.ip] += 1
    found = []
    for label, counts in (("账号", by_user), ("IP", by_ip)):
        for key, n in sorted(counts.items()):
            if n >= rule.threshold:
                found.append(
                    (
                        f"{label}:{key}"[:150],
                        f"{label} {key} 在 {rule.window_minutes} 分钟内登录失败 {n} 次",
                        {"count": n},
                    )
                )
    return found


def is_working_hour(hour: int, start_hour: int, end_hour: int) -> bool:
    """Whether a local hour lies in start_hour ≤ hour < end_hour (a range may wrap past midnight)."""
    if start_hour == end_hour:
        return True  # no off-hours configured
    if start_hour < end_hour:
        return start_hour <= hour < end_hour
    return hour >= start_hour or hour < end_hour


def _off_hours(rule: AnomalyRule, start: datetime, end: datetime) -> list[Finding]:
    counts: Counter[str] = Counter()
    first_at: dict[str, datetime] = {}
    for rec in (
        AuditRecord.objects.filter(at__gte=start, at__lte=end, actor__isnull=False)
        .only("id", "at", "actor_name")
        .order_by("id")
        .iterator(chunk_size=2000)
    ):
        if not is_working_hour(timezone.localtime(rec.at).hour, rule.start_hour, rule.end_hour):
            counts[rec.actor_name] += 1
            first_at.setdefault(rec.actor_name, rec.at)
    span = f"{rule.start_hour:02d}:00–{rule.end_hour:02d}:00"
    return [
        (
            name[:150],
            f"{name} 在工作时间（{span}）以外操作 {n} 次，首次 {timezone.localtime(first_at[name]):%m-%d %H:%M}",
            {"count": n},
        )
        for name, n in sorted(counts.items())
        if n >= max(rule.threshold, 1)
    ]


def _rows(detail) -> int:
    try:
        return max(int((detail or {}).get("rows") or 0), 0)
    except (TypeError, ValueError):
        return 0


def _export_volume(rule: AnomalyRule, start: datetime, end: datetime) -> list[Finding]:
    rows: defaultdict[str, int] = defaultdict(int)
    exports: Counter[str] = Counter()
    for rec in _records(start, end, [AuditAction.EXPORT]):
        if rec.actor_id is None:
            continue
        rows[rec.actor_name] += _rows(rec.detail)
        exports[rec.actor_name] += 1
    return [
        (
            name[:150],
            f"{name} 在 {rule.window_minutes} 分钟内导出 {exports[name]} 次、共 {n} 条记录（阈值 {rule.threshold}）",
            {"rows": n, "exports": exports[name]},
        )
        for name, n in sorted(rows.items())
        if n > rule.threshold
    ]


def _view_burst(rule: AnomalyRule, start: datetime, end: datetime) -> list[Finding]:
    counts: Counter[str] = Counter()
    for rec in _records(start, end, [AuditAction.VIEW, AuditAction.REVEAL]):
        if rec.actor_id is not None:
            counts[rec.actor_name] += 1
    return [
        (
            name[:150],
            f"{name} 在 {rule.window_minutes} 分钟内查看数据 {n} 次（阈值 {rule.threshold}）",
            {"count": n},
        )
        for name, n in sorted(counts.items())
        if n > rule.threshold
    ]


DETECTORS = {
    Kind.FAILED_LOGINS: _failed_logins,
    Kind.OFF_HOURS: _off_hours,
    Kind.EXPORT_VOLUME: _export_volume,
    Kind.VIEW_BURST: _view_burst,
}


def audit_admins() -> QuerySet[Any]:
    """Active users holding an audit-administrator role (三员: 审计管理员)."""
    from teis.core.choices import AdminKind

    return (
        get_user_model()
        .objects.filter(is_active=True, officer__roles__admin_kind=AdminKind.AUDIT)
        .distinct()
        .order_by("pk")
    )


def _raise_alert(rule: AnomalyRule, subject: str, message: str, detail: dict, now: datetime) -> AuditAlert:
    alert = AuditAlert.objects.create(rule=rule, at=now, subject=subject, message=message[:300])
    audit.record(
        None,
        AuditAction.ALERT,
        alert,
        category=AuditCategory.SYSTEM,
        detail={"rule": rule.kind, "subject": subject, "message": alert.message, **detail},
    )
    url = reverse("audit:auditalert_detail", args=[alert.pk])
    for user in audit_admins():
        notify(user, f"审计异常告警：{rule.get_kind_display()}", alert.message, level=Notification.Level.ALARM, url=url)
    return alert


def evaluate_rules(now: datetime | None = None) -> list[AuditAlert]:
    """Run every enabled rule over its window ending at `now`; return the alerts raised."""
    now = now or timezone.now()
    ensure_default_rules()
    alerts: list[AuditAlert] = []
    for rule_id in AnomalyRule.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            # Locking the rule keeps two concurrent evaluations from alerting twice.
            rule = AnomalyRule.objects.select_for_update().get(pk=rule_id)
            if not rule.enabled or rule.window_minutes < 1:
                continue
            start = now - timedelta(minutes=rule.window_minutes)
            for subject, message, detail in DETECTORS[rule.kind](rule, start, now):
                if AuditAlert.objects.filter(rule=rule, subject=subject, at__gte=start, at__lte=now).exists():
                    continue
                alerts.append(_raise_alert(rule, subject, message, detail, now))
    return alerts
