"""Rule 13 for 双随机一公开: the generic pages and API of every registered model, as four users.

Tasks and warnings are read-only (created by the draw and the warning scan): their edit URLs do not exist
and API writes are refused. Check items are reference data (unscoped)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.testing_mixins import GenericModelTests
from teis.inspections.models import (
    CheckItem,
    DeclaredRelation,
    InspectionIndicator,
    InspectionPlan,
    InspectionTask,
    InspectionWarning,
    RequiredCheckQuota,
)
from teis.inspections.services.plans import PlanService

from .factories import credit_code, industries, make_inspector, make_object

pytestmark = pytest.mark.django_db


def freight():
    return industries()["freight_general"]


def plan_in(unit, n):
    return PlanService().do_create(
        None, InspectionPlan, {"name": f"抽查计划{n}", "level": "city", "unit": unit, "year": 2025, "draw_count": 5}
    )


class TestInspectionObjectGeneric(GenericModelTests):
    model_label = "inspections.inspectionobject"
    unique_column = "credit_code"
    lookup_field = "credit_code"

    def make_object(self, unit, n):
        return make_object(unit, n=n)

    def form_data(self, ctx, n):
        return {
            "name": f"新增运输公司{n}",
            "credit_code": credit_code(n + 500_000),
            "kind": "enterprise",
            "industry": freight().pk,
            "district": "310115",
            "address": "浦东大道1号",
            "unit": ctx.tree["squad1"].pk,
            "credit_rating": "A",
            "risk_level": "low",
            "status": "normal",
        }


class TestRequiredCheckQuotaGeneric(GenericModelTests):
    model_label = "inspections.requiredcheckquota"
    unique_column = "year"
    lookup_field = "required_count"

    def make_object(self, unit, n):
        return RequiredCheckQuota.objects.create(year=2000 + n % 100, unit=unit, industry=freight(), required_count=n)

    def form_data(self, ctx, n):
        return {
            "year": 2000 + (n + 50) % 100,
            "unit": ctx.tree["squad1"].pk,
            "industry": freight().pk,
            "required_count": n + 7,
            "progress_threshold": 80,
            "remark": "",
        }


class TestInspectorGeneric(GenericModelTests):
    model_label = "inspections.inspector"
    unique_column = "officer"
    lookup_field = "officer"
    filter_exclude = {
        "officer__unit": "filtered by the officer's unit in the officer list",
        "officer__certificate_number": "shown for reference",
    }

    def make_object(self, unit, n):
        user = self._ctx.make_user("field_officer", self.unit_key(unit), username=f"ins{n}")
        return make_inspector(user, district="310115")

    def unit_key(self, unit):
        return next(k for k, u in self._ctx.tree.items() if u.pk == unit.pk)

    def new_officer(self, ctx, n):
        user = ctx.make_user("field_officer", "squad1", username=f"newins{n}")
        officer = user.officer
        officer.certificate_number = f"31{n:010d}"
        officer.certificate_valid_until = timezone.localdate() + dt.timedelta(days=300)
        officer.save()
        return officer

    def form_data(self, ctx, n):
        return {"officer": self.new_officer(ctx, n).pk, "district": "310115", "is_available": True}

    def api_data(self, ctx, n):
        return {**self.form_data(ctx, n), "industries": []}


class TestDeclaredRelationGeneric(GenericModelTests):
    model_label = "inspections.declaredrelation"
    unique_column = "description"
    lookup_field = "description"

    def inspector(self, unit, n):
        key = next(k for k, u in self._ctx.tree.items() if u.pk == unit.pk)
        return make_inspector(self._ctx.make_user("field_officer", key, username=f"rel{n}"))

    def make_object(self, unit, n):
        return DeclaredRelation.objects.create(
            inspector=self.inspector(unit, n),
            inspection_object=make_object(unit, n=n),
            description=f"曾任职{n}",
            declared_on=dt.date(2025, 1, 1),
        )

    def form_data(self, ctx, n):
        unit = ctx.tree["squad1"]
        return {
            "inspector": self.inspector(unit, n + 300_000).pk,
            "inspection_object": make_object(unit, n=n + 300_000).pk,
            "description": f"配偶持股{n}",
            "declared_on": "2025-03-01",
        }


class TestCheckItemGeneric(GenericModelTests):
    model_label = "inspections.checkitem"
    unique_column = "code"
    lookup_field = "code"
    scoped = False
    permitted_scope = "own"

    def make_object(self, unit, n):
        return CheckItem.objects.create(code=f"JC{n}", name=f"检查事项{n}", indicator="合格")

    def form_data(self, ctx, n):
        return {
            "code": f"NEW{n}",
            "name": f"车辆技术状况{n}",
            "requirement": "查验",
            "indicator": "合格",
            "is_active": True,
        }


class TestInspectionPlanGeneric(GenericModelTests):
    model_label = "inspections.inspectionplan"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return plan_in(unit, n)

    def form_data(self, ctx, n):
        return {
            "name": f"新计划{n}",
            "level": "city",
            "unit": ctx.tree["brigade1"].pk,
            "year": 2025,
            "draw_count": 10,
            "exclude_inspected_months": 0,
            "exclude_investigating": True,
            "inspectors_per_object": 2,
            "deadline_workdays": 20,
            "warn_workdays_before": 3,
            "coverage_threshold": 80,
            "target_completion": 100,
        }

    def api_data(self, ctx, n):
        return {**self.form_data(ctx, n), "class_weights": {}, "districts": [], "industries": [], "check_items": []}


class TestInspectionTaskGeneric(GenericModelTests):
    model_label = "inspections.inspectiontask"
    unique_column = "code"

    def make_object(self, unit, n):
        return InspectionTask.objects.create(
            code=f"T{n}",
            plan=plan_in(unit, n),
            inspection_object=make_object(unit, n=n),
            unit=unit,
            deadline=dt.date(2030, 1, 1),
        )

    def form_data(self, ctx, n):
        return {"code": f"X{n}"}


class TestInspectionWarningGeneric(GenericModelTests):
    model_label = "inspections.inspectionwarning"
    unique_column = "message"

    def make_object(self, unit, n):
        return InspectionWarning.objects.create(
            key=f"k{n}", kind="overdue", plan=plan_in(unit, n), unit=unit, message=f"任务已超期{n}"
        )

    def form_data(self, ctx, n):
        return {"message": f"x{n}"}


class TestInspectionIndicatorGeneric(GenericModelTests):
    model_label = "inspections.inspectionindicator"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return InspectionIndicator.objects.create(
            plan=plan_in(unit, n), name=f"完成率指标{n}", kind="completion_rate", target=100
        )

    def form_data(self, ctx, n):
        return {
            "plan": plan_in(ctx.tree["brigade1"], n + 700).pk,
            "name": f"覆盖率指标{n}",
            "kind": "coverage_rate",
            "direction": "gte",
            "target": "60",
            "unit": ctx.tree["squad1"].pk,
            "warn_percent": 80,
            "remark": "",
        }
