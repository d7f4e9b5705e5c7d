"""Working-day arithmetic for legal deadlines (工作日), on the calendar the system administrator maintains.

A working day is a Monday–Friday that is not a holiday, or a weekend day declared a working day by the State
Council's 调休 arrangement. Where the days come from (ARCHITECTURE.md rule 7):
- the table `core.CalendarDay` (holidays and 调休 working days, entered from each year's State Council notice on
  the 节假日安排 page, seeded from the `chinesecalendar` data for 2004 onwards), and `core.HolidayNotice`, the
  years whose notice is entered;
- for a year whose notice is not entered yet, the statutory holidays of 全国年节及纪念日放假办法 (as amended in
  2024) computed by `statutory_holidays(year)`: 元旦 1 day, 春节 4 days from 除夕, 清明 (the solar term) 1 day,
  劳动节 5-1 and 5-2, 端午 1 day, 中秋 1 day, 国庆 10-1 to 10-3. Only the 调休 swaps wait for the notice, and
  `covered(start, end)` tells whether a period depends on a year without its notice (pages then mark the
  deadline "未含调休安排").

The table is read once into a process-local snapshot (two queries), dropped by `invalidate()` on every write
of the calendar service and re-checked against a version token in the shared cache at most every
`RECHECK_SECONDS`, so other processes see a change within that time; counting a deadline makes no query per day.

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
import functools
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Final

_DAY: Final = datetime.timedelta(days=1)
VERSION_KEY: Final = "teis:workdays:version"
RECHECK_SECONDS: Final = 10.0
UNCOVERED_NOTE: Final = "未含调休安排"


# --- statutory holidays (全国年节及纪念日放假办法, 2024 amendment) ------------------------------------------------


@functools.lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The statutory holidays of one year, without any 调休 swap: {date: festival name}.

    春节 runs from 除夕 (the last day of the twelfth lunar month, the 29th or the 30th) to 正月初三; 清明 is the day
    of the solar term; 端午 is the 5th of the fifth lunar month and 中秋 the 15th of the eighth. The lunar dates
    and the solar term come from `lunar_python` (astronomical computation, valid far beyond any deadline)."""
    from lunar_python import Lunar, Solar

    def solar(lunar_month: int, lunar_day: int) -> datetime.date:
        s = Lunar.fromYmd(year, lunar_month, lunar_day).getSolar()
        return datetime.date(s.getYear(), s.getMonth(), s.getDay())

    days: dict[datetime.date, str] = {datetime.date(year, 1, 1): "元旦"}
    new_year = solar(1, 1)
    for offset in range(-1, 3):  # 除夕, 初一, 初二, 初三 (初一 falls between 21 January and 20 February)
        days[new_year + offset * _DAY] = "春节"
    qingming = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()["清明"]
    days[datetime.date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days[datetime.date(year, 5, 1)] = days[datetime.date(year, 5, 2)] = "劳动节"
    days[solar(5, 5)] = "端午节"
    days[solar(8, 15)] = "中秋节"
    for day_of_month in (1, 2, 3):
        days[datetime.date(year, 10, day_of_month)] = "国庆节"
    return days


# --- the calendar snapshot --------------------------------------------------------------------------------------


@dataclass
class Calendar:
    """What the table says, in sets for O(1) look-ups."""

    holidays: frozenset[datetime.date]
    shifted_workdays: frozenset[datetime.date]
    noticed_years: frozenset[int]
    version: str | None = None
    checked_at: float = 0.0
    _computed: dict[int, frozenset[datetime.date]] = field(default_factory=dict)

    def is_workday(self, day: datetime.date) -> bool:
        if day in self.shifted_workdays:
            return True
        if day in self.holidays:
            return False
        if day.weekday() >= 5:
            return False
        if day.year in self.noticed_years:
            return True
        return day not in self._statutory(day.year)

    def _statutory(self, year: int) -> frozenset[datetime.date]:
        days = self._computed.get(year)
        if days is None:
            days = self._computed[year] = frozenset(statutory_holidays(year))
        return days


_lock = threading.Lock()
_snapshot: Calendar | None = None


def _load(version: str | None, *, seed: bool = True) -> Calendar:
    from .models import CalendarDay, CalendarDayKind, HolidayNotice

    holidays: set[datetime.date] = set()
    workdays: set[datetime.date] = set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (workdays if kind == CalendarDayKind.WORKDAY else holidays).add(day)
    years = frozenset(HolidayNotice.objects.values_list("year", flat=True))
    if seed and not years and not holidays and not workdays:  # never seeded (a flushed test database)
        from .holidays import seed_from_package

        seed_from_package()
        return _load(version, seed=False)
    return Calendar(frozenset(holidays), frozenset(workdays), years, version, time.monotonic())


def calendar() -> Calendar:
    """The current snapshot: loaded on first use, re-checked against the shared version token now and then."""
    global _snapshot
    from django.core.cache import cache

    snap = _snapshot
    now = time.monotonic()
    if snap is not None and now - snap.checked_at < RECHECK_SECONDS:
        return snap
    version = cache.get(VERSION_KEY)
    if snap is not None and version is not None and version == snap.version:
        snap.checked_at = now
        return snap
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    with _lock:
        _snapshot = _load(version)
        return _snapshot


def invalidate() -> None:
    """Drop the snapshot here and tell other processes (new version token), now and again after commit, so a
    reader never keeps what a concurrent transaction replaced."""
    from django.db import transaction

    def bump() -> None:
        global _snapshot
        from django.core.cache import cache

        _snapshot = None
        cache.set(VERSION_KEY, uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def forget() -> None:
    """Drop this process's snapshot only (tests roll back what they wrote; the next call reloads)."""
    global _snapshot
    _snapshot = None


# --- the public functions ---------------------------------------------------------------------------------------


def is_workday(d: datetime.date) -> bool:
    """Whether `d` is a working day: holidays are off, 调休 weekend working days are on."""
    return calendar().is_workday(local_date(d))


def next_workday(d: datetime.date) -> datetime.date:
    """The first working day strictly after `d`."""
    return _step(calendar(), local_date(d), 1)


def previous_workday(d: datetime.date) -> datetime.date:
    """The last working day strictly before `d`."""
    return _step(calendar(), local_date(d), -1)


def _step(cal: Calendar, day: datetime.date, direction: int) -> datetime.date:
    day += direction * _DAY
    while not cal.is_workday(day):
        day += direction * _DAY
    return day


def add_workdays(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start` (before it when n < 0); for n == 0, `start` or the next working day.

    `start` itself is never counted. See the module docstring for the rule.
    """
    cal = calendar()
    day = local_date(start)
    if n == 0:
        return day if cal.is_workday(day) else _step(cal, day, 1)
    direction = 1 if n > 0 else -1
    for _ in range(abs(n)):
        day = _step(cal, day, direction)
    return day


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end] when end >= start; minus the working days in [end, start) otherwise."""
    first, last = local_date(start), local_date(end)
    if last >= first:
        return _count(first + _DAY, last)
    return -_count(last, first - _DAY)


def _count(first: datetime.date, last: datetime.date) -> int:
    """Working days in the closed interval [first, last] (0 when last < first)."""
    cal = calendar()
    count = 0
    day = first
    while day <= last:
        count += cal.is_workday(day)
        day += _DAY
    return count


# --- coverage by the notices ------------------------------------------------------------------------------------


def noticed_years() -> frozenset[int]:
    """The years whose State Council notice is entered."""
    return calendar().noticed_years


def missing_years(start: datetime.date, end: datetime.date) -> list[int]:
    """The years from `start` to `end` (either order) whose notice is not entered: their 调休 swaps are unknown."""
    first, last = sorted((local_date(start), local_date(end)))
    years = calendar().noticed_years
    return [year for year in range(first.year, last.year + 1) if year not in years]


def covered(start: datetime.date, end: datetime.date) -> bool:
    """Whether a count of working days from `start` to `end` rests only on entered notices; when not, the
    deadline is shown with `UNCOVERED_NOTE` (it may move once the notice's 调休 swaps are entered)."""
    return not missing_years(start, end)


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
