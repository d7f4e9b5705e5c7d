"""Audit jobs: the nightly archive of records past retention, and the anomaly rules every 5 minutes."""

from __future__ import annotations

from django.conf import settings

from teis.core.jobs import crontab, recorded_periodic


@recorded_periodic(crontab(minute="40", hour="2"), label="审计日志归档")
def archive_audit_records() -> str:
    from .services import archive_old_records

    archives = archive_old_records(None)
    if not archives:
        return "没有超过保存期限的审计记录"
    total = sum(a.count for a in archives)
    return f"归档审计记录 {total} 条，文件 {len(archives)} 个"


@recorded_periodic(crontab(minute="*/5"), label="审计异常分析")
def evaluate_anomaly_rules() -> str:
    from .anomaly import evaluate_rules

    alerts = evaluate_rules()
    return f"产生告警 {len(alerts)} 条" if alerts else "未发现异常"


@recorded_periodic(crontab(minute=f"*/{settings.TEIS_AUDIT_CHECKPOINT_MINUTES}"), label="审计链签名检查点")
def write_audit_checkpoint() -> str:
    from .checkpoints import write_checkpoint

    cp = write_checkpoint()
    if cp is None:
        return "审计记录无新增，无需写检查点"
    return f"检查点：截至记录 {cp.last_id}，共 {cp.count} 条，文件 {cp.path.name}"
