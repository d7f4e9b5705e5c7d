"""Vehicles, geofences and static points: the generic audited service plus the checks they need."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import models

from teis.core.services import GenericService, ServiceError
from teis.core.telemetry.geometry import check_polygon

from ..models import PatrolVehicle, device_key

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PHONE_RE = re.compile(r"^[0-9a-fA-F]{1,20}$")  # decimal BCD; some terminals use hex digits a–f


class VehicleService(GenericService):
    """A terminal phone is 1–20 digits (JT/T 808 BCD); no two vehicles share a device (phones compared without
    leading zeros, as the 2013 and 2019 headers differ only in them)."""

    def _check(self, data: dict[str, Any], pk: int | None = None) -> None:
        phone = (data.get("terminal_phone") or "").strip().lower()  # hex digits as the gateway reads them
        device = (data.get("device_id") or "").strip()
        errors: dict[str, list[str]] = {}
        if phone and not PHONE_RE.match(phone):
            errors["terminal_phone"] = ["终端手机号应为 1–20 位数字（可含十六进制 a–f）"]
        keys = {device_key(k): name for k, name in ((phone, "terminal_phone"), (device, "device_id")) if k}
        if keys:
            others = PatrolVehicle.objects.all()
            if pk is not None:  # exclude(pk=None) excludes nothing
                others = others.exclude(pk=pk)
            for v in others.exclude(terminal_phone="", device_id="").only("plate", "terminal_phone", "device_id"):
                for raw in (v.terminal_phone, v.device_id):
                    if raw and device_key(raw) in keys:
                        errors.setdefault(keys[device_key(raw)], []).append(f"该设备已绑定车辆 {v.plate}")
        if errors:
            raise ServiceError("invalid", "车辆终端信息有误。", errors)
        if "terminal_phone" in data:
            data["terminal_phone"] = phone
        if "device_id" in data:
            data["device_id"] = device

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        self._check(data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        self._check(data, obj.pk)
        return super().do_update(actor, obj, data)


class GeofenceService(GenericService):
    """A geofence's shape must be a valid GeoJSON polygon or multipolygon in WGS-84, not self-intersecting (the
    shared check of `teis.core.telemetry.geometry`, as for the water areas)."""

    def _check(self, data: dict[str, Any]) -> None:
        if "geometry" not in data:
            return
        data["geometry"] = check_polygon(data.get("geometry"), "geometry")

    def do_create(self, actor: User, model: type[models.Model], data: dict[str, Any]) -> models.Model:
        self._check(data)
        return super().do_create(actor, model, data)

    def do_update(self, actor: User, obj: models.Model, data: dict[str, Any]) -> models.Model:
        self._check(data)
        return super().do_update(actor, obj, data)
