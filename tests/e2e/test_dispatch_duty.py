"""Duty end to end in a real browser: a squad leader builds today's plan from a template, the brigade leader
approves it, the officer signs in by NFC, feeds back on the task, and the duty report counts it all."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from teis.core.testing import TEST_PASSWORD

from .pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_sign_in_feedback_report(page, make_user, tree, shots):
    from teis.dispatch.models import DutyFeedback, DutyPlan, DutyTemplate, NfcTag, PatrolVehicle, SignIn
    from teis.workflow.services import ensure_definitions, process_files

    ensure_definitions(None, [p for p in process_files() if p.name.startswith("dispatch_")])  # the plan's approval
    make_user("squad_leader", "squad1", username="zhongduizhang", name="李建国")
    make_user("brigade_leader", "brigade1", username="daduizhang")
    make_user("field_officer", "squad1", username="duiyuan", name="王晓明")
    DutyTemplate.objects.create(
        name="火车站出租车秩序整治", unit=tree["squad1"], content="检查拒载、议价", default_hours=10
    )
    PatrolVehicle.objects.create(plate="沪A·D0001", unit=tree["squad1"], terminal_phone="013800000201")
    NfcTag.objects.create(tag_id="04AABBCCDD", place="第一中队营房", unit=tree["squad1"])
    plan = DutyPlan.objects.create(unit=tree["squad1"], title="今日勤务计划")

    # squad leader: a task from the template, then submit
    sign_in(page, "zhongduizhang", TEST_PASSWORD)
    page.goto(f"/dispatch/plans/{plan.pk}/")
    page.select_option("#add-task-form select[name=template]", label="火车站出租车秩序整治")
    start = timezone.localtime().replace(minute=0, second=0) - timezone.timedelta(hours=1)
    page.fill("#add-task-form input[name=start_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.select_option("#add-task-form select[name=officers]", label="王晓明")
    page.select_option("#add-task-form select[name=vehicles]", label="沪A·D0001")
    page.click("#add-task-btn")
    page.wait_for_selector("#task-table >> text=火车站出租车秩序整治")
    page.click("#submit-plan")
    page.wait_for_selector("#plan-status >> text=待审批")

    # brigade leader approves
    sign_in(page, "daduizhang", TEST_PASSWORD)
    page.goto(f"/dispatch/plans/{plan.pk}/")
    page.fill("input[name=opinion]", "同意")
    page.click("#approve-plan")
    page.wait_for_selector("#plan-status >> text=已批准")

    # officer signs in by NFC and feeds back
    sign_in(page, "duiyuan", TEST_PASSWORD)
    page.click("#side-menu >> text=签到")
    page.fill("#tag-id", "04AABBCCDD")
    page.fill("#device-id", "IMEI-860000000000001")
    page.click("#nfc-submit")
    page.wait_for_selector("#my-sign-ins >> text=第一中队营房")
    assert SignIn.objects.get().task is not None
    page.goto(f"/dispatch/plans/{plan.pk}/")
    page.click("#task-table >> text=勤务反馈")
    page.fill("input[name=checked_vehicles]", "12")
    page.fill("input[name=checked_operators]", "3")
    page.fill("input[name=cases_found]", "2")
    page.fill("textarea[name=content]", "火车站南广场检查出租车 12 辆，发现议价 2 起")
    page.click("#feedback-submit")
    page.wait_for_url(re.compile(r"/dispatch/dutyfeedback/\d+/"))
    assert DutyFeedback.objects.get().checked_vehicles == 12

    # the duty report counts the task, the shift, the sign-in and the feedback
    sign_in(page, "daduizhang", TEST_PASSWORD)
    page.goto("/dispatch/stats/?report=duty")
    row = page.locator("#report-table tbody tr", has_text="第一中队")
    cells = row.locator("td").all_inner_texts()
    header = page.locator("#report-table thead th").all_inner_texts()
    values = dict(zip(header, cells, strict=True))
    assert values["任务数"] == "1" and values["签到"] == "1" and values["反馈数"] == "1" and values["检查车辆"] == "12"
    page.screenshot(path=f"{shots}/dispatch_duty_report.png", full_page=True)
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    assert dl.value.suggested_filename.endswith(".xlsx")
