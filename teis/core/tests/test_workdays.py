"""Tests of teis.core.workdays around the 2025 Spring Festival and National Day arrangements.

The facts asserted below were checked against the installed chinese_calendar 1.11.0 data and the State
Council notice for 2025 (国办发明电〔2024〕12号).
"""

from __future__ import annotations

import datetime
import logging

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from teis.core import workdays
from teis.core.workdays import add_workdays, is_workday, next_workday, previous_workday, workdays_between


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def days(first: str, last: str) -> list[datetime.date]:
    start, end = d(first), d(last)
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(workdays, "_warned_years", set())


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


# --- outside the data ---------------------------------------------------------------------------


def test_supported_years_cover_2025():
    assert 2025 in workdays.SUPPORTED_YEARS
    assert workdays.SUPPORTED_YEARS.start == 2004


def test_unsupported_year_falls_back_to_monday_to_friday(fresh_warnings, caplog):
    year = workdays.SUPPORTED_YEARS.stop + 3
    monday = d(f"{year}-01-01")
    while monday.weekday() != 0:
        monday += datetime.timedelta(days=1)
    with caplog.at_level(logging.WARNING, logger="teis.core.workdays"):
        assert [is_workday(monday + datetime.timedelta(days=i)) for i in range(7)] == [True] * 5 + [False] * 2
        assert add_workdays(monday, 5) == monday + datetime.timedelta(days=7)
        assert workdays_between(monday, monday + datetime.timedelta(days=14)) == 10
    warnings = [r for r in caplog.records if r.name == "teis.core.workdays"]
    assert len(warnings) == 1  # once per year, not once per call
    assert str(year) in warnings[0].getMessage()


def test_each_unsupported_year_warns_once(fresh_warnings, caplog):
    with caplog.at_level(logging.WARNING, logger="teis.core.workdays"):
        is_workday(d("2003-06-02"))
        is_workday(d("2003-06-03"))
        is_workday(d("2099-06-02"))
    assert len([r for r in caplog.records if r.name == "teis.core.workdays"]) == 2


def test_counting_across_the_edge_of_the_data_does_not_crash(fresh_warnings):
    last = d(f"{workdays.SUPPORTED_YEARS.stop - 1}-12-31")
    assert workdays_between(last - datetime.timedelta(days=30), last + datetime.timedelta(days=30)) > 30
    assert add_workdays(last, 10) > last
