"""`seed_demo` for the command centre: today's approved duty plans and sign-ins, so that on the live map most demo
vehicles drive cleared and only a few raise 未登录行驶; idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from shapely.geometry import shape

from teis.audit.models import AuditRecord
from teis.core.models import TodoItem, TodoStatus
from teis.dispatch.choices import AlarmKind, LiveState, OrderStatus, PlanStatus
from teis.dispatch.demo.loader import UNASSIGNED_PLATES, UNSIGNED_REGION
from teis.dispatch.fixes import Fix
from teis.dispatch.models import (
    Alarm,
    DutyOrder,
    DutyPlan,
    DutyTask,
    FixRecord,
    OrderFeedback,
    OrderReceipt,
    PatrolVehicle,
    SignIn,
)
from teis.dispatch.services import directory
from teis.dispatch.services.duty import active_tasks, check_duty_alarms, vehicles_cleared_to_drive
from teis.dispatch.services.live import live_delta
from teis.dispatch.services.positions import ingest_fixes

pytestmark = pytest.mark.django_db


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def duty_counts() -> dict:
    return {
        "plans": DutyPlan.objects.count(),
        "tasks": DutyTask.objects.count(),
        "signins": SignIn.objects.count(),
        "audit": AuditRecord.objects.count(),
    }


def test_seed_demo_plans_today_so_that_most_vehicles_drive_cleared():
    seed()
    now = timezone.now()
    today = timezone.localdate()
    fleet = list(PatrolVehicle.objects.select_related("unit"))
    assert len(fleet) > 30

    # every unit with vehicles has today's approved plan, drafted, submitted and approved through the services
    plans = DutyPlan.objects.filter(date=today)
    assert {p.unit_id for p in plans} == {v.unit_id for v in fleet}
    assert all(p.status == PlanStatus.APPROVED and p.approved_by_id for p in plans)
    for plan in plans:
        assert AuditRecord.objects.filter(object_type="dispatch.dutyplan", object_id=str(plan.pk)).count() >= 3
        tasks = list(plan.tasks.all())
        assert tasks and all(t.officers.exists() for t in tasks)
        assert min(t.start_at for t in tasks) <= now <= max(t.end_at for t in tasks)  # the whole day is covered

    # the few left off: an unassigned car and one brigade not signed in
    uncleared = {v.plate for v in fleet} - {
        v.plate for v in fleet if v.pk in vehicles_cleared_to_drive([v.pk for v in fleet], now)
    }
    expected = set(UNASSIGNED_PLATES) | {v.plate for v in fleet if v.unit.region_code == UNSIGNED_REGION}
    assert uncleared == expected
    assert len(uncleared) <= len(fleet) // 5
    running = active_tasks(now).filter(plan__date=today)
    signed = set(SignIn.objects.filter(signed_at__date=today).values_list("officer_id", flat=True))
    assert signed and all(
        set(t.officers.values_list("pk", flat=True)) <= signed
        for t in running.exclude(unit__region_code=UNSIGNED_REGION)
    )

    # the seeded week of tracks stays inside the units' areas; today's drives are cleared but for the unassigned car
    open_alarms = Alarm.objects.filter(ended_at=None)
    assert not open_alarms.filter(kind=AlarmKind.OUT_OF_AREA).exists()
    assert set(open_alarms.values_list("vehicle__plate", flat=True)) <= expected

    # the duty checks on the seeded data raise no flood of 定位异常: vehicles whose terminal never reported are not
    # alarms (issue 21 §4: 41 open on the first morning), only the few with a week of tracks that stopped reporting
    check_duty_alarms(now)
    tracked = set(FixRecord.objects.values_list("vehicle_id", flat=True).distinct())
    no_fix = set(Alarm.objects.filter(kind=AlarmKind.NO_FIX, ended_at=None).values_list("vehicle_id", flat=True))
    assert no_fix <= tracked and len(tracked) <= 6

    # the command centre's orders in different states
    orders = {o.title: o for o in DutyOrder.objects.all()}
    assert len(orders) == 3 and {o.status for o in orders.values()} == {OrderStatus.ISSUED, OrderStatus.CLOSED}
    receipts = OrderReceipt.objects.filter(order__status=OrderStatus.ISSUED)
    assert receipts.filter(acknowledged_at=None).exists() and receipts.exclude(acknowledged_at=None).exists()
    assert any(r.is_late for r in receipts) and OrderFeedback.objects.exists()
    brigade = get_user_model().objects.get(username="brigade")
    assert TodoItem.objects.filter(user=brigade, status=TodoStatus.OPEN, title__startswith="签收勤务指令").exists()

    # the simulator drives every vehicle for three minutes: 未登录行驶 only for the few
    directory.invalidate()
    fixes = []
    for v in fleet:
        device = v.terminal_phone or v.device_id
        area = v.unit.jurisdiction or v.unit.parent.jurisdiction
        centre = shape(area).representative_point()
        for i in range(19):
            at = now - dt.timedelta(seconds=180 - 10 * i)
            fixes.append(Fix(device, at, centre.x + i * 0.0003, centre.y, 30.0, 90, status_bits=0b10))
    ingest_fixes(fixes)
    alarmed = set(
        Alarm.objects.filter(kind=AlarmKind.UNREGISTERED_DRIVING, ended_at=None).values_list(
            "vehicle__plate", flat=True
        )
    )
    assert alarmed == expected

    check_duty_alarms(now)  # reporting again ends 定位异常
    command = get_user_model().objects.filter(officer__roles__code="command_center").order_by("username").first()
    states = {v["plate"]: v["state"] for v in live_delta(command)["vehicles"]}
    assert {p for p, s in states.items() if s == LiveState.ALARM} >= expected
    assert sum(s == LiveState.MOVING for s in states.values()) >= len(fleet) - len(expected) - 2

    # a second run adds nothing
    before = duty_counts()
    seed()
    assert duty_counts() == before
