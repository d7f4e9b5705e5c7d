"""Tests of teis.core.workdays: the 2025 Spring Festival and National Day arrangements (from the table seeded by
migration), and the statutory holidays computed for a year without its notice (2027 onwards).

The facts asserted below were checked against the installed chinese_calendar 1.11.0 data and the State
Council notice for 2025 (国办发明电〔2024〕12号).
"""

from __future__ import annotations

import datetime

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from teis.core import workdays
from teis.core.workdays import add_workdays, is_workday, next_workday, previous_workday, workdays_between

pytestmark = pytest.mark.django_db  # the calendar is the table `core.CalendarDay`, seeded by a migration


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def days(first: str, last: str) -> list[datetime.date]:
    start, end = d(first), d(last)
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


# --- the 2025 facts -----------------------------------------------------------------------------


def test_spring_festival_2025_is_off():
    assert [is_workday(day) for day in days("2025-01-28", "2025-02-04")] == [False] * 8


def test_spring_festival_2025_shifted_working_days():
    assert d("2025-01-26").weekday() == 6 and is_workday(d("2025-01-26"))  # Sunday
    assert d("2025-02-08").weekday() == 5 and is_workday(d("2025-02-08"))  # Saturday
    assert is_workday(d("2025-01-27"))  # the Monday before New Year's Eve is worked
    assert not is_workday(d("2025-01-25"))  # an ordinary Saturday
    assert not is_workday(d("2025-02-09"))  # an ordinary Sunday
    assert is_workday(d("2025-02-05"))


def test_national_day_2025():
    assert [is_workday(day) for day in days("2025-10-01", "2025-10-08")] == [False] * 8
    assert d("2025-09-28").weekday() == 6 and is_workday(d("2025-09-28"))  # Sunday
    assert d("2025-10-11").weekday() == 5 and is_workday(d("2025-10-11"))  # Saturday
    assert is_workday(d("2025-09-30")) and is_workday(d("2025-10-09"))
    assert not is_workday(d("2025-10-12"))


def test_facts_match_the_package_data():
    for day in days("2025-01-20", "2025-02-15") + days("2025-09-25", "2025-10-15"):
        assert is_workday(day) == chinese_calendar.is_workday(day), day


@given(st.dates(min_value=datetime.date(2004, 1, 1), max_value=datetime.date(2026, 12, 31)))
def test_is_workday_agrees_with_package(day):
    assert is_workday(day) == chinese_calendar.is_workday(day)


# --- next / previous ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2025-01-24", "2025-01-26"),  # Friday -> the 调休 Sunday
        ("2025-01-27", "2025-02-05"),  # over the whole Spring Festival
        ("2025-02-07", "2025-02-08"),  # Friday -> the 调休 Saturday
        ("2025-09-30", "2025-10-09"),  # over National Day
        ("2025-10-10", "2025-10-11"),
        ("2025-10-11", "2025-10-13"),
    ],
)
def test_next_workday(day, expected):
    assert next_workday(d(day)) == d(expected)


def test_previous_workday():
    assert previous_workday(d("2025-02-05")) == d("2025-01-27")
    assert previous_workday(d("2025-10-09")) == d("2025-09-30")
    assert previous_workday(d("2025-01-27")) == d("2025-01-26")


# --- add_workdays -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, n, expected",
    [
        ("2025-01-27", 1, "2025-02-05"),
        ("2025-01-24", 1, "2025-01-26"),
        ("2025-01-24", 2, "2025-01-27"),
        ("2025-01-24", 3, "2025-02-05"),
        ("2025-01-28", 4, "2025-02-08"),  # counted from inside the holiday
        ("2025-09-26", 12, "2025-10-20"),  # 9/28-9/30, 10/9-10/11, 10/13-10/17, then 10/20 is the 12th
        ("2025-10-09", 2, "2025-10-11"),
        ("2025-02-05", -1, "2025-01-27"),
        ("2025-02-05", -2, "2025-01-26"),
        ("2025-02-05", -3, "2025-01-24"),
        ("2025-10-12", -1, "2025-10-11"),
        ("2025-10-09", -1, "2025-09-30"),
    ],
)
def test_add_workdays(start, n, expected):
    assert add_workdays(d(start), n) == d(expected)


def test_add_zero_workdays():
    assert add_workdays(d("2025-01-27"), 0) == d("2025-01-27")  # a working day stays
    assert add_workdays(d("2025-01-26"), 0) == d("2025-01-26")  # 调休 Sunday is a working day
    assert add_workdays(d("2025-10-01"), 0) == d("2025-10-09")  # a holiday moves to the next working day
    assert add_workdays(d("2025-10-12"), 0) == d("2025-10-13")


def test_add_workdays_accepts_datetimes(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    naive = datetime.datetime(2025, 9, 30, 23, 59)
    assert add_workdays(naive, 1) == d("2025-10-09")
    assert add_workdays(naive, 0) == d("2025-09-30")
    # 2025-09-30 17:00 UTC is 2025-10-01 01:00 in Shanghai: a holiday, so n=0 moves to the next working day.
    aware = datetime.datetime(2025, 9, 30, 17, 0, tzinfo=datetime.UTC)
    assert add_workdays(aware, 0) == d("2025-10-09")
    assert is_workday(aware) is False
    assert workdays_between(aware, d("2025-10-09")) == 1


# --- workdays_between ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2025-01-27", "2025-01-27", 0),
        ("2025-01-27", "2025-02-05", 1),
        ("2025-01-24", "2025-02-08", 6),  # 1/26, 1/27, 2/5, 2/6, 2/7, 2/8
        ("2025-01-28", "2025-02-04", 0),
        ("2025-09-26", "2025-10-20", 12),
        ("2025-02-05", "2025-01-27", -1),  # backwards: working days in [end, start)
        ("2025-02-08", "2025-01-24", -6),  # [1/24, 2/8): 1/24, 1/26, 1/27, 2/5, 2/6, 2/7
    ],
)
def test_workdays_between(start, end, expected):
    assert workdays_between(d(start), d(end)) == expected


@given(
    st.dates(min_value=datetime.date(2003, 1, 1), max_value=datetime.date(2028, 12, 31)),
    st.integers(min_value=-300, max_value=300).filter(lambda n: n != 0),
)
def test_add_then_count_gives_n_back(start, n):
    assert workdays_between(start, add_workdays(start, n)) == n


@given(st.dates(min_value=datetime.date(2003, 1, 1), max_value=datetime.date(2028, 12, 31)))
def test_add_zero_lands_on_a_workday_not_before_start(start):
    result = add_workdays(start, 0)
    assert is_workday(result) and result >= start
    assert workdays_between(start, result) == (0 if is_workday(start) else 1)


@given(
    st.dates(min_value=datetime.date(2003, 1, 1), max_value=datetime.date(2028, 12, 31)),
    st.integers(min_value=1, max_value=200),
)
def test_result_is_a_workday_and_ordered(start, n):
    forward, backward = add_workdays(start, n), add_workdays(start, -n)
    assert is_workday(forward) and is_workday(backward)
    assert backward < start < forward


# --- beyond the notices entered: statutory holidays computed -----------------------------------------


def test_the_seeded_notices_are_those_of_the_package_years():
    assert set(range(2004, 2027)) <= workdays.noticed_years()
    assert 2027 not in workdays.noticed_years()


def test_2027_new_year_and_new_years_eve_are_never_working_days():
    assert not is_workday(d("2027-01-01"))  # Friday, 元旦
    assert not is_workday(d("2027-02-05"))  # Friday, 除夕
    assert [is_workday(day) for day in days("2027-02-05", "2027-02-08")] == [False] * 4  # 除夕 to 初三
    assert is_workday(d("2027-02-09"))
    assert not is_workday(d("2027-04-05"))  # 清明 (the solar term), Monday
    assert not is_workday(d("2027-06-09"))  # 端午
    assert not is_workday(d("2027-09-15"))  # 中秋
    assert [is_workday(day) for day in days("2027-10-01", "2027-10-04")] == [False, False, False, True]


def test_a_30_working_day_deadline_from_2026_12_07_skips_new_years_day_2027():
    # 18 working days left in December 2026, then 1 January 2027 is a holiday: the 30th is 19 January
    assert add_workdays(d("2026-12-07"), 30) == d("2027-01-19")
    assert not workdays.covered(d("2026-12-07"), d("2027-01-19"))
    assert workdays.missing_years(d("2026-12-07"), d("2027-01-19")) == [2027]
    assert workdays.covered(d("2026-01-05"), d("2026-12-31"))


def test_statutory_holidays_2027():
    assert workdays.statutory_holidays(2027) == {
        d("2027-01-01"): "元旦",
        **dict.fromkeys(days("2027-02-05", "2027-02-08"), "春节"),
        d("2027-04-05"): "清明节",
        d("2027-05-01"): "劳动节",
        d("2027-05-02"): "劳动节",
        d("2027-06-09"): "端午节",
        d("2027-09-15"): "中秋节",
        **dict.fromkeys(days("2027-10-01", "2027-10-03"), "国庆节"),
    }


@given(st.integers(min_value=2008, max_value=2026))
def test_computed_festivals_are_holidays_in_the_package_data(year):
    """Since 2008 (清明, 端午, 中秋 became holidays) every notice gives 元旦, 春节 初一 to 初三, 清明, 5-1, 端午,
    中秋 and 10-1 to 10-3 off: the lunar dates and the solar term computed agree with the package in each year."""
    computed = workdays.statutory_holidays(year)
    older_rules_only = {day for day, name in computed.items() if name == "春节"}
    new_year = min(older_rules_only) + datetime.timedelta(days=1)  # 初一 (the computed set starts at 除夕)
    expected = set(computed) - older_rules_only - {d(f"{year}-05-02")} | {
        new_year + datetime.timedelta(days=i) for i in range(3)
    }
    for day in expected:
        assert not chinese_calendar.is_workday(day) or day.weekday() >= 5, (year, day, computed.get(day))
        assert chinese_calendar.is_holiday(day), (year, day)


@given(st.sampled_from([2025, 2026]))
def test_2024_amendment_days_are_holidays_in_2025_and_2026(year):
    """Under the 2024 amendment (from 2025) 除夕 and 5-2 are statutory too: the whole computed set is off."""
    for day in workdays.statutory_holidays(year):
        assert chinese_calendar.is_holiday(day), (year, day)


def test_without_a_notice_weekends_are_off_and_no_swap_is_assumed():
    monday = d("2029-03-05")
    assert [is_workday(monday + datetime.timedelta(days=i)) for i in range(7)] == [True] * 5 + [False] * 2
    assert add_workdays(monday, 5) == monday + datetime.timedelta(days=7)


def test_counting_across_the_edge_of_the_notices_does_not_crash():
    last = d("2026-12-31")
    assert workdays_between(last - datetime.timedelta(days=30), last + datetime.timedelta(days=30)) > 30
    assert add_workdays(last, 10) > last


@given(st.integers(min_value=2027, max_value=2060))
def test_every_computed_year_has_its_festivals_in_order(year):
    computed = workdays.statutory_holidays(year)
    names = [name for _, name in sorted(computed.items())]
    assert len(computed) == 13 or (len(computed) == 12 and "中秋节" not in names)  # 中秋 may fall on 10-1..10-3
    spring = sorted(day for day, name in computed.items() if name == "春节")
    assert len(spring) == 4 and d(f"{year}-01-20") <= spring[0] <= d(f"{year}-02-19")
    qingming = next(day for day, name in computed.items() if name == "清明节")
    assert qingming.month == 4 and qingming.day in (4, 5, 6)


@given(st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2035, 12, 31)))
def test_same_time_last_month_is_within_last_month_and_as_long_as_this_month_so_far(naive):
    from django.utils import timezone

    from teis.core.home import month_bounds, same_time_last_month

    now = timezone.make_aware(naive)
    last, this, _ = month_bounds(timezone.localdate(now))
    cut = same_time_last_month(last, this, now)
    assert last <= cut <= this
    assert cut - last == min(now - this, this - last)
