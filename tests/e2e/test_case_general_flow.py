"""The general procedure in a real browser: a case goes through every node of `case_general` on the workflow
task pages, each step by a user of its role, with one 退回 and one 集体讨论, until it is archived; the case page
then shows the whole history."""

import re
from concurrent.futures import ThreadPoolExecutor

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


def test_general_case_from_pre_registration_to_archive(browser, live_server, make_user, tree, shots):
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

    def pre_register():
        """The officer's pre-registration through the services: the case and its process."""
        case = EnforcementCase.objects.create(
            title="出租汽车拒载重大案件", unit=tree["squad1"], handler=people["officer"], is_major=True
        )
        instance = wf.start_process(
            people["officer"], "case_general", case, case.unit, steps.start_data(case), subject_label=case.title
        )
        return case, instance

    # outside Playwright's event loop: the todo push after commit uses async_to_sync
    with ThreadPoolExecutor(1) as pool:
        case, instance = pool.submit(pre_register).result()
    pages = {}

    for user, step, decision, opinion in WALK:
        instance.refresh_from_db()
        task = instance.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
        assert task.spec_name == step, (task.spec_name, step)
        if user not in pages:
            pages[user] = login(browser, live_server, people[user].username)
        page = pages[user]
        page.goto(f"/workflow/tasks/{task.pk}/")
        form = page.locator(f"form[action$='/tasks/{task.pk}/complete/']")
        form.locator(f"input[name=decision][value={decision}]").check()
        form.locator("textarea[name=opinion]").fill(opinion)
        form.locator("button").click()
        page.wait_for_url(re.compile(r"/workflow/inbox/"))

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
    assert "e2e_leader" in text and "e2e_legal" in text
    page.screenshot(path=f"{shots}/case_general_history.png", full_page=True)
