"""The declared actions of 水上执法 (`maritime/tables.py`): alert disposal (指派, 记录处置, 办结) and clue handling
(提交审核, 不予处理, 同意 / 不同意, 推送办案), each run by core's generated action tests — anonymous / without
permission / permitted / out of scope / forbidden state, on the API and the detail page — and a test per action of
the facts it writes (who, when, what)."""

from __future__ import annotations

from pathlib import Path

import pytest

from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import GenericActionTests
from teis.maritime.choices import AlertKind, AlertResult, AlertStatus, ClueStatus
from teis.maritime.models import Alert, Clue
from teis.maritime.services import clues as clue_services

pytestmark = pytest.mark.django_db


def _alert(unit, n, status=AlertStatus.OPEN, **kw):
    return Alert.objects.create(kind=AlertKind.ZONE_ENTRY, unit=unit, message=f"进入水源保护地{n}", status=status, **kw)


def _clue(unit, n, status=ClueStatus.NEW, **kw):
    return Clue.objects.create(unit=unit, ship_name=f"沪货运{n}", place="外白渡桥", status=status, **kw)


@pytest.fixture
def definitions(db):
    import teis.cases
    from teis.workflow.services import ensure_definitions

    ensure_definitions(
        None,
        files=[
            Path(clue_services.__file__).parent.parent / "processes" / "maritime_clue.bpmn",
            Path(teis.cases.__file__).parent / "processes" / "case_general.bpmn",
        ],
    )


# --- alerts ----------------------------------------------------------------------------------------------


class TestAlertAssign(GenericActionTests):
    model_label, action = "maritime.alert", "assign"

    def make_object(self, unit, n, ready=True):
        return _alert(unit, n, AlertStatus.OPEN if ready else AlertStatus.CLOSED)

    def input_data(self, ctx, obj):
        return {"assignee": ctx.user.pk}

    def done(self, obj):
        return obj.status == AlertStatus.ASSIGNED and obj.assignee_id is not None


class TestAlertHandle(GenericActionTests):
    model_label, action = "maritime.alert", "handle"
    extra_permissions = ["maritime.change_alert"]  # any alert in scope, not only one assigned to the user

    def make_object(self, unit, n, ready=True):
        return _alert(unit, n, AlertStatus.ASSIGNED if ready else AlertStatus.CLOSED)

    def input_data(self, ctx, obj):
        return {"note": "已电话联系船方驶离"}

    def done(self, obj):
        return obj.status == AlertStatus.HANDLING and "已电话联系船方驶离" in obj.handling_note


class TestAlertClose(GenericActionTests):
    model_label, action = "maritime.alert", "close"
    extra_permissions = ["maritime.change_alert"]

    def make_object(self, unit, n, ready=True):
        return _alert(unit, n, AlertStatus.HANDLING if ready else AlertStatus.CLOSED)

    def input_data(self, ctx, obj):
        return {"result": AlertResult.FALSE_ALARM, "note": "复核为误报"}

    def done(self, obj):
        return obj.status == AlertStatus.CLOSED and obj.result == AlertResult.FALSE_ALARM


def _last_audit(obj):
    return AuditRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-pk")[0]


def test_alert_actions_write_who_when_what(tree, make_user):
    leader = make_user("squad_leader", "squad1")
    officer = make_user("field_officer", "squad1")
    alert = _alert(tree["squad1"], 1)
    leader_client, officer_client = logged_in_client(leader), logged_in_client(officer)
    url = f"/api/v1/maritime/alerts/{alert.pk}/"
    # a field officer may not assign, and does not even see an alert not assigned to them (data scope "self")
    assert (
        officer_client.post(url + "assign/", {"assignee": officer.pk}, content_type="application/json").status_code
        == 403
    )
    resp = officer_client.post(url + "handle/", {"note": "x"}, content_type="application/json")
    assert resp.status_code == 404
    assert (
        leader_client.post(url + "assign/", {"assignee": officer.pk}, content_type="application/json").status_code
        == 200
    )
    alert.refresh_from_db()
    assert alert.assignee == officer and alert.assigned_at is not None
    assert _last_audit(alert).actor == leader and "处置人" in _last_audit(alert).changes
    assert officer_client.post(url + "handle/", {"note": "已驱离"}, content_type="application/json").status_code == 200
    alert.refresh_from_db()
    assert alert.status == AlertStatus.HANDLING and alert.handling_note.endswith("已驱离")
    assert _last_audit(alert).actor == officer and _last_audit(alert).changes["处置情况"] == [None, "已驱离"]
    resp = officer_client.post(
        url + "close/", {"result": "confirmed", "note": "已离开"}, content_type="application/json"
    )
    assert resp.status_code == 200
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.result == "confirmed" and alert.closed_at is not None
    assert "已离开" in alert.handling_note
    assert _last_audit(alert).actor == officer and _last_audit(alert).changes["处置结果"] == [None, "属实，已处置"]


# --- clues -----------------------------------------------------------------------------------------------


class TestClueScreen(GenericActionTests):
    model_label, action = "maritime.clue", "screen"

    @pytest.fixture(autouse=True)
    def _definitions(self, definitions):
        pass

    def make_object(self, unit, n, ready=True):
        return _clue(unit, n, ClueStatus.NEW if ready else ClueStatus.REJECTED)

    def input_data(self, ctx, obj):
        return {"summary": "货物未苫盖（已核实）", "note": "情况属实"}

    def done(self, obj):
        return obj.status == ClueStatus.SCREENED and obj.process_id and obj.summary == "货物未苫盖（已核实）"


class TestClueDismiss(GenericActionTests):
    model_label, action = "maritime.clue", "dismiss"

    def make_object(self, unit, n, ready=True):
        return _clue(unit, n, ClueStatus.NEW if ready else ClueStatus.PUSHED)

    def input_data(self, ctx, obj):
        return {"note": "误识别"}

    def done(self, obj):
        return obj.status == ClueStatus.REJECTED and obj.screened_by_id is not None


class _ClueReview(GenericActionTests):
    """The review is the workflow's 线索审核 task, offered to the squad leader of the clue's unit."""

    model_label = "maritime.clue"
    permitted_unit = "squad1"
    result = ClueStatus.PUSHED

    @pytest.fixture(autouse=True)
    def _reviewer(self, ctx, definitions):
        from teis.org.models import Role

        ctx.user.officer.roles.add(Role.objects.get(code="squad_leader"))

    def make_object(self, unit, n, ready=True):
        from teis.core.testing import make_officer_user

        screener = make_officer_user(role_codes=["field_officer"], unit=unit, username=f"screener{n}")
        clue = _clue(unit, n)
        clue_services.do_screen_clue(screener, clue, True, "情况属实")
        if not ready:
            Clue.objects.filter(pk=clue.pk).update(status=ClueStatus.REJECTED)
        return Clue.objects.get(pk=clue.pk)

    def input_data(self, ctx, obj):
        return {"opinion": "同意"}

    def done(self, obj):
        return obj.status == self.result


class TestClueApprove(_ClueReview):
    action = "approve"

    def done(self, obj):
        return obj.status == ClueStatus.PUSHED and obj.case_id is not None


class TestClueReject(_ClueReview):
    action = "reject"
    result = ClueStatus.REJECTED


class TestCluePush(GenericActionTests):
    model_label, action = "maritime.clue", "push"
    extra_permissions = ["cases.add_enforcementcase"]  # the push is a pre-registration by the user

    @pytest.fixture(autouse=True)
    def _definitions(self, definitions):
        pass

    def make_object(self, unit, n, ready=True):
        return _clue(unit, n, ClueStatus.APPROVED if ready else ClueStatus.REJECTED)

    def done(self, obj):
        return obj.status == ClueStatus.PUSHED and obj.case_id is not None


def test_clue_actions_write_who_when_what(tree, make_user, definitions):
    officer = make_user("field_officer", "squad1")
    leader = make_user("squad_leader", "squad1")
    clue = _clue(tree["squad1"], 7, owner="旧所有人")
    url = f"/api/v1/maritime/clues/{clue.pk}/"
    resp = logged_in_client(officer).post(
        url + "screen/", {"owner": "上海某航运公司", "note": "核实属实"}, content_type="application/json"
    )
    assert resp.status_code == 200, resp.content
    clue.refresh_from_db()
    assert clue.screened_by == officer and clue.owner == "上海某航运公司" and clue.status == ClueStatus.SCREENED
    record = _last_audit(clue)
    assert record.actor == officer and record.changes["筛选意见"] == [None, "核实属实"]
    resp = logged_in_client(leader).post(url + "reject/", {"opinion": "证据不足"}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REJECTED
    record = _last_audit(clue)
    assert record.actor == leader and record.changes["审核意见"] == [None, "证据不足"] and record.at
    other = _clue(tree["squad1"], 8)
    resp = logged_in_client(officer).post(
        f"/api/v1/maritime/clues/{other.pk}/dismiss/", {"note": "误识别"}, content_type="application/json"
    )
    assert resp.status_code == 200
    other.refresh_from_db()
    assert other.status == ClueStatus.REJECTED and other.screened_by == officer
    assert _last_audit(other).changes["筛选意见"] == [None, "误识别"]
