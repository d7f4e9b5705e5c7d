"""Statistics equal counts made directly in the test: by category, unit, channel and month, 限时办结率 and
回访满意率, within the user's scope; the dashboard's year and month comparisons."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.services import ServiceError
from teis.petitions.models import Petition
from teis.petitions.services import stats

pytestmark = pytest.mark.django_db


def _make(people, n, **kw):
    today = timezone.localdate()
    base = {
        "channel": "hotline",
        "category": people.categories["refusal"],
        "title": "t",
        "content": "c",
        "registered_by": people.registrar,
        "intake_unit": people.tree["corps"],
        "unit": people.tree["squad1"],
        "accept_due": today,
        "finish_due": today,
        "registered_at": timezone.now(),
    }
    base.update(kw)
    return Petition.objects.create(code=f"XFS{n:06d}", **base)


@pytest.fixture
def dataset(people):
    now = timezone.now()
    rows = [
        {
            "channel": "hotline",
            "category": people.categories["refusal"],
            "unit": people.tree["squad1"],
            "accepted_at": now,
            "handled_at": now,
            "closed_at": now,
            "closed_in_time": True,
            "satisfaction": "satisfied",
        },
        {
            "channel": "hotline",
            "category": people.categories["refusal"],
            "unit": people.tree["squad1"],
            "accepted_at": now,
            "handled_at": now,
            "closed_at": now,
            "closed_in_time": False,
            "satisfaction": "unsatisfied",
        },
        {
            "channel": "letter",
            "category": people.categories["detour"],
            "unit": people.tree["squad2"],
            "accepted_at": now,
            "handled_at": now,
            "closed_at": now,
            "closed_in_time": True,
            "satisfaction": "basic",
        },
        {
            "channel": "letter",
            "category": people.categories["detour"],
            "unit": people.tree["squad2"],
            "accepted_at": now,
            "closed_at": now,
            "closed_in_time": True,
            "satisfaction": "unreachable",
        },
        {"channel": "web", "category": people.categories["water"], "unit": people.tree["squad3"], "accepted_at": now},
        {"channel": "web", "category": people.categories["water"], "unit": people.tree["squad3"]},
    ]
    return [_make(people, i, **r) for i, r in enumerate(rows)]


def _by(rows, label):
    return next(r for r in rows if r["label"] == label)


def test_by_category_equals_direct_counts(people, dataset):
    rows = stats.statistics(people.registrar, "category")
    for code in ("refusal", "detour", "water"):
        cat = people.categories[code]
        qs = Petition.objects.filter(category=cat)
        row = _by(rows, cat.label)
        assert row["total"] == qs.count()
        assert row["closed"] == qs.filter(closed_at__isnull=False).count()
        assert row["in_time"] == qs.filter(closed_in_time=True).count()
    assert _by(rows, "拒载")["in_time_rate"] == 50.0
    assert _by(rows, "拒载")["satisfaction_rate"] == 50.0
    assert _by(rows, "绕道")["satisfaction_rate"] == 100.0  # 无法联系 not counted
    assert _by(rows, "水上")["in_time_rate"] is None
    total = rows[-1]
    assert total["label"] == "合计" and total["total"] == Petition.objects.count() == 6
    assert total["closure_rate"] == round(4 * 100 / 6, 1)
    assert total["accepted"] == Petition.objects.filter(accepted_at__isnull=False).count() == 5


def test_by_unit_and_channel(people, dataset):
    rows = stats.statistics(people.registrar, "unit")
    assert _by(rows, "第一中队")["total"] == 2 and _by(rows, "第三中队")["closed"] == 0
    rows = stats.statistics(people.registrar, "channel")
    assert _by(rows, "来信")["total"] == Petition.objects.filter(channel="letter").count() == 2
    assert _by(rows, "网上")["accepted"] == 1


def test_scope_limits_statistics(people, dataset):
    rows = stats.statistics(people.brigade1, "unit")  # subtree of brigade1: squad1 and squad2 only
    assert rows[-1]["total"] == 4 and {r["label"] for r in rows[:-1]} == {"第一中队", "第二中队"}


def test_period_and_month(people, dataset):
    old = _make(people, 99, registered_at=timezone.now() - dt.timedelta(days=400))
    today = timezone.localdate()
    rows = stats.statistics(people.registrar, "month", today - dt.timedelta(days=30), today)
    assert rows[-1]["total"] == 6
    rows = stats.statistics(people.registrar, "month")
    assert rows[-1]["total"] == 7 and any(r["label"] == f"{timezone.localtime(old.registered_at):%Y-%m}" for r in rows)
    with pytest.raises(ServiceError):
        stats.statistics(people.registrar, "month", "2025-02-01", "2025-01-01")
    with pytest.raises(ServiceError):
        stats.statistics(people.registrar, "color")
    with pytest.raises(ServiceError):
        stats.statistics(people.registrar, "month", "yesterday")


def test_dashboard_compares_with_previous_periods(people, dataset):
    today = timezone.localdate()
    last_year = timezone.now() - dt.timedelta(days=366)
    _make(people, 50, registered_at=last_year, accepted_at=last_year, closed_at=last_year)
    data = stats.dashboard(people.registrar, today.year, today.month)
    this_year = Petition.objects.filter(registered_at__year=today.year).count()
    assert data["this_year"]["total"] == this_year
    assert data["last_year"]["total"] == Petition.objects.filter(registered_at__year=today.year - 1).count()
    assert data["this_month"]["total"] == 6
    assert sum(r["total"] for r in data["series"]["current"]) == this_year
    assert len(data["series"]["previous"]) == 12
    if data["last_year"]["total"]:
        expected = round((this_year - data["last_year"]["total"]) * 100 / data["last_year"]["total"], 1)
        assert data["year_change"]["total"] == expected
    with pytest.raises(ServiceError):
        stats.dashboard(people.registrar, 2025, 13)


def test_export(people, dataset):
    from teis.core.testing_mixins import xlsx_rows

    rows = stats.statistics(people.registrar, "category")
    sheet = xlsx_rows(stats.export_statistics(rows, "category"))
    assert sheet[0][0] == "反映类别" and sheet[0][1] == "信访总量"
    assert sheet[-1][0] == "合计" and sheet[-1][1] == 6
