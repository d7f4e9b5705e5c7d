"""Working-day arithmetic for legal deadlines (工作日), on the `chinese_calendar` data.

A working day is a Monday–Friday that is not a statutory holiday, or a weekend day declared a working day
by the State Council's 调休 arrangement. The data covers the years `SUPPORTED_YEARS`; outside them the
functions fall back to plain Monday–Friday and log one warning per year, rather than failing a deadline
computation. (The package is updated each year when the State Council publishes the next year's
arrangement; upgrade it to extend the range.)

Counting rule, as in administrative procedure law (期间开始之日不计算在内; 期间届满的最后一日是节假日的，以节
假日后的第一日为期间届满的日期):
- `add_workdays(start, n)`, n > 0: the n-th working day after `start`; `start` itself never counts.
- `add_workdays(start, 0)`: `start` if it is a working day, else the next working day.
- `add_workdays(start, n)`, n < 0: the |n|-th working day before `start`.
- `workdays_between(start, end)`: working days passed when moving from `start` to `end`, counting the
  arrival day and not the departure day — working days in (start, end] when end >= start, and minus the
  working days in [end, start) when end < start. So for every n != 0,
  `workdays_between(start, add_workdays(start, n)) == n`.
Datetimes are accepted and reduced to their local date (aware ones via Django's current time zone).
"""

from __future__ import annotations

import datetime
import logging
from typing import Final

import chinese_calendar

logger = logging.getLogger(__name__)

_DAY: Final = datetime.timedelta(days=1)
# The package's own is_workday() rescans its tables on every call; these sets make a lookup O(1).
_HOLIDAYS: Final[frozenset[datetime.date]] = frozenset(chinese_calendar.holidays)
_SHIFTED_WORKDAYS: Final[frozenset[datetime.date]] = frozenset(chinese_calendar.workdays)
SUPPORTED_YEARS: Final[range] = range(min(day.year for day in _HOLIDAYS), max(day.year for day in _HOLIDAYS) + 1)
_warned_years: set[int] = set()


def is_workday(d: datetime.date) -> bool:
    """Whether `d` is a working day: statutory holidays are off, 调休 weekend working days are on."""
    day = local_date(d)
    if day.year not in SUPPORTED_YEARS:
        _warn_unsupported(day.year)
        return day.weekday() < 5
    if day in _SHIFTED_WORKDAYS:
        return True
    return day.weekday() < 5 and day not in _HOLIDAYS


def next_workday(d: datetime.date) -> datetime.date:
    """The first working day strictly after `d`."""
    day = local_date(d) + _DAY
    while not is_workday(day):
        day += _DAY
    return day


def previous_workday(d: datetime.date) -> datetime.date:
    """The last working day strictly before `d`."""
    day = local_date(d) - _DAY
    while not is_workday(day):
        day -= _DAY
    return day


def add_workdays(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start` (before it when n < 0); for n == 0, `start` or the next working day.

    `start` itself is never counted. See the module docstring for the rule.
    """
    day = local_date(start)
    if n == 0:
        return day if is_workday(day) else next_workday(day)
    step = next_workday if n > 0 else previous_workday
    for _ in range(abs(n)):
        day = step(day)
    return day


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end] when end >= start; minus the working days in [end, start) otherwise."""
    first, last = local_date(start), local_date(end)
    if last >= first:
        return _count(first + _DAY, last)
    return -_count(last, first - _DAY)


def _count(first: datetime.date, last: datetime.date) -> int:
    """Working days in the closed interval [first, last] (0 when last < first)."""
    count = 0
    day = first
    while day <= last:
        count += is_workday(day)
        day += _DAY
    return count


def local_date(d: datetime.date) -> datetime.date:
    """The corps's calendar day of a date or datetime: an aware datetime counts in local time (Asia/Shanghai),
    not UTC's day, which is the day before for the first eight hours of each local day."""
    if isinstance(d, datetime.datetime):
        if d.tzinfo is not None:
            from django.utils import timezone

            local: datetime.datetime = timezone.localtime(d)
            return local.date()
        return d.date()
    return d


def _warn_unsupported(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        logger.warning(
            "chinese_calendar has no holiday data for %s (supported %s-%s); counting Monday-Friday as "
            "working days for that year",
            year,
            SUPPORTED_YEARS.start,
            SUPPORTED_YEARS.stop - 1,
        )
