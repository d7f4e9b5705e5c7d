"""The report pages: the case statistics with its drill-down (exactly the rows of the figure, in scope), Excel and
PDF, the 非法客运 statistics, the boards, the big screen (permission), the keyword summary."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from teis.analytics.services import aggregate
from teis.analytics.tests.factories import make_case
from teis.core.testing import logged_in_client

START, END = "2026-01-01", "2026-12-31"


@pytest.fixture
def world(db, tree, make_user):
    officer = make_user("field_officer", "squad1")
    other = make_user("field_officer", "squad3")
    for i in range(6):
        d = dt.date(2026, 2, 1) + dt.timedelta(days=i * 9)
        make_case(
            tree["squad1"],
            officer,
            filed=d,
            closed=d + dt.timedelta(days=20) if i % 2 else None,
            decided=d,
            fine=1000 + i,
            title=f"第一中队案件{i}",
        )
    for i in range(3):
        make_case(tree["squad3"], other, filed=dt.date(2026, 3, 1), title=f"第三中队案件{i}")
    aggregate.rebuild()
    return {
        "boss": make_user("leadership", "corps"),
        "brigade": make_user("brigade_leader", "brigade1"),
        "officer": officer,
        "tree": tree,
    }


def _count(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]+)<', html).group(1)


@pytest.mark.embedded
def test_case_report_and_drill(world):
    client = logged_in_client(world["boss"])
    resp = client.get("/analytics/cases/", {"start": START, "end": END})
    html = resp.content.decode()
    assert resp.status_code == 200 and "第一支队" in html and "第二大队" in html
    links = re.findall(r'<td class="text-end" data-col="filed"><a href="([^"]+)" class="drill-link">(\d+)</a>', html)
    assert links
    for href, figure in links:
        drill = client.get(href.replace("&amp;", "&")).content.decode()
        assert _count(drill, "drill-count") == figure
        assert drill.count('class="drill-row"') == min(int(figure), 20)
    xlsx = client.get("/analytics/cases/", {"start": START, "end": END, "export": "xlsx"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws.cell(3, 2).value == "立案数" and any(r[0] == "合计" and r[1] == 9 for r in ws.iter_rows(values_only=True))
    pdf = client.get("/analytics/cases/", {"start": START, "end": END, "export": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_brigade_scope_and_out_of_scope_unit(world):
    client = logged_in_client(world["brigade"])
    html = client.get("/analytics/cases/", {"start": START, "end": END}).content.decode()
    assert "第一中队" in html and "第三中队" not in html
    squad3 = world["tree"]["squad3"].pk
    assert client.get("/analytics/cases/", {"unit": squad3}).status_code == 404
    assert client.get("/analytics/drill/", {"fact": "cases_filed", "unit": squad3}).status_code == 404
    drill = client.get(
        "/analytics/drill/", {"fact": "cases_filed", "group": "unit", "key": str(squad3), "start": START, "end": END}
    ).content.decode()
    assert _count(drill, "drill-count") == "0"
    assert client.get("/analytics/cases/", {"start": "2026-05-01", "end": "2026-01-01"}).status_code == 400
    assert client.get("/analytics/screen/").status_code == 403  # the big screen is the leadership's


def test_boards_screen_summary_illegal(world):
    client = logged_in_client(world["boss"])
    for url in (
        "/analytics/boards/cases/",
        "/analytics/boards/illegal/",
        "/analytics/boards/duty/",
        "/analytics/illegal/",
        "/analytics/screen/",
        "/analytics/summary/?q=第一中队+2026",
    ):
        assert client.get(url).status_code == 200, url
    data = client.get("/analytics/screen/data/").json()
    assert {f["label"] for f in data["today"]} >= {"今日立案", "今日结案", "超期未结"}
    html = client.get("/analytics/summary/", {"q": "第一中队 2026年2月"}).content.decode()
    assert "单位：第一中队" in html and "2026年2月" in html
    assert client.get("/analytics/summary/", {"q": ""}).status_code == 200
    officer = logged_in_client(world["officer"])
    own = officer.get("/analytics/cases/", {"start": START, "end": END, "group": "month"}).content.decode()
    assert '<tr class="fw-bold" data-key="total"><td>合计</td><td class="text-end" data-col="filed"><a' in own


def test_empty_filters_mean_all(world):
    """The form submits its 全部 choices as empty values: no filter, the same figures."""
    client = logged_in_client(world["boss"])
    q = {"start": START, "end": END, "export": "xlsx"}
    plain = client.get("/analytics/cases/", q).content
    empty = client.get("/analytics/cases/", {**q, "f_line": "", "f_source": ""}).content
    rows = [list(load_workbook(io.BytesIO(c)).active.iter_rows(min_row=4, values_only=True)) for c in (plain, empty)]
    assert rows[0] == rows[1]
