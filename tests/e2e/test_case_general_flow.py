"""The general procedure in a real browser: an officer pre-registers a major case on /cases/new/; it goes
through every node of `case_general` on the workflow task pages, each step by a user of its role, with one 退回
and one 集体讨论 (会签 of the two leaders chosen at 处罚复核), until it is archived; the case page then shows the
whole history."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (user, step id, decision, opinion)
WALK = [
    ("officer", "Task_PreRegister", "approve", "预登记完成"),
    ("squad", "Task_FilingApproval", "approve", "同意立案"),
    ("officer", "Task_Register", "approve", "调查终结"),
    ("brigade", "Task_CaseApproval", "return", "缺少询问笔录，退回补充"),
    ("officer", "Task_Register", "approve", "已补充询问笔录"),
    ("brigade", "Task_CaseApproval", "approve", "同意"),
    ("officer", "Task_Finding", "approve", "已送达事先告知书"),
    ("officer", "Task_Statement", "approve", "当事人放弃陈述申辩"),
    ("brigade", "Task_DeptApproval", "approve", "同意"),
    ("legal", "Task_LegalReview", "approve", "法制审核通过"),
    ("leader", "Task_Discussion", "approve", "集体讨论同意"),
    ("leader2", "Task_Discussion", "approve", "会签同意"),
    ("leader2", "Task_LeaderApproval", "approve", "同意处罚"),
    ("officer", "Task_Decision", "approve", "决定书已送达"),
    ("officer", "Task_Execution", "approve", "罚款已缴清"),
    ("officer", "Task_Archive", "approve", "申请归档"),
    ("squad", "Task_ArchiveReview", "approve", "同意归档"),
]


def login(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    return page


def signed_in(browser, live_server, user):
    """A page already signed in as `user` through a session cookie: the login form is exercised once (the officer);
    the other five people skip it (faster, issue 4)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(10_000)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context.new_page()


def test_general_case_from_pre_registration_to_archive(browser, live_server, make_user, tree, shots):
    from django.db.models import Q

    from teis.cases import steps
    from teis.cases.models import EnforcementCase
    from teis.workflow import services as wf
    from teis.workflow.choices import InstanceStatus, TaskStatus
    from teis.workflow.models import ProcessInstance

    wf.ensure_definitions(None)
    people = {
        "officer": make_user("field_officer", "squad1", username="e2e_officer"),
        "squad": make_user("squad_leader", "squad1", username="e2e_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="e2e_brigade"),
        "legal": make_user("legal_reviewer", "corps", username="e2e_legal"),
        "leader": make_user("leadership", "corps", username="e2e_leader"),
        "leader2": make_user("leadership", "corps", username="e2e_leader2"),
    }

    pages = {"officer": login(browser, live_server, people["officer"].username)}
    page = pages["officer"]
    page.goto("/cases/new/")
    page.fill("#id_title", "出租汽车拒载重大案件")
    page.fill("#id_place", "虹桥枢纽")
    page.fill("#id_facts", "出租汽车驾驶员拒载并议价")
    page.check("#id_is_major")
    page.fill("input[name='parties-0-name']", "王某")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    case = EnforcementCase.objects.get(title="出租汽车拒载重大案件")
    assert case.is_major and case.handler_id == people["officer"].pk
    assert case.process is not None and case.process.definition.key == "case_general"
    instance = case.process
    leaders = [str(people["leader"].pk), str(people["leader2"].pk)]

    for user, step, decision, opinion in WALK:
        instance.refresh_from_db()
        active = instance.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
        assert {t.spec_name for t in active} == {step}, ([t.spec_name for t in active], step)
        task = active.filter(Q(assignee__isnull=True) | Q(assignee=people[user])).get()
        if user not in pages:
            pages[user] = signed_in(browser, live_server, people[user])
        page = pages[user]
        # the form is server-rendered: no need to wait for the diagram viewer's scripts and the page's load event
        page.goto(f"/workflow/tasks/{task.pk}/", wait_until="domcontentloaded")
        form = page.locator(f"form[action$='/tasks/{task.pk}/complete/']")
        if step == "Task_LegalReview":  # the leaders of the 集体讨论
            form.locator("select[name=discussion_leaders]").select_option(leaders)
        form.locator(f"input[name=decision][value={decision}]").check()
        form.locator("textarea[name=opinion]").fill(opinion)
        form.locator("button").click()
        # the step is committed before the redirect is sent: the inbox page itself need not finish loading
        page.wait_for_url(re.compile(r"/workflow/inbox/"), wait_until="commit")

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert steps.end_status(ProcessInstance.objects.get(pk=instance.pk)) == "archived"

    case.refresh_from_db()
    assert case.status == "archived"
    # the case page shows the full history
    page = pages["officer"]
    response = page.goto(f"/cases/{case.pk}/")
    assert response is not None and response.status == 200
    assert "已归档" in page.locator("h4, h3, h2, .badge").first.inner_text() or "已归档" in page.content()
    history = page.locator(".workflow-history")
    history.wait_for()
    text = history.inner_text()
    rows = history.locator("tbody tr")
    assert rows.count() == len(WALK)
    for _, step, _, opinion in WALK:
        assert opinion in text
    for name in ("案件预登记", "立案审批", "案件审批", "集体讨论", "领导审批", "结案归档审核", "退回"):
        assert name in text
    assert "e2e_leader" in text and "e2e_leader2" in text and "e2e_legal" in text
    assert "会签" in text
    page.screenshot(path=f"{shots}/case_general_history.png", full_page=True)
