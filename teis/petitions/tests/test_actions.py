"""The declared actions of 投诉信访 (`petitions/tables.py`): the steps of the handling flow (受理, 不予受理, 批示,
派发, 提交办理结果, 转办, 退回, 水上执法审核 同意 / 退回重办, 同意结案, 退回重办, 回访) and of 督察 (情况说明,
督察意见, 退回重新说明), each run by core's generated tests — anonymous / without permission / permitted / out of
scope / forbidden state, on the API and on the page (the petition page for the steps, the generic detail page for
督察) — plus a test per action of the facts it writes (text, dates, who).

The petitions are real: registered and moved step by step through the services by the people of the flow (指挥中心
of the unit, 总队领导, the unit's 中队长). Whose task a step is, the workflow engine decides; the tests hand the
step under test to the permitted test user (its task assigned to that user, as 指派 does)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client, make_officer_user
from teis.core.testing_mixins import GenericActionTests
from teis.petitions import steps
from teis.petitions.choices import PetitionStatus, Satisfaction, SupervisionKind, SupervisionStatus
from teis.petitions.models import Petition, PetitionSupervision
from teis.petitions.services import flow, supervision
from teis.petitions.services.intake import do_register
from teis.workflow.choices import TaskStatus
from teis.workflow.models import WorkTask

from .conftest import petition_data

_people = itertools.count(1)
ORDER = (steps.ACCEPT, steps.INSTRUCT, steps.DISPATCH, steps.HANDLE, steps.WATER_REVIEW, steps.CLOSE, steps.VISIT)


@pytest.fixture(autouse=True)
def _flow_ready(categories, definitions):
    """The 反映类别 dictionary and the loaded petition processes."""


def _person(role: str, unit):
    return make_officer_user(role_codes=[role], unit=unit, username=f"pa_{role}_{next(_people)}")


def _root(unit):
    while unit.parent_id:
        unit = unit.parent
    return unit


def _categories() -> dict:
    from teis.core.models import DictionaryItem

    return {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="petition_category")}


def make_petition(unit, upto: str | None, *, water: bool = False) -> Petition:
    """A petition registered by 指挥中心 of `unit` (a squad) and moved through the flow until its step `upto` is
    open (None: to the end of the flow)."""
    registrar = _person("command_center", unit)
    handler = _person("squad_leader", unit)
    category = _categories()["water" if water else "refusal"]
    p = do_register(registrar, petition_data({"refusal": category}, category=category.pk))
    runs = {
        steps.ACCEPT: lambda p: flow.do_accept(registrar, p, accept=True),
        steps.INSTRUCT: lambda p: flow.do_instruct(_person("leadership", _root(unit)), p, instruction="请核查"),
        steps.DISPATCH: lambda p: flow.do_dispatch(registrar, p, unit=unit),
        steps.HANDLE: lambda p: flow.do_handle(handler, p, result="已核查处理"),
        steps.WATER_REVIEW: lambda p: flow.do_review(_person("brigade_leader", unit.parent), p, approve=True),
        steps.CLOSE: lambda p: flow.do_close(registrar, p, approve=True),
        steps.VISIT: lambda p: flow.do_visit(registrar, p, satisfaction=Satisfaction.SATISFIED),
    }
    for step in ORDER:
        if step == upto:
            break
        if step == steps.WATER_REVIEW and not water:
            continue
        p = runs[step](p)
    return p


def _active(petition) -> set[str]:
    return {t.spec_name for t in flow.active_tasks(petition)}


def _audit(obj, operation: str) -> AuditRecord:
    return AuditRecord.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), detail__operation=operation
    ).latest("pk")


class _Step(GenericActionTests):
    """A step of the petition flow: `step` is handed to the permitted user on a ready petition; a petition not
    ready is at the step `not_ready_at` (a state the action does not apply to)."""

    model_label = "petitions.petition"
    step = ""
    not_ready_at = steps.ACCEPT
    water = False

    def page_url(self, obj) -> str:
        """The petition page (the generic detail URL of a petition redirects there): its forms post the actions."""
        return reverse("petitions:petition_page", args=[obj.pk])

    def actor(self):
        code = f"act_{self.config.model_name}_{self.action}"[:44]
        return get_user_model().objects.get(officer__roles__code=code)

    def give(self, wt) -> None:
        """The step's task assigned to the permitted test user (指派)."""
        WorkTask.objects.filter(pk=wt.pk).update(assignee=self.actor(), status=TaskStatus.CLAIMED)

    def make_object(self, unit, n, ready=True):
        p = make_petition(unit, self.step if ready else self.not_ready_at, water=self.water)
        if ready:
            self.give(next(t for t in flow.active_tasks(p) if t.spec_name == self.step))
        return p

    def run_api(self, ctx, data=None):
        """The action on a ready petition of squad1 through the API, by the permitted user: (before, after)."""
        p = self.make_object(ctx.unit, 0)
        resp = logged_in_client(ctx.user).post(
            self.api_url(p), data if data is not None else self.input_data(ctx, p), content_type="application/json"
        )
        assert resp.status_code == 200, resp.content.decode()
        return p, self.fresh(p)


class TestAccept(_Step):
    action, step, not_ready_at = "accept", steps.ACCEPT, steps.INSTRUCT

    def done(self, obj):
        return obj.status == PetitionStatus.INSTRUCTING and obj.accepted_at is not None

    def test_facts(self, ctx):
        start = timezone.now()
        before, p = self.run_api(ctx, {"opinion": "属本部门职责"})
        assert p.accepted_at >= start and p.status == PetitionStatus.INSTRUCTING and _active(p) == {steps.INSTRUCT}
        wt = WorkTask.objects.get(instance=p.process, spec_name=steps.ACCEPT)
        assert wt.completed_by == ctx.user and wt.decision == "approve" and wt.opinion == "属本部门职责"
        assert _audit(p, "petition.accept").actor == ctx.user


class TestReject(_Step):
    action, step, not_ready_at = "reject", steps.ACCEPT, steps.INSTRUCT

    def input_data(self, ctx, obj):
        return {"opinion": "不属于本部门职责"}

    def done(self, obj):
        return obj.status == PetitionStatus.NOT_ACCEPTED

    def test_facts(self, ctx):
        before, p = self.run_api(ctx)
        assert p.status == PetitionStatus.NOT_ACCEPTED and p.accepted_at is None and _active(p) == set()
        wt = WorkTask.objects.get(instance=p.process, spec_name=steps.ACCEPT)
        assert wt.completed_by == ctx.user and wt.decision == "reject" and wt.opinion == "不属于本部门职责"
        assert _audit(p, "petition.accept").changes["受理"][1] == "不予受理：不属于本部门职责"

    def test_reason_is_required(self, ctx):
        p = self.make_object(ctx.unit, 0)
        resp = logged_in_client(ctx.user).post(self.api_url(p), {"opinion": ""}, content_type="application/json")
        assert resp.status_code == 400 and resp.json()["fields"] == {"opinion": ["请填写不予受理理由"]}
        assert self.fresh(p).status == PetitionStatus.REGISTERED


class TestInstruct(_Step):
    action, step = "instruct", steps.INSTRUCT

    def input_data(self, ctx, obj):
        return {"instruction": "请依法核查，按期答复"}

    def done(self, obj):
        return obj.status == PetitionStatus.DISPATCHING and obj.instruction == "请依法核查，按期答复"

    def test_facts(self, ctx):
        before, p = self.run_api(ctx)
        assert p.instruction == "请依法核查，按期答复" and _active(p) == {steps.DISPATCH}
        wt = WorkTask.objects.get(instance=p.process, spec_name=steps.INSTRUCT)
        assert wt.completed_by == ctx.user and wt.opinion == "请依法核查，按期答复"


class TestDispatch(_Step):
    action, step = "dispatch", steps.DISPATCH

    def input_data(self, ctx, obj):
        return {"unit": obj.intake_unit_id, "opinion": "请第一中队核查"}

    def done(self, obj):
        return obj.status == PetitionStatus.HANDLING and obj.dispatched_at is not None

    def test_facts(self, ctx):
        start = timezone.now()
        before, p = self.run_api(ctx)
        assert p.unit == ctx.unit and p.dispatched_at >= start
        (wt,) = flow.active_tasks(p)
        assert wt.spec_name == steps.HANDLE and wt.candidate_unit == ctx.unit and wt.role == "squad_leader"
        done = WorkTask.objects.get(instance=p.process, spec_name=steps.DISPATCH)
        assert done.completed_by == ctx.user and done.opinion == "请第一中队核查"

    def test_unit_out_of_reach_is_refused(self, ctx):
        p = self.make_object(ctx.unit, 0)
        resp = logged_in_client(ctx.user).post(
            self.api_url(p), {"unit": ctx.tree["squad3"].pk}, content_type="application/json"
        )
        assert resp.status_code == 400 and resp.json()["code"] == "unit_out_of_reach"
        for bad in ("", "abc", "99999999999999999999999", -1):  # a clear Chinese refusal, never a 500
            resp = logged_in_client(ctx.user).post(self.api_url(p), {"unit": bad}, content_type="application/json")
            assert resp.status_code == 400 and resp.json()["fields"]["unit"][0] in ("请选择承办单位", "所选单位不存在")
        assert self.fresh(p).status == PetitionStatus.DISPATCHING


class TestHandle(_Step):
    action, step = "handle", steps.HANDLE

    def input_data(self, ctx, obj):
        return {"result": "已约谈驾驶员并依法处罚，已电话答复反映人"}

    def done(self, obj):
        return obj.status == PetitionStatus.CLOSING and obj.handling_result == self.input_data(None, obj)["result"]

    def test_facts(self, ctx):
        start = timezone.now()
        before, p = self.run_api(ctx)
        assert p.handling_result == "已约谈驾驶员并依法处罚，已电话答复反映人" and p.handled_at >= start
        assert _active(p) == {steps.CLOSE}
        assert WorkTask.objects.get(instance=p.process, spec_name=steps.HANDLE).completed_by == ctx.user
        assert _audit(p, "petition.handle").actor == ctx.user


def _handler_in(unit):
    from teis.workflow.services import role_holders

    if not role_holders("squad_leader", unit):
        _person("squad_leader", unit)


class TestTransfer(_Step):
    action, step = "transfer", steps.HANDLE

    def input_data(self, ctx, obj):
        _handler_in(ctx.tree["squad2"])
        return {"unit": ctx.tree["squad2"].pk, "reason": "发生地属第二中队辖区"}

    def done(self, obj):
        return obj.status == PetitionStatus.HANDLING and obj.unit_id != obj.intake_unit_id

    def test_facts(self, ctx):
        before, p = self.run_api(ctx)
        assert p.unit == ctx.tree["squad2"] and p.intake_unit == ctx.unit
        (wt,) = flow.active_tasks(p)
        assert wt.spec_name == steps.HANDLE and wt.candidate_unit == ctx.tree["squad2"]
        record = _audit(p, "petition.transfer")
        assert record.actor == ctx.user and record.detail["reason"] == "发生地属第二中队辖区"


class TestReturn(_Step):
    action, step = "return", steps.HANDLE

    def input_data(self, ctx, obj):
        return {"reason": "不属本中队职责"}

    def done(self, obj):
        return obj.status == PetitionStatus.DISPATCHING and obj.dispatched_at is not None

    def test_facts(self, ctx):
        before, p = self.run_api(ctx)
        assert p.unit == p.intake_unit and _active(p) == {steps.DISPATCH}
        record = _audit(p, "petition.return")
        assert record.actor == ctx.user and record.detail["reason"] == "不属本中队职责"


class TestWaterReview(_Step):
    action, step, water = "review", steps.WATER_REVIEW, True

    def input_data(self, ctx, obj):
        return {"opinion": "处理得当"}

    def done(self, obj):
        return obj.status == PetitionStatus.CLOSING

    def test_facts(self, ctx):
        before, p = self.run_api(ctx)
        assert p.process.definition.key == steps.WATER and _active(p) == {steps.CLOSE}
        wt = WorkTask.objects.get(instance=p.process, spec_name=steps.WATER_REVIEW)
        assert wt.completed_by == ctx.user and wt.decision == "approve" and wt.opinion == "处理得当"


class TestWaterReviewReturn(_Step):
    action, step, water = "review_return", steps.WATER_REVIEW, True

    def input_data(self, ctx, obj):
        return {"opinion": "证据不足，请补充调查"}

    def done(self, obj):
        return steps.HANDLE in _active(obj)

    def test_facts(self, ctx):
        before, p = self.run_api(ctx)
        assert p.status == PetitionStatus.HANDLING and _active(p) == {steps.HANDLE}
        wt = WorkTask.objects.get(instance=p.process, spec_name=steps.WATER_REVIEW)
        assert wt.completed_by == ctx.user and wt.decision == "return" and wt.opinion == "证据不足，请补充调查"


class TestClose(_Step):
    action, step = "close", steps.CLOSE

    def done(self, obj):
        return obj.status == PetitionStatus.VISITING and obj.closed_at is not None

    def test_facts(self, ctx):
        start = timezone.now()
        before, p = self.run_api(ctx, {"opinion": "同意"})
        assert p.closed_at >= start and p.closed_in_time is True and _active(p) == {steps.VISIT}
        assert WorkTask.objects.get(instance=p.process, spec_name=steps.CLOSE).completed_by == ctx.user

    def test_the_button_asks_for_confirmation(self, ctx):
        p = self.make_object(ctx.unit, 0)
        html = logged_in_client(ctx.user).get(self.page_url(p)).content.decode()
        assert 'id="btn-close" data-confirm="同意结案后信访件办结' in html


class TestCloseReturn(_Step):
    action, step = "close_return", steps.CLOSE

    def input_data(self, ctx, obj):
        return {"opinion": "答复内容不完整"}

    def done(self, obj):
        return obj.status == PetitionStatus.HANDLING

    def test_facts(self, ctx):
        before, p = self.run_api(ctx)
        assert p.closed_at is None and _active(p) == {steps.HANDLE}
        wt = WorkTask.objects.get(instance=p.process, spec_name=steps.CLOSE)
        assert wt.completed_by == ctx.user and wt.decision == "return" and wt.opinion == "答复内容不完整"
        assert _audit(p, "petition.close").changes["结案审核"][1] == "退回重办：答复内容不完整"


class TestVisit(_Step):
    action, step = "visit", steps.VISIT

    def input_data(self, ctx, obj):
        return {"satisfaction": "satisfied", "note": "反映人表示满意"}

    def done(self, obj):
        return obj.status == PetitionStatus.CLOSED and obj.satisfaction == Satisfaction.SATISFIED

    def test_facts(self, ctx):
        start = timezone.now()
        before, p = self.run_api(ctx)
        assert p.visit_note == "反映人表示满意" and p.visited_at >= start and p.current_step == ""
        assert WorkTask.objects.get(instance=p.process, spec_name=steps.VISIT).completed_by == ctx.user

    def test_unsatisfied_reopens(self, ctx):
        before, p = self.run_api(ctx, {"satisfaction": "unsatisfied", "note": "未解决"})
        assert p.status == PetitionStatus.HANDLING and p.redo_count == 1 and p.closed_at is None
        assert p.finish_due >= timezone.localdate()


# --- 督察 ------------------------------------------------------------------------------------------------------


class _Supervision(GenericActionTests):
    """A supervision of a petition of the unit still 待受理 (so its 情况说明 is due from the unit's 指挥中心)."""

    model_label = "petitions.petitionsupervision"
    actor = _Step.actor
    give = _Step.give

    def supervision(self, unit) -> PetitionSupervision:
        p = make_petition(unit, steps.ACCEPT)
        return supervision._open_supervision(
            p, SupervisionKind.ACCEPT_OVERDUE, p.accept_due, timezone.now() + dt.timedelta(days=40)
        )

    def explained(self, sup, text="来件集中，已安排专人受理") -> PetitionSupervision:
        registrar = sup.petition.registered_by
        return supervision.do_explain(registrar, sup, explanation=text)


class TestSupervisionExplain(_Supervision):
    action = "explain"

    def make_object(self, unit, n, ready=True):
        sup = self.supervision(unit)
        if not ready:
            return self.explained(sup)
        self.give(supervision.supervision_task(sup, steps.EXPLAIN))
        return sup

    def input_data(self, ctx, obj):
        return {"explanation": "人手不足，已调配专人，三日内受理"}

    def done(self, obj):
        return obj.status == SupervisionStatus.REVIEWING and obj.explanation == "人手不足，已调配专人，三日内受理"

    def test_facts(self, ctx):
        start = timezone.now()
        sup = self.make_object(ctx.unit, 0)
        resp = logged_in_client(ctx.user).post(self.api_url(sup), self.input_data(ctx, sup), "application/json")
        assert resp.status_code == 200, resp.content.decode()
        sup = self.fresh(sup)
        assert sup.explained_by == ctx.user and sup.explained_at >= start and sup.explanation_count == 1
        assert supervision.supervision_task(sup, steps.SUPERVISOR_REVIEW) is not None


class TestSupervise(_Supervision):
    action = "supervise"

    def make_object(self, unit, n, ready=True):
        sup = self.supervision(unit)
        if ready:
            sup = self.explained(sup)
            self.give(supervision.supervision_task(sup, steps.SUPERVISOR_REVIEW))
        return sup

    def input_data(self, ctx, obj):
        return {"opinion": "限三个工作日内受理并答复"}

    def done(self, obj):
        return obj.status == SupervisionStatus.DONE and obj.opinion == "限三个工作日内受理并答复"

    def test_facts(self, ctx):
        start = timezone.now()
        sup = self.make_object(ctx.unit, 0)
        resp = logged_in_client(ctx.user).post(self.api_url(sup), self.input_data(ctx, sup), "application/json")
        assert resp.status_code == 200, resp.content.decode()
        sup = self.fresh(sup)
        assert sup.supervisor == ctx.user and sup.supervised_at >= start
        assert sup.explanation == "来件集中，已安排专人受理"


class TestSuperviseReturn(_Supervision):
    action = "supervise_return"

    def make_object(self, unit, n, ready=True):
        sup = self.supervision(unit)
        if ready:
            sup = self.explained(sup)
            self.give(supervision.supervision_task(sup, steps.SUPERVISOR_REVIEW))
        return sup

    def input_data(self, ctx, obj):
        return {"opinion": "说明未包含整改措施"}

    def done(self, obj):
        return obj.status == SupervisionStatus.OPEN and obj.explanation_count == 1

    def test_facts(self, ctx):
        sup = self.make_object(ctx.unit, 0)
        resp = logged_in_client(ctx.user).post(self.api_url(sup), self.input_data(ctx, sup), "application/json")
        assert resp.status_code == 200, resp.content.decode()
        sup = self.fresh(sup)
        assert sup.supervisor is None and sup.opinion == ""
        assert supervision.supervision_task(sup, steps.EXPLAIN) is not None  # a new 情况说明 is due
        record = _audit(sup, "petition.supervision_return")
        assert record.actor == ctx.user and record.changes["退回理由"][1] == "说明未包含整改措施"
