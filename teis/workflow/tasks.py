"""Workflow jobs: deadline reminders one working day ahead and escalation (督办) of overdue tasks."""

from __future__ import annotations

from teis.core.jobs import crontab, recorded_periodic


@recorded_periodic(crontab(minute="*/30"), label="流程期限提醒与超期督办")
def workflow_deadlines() -> str:
    from .services import check_deadlines

    result = check_deadlines()
    return f"提醒 {result['reminded']} 项，督办 {result['escalated']} 项"
