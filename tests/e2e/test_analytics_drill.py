"""统计分析 in a real browser: the corps leader opens the case statistics from the menu, reads the 立案数 of a unit,
clicks it, and the drill-down lists exactly the cases that make up that figure (their count and rows), scoped and
without cases of other units; the 合计 figure drills to every case of the period (screenshots in /tmp/teis-shots)."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_case_report_total_drills_to_its_rows(browser, live_server, make_user, tree, shots):
    from django.utils import timezone

    from teis.analytics.services import aggregate
    from teis.analytics.tests.factories import make_case

    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    officer = make_user("field_officer", "squad1")
    other = make_user("field_officer", "squad3")
    for i in range(3):
        make_case(tree["squad1"], officer, filed=start, title=f"第一中队立案{i}")
    for i in range(2):
        make_case(tree["squad2"], officer, filed=start, title=f"第二中队立案{i}")
    make_case(tree["squad3"], other, filed=start, title="第二大队立案")
    aggregate.rebuild()
    make_user("leadership", "corps", username="leader_e2e")

    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1440, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", "leader_e2e")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    page.click("a.nav-link:has-text('案件统计')")
    page.wait_for_selector("#report-table")
    page.select_option("#f-unit", value=str(tree["brigade1"].pk))
    page.click("#report-submit")
    page.wait_for_selector("#report-table tbody tr")
    row = page.locator("#report-table tbody tr", has_text="第一中队")
    link = row.locator("td[data-col=filed] a")
    figure = link.inner_text()
    assert figure == "3"
    page.screenshot(path=f"{shots}/analytics_report.png", full_page=True)
    link.click()
    page.wait_for_selector("#drill-table")
    assert page.inner_text("#drill-count") == figure
    rows = page.locator("#drill-table tbody tr.drill-row")
    assert rows.count() == 3
    titles = rows.all_inner_texts()
    assert all("第一中队立案" in t for t in titles), titles
    page.screenshot(path=f"{shots}/analytics_drill.png", full_page=True)
    page.go_back()
    total = page.locator("#report-table tfoot td[data-col=filed] a")
    assert total.inner_text() == "5"  # 第一大队's subtree: not the case of 第二大队
    total.click()
    page.wait_for_selector("#drill-table")
    assert page.inner_text("#drill-count") == "5"
    assert "第二大队立案" not in page.inner_text("#drill-table")
    context.close()
