"""综合查询 query shapes chosen for speed (issue 4): 车牌号 exact / prefix / windowed fragment, and a past
立案时间 range read first — same results and order as the plain query."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from teis.cases.models import CaseVehicle, EnforcementCase
from teis.cases.services import query as q

pytestmark = pytest.mark.django_db


def _case(user, title, plate=None, **kw):
    case = EnforcementCase.objects.create(handler=user, unit=user.officer.unit, title=title, **kw)
    if plate:
        CaseVehicle.objects.create(case=case, plate=plate)
    return case


def _titles(qs):
    return sorted(c.title for c in qs)


def test_plate_exact_prefix_and_fragment(make_user, tree):
    boss = make_user("leadership", "corps")
    officer = make_user("field_officer", "squad1")
    _case(officer, "A", "沪A12345")
    _case(officer, "B", "沪B12345")
    _case(officer, "C", "苏A12399")

    def plate(op, value):
        return _titles(q.search_cases(boss, [{"field": "plate", "op": op, "value": value}]))

    assert plate("eq", "沪a·12345") == ["A"]  # normalised like stored plates
    assert plate("contains", "沪A123") == ["A"]  # prefix on the index
    assert plate("contains", "沪") == ["A", "B"]
    assert plate("contains", "a123") == ["A", "C"]  # fragment: within the scan window
    assert plate("contains", "12345") == ["A", "B"]
    assert plate("contains", "X9") == []
    conds = q.check_conditions([{"field": "plate", "op": "contains", "value": "A123"}])
    assert q.plate_is_partial_scan(conds)
    assert not q.plate_is_partial_scan(q.check_conditions([{"field": "plate", "op": "contains", "value": "沪A"}]))


def test_plate_fragment_only_scans_newest_vehicles(make_user, tree, monkeypatch):
    boss = make_user("leadership", "corps")
    officer = make_user("field_officer", "squad1")
    _case(officer, "old", "沪A11111")
    _case(officer, "new", "沪A11112")
    monkeypatch.setattr(q, "PLATE_SCAN_WINDOW", 1)
    found = q.search_cases(boss, [{"field": "plate", "op": "contains", "value": "A1111"}])
    assert _titles(found) == ["new"]


def test_past_filed_range_keeps_the_default_order(make_user, tree):
    boss = make_user("leadership", "corps")
    officer = make_user("field_officer", "squad1")
    filed = timezone.make_aware(dt.datetime(2025, 3, 1, 10))
    base = timezone.now() - dt.timedelta(days=30)
    for i in range(5):
        _case(
            officer,
            f"R{i}",
            filed_at=filed + dt.timedelta(days=i),
            fine_amount=Decimal(6000 + i),
            created_at=base + dt.timedelta(hours=(i * 7) % 5),
        )
    _case(officer, "outside", filed_at=filed - dt.timedelta(days=90), fine_amount=Decimal(9000))
    conds = [
        {"field": "filed_at", "op": "between", "value": ["2025-01-01", "2025-06-30"]},
        {"field": "fine_amount", "op": "gt", "value": "5000"},
    ]
    assert q._range_first(q.check_conditions(conds))
    got = list(q.search_cases(boss, conds).values_list("title", flat=True))
    expected = list(
        EnforcementCase.objects.filter(title__startswith="R")
        .order_by("-created_at", "-id")
        .values_list("title", flat=True)
    )
    assert got == expected and len(got) == 5
    recent = [{"field": "filed_at", "op": "between", "value": [str(timezone.localdate()), str(timezone.localdate())]}]
    assert not q._range_first(q.check_conditions(recent))


def test_results_page_and_api_say_when_a_plate_fragment_was_partly_scanned(make_user, tree):
    import json

    from rest_framework.test import APIClient

    from teis.core.testing import logged_in_client

    boss = make_user("leadership", "corps")
    officer = make_user("field_officer", "squad1")
    _case(officer, "A", "沪A12345")
    client = logged_in_client(boss)
    fragment = json.dumps([{"field": "plate", "op": "contains", "value": "A123"}])
    html = client.get("/cases/query/", {"conditions": fragment}).content.decode()
    assert "query-note" in html and "车牌号片段仅在最近" in html and "200,000" in html
    # a plate from its province character searches everything: no note
    full = json.dumps([{"field": "plate", "op": "contains", "value": "沪A123"}])
    assert "query-note" not in client.get("/cases/query/", {"conditions": full}).content.decode()
    api = APIClient()
    api.force_authenticate(boss)
    body = api.get("/api/v1/cases/query/", {"conditions": fragment}).json()
    assert body["notes"] == [q.PLATE_SCAN_NOTE] and body["count"] == 1
    assert api.get("/api/v1/cases/query/", {"conditions": full}).json()["notes"] == []


def test_page_rows_keep_the_search_order_in_two_queries(make_user, tree, django_assert_num_queries):
    boss = make_user("leadership", "corps")
    officer = make_user("field_officer", "squad1")
    base = timezone.now() - dt.timedelta(days=3)
    for i in range(7):
        _case(officer, f"P{i}", created_at=base + dt.timedelta(hours=(i * 5) % 7))
    qs = q.search_cases(boss, [])
    expected = list(qs.values_list("title", flat=True))
    with django_assert_num_queries(2):
        rows = q.page_rows(qs, 2, 3)
        titles = [r.title for r in rows] + [r.unit.name for r in rows[:1]] + [r.handler.username for r in rows[:1]]
    assert titles[:3] == expected[2:5]
    assert q.page_rows(qs, 50, 3) == []
