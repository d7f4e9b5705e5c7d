"""The general procedure in a real browser, as people do it: an officer pre-registers a major case on the empty
form /cases/new/ (案由, 违章代码, facts, party); it goes through every node of `case_general` on the workflow task
pages, each step by the user whose inbox offers it (the legal reviewer sits in 法制科, as in the demo), entering
the step's facts in its form (笔录, proposal with the discretion level, 事先告知, 陈述申辩, 法制审核意见, 集体讨论,
decision and service, payment, 结案报告, archive location), with one 退回 and one 集体讨论 (会签 of the two
leaders chosen at 处罚复核), until it is archived; the case page then shows the whole record and history."""

import datetime as dt
import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# (user, step id, decision, opinion)
WALK = [
    ("officer", "Task_PreRegister", "approve", "报请立案"),
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


def _minute(value) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def fill_step(form, step, case, times, level_pk):
    """Enter the step's facts in its form, as the person would."""
    from django.utils import timezone

    now = timezone.now() + dt.timedelta(minutes=1)
    if step == "Task_Register":
        form.locator("textarea[name=investigation]").fill("询问当事人并调取行车记录，拒载议价属实")
        form.locator("select[name=record_kind]").select_option("inquiry")
        form.locator("input[name=record_started_at]").fill(_minute(timezone.now()))
        form.locator("input[name=record_place]").fill("虹桥枢纽执法点")
        form.locator("input[name=record_interviewee]").fill("王某")
        form.locator("textarea[name=record_qa]").fill("问：你是否拒绝载客？\n答：是的，路程太近。")
    elif step == "Task_Finding":
        times["notice"] = now
        form.locator("select[name=discretion_level]").select_option(str(level_pk))
        for condition in ("初次违法", "及时改正"):
            form.locator(f"input[name=conditions_met][value='{condition}']").check()
        form.locator("input[name=fine_amount]").fill("300")
        form.locator("textarea[name=legal_basis]").fill("《出租汽车管理条例》第二十条")
        form.locator("textarea[name=evidence_list]").fill("询问笔录、行车记录仪视频")
        form.locator("input[name=notice_served_at]").fill(_minute(now))
    elif step == "Task_Statement":
        form.locator("textarea[name=statement_content]").fill("当事人放弃陈述申辩")
    elif step == "Task_LegalReview":
        form.locator("textarea[name=legal_opinion]").fill("事实清楚，证据确凿，裁量适当，同意")
    elif step == "Task_Discussion":
        form.locator("textarea[name=discussion_minutes]").fill("同意按一般情节处罚")
    elif step == "Task_Decision":
        times["decided"] = max(now, times["notice"] + dt.timedelta(minutes=1))
        form.locator("input[name=decided_at]").fill(_minute(times["decided"]))
        form.locator("input[name=served_at]").fill(_minute(times["decided"]))
        form.locator("select[name=service_method]").select_option("direct")
    elif step == "Task_Execution":
        form.locator("input[name=paid_at]").fill(_minute(max(now, times["decided"])))
        form.locator("input[name=receipt_number]").fill("PJ20260001")
    elif step == "Task_Archive":
        form.locator("select[name=closing_kind]").select_option("executed")
        form.locator("textarea[name=closing_report]").fill("罚款已全额缴纳，处罚决定执行完毕")
    elif step == "Task_ArchiveReview":
        form.locator("input[name=archive_number]").fill("2026-一般-001")
        form.locator("input[name=archive_cabinet]").fill("A3")
        form.locator("input[name=archive_box]").fill("12")
        form.locator("input[name=archive_position]").fill("第2层")


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
    from teis.cases.tests._record import legal_setup
    from teis.org.choices import UnitType
    from teis.org.models import Unit
    from teis.org.services import UnitService
    from teis.workflow import services as wf
    from teis.workflow.choices import InstanceStatus, TaskStatus
    from teis.workflow.models import ProcessInstance

    wf.ensure_definitions(None)
    Unit.objects.filter(pk=tree["corps"].pk).update(region_code="310000")
    tree["legal_dept"] = UnitService().do_create(
        None, Unit, {"name": "法制科", "unit_type": UnitType.DEPARTMENT, "parent": tree["corps"]}
    )
    cause, code, bench = legal_setup()
    level = bench.levels.get(name="轻微")
    people = {
        "officer": make_user("field_officer", "squad1", username="e2e_officer"),
        "squad": make_user("squad_leader", "squad1", username="e2e_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="e2e_brigade"),
        "legal": make_user("legal_reviewer", "legal_dept", username="e2e_legal"),
        "leader": make_user("leadership", "corps", username="e2e_leader"),
        "leader2": make_user("leadership", "corps", username="e2e_leader2"),
    }

    pages = {"officer": login(browser, live_server, people["officer"].username)}
    page = pages["officer"]
    page.goto("/cases/new/")
    page.fill("#id_title", "出租汽车拒载重大案件")
    page.fill("#id_place", "虹桥枢纽")
    page.select_option("#id_case_cause", str(cause.pk))
    page.select_option("#id_violation_codes", [str(code.pk)])
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
    times: dict = {}

    for user, step, decision, opinion in WALK:
        instance.refresh_from_db()
        active = instance.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
        assert {t.spec_name for t in active} == {step}, ([t.spec_name for t in active], step)
        task = active.filter(Q(assignee__isnull=True) | Q(assignee=people[user])).get()
        # the inbox offers the step to this person
        assert wf.todo_tasks(people[user]).filter(pk=task.pk).exists(), (step, user)
        if user not in pages:
            pages[user] = signed_in(browser, live_server, people[user])
        page = pages[user]
        # the form is server-rendered: no need to wait for the diagram viewer's scripts and the page's load event
        page.goto(f"/workflow/tasks/{task.pk}/", wait_until="domcontentloaded")
        # the approver sees the case: its link, the facts and the record so far
        assert page.locator("#task-case-link").count() == 1
        assert "出租汽车驾驶员拒载并议价" in page.locator("#task-case").inner_text()
        form = page.locator(f"form[action$='/tasks/{task.pk}/complete/']")
        if decision == "approve":
            fill_step(form, step, case, times, level.pk)
        if step == "Task_LegalReview":  # the leaders of the 集体讨论
            form.locator("select[name=discussion_leaders]").select_option(leaders)
        form.locator(f"input[name=decision][value={decision}]").check()
        form.locator("textarea[name=opinion]").fill(opinion)
        form.locator("button").click()
        # the step is committed before the redirect is sent: the inbox page itself need not finish loading
        page.wait_for_url(re.compile(r"/workflow/inbox/"), wait_until="commit")
        if step == "Task_FilingApproval":
            case.refresh_from_db()
            assert case.case_code and case.status == "investigating"

    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert steps.end_status(ProcessInstance.objects.get(pk=instance.pk)) == "archived"

    case.refresh_from_db()
    assert case.status == "archived"
    # the case page shows the whole record and the history
    page = pages["officer"]
    response = page.goto(f"/cases/{case.pk}/")
    assert response is not None and response.status == 200
    assert page.locator("#case-status").inner_text() == "已归档"
    assert page.locator("#case-code").inner_text() == case.case_code and len(case.case_code) == 18
    record = page.locator("#case-record").inner_text()
    for text in (
        "询问笔录",
        "你是否拒绝载客？",
        "罚款 300.00 元",
        case.file_number,
        "直接送达",
        _minute(case.served_at).replace("T", " "),
        "PJ20260001",
        "事实清楚，证据确凿",
        "集体讨论同意",
        "罚款已全额缴纳",
        "档案号 2026-一般-001",
        "A3柜 12盒 第2层",
    ):
        assert text in record, text
    history = page.locator(".workflow-history")
    history.wait_for()
    text = history.inner_text()
    rows = history.locator("tbody tr")
    assert rows.count() == len(WALK)
    for _, step, _, opinion in WALK:
        assert opinion in text
    for name in ("案件预登记", "立案审批", "案件审批", "集体讨论", "领导审批", "结案归档审核", "退回"):
        assert name in text
    for role in ("leader", "leader2", "legal"):  # people by name, never by login
        person = people[role]
        assert person.officer.name in text and person.username not in text
    assert "会签" in text
    page.screenshot(path=f"{shots}/case_general_record.png", full_page=True)
