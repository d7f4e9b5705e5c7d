"""Petition jobs: reminders before and supervision (督察) after the 受理 / 办结 deadlines. Periodic and recorded."""

from __future__ import annotations

from teis.core.jobs import crontab, recorded_periodic


@recorded_periodic(crontab(minute="40"), label="信访件临期提醒与超期督察")
def petition_deadlines() -> str:
    from .services.supervision import check_deadlines

    result = check_deadlines()
    return f"临期提醒 {result['reminded']} 件，发起督察 {result['supervised']} 件"
