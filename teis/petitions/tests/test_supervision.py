"""Deadlines with a controllable clock: the job (`check_deadlines(now)`) reminds before and opens one 督察 per
petition, kind and 重办 round after the 受理 / 办结 deadline; each runs `petition_supervision.bpmn`: the supervised
unit submits a 情况说明, a supervisor accepts it with the 督察意见 or sends it back for a new one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.models import Notification, TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.workdays import add_workdays
from teis.petitions.choices import SupervisionKind, SupervisionStatus
from teis.petitions.models import PetitionSupervision
from teis.petitions.services import flow, supervision
from teis.workflow.choices import ACTIVE_TASK_STATUSES, TaskStatus

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour=10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_accept_overdue_opens_one_supervision(people, register):
    p = register()
    assert supervision.check_deadlines(_at(p.accept_due)) == {"reminded": 1, "supervised": 0}
    assert Notification.objects.filter(user=people.registrar, title__startswith="即将超期").count() == 1
    assert not PetitionSupervision.objects.exists()
    after = _at(p.accept_due + dt.timedelta(days=1))
    assert supervision.check_deadlines(after)["supervised"] == 1
    assert supervision.check_deadlines(after)["supervised"] == 0  # idempotent
    sup = PetitionSupervision.objects.get()
    assert sup.kind == SupervisionKind.ACCEPT_OVERDUE and sup.due_date == p.accept_due
    assert sup.status == SupervisionStatus.OPEN and sup.process.definition.key == "petition_supervision"
    p.refresh_from_db()
    assert p.supervised
    # still 待受理: the 情况说明 is due from whoever holds 登记受理 (指挥中心 at the intake unit)
    task = sup.process.tasks.get(status__in=ACTIVE_TASK_STATUSES)
    assert (task.spec_name, task.candidate_unit, task.role) == ("Task_Explain", people.tree["corps"], "command_center")
    assert TodoItem.objects.filter(user=people.registrar, source_key=f"wf:{task.pk}", status=TodoStatus.OPEN).exists()
    assert Notification.objects.filter(user=people.leader, title__startswith="已发起督察").exists()
    assert Notification.objects.filter(user=people.registrar, level="alarm").exists()


def _overdue_in_handling(people, register):
    p = register()
    p = flow.do_accept(people.registrar, p, accept=True)
    p = flow.do_instruct(people.leader, p, instruction="核查")
    p = flow.do_dispatch(people.registrar, p, unit=people.tree["squad1"])
    return p


def test_finish_overdue_in_handling_explanation_and_review(people, register):
    p = _overdue_in_handling(people, register)
    remind_day = add_workdays(p.finish_due, -3)
    assert supervision.check_deadlines(_at(remind_day - dt.timedelta(days=1)))["reminded"] in (0, 1)
    supervision.check_deadlines(_at(remind_day))
    assert Notification.objects.filter(user=people.squad1, title__startswith="即将超期").exists()
    result = supervision.check_deadlines(_at(p.finish_due + dt.timedelta(days=2)))
    assert result["supervised"] == 1
    sup = PetitionSupervision.objects.get(kind=SupervisionKind.FINISH_OVERDUE)
    assert sup.unit == people.tree["squad1"] and sup.status == SupervisionStatus.OPEN
    explain = sup.process.tasks.get(status__in=ACTIVE_TASK_STATUSES)
    assert (explain.spec_name, explain.candidate_unit, explain.role) == (
        "Task_Explain",
        people.tree["squad1"],
        "squad_leader",
    )
    assert supervision.can_explain(people.squad1, sup) and not supervision.can_explain(people.squad2, sup)
    # nothing to review yet; the supervisor cannot explain for the unit, the wrong squad is refused
    with pytest.raises(ServiceError) as err:
        supervision.do_supervise(people.leader, sup, opinion="限期办结")
    assert err.value.code == "not_explained"
    with pytest.raises(ServiceError) as err:
        supervision.do_explain(people.squad2, sup, explanation="不是我们")
    assert err.value.code == "not_your_task" and "第一中队" in err.value.message
    with pytest.raises(ServiceError) as err:
        supervision.do_explain(people.squad1, sup, explanation="   ")
    assert err.value.fields == {"explanation": ["请填写情况说明"]}
    sup.refresh_from_db()
    assert sup.status == SupervisionStatus.OPEN and sup.explanation == "" and sup.explanation_count == 0
    # the squad explains; the supervisor (总队领导) gets the review todo from the engine
    sup = supervision.do_explain(people.squad1, sup, explanation="当事驾驶员外地未归，已约定下周接受询问")
    assert sup.status == SupervisionStatus.REVIEWING and sup.explained_by == people.squad1
    review = sup.process.tasks.get(status__in=ACTIVE_TASK_STATUSES)
    assert (review.spec_name, review.candidate_unit, review.role) == (
        "Task_SupervisorReview",
        people.tree["corps"],
        "leadership",
    )
    assert TodoItem.objects.filter(user=people.leader, source_key=f"wf:{review.pk}", status=TodoStatus.OPEN).exists()
    with pytest.raises(ServiceError) as err:
        supervision.do_supervise(people.squad1, sup, opinion="x")
    assert err.value.code == "forbidden"
    with pytest.raises(ServiceError):
        supervision.do_supervise(people.leader, sup, opinion="  ", accept=False)
    # 退回: a new explanation is due from the same unit
    sup = supervision.do_supervise(people.leader, sup, opinion="未说明整改措施", accept=False)
    assert sup.status == SupervisionStatus.OPEN and sup.opinion == ""
    again = sup.process.tasks.get(status__in=ACTIVE_TASK_STATUSES)
    assert (again.spec_name, again.candidate_unit) == ("Task_Explain", people.tree["squad1"]) and again.pk != explain.pk
    assert Notification.objects.filter(user=people.squad1, title__startswith="情况说明被退回").exists()
    sup = supervision.do_explain(people.squad1, sup, explanation="已约谈驾驶员，三日内办结并答复")
    assert sup.explanation_count == 2
    sup = supervision.do_supervise(people.leader, sup, opinion="限三日内办结并书面说明超期原因")
    assert sup.status == SupervisionStatus.DONE and sup.supervisor == people.leader
    assert sup.opinion == "限三日内办结并书面说明超期原因"
    sup.process.refresh_from_db()
    assert sup.process.status == "completed"
    names = list(sup.process.tasks.filter(status=TaskStatus.COMPLETED).order_by("pk").values_list("name", flat=True))
    assert names == ["情况说明", "督察审核", "情况说明", "督察审核"]
    assert Notification.objects.filter(user=people.squad1, title__startswith="督察意见").exists()
    with pytest.raises(ServiceError) as err:
        supervision.do_supervise(people.leader, sup, opinion="again")
    assert err.value.code == "already_done"
    with pytest.raises(ServiceError) as err:
        supervision.do_explain(people.squad1, sup, explanation="again")
    assert err.value.code == "wrong_step"


def test_supervision_page_forms(people, register):
    from teis.core.testing import logged_in_client

    p = _overdue_in_handling(people, register)
    supervision.check_deadlines(_at(p.finish_due + dt.timedelta(days=2)))
    sup = PetitionSupervision.objects.get()
    page = logged_in_client(people.squad1).get(f"/petitions/{p.pk}/").content.decode()
    assert f'id="explanation-{sup.pk}"' in page and f'id="btn-supervise-{sup.pk}"' not in page
    resp = logged_in_client(people.squad1).post(
        f"/petitions/{p.pk}/", {"supervision": sup.pk, "_action": "explain", "explanation": "正在补充调查"}
    )
    assert resp.status_code == 302
    sup.refresh_from_db()
    assert sup.status == SupervisionStatus.REVIEWING
    page = logged_in_client(people.leader).get(f"/petitions/{p.pk}/").content.decode()
    assert f'id="btn-supervise-return-{sup.pk}"' in page and "正在补充调查" in page
    resp = logged_in_client(people.leader).post(
        f"/petitions/{p.pk}/", {"supervision": sup.pk, "_action": "supervise_return", "opinion": "请补充证据"}
    )
    assert resp.status_code == 302
    sup.refresh_from_db()
    assert sup.status == SupervisionStatus.OPEN


def test_closed_petitions_are_not_supervised(people, register):
    p = register()
    p = flow.do_accept(people.registrar, p, accept=False, opinion="重复件")
    assert supervision.check_deadlines(_at(p.finish_due + dt.timedelta(days=10))) == {"reminded": 0, "supervised": 0}


def test_periodic_job_is_recorded(people, register):
    from teis.core.models import JobRun
    from teis.petitions.tasks import petition_deadlines

    register()
    petition_deadlines.call_local()
    run = JobRun.objects.get(name="teis.petitions.tasks.petition_deadlines")
    assert run.ok and "发起督察" in run.result
