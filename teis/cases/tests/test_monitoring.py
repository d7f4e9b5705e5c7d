"""执法全过程智能监控: each point raises a warning to the handler and the squad leader, once, and resolves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from teis.cases.choices import CaseStatus, WarningKind
from teis.cases.models import MonitoringWarning
from teis.cases.services import monitoring
from teis.core.models import Notification
from teis.core.testing import logged_in_client

from .test_query import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user):
    return make_user("field_officer", "squad1")


@pytest.fixture
def leader(make_user):
    return make_user("squad_leader", "squad1")


def open_kinds(case):
    return set(MonitoringWarning.objects.filter(case=case, is_open=True).values_list("kind", flat=True))


def test_not_registered_raises_notifies_and_resolves(officer, leader):
    case = make_case(officer, discovered_at=timezone.now() - dt.timedelta(days=30))
    fresh = make_case(officer, discovered_at=timezone.now() - dt.timedelta(days=1))
    counts = monitoring.do_check_cases()
    assert counts["raised"] == 1
    assert open_kinds(case) == {WarningKind.NOT_REGISTERED} and open_kinds(fresh) == set()
    for user in (officer, leader):
        assert Notification.objects.filter(user=user, title__contains="发现后逾期未立案").count() == 1
    monitoring.do_check_cases()  # still one open warning, no second notification
    assert MonitoringWarning.objects.filter(case=case).count() == 1
    assert Notification.objects.filter(user=officer).count() == 1
    case.status, case.filed_at = CaseStatus.INVESTIGATING, timezone.now()
    case.save()
    counts = monitoring.do_check_cases()
    assert counts["resolved"] == 1 and open_kinds(case) == set()
    assert MonitoringWarning.objects.get(case=case).resolved_at is not None


def test_threshold_from_settings(officer, settings):
    case = make_case(officer, discovered_at=timezone.now() - dt.timedelta(days=30))
    settings.TEIS_CASE_MONITORING = {"register_days": 60}
    monitoring.do_check_cases()
    assert open_kinds(case) == set()


def test_step_and_case_deadlines(officer):
    now = timezone.now()
    case = make_case(
        officer,
        status=CaseStatus.INVESTIGATING,
        filed_at=now,
        current_step="调查取证",
        step_due_at=now - dt.timedelta(hours=1),
        deadline=timezone.localdate() + dt.timedelta(days=3),
    )
    far = make_case(
        officer,
        status=CaseStatus.INVESTIGATING,
        filed_at=now,
        step_due_at=now + dt.timedelta(days=2),
        deadline=timezone.localdate() + dt.timedelta(days=60),
    )
    monitoring.do_check_cases()
    assert {WarningKind.STEP_OVERDUE, WarningKind.CASE_OVERDUE} <= open_kinds(case)
    assert WarningKind.STEP_OVERDUE not in open_kinds(far) and WarningKind.CASE_OVERDUE not in open_kinds(far)
    case.step_due_at = now + dt.timedelta(days=5)
    case.status = CaseStatus.CLOSED
    case.save()
    monitoring.do_check_cases()
    assert open_kinds(case) == set()


def test_amount_outside_statutory_range(officer):
    from teis.legal.models import ViolationCode

    code = ViolationCode.objects.create(
        code="9990001", name="测试违章", fine_min=Decimal("1000"), fine_max=Decimal("3000")
    )
    inside = make_case(officer, status=CaseStatus.DECIDED, filed_at=timezone.now(), fine_amount=Decimal("2000"))
    outside = make_case(officer, status=CaseStatus.DECIDED, filed_at=timezone.now(), fine_amount=Decimal("5000"))
    inside.violation_codes.add(code)
    outside.violation_codes.add(code)
    monitoring.do_check_cases()
    assert WarningKind.AMOUNT_OUTSIDE_BENCHMARK in open_kinds(outside)
    assert WarningKind.AMOUNT_OUTSIDE_BENCHMARK not in open_kinds(inside)
    assert "5,000.00" in MonitoringWarning.objects.get(case=outside, kind=WarningKind.AMOUNT_OUTSIDE_BENCHMARK).message
    outside.fine_amount = Decimal("3000")
    outside.save()
    monitoring.do_check_cases()
    assert WarningKind.AMOUNT_OUTSIDE_BENCHMARK not in open_kinds(outside)


def test_missing_material_point_uses_step_requirements(officer, monkeypatch):
    import teis.cases.steps as steps

    case = make_case(officer, status=CaseStatus.INVESTIGATING, filed_at=timezone.now(), current_step="Task_X")
    monkeypatch.setattr(steps, "missing_requirements", lambda c, step: ["询问笔录"] if c.pk == case.pk else [])
    monitoring.do_check_cases()
    assert WarningKind.MISSING_MATERIAL in open_kinds(case)
    monkeypatch.setattr(steps, "missing_requirements", lambda c, step: [])
    monitoring.do_check_cases()
    assert WarningKind.MISSING_MATERIAL not in open_kinds(case)


def test_page_scope_and_periodic_job(officer, make_user):
    mine = make_case(officer, discovered_at=timezone.now() - dt.timedelta(days=30), title="本队案件")
    other = make_user("field_officer", "squad3")
    make_case(other, discovered_at=timezone.now() - dt.timedelta(days=30), title="他队案件")
    from teis.core.jobs import PERIODIC
    from teis.core.models import JobRun

    assert "teis.cases.services.monitoring.monitor_cases" in PERIODIC
    monitoring.monitor_cases.call_local()
    assert JobRun.objects.filter(name="teis.cases.services.monitoring.monitor_cases", ok=True).exists()
    body = logged_in_client(make_user("squad_leader", "squad1")).get("/cases/monitor/").content.decode()
    assert "本队案件" in body and "他队案件" not in body
    r = logged_in_client(make_user("brigade_leader", "brigade1")).get(
        f"/cases/monitor/?kind=not_registered&case={mine.pk}"
    )
    assert r.status_code == 200 and "本队案件" in r.content.decode()
