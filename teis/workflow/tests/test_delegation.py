"""委派 (delegate / resolve) as opposed to 转办 (reassign): service, task page and API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from teis.audit.models import AuditRecord
from teis.core.models import TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.workflow import services
from teis.workflow.choices import Decision, TaskKind, TaskStatus
from teis.workflow.models import ProcessInstance, WorkTask

from .test_engine import open_task, start


def active(instance):
    return list(instance.tasks.filter(status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]).order_by("pk"))


def test_delegate_comes_back_to_the_owner_to_confirm(people, tree, make_user):
    instance = start(people, tree)
    wt = open_task(instance)
    helper = make_user("field_officer", "squad1", username="helper1")
    added = services.delegate(people["squad"], wt, helper.username, "请核实后提出意见")
    assert added.kind == TaskKind.DELEGATE and added.assignee == helper and added.added_by == people["squad"]
    owner_row = WorkTask.objects.get(pk=wt.pk)
    assert owner_row.status == TaskStatus.SUSPENDED and owner_row.assignee == people["squad"]
    assert ProcessInstance.objects.get(pk=instance.pk).assignee_user == helper
    assert TodoItem.objects.filter(source_key=f"wf:{added.pk}", user=helper, status=TodoStatus.OPEN).exists()
    assert not TodoItem.objects.filter(source_key=f"wf:{wt.pk}", status=TodoStatus.OPEN).exists()
    # the owner cannot complete while the delegate works it
    with pytest.raises(ServiceError) as exc:
        services.complete_task(people["squad"], owner_row, Decision.APPROVE, "")
    assert exc.value.code == "task_taken"
    # the delegate resolves: the process does not move, the task is the owner's again
    services.complete_task(helper, added, Decision.APPROVE, "经核实，违法事实清楚")
    owner_row.refresh_from_db()
    assert owner_row.status == TaskStatus.CLAIMED and owner_row.assignee == people["squad"]
    assert [r.spec_name for r in active(instance)] == ["Task_SquadReview"]
    assert TodoItem.objects.filter(source_key=f"wf:{wt.pk}", user=people["squad"], status=TodoStatus.OPEN).exists()
    assert services.delegated_back(owner_row).opinion == "经核实，违法事实清楚"
    # the owner confirms: now the process moves
    services.complete_task(people["squad"], owner_row, Decision.APPROVE, "同意")
    assert open_task(instance).spec_name == "Task_BrigadeApprove"
    history = [(t.name, t.kind, t.completed_by.username) for t in services.history(instance) if t.completed_by]
    assert history == [
        ("中队审核", TaskKind.NORMAL, "squad1lead"),
        ("中队审核（委派）", TaskKind.DELEGATE, "helper1"),
    ]
    ops = list(
        AuditRecord.objects.filter(detail__operation__in=["workflow.delegate", "workflow.resolve"])
        .order_by("pk")
        .values_list("detail__operation", flat=True)
    )
    assert ops == ["workflow.delegate", "workflow.resolve"]


def test_reassign_is_for_good_unlike_delegate(people, tree, make_user):
    instance = start(people, tree)
    wt = open_task(instance)
    helper = make_user("field_officer", "squad1", username="helper2")
    services.reassign(people["squad"], wt, helper.username)
    services.complete_task(helper, WorkTask.objects.get(pk=wt.pk), Decision.APPROVE, "")
    # 转办: the helper's completion moved the process; nothing came back to the squad leader
    assert open_task(instance).spec_name == "Task_BrigadeApprove"


def test_delegate_rules(people, tree, make_user):
    instance = start(people, tree)
    wt = open_task(instance)
    with pytest.raises(ServiceError, match="数据权限范围"):
        services.delegate(people["squad"], wt, people["other_squad"].username)
    with pytest.raises(ServiceError, match="不能委派给自己"):
        services.delegate(people["squad"], wt, people["squad"].username)
    with pytest.raises(ServiceError) as exc:
        services.delegate(people["officer"], wt, people["squad_b"].username)  # not the officer's task
    assert exc.value.code == "not_your_task"
    helper = make_user("field_officer", "squad1", username="helper3")
    added = services.delegate(people["squad"], wt, helper.username)
    with pytest.raises(ServiceError, match="不能再委派"):
        services.delegate(helper, added, people["squad_b"].username)
    with pytest.raises(ServiceError, match="不能驳回"):
        services.return_task(helper, added, None, "退回")
    with pytest.raises(ServiceError, match="不能再加签"):
        services.add_approver(helper, added, people["squad_b"].username, before=True)


def test_delegate_on_the_task_page(people, tree, make_user):
    instance = start(people, tree)
    wt = open_task(instance)
    helper = make_user("field_officer", "squad1", username="helper4")
    squad = logged_in_client(people["squad"])
    page = squad.get(f"/workflow/tasks/{wt.pk}/").content.decode()
    assert "委派" in page and "对方办理后任务交回您确认" in page
    r = squad.post(f"/workflow/tasks/{wt.pk}/delegate/", {"user": "nobody"})
    assert r.status_code == 400 and "所选人员不存在或已停用" in r.content.decode()
    assert squad.post(f"/workflow/tasks/{wt.pk}/delegate/", {"user": helper.username}).status_code == 302
    added = WorkTask.objects.get(kind=TaskKind.DELEGATE)
    helper_client = logged_in_client(helper)
    page = helper_client.get(f"/workflow/tasks/{added.pk}/").content.decode()
    lead_name = people["squad"].officer.name  # people by name, never by login
    assert 'id="delegate-note"' in page and f"交回 {lead_name} 确认" in page and "驳回</button>" not in page
    assert "squad1lead" not in page
    r = helper_client.post(f"/workflow/tasks/{added.pk}/complete/", {"decision": "approve", "opinion": "建议同意"})
    assert r.status_code == 302
    page = squad.get(f"/workflow/tasks/{wt.pk}/").content.decode()
    assert 'id="delegate-back"' in page and "建议同意" in page
    # the history on the page shows the delegation
    assert f"委派自 {lead_name}" in page


def test_delegate_api(people, tree, make_user):
    instance = start(people, tree)
    wt = open_task(instance)
    helper = make_user("field_officer", "squad1", username="helper5")
    api = APIClient()
    api.force_authenticate(people["squad"])
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/delegate/", {}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid"
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/delegate/", {"user": people["other_squad"].username}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "out_of_scope"
    r = api.post(
        f"/api/v1/workflow/tasks/{wt.pk}/delegate/", {"user": helper.username, "opinion": "请核实"}, format="json"
    )
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "delegate" and body["assignee"] == helper.pk and body["parent_task"] == wt.pk
    mine = APIClient()
    mine.force_authenticate(helper)
    assert [t["id"] for t in mine.get("/api/v1/workflow/tasks/").json()["results"]] == [body["id"]]
    r = mine.post(
        f"/api/v1/workflow/tasks/{body['id']}/complete/", {"decision": "approve", "opinion": "可"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "completed"
    assert [t["id"] for t in api.get("/api/v1/workflow/tasks/").json()["results"]] == [wt.pk]
    r = api.post(f"/api/v1/workflow/tasks/{wt.pk}/complete/", {"decision": "approve"}, format="json")
    assert r.status_code == 200
    assert open_task(instance).spec_name == "Task_BrigadeApprove"
