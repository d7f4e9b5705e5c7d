"""Rule 13 for the models of 涉案财物 / 停车, 治超, 黑名单 / 非法客运 and 当场处罚: every generic page and API endpoint
as four users (anonymous, without permission, permitted, permitted but out of scope)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from teis.core.testing_mixins import GenericModelTests

from ..models import (
    BlacklistEntry,
    CarPark,
    CaseProperty,
    CustodyPlace,
    EnforcementCase,
    FourPenaltyLink,
    IllegalTransportRecord,
    OnSpotPenalty,
    OverloadUnloading,
    ParkingRecord,
)

pytestmark = pytest.mark.django_db


class CaseBound(GenericModelTests):
    def handler(self):
        ctx = self._ctx
        if not hasattr(ctx, "handler"):
            ctx.handler = ctx.make_user("field_officer", "squad1", username=f"gen_side_{self.model_label}")
        return ctx.handler

    def case(self, unit, n):
        return EnforcementCase.objects.create(title=f"扣车案{n}", unit=unit, handler=self.handler())


class TestCaseProperty(CaseBound):
    model_label = "cases.caseproperty"
    unique_column = "description"
    lookup_field = "description"

    def make_object(self, unit, n):
        return CaseProperty.objects.create(
            case=self.case(unit, n), kind="vehicle", description=f"白色轿车{n}", plate="沪A12345", keeper_unit=unit
        )


class TestCustodyPlace(GenericModelTests):
    model_label = "cases.custodyplace"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return CustodyPlace.objects.create(name=f"财物库{n}", unit=unit)

    def form_data(self, ctx, n):
        return {"name": f"新财物库{n}", "unit": ctx.tree["squad1"].pk, "address": "某路 1 号", "is_active": True}


class TestCarPark(GenericModelTests):
    model_label = "cases.carpark"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return CarPark.objects.create(name=f"扣车场{n}", unit=unit, daily_tariff=Decimal("20"))

    def form_data(self, ctx, n):
        return {
            "name": f"新扣车场{n}",
            "unit": ctx.tree["squad1"].pk,
            "address": "",
            "daily_tariff": "25.00",
            "capacity": 50,
            "is_active": True,
        }


class TestParkingRecord(CaseBound):
    model_label = "cases.parkingrecord"
    unique_column = "plate"
    lookup_field = "plate"

    def make_object(self, unit, n):
        prop = CaseProperty.objects.create(
            case=self.case(unit, n), kind="vehicle", description="车", plate=f"沪A{n:05d}", keeper_unit=unit
        )
        park = CarPark.objects.create(name=f"扣车场{n}", unit=unit, daily_tariff=Decimal("20"))
        return ParkingRecord.objects.create(property=prop, car_park=park, plate=prop.plate)


class TestOverloadUnloading(CaseBound):
    model_label = "cases.overloadunloading"
    unique_column = "place"
    lookup_field = "place"

    def make_object(self, unit, n):
        return OverloadUnloading.objects.create(
            case=self.case(unit, n), method="unload", unloaded_kg=1000, place=f"卸货场{n}"
        )


class TestFourPenaltyLink(CaseBound):
    model_label = "cases.fourpenaltylink"
    unique_column = "subject_name"
    lookup_field = "subject_name"

    def make_object(self, unit, n):
        return FourPenaltyLink.objects.create(
            source_case=self.case(unit, n),
            target="loading_site",
            subject_name=f"砂石料场{n}",
            action="copy_report",
            copy_to="某区交通局",
        )


class TestOnSpotPenalty(CaseBound):
    model_label = "cases.onspotpenalty"
    unique_column = "case"
    lookup_field = "legal_basis"

    def make_object(self, unit, n):
        case = self.case(unit, n)
        return OnSpotPenalty.objects.create(
            case=case,
            penalty_kind="fine",
            fine_amount=Decimal("50"),
            legal_basis=f"20001 依据{n}",
            decided_at=timezone.now(),
            decided_by=case.handler,
        )


class TestBlacklistEntry(GenericModelTests):
    model_label = "cases.blacklistentry"
    unique_column = "name"
    lookup_field = "name"

    def make_object(self, unit, n):
        return BlacklistEntry.objects.create(
            kind="vehicle", name=f"黑车{n}", plate="沪B12345", reason="非法客运", unit=unit
        )

    def form_data(self, ctx, n):
        return {"kind": "vehicle", "name": f"新黑车{n}", "plate": "沪C12345", "reason": "三次非法客运", "id_number": ""}

    def api_data(self, ctx, n):
        return {"kind": "vehicle", "name": f"接口黑车{n}", "plate": "沪C12345", "reason": "三次非法客运"}


class TestIllegalTransportRecord(GenericModelTests):
    model_label = "cases.illegaltransportrecord"
    unique_column = "driver_name"
    lookup_field = "driver_name"

    def make_object(self, unit, n):
        return IllegalTransportRecord.objects.create(plate="沪D12345", driver_name=f"司机{n}", unit=unit)

    def form_data(self, ctx, n):
        return {
            "plate": "沪D54321",
            "driver_name": f"新司机{n}",
            "driver_id_number": "",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            "place": "虹桥站",
            "passengers": 2,
            "description": "",
        }

    def api_data(self, ctx, n):
        return {"plate": "沪D54321", "driver_name": f"接口司机{n}", "passengers": 1}
