"""水上执法 jobs: the time-driven vessel checks every minute (AIS dark, stopped / drifting / underway, berth
arrivals, certificates, registry look-ups), the nightly risk-score refresh, the AIS position retention and the
monthly partitions of the position table (PostgreSQL). Periodic and recorded."""

from __future__ import annotations

from teis.core.jobs import crontab, recorded_periodic


@recorded_periodic(crontab(minute="*"), label="船舶状态检查（AIS消失、停航漂航、靠离泊）")
def vessel_state_checks() -> str:
    from .services.alerts import check_vessel_states

    r = check_vessel_states()
    return (
        f"AIS消失告警 {r.dark} 条，状态变化 {r.state_changes} 艘，靠泊/抵锚 {r.arrivals} 次，"
        f"证书告警 {r.certificates} 条，登记信息调取 {r.registry_lookups} 艘"
    )


@recorded_periodic(crontab(minute="40", hour="2"), label="船舶风险评分更新")
def vessel_risk_scores() -> str:
    from .services.risk import refresh_all

    return f"更新风险评分 {refresh_all()} 艘"


@recorded_periodic(crontab(minute="50", hour="3"), label="船舶定位保留期清理")
def purge_positions() -> str:
    from .services.retention import purge_old_positions

    return f"删除过期船舶定位 {purge_old_positions()} 条"


@recorded_periodic(crontab(minute="15", hour="0"), label="船舶定位分区预建")
def position_partitions() -> str:
    from .services.retention import position_partitions as create

    created = create()
    return f"新建分区 {len(created)} 个" + (f"：{'、'.join(created)}" if created else "")
