"""The workflow engine: definitions, offering, approval operations, deadlines, inbox and API."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teis.core.models import Notification, TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.core.workdays import add_workdays
from teis.workflow import services
from teis.workflow.choices import Decision, InstanceStatus, TaskKind, TaskStatus
from teis.workflow.models import ProcessDefinition, ProcessInstance, Substitute, WorkTask

HERE = Path(__file__).parent
SAMPLE = Path(services.__file__).parents[1] / "processes" / "sample_approval.bpmn"
KEY = "sample_approval"


def start(people, tree, data=None):
    return services.start_process(people["officer"], KEY, None, tree["squad1"], data, subject_label="测试案件")


def open_task(instance) -> WorkTask:
    return instance.tasks.get(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])


def sample_xml(**replace) -> str:
    xml = SAMPLE.read_text(encoding="utf-8")
    for old, new in replace.items():
        xml = xml.replace(old, new)
    return xml


# --- definitions -----------------------------------------------------------------------------------------


def test_load_is_idempotent_and_versions(defs, people, tree):
    assert [d.version for d in defs] == [1]
    assert services.ensure_definitions(None, [SAMPLE])[0].pk == defs[0].pk
    running = start(people, tree)
    xml = sample_xml(**{'name="大队审批"': 'name="大队长审批"'})
    v2 = services.do_save_definition(people["leader"], KEY, xml)
    assert v2.version == 2 and v2.is_current
    assert not ProcessDefinition.objects.get(pk=defs[0].pk).is_current
    # the running instance stays on version 1 and finishes on it
    services.complete_task(people["squad"], open_task(running), Decision.APPROVE, "")
    wt = open_task(running)
    assert wt.name == "大队审批"
    assert ProcessInstance.objects.get(pk=running.pk).definition_id == defs[0].pk
    services.complete_task(people["brigade"], wt, Decision.APPROVE, "")
    running.refresh_from_db()
    assert running.status == InstanceStatus.COMPLETED and running.outcome == Decision.APPROVE
    # a new instance starts on version 2
    new = start(people, tree)
    assert new.definition_id == v2.pk
    services.complete_task(people["squad"], open_task(new), Decision.APPROVE, "")
    assert open_task(new).name == "大队长审批"


def test_workflow_load_command(roles, capsys):
    from django.core.management import call_command

    call_command("workflow_load")
    assert ProcessDefinition.objects.filter(key=KEY, is_current=True).exists()
    assert KEY in capsys.readouterr().out


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        ({'name="brigade_leader"': 'name="dragon_keeper"'}, "元素 Lane_brigade：泳道 dragon_keeper 不是已知角色"),
        ({'decision == "return"': '__import__("os").system("x")'}, "元素 Flow_Return：条件表达式不合规"),
        ({'decision == "return"': "decision.lower() == 1"}, "元素 Flow_Return：条件表达式不合规"),
        ({'teis:unit="parent"': 'teis:unit="moon"'}, "元素 Task_BrigadeApprove：审批单位 moon 无效"),
        ({'teis:deadlineDays="2"': 'teis:deadlineDays="two"'}, "元素 Task_BrigadeApprove：办理期限"),
        ({'teis:returnTo="Task_SquadReview"': 'teis:returnTo="Task_Nowhere"'}, "元素 Task_BrigadeApprove：退回节点"),
        (
            {'teis:deadlineDays="3"': 'teis:deadlineDays="3" teis:form="no.such.form"'},
            "元素 Task_SquadReview：表单 no.such.form 未注册",
        ),
        (
            {
                'id="Gateway_Squad"': 'id="End"',
                'targetRef="Gateway_Squad"': 'targetRef="End"',
                'sourceRef="Gateway_Squad"': 'sourceRef="End"',
                ">Gateway_Squad<": ">End<",
                'bpmnElement="Gateway_Squad"': 'bpmnElement="End"',
            },
            "元素 End：元素标识与引擎保留名称冲突",
        ),
        (
            {"<bpmn:flowNodeRef>Task_BrigadeApprove</bpmn:flowNodeRef>": ""},
            "元素 Task_BrigadeApprove：用户任务不在任何泳道中",
        ),
        ({'targetRef="Task_BrigadeApprove"': 'targetRef="Task_Missing"'}, "元素"),
    ],
)
def test_invalid_definitions_name_the_element(defs, people, replace, message):
    with pytest.raises(ServiceError) as exc:
        services.do_save_definition(people["leader"], KEY, sample_xml(**replace))
    assert exc.value.code == "invalid_bpmn"
    assert message in exc.value.message
    assert ProcessDefinition.objects.filter(key=KEY).count() == 1


def test_malformed_xml_and_wrong_key(defs, people):
    with pytest.raises(ServiceError, match="不是合法的 XML"):
        services.do_save_definition(people["leader"], KEY, "<bpmn:definitions")
    with pytest.raises(ServiceError, match="流程标识应为 other"):
        services.do_save_definition(people["leader"], "other", sample_xml())
    service_task = sample_xml(
        **{
            '<bpmn:userTask id="Task_SquadReview"': '<bpmn:serviceTask id="Task_SquadReview"',
            '</bpmn:userTask>\n    <bpmn:exclusiveGateway id="Gateway_Squad"': (
                '</bpmn:serviceTask>\n    <bpmn:exclusiveGateway id="Gateway_Squad"'
            ),
        }
    )
    with pytest.raises(ServiceError, match="元素 Task_SquadReview：不支持服务任务"):
        services.do_save_definition(people["leader"], KEY, service_task)


# --- offering and completing ------------------------------------------------------------------------------


def test_offer_to_role_holders_in_target_unit_only(people, tree):
    instance = start(people, tree)
    wt = open_task(instance)
    assert (wt.spec_name, wt.role, wt.candidate_unit, wt.status) == (
        "Task_SquadReview",
        "squad_leader",
        tree["squad1"],
        TaskStatus.OPEN,
    )
    todo_users = set(TodoItem.objects.filter(source_key=f"wf:{wt.pk}").values_list("user__username", flat=True))
    assert todo_users == {"squad1lead", "squad1lead2"}
    assert wt in services.todo_tasks(people["squad"])
    assert wt not in services.todo_tasks(people["other_squad"])
    assert wt not in services.todo_tasks(people["brigade"])
    instance.refresh_from_db()
    assert instance.current_step == "Task_SquadReview" and instance.assignee_role == "squad_leader"
    assert instance.assignee_unit == tree["squad1"] and instance.due_at == wt.due_at
    # an outsider cannot complete it
    with pytest.raises(ServiceError) as exc:
        services.complete_task(people["other_squad"], wt, Decision.APPROVE, "")
    assert exc.value.code == "not_your_task" and "第一中队" in exc.value.message
    # claim: the other candidate's todo goes away
    services.claim(people["squad"], wt)
    assert TodoItem.objects.get(source_key=f"wf:{wt.pk}", user=people["squad_b"]).status == TodoStatus.CANCELLED
    with pytest.raises(ServiceError, match="不属于您"):
        services.complete_task(people["squad_b"], wt, Decision.APPROVE, "")
    services.release(people["squad"], wt)
    wt.refresh_from_db()
    assert wt.status == TaskStatus.OPEN and wt.assignee is None
    # complete: parent unit's brigade leader gets the next step
    services.complete_task(people["squad_b"], wt, Decision.APPROVE, "同意报批")
    wt.refresh_from_db()
    assert (
        wt.status == TaskStatus.COMPLETED and wt.completed_by == people["squad_b"] and wt.duration_seconds is not None
    )
    assert not TodoItem.objects.filter(source_key=f"wf:{wt.pk}", status=TodoStatus.OPEN).exists()
    nxt = open_task(instance)
    assert (nxt.spec_name, nxt.candidate_unit) == ("Task_BrigadeApprove", tree["brigade1"])
    assert nxt in services.todo_tasks(people["brigade"]) and nxt not in services.todo_tasks(people["brigade2"])


def test_named_assignee_from_task_data(people, tree):
    instance = start(people, tree, {"assignee_Task_SquadReview": people["squad_b"].username})
    wt = open_task(instance)
    assert wt.assignee == people["squad_b"] and wt.status == TaskStatus.CLAIMED
    with pytest.raises(ServiceError, match="已指派给其他人员"):
        services.complete_task(people["squad"], wt, Decision.APPROVE, "")


def test_modelled_return_and_reject(people, tree):
    instance = start(people, tree)
    services.complete_task(people["squad"], open_task(instance), Decision.APPROVE, "")
    with pytest.raises(ServiceError, match="必须填写审批意见"):
        services.complete_task(people["brigade"], open_task(instance), Decision.RETURN, "")
    services.complete_task(people["brigade"], open_task(instance), Decision.RETURN, "材料不全")
    back = open_task(instance)
    assert back.spec_name == "Task_SquadReview"
    services.complete_task(people["squad"], back, Decision.APPROVE, "已补正")
    services.complete_task(people["brigade"], open_task(instance), Decision.REJECT, "不予批准")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and instance.outcome == Decision.REJECT
    steps = [(t.spec_name, t.decision) for t in services.history(instance)]
    assert steps == [
        ("Task_SquadReview", "approve"),
        ("Task_BrigadeApprove", "return"),
        ("Task_SquadReview", "approve"),
        ("Task_BrigadeApprove", "reject"),
    ]


def test_invalid_decision_and_data(people, tree):
    instance = start(people, tree)
    wt = open_task(instance)
    with pytest.raises(ServiceError, match="审批结论"):
        services.complete_task(people["squad"], wt, "maybe", "")
    with pytest.raises(ServiceError, match="字段名"):
        services.complete_task(people["squad"], wt, Decision.APPROVE, "", {"__class__": 1})
    wt.refresh_from_db()
    assert wt.status == TaskStatus.OPEN


def test_return_task_uses_engine_reset(people, tree):
    instance = start(people, tree)
    first = open_task(instance)
    # nothing before the first node
    with pytest.raises(ServiceError, match="没有可退回"):
        services.return_task(people["squad"], first, None, "退回")
    services.complete_task(people["squad"], first, Decision.APPROVE, "")
    wt = open_task(instance)
    with pytest.raises(ServiceError, match="不允许退回"):
        services.return_task(people["brigade"], wt, "StartEvent_1", "退回")
    services.return_task(people["brigade"], wt, "Task_SquadReview", "请补充")
    back = open_task(instance)
    # the returned node goes back to whoever did it
    assert back.spec_name == "Task_SquadReview" and back.assignee == people["squad"]
    assert WorkTask.objects.get(pk=wt.pk).decision == Decision.RETURN


def test_withdraw_before_next_person_acts(people, tree):
    instance = start(people, tree)
    wt = open_task(instance)
    services.complete_task(people["squad"], wt, Decision.APPROVE, "")
    nxt = open_task(instance)
    with pytest.raises(ServiceError, match="本人"):
        services.withdraw(people["squad_b"], WorkTask.objects.get(pk=wt.pk))
    services.withdraw(people["squad"], WorkTask.objects.get(pk=wt.pk))
    assert WorkTask.objects.get(pk=nxt.pk).status == TaskStatus.WITHDRAWN
    again = open_task(instance)
    assert again.spec_name == "Task_SquadReview" and again.assignee == people["squad"]
    # once the next person has claimed, withdrawing is refused
    services.complete_task(people["squad"], again, Decision.APPROVE, "")
    services.claim(people["brigade"], open_task(instance))
    with pytest.raises(ServiceError, match="下一步已有人办理"):
        services.withdraw(people["squad"], WorkTask.objects.get(pk=again.pk))


def test_reassign_within_scope(people, tree, make_user):
    instance = start(people, tree)
    wt = open_task(instance)
    officer2 = make_user("field_officer", "squad1")
    with pytest.raises(ServiceError, match="数据权限范围"):
        services.reassign(people["squad"], wt, people["other_squad"].username)
    services.reassign(people["squad"], wt, officer2.username)
    wt.refresh_from_db()
    assert wt.assignee == officer2 and wt.delegated_from == people["squad"]
    assert TodoItem.objects.filter(source_key=f"wf:{wt.pk}", user=officer2, status=TodoStatus.OPEN).exists()
    services.complete_task(officer2, wt, Decision.APPROVE, "")
    assert open_task(instance).spec_name == "Task_BrigadeApprove"


def test_add_approver_before_and_after(people, tree, make_user):
    instance = start(people, tree)
    wt = open_task(instance)
    helper = make_user("field_officer", "squad1")
    added = services.add_approver(people["squad"], wt, helper.username, before=True)
    assert WorkTask.objects.get(pk=wt.pk).status == TaskStatus.SUSPENDED
    with pytest.raises(ServiceError):
        services.complete_task(people["squad"], WorkTask.objects.get(pk=wt.pk), Decision.APPROVE, "")
    services.complete_task(helper, added, Decision.APPROVE, "建议同意")
    wt.refresh_from_db()
    assert wt.status == TaskStatus.CLAIMED and wt.assignee == people["squad"]
    # after: the squad leader approves now; the helper decides the step
    after = services.add_approver(people["squad"], wt, helper.username, before=False, opinion="同意，请再审")
    assert after.kind == TaskKind.AFTER and WorkTask.objects.get(pk=wt.pk).status == TaskStatus.COMPLETED
    assert open_task(instance).pk == after.pk
    services.complete_task(helper, after, Decision.APPROVE, "")
    assert open_task(instance).spec_name == "Task_BrigadeApprove"


def countersign_def(sign: str):
    xml = (
        (HERE / "bpmn" / "countersign.bpmn")
        .read_text(encoding="utf-8")
        .replace('teis:sign="all"', f'teis:sign="{sign}"')
    )
    return services.do_save_definition(None, "test_countersign", xml)


@pytest.mark.parametrize("sign", ["all", "any"])
def test_all_sign_and_any_sign(people, tree, sign):
    countersign_def(sign)
    approvers = [people["squad"].pk, people["squad_b"].pk, people["brigade"].pk]
    instance = services.start_process(
        people["officer"], "test_countersign", None, tree["squad1"], {"approvers": approvers}
    )
    rows = list(instance.tasks.filter(status=TaskStatus.CLAIMED).order_by("pk"))
    assert {r.assignee_id for r in rows} == set(approvers)
    assert len({r.group_id for r in rows}) == 1 and rows[0].sign_mode == sign
    services.complete_task(people["squad"], rows[0], Decision.APPROVE, "")
    instance.refresh_from_db()
    if sign == "any":
        # 或签: one approval ends the step; the others are cancelled
        assert instance.status == InstanceStatus.COMPLETED and instance.outcome == Decision.APPROVE
        assert {r.status for r in WorkTask.objects.filter(pk__in=[rows[1].pk, rows[2].pk])} == {TaskStatus.CANCELLED}
    else:
        assert instance.status == InstanceStatus.RUNNING
        services.complete_task(people["squad_b"], rows[1], Decision.APPROVE, "")
        services.complete_task(people["brigade"], rows[2], Decision.APPROVE, "")
        instance.refresh_from_db()
        assert instance.status == InstanceStatus.COMPLETED and instance.outcome == Decision.APPROVE


def test_all_sign_one_refusal_rejects(people, tree):
    countersign_def("all")
    approvers = [people["squad"].pk, people["squad_b"].pk]
    instance = services.start_process(
        people["officer"], "test_countersign", None, tree["squad1"], {"approvers": approvers}
    )
    rows = list(instance.tasks.filter(status=TaskStatus.CLAIMED).order_by("pk"))
    services.complete_task(people["squad"], rows[0], Decision.REJECT, "不同意")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and instance.outcome == Decision.REJECT


def test_auto_skip_same_approver(people, tree):
    instance = start(people, tree, {"assignee_Task_BrigadeApprove": people["squad"].pk})
    services.complete_task(people["squad"], open_task(instance), Decision.APPROVE, "")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    skipped = instance.tasks.get(spec_name="Task_BrigadeApprove")
    assert skipped.auto_skipped and skipped.completed_by == people["squad"]


def test_auto_skip_can_be_turned_off(people, tree):
    xml = sample_xml(**{'isExecutable="true"': 'isExecutable="true" teis:autoSkip="false"'})
    assert not services.do_save_definition(None, KEY, xml).auto_skip
    instance = start(people, tree, {"assignee_Task_BrigadeApprove": people["squad"].pk})
    services.complete_task(people["squad"], open_task(instance), Decision.APPROVE, "")
    assert open_task(instance).assignee == people["squad"]


def test_substitute_sees_and_acts(people, tree, make_user):
    sub = make_user("field_officer", "squad2", username="deputy")
    now = timezone.now()
    services.do_set_substitute(
        people["squad"], people["squad"], sub, now - dt.timedelta(hours=1), now + dt.timedelta(days=3)
    )
    instance = start(people, tree)
    wt = open_task(instance)
    assert wt in services.todo_tasks(sub)
    assert TodoItem.objects.filter(source_key=f"wf:{wt.pk}", user=sub).exists()
    services.complete_task(sub, wt, Decision.APPROVE, "代为审核")
    wt.refresh_from_db()
    assert wt.completed_by == sub and wt.assignee == people["squad"]
    # outside the period the substitute has nothing
    Substitute.objects.update(end=now - dt.timedelta(minutes=1))
    assert not services.todo_tasks(sub).exists()
    with pytest.raises(ServiceError):
        services.do_set_substitute(people["squad"], people["squad"], people["squad"], now, now + dt.timedelta(days=1))


# --- deadlines ---------------------------------------------------------------------------------------------------


def test_deadlines_reminder_and_escalation(people, tree):
    instance = start(people, tree)
    wt = open_task(instance)
    due_day = add_workdays(timezone.localtime(wt.created_at), 3)
    assert timezone.localtime(wt.due_at).date() == due_day
    assert services.deadline_after(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)  # National Day holidays
    assert services.deadline_after(dt.date(2025, 1, 1), calendar_days=90) == dt.date(2025, 4, 1)
    # a time just after local midnight counts from the local day, not UTC's (the day before)
    just_after_midnight = dt.datetime(2025, 1, 1, 17, 0, tzinfo=dt.UTC)  # 2025-01-02 01:00 in Shanghai
    assert services.deadline_after(just_after_midnight, calendar_days=90) == dt.date(2025, 4, 2)
    # two working days before: nothing
    early = timezone.make_aware(dt.datetime.combine(add_workdays(due_day, -2), dt.time(9)))
    assert services.check_deadlines(early) == {"reminded": 0, "escalated": 0}
    # one working day before: a reminder to each candidate, once
    day_before = timezone.make_aware(dt.datetime.combine(add_workdays(due_day, -1), dt.time(9)))
    assert services.check_deadlines(day_before) == {"reminded": 1, "escalated": 0}
    reminder = Notification.objects.get(user=people["squad"], title__startswith="即将到期")
    # the deadline in the notice is the corps' local time (23:59 in Shanghai), not UTC's 15:59
    local_due = timezone.localtime(wt.due_at, dt.timezone(dt.timedelta(hours=8)))
    assert reminder.body == f"办理期限 {local_due:%Y-%m-%d %H:%M}"
    assert wt.due_at.astimezone(dt.UTC).hour != local_due.hour
    assert services.check_deadlines(day_before)["reminded"] == 0
    # past the deadline: escalated to the brigade leader (squad_leader → brigade_leader), once
    late = wt.due_at + dt.timedelta(hours=1)
    assert services.check_deadlines(late) == {"reminded": 0, "escalated": 1}
    assert TodoItem.objects.filter(user=people["brigade"], source_key=f"wf:{wt.pk}:escalation").exists()
    assert Notification.objects.filter(user=people["brigade"], level="alarm").exists()
    assert services.check_deadlines(late)["escalated"] == 0


def test_deadline_job_is_recorded(people, tree):
    from teis.core.jobs import PERIODIC, run_recorded
    from teis.core.models import JobRun
    from teis.workflow import tasks

    assert "teis.workflow.tasks.workflow_deadlines" in PERIODIC
    run_recorded("teis.workflow.tasks.workflow_deadlines", tasks.workflow_deadlines.func.__wrapped__)
    assert JobRun.objects.get(name="teis.workflow.tasks.workflow_deadlines").ok


# --- pages and API --------------------------------------------------------------------------------------------------


def test_inbox_pages(people, tree):
    instance = start(people, tree)
    client = logged_in_client(people["squad"])
    r = client.get("/workflow/inbox/")
    assert r.status_code == 200 and "测试案件" in r.content.decode()
    wt = open_task(instance)
    r = client.get(f"/workflow/tasks/{wt.pk}/")
    assert r.status_code == 200 and "同意" in r.content.decode() and "办理记录" in r.content.decode()
    r = client.post(f"/workflow/tasks/{wt.pk}/complete/", {"decision": "approve", "opinion": "好"})
    assert r.status_code == 302
    r = client.get("/workflow/inbox/?tab=done")
    assert "测试案件" in r.content.decode()
    assert "测试案件" in logged_in_client(people["officer"]).get("/workflow/inbox/?tab=started").content.decode()
    assert client.get("/workflow/inbox/?due_before=xx").status_code == 400
    # someone else's task: 403 with the reason on the page
    r = logged_in_client(people["brigade"]).post(f"/workflow/tasks/{wt.pk}/complete/", {"decision": "approve"})
    assert r.status_code == 400  # already done: task_taken
    nxt = open_task(instance)
    r = logged_in_client(people["brigade2"]).get(f"/workflow/tasks/{nxt.pk}/")
    assert r.status_code == 404  # outside scope


def test_api_tasks(people, tree):
    instance = start(people, tree)
    wt = open_task(instance)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people["squad"])
    r = api.get("/api/v1/workflow/tasks/")
    assert r.status_code == 200 and [t["id"] for t in r.json()["results"]] == [wt.pk]
    assert api.get("/api/v1/workflow/tasks/?due_before=nope").status_code == 400
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "maybe"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {}, format="json")
    assert r.status_code == 400 and "审批结论" in r.json()["message"]
    # not yours: 403 with the reason (the brigade leader sees the instance but is not a candidate)
    other = APIClient()
    other.force_authenticate(people["brigade"])
    r = other.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "not_your_task" and "中队长" in r.json()["message"]
    # outside scope: 404
    far = APIClient()
    far.force_authenticate(people["brigade2"])
    assert far.post(f"/api/v1/workflow/tasks/{wt.pk}/claim/", {}, format="json").status_code == 404
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/claim/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "claimed"
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve", "opinion": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "completed"
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "task_taken" and r.json()["message"] == "该任务已被他人处理"
    assert api.get("/api/v1/workflow/tasks/?tab=done").json()["count"] == 1


def test_inbox_query_count_constant(people, tree):
    def queries(n):
        WorkTask.objects.all().delete()
        ProcessInstance.objects.all().delete()
        for _ in range(n):
            start(people, tree)
        client = logged_in_client(people["squad"])
        client.get("/workflow/inbox/")
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/workflow/inbox/?tab=todo")
        assert r.status_code == 200
        return len(ctx.captured_queries)

    assert queries(10) == queries(50)


# --- concurrency (PostgreSQL) ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_completion_one_wins(people, tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are tested on PostgreSQL")
    instance = start(people, tree)
    wt = open_task(instance)
    barrier = threading.Barrier(2)
    results = []

    def worker(user):
        try:
            barrier.wait()
            services.complete_task(user, WorkTask.objects.get(pk=wt.pk), Decision.APPROVE, "")
            results.append("ok")
        except ServiceError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(u,)) for u in (people["squad"], people["squad_b"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "task_taken"]
    assert WorkTask.objects.filter(instance=instance, spec_name="Task_BrigadeApprove").count() == 1
    instance.refresh_from_db()
    assert instance.lock_version >= 2


def test_a_posted_todo_always_opens_its_task(people, tree):
    """The inbox link of a todo the engine posted opens the task, even for a user outside the instance's scope
    and candidate unit (e.g. a substitute in another unit); once the todo is closed, it is a 404 again."""
    from django.http import Http404

    instance = start(people, tree)
    wt = open_task(instance)
    outsider = people["other_squad"]
    with pytest.raises(Http404):
        services.access_task(outsider, wt.pk)
    todo = TodoItem.objects.create(user=outsider, title="t", category="流程", url=f"/workflow/tasks/{wt.pk}/",
                                   source_key=f"wf:{wt.pk}")  # fmt: skip
    assert services.access_task(outsider, wt.pk) == wt
    todo.status = TodoStatus.DONE
    todo.save()
    with pytest.raises(Http404):
        services.access_task(outsider, wt.pk)
