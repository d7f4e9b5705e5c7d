"""办案申请 (回避, 协助调查, 先行登记保存, 延期 / 分期缴纳): the generic pages and API as four users, the declared
actions (批准 / 不予批准 / 登记协助结果) generated the same way, and each kind's rules and effects on the case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from teis.cases.choices import CaseRequestKind, CaseRequestStatus
from teis.cases.models import CaseDecision, CaseRequest, EnforcementCase
from teis.cases.services import requests
from teis.core.services import ServiceError
from teis.core.testing_mixins import GenericActionTests, GenericModelTests

pytestmark = pytest.mark.django_db


def _case(unit, handler, n, **kw):
    return EnforcementCase.objects.create(title=f"拒载案{n}", unit=unit, handler=handler, status="investigating", **kw)


def _handler(unit, name):
    """A field officer of `unit` who handles the test's cases (one per unit and name)."""
    from django.contrib.auth import get_user_model

    from teis.core.testing import make_officer_user

    username = f"req_{name}_{unit.pk}"
    user = get_user_model().objects.filter(username=username).first()
    return user or make_officer_user(role_codes=["field_officer"], unit=unit, username=username)


def _squad3():
    from teis.org.models import Unit

    return Unit.objects.get(name="第三中队")


class TestCaseRequest(GenericModelTests):
    model_label = "cases.caserequest"
    unique_column = "reason"
    lookup_field = "reason"
    extra_permissions = ["org.view_unit", "cases.change_enforcementcase", "cases.view_enforcementcase"]

    def make_object(self, unit, n):
        return CaseRequest.objects.create(
            case=_case(unit, _handler(unit, "maker"), n), kind=CaseRequestKind.ASSISTANCE, reason=f"协查{n}",
            assist_unit=_squad3(),
        )  # fmt: skip

    def form_data(self, ctx, n):
        case = _case(ctx.tree["squad1"], _handler(ctx.tree["squad1"], "form"), 1000 + n)
        return {
            "case": case.pk,
            "kind": "assistance",
            "reason": f"请协查车辆登记信息{n}",
            "assist_unit": ctx.tree["squad3"].pk,
        }

    def edit_form_data(self, ctx, obj, n):
        return {"reason": f"补充协查事项{n}", "assist_unit": ctx.tree["squad3"].pk}


class _Decide(GenericActionTests):
    model_label = "cases.caserequest"
    extra_permissions = ["cases.view_caserequest"]

    def make_object(self, unit, n, ready=True):
        handler = _handler(unit, "decide")
        req = CaseRequest.objects.create(
            case=_case(unit, handler, n), kind=CaseRequestKind.ASSISTANCE, reason=f"协查{n}",
            assist_unit=_squad3(), created_by=handler,
        )  # fmt: skip
        if not ready:
            CaseRequest.objects.filter(pk=req.pk).update(status=CaseRequestStatus.REJECTED)
        return req


class TestApprove(_Decide):
    action = "approve"

    def input_data(self, ctx, obj):
        return {"opinion": "同意发函协查"}

    def done(self, obj):
        return obj.status == CaseRequestStatus.APPROVED and obj.decided_by_id and obj.opinion == "同意发函协查"


class TestReject(_Decide):
    action = "reject"

    def input_data(self, ctx, obj):
        return {"opinion": "无需协查"}

    def done(self, obj):
        return obj.status == CaseRequestStatus.REJECTED and obj.opinion == "无需协查"


class TestReply(GenericActionTests):
    model_label, action = "cases.caserequest", "reply"
    extra_permissions = ["cases.change_enforcementcase"]

    def make_object(self, unit, n, ready=True):
        req = CaseRequest.objects.create(
            case=_case(unit, _handler(unit, "reply"), n), kind=CaseRequestKind.ASSISTANCE, reason=f"协查{n}",
            assist_unit=_squad3(),
            status=CaseRequestStatus.APPROVED if ready else CaseRequestStatus.PENDING,
        )  # fmt: skip
        return req

    def input_data(self, ctx, obj):
        return {"result": "经查，该车登记车主为张三"}

    def done(self, obj):
        return obj.status == CaseRequestStatus.DONE and obj.result == "经查，该车登记车主为张三"


# --- rules and effects --------------------------------------------------------------------------------------


@pytest.fixture
def people(make_user):
    return {
        "officer": make_user("field_officer", "squad1", username="rq_officer"),
        "other": make_user("field_officer", "squad1", username="rq_other"),
        "brigade": make_user("brigade_leader", "brigade1", username="rq_brigade"),
        "far": make_user("field_officer", "squad3", username="rq_far"),
    }


def _file(actor, **data):
    return requests.request_service.do_create(actor, CaseRequest, {"reason": "理由", **data})


def test_recusal_replaces_the_handler_with_the_officer_the_leader_names(people, tree):
    case = _case(tree["squad1"], people["officer"], 1)
    with pytest.raises(ServiceError) as exc:  # someone who does not handle the case
        _file(people["officer"], case=case, kind="recusal", officer=people["far"])
    assert "officer" in exc.value.fields
    req = _file(people["officer"], case=case, kind="recusal", officer=people["officer"], reason="与当事人系亲属")
    with pytest.raises(ServiceError):  # the applicant cannot decide
        requests.do_decide_request(people["officer"], req, approve=True)
    with pytest.raises(ServiceError) as exc:  # a replacement from another squad
        requests.do_decide_request(people["brigade"], req, approve=True, replacement=people["far"])
    assert "replacement" in exc.value.fields
    requests.do_decide_request(people["brigade"], req, approve=True, opinion="同意回避", replacement=people["other"])
    case.refresh_from_db()
    req.refresh_from_db()
    assert case.handler == people["other"] and req.replacement == people["other"]
    assert (req.status, req.decided_by) == (CaseRequestStatus.APPROVED, people["brigade"])


def test_deferral_moves_the_payment_due_date_and_instalments_are_recorded(people, tree):
    due = timezone.localdate() + dt.timedelta(days=10)
    case = _case(
        tree["squad1"], people["officer"], 2, decision_type="penalty", fine_amount=Decimal("2000"),
        decided_at=timezone.now(), payment_status="unpaid", payment_due=due,
    )  # fmt: skip
    with pytest.raises(ServiceError) as exc:
        _file(people["officer"], case=case, kind="deferral", new_due=due - dt.timedelta(days=1))
    assert "new_due" in exc.value.fields
    req = _file(people["officer"], case=case, kind="deferral", new_due=due + dt.timedelta(days=30), reason="经济困难")
    with pytest.raises(ServiceError) as exc:  # one pending request of a kind per case
        _file(people["officer"], case=case, kind="deferral", new_due=due + dt.timedelta(days=40))
    assert "kind" in exc.value.fields
    requests.do_decide_request(people["brigade"], req, approve=True, opinion="同意")
    case.refresh_from_db()
    rec = CaseDecision.objects.get(case=case)
    assert case.payment_due == due + dt.timedelta(days=30)
    assert rec.installments and rec.installment_note.endswith(f"批准延期至 {case.payment_due:%Y-%m-%d}")
    with pytest.raises(ServiceError) as exc:
        _file(people["officer"], case=case, kind="instalments", instalments=24)
    assert "instalments" in exc.value.fields
    paid = _case(tree["squad1"], people["officer"], 3, decision_type="penalty", fine_amount=Decimal("200"))
    with pytest.raises(ServiceError) as exc:  # nothing owed
        _file(people["officer"], case=paid, kind="instalments", instalments=3)
    assert "kind" in exc.value.fields


def test_preservation_before_the_decision_and_within_seven_days(people, tree):
    case = _case(tree["squad1"], people["officer"], 4)
    with pytest.raises(ServiceError) as exc:
        _file(people["officer"], case=case, kind="preservation")
    assert "items" in exc.value.fields
    req = _file(people["officer"], case=case, kind="preservation", items="营运票据 12 张")
    CaseRequest.objects.filter(pk=req.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    with pytest.raises(ServiceError) as exc:
        requests.do_decide_request(people["brigade"], req, approve=True)
    assert "七日" in exc.value.message
    assert CaseRequest.objects.get(pk=req.pk).status == CaseRequestStatus.PENDING  # nothing half-written


def test_api_cannot_write_the_decision(people, tree):
    from teis.core.testing import logged_in_client

    case = _case(tree["squad1"], people["officer"], 5)
    client = logged_in_client(people["officer"])
    body = {"case": case.pk, "kind": "assistance", "reason": "协查", "assist_unit": tree["squad3"].pk}
    resp = client.post(
        "/api/v1/cases/caserequests/",
        {**body, "status": "approved", "decided_by": people["brigade"].pk, "result": "x"},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    req = CaseRequest.objects.get(pk=resp.json()["id"])
    assert (req.status, req.decided_by, req.result) == (CaseRequestStatus.PENDING, None, "")
    resp = client.post(f"/api/v1/cases/caserequests/{req.pk}/approve/", {}, content_type="application/json")
    assert resp.status_code == 403


def test_case_page_offers_each_request_and_the_form_starts_from_the_case(people, tree):
    from teis.core.testing import logged_in_client

    case = _case(tree["squad1"], people["officer"], 6)
    client = logged_in_client(people["officer"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="case-requests"' in page and f"?case={case.pk}&amp;kind=recusal" in page
    form = client.get(f"/cases/caserequest/add/?case={case.pk}&kind=recusal").content.decode()
    assert f'<option value="{case.pk}" selected' in form and '<option value="recusal" selected' in form
    resp = client.post(
        "/cases/caserequest/add/",
        {"case": case.pk, "kind": "recusal", "officer": people["officer"].pk, "reason": "与当事人有利害关系"},
    )
    assert resp.status_code == 302
    req = CaseRequest.objects.get(case=case)
    assert (req.kind, req.officer, req.status) == ("recusal", people["officer"], CaseRequestStatus.PENDING)
    assert "回避申请" in client.get(f"/cases/{case.pk}/").content.decode()


def test_approved_assistance_reaches_the_assisting_unit_which_answers_it(people, tree, make_user):
    """协助调查: once approved, the leaders of the unit asked to assist get a todo; that unit sees the request (and
    only that request of the case: not the case, not a pending one) and records the reply, which closes the todo."""
    from teis.core.models import TodoItem
    from teis.core.testing import logged_in_client

    far_leader = make_user("squad_leader", "squad3", username="rq_far_leader")
    elsewhere = make_user("squad_leader", "squad2", username="rq_elsewhere")
    case = _case(tree["squad1"], people["officer"], 7)
    req = _file(
        people["officer"], case=case, kind="assistance", reason="请协查沪A12345 的登记车主", assist_unit=tree["squad3"]
    )
    for user in (people["far"], far_leader):  # not before its approval
        assert not CaseRequest.objects.for_user(user).filter(pk=req.pk).exists()
    requests.do_decide_request(people["brigade"], req, approve=True, opinion="同意")

    todo = TodoItem.objects.get(user=far_leader, source_key=f"caserequest:{req.pk}:assist")
    assert todo.title == "协助调查：拒载案7" and todo.url == f"/cases/caserequest/{req.pk}/"
    assert not TodoItem.objects.filter(user=elsewhere, source_key=todo.source_key).exists()
    for user in (people["far"], far_leader):
        assert CaseRequest.objects.for_user(user).filter(pk=req.pk).exists()
        assert not EnforcementCase.objects.for_user(user).filter(pk=case.pk).exists()  # the case stays its unit's
    assert not CaseRequest.objects.for_user(elsewhere).filter(pk=req.pk).exists()
    page = logged_in_client(far_leader).get(todo.url)
    assert page.status_code == 200 and "请协查沪A12345 的登记车主" in page.content.decode()
    assert logged_in_client(elsewhere).get(todo.url).status_code == 404

    with pytest.raises(ServiceError, match="协助单位或本案承办人员"):
        requests.do_record_reply(elsewhere, req, result="无")
    requests.do_record_reply(far_leader, req, result="经查，登记车主为张三")
    req.refresh_from_db()
    assert req.status == CaseRequestStatus.DONE and req.result == "经查，登记车主为张三"
    todo.refresh_from_db()
    assert todo.status == "done"
