"""The analytics API: the same figures, scope and refusals as the pages (400 with a Chinese message, 404 outside
the scope, 403 without the permission)."""

from __future__ import annotations

import datetime as dt

import pytest

from teis.analytics.services import aggregate
from teis.analytics.tests.factories import make_case
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body


@pytest.fixture
def world(db, tree, make_user):
    officer = make_user("field_officer", "squad1")
    for i in range(4):
        make_case(tree["squad1"], officer, filed=dt.date(2026, 4, 1 + i), decided=dt.date(2026, 4, 2 + i), fine=100)
    make_case(tree["squad3"], officer, filed=dt.date(2026, 4, 1))
    aggregate.rebuild()
    return {"boss": make_user("leadership", "corps"), "brigade": make_user("brigade_leader", "brigade1"), "tree": tree}


@pytest.mark.embedded
def test_totals_and_drill_agree(world):
    client = logged_in_client(world["boss"])
    q = {"fact": "cases_filed", "group": "unit", "start": "2026-01-01", "end": "2026-12-31"}
    rows = client.get("/api/v1/analytics/totals/", q).json()["rows"]
    assert sum(r["n"] for r in rows) == 5
    for r in rows:
        drill = client.get("/api/v1/analytics/drill/", {**q, "key": r["key"]}).json()
        assert drill["count"] == r["n"] and len(drill["results"]) == r["n"]
    fines = client.get("/api/v1/analytics/totals/", {**q, "fact": "fines_decided", "group": ""}).json()
    assert fines["rows"][0]["amount"] == "400.00"
    facts = {f["key"] for f in client.get("/api/v1/analytics/facts/").json()}
    assert {"cases_filed", "fines_collected", "illegal_transport"} <= facts
    report = client.get("/api/v1/analytics/case-report/", {"start": "2026-01-01", "end": "2026-12-31"}).json()
    assert report["total"]["filed"] == 5 and report["total"]["fines"] == "400.00"
    assert client.get("/api/v1/analytics/screen/").status_code == 200


def test_refusals(world, client):
    brigade = logged_in_client(world["brigade"])
    assert_error_body(brigade.get("/api/v1/analytics/totals/", {"fact": "cases_filed", "start": "2026-13-01"}), 400)
    assert_error_body(brigade.get("/api/v1/analytics/totals/", {"fact": "nope"}), 400, "invalid_fact")
    body = assert_error_body(brigade.get("/api/v1/analytics/totals/", {"fact": "cases_filed", "group": "kind"}), 400)
    assert "不能按" in body["message"]
    bad = brigade.get("/api/v1/analytics/drill/", {"fact": "cases_filed", "group": "cause", "key": "abc"})
    assert_error_body(bad, 400, "invalid_key")
    bad = brigade.get("/api/v1/analytics/drill/", {"fact": "cases_filed", "group": "month", "key": "2026-13"})
    assert_error_body(bad, 400, "invalid_key")
    squad3 = world["tree"]["squad3"].pk
    assert_error_body(brigade.get("/api/v1/analytics/drill/", {"fact": "cases_filed", "unit": squad3}), 404)
    assert_error_body(brigade.get("/api/v1/analytics/screen/"), 403)
    assert_error_body(client.get("/api/v1/analytics/facts/"), (401, 403))
    rows = brigade.get("/api/v1/analytics/totals/", {"fact": "cases_filed", "start": "2026-01-01"}).json()["rows"]
    assert rows[0]["n"] == 4  # the brigade's subtree only
