"""The registered actions of dispatch (`dispatch/tables.py`), each run by core's generated action tests:
anonymous / without permission / permitted / out of scope / forbidden state, on the API and the detail page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from teis.core.testing_mixins import GenericActionTests
from teis.dispatch.choices import AlarmKind, ApprovalStatus, OrderStatus, PlanStatus
from teis.dispatch.models import (
    Alarm,
    CrossDistrictRequest,
    DutyOrder,
    DutyPlan,
    DutyTask,
    NonDutyUse,
    OrderFeedback,
    OrderReceipt,
    PatrolVehicle,
)


def _vehicle(unit, n):
    return PatrolVehicle.objects.create(plate=f"沪D{n:05d}"[-8:], unit=unit)


class TestAlarmAcknowledge(GenericActionTests):
    model_label = "dispatch.alarm"
    action = "acknowledge"

    def make_object(self, unit, n, ready=True):
        alarm = Alarm.objects.create(
            kind=AlarmKind.OUT_OF_AREA, vehicle=_vehicle(unit, n), unit=unit, message=f"越界{n}"
        )
        if not ready:
            Alarm.objects.filter(pk=alarm.pk).update(acknowledged_at=timezone.now(), ack_note="已处理")
        return alarm

    def input_data(self, ctx, obj):
        return {"note": "已电话联系"}

    def done(self, obj):
        return obj.acknowledged_at is not None and obj.ack_note == "已电话联系"


class _PlanAction(GenericActionTests):
    model_label = "dispatch.dutyplan"
    ready_status = PlanStatus.DRAFT
    other_status = PlanStatus.APPROVED
    result = PlanStatus.SUBMITTED

    def make_object(self, unit, n, ready=True):
        plan = DutyPlan.objects.create(
            unit=unit, title=f"计划{n}", status=self.ready_status if ready else self.other_status
        )
        now = timezone.now()
        DutyTask.objects.create(plan=plan, unit=unit, title="巡查", start_at=now, end_at=now + dt.timedelta(hours=1))
        return plan

    def done(self, obj):
        return obj.status == self.result


class TestPlanSubmit(_PlanAction):
    action = "submit"


class TestPlanApprove(_PlanAction):
    action = "approve"
    permitted_also = ("brigade_leader",)  # the diagram offers the approval to the brigade leader
    ready_status, other_status, result = PlanStatus.SUBMITTED, PlanStatus.DRAFT, PlanStatus.APPROVED

    def input_data(self, ctx, obj):
        return {"opinion": "同意"}


class TestPlanReject(_PlanAction):
    action = "reject"
    permitted_also = ("brigade_leader",)
    ready_status, other_status, result = PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.REJECTED

    def input_data(self, ctx, obj):
        return {"opinion": "警力不足，请补充"}


class TestPlanAdjust(_PlanAction):
    action = "adjust"
    ready_status, other_status, result = PlanStatus.APPROVED, PlanStatus.SUBMITTED, PlanStatus.DRAFT

    def input_data(self, ctx, obj):
        return {"reason": "增派警力"}

    def done(self, obj):
        return obj.status == PlanStatus.DRAFT and obj.adjustments == 1


class _Decision(GenericActionTests):
    approve = True
    permitted_also = ("brigade_leader",)  # the diagram offers the approval to the brigade leader

    def make_object(self, unit, n, ready=True):
        now = timezone.now()
        status = ApprovalStatus.PENDING if ready else ApprovalStatus.REJECTED
        if self.model_label == "dispatch.nondutyuse":
            return NonDutyUse.objects.create(
                unit=unit, vehicle=_vehicle(unit, n), reason=f"保养{n}", start_at=now, end_at=now, status=status
            )
        return CrossDistrictRequest.objects.create(
            unit=unit, target_region=f"区域{n}", reason="支援", start_at=now, end_at=now, status=status
        )

    def input_data(self, ctx, obj):
        return {"opinion": "同意" if self.approve else "理由不充分"}

    def done(self, obj):
        wanted = ApprovalStatus.APPROVED if self.approve else ApprovalStatus.REJECTED
        return obj.status == wanted and obj.decided_by_id is not None


class TestNonDutyUseApprove(_Decision):
    model_label, action = "dispatch.nondutyuse", "approve"


class TestNonDutyUseReject(_Decision):
    model_label, action, approve = "dispatch.nondutyuse", "reject", False


class TestCrossDistrictApprove(_Decision):
    model_label, action = "dispatch.crossdistrictrequest", "approve"


class TestCrossDistrictReject(_Decision):
    model_label, action, approve = "dispatch.crossdistrictrequest", "reject", False


class TestDutyOrderClose(GenericActionTests):
    model_label = "dispatch.dutyorder"
    action = "close"

    def make_object(self, unit, n, ready=True):
        status = OrderStatus.ISSUED if ready else OrderStatus.CLOSED
        return DutyOrder.objects.create(unit=unit, title=f"指令{n}", content="加强巡查", status=status)

    def done(self, obj):
        return obj.status == OrderStatus.CLOSED


def _order(tree, target, n, *, status=OrderStatus.ISSUED, acknowledged=False):
    """An order of the corps sent to `target` (the unit's receipt acknowledged when asked)."""
    order = DutyOrder.objects.create(unit=tree["corps"], title=f"下达指令{n}", content="加强巡查", status=status)
    order.target_units.set([target])
    now = timezone.now() if acknowledged else None
    OrderReceipt.objects.create(order=order, unit=target, acknowledged_at=now)
    return order


class _OrderAction(GenericActionTests):
    """The actor acts for its unit (brigade1), a target of the order; an order sent to squad3 is out of reach."""

    model_label = "dispatch.dutyorder"
    permitted_unit = in_scope_unit = "brigade1"

    def make_object(self, unit, n, ready=True):
        from teis.org.models import Unit

        tree = {"corps": Unit.objects.order_by("path").first()}
        return _order(tree, unit, n, status=OrderStatus.ISSUED if ready else OrderStatus.CLOSED, **self.receipt)


class TestDutyOrderAcknowledge(_OrderAction):
    action = "acknowledge"
    receipt = {"acknowledged": False}

    def done(self, obj):
        return OrderReceipt.objects.filter(order=obj, acknowledged_at__isnull=False).exists()


class TestDutyOrderFeedback(_OrderAction):
    action = "feedback"
    receipt = {"acknowledged": True}

    def input_data(self, ctx, obj):
        return {"content": "已部署两个中队"}

    def done(self, obj):
        return OrderFeedback.objects.filter(order=obj, content="已部署两个中队").exists()
