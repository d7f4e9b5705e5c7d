"""Inspection tasks in dispatch's daily duty plans: pushed when a plan is published, pulled by a duty plan
(纳入本计划), linked back, and cited by the duty feedback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from teis.core.testing import logged_in_client
from teis.dispatch.choices import PlanStatus as DutyPlanStatus
from teis.dispatch.choices import TaskType
from teis.dispatch.models import DutyFeedback, DutyPlan, DutyTask
from teis.inspections.models import DutyLink, InspectionTask
from teis.inspections.services import plans as plan_svc
from teis.inspections.services import tasks as task_svc
from teis.inspections.services.duty import SOURCE_LABEL


def duty_plan(unit, day, status=DutyPlanStatus.DRAFT, title="勤务计划"):
    return DutyPlan.objects.create(unit=unit, date=day, title=f"{day} {unit} {title}", status=status)


@pytest.fixture
def days():
    today = timezone.localdate()
    return today, today + dt.timedelta(days=1)


@pytest.fixture
def published(setup, days):
    tree = setup["tree"]
    today, tomorrow = days
    plans = {
        "squad1_today": duty_plan(tree["squad1"], today),
        "squad1_tomorrow": duty_plan(tree["squad1"], tomorrow),
        "squad2_today": duty_plan(tree["squad2"], today),
        # no squad2 plan tomorrow: squad2's tasks go to the nearest ancestor's editable plan
        "brigade1_tomorrow": duty_plan(tree["brigade1"], tomorrow),
        # approved plans are not changed behind their approver's back
        "brigade1_today_approved": duty_plan(tree["brigade1"], today, DutyPlanStatus.APPROVED),
        # after every task's deadline
        "squad1_late": duty_plan(tree["squad1"], today + dt.timedelta(days=120)),
    }
    plan_svc.do_freeze(setup["leader"], setup["plan"])
    plan_svc.do_draw(setup["leader"], setup["plan"])
    published = plan_svc.do_publish(setup["leader"], setup["plan"])
    return {**setup, "duty_plans": plans, "published": published}


def _squad(tree, task) -> str:
    return "squad1" if task.unit_id == tree["squad1"].pk else "squad2"


def _inspector_users(task):
    return {i.officer.user_id for i in task.inspectors.all()}


def test_publish_puts_each_task_into_its_units_duty_plans_for_the_window(published, days):
    today, tomorrow = days
    tree, plans = published["tree"], published["duty_plans"]
    tasks = list(InspectionTask.objects.select_related("unit").order_by("code"))
    assert len(tasks) == 3
    assert published["published"].duty_tasks_created == 6  # 3 tasks × 2 days
    for task in tasks:
        links = {link.date: link.duty_task for link in DutyLink.objects.filter(task=task).select_related("duty_task")}
        assert set(links) == {today, tomorrow}
        squad = _squad(tree, task)
        assert links[today].plan_id == plans[f"{squad}_today"].pk
        expected_tomorrow = plans["squad1_tomorrow"] if squad == "squad1" else plans["brigade1_tomorrow"]
        assert links[tomorrow].plan_id == expected_tomorrow.pk
        for duty_task in links.values():
            assert duty_task.task_type == TaskType.SPECIAL
            assert task.code in duty_task.content and task.inspection_object.name in duty_task.title
            assert set(duty_task.officers.values_list("pk", flat=True)) == _inspector_users(task)
            assert timezone.localtime(duty_task.start_at).date() == duty_task.plan.date
    assert not DutyTask.objects.filter(plan=plans["brigade1_today_approved"]).exists()
    assert not DutyTask.objects.filter(plan=plans["squad1_late"]).exists()


def test_duty_plan_page_shows_the_tasks_and_pulls_the_missing_ones(published, make_user, days):
    today, _ = days
    tree = published["tree"]
    squad = _squad(tree, InspectionTask.objects.order_by("code").first())  # the draw decides which squads
    squad_leader = make_user("squad_leader", squad, username="zd_duty")
    client = logged_in_client(squad_leader)
    squad1_tasks = list(InspectionTask.objects.filter(unit=tree[squad]))
    page = client.get(reverse("dispatch:plan_detail", args=[published["duty_plans"][f"{squad}_today"].pk]))
    html = page.content.decode()
    assert page.status_code == 200 and SOURCE_LABEL in html
    for task in squad1_tasks:
        assert task.code in html and f"双随机检查：{task.inspection_object.name}" in html
    assert "已纳入本计划" in html and "未纳入" not in html and "attach-source-btn" not in html

    # a plan made after the publication pulls the open tasks of its unit for its day
    later = duty_plan(tree[squad], today + dt.timedelta(days=2))
    url = reverse("dispatch:plan_detail", args=[later.pk])
    html = client.get(url).content.decode()
    assert "未纳入" in html and "attach-source-btn" in html
    response = client.post(url, {"action": "attach_source", "source": SOURCE_LABEL})
    assert response.status_code == 302
    assert DutyTask.objects.filter(plan=later).count() == len(squad1_tasks)
    assert set(DutyLink.objects.filter(date=later.date).values_list("task_id", flat=True)) == {
        t.pk for t in squad1_tasks
    }
    client.post(url, {"action": "attach_source", "source": SOURCE_LABEL})  # nothing left to take in
    assert DutyTask.objects.filter(plan=later).count() == len(squad1_tasks)
    # a done task is no longer carried by later days
    done = squad1_tasks[0]
    task_svc.do_execute(
        done.inspectors.first().officer.user,
        done,
        {
            "result": "no_problem",
            "summary": "良好",
            "findings": {str(f.check_item_id): {"result": "conform"} for f in done.findings.all()},
        },
    )
    third = duty_plan(tree[squad], today + dt.timedelta(days=3))
    client.post(reverse("dispatch:plan_detail", args=[third.pk]), {"action": "attach_source", "source": SOURCE_LABEL})
    assert DutyTask.objects.filter(plan=third).count() == len(squad1_tasks) - 1


def test_a_field_officer_cannot_pull_into_a_plan(published, days):
    today, _ = days
    task = InspectionTask.objects.order_by("code").first()
    officer = next(i.officer.user for i in task.inspectors.all() if i.officer.unit_id == task.unit_id)
    later = duty_plan(task.unit, today + dt.timedelta(days=2))
    client = logged_in_client(officer)
    client.post(reverse("dispatch:plan_detail", args=[later.pk]), {"action": "attach_source", "source": SOURCE_LABEL})
    assert not DutyTask.objects.filter(plan=later).exists()


def test_drawn_but_unpublished_tasks_stay_out_of_duty(setup, days):
    today, _ = days
    plan = duty_plan(setup["tree"]["squad1"], today)
    plan_svc.do_freeze(setup["leader"], setup["plan"])
    plan_svc.do_draw(setup["leader"], setup["plan"])
    assert not DutyTask.objects.filter(plan=plan).exists()
    from teis.inspections.services.duty import InspectionDutySource

    assert InspectionDutySource().pending(plan) == []


def test_a_done_task_is_withdrawn_from_later_editable_duty_plans(published, days):
    from teis.audit.models import AuditRecord
    from teis.inspections.services.duty import _create_duty_task

    today, tomorrow = days
    tree = published["tree"]
    task = InspectionTask.objects.order_by("code").first()
    other = InspectionTask.objects.exclude(pk=task.pk).order_by("code").first()
    unit = tree[_squad(tree, task)]
    leader = published["leader"]
    later = {}
    for n, status in ((2, DutyPlanStatus.REJECTED), (3, DutyPlanStatus.DRAFT), (4, DutyPlanStatus.DRAFT)):
        plan = duty_plan(unit, today + dt.timedelta(days=n))
        DutyPlan.objects.filter(pk=plan.pk).update(status=status)
        plan.refresh_from_db()
        later[n] = _create_duty_task(leader, plan, task, check_perm=False)
    DutyPlan.objects.filter(pk=later[3].plan_id).update(status=DutyPlanStatus.SUBMITTED)  # left to its approver
    DutyFeedback.objects.create(task=later[4], unit=unit, content="已提前走访")  # a feedback keeps its task
    links = {link.date: link.duty_task_id for link in DutyLink.objects.filter(task=task)}
    other_links = set(DutyLink.objects.filter(task=other).values_list("duty_task_id", flat=True))

    user = next(i.officer.user for i in task.inspectors.all())
    findings = {str(f.check_item_id): {"result": "conform"} for f in task.findings.all()}
    task_svc.do_execute(user, task, {"result": "no_problem", "summary": "良好", "findings": findings})

    kept = set(DutyTask.objects.values_list("pk", flat=True))
    assert links[today] in kept  # the day it was done on
    assert links[tomorrow] not in kept and later[2].pk not in kept  # draft and returned plans of later days
    assert later[3].pk in kept and later[4].pk in kept
    assert other_links <= kept  # other tasks keep theirs
    assert set(DutyLink.objects.filter(task=task).values_list("date", flat=True)) == {
        today,
        today + dt.timedelta(days=3),
        today + dt.timedelta(days=4),
    }
    withdrawn = AuditRecord.objects.filter(action="delete", object_type="dispatch.dutytask")
    assert {r.object_id for r in withdrawn} == {str(links[tomorrow]), str(later[2].pk)}
    assert all(f"双随机检查任务 {task.code} 已完成" in r.detail["reason"] for r in withdrawn)
    execute = AuditRecord.objects.filter(object_type="inspections.inspectiontask", object_id=str(task.pk)).last()
    assert execute.detail["duty_tasks_withdrawn"] == 2


def test_duty_feedback_cites_the_inspection_result(published, days):
    task = InspectionTask.objects.order_by("code").first()
    user = next(i.officer.user for i in task.inspectors.all() if i.officer.unit_id == task.unit_id)
    duty_task = DutyLink.objects.get(task=task, date=days[0]).duty_task
    DutyPlan.objects.filter(pk=duty_task.plan_id).update(status=DutyPlanStatus.APPROVED)
    client = logged_in_client(user)
    url = reverse("dispatch:feedback_for_task", args=[duty_task.pk])
    before = client.get(url).content.decode()
    assert task.code in before and "尚未录入检查结果" in before

    task_svc.do_execute(
        user,
        task,
        {
            "result": "rectify",
            "rectify_deadline": (days[0] + dt.timedelta(days=10)).isoformat(),
            "summary": "灭火器过期",
            "findings": {str(f.check_item_id): {"result": "nonconform"} for f in task.findings.all()},
        },
    )
    page = client.get(url).content.decode()
    assert "责令整改" in page and "灭火器过期" in page
    assert f"完成双随机检查任务 {task.code}" in page  # the feedback text starts from the result
    response = client.post(
        url,
        {
            "checked_vehicles": 0,
            "checked_operators": 1,
            "cases_found": 0,
            "overtime_hours": 0,
            "content": f"完成双随机检查任务 {task.code}，检查结果：责令整改。灭火器过期",
        },
    )
    assert response.status_code == 302
    feedback = DutyFeedback.objects.get(task=duty_task)
    assert task.code in feedback.content and feedback.checked_operators == 1


def test_duty_tasks_api_by_duty_plan(published, make_user):
    tree = published["tree"]
    squad = _squad(tree, InspectionTask.objects.order_by("code").first())
    squad_leader = make_user("squad_leader", squad, username="zd_api")
    client = logged_in_client(squad_leader)
    plan = published["duty_plans"][f"{squad}_today"]
    data = client.get("/api/v1/inspections/duty-tasks/", {"duty_plan": plan.pk}).json()
    expected = set(InspectionTask.objects.filter(unit=tree[squad]).values_list("code", flat=True))
    assert {r["code"] for r in data["results"]} == expected
    bad = client.get("/api/v1/inspections/duty-tasks/", {"duty_plan": "abc"})
    assert bad.status_code == 400 and "勤务计划" in bad.json()["message"]
