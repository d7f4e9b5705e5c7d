"""双随机 in a real browser: a brigade leader creates a plan on the form, freezes the lists (only the seed's
SM3 commitment shows), draws (tasks appear, the seed is revealed), verifies and publishes; an inspector opens
the task from 我的检查任务 and records findings and the result; the leader sees it in 统计分析 (ECharts). The
published board explains how to verify; a 检查指标 added on its form shows its actual value; the squad's daily
duty plan (dispatch) carries the published tasks."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    return page


def test_plan_draw_task_execution_statistics(browser, live_server, make_user, tree, shots):
    from teis.core.crypto import sm3_hex
    from teis.inspections.models import DrawRecord, InspectionTask
    from teis.inspections.tests.factories import industries, make_check_item, make_inspector, make_object

    ind = industries()
    make_user("brigade_leader", "brigade1", username="e2e_dadui")
    inspectors = [make_user("field_officer", "squad1", username=f"e2e_jc{n}", name=f"检查员{n}") for n in range(3)]
    for u in inspectors:
        make_inspector(u, district="310115")
    for n in range(1, 6):
        make_object(tree["squad1"], n=700 + n, name=f"浦东货运{n}号公司")
    make_check_item("JC-E2E", ind["freight_general"])

    page = login(browser, live_server, "e2e_dadui")
    page.click("#side-menu >> text=抽查计划")
    page.wait_for_url(re.compile(r"/inspections/inspectionplan/"))
    page.goto("/inspections/inspectionplan/add/")
    page.fill("#id_name", "浦东货运企业双随机抽查")
    page.select_option("#id_level", "city")
    page.select_option("#id_unit", label="第一大队")
    page.fill("#id_year", "2025")
    page.fill("#id_draw_count", "2")
    page.select_option("#id_check_items", label="JC-E2E 经营许可证件JC-E2E")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/inspections/inspectionplan/\d+/$"))
    page.click("text=抽取与结果")
    page.wait_for_selector("#preview")
    assert "候选对象 5 个" in page.inner_text("#preview")

    page.click("#freeze-btn")
    page.click("#teis-confirm-ok")  # the shell asks before an irreversible step
    page.wait_for_selector("#commitment")
    commitment = page.inner_text("#commitment").strip()
    assert len(commitment) == 64 and "抽取后公开" in page.inner_text("#seed")
    page.screenshot(path=f"{shots}/inspections_frozen.png", full_page=True)

    page.click("#draw-btn")
    page.click("#teis-confirm-ok")  # the shell asks before an irreversible step
    page.wait_for_selector("#draw-result")
    seed = page.inner_text("#seed").strip()
    assert sm3_hex(bytes.fromhex(seed)) == commitment
    assert page.locator("#draw-result tbody tr").count() == 2
    page.click("#verify-btn")
    page.wait_for_selector("#verify-result")
    assert "重新抽取结果与公示结果完全一致" in page.inner_text("#verify-result")
    with page.expect_download() as dl:
        page.click("#publication-btn")
    assert dl.value.suggested_filename.endswith(".xlsx")
    from django.utils import timezone

    from teis.dispatch.models import DutyPlan

    duty_plan = DutyPlan.objects.create(unit=tree["squad1"], date=timezone.localdate(), title="第一中队今日勤务")
    page.click("#publish-btn")
    page.click("#teis-confirm-ok")  # the shell asks before an irreversible step
    page.wait_for_selector("#plan-status >> text=已公示")
    howto = page.inner_text("#verify-howto")
    assert commitment in howto and seed in howto and "inspections_verify_draw" in howto
    page.screenshot(path=f"{shots}/inspections_drawn.png", full_page=True)
    record = DrawRecord.objects.get()
    assert record.seed_hex == seed

    # 检查指标 on its form: a completion target for the plan
    page.goto("/inspections/inspectionindicator/add/")
    page.select_option("#id_plan", str(record.plan_id))
    page.fill("#id_name", "完成率不低于100%")
    page.select_option("#id_kind", "completion_rate")
    page.fill("#id_target", "100")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/inspections/inspectionindicator/\d+/$"))

    # the squad's duty plan for today carries both published tasks
    page.goto(f"/dispatch/plans/{duty_plan.pk}/")
    page.wait_for_selector(".task-source")
    for t in InspectionTask.objects.all():
        assert t.code in page.inner_text(".task-source")
        assert f"双随机检查：{t.inspection_object.name}" in page.inner_text("#task-table")
    page.screenshot(path=f"{shots}/inspections_duty_plan.png", full_page=True)

    task = InspectionTask.objects.order_by("code").first()
    inspector = task.inspectors.first().officer.user
    officer_page = login(browser, live_server, inspector.username)
    officer_page.click("#side-menu >> text=我的检查任务")
    officer_page.wait_for_selector("#my-tasks")
    officer_page.click(f"#my-tasks >> text={task.code}")
    officer_page.wait_for_selector("#execute-form")
    officer_page.select_option(f"#id_finding_{task.findings.get().check_item_id}", "nonconform")
    officer_page.select_option("#id_result", "rectify")
    officer_page.fill("#id_rectify_deadline", "2030-06-30")
    officer_page.fill("#id_summary", "道路运输证未随车携带，责令十五日内整改")
    officer_page.click("#execute-btn")
    officer_page.wait_for_selector("#task-result")
    assert "责令整改" in officer_page.inner_text("#task-result")
    officer_page.screenshot(path=f"{shots}/inspections_task_done.png", full_page=True)

    page.goto(f"/inspections/plans/{record.plan_id}/board/")
    assert "50%" in page.inner_text("#plan-indicators") and "未达成" in page.inner_text("#plan-indicators")

    page.click("#side-menu >> text=统计分析")
    page.wait_for_url(re.compile(r"/inspections/statistics/"))
    page.wait_for_selector("#chart-unit canvas")
    assert page.inner_text("[data-total=rectify]").strip() == "1"
    assert page.inner_text("[data-total=total]").strip() == "2"
    page.screenshot(path=f"{shots}/inspections_statistics.png", full_page=True)
