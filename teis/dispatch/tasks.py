"""Dispatch jobs, periodic and recorded: the duty alarms (人员未登录, 定位异常) every minute, the nightly
daily-mileage table, the fix retention purge and the monthly partitions of the fix table (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from teis.core.jobs import crontab, recorded_periodic


@recorded_periodic(crontab(minute="*"), label="勤务告警检查（人员未登录、定位异常）")
def duty_alarm_check() -> str:
    from .services.duty import check_duty_alarms

    raised, ended = check_duty_alarms()
    return f"新告警 {raised} 条，结束 {ended} 条"


@recorded_periodic(crontab(minute="30", hour="0"), label="车辆日里程统计")
def daily_mileage() -> str:
    from .services.stats import compute_daily_mileage

    day = timezone.localdate() - dt.timedelta(days=1)
    return f"{day} 统计车辆 {compute_daily_mileage(day)} 辆"


@recorded_periodic(crontab(minute="40", hour="3"), label="定位数据保留期清理")
def purge_fixes() -> str:
    from .services.retention import purge_old_fixes

    return f"删除过期定位 {purge_old_fixes()} 条"


@recorded_periodic(crontab(minute="10", hour="0"), label="定位数据分区预建")
def fix_partitions() -> str:
    from .services.retention import fix_partitions as create

    created = create()
    return f"新建分区 {len(created)} 个" + (f"：{'、'.join(created)}" if created else "")
