"""The handling flow on the workflow engine: 受理 → 批示 → 派发 → 处理 (转办 / 退回) → 结案 (退回重办) → 回访, the
water variant, refusals (wrong person, out-of-reach transfer) leaving nothing half-written."""

from __future__ import annotations

import pytest

from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.petitions.choices import PetitionStatus
from teis.petitions.models import Petition
from teis.petitions.services import flow
from teis.workflow.choices import TaskStatus

pytestmark = pytest.mark.django_db


def _advance_to_handling(people, petition, unit_key="squad1"):
    petition = flow.do_accept(people.registrar, petition, accept=True)
    petition = flow.do_instruct(people.leader, petition, instruction="请第一中队核查处理")
    return flow.do_dispatch(people.registrar, petition, unit=people.tree[unit_key])


def test_full_flow(people, register):
    p = register()
    assert p.status == PetitionStatus.REGISTERED and p.current_step == "登记受理"
    assert p.process.definition.key == "petition_general"
    p = flow.do_accept(people.registrar, p, accept=True)
    assert p.status == PetitionStatus.INSTRUCTING and p.accepted_at
    p = flow.do_instruct(people.leader, p, instruction="请尽快核查")
    assert p.status == PetitionStatus.DISPATCHING and p.instruction == "请尽快核查"
    p = flow.do_dispatch(people.registrar, p, unit=people.tree["squad1"])
    assert p.status == PetitionStatus.HANDLING and p.unit == people.tree["squad1"]
    task = flow.active_tasks(p)[0]
    assert task.candidate_unit == people.tree["squad1"] and task.role == "squad_leader"
    assert flow.available_actions(people.squad1, p) == {"Task_Handle"}
    assert flow.available_actions(people.squad2, p) == set()
    p = flow.do_handle(people.squad1, p, result="已约谈驾驶员并立案处罚")
    assert p.status == PetitionStatus.CLOSING
    p = flow.do_close(people.registrar, p, approve=True)
    assert p.status == PetitionStatus.VISITING and p.closed_at and p.closed_in_time is True
    p = flow.do_visit(people.registrar, p, satisfaction="satisfied", note="反映人表示满意")
    assert p.status == PetitionStatus.CLOSED and p.satisfaction == "satisfied"
    assert p.current_step == ""
    ops = set(
        AuditRecord.objects.filter(object_id=str(p.pk), object_type="petitions.petition").values_list(
            "detail__operation", flat=True
        )
    )
    assert {"petition.register", "petition.accept", "petition.dispatch", "petition.handle", "petition.visit"} <= ops


def test_not_accepted_needs_reason(people, register):
    p = register()
    with pytest.raises(ServiceError) as err:
        flow.do_accept(people.registrar, p, accept=False)
    assert err.value.fields == {"opinion": ["请填写不予受理理由"]}
    p = flow.do_accept(people.registrar, p, accept=False, opinion="不属于本部门职责")
    assert p.status == PetitionStatus.NOT_ACCEPTED


def test_wrong_person_is_refused(people, register):
    p = register()
    with pytest.raises(ServiceError) as err:
        flow.do_accept(people.squad1, p, accept=True)
    assert err.value.code == "not_your_task"
    with pytest.raises(ServiceError) as err:
        flow.do_handle(people.squad1, p, result="x")
    assert err.value.code == "wrong_step"


def test_transfer_and_return(people, register):
    p = _advance_to_handling(people, register())
    p = flow.do_transfer(people.squad1, p, unit=people.tree["squad2"], reason="属第二中队辖区")
    assert p.unit == people.tree["squad2"] and p.status == PetitionStatus.HANDLING
    assert flow.available_actions(people.squad2, p) == {"Task_Handle"}
    assert flow.available_actions(people.squad1, p) == set()
    p = flow.do_return(people.squad2, p, reason="非本单位职责")
    assert p.status == PetitionStatus.DISPATCHING and p.unit == people.tree["corps"]
    p = flow.do_dispatch(people.registrar, p, unit=people.tree["squad3"])
    assert flow.available_actions(people.squad3, p) == {"Task_Handle"}
    names = [t.name for t in p.process.tasks.filter(status=TaskStatus.COMPLETED).order_by("pk")]
    assert names.count("承办处理") == 2 and names.count("派发") == 2


def test_transfer_out_of_reach_is_refused_and_nothing_changes(people, register):
    p = _advance_to_handling(people, register())
    before = AuditRecord.objects.count()
    with pytest.raises(ServiceError) as err:
        flow.do_transfer(people.squad1, p, unit=people.tree["squad3"], reason="转第三中队")
    assert err.value.code == "unit_out_of_reach"
    assert "第三中队" in err.value.message and "转办范围" in err.value.message
    p.refresh_from_db()
    assert p.unit == people.tree["squad1"] and p.status == PetitionStatus.HANDLING
    assert flow.active_tasks(p)[0].candidate_unit == people.tree["squad1"]
    assert AuditRecord.objects.count() == before


def test_close_return_goes_back_to_handling(people, register):
    p = _advance_to_handling(people, register())
    p = flow.do_handle(people.squad1, p, result="已处理")
    with pytest.raises(ServiceError):
        flow.do_close(people.registrar, p, approve=False)
    p = flow.do_close(people.registrar, p, approve=False, opinion="答复不完整")
    assert p.status == PetitionStatus.HANDLING and p.closed_at is None
    assert flow.available_actions(people.squad1, p) == {"Task_Handle"}


def test_water_variant(people, register):
    p = register(category=people.categories["water"].pk, subject_ship="沪浦江货1234", subject_plate="")
    assert p.process.definition.key == "petition_water"
    p = _advance_to_handling(people, p)
    p = flow.do_handle(people.squad1, p, result="已登船检查")
    assert flow.available_actions(people.brigade1, p) == {"Task_WaterReview"}
    p = flow.do_review(people.brigade1, p, approve=True)
    assert p.status == PetitionStatus.CLOSING


def test_anonymous_visit_only_unreachable(people, register):
    p = register(is_anonymous=True, complainant_name="", complainant_phone="", complainant_id_number="")
    assert p.complainant_name == "" and p.complainant_phone_index == ""
    p = _advance_to_handling(people, p)
    p = flow.do_handle(people.squad1, p, result="已处理")
    p = flow.do_close(people.registrar, p, approve=True)
    with pytest.raises(ServiceError) as err:
        flow.do_visit(people.registrar, p, satisfaction="satisfied")
    assert err.value.code == "anonymous"
    assert Petition.objects.get(pk=p.pk).satisfaction == ""
    p = flow.do_visit(people.registrar, p, satisfaction="unreachable")
    assert p.status == PetitionStatus.CLOSED


def test_generic_task_page_refuses_petition_steps(people, register):
    from teis.workflow.services import step_form_data

    p = register()
    task = flow.active_tasks(p)[0]
    with pytest.raises(ServiceError) as err:
        step_form_data(task, {})
    assert "信访件页面" in err.value.message


# --- 派发 / 转办 routed by the engine (teis:unitVar on the handling lane) ------------------------------------


def test_dispatch_and_transfer_are_routed_by_the_engine_without_retargeting(people, register, caplog):
    import logging

    from teis.core.models import TodoItem, TodoStatus

    with caplog.at_level(logging.WARNING, logger="teis.workflow"):
        p = _advance_to_handling(people, register())
        handle = flow.active_tasks(p)[0]
        # offered straight to squad1's leader: no todo was posted elsewhere and cancelled
        todos = TodoItem.objects.filter(source_key=f"wf:{handle.pk}")
        assert {(t.user.username, t.status) for t in todos} == {("pt_squad1", TodoStatus.OPEN)}
        # 转办 to a brigade: its brigade leader handles (role from the process variable handling_role)
        p = flow.do_transfer(people.squad1, p, unit=people.tree["brigade1"], reason="涉及多个中队")
        moved = flow.active_tasks(p)[0]
        assert (moved.spec_name, moved.candidate_unit, moved.role) == (
            "Task_Handle",
            people.tree["brigade1"],
            "brigade_leader",
        )
        assert set(TodoItem.objects.filter(source_key=f"wf:{moved.pk}").values_list("user__username", "status")) == {
            ("pt_brigade1", TodoStatus.OPEN)
        }
        assert flow.available_actions(people.brigade1, p) == {"Task_Handle"}
        assert flow.available_actions(people.squad1, p) == set()
        p.process.refresh_from_db()
        assert (p.process.assignee_unit, p.process.assignee_role) == (people.tree["brigade1"], "brigade_leader")
    assert not [r for r in caplog.records if "no candidate" in r.getMessage() or "names no" in r.getMessage()]
    # no petition listener moves tasks any more
    assert not hasattr(flow, "retarget_handling_tasks")


def test_water_review_goes_to_the_brigade_above_the_chosen_squad(people, register, make_user):
    brigade2 = make_user("brigade_leader", "brigade2", username="pt_brigade2")
    make_user("squad_leader", "squad3", username="pt_squad3b")
    p = register(category=people.categories["water"].pk, subject_ship="沪浦江货1234", subject_plate="")
    p = flow.do_accept(people.registrar, p, accept=True)
    p = flow.do_instruct(people.leader, p, instruction="核查")
    p = flow.do_dispatch(people.registrar, p, unit=people.tree["squad3"])
    p = flow.do_handle(people.squad3, p, result="已登船检查")
    review = flow.active_tasks(p)[0]
    assert (review.spec_name, review.candidate_unit, review.role) == (
        "Task_WaterReview",
        people.tree["brigade2"],
        "brigade_leader",
    )
    assert flow.available_actions(brigade2, p) == {"Task_WaterReview"}
    assert flow.available_actions(people.brigade1, p) == set()


def test_dispatch_to_a_unit_without_a_handler_is_refused_and_nothing_changes(people, register):
    p = register()
    p = flow.do_accept(people.registrar, p, accept=True)
    p = flow.do_instruct(people.leader, p, instruction="核查")
    before = AuditRecord.objects.count()
    with pytest.raises(ServiceError) as err:
        flow.do_dispatch(people.registrar, p, unit=people.tree["district"])
    assert (
        err.value.code == "no_handler" and "浦东新区交通执法大队" in err.value.message and "大队长" in err.value.message
    )
    assert err.value.fields == {"unit": [err.value.message]}
    p.refresh_from_db()
    assert p.unit == people.tree["corps"] and p.status == PetitionStatus.DISPATCHING and p.dispatched_at is None
    assert [t.spec_name for t in flow.active_tasks(p)] == ["Task_Dispatch"]
    assert AuditRecord.objects.count() == before


def test_dispatch_api_out_of_reach_is_400_and_writes_nothing(people, register):
    from teis.core.testing import logged_in_client

    p = _advance_to_handling(people, register())
    client = logged_in_client(people.squad1)
    before = AuditRecord.objects.count()
    resp = client.post(
        f"/api/v1/petitions/petitions/{p.pk}/transfer/",
        {"unit": str(people.tree["squad3"].pk), "reason": "转第三中队"},
        content_type="application/json",
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "unit_out_of_reach" and "第三中队" in body["message"] and body["fields"]["unit"]
    p.refresh_from_db()
    assert p.unit == people.tree["squad1"] and flow.active_tasks(p)[0].candidate_unit == people.tree["squad1"]
    assert AuditRecord.objects.count() == before


# --- 不满意 reopens (重办) --------------------------------------------------------------------------------------


def _closed_and_visiting(people, register, **over):
    p = _advance_to_handling(people, register(**over))
    p = flow.do_handle(people.squad1, p, result="已处理")
    return flow.do_close(people.registrar, p, approve=True)


def test_unsatisfied_visit_reopens_with_a_new_deadline_and_statistics_follow(people, register):
    import datetime as dt

    from django.utils import timezone

    from teis.core.workdays import add_workdays
    from teis.petitions.services import stats

    satisfied = _closed_and_visiting(people, register, complainant_phone="13900000001")
    flow.do_visit(people.registrar, satisfied, satisfaction="satisfied")
    p = _closed_and_visiting(people, register)
    old_due = p.finish_due
    later = timezone.now() + dt.timedelta(days=30)
    p = flow.do_visit(people.registrar, p, satisfaction="unsatisfied", note="反映人认为未解决", now=later)
    # back to 承办处理 at the handling unit, no longer closed, a new 办结期限 from the visit
    assert p.status == PetitionStatus.HANDLING and p.current_step == "承办处理"
    assert p.unit == people.tree["squad1"] and p.redo_count == 1 and p.reopened_at == later
    assert p.closed_at is None and p.closed_in_time is None and p.satisfaction == "unsatisfied"
    assert p.finish_due == add_workdays(timezone.localtime(later).date(), 60) and p.finish_due != old_due
    assert p.step_due_at.date() == p.finish_due
    task = flow.active_tasks(p)[0]
    assert (task.spec_name, task.candidate_unit, task.role) == ("Task_Handle", people.tree["squad1"], "squad_leader")
    assert flow.available_actions(people.squad1, p) == {"Task_Handle"}

    def figures():
        return stats.statistics(people.leader, "unit")[-1]

    # direct counts: two petitions, one closed (satisfied), one reopened (latest visit 不满意)
    total = figures()
    qs = Petition.objects.all()
    assert total["total"] == qs.count() == 2
    assert total["closed"] == qs.filter(closed_at__isnull=False).count() == 1
    assert total["redone"] == qs.filter(redo_count__gt=0).count() == 1
    assert total["visited"] == 2 and total["satisfied"] == 1 and total["satisfaction_rate"] == 50.0
    # re-handled, closed again (in time against the new deadline) and visited 满意: counted once, now satisfied
    p = flow.do_handle(people.squad1, p, result="再次约谈驾驶员并退还多收车费")
    p = flow.do_close(people.registrar, p, approve=True, now=later + dt.timedelta(days=1))
    assert p.closed_in_time is True
    p = flow.do_visit(people.registrar, p, satisfaction="basic", now=later + dt.timedelta(days=2))
    assert p.status == PetitionStatus.CLOSED and p.redo_count == 1
    total = figures()
    assert total["closed"] == 2 and total["redone"] == 1
    assert total["visited"] == 2 and total["satisfied"] == 2 and total["satisfaction_rate"] == 100.0
    assert total["in_time"] == qs.filter(closed_in_time=True).count() == 2
    names = [t.name for t in p.process.tasks.filter(status=TaskStatus.COMPLETED).order_by("pk")]
    assert names.count("承办处理") == 2 and names.count("回访") == 2
    ops = list(
        AuditRecord.objects.filter(object_id=str(p.pk), detail__operation="petition.visit").values_list(
            "changes", flat=True
        )
    )
    assert any("重办次数" in c for c in ops)


def test_reopened_petition_can_be_supervised_again(people, register):
    import datetime as dt

    from django.utils import timezone

    from teis.petitions.models import PetitionSupervision
    from teis.petitions.services import supervision

    p = _closed_and_visiting(people, register)
    supervision.check_deadlines(timezone.now() + dt.timedelta(days=400))  # 待回访 is not supervised
    assert not PetitionSupervision.objects.exists()
    p = flow.do_visit(people.registrar, p, satisfaction="unsatisfied")
    far = timezone.make_aware(dt.datetime.combine(p.finish_due + dt.timedelta(days=3), dt.time(10)))
    assert supervision.check_deadlines(far)["supervised"] == 1
    sup = PetitionSupervision.objects.get()
    assert sup.round == 1 and sup.due_date == p.finish_due
