"""日常绩效: officers' monthly counts from the declared facts, the score by the configurable weights, the ranking,
the viewer's scope, drill-down to the rows, and the same refusals on the page and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from teis.analytics.models import PerformanceScheme
from teis.analytics.services import performance
from teis.analytics.tests.factories import at, make_case
from teis.cases.models import MonitoringWarning
from teis.core.testing import logged_in_client
from teis.dispatch.models import SignIn

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


@pytest.fixture
def people(make_user, tree):
    o1 = make_user("field_officer", "squad1")
    o2 = make_user("field_officer", "squad2")
    o3 = make_user("field_officer", "squad3")
    for _ in range(20):
        SignIn.objects.create(officer=o1, unit=tree["squad1"], signed_at=at(DAY))
    for _ in range(5):
        SignIn.objects.create(officer=o2, unit=tree["squad2"], signed_at=at(DAY))
    SignIn.objects.create(officer=o3, unit=tree["squad3"], signed_at=at(DAY))
    SignIn.objects.create(officer=o1, unit=tree["squad1"], signed_at=at(DAY + dt.timedelta(days=40)))  # April
    for i in range(4):
        make_case(tree["squad1"], o1, filed=DAY, closed=DAY, title=f"结案{i}")
    c2 = make_case(tree["squad2"], o2, filed=DAY, title="在办")
    MonitoringWarning.objects.create(case=c2, kind="not_registered", message="逾期未立案")
    MonitoringWarning.objects.filter(case=c2).update(created_at=at(DAY))
    return {
        "tree": tree,
        "o1": o1,
        "o2": o2,
        "o3": o3,
        "brigade": make_user("brigade_leader", "brigade1"),
    }


def _rows(user, **kw):
    return {r.user_id: r for r in performance.monthly(user, "2026-03", **kw)["rows"]}


def test_counts_score_rank_and_scope(people):
    rows = _rows(people["brigade"])
    o1, o2 = rows[people["o1"].pk], rows[people["o2"].pk]
    assert people["o3"].pk not in rows  # another brigade
    assert o1.counts["signins"] == 20 and o1.counts["cases_filed"] == 4 and o1.counts["cases_closed"] == 4
    assert o1.score == Decimal("80.0")  # 30 sign-ins + 20 filed + 30 closed (no documents)
    assert o2.counts == {**o2.counts, "signins": 5, "cases_filed": 1, "case_warnings": 1}
    assert o2.score == Decimal("10.5")  # 30×5/20 + 20×1/4 − 2
    assert o1.rank == 1 and o2.rank == 2
    # a field officer sees their own line only
    assert set(_rows(people["o2"])) == {people["o2"].pk}


def test_weights_are_configurable(people):
    PerformanceScheme.objects.create(name="旧方案", is_active=False, warning_penalty=Decimal(1))
    PerformanceScheme.objects.create(name="从严方案", warning_penalty=Decimal(10))
    assert _rows(people["brigade"])[people["o2"].pk].score == Decimal("2.5")


def test_page_api_and_drill(people):
    client = logged_in_client(people["brigade"])
    page = client.get("/analytics/performance/?month=2026-03")
    html = page.content.decode()
    assert page.status_code == 200 and "系统暂无培训记录数据" in html and "80.0" in html
    link = f"fact=signins&group=signer&key={people['o1'].pk}&start=2026-03-01&end=2026-03-31"
    assert link in html
    drill = client.get("/analytics/drill/?" + link)
    assert drill.status_code == 200 and 'id="drill-count">20<' in drill.content.decode()
    api = client.get("/api/v1/analytics/performance/?month=2026-03").json()
    assert {r["name"] for r in api["rows"]} >= {people["o1"].officer.name} and api["not_scored"]
    bad = client.get("/analytics/performance/?month=2026-13")
    assert bad.status_code == 400 and "月份格式无效" in bad.content.decode()
    assert client.get("/api/v1/analytics/performance/?month=x").status_code == 400
    assert client.get(f"/analytics/performance/?unit={people['tree']['brigade2'].pk}").status_code == 404
    assert client.get(f"/api/v1/analytics/performance/?unit={people['tree']['brigade2'].pk}").status_code == 404
    assert "/analytics/performance/" in client.get("/").content.decode()


def test_month_bounds():
    today = timezone.localdate()
    assert performance.month_bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert performance.month_bounds(None) == (today.replace(day=1), today)
