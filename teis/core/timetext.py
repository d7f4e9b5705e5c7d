"""Times as people read them: every datetime rendered into text (titles, summaries, notifications, PDFs,
Excel, audit headings) is in the corps' time zone (settings.TIME_ZONE, Asia/Shanghai), never UTC.

Templates convert by themselves (`|date` with USE_TZ); Python code that builds text must go through here.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

MINUTE = "%Y-%m-%d %H:%M"
SECOND = "%Y-%m-%d %H:%M:%S"


def local(value: dt.datetime) -> dt.datetime:
    """An aware datetime in the corps' time zone (a naive one is taken as already local)."""
    return timezone.localtime(value) if timezone.is_aware(value) else value


def local_text(value: dt.datetime | dt.date | None, fmt: str = MINUTE) -> str:
    """'2026-12-07 11:05' for 2026-12-07 03:05 UTC; a date is formatted as is; None is ''."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return local(value).strftime(fmt)
    return value.strftime(fmt if "%H" not in fmt else "%Y-%m-%d")


def local_naive(value: dt.datetime | None) -> dt.datetime | None:
    """A local wall-clock datetime without tzinfo, as openpyxl needs (Excel has no time zones)."""
    if value is None:
        return None
    return local(value).replace(tzinfo=None)
