"""Rule 13 for every registered dispatch model: generic pages and API as anonymous, without permission,
permitted, and permitted but out of scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.testing_mixins import GenericModelTests
from teis.dispatch import models as m

pytestmark = pytest.mark.django_db
SQUARE = {"type": "Polygon", "coordinates": [[[121.4, 31.2], [121.5, 31.2], [121.5, 31.3], [121.4, 31.2]]]}
NOW = timezone.now().replace(microsecond=0)


def vehicle(unit, n):
    return m.PatrolVehicle.objects.get_or_create(
        plate=f"沪G{n:05d}", defaults={"unit": unit, "terminal_phone": f"0138{n:08d}"}
    )[0]


def plan(unit, n, status="draft"):
    return m.DutyPlan.objects.get_or_create(unit=unit, title=f"勤务计划{n}", defaults={"status": status})[0]


def task(unit, n):
    return m.DutyTask.objects.create(
        plan=plan(unit, n, "approved"),
        unit=unit,
        title=f"勤务任务{n}",
        start_at=NOW,
        end_at=NOW + dt.timedelta(hours=4),
    )


class TestPatrolVehicle(GenericModelTests):
    model_label = "dispatch.patrolvehicle"
    unique_column = "plate"

    def make_object(self, unit, n):
        return vehicle(unit, n)

    def form_data(self, ctx, n):
        return {
            "plate": f"沪N{n:05d}",
            "kind": "car",
            "unit": ctx.tree["squad1"].pk,
            "terminal_phone": f"0139{n:08d}",
            "status": "in_service",
        }

    def test_duplicate_terminal_is_refused(self, ctx):
        from teis.core.testing import logged_in_client

        data = self.form_data(ctx, 1) | {"terminal_phone": "00000000" + ctx.obj.terminal_phone.lstrip("0")}
        resp = logged_in_client(ctx.user).post(
            "/api/v1/dispatch/patrolvehicle/" if False else self.api_url(), data, content_type="application/json"
        )
        assert resp.status_code == 400 and "terminal_phone" in resp.json()["fields"]


class TestAlarm(GenericModelTests):
    model_label = "dispatch.alarm"
    unique_column = "message"

    def make_object(self, unit, n):
        return m.Alarm.objects.create(
            kind="out_of_area", unit=unit, vehicle=vehicle(unit, n), message=f"驶出执法区域{n}"
        )


class TestTerminalCommand(GenericModelTests):
    model_label = "dispatch.terminalcommand"
    unique_column = "text"

    def make_object(self, unit, n):
        v = vehicle(unit, n)
        return m.TerminalCommand.objects.create(vehicle=v, unit=unit, phone=v.terminal_phone, text=f"前往支援{n}")


class TestGeofence(GenericModelTests):
    model_label = "dispatch.geofence"
    unique_column = "name"

    def make_object(self, unit, n):
        return m.Geofence.objects.create(name=f"围栏{n}", kind="restricted", unit=unit, geometry=SQUARE)

    def form_data(self, ctx, n):
        import json

        return {
            "name": f"新围栏{n}",
            "kind": "key_area",
            "unit": ctx.tree["squad1"].pk,
            "geometry": json.dumps(SQUARE),
            "monthly_patrols": 2,
            "is_active": True,
        }

    def api_data(self, ctx, n):
        return self.form_data(ctx, n) | {"geometry": SQUARE}


class TestCheckpoint(GenericModelTests):
    model_label = "dispatch.checkpoint"
    unique_column = "name"

    def make_object(self, unit, n):
        return m.Checkpoint.objects.create(name=f"检查站{n}", unit=unit, lon=121.1, lat=31.1)

    def form_data(self, ctx, n):
        return {
            "name": f"治超站{n}",
            "kind": "overload_station",
            "unit": ctx.tree["squad1"].pk,
            "lon": 121.2,
            "lat": 31.2,
        }


class TestDutyTemplate(GenericModelTests):
    model_label = "dispatch.dutytemplate"
    unique_column = "name"

    def make_object(self, unit, n):
        return m.DutyTemplate.objects.create(name=f"范本{n}", unit=unit, content="检查出租车")

    def form_data(self, ctx, n):
        return {
            "name": f"新范本{n}",
            "task_type": "special",
            "unit": ctx.tree["squad1"].pk,
            "content": "专项检查",
            "default_hours": 6,
        }


class TestDutyPlan(GenericModelTests):
    lookup_field = "title"
    model_label = "dispatch.dutyplan"
    unique_column = "title"

    def make_object(self, unit, n):
        return plan(unit, n)

    def form_data(self, ctx, n):
        return {"unit": ctx.tree["squad1"].pk, "date": "2026-12-01", "title": f"新计划{n}"}

    def api_data(self, ctx, n):
        return self.form_data(ctx, n)


class TestDutyTask(GenericModelTests):
    lookup_field = "title"
    model_label = "dispatch.dutytask"
    unique_column = "title"

    def make_object(self, unit, n):
        return task(unit, n)

    def form_data(self, ctx, n):
        p = plan(ctx.tree["squad1"], 900 + n)
        return {
            "plan": p.pk,
            "unit": ctx.tree["squad1"].pk,
            "task_type": "daily",
            "title": f"新任务{n}",
            "content": "巡查",
            "start_at": "2026-12-01 08:00",
            "end_at": "2026-12-01 12:00",
        }


class TestDutyFeedback(GenericModelTests):
    model_label = "dispatch.dutyfeedback"
    unique_column = "task"
    lookup_field = "content"

    def make_object(self, unit, n):
        return m.DutyFeedback.objects.create(task=task(unit, n), unit=unit, content=f"检查完毕{n}")

    def form_data(self, ctx, n):
        return {
            "content": f"反馈{n}",
            "task": task(ctx.tree["squad1"], 800 + n).pk,
            "unit": ctx.tree["squad1"].pk,
            "checked_vehicles": 3,
            "checked_operators": 1,
            "cases_found": 0,
            "overtime_hours": "0.5",
        }


class TestDutyOrder(GenericModelTests):
    lookup_field = "title"
    model_label = "dispatch.dutyorder"
    unique_column = "title"

    def make_object(self, unit, n):
        o = m.DutyOrder.objects.create(unit=unit, title=f"指令{n}", content="加强巡查")
        o.target_units.set([unit])
        return o

    def form_data(self, ctx, n):
        return {
            "unit": ctx.tree["squad1"].pk,
            "title": f"新指令{n}",
            "content": "火车站加强巡查",
            "target_units": [ctx.tree["squad2"].pk],
            "status": "issued",
        }


class TestOrderFeedback(GenericModelTests):
    """Read-only: written by the order's 反馈 action (test_orders.py)."""

    model_label = "dispatch.orderfeedback"
    unique_column = "order"
    lookup_field = "content"

    def make_object(self, unit, n):
        o = m.DutyOrder.objects.create(unit=unit, title=f"指令{n}", content="x")
        return m.OrderFeedback.objects.create(order=o, unit=unit, content=f"已落实{n}")


class TestOrderReceipt(GenericModelTests):
    """Read-only: written by the order services (签收)."""

    model_label = "dispatch.orderreceipt"
    unique_column = "order"

    def make_object(self, unit, n):
        o = m.DutyOrder.objects.create(unit=unit, title=f"签收指令{n}", content="x")
        return m.OrderReceipt.objects.create(order=o, unit=unit)


class TestCrossDistrictRequest(GenericModelTests):
    model_label = "dispatch.crossdistrictrequest"
    unique_column = "target_region"

    def make_object(self, unit, n):
        return m.CrossDistrictRequest.objects.create(
            unit=unit, target_region=f"浦东新区{n}", reason="联合执法", start_at=NOW, end_at=NOW + dt.timedelta(hours=2)
        )

    def form_data(self, ctx, n):
        return {
            "target_region": f"闵行区{n}",
            "unit": ctx.tree["squad1"].pk,
            "reason": "联合整治",
            "start_at": "2026-12-01 08:00",
            "end_at": "2026-12-01 18:00",
        }


class TestNonDutyUse(GenericModelTests):
    model_label = "dispatch.nondutyuse"
    unique_column = "reason"

    def make_object(self, unit, n):
        return m.NonDutyUse.objects.create(
            unit=unit, vehicle=vehicle(unit, n), reason=f"车辆保养{n}", start_at=NOW, end_at=NOW + dt.timedelta(hours=2)
        )

    def form_data(self, ctx, n):
        return {
            "reason": f"年检{n}",
            "unit": ctx.tree["squad1"].pk,
            "vehicle": vehicle(ctx.tree["squad1"], 700 + n).pk,
            "start_at": "2026-12-01 08:00",
            "end_at": "2026-12-01 10:00",
        }


class TestLeaderOnDuty(GenericModelTests):
    model_label = "dispatch.leaderonduty"
    unique_column = "remark"

    def make_object(self, unit, n):
        return m.LeaderOnDuty.objects.create(
            unit=unit, leader=self._ctx.make_user("brigade_leader", "brigade1"), remark=f"带班{n}"
        )

    def form_data(self, ctx, n):
        return {"remark": f"带班检查{n}", "unit": ctx.tree["squad1"].pk, "date": "2026-12-01", "leader": ctx.user.pk}


class TestNfcTag(GenericModelTests):
    model_label = "dispatch.nfctag"
    unique_column = "tag_id"

    def make_object(self, unit, n):
        return m.NfcTag.objects.create(tag_id=f"04{n:08d}", place=f"执勤点{n}", unit=unit)

    def form_data(self, ctx, n):
        return {"tag_id": f"05{n:08d}", "place": f"新执勤点{n}", "unit": ctx.tree["squad1"].pk, "is_active": True}


class TestSignIn(GenericModelTests):
    model_label = "dispatch.signin"
    unique_column = "place"

    def make_object(self, unit, n):
        return m.SignIn.objects.create(
            officer=self._ctx.make_user("field_officer", "squad1"), unit=unit, place=f"营房{n}"
        )
