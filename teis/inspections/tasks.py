"""Huey jobs of 双随机一公开: the object import (with progress) and the daily warning scan."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_task

from teis.core.jobs import recorded_periodic

from .choices import ImportStatus


@db_task()
def run_object_import(job_id: int) -> None:
    from teis.core.services import ServiceError
    from teis.core.storage import get_storage

    from .models import ObjectImport
    from .services.pools import do_import_objects, read_object_rows

    job = ObjectImport.objects.select_related("user").get(pk=job_id)
    ObjectImport.objects.filter(pk=job_id).update(status=ImportStatus.RUNNING)
    storage = get_storage()
    try:
        with storage.open(job.file_name, "rb") as f:
            rows = read_object_rows(f)
        ObjectImport.objects.filter(pk=job_id).update(total=len(rows))

        def progress(n: int) -> None:
            ObjectImport.objects.filter(pk=job_id).update(done=n)

        result = do_import_objects(job.user, rows, progress=progress)
    except ServiceError as err:
        errors = [err.message, *[e for msgs in err.fields.values() for e in msgs]]
        ObjectImport.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, errors=errors[:200], finished_at=timezone.now()
        )
    except Exception as exc:  # the page shows the failure instead of spinning forever
        ObjectImport.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, errors=[f"导入失败：{exc}"[:500]], finished_at=timezone.now()
        )
        raise
    else:
        ObjectImport.objects.filter(pk=job_id).update(
            status=ImportStatus.DONE,
            created=result.created,
            updated=result.updated,
            finished_at=timezone.now(),
        )
    finally:
        if storage.exists(job.file_name):
            storage.delete(job.file_name)


@recorded_periodic(crontab(minute="30", hour="7"), label="双随机检查跟踪预警")
def scan_inspection_warnings() -> str:
    from .services.warnings import scan_warnings

    r = scan_warnings()
    return f"新增预警 {r['created']} 条，解除 {r['closed']} 条，当前 {r['open']} 条"
