"""系统管理 → 节假日安排 in a real browser: the system administrator sees that 2027's notice is missing (its
statutory holidays computed), imports a notice file with a bad row (named, nothing saved), then the corrected
file, and the year shows as entered with its 调休 working day."""

import re

import pytest
from openpyxl import Workbook

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def notice_file(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "类型", "节日"])
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return str(path)


def test_the_system_administrator_enters_next_years_notice(page, make_user, shots, tmp_path):
    from teis.core.models import CalendarDay

    make_user("system_admin", "corps", username="e2e_sysadmin")
    page.goto("/login/")
    page.fill("#id_username", "e2e_sysadmin")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))

    page.click("#side-menu >> text=节假日安排")
    page.wait_for_selector("#notice-years")
    page.goto("/core/calendar/?year=2027")
    assert page.locator("#calendar-uncovered").inner_text() == "未含调休安排"
    assert page.locator("#calendar-days >> text=2027-02-05").count() == 1  # 除夕, computed
    page.click("#calendar-import")
    page.wait_for_selector("#id_file")
    page.fill("#id_document_number", "国办发明电〔2026〕9号")
    rows = [("2027-01-01", "放假", "元旦"), ("2027-02-05", "放假", "春节"), ("2027-02-09", "调休上班", "春节")]
    page.set_input_files("#id_file", notice_file(tmp_path / "bad.xlsx", rows))
    page.click("button[type=submit] >> text=导入")
    page.wait_for_selector("#import-errors")
    assert page.locator("#import-errors li").all_inner_texts() == [
        "第 4 行：2027-02-09 是工作日，调休上班日应为周六或周日。"
    ]
    page.screenshot(path=f"{shots}/calendar_import_errors.png", full_page=True)
    assert not CalendarDay.objects.filter(date__year=2027).exists()

    rows[2] = ("2027-02-20", "调休上班", "春节")
    page.set_input_files("#id_file", notice_file(tmp_path / "good.xlsx", rows))
    page.click("button[type=submit] >> text=导入")
    page.wait_for_url(re.compile(r"/core/calendar/\?year=2027$"))
    assert "新增 3 天" in page.inner_text("body")
    assert page.locator("#calendar-uncovered").count() == 0
    assert page.locator("#calendar-days >> text=调休上班").count() == 1
    page.screenshot(path=f"{shots}/calendar_2027.png", full_page=True)
