"""检查指标: bound to a plan, computed from its tasks, shown on each task, warned when not met; and the
published result page explains how to verify the draw."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from teis.core.models import Notification
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.inspections.choices import WarningKind, WarningStatus
from teis.inspections.models import InspectionIndicator, InspectionTask, InspectionWarning
from teis.inspections.services import plans as plan_svc
from teis.inspections.services import tasks as task_svc
from teis.inspections.services.indicators import IndicatorService
from teis.inspections.services.warnings import scan_warnings

from .factories import make_plan


def add(actor, plan, **kw):
    data = {"plan": plan, "name": kw.pop("name", "完成率"), "kind": "completion_rate", "target": Decimal(100)}
    data.update(kw)
    return IndicatorService().do_create(actor, InspectionIndicator, data)


def execute(task, result="no_problem", **extra):
    user = task.inspectors.first().officer.user
    findings = {str(f.check_item_id): {"result": "conform"} for f in task.findings.all()}
    data = {"result": result, "summary": "检查情况", "findings": findings, **extra}
    task_svc.do_execute(user, task, data)


@pytest.fixture
def drawn(setup):
    leader, plan = setup["leader"], setup["plan"]
    ind = {
        "completion": add(leader, plan, name="完成率", kind="completion_rate", target=Decimal(100)),
        "coverage": add(leader, plan, name="覆盖率", kind="coverage_rate", target=Decimal(50)),
        "count": add(leader, plan, name="检查户数", kind="inspected_count", target=Decimal(2)),
        "problems": add(leader, plan, name="问题发现率", kind="problem_rate", target=Decimal(30)),
        "cases": add(leader, plan, name="立案数", kind="case_count", target=Decimal(0), direction="lte"),
    }
    plan_svc.do_freeze(leader, plan)
    plan_svc.do_draw(leader, plan)
    return {**setup, "ind": ind}


def value(indicator):
    indicator.refresh_from_db()
    return indicator.actual, indicator.is_met


def test_rules_of_an_indicator(setup):
    leader, plan = setup["leader"], setup["plan"]
    with pytest.raises(ServiceError) as exc:
        add(leader, plan, target=Decimal(150))
    assert "0–100" in exc.value.message and "target" in exc.value.fields
    district = make_plan(leader, setup["tree"]["squad1"], level="district", draw_count=1, name="区级计划")
    with pytest.raises(ServiceError) as exc:
        add(leader, district, unit=setup["tree"]["squad2"])
    assert "unit" in exc.value.fields
    ok = add(leader, district, unit=setup["tree"]["squad1"], kind="inspected_count", target=Decimal(500))
    assert ok.pk and ok.actual is None and ok.is_met is None  # no task yet


def test_actual_values_follow_the_tasks(drawn):
    ind = drawn["ind"]
    assert value(ind["completion"]) == (Decimal("0.00"), False)
    assert value(ind["coverage"]) == (Decimal("0.00"), False)  # 6 candidates
    assert value(ind["count"]) == (Decimal(0), False)
    assert value(ind["problems"]) == (None, None)  # nothing done: no rate yet
    assert value(ind["cases"]) == (Decimal(0), True)  # 不高于 0
    tasks = list(InspectionTask.objects.order_by("code"))
    execute(tasks[0])
    execute(tasks[1], "rectify", rectify_deadline="2030-01-01")
    assert value(ind["completion"]) == (Decimal("66.67"), False)
    assert value(ind["coverage"]) == (Decimal("33.33"), False)
    assert value(ind["count"]) == (Decimal(2), True)
    assert value(ind["problems"]) == (Decimal("50.00"), True)
    execute(tasks[2])
    assert value(ind["completion"]) == (Decimal("100.00"), True)
    assert value(ind["coverage"]) == (Decimal("50.00"), True)


def test_unit_indicator_counts_only_that_units_tasks(drawn):
    from teis.inspections.services.indicators import indicators_for_task

    tasks = list(InspectionTask.objects.order_by("code"))
    unit = tasks[0].unit
    mine = [t for t in tasks if t.unit_id == unit.pk]
    others = [t for t in tasks if t.unit_id != unit.pk]
    ind = add(drawn["leader"], drawn["plan"], name="本中队完成率", unit=unit)
    execute(mine[0])
    assert value(ind) == ((Decimal(100) / len(mine)).quantize(Decimal("0.01")), len(mine) == 1)
    assert ind.pk in {i.pk for i in indicators_for_task(mine[0])}
    for t in others:
        assert ind.pk not in {i.pk for i in indicators_for_task(t)}
        assert drawn["ind"]["completion"].pk in {i.pk for i in indicators_for_task(t)}


def test_progress_and_unmet_warnings(drawn):
    tasks = list(InspectionTask.objects.order_by("code"))
    deadline = tasks[0].deadline
    execute(tasks[0])
    # right after the draw nothing is expected yet
    scan_warnings(timezone.localdate())
    assert not InspectionWarning.objects.filter(key__startswith="indicator:progress:").exists()
    # the day before the deadline: completion 33%, coverage 17% and 1 inspected are behind target × elapsed × 80%
    # (problem rate and case count are judged only after the deadline)
    scan_warnings(deadline - dt.timedelta(days=1))
    progress = InspectionWarning.objects.filter(key__startswith="indicator:progress:", status=WarningStatus.OPEN)
    keys = set(progress.values_list("key", flat=True))
    ind = drawn["ind"]
    assert keys == {f"indicator:progress:{ind[k].pk}" for k in ("completion", "coverage", "count")}
    warning = progress.get(key=f"indicator:progress:{ind['completion'].pk}")
    assert warning.kind == WarningKind.INDICATOR_UNMET and "进度落后" in warning.message
    open_inspector = tasks[1].inspectors.first().officer.user
    assert Notification.objects.filter(user=open_inspector, body__contains="完成率").exists()
    assert Notification.objects.filter(user=drawn["plan"].created_by, body__contains="进度落后").exists()
    # after the deadline: the unmet ones warn as 未达成, the progress warnings close
    scan_warnings(deadline + dt.timedelta(days=3))
    unmet = set(
        InspectionWarning.objects.filter(key__startswith="indicator:item:", status=WarningStatus.OPEN).values_list(
            "key", flat=True
        )
    )
    assert unmet == {
        f"indicator:item:{ind['completion'].pk}",
        f"indicator:item:{ind['coverage'].pk}",
        f"indicator:item:{ind['count'].pk}",
        f"indicator:item:{ind['problems'].pk}",  # 0% of problems found among the done tasks < 30%
    }
    assert not InspectionWarning.objects.filter(key__startswith="indicator:progress:", status=WarningStatus.OPEN)
    # done late: completion, coverage and count are met and their warnings close
    execute(tasks[1])
    execute(tasks[2], "rectify", rectify_deadline="2030-01-01")
    scan_warnings(deadline + dt.timedelta(days=4))
    still = set(
        InspectionWarning.objects.filter(key__startswith="indicator:item:", status=WarningStatus.OPEN).values_list(
            "key", flat=True
        )
    )
    assert still == set()  # problems 1/3 = 33% ≥ 30%


def test_indicators_on_the_task_page_board_api_and_list(drawn, make_user):
    task = InspectionTask.objects.order_by("code").first()
    user = task.inspectors.first().officer.user
    client = logged_in_client(user)
    page = client.get(reverse("inspections:task_execute", args=[task.pk])).content.decode()
    assert 'id="task-indicators"' in page and "问题发现率" in page and "不高于" in page
    data = client.get(f"/api/v1/inspections/tasks/{task.pk}/").json()
    names = {i["name"]: i for i in data["indicators"]}
    assert set(names) == {"完成率", "覆盖率", "检查户数", "问题发现率", "立案数"}
    assert names["立案数"]["is_met"] is True and names["完成率"]["actual"] == "0.00"

    leader_client = logged_in_client(drawn["leader"])
    board = leader_client.get(reverse("inspections:plan_board", args=[drawn["plan"].pk])).content.decode()
    assert 'id="plan-indicators"' in board and "未达成" in board
    listing = leader_client.get(reverse("inspections:inspectionindicator_list"))
    assert listing.status_code == 200 and "覆盖率" in listing.content.decode()
    export = leader_client.get(reverse("inspections:inspectionindicator_export"))
    assert export.status_code == 200


def test_published_board_shows_commitment_seed_and_how_to_verify(drawn):
    plan = drawn["plan"]
    plan_svc.do_publish(drawn["leader"], plan)
    record = plan.draw
    record.refresh_from_db()
    client = logged_in_client(drawn["leader"])
    html = client.get(reverse("inspections:plan_board", args=[plan.pk])).content.decode()
    assert record.seed_commitment in html and record.seed_hex in html
    assert 'id="verify-howto"' in html and "如何核验本次抽取" in html
    assert f"manage.py inspections_verify_draw {plan.code}" in html and 'id="published-at"' in html
    assert f"/api/v1/inspections/plans/{plan.pk}/verify/" in html
