"""Core jobs: large exports; housekeeping."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from .jobs import recorded_periodic


@db_task()  # type: ignore[untyped-decorator]  # huey ships no type hints
def run_export(job_id: int) -> None:
    import io

    from .exports import filtered_queryset, write_workbook
    from .models import ExportJob
    from .registry import registry
    from .storage import get_storage

    job = ExportJob.objects.select_related("user").get(pk=job_id)
    config = registry.get(job.model_label)
    job.status = ExportJob.Status.RUNNING
    job.save(update_fields=["status"])

    def progress(n: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(done=n)

    try:
        buf = io.BytesIO()
        qs = filtered_queryset(config, job.user, job.query)
        write_workbook(config, qs.iterator(chunk_size=1000), job.user, buf, total=job.total, progress=progress)
        name = get_storage().save(f"exports/{job.user_id}/{job_id}.xlsx", ContentFile(buf.getvalue()))
        ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.DONE, file_name=name)
    except Exception as exc:  # the page shows the failure instead of spinning forever
        ExportJob.objects.filter(pk=job_id).update(status=ExportJob.Status.FAILED, error=str(exc)[:500])
        raise


@recorded_periodic(crontab(minute="17", hour="3"), label="清理过期导出文件与运行记录")
def cleanup_exports() -> str:
    from .models import ExportJob, JobRun
    from .storage import get_storage

    cutoff = timezone.now() - dt.timedelta(days=7)
    storage = get_storage()
    old = ExportJob.objects.filter(created_at__lt=cutoff)
    for job in old:
        if job.file_name and storage.exists(job.file_name):
            storage.delete(job.file_name)
    n = old.count()
    old.delete()
    JobRun.objects.filter(started_at__lt=timezone.now() - dt.timedelta(days=90)).delete()
    return f"清理导出任务 {n} 个"


@recorded_periodic(crontab(minute="23", hour="8"), label="提醒录入下一年度节假日安排")
def remind_holiday_notice() -> str:
    from .holidays import remind_missing_notice

    return f"提醒系统管理员 {remind_missing_notice()} 人"


@recorded_periodic(crontab(minute="20", hour=str(settings.TEIS_BACKUP_HOUR)), label="系统备份")
def scheduled_backup() -> str:
    """Nightly backup into TEIS_BACKUP_DIR, keeping the newest TEIS_BACKUP_KEEP; fails without a passphrase."""
    from .backup import create_backup, passphrase_from_env, prune_backups

    result = create_backup(passphrase_from_env())
    removed = prune_backups()
    size_mb = result.bytes / 1024 / 1024
    return (
        f"备份 {result.path.name}：数据库 {result.database}，文件 {result.files} 个，"
        f"审计检查点 {result.checkpoints} 个，{size_mb:.1f} MB；删除旧备份 {len(removed)} 个"
    )
