"""Case jobs: marking unpaid fines overdue (加处罚款, start of the overdue process) and custody reminders for
seized property. Both periodic and recorded (the operations page shows their runs)."""

from __future__ import annotations

from teis.core.jobs import crontab, recorded_periodic


@recorded_periodic(crontab(minute="10", hour="1"), label="逾期未缴罚款标记与催缴流程")
def mark_overdue_cases() -> str:
    from .services.penalties import do_mark_overdue

    result = do_mark_overdue(None)
    return f"标记逾期 {result['marked']} 件，发起催缴流程 {result['started']} 件"


@recorded_periodic(crontab(minute="20", hour="7"), label="涉案财物保管期限提醒")
def property_custody_reminders() -> str:
    from .services.property import custody_reminders

    return f"发出保管期限提醒 {custody_reminders()} 条"


from .services import monitoring, query  # noqa: E402, F401  (monitoring periodic job; query export job)
