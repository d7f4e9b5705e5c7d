"""Evidence anomaly rules added to the audit's rule mechanism (`teis.audit.anomaly`):

- evidence_bulk_dl: more than `threshold` evidence downloads (and share downloads) by one user in the window;
- evidence_del_tries: at least `threshold` refused deletion attempts by one user in the window.
Access at unusual hours is the audit's own `off_hours` rule, which covers every evidence access record.
"""

from __future__ import annotations

from collections import Counter

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord

BULK_DOWNLOAD = "evidence_bulk_dl"
DELETE_ATTEMPTS = "evidence_del_tries"
LABELS = {BULK_DOWNLOAD: "证据批量下载", DELETE_ATTEMPTS: "反复尝试删除证据"}


def _count(start, end, action, operations) -> Counter:
    counts: Counter[str] = Counter()
    for rec in (
        AuditRecord.objects.filter(at__gte=start, at__lte=end, action=action, object_type="evidence.evidenceitem")
        .only("id", "actor_name", "detail")
        .iterator(chunk_size=2000)
    ):
        if (rec.detail or {}).get("operation") in operations:
            counts[rec.actor_name or "（共享接收方）"] += 1
    return counts


def bulk_downloads(rule, start, end):
    counts = _count(start, end, AuditAction.VIEW, {"evidence.download", "evidence.share_download"})
    return [
        (
            name[:150],
            f"{name} 在 {rule.window_minutes} 分钟内下载证据原件 {n} 次（阈值 {rule.threshold}）",
            {"count": n},
        )
        for name, n in sorted(counts.items())
        if n > rule.threshold
    ]


def delete_attempts(rule, start, end):
    counts = _count(start, end, AuditAction.DELETE, {"evidence.delete_refused"})
    return [
        (name[:150], f"{name} 在 {rule.window_minutes} 分钟内 {n} 次尝试删除证据被拒绝", {"count": n})
        for name, n in sorted(counts.items())
        if n >= rule.threshold
    ]


def register() -> None:
    """Add the evidence rules to the audit's detectors and default rules (called from AppConfig.ready)."""
    from teis.audit import anomaly

    anomaly.DETECTORS.setdefault(BULK_DOWNLOAD, bulk_downloads)
    anomaly.DETECTORS.setdefault(DELETE_ATTEMPTS, delete_attempts)
    anomaly.DEFAULT_RULES.setdefault(BULK_DOWNLOAD, {"threshold": 20, "window_minutes": 60})
    anomaly.DEFAULT_RULES.setdefault(DELETE_ATTEMPTS, {"threshold": 3, "window_minutes": 60})
