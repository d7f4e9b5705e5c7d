"""Rule 13 for 信息派发 (violation records, station rules) and 执法监督 (monitoring warnings, case reviews): every
generic page and API endpoint as four users (anonymous, without permission, permitted, permitted but out of
scope). Records, warnings and reviews are read-only on the generic pages and API (written by their services);
station rules are written through `station_service`, limited to the user's scope."""

from __future__ import annotations

import pytest
from django.utils import timezone

from teis.core.testing_mixins import GenericModelTests

from ..choices import WarningKind
from ..models import CaseReview, EnforcementCase, MonitoringWarning, StationAssignment, ViolationRecord

pytestmark = pytest.mark.django_db


class CaseBound(GenericModelTests):
    def case(self, unit, n):
        ctx = self._ctx
        if not hasattr(ctx, "handler"):
            ctx.handler = ctx.make_user("field_officer", "squad1", username=f"gen_sup_{self.model_label}")
        return EnforcementCase.objects.create(title=f"监督案{n}", unit=unit, handler=ctx.handler)


class TestViolationRecordGeneric(GenericModelTests):
    model_label = "cases.violationrecord"
    unique_column = "station"

    def make_object(self, unit, n):
        return ViolationRecord.objects.create(
            station=f"检测站{n}", detected_at=timezone.now(), plate=f"沪A{n % 100000:05d}", unit=unit
        )


class TestStationAssignmentGeneric(GenericModelTests):
    """Scoped through the rule's unit (`StationAssignmentConfig.queryset_for`)."""

    model_label = "cases.stationassignment"
    unique_column = "station"
    lookup_field = "station"

    def make_object(self, unit, n):
        return StationAssignment.objects.create(station=f"检测站{n}", unit=unit)

    def form_data(self, ctx, n):
        return {"station": f"新检测站{n}", "unit": ctx.tree["squad1"].pk, "officer": ""}

    def api_data(self, ctx, n):
        return {"station": f"新检测站{n}", "unit": ctx.tree["squad1"].pk, "officer": None}

    def test_unit_outside_scope_is_refused(self, ctx):
        from teis.core.testing import logged_in_client

        client = logged_in_client(ctx.user)
        data = self.form_data(ctx, 1)
        data["unit"] = ctx.tree["squad3"].pk
        assert client.post(self.url("add"), data).status_code == 400
        resp = client.post(
            self.api_url(), {**self.api_data(ctx, 1), "unit": data["unit"]}, content_type="application/json"
        )
        assert resp.status_code == 400
        assert not StationAssignment.objects.filter(station=data["station"]).exists()


class TestMonitoringWarningGeneric(CaseBound):
    """Scoped through the case's unit."""

    model_label = "cases.monitoringwarning"
    unique_column = "message"

    def make_object(self, unit, n):
        return MonitoringWarning.objects.create(
            case=self.case(unit, n), kind=WarningKind.STEP_OVERDUE, message=f"环节超期{n}天"
        )


class TestCaseReviewGeneric(CaseBound):
    """Scoped through the case's unit."""

    model_label = "cases.casereview"
    unique_column = "batch"

    def make_object(self, unit, n):
        return CaseReview.objects.create(case=self.case(unit, n), batch=f"抽查批次{n}", score=90)
