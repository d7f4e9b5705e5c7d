"""水上执法 信息导入 in a real browser: the command centre opens it from the side menu, downloads the 港口 template,
fills it in, uploads it and lands on the port list with the result; a file with bad rows lists every row's error."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_port_import_from_the_menu(page, make_user, shots, tmp_path):
    from teis.maritime.models import Port

    make_user("command_center", "brigade1", username="e2e_zhihui")
    page.goto("/login/")
    page.fill("#id_username", "e2e_zhihui")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))

    page.click("#side-menu >> text=信息导入")
    page.wait_for_selector("#import-kinds")
    page.click("#import-kinds >> text=港口综合信息")
    page.wait_for_selector("text=港口/码头名称")
    with page.expect_download() as download:
        page.click("#template-btn")
    assert download.value.suggested_filename.startswith("港口综合信息导入模板")
    wb = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = wb.worksheets[0]
    assert [c.value for c in sheet[1]][:2] == ["港口/码头名称", "编码"]
    sheet.append(["外高桥港区", "WGQ", "上港集团", 20, 121.58, 31.36, "是", ""])
    sheet.append(["洋山深水港", "YS", "上港集团", 30, None, None, "否", ""])
    good = tmp_path / "ports.xlsx"
    wb.save(good)
    page.set_input_files("#id_file", str(good))
    page.click("#import-btn")
    page.wait_for_selector("text=港口综合信息导入成功：新增 2 条，更新 0 条")
    assert page.locator("#object-table >> text=洋山深水港").count() == 1
    assert Port.objects.count() == 2

    sheet.append(["", "X", "", 3, None, None, "", ""])
    sheet.append(["某码头", "Y", "", "很多", None, None, "", ""])
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    page.goto("/maritime/import/ports/")
    page.set_input_files("#id_file", str(bad))
    page.click("#import-btn")
    page.wait_for_selector("#import-errors")
    errors = page.locator("#import-errors li").all_inner_texts()
    assert errors == ["第4行“港口/码头名称”不能为空", "第5行“泊位数”不是数字"]
    assert page.locator("text=导入文件有 2 处错误，未导入任何数据").count() == 1
    page.screenshot(path=f"{shots}/maritime_import_errors.png", full_page=True)
    assert Port.objects.count() == 2
