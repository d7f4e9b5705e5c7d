"""A 勤务计划 is approved through its workflow (#15: dispatch's approvals are workflow definitions) in a real browser:
the squad leader submits the plan on its page, which then says whose approval it waits for; the brigade leader finds
the approval in the 待办 inbox, sees the plan on the task page (its facts and a link to it) and approves there; the
plan page then shows it approved, by whom and with which opinion."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from teis.org.demo import DEMO_PASSWORD

from .pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_submitted_on_its_page_is_approved_from_the_brigade_leaders_inbox(page, make_user, tree, shots):
    from django.utils import timezone

    from teis.core.services import generic_service
    from teis.dispatch.choices import PlanStatus
    from teis.dispatch.models import DutyPlan, DutyTask
    from teis.workflow.services import ensure_definitions, process_files

    ensure_definitions(None, [p for p in process_files() if p.name.startswith("dispatch_")])
    squad = make_user("squad_leader", "squad1", username="squad", name="李建国", password=DEMO_PASSWORD)
    make_user("brigade_leader", "brigade1", username="brigade", name="张伟华", password=DEMO_PASSWORD)
    plan = generic_service.do_create(squad, DutyPlan, {"unit": tree["squad1"], "title": "火车站早班勤务"})
    start = timezone.now().replace(microsecond=0)
    DutyTask.objects.create(
        plan=plan, unit=tree["squad1"], title="南广场出租车秩序", start_at=start, end_at=start + dt.timedelta(hours=8)
    )
    url = f"/dispatch/plans/{plan.pk}/"

    # the squad leader submits on the plan's page, which then says whose approval it waits for
    sign_in(page, "squad")
    page.goto(url)
    page.click("#submit-plan")
    page.wait_for_selector("#plan-waiting")
    assert "待第一大队大队长审批" in page.inner_text("#plan-waiting")
    assert page.locator("#approve-plan").count() == 0  # not the squad leader's to approve

    # the brigade leader finds it in the 待办 inbox and approves on the task page, seeing the plan
    sign_in(page, "brigade")
    page.goto("/workflow/inbox/?tab=todo")
    page.click("text=勤务计划：")
    page.wait_for_url(re.compile(r"/workflow/tasks/\d+/$"))
    panel = page.inner_text("main")
    assert "火车站早班勤务" in panel and "南广场出租车秩序" in panel
    assert page.locator(f"a[href='{url}']").count() == 1
    form = page.locator("form[action$='/complete/']")
    form.locator("input[name=decision][value=approve]").check()
    form.locator("textarea[name=opinion]").fill("同意，注意早高峰疏导")
    page.screenshot(path=f"{shots}/dispatch-plan-approval-task.png", full_page=True)
    form.locator("button").click()
    page.wait_for_url(re.compile(r"/workflow/inbox/"), wait_until="commit")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.opinion == "同意，注意早高峰疏导"
    assert plan.approved_by.username == "brigade" and plan.approved_at is not None
    page.goto(url)
    body = page.inner_text("main")
    assert "已批准" in body and "张伟华" in body
    assert page.locator("#plan-waiting").count() == 0
