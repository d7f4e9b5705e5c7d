"""The probes of issue 15 (platform integrity), as regression tests: the API cannot write what the pages hide,
the duty rules hold on every path (page, generic page, API), and an object outside the scope is a 404."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body
from teis.dispatch.choices import AlarmKind, ApprovalStatus, PlanStatus
from teis.dispatch.models import Alarm, DutyFeedback, DutyPlan, DutyTask, NonDutyUse
from teis.dispatch.services.duty import vehicles_cleared_to_drive

pytestmark = pytest.mark.django_db
API = "/api/v1/dispatch/"


def _plan(unit, status=PlanStatus.DRAFT, title="早班"):
    return DutyPlan.objects.create(unit=unit, title=title, status=status, date=timezone.localdate())


def _task(plan):
    now = timezone.now()
    return DutyTask.objects.create(
        plan=plan, unit=plan.unit, title="巡查", start_at=now, end_at=now + dt.timedelta(hours=2)
    )


def test_officer_cannot_post_an_approved_non_duty_use(fleet, make_user, tree):
    """Probe 1: status and decided_by are read-only: the report is stored pending, by nobody's decision."""
    leader = make_user("brigade_leader", "brigade1")
    officer = make_user("field_officer", "squad1")
    now = timezone.now()
    data = {
        "unit": tree["squad1"].pk,
        "vehicle": fleet["car1"].pk,
        "reason": "送修",
        "start_at": (now - dt.timedelta(minutes=5)).isoformat(),
        "end_at": (now + dt.timedelta(hours=2)).isoformat(),
        "status": "approved",
        "decided_by": leader.pk,
        "decided_at": now.isoformat(),
        "opinion": "同意",
    }
    resp = logged_in_client(officer).post(API + "nondutyuses/", data, content_type="application/json")
    assert resp.status_code == 201, resp.content
    report = NonDutyUse.objects.get(pk=resp.json()["id"])
    assert report.status == ApprovalStatus.PENDING
    assert report.decided_by is None and report.decided_at is None and report.opinion == ""
    # and so it clears no vehicle of its 未登录行驶 alarm
    assert fleet["car1"].pk not in vehicles_cleared_to_drive([fleet["car1"].pk], now)


def test_api_schema_marks_rule_fields_read_only(make_user):
    """The OpenAPI request body of a generic model has no status / decision fields."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    request_props = schema["components"]["schemas"]["NonDutyUseRequest"]["properties"]
    assert {"unit", "vehicle", "reason", "start_at", "end_at"} <= set(request_props)
    assert not {"status", "decided_by", "decided_at", "opinion"} & set(request_props)
    assert "status" in schema["components"]["schemas"]["NonDutyUse"]["properties"]  # still shown on read


def test_squad_leader_cannot_patch_own_plan_to_approved(make_user, tree):
    """Probe 2: a PATCH of status is ignored (read-only); a submitted plan cannot be edited at all."""
    squad = logged_in_client(make_user("squad_leader", "squad1"))
    plan = _plan(tree["squad1"])
    resp = squad.patch(API + f"dutyplans/{plan.pk}/", {"status": "approved"}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT and plan.approved_by is None

    plan.status = PlanStatus.SUBMITTED
    plan.save(update_fields=["status"])
    body = assert_error_body(
        squad.patch(API + f"dutyplans/{plan.pk}/", {"title": "改"}, content_type="application/json"), 400, "bad_state"
    )
    assert "待审批" in body["message"]
    assert_error_body(squad.delete(API + f"dutyplans/{plan.pk}/"), 400, "bad_state")
    plan.refresh_from_db()
    assert plan.title == "早班"
    # the generic pages refuse too, with the same message, and write nothing
    from django.urls import reverse

    resp = squad.post(reverse("dispatch:dutyplan_edit", args=[plan.pk]), {"unit": plan.unit_id, "title": "改"})
    assert resp.status_code == 302 and resp.url == reverse("dispatch:dutyplan_detail", args=[plan.pk])
    resp = squad.get(resp.url)
    assert "当前状态为“待审批”，不能修改" in resp.content.decode()
    resp = squad.post(reverse("dispatch:dutyplan_delete", args=[plan.pk]))
    assert DutyPlan.objects.filter(pk=plan.pk, title="早班").exists()


def test_feedback_on_unapproved_plan_is_refused_everywhere(make_user, tree):
    """Probe 3a: the rule lives in the service, so the feedback page, the generic page and the API refuse it."""
    from django.urls import reverse

    officer = logged_in_client(make_user("field_officer", "squad1"))
    task = _task(_plan(tree["squad1"], PlanStatus.SUBMITTED))
    data = {"task": task.pk, "unit": tree["squad1"].pk, "content": "巡查正常", "overtime_hours": "0"}
    body = assert_error_body(officer.post(API + "dutyfeedbacks/", data, content_type="application/json"), 400)
    assert body["message"] == "勤务计划尚未批准，不能反馈。"
    counts = {"checked_vehicles": 0, "checked_operators": 0, "cases_found": 0}
    resp = officer.post(reverse("dispatch:dutyfeedback_add"), {**data, **counts})
    assert resp.status_code == 400 and "勤务计划尚未批准，不能反馈。" in resp.content.decode()
    resp = officer.post(
        reverse("dispatch:feedback_for_task", args=[task.pk]),
        {"content": "巡查正常", "overtime_hours": "0", **counts},
        follow=True,
    )
    assert "勤务计划尚未批准，不能反馈。" in resp.content.decode()
    assert not DutyFeedback.objects.exists()


def test_task_on_approved_plan_is_refused_everywhere(make_user, tree):
    """Probe 3b: a task cannot be added to (or changed in) an approved plan by any path."""
    from django.urls import reverse

    squad = logged_in_client(make_user("squad_leader", "squad1"))
    plan = _plan(tree["squad1"], PlanStatus.APPROVED)
    now = timezone.localtime()
    data = {
        "plan": plan.pk,
        "unit": tree["squad1"].pk,
        "task_type": "daily",
        "title": "加塞任务",
        "start_at": now.isoformat(),
        "end_at": (now + dt.timedelta(hours=1)).isoformat(),
    }
    body = assert_error_body(squad.post(API + "dutytasks/", data, content_type="application/json"), 400, "bad_state")
    assert "请先调整计划" in body["message"]
    page = {
        **data,
        "start_at": now.strftime("%Y-%m-%d %H:%M"),
        "end_at": (now + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
    }
    resp = squad.post(reverse("dispatch:dutytask_add"), page)
    assert resp.status_code == 400 and "请先调整计划" in resp.content.decode()
    assert not DutyTask.objects.filter(title="加塞任务").exists()
    existing = _task(plan)
    assert_error_body(
        squad.patch(API + f"dutytasks/{existing.pk}/", {"title": "改"}, content_type="application/json"), 400
    )
    assert_error_body(squad.delete(API + f"dutytasks/{existing.pk}/"), 400)
    assert DutyTask.objects.filter(pk=existing.pk, title="巡查").exists()


def test_out_of_scope_alarm_acknowledge_is_404(fleet, make_user):
    """Probe 4: the access helper answers 404 like the generic GET, not a 400."""
    alarm = Alarm.objects.create(
        kind=AlarmKind.OUT_OF_AREA,
        vehicle=fleet["car3"],
        unit=fleet["car3"].unit,
        started_at=timezone.now(),
        message="越界",
    )
    squad = logged_in_client(make_user("squad_leader", "squad1"))
    assert_error_body(squad.get(API + f"alarms/{alarm.pk}/"), 404, "not_found")
    resp = squad.post(API + f"alarms/{alarm.pk}/acknowledge/", {"note": "已处理"}, content_type="application/json")
    assert_error_body(resp, 404, "not_found")
    alarm.refresh_from_db()
    assert alarm.acknowledged_at is None


def test_user_choices_are_scoped(make_user, tree):
    """A user out of the actor's scope cannot be named (here as the 带班领导 of a 领导带班 record)."""
    squad = logged_in_client(make_user("squad_leader", "squad1"))
    stranger = make_user("brigade_leader", "brigade2")
    data = {"unit": tree["squad1"].pk, "date": timezone.localdate().isoformat(), "leader": stranger.pk}
    body = assert_error_body(squad.post(API + "leaderondutys/", data, content_type="application/json"), 400)
    assert "leader" in body["fields"]
