"""A 勤务指令 reaches its units (issue 21 §3) in a real browser: the command centre (demo login `command`) sends an
order to two brigades, both brigades' leaders find it in their todo inbox, one acknowledges it, and the command
centre's order page shows that acknowledgement (and the other brigade still to acknowledge)."""

from __future__ import annotations

import re

import pytest

from teis.org.demo import DEMO_PASSWORD

from .pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_order_to_two_brigades_acknowledged(page, make_user, tree, shots):
    from teis.dispatch.models import DutyOrder, OrderReceipt
    from teis.org.choices import UnitType
    from teis.org.models import Unit
    from teis.org.services import UnitService

    tree["centre"] = UnitService().do_create(
        None, Unit, {"name": "指挥中心", "unit_type": UnitType.DEPARTMENT, "parent": tree["corps"]}
    )
    make_user("command_center", "centre", username="command", name="刘洋", password=DEMO_PASSWORD)
    make_user("brigade_leader", "brigade1", username="brigade", name="张伟华", password=DEMO_PASSWORD)
    make_user("brigade_leader", "brigade2", username="brigade2", name="赵大勇", password=DEMO_PASSWORD)

    # the command centre sends the order to 第一大队 and 第二大队
    sign_in(page, "command")
    page.goto("/dispatch/dutyorder/add/")
    page.select_option("select[name=unit]", value=str(tree["centre"].pk), force=True)
    page.fill("input[name=title]", "火车站晚高峰客流保障")
    page.fill("textarea[name=content]", "请加派力量整治出租车议价、拒载，18:00 前反馈部署情况。")
    page.select_option(
        "select[name=target_units]", value=[str(tree["brigade1"].pk), str(tree["brigade2"].pk)], force=True
    )
    page.click("button[type=submit] >> text=保存")
    page.wait_for_url(re.compile(r"/dispatch/dutyorder/\d+/$"))
    order = DutyOrder.objects.get(title="火车站晚高峰客流保障")
    url = f"/dispatch/dutyorder/{order.pk}/"

    # both brigades' leaders find it in their inbox
    for username in ("brigade2", "brigade"):
        sign_in(page, username)
        assert int(page.inner_text("#todo-count")) >= 1
        page.click("a[title=待办]")  # the top bar's inbox
        page.wait_for_selector("text=签收勤务指令：火车站晚高峰客流保障")
    # 第一大队's leader (the last logged in) opens it from the inbox and acknowledges
    page.click("text=签收勤务指令：火车站晚高峰客流保障")
    page.wait_for_url(re.compile(re.escape(url) + "$"))
    page.click("form[data-action=acknowledge] button[type=submit]")
    page.wait_for_selector("text=签收：已完成。")
    assert OrderReceipt.objects.get(order=order, unit=tree["brigade1"]).acknowledged_at is not None
    page.click("a[title=待办]")
    page.wait_for_selector("text=反馈勤务指令：火车站晚高峰客流保障")

    # the command centre's page shows who acknowledged, and who has not yet
    sign_in(page, "command")
    page.goto(url)
    row1 = page.locator(f"#order-receipts tr[data-unit='{tree['brigade1'].pk}']")
    row2 = page.locator(f"#order-receipts tr[data-unit='{tree['brigade2'].pk}']")
    assert "已签收" in row1.inner_text() and "张伟华" in row1.inner_text()
    assert "待签收" in row2.inner_text()
    page.screenshot(path=f"{shots}/dispatch-order-receipts.png", full_page=True)
