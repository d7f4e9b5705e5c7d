"""Dispatch's approvals are workflow definitions (`dispatch/processes/`): a submitted plan or a saved request waits
in the approver's 待办 inbox, the decision is written on the object when the process ends — whichever path decided
it (the object's page, the API action, the inbox) —, and an approval chain changes by configuration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.testing import logged_in_client
from teis.dispatch.choices import ApprovalStatus, PlanStatus
from teis.dispatch.models import CrossDistrictRequest, DutyPlan, DutyTask, NonDutyUse, PatrolVehicle
from teis.dispatch.services import approvals, duty
from teis.workflow import services as wf
from teis.workflow.choices import InstanceStatus, TaskStatus
from teis.workflow.models import WorkTask


@pytest.fixture
def people(make_user):
    return {
        "squad": make_user("squad_leader", "squad1"),
        "officer": make_user("field_officer", "squad1"),
        "leader": make_user("brigade_leader", "brigade1"),
        "other_leader": make_user("brigade_leader", "brigade2"),
    }


def _plan(tree, people, title="早班勤务"):
    from teis.core.services import generic_service

    plan = generic_service.do_create(people["squad"], DutyPlan, {"unit": tree["squad1"], "title": title})
    now = timezone.now()
    DutyTask.objects.create(
        plan=plan, unit=tree["squad1"], title="火车站巡查", start_at=now, end_at=now + dt.timedelta(hours=8)
    )
    return plan


def _waiting(obj) -> WorkTask:
    task = approvals.open_task(obj)
    assert task is not None, "no approval task waits on the object"
    return task


def test_a_submitted_plan_waits_in_the_brigade_leaders_inbox_and_the_inbox_decides_it(tree, people):
    plan = _plan(tree, people)
    duty.do_submit_plan(people["squad"], plan)
    task = _waiting(plan)
    assert task.instance.definition.key == "dispatch_duty_plan"
    assert (task.role, task.candidate_unit) == ("brigade_leader", tree["brigade1"])
    assert approvals.approvers(plan) == [people["leader"]]
    assert wf.todo_tasks(people["leader"]).filter(pk=task.pk).exists()
    assert not wf.todo_tasks(people["other_leader"]).filter(pk=task.pk).exists()

    wf.complete_task(people["leader"], task, "approve", "同意，注意早高峰")  # the 待办 inbox's step form

    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_by == people["leader"] and plan.opinion == "同意，注意早高峰"
    assert abs((plan.approved_at - timezone.now()).total_seconds()) < 60
    assert task.instance.__class__.objects.get(pk=task.instance_id).status == InstanceStatus.COMPLETED


def test_a_returned_plan_goes_back_to_its_squad_and_a_new_submission_starts_a_new_approval(tree, people):
    plan = _plan(tree, people)
    duty.do_submit_plan(people["squad"], plan)
    first = _waiting(plan)
    wf.complete_task(people["leader"], first, "reject", "警力不足，请补充")
    plan.refresh_from_db()
    assert (plan.status, plan.opinion, plan.approved_by) == (PlanStatus.REJECTED, "警力不足，请补充", people["leader"])

    duty.do_submit_plan(people["squad"], plan)
    second = _waiting(plan)
    assert second.instance_id != first.instance_id
    duty.do_decide_plan(people["leader"], plan, approve=True, opinion="同意")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED


def test_only_the_approver_the_diagram_names_may_decide_on_page_and_api(tree, people):
    plan = _plan(tree, people)
    duty.do_submit_plan(people["squad"], plan)
    # a brigade leader of another brigade holds the permission, but the process offers the task to 第一大队
    outsider = people["other_leader"]
    outsider.officer.unit = tree["brigade1"].parent  # the detachment sees the plan (subtree) but is not offered it
    outsider.officer.save(update_fields=["unit"])
    client = logged_in_client(outsider)
    resp = client.post(f"/api/v1/dispatch/dutyplans/{plan.pk}/approve/", {"opinion": "同意"}, "application/json")
    assert resp.status_code == 400, resp.content
    assert "该任务不属于您" in resp.json()["message"] and "第一大队" in resp.json()["message"]
    page = client.get(f"/dispatch/plans/{plan.pk}/").content.decode()
    assert 'id="approve-plan"' not in page
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED

    client = logged_in_client(people["leader"])
    assert 'id="approve-plan"' in client.get(f"/dispatch/plans/{plan.pk}/").content.decode()
    resp = client.post(f"/api/v1/dispatch/dutyplans/{plan.pk}/approve/", {"opinion": "同意"}, "application/json")
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == PlanStatus.APPROVED and resp.json()["approved_by"] == people["leader"].pk


def test_a_non_duty_use_saved_through_the_api_is_approved_by_its_brigade_and_clears_the_vehicle(tree, people):
    vehicle = PatrolVehicle.objects.create(plate="沪A88888", unit=tree["squad1"])
    now = timezone.now()
    client = logged_in_client(people["squad"])
    body = {
        "unit": tree["squad1"].pk,
        "vehicle": vehicle.pk,
        "reason": "车辆保养",
        "start_at": (now - dt.timedelta(hours=1)).isoformat(),
        "end_at": (now + dt.timedelta(hours=3)).isoformat(),
        "status": "approved",  # not writable: the decision is the approver's
        "decided_by": people["leader"].pk,
    }
    resp = client.post("/api/v1/dispatch/nondutyuses/", body, "application/json")
    assert resp.status_code == 201, resp.content
    use = NonDutyUse.objects.get(pk=resp.json()["id"])
    assert (use.status, use.decided_by) == (ApprovalStatus.PENDING, None)
    assert vehicle.pk not in duty.vehicles_cleared_to_drive([vehicle.pk], now)
    task = _waiting(use)
    assert (task.instance.definition.key, task.candidate_unit) == ("dispatch_non_duty_use", tree["brigade1"])

    resp = logged_in_client(people["leader"]).post(
        f"/api/v1/dispatch/nondutyuses/{use.pk}/approve/", {"opinion": "同意"}, "application/json"
    )
    assert resp.status_code == 200, resp.content
    use.refresh_from_db()
    assert (use.status, use.decided_by, use.opinion) == (ApprovalStatus.APPROVED, people["leader"], "同意")
    assert vehicle.pk in duty.vehicles_cleared_to_drive([vehicle.pk], now)


def test_withdrawing_a_pending_request_ends_its_approval(tree, people):
    from teis.core.registry import registry

    now = timezone.now()
    service = registry.get("dispatch.crossdistrictrequest").service
    req = service.do_create(
        people["squad"],
        CrossDistrictRequest,
        {"unit": tree["squad1"], "target_region": "闵行区", "reason": "联合执法", "start_at": now, "end_at": now},
    )
    task = _waiting(req)
    assert wf.todo_tasks(people["leader"]).filter(pk=task.pk).exists()
    service.do_delete(people["squad"], req)
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    assert task.instance.__class__.objects.get(pk=task.instance_id).status == InstanceStatus.CANCELLED
    assert not wf.todo_tasks(people["leader"]).filter(pk=task.pk).exists()


def test_a_request_pending_from_before_the_processes_is_decided_by_its_brigade_leader(tree, people):
    now = timezone.now()
    legacy = CrossDistrictRequest.objects.create(
        unit=tree["squad1"], target_region="徐汇区", reason="支援", start_at=now, end_at=now
    )
    assert approvals.open_task(legacy) is None and approvals.may_decide(people["leader"], legacy)
    duty.do_decide_cross_district(people["leader"], legacy, approve=False, opinion="区域无需支援")
    legacy.refresh_from_db()
    assert (legacy.status, legacy.decided_by, legacy.opinion) == (
        ApprovalStatus.REJECTED,
        people["leader"],
        "区域无需支援",
    )


def test_a_second_approval_level_is_configuration_not_code(tree, people, make_user):
    """The corps adds the command centre's approval after the brigade's by saving a new version of the diagram."""
    from pathlib import Path

    command = make_user("command_center", "corps")
    path = Path(approvals.__file__).resolve().parent.parent / "processes" / "dispatch_non_duty_use.bpmn"
    xml = path.read_text(encoding="utf-8")
    two_levels = xml.replace(
        '<bpmn:sequenceFlow id="Flow_Approve" name="同意" sourceRef="Gateway_Decision" targetRef="End_Approved" />',
        '<bpmn:sequenceFlow id="Flow_Approve" name="同意" sourceRef="Gateway_Decision" targetRef="Task_Command" />'
        '<bpmn:userTask id="Task_Command" name="指挥中心审批" teis:unit="corps">'
        "<bpmn:incoming>Flow_Approve</bpmn:incoming><bpmn:outgoing>Flow_Command</bpmn:outgoing></bpmn:userTask>"
        '<bpmn:exclusiveGateway id="Gateway_Command" default="Flow_Command_Yes">'
        "<bpmn:incoming>Flow_Command</bpmn:incoming><bpmn:outgoing>Flow_Command_Yes</bpmn:outgoing>"
        "<bpmn:outgoing>Flow_Command_No</bpmn:outgoing></bpmn:exclusiveGateway>"
        '<bpmn:sequenceFlow id="Flow_Command" sourceRef="Task_Command" targetRef="Gateway_Command" />'
        '<bpmn:sequenceFlow id="Flow_Command_Yes" sourceRef="Gateway_Command" targetRef="End_Approved" />'
        '<bpmn:sequenceFlow id="Flow_Command_No" sourceRef="Gateway_Command" targetRef="End_Rejected">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision != &quot;approve&quot;'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>",
    )
    two_levels = two_levels.replace(
        '<bpmn:lane id="Lane_approve" name="brigade_leader">',
        '<bpmn:lane id="Lane_command" name="command_center"><bpmn:flowNodeRef>Task_Command</bpmn:flowNodeRef>'
        "<bpmn:flowNodeRef>Gateway_Command</bpmn:flowNodeRef></bpmn:lane>"
        '<bpmn:lane id="Lane_approve" name="brigade_leader">',
    )
    two_levels = two_levels.replace(
        '<bpmn:endEvent id="End_Approved" name="批准">\n      <bpmn:incoming>Flow_Approve</bpmn:incoming>',
        '<bpmn:endEvent id="End_Approved" name="批准">\n      <bpmn:incoming>Flow_Command_Yes</bpmn:incoming>',
    )
    assert two_levels != xml
    wf.do_save_definition(None, "dispatch_non_duty_use", two_levels, source="test")

    vehicle = PatrolVehicle.objects.create(plate="沪A77777", unit=tree["squad1"])
    now = timezone.now()
    from teis.core.registry import registry

    service = registry.get("dispatch.nondutyuse").service
    use = service.do_create(
        people["squad"],
        NonDutyUse,
        {"unit": tree["squad1"], "vehicle": vehicle, "reason": "送修", "start_at": now, "end_at": now},
    )
    duty.do_decide_non_duty_use(people["leader"], use, approve=True, opinion="同意")
    use.refresh_from_db()
    assert use.status == ApprovalStatus.PENDING  # the brigade approved; the command centre has not yet
    assert approvals.approvers(use) == [command]
    assert not approvals.may_decide(people["leader"], use)
    duty.do_decide_non_duty_use(command, use, approve=True, opinion="同意送修")
    use.refresh_from_db()
    assert (use.status, use.decided_by, use.opinion) == (ApprovalStatus.APPROVED, command, "同意送修")
