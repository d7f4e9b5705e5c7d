"""统计分析 jobs: the daily aggregate (every ten minutes, and a nightly pass over the trailing weeks) and the
statutory monthly reports (on the 1st of each month, for the month before)."""

from __future__ import annotations

from teis.core.jobs import crontab, recorded_periodic

from .services import aggregate


@recorded_periodic(crontab(minute="*/10"), label="统计日汇总（增量）")
def refresh_daily_facts():
    result = aggregate.refresh()
    return f"重算 {result.get('days', 0)} 天，写入 {result.get('rows', 0)} 行"


@recorded_periodic(crontab(minute="30", hour="2"), label="统计日汇总（夜间复核近 35 天）")
def refresh_daily_facts_nightly():
    result = aggregate.refresh(trailing_days=aggregate.NIGHTLY_DAYS)
    return f"重算 {result.get('days', 0)} 天，写入 {result.get('rows', 0)} 行"


@recorded_periodic(crontab(minute="0", hour="6", day="1"), label="法定月报生成（征信、双公示、超限治理）")
def generate_monthly_reports():
    from .services import statutory

    reports = statutory.generate_due(actor=None)
    return f"生成 {len(reports)} 份月报"
