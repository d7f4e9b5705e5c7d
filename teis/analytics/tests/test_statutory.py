"""法定月报: generated from the month's final decisions (征信, 双公示) and overload checks (超限治理), a new version
per generation with the earlier ones kept, a todo to the legal department, reviewed, marked as sent, downloaded as
Excel; the monthly job generates last month's reports and leaves a sent one alone."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from teis.analytics.choices import ReportKind, ReportStatus
from teis.analytics.models import StatutoryReport
from teis.analytics.services import statutory
from teis.analytics.tests.factories import make_case
from teis.core.models import TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client

MONTH = dt.date(2026, 10, 1)


@pytest.fixture
def world(db, tree, make_user):
    from teis.cases.models import Party

    legal = make_user("legal_reviewer", "corps")
    officer = make_user("field_officer", "squad1")
    org = make_case(
        tree["squad1"],
        officer,
        filed=MONTH,
        decided=MONTH + dt.timedelta(days=3),
        fine=5000,
        title="沪A00001 未取得经营许可从事道路运输经营",
        facts="未取得道路运输经营许可，擅自从事道路运输经营",
    )
    Party.objects.create(
        case=org,
        kind="organisation",
        name="上海某某物流有限公司",
        credit_code="91310000MA1FL0XX1A",
        legal_representative="王某",
    )
    person = make_case(
        tree["squad3"], officer, filed=MONTH, decided=MONTH + dt.timedelta(days=5), fine=200, title="出租汽车拒载"
    )
    Party.objects.create(case=person, kind="person", name="李某", id_number="310101199001011234")
    make_case(tree["squad1"], officer, filed=MONTH, decided=MONTH + dt.timedelta(days=40), fine=300)  # next month
    weighed = make_case(
        tree["squad1"],
        officer,
        filed=MONTH,
        title="超限运输",
        gross_weight_kg=62000,
        weight_limit_kg=49000,
        overload_ratio=26.5,
        discovered_at=dt.datetime(2026, 10, 9, 9, tzinfo=dt.UTC),
    )
    return {"legal": legal, "corps": tree["corps"], "org": org, "person": person, "weighed": weighed}


@pytest.mark.embedded
def test_credit_and_publicity_rows(world):
    report = statutory.do_generate(world["legal"], kind=ReportKind.CREDIT, year=2026, month=10, unit=world["corps"])
    rows = report.versions.get(number=1).rows
    assert report.row_count == 2 and len(rows) == 2
    names = {r[3] for r in rows}
    assert names == {"上海某某物流有限公司", "李某"}
    person = next(r for r in rows if r[3] == "李某")
    assert person[2] == "自然人" and "1234" not in person[4][:-4] and person[4].startswith("3101")  # masked
    pub = statutory.do_generate(
        world["legal"], kind=ReportKind.DOUBLE_PUBLICITY, year=2026, month=10, unit=world["corps"]
    )
    row = next(r for r in pub.versions.first().rows if r[0] == "上海某某物流有限公司")
    cols = statutory.PUBLICITY_COLUMNS
    assert row[cols.index("统一社会信用代码")] == "91310000MA1FL0XX1A"
    assert row[cols.index("罚款金额（万元）")] == 0.5


def test_overload_table(world):
    report = statutory.do_generate(None, kind=ReportKind.OVERLOAD, year=2026, month=10, unit=world["corps"])
    rows = report.versions.first().rows
    total = rows[-1]
    assert total[0] == "合计" and total[1] == 1 and total[2] == 1 and total[3] == 100.0


@pytest.mark.embedded
def test_versions_todo_review_and_sent(world):
    legal, corps = world["legal"], world["corps"]
    report = statutory.do_generate(None, kind=ReportKind.CREDIT, year=2026, month=10, unit=corps)
    todo = TodoItem.objects.get(user=legal, status=TodoStatus.OPEN, source_key=f"analytics:report:{report.pk}")
    assert "征信" in todo.title
    report = statutory.do_regenerate(legal, report, "补录")
    assert report.version == 2 and report.versions.count() == 2  # history kept
    assert TodoItem.objects.filter(source_key=todo.source_key, status=TodoStatus.OPEN).count() == 1
    with pytest.raises(ServiceError):
        statutory.do_mark_sent(legal, report)  # not reviewed yet
    report = statutory.do_review(legal, report, "核对无误")
    assert not TodoItem.objects.filter(source_key=todo.source_key, status=TodoStatus.OPEN).exists()
    report = statutory.do_mark_sent(legal, report)
    assert report.status == ReportStatus.SENT and "征信" in report.sent_to
    with pytest.raises(ServiceError, match="已报送"):
        statutory.do_regenerate(legal, report)
    # the Excel file of each version
    client = logged_in_client(legal)
    resp = client.get(f"/analytics/reports/{report.pk}/xlsx/?version=1")
    assert resp.status_code == 200
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert [c.value for c in ws[2]] == statutory.CREDIT_COLUMNS and ws.max_row == 4
    assert client.get(f"/analytics/reports/{report.pk}/versions/").status_code == 200


def test_monthly_job_generates_last_month_and_spares_sent(world):
    out = statutory.generate_due(today=dt.date(2026, 11, 1))
    assert {r.kind for r in out} == set(ReportKind.values) and all(r.month == 10 for r in out)
    sent = out[0]
    statutory.do_review(world["legal"], sent)
    statutory.do_mark_sent(world["legal"], sent)
    again = statutory.generate_due(today=dt.date(2026, 11, 2))
    assert sent.pk not in [r.pk for r in again] and len(again) == 2
    assert StatutoryReport.objects.get(pk=sent.pk).version == 1


def test_generate_page(world):
    client = logged_in_client(world["legal"])
    assert client.get("/analytics/reports/generate/").status_code == 200
    resp = client.post("/analytics/reports/generate/", {"kind": "credit", "year": 2026, "month": 10})
    assert resp.status_code == 302
    report = StatutoryReport.objects.get(kind="credit", year=2026, month=10)
    assert resp.url == f"/analytics/statutoryreport/{report.pk}/"
    assert client.post("/analytics/reports/generate/", {"kind": "credit", "year": 2026, "month": 13}).status_code == 400
