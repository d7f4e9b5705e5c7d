"""Jobs of the documents app: building an electronic case file (电子卷宗) with progress."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def build_case_file(casefile_id: int) -> None:
    from .choices import CaseFileStatus
    from .models import CaseFile
    from .services.casefile import build

    casefile = CaseFile.objects.select_related("case__unit", "created_by").get(pk=casefile_id)
    CaseFile.objects.filter(pk=casefile_id).update(status=CaseFileStatus.RUNNING)

    def progress(done: int, total: int) -> None:
        CaseFile.objects.filter(pk=casefile_id).update(done=done, total=total)

    try:
        build(casefile, progress)
    except Exception as exc:  # the page shows the failure instead of spinning forever
        CaseFile.objects.filter(pk=casefile_id).update(status=CaseFileStatus.FAILED, error=str(exc)[:500])
        raise
