"""Evidence jobs: media processing after ingest, and the periodic retention, purge, integrity sampling,
upload-session reaping, workstation heartbeat watch and weekly upcoming-deletion notice."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from teis.core.jobs import crontab, recorded_periodic


@db_task(retries=1, retry_delay=60)
def process_media(item_id: int) -> None:
    from .models import EvidenceItem
    from .services import media

    item = EvidenceItem.objects.filter(pk=item_id).first()
    if item is not None:
        media.process(item)


@db_task()
def verify_all(actor_id: int | None = None) -> dict:
    from django.contrib.auth import get_user_model

    from .services.integrity import verify_sample

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return verify_sample(all_items=True, actor=actor)


@recorded_periodic(crontab(minute="30", hour="2"), label="证据保存期限到期删除与清除")
def evidence_retention() -> str:
    from .services.retention import run_retention

    result = run_retention()
    return f"删除 {result['deleted']} 件，清除 {result['purged']} 件"


@recorded_periodic(crontab(minute="0", hour="3"), label="证据完整性抽样校验")
def evidence_integrity_sample() -> str:
    from .services.integrity import verify_sample

    result = verify_sample(50)
    return f"校验 {result['checked']} 件，不一致 {result['mismatch']} 件，缺失 {result['missing']} 件"


@recorded_periodic(crontab(minute="15"), label="清理过期的证据上传会话")
def evidence_reap_uploads() -> str:
    from .services.ingest import reap_sessions

    return f"清理 {reap_sessions()} 个上传会话"


@recorded_periodic(crontab(minute="*/5"), label="采集工作站心跳检查")
def evidence_station_watch() -> str:
    from .services.devices import check_heartbeats

    return f"离线告警 {check_heartbeats()} 台"


@recorded_periodic(crontab(minute="0", hour="8", day_of_week="1"), label="证据即将自动删除周报")
def evidence_weekly_upcoming() -> str:
    from .services.retention import weekly_upcoming_notice

    return f"即将删除 {weekly_upcoming_notice()} 件"
