"""扣押车辆停车管理 (spec §2.5.1.10): impounded vehicles (涉案财物 of kind vehicle) enter a car park, leave it
with a release document (放行单: who released it, when, to whom) and pay the parking fee.

The fee rule: **days × the car park's daily tariff**, where days are the started 24-hour periods between
entry and release (a partial day counts as a whole day; at least one day). The fee is fixed at the release and
kept on the record, so a later change of the tariff does not change what was charged.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import codes as core_codes
from teis.core.services import ServiceError, fit

from ..choices import PropertyKind
from ..models import CarPark, CaseProperty, ParkingRecord

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PARK_PERMISSION = "cases.add_parkingrecord"
RELEASE_PERMISSION = "cases.change_parkingrecord"
DAY = dt.timedelta(days=1)


def parking_days(entered_at: dt.datetime, released_at: dt.datetime) -> int:
    """Started 24-hour periods from entry to release; a partial day counts as a day; at least 1."""
    seconds = (released_at - entered_at).total_seconds()
    return max(1, math.ceil(seconds / DAY.total_seconds()))


def parking_fee(entered_at: dt.datetime, released_at: dt.datetime, daily_tariff: Decimal) -> tuple[int, Decimal]:
    """(days, fee): days × tariff, rounded to the fen."""
    days = parking_days(entered_at, released_at)
    return days, (Decimal(days) * Decimal(daily_tariff)).quantize(Decimal("0.01"))


def current_fee(record: ParkingRecord, now: dt.datetime | None = None) -> tuple[int, Decimal]:
    """The fee so far of a vehicle still parked (or the fixed fee of a released one)."""
    if record.released_at is not None and record.parking_fee is not None:
        return record.parking_days or 0, record.parking_fee
    return parking_fee(record.entered_at, now or timezone.now(), record.car_park.daily_tariff)


def _check_park(actor: User, prop: CaseProperty, car_park: CarPark | None, entered_at: dt.datetime) -> None:
    from .property import HELD

    errors: dict[str, list[str]] = {}
    if prop.kind != PropertyKind.VEHICLE:
        errors["property"] = ["只有车辆类涉案财物可以入场停放"]
    elif prop.status not in HELD:
        errors["property"] = [f"该车辆当前状态为“{prop.get_status_display()}”，不能入场"]
    if car_park is None or not car_park.is_active:
        errors["car_park"] = ["请选择启用中的停车场"]
    elif not CarPark.objects.for_user(actor).filter(pk=car_park.pk).exists():
        errors["car_park"] = ["停车场不在您的数据权限范围内"]
    elif car_park.capacity and car_park.records.filter(released_at__isnull=True).count() >= car_park.capacity:
        errors["car_park"] = [f"停车场“{car_park.name}”车位已满（{car_park.capacity} 个）"]
    if entered_at > timezone.now() + dt.timedelta(minutes=10):
        errors["entered_at"] = ["入场时间不能晚于当前时间"]
    elif entered_at < prop.seized_at - dt.timedelta(minutes=10):
        errors["entered_at"] = ["入场时间不能早于扣押时间"]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)


def do_park_vehicle(
    actor: User, prop: CaseProperty, car_park: CarPark | None, space: str = "", entered_at: dt.datetime | None = None
) -> ParkingRecord:
    """入场: an impounded vehicle enters a car park. One transaction; audited; one open stay per vehicle."""
    if not actor.has_perm(PARK_PERMISSION) or not CaseProperty.objects.for_user(actor).filter(pk=prop.pk).exists():
        raise ServiceError("forbidden", "没有办理车辆入场的权限")
    entered_at = entered_at or timezone.now()
    with transaction.atomic():
        prop = CaseProperty.objects.select_for_update().get(pk=prop.pk)
        if car_park is not None:
            car_park = CarPark.objects.select_for_update().get(pk=car_park.pk)
        _check_park(actor, prop, car_park, entered_at)
        assert car_park is not None  # refused by _check_park
        if prop.parking_records.filter(released_at__isnull=True).exists():
            raise ServiceError("already_parked", "该车辆已在停车场内，请先办理出场放行", {"property": ["该车辆已在场"]})
        record = ParkingRecord.objects.create(
            property=prop,
            car_park=car_park,
            plate=prop.plate,
            space=fit(ParkingRecord, "space", space or "", strip=True),
            entered_at=entered_at,
            created_by=actor,
        )
        prop.storage_place = f"{car_park.name}{' ' + record.space if record.space else ''}"[:200]
        prop.save(update_fields=["storage_place", "updated_at"])
        audit.record(
            actor,
            AuditAction.CREATE,
            record,
            changes={"停车场": [None, car_park.name], "车牌号": [None, record.plate], "车位": [None, record.space]},
            detail={"operation": "cases.park_vehicle", "property": prop.pk},
        )
    return record


def _release(
    actor: User, record: ParkingRecord, released_to: str, note: str, released_at: dt.datetime
) -> ParkingRecord:
    days, fee = parking_fee(record.entered_at, released_at, record.car_park.daily_tariff)
    year = timezone.localtime(released_at).year
    record.released_at = released_at
    record.released_by = actor if getattr(actor, "is_authenticated", False) else None
    record.released_to = fit(ParkingRecord, "released_to", released_to)
    record.release_note = fit(ParkingRecord, "release_note", note or "", field="note")
    record.parking_days = days
    record.parking_fee = fee
    record.release_number = f"放行〔{year}〕{core_codes.next_value(f'parking_release:{year}'):06d}号"
    record.save(
        update_fields=[
            "released_at",
            "released_by",
            "released_to",
            "release_note",
            "parking_days",
            "parking_fee",
            "release_number",
            "updated_at",
        ]
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        record,
        changes={
            "放行时间": [None, timezone.localtime(released_at).strftime("%Y-%m-%d %H:%M")],
            "提车人": [None, released_to],
        },
        detail={"operation": "cases.release_vehicle", "days": days, "fee": str(fee), "number": record.release_number},
    )
    return record


def do_release_vehicle(
    actor: User, record: ParkingRecord, released_to: str, note: str = "", released_at: dt.datetime | None = None
) -> ParkingRecord:
    """出场放行: the 放行单 (who, when, to whom) and the fee fixed. One transaction; audited."""
    released_to = (released_to or "").strip()
    released_at = released_at or timezone.now()
    errors: dict[str, list[str]] = {}
    if not released_to:
        errors["released_to"] = ["请填写提车人"]
    if released_at > timezone.now() + dt.timedelta(minutes=10):
        errors["released_at"] = ["放行时间不能晚于当前时间"]
    elif released_at < record.entered_at:
        errors["released_at"] = ["放行时间不能早于入场时间"]
    if errors:
        raise ServiceError("invalid", next(iter(errors.values()))[0], errors)
    if (
        not actor.has_perm(RELEASE_PERMISSION)
        or not ParkingRecord.objects.for_user(actor).filter(pk=record.pk).exists()
    ):
        raise ServiceError("forbidden", "没有办理车辆出场放行的权限")
    with transaction.atomic():
        record = ParkingRecord.objects.select_for_update(of=("self",)).select_related("car_park").get(pk=record.pk)
        if record.released_at is not None:
            raise ServiceError("released", "该车辆已出场放行")
        return _release(actor, record, released_to, note, released_at)


def release_on_disposal(actor: User, prop: CaseProperty, released_to: str) -> None:
    """A vehicle returned, auctioned or confiscated leaves its car park (inside the disposal's transaction)."""
    record = (
        ParkingRecord.objects.select_for_update(of=("self",))
        .select_related("car_park")
        .filter(property=prop, released_at__isnull=True)
        .first()
    )
    if record is not None:
        who = released_to or {"returned": "当事人", "confiscated": "没收入库"}.get(prop.status, "—")
        _release(actor, record, who, f"随财物处置出场：{prop.get_status_display()}", timezone.now())


def vehicles_held_now(user: User) -> QuerySet[Any]:
    """在场车辆: the open stays in the user's scope."""
    return (
        ParkingRecord.objects.for_user(user)
        .filter(released_at__isnull=True)
        .select_related("car_park", "property", "property__case")
        .order_by("car_park__name", "entered_at")
    )
