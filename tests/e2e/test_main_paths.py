"""Main paths in a real browser: login, lockout, role menus, Excel export, audit trail."""

import io
import re
from pathlib import Path

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username, password=TEST_PASSWORD):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-btn")


def menu_text(page) -> str:
    return page.inner_text("#side-menu")


def test_login_shows_chinese_home_with_name(page, make_user, shots):
    make_user("squad_leader", "squad1", username="zhangwei", name="张伟")
    login(page, "zhangwei")
    page.wait_for_url(re.compile(r"/$"))
    assert "交通综合执法信息系统" in page.title()
    top = page.inner_text("#user-menu")
    assert "张伟" in top and "第一中队" in top
    assert "人员管理" in menu_text(page)
    page.screenshot(path=f"{shots}/home.png", full_page=True)


def test_lockout_after_five_failures(page, make_user):
    make_user("field_officer", "squad1", username="lisi")
    for _ in range(5):
        login(page, "lisi", "Wrong#Pass1")
        assert page.is_visible("#login-error")
    login(page, "lisi", TEST_PASSWORD)  # the 6th attempt, even with the right password
    message = page.inner_text("#login-error")
    assert "锁定" in message and re.search(r"\d+ ?分钟", message), message
    assert "/login/" in page.url


def test_menu_differs_by_role(page, sysadmin, auditor):
    login(page, "sysadmin")
    page.wait_for_url(re.compile(r"/$"))
    text = menu_text(page)
    assert "单位管理" in text and "角色权限" in text and "审计日志" not in text
    page.click("#user-menu")
    page.click("#logout-btn")
    login(page, "auditor")
    page.wait_for_url(re.compile(r"/$"))
    text = menu_text(page)
    assert "审计日志" in text and "角色权限" not in text


def test_menu_groups_fold_and_filter(page, sysadmin):
    login(page, "sysadmin")
    page.wait_for_url(re.compile(r"/$"))
    section = page.locator(".teis-menu-section", has=page.locator("text=单位管理")).first
    entry = section.locator("text=单位管理")
    assert entry.is_visible()
    section.locator(".teis-menu-group").click()
    assert not entry.is_visible()
    page.reload()  # the folded group is remembered in this browser
    assert not page.locator("#side-menu >> text=单位管理").is_visible()
    page.fill("#menu-filter", "角色")  # filtering opens the groups that match and hides the rest
    assert page.locator("#side-menu >> text=角色权限").is_visible()
    assert not page.locator("#side-menu >> text=单位管理").is_visible()
    page.fill("#menu-filter", "不存在的菜单")
    assert page.locator("#menu-filter-empty").is_visible()
    page.fill("#menu-filter", "")
    page.locator(".teis-menu-section", has=page.locator("text=单位管理")).first.locator(".teis-menu-group").click()
    assert page.locator("#side-menu >> text=单位管理").is_visible()


def test_officer_list_exports_excel(page, sysadmin, make_user, shots):
    from openpyxl import load_workbook

    make_user("field_officer", "squad1", username="wangwu", name="王五", id_number="11010519491231002X")
    login(page, "sysadmin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/org/officer/")
    assert "王五" in page.inner_text("#object-table")
    page.screenshot(path=f"{shots}/officer_list.png", full_page=True)
    with page.expect_download() as info:
        page.click("#export-btn")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)  # no .xlsx suffix on disk
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    header = rows[0]
    assert header[:3] == ["姓名", "警号/工号", "所属单位"] and "身份证号" in header
    row = next(r for r in rows[1:] if r[0] == "王五")
    id_number = row[header.index("身份证号")]
    assert id_number != "11010519491231002X" and "*" in id_number, id_number


def test_auditor_sees_unit_created_in_browser(page, sysadmin, auditor, tree):
    login(page, "sysadmin")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/org/unit/add/")
    page.fill("#id_name", "浏览器新建中队")
    page.select_option("#id_unit_type", "squad")
    page.select_option("#id_parent", str(tree["brigade2"].pk))
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/org/unit/\d+/$"))
    assert "浏览器新建中队" in page.content()
    page.click("#user-menu")
    page.click("#logout-btn")

    login(page, "auditor")
    page.wait_for_url(re.compile(r"/$"))
    page.click("#side-menu >> text=审计日志")
    page.wait_for_url(re.compile(r"/audit/"))
    table = page.inner_text("#object-table")
    line = next((ln for ln in table.splitlines() if "浏览器新建中队" in ln), "")
    assert "新增" in line and "sysadmin" in line, table[:2000]
