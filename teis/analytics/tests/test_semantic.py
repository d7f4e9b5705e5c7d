"""The semantic layer: totals by every grouping, the aggregate path equal to the base path, drill-down rows that
make up exactly their total, and the data scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from hypothesis import given, settings
from hypothesis import strategies as st

from teis.analytics import semantic as sem
from teis.analytics.services import aggregate
from teis.analytics.tests.factories import make_case

D0 = dt.date(2026, 3, 1)
GROUPS = [None, "unit", "district", "month", "day", "source", "officer", "line", "cause", "procedure"]
UNITS = ["squad1", "squad2", "squad3", "brigade1", "district", "corps"]


@pytest.fixture
def people(make_user):
    return {
        "boss": make_user("leadership", "corps"),
        "brigade": make_user("brigade_leader", "brigade1"),
        "officer": make_user("field_officer", "squad1"),
        "other": make_user("field_officer", "squad3"),
    }


def _seed(tree, people):
    out = []
    for i in range(18):
        unit = tree[UNITS[i % len(UNITS)]]
        handler = people["officer"] if unit.name == "第一中队" else people["other"]
        filed = D0 + dt.timedelta(days=i * 5)
        closed = filed + dt.timedelta(days=(i * 13) % 120) if i % 3 else None
        out.append(
            make_case(
                unit,
                handler,
                filed=filed,
                closed=closed,
                decided=filed if i % 2 else None,
                fine=500 * (i + 1) if i % 2 else None,
                source=["on_site", "complaint", "non_site"][i % 3],
                major=i % 7 == 0,
                paid=100 * i if i % 4 == 1 else None,
            )
        )
    return out


def _check_drill(user, fact, sl, group):
    f = sem.fact(fact)
    rows = sem.totals(user, fact, sl, group)
    for row in rows:
        qs = sem.drill(user, fact, sl, group, row.key if group else None)
        n, amount = sem.measure_of(f, qs)
        assert (n, amount) == (row.n, row.amount), (fact, group, row)
    whole = sem.totals(user, fact, sem._rooted(user, sl, group))[0]  # by unit: the root's subtree
    assert sum(r.n for r in rows) == whole.n
    return rows


@pytest.mark.embedded
def test_drill_rows_make_up_each_total(db, tree, people):
    _seed(tree, people)
    aggregate.rebuild()
    sl = sem.Slice(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    for fact in ("cases_filed", "cases_closed", "fines_decided", "fines_collected", "cases_major"):
        for group in GROUPS:
            for user in people.values():
                _check_drill(user, fact, sl, group)
    _check_drill(people["boss"], "cases_closed", sl, "duration")


@pytest.mark.embedded
def test_aggregate_equals_base(db, tree, people):
    _seed(tree, people)
    aggregate.rebuild()
    boss = people["boss"]
    sl = sem.Slice(dt.date(2026, 3, 10), dt.date(2026, 5, 20))
    for f in aggregate.aggregated_facts():
        derived = ["unit", "district"] if f.snapshot else ["unit", "month", "district"]
        for group in [None, *derived, *aggregate.grouping_dimensions(f)]:
            assert sem.uses_aggregate(boss, f, sl, group)
            fast = {(r.key, r.n, r.amount) for r in sem.totals(boss, f.key, sl, group)}
            slow = {(k, v[0], v[1]) for k, v in _keyed(boss, f, sl, group).items()}
            assert fast == slow, (f.key, group)


def _keyed(user, f, sl, group):
    """The base path's answer, keyed like totals()."""
    orig = sem.uses_aggregate
    sem.uses_aggregate = lambda *a, **k: False
    try:
        return {r.key: (r.n, r.amount) for r in sem.totals(user, f.key, sl, group)}
    finally:
        sem.uses_aggregate = orig


@pytest.mark.embedded
def test_scope_brigade_sees_its_subtree_only(db, tree, people):
    cases = _seed(tree, people)
    aggregate.rebuild()
    sl = sem.Slice(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    brigade = people["brigade"]
    paths = tree["brigade1"].path
    expected = sum(1 for c in cases if c.unit.path.startswith(paths) and c.filed_at)
    assert sem.totals(brigade, "cases_filed", sl)[0].n == expected
    rows = sem.totals(brigade, "cases_filed", sl, "unit")
    assert {r.label for r in rows} <= {"第一中队", "第二中队", "第一大队（本级）"}
    # the out-of-scope unit: 404 as a report root, no rows as a drill key
    with pytest.raises(Http404):
        sem.report_root(brigade, tree["brigade2"])
    assert not sem.drill(brigade, "cases_filed", sl, "unit", str(tree["squad3"].pk)).exists()
    # an officer (本人 scope) counts only own cases, from the base table
    officer = people["officer"]
    assert not sem.uses_aggregate(officer, sem.fact("cases_filed"), sl, None)
    own = sum(1 for c in cases if c.handler_id == officer.pk and c.filed_at)
    assert sem.totals(officer, "cases_filed", sl)[0].n == own


@pytest.mark.embedded
def test_incremental_refresh_follows_changes(db, tree, people):
    cases = _seed(tree, people)
    aggregate.refresh()  # first run: a rebuild
    boss = people["boss"]
    sl = sem.Slice(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    before = sem.totals(boss, "cases_filed", sl, "unit")
    moved = cases[0]
    moved.unit = tree["squad3"]
    moved.save()
    make_case(tree["squad2"], people["officer"], filed=D0, fine=None)
    aggregate.refresh()
    after = {r.key: r.n for r in sem.totals(boss, "cases_filed", sl, "unit")}
    assert sum(after.values()) == sum(r.n for r in before) + 1
    assert after == {k: v[0] for k, v in _keyed(boss, sem.fact("cases_filed"), sl, "unit").items()}


@settings(max_examples=25)
@given(
    specs=st.lists(
        st.tuples(
            st.sampled_from(UNITS),
            st.integers(0, 400),  # filed day offset
            st.one_of(st.none(), st.integers(0, 200)),  # closed after
            st.one_of(st.none(), st.integers(1, 50000)),  # fine
            st.sampled_from(["on_site", "complaint", "non_site", "detection"]),
        ),
        max_size=25,
    ),
    group=st.sampled_from(GROUPS),
    fact=st.sampled_from(["cases_filed", "cases_closed", "fines_decided"]),
    window=st.tuples(st.integers(0, 300), st.integers(0, 400)),
)
def test_property_drill_sums_to_total(django_db_blocker, specs, group, fact, window):
    """For any cases and any grouping, the drill-down of each total has exactly its count and amount."""
    from django.db import transaction

    from teis.core.testing import make_officer_user, make_tree
    from teis.org.roles import ensure_roles

    with django_db_blocker.unblock(), transaction.atomic():
        ensure_roles()
        tree = make_tree()
        boss = make_officer_user(role_codes=["leadership"], unit=tree["corps"])
        brigade = make_officer_user(role_codes=["brigade_leader"], unit=tree["brigade1"])
        for unit, offset, closed_after, fine, source in specs:
            filed = dt.date(2025, 6, 1) + dt.timedelta(days=offset)
            make_case(
                tree[unit],
                boss,
                filed=filed,
                closed=filed + dt.timedelta(days=closed_after) if closed_after is not None else None,
                decided=filed if fine else None,
                fine=fine,
                source=source,
            )
        aggregate.rebuild()
        start = dt.date(2025, 6, 1) + dt.timedelta(days=window[0])
        sl = sem.Slice(start, start + dt.timedelta(days=window[1]))
        for user in (boss, brigade):
            _check_drill(user, fact, sl, group)
        transaction.set_rollback(True)


def test_previous_and_last_year_slices():
    sl = sem.Slice(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    prev = sl.previous()
    assert (prev.start, prev.end) == (dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    ly = sl.shifted(years=-1)
    assert (ly.start, ly.end) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert sem.Slice(dt.date(2024, 2, 29), dt.date(2024, 2, 29)).shifted(years=-1).start == dt.date(2023, 2, 28)


def test_amounts_are_decimal(db, tree, people):
    make_case(tree["squad1"], people["officer"], filed=D0, decided=D0, fine=1234)
    r = sem.totals(people["boss"], "fines_decided", sem.Slice(D0, D0))[0]
    assert r.amount == Decimal("1234.00") and r.n == 1
