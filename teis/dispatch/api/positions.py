"""Positions that do not come over JT/T 808, both through `ingest_fixes`:

- /api/v1/dispatch/osmand/ — the OsmAnd / Traccar client protocol: query or form parameters
  (`id`/`deviceid`, `lat`, `lon`, `timestamp` (Unix seconds or ms, or ISO), `speed` in knots, `bearing`,
  `altitude`, `valid`) or Traccar Client's JSON body (`device_id`, `location.timestamp`,
  `location.coords.{latitude, longitude, speed (m/s), heading, altitude}`). Devices have no login: the device
  id must be registered on a vehicle (unknown ids answer 404, nothing stored).
- /api/v1/dispatch/mobile/positions/ — an officer's phone (spec §2.5.4.3), logged in: one position or a list,
  for a vehicle in the officer's scope (the phone stands in for a weak vehicle terminal) or for the phone
  registered as the officer's own device (a vehicle record of kind "执法手机" with device id `officer:<username>`).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError

from ..fixes import Fix
from ..models import PatrolVehicle, device_key
from ..services import directory
from ..services.positions import ingest_fixes
from .common import check_perm, float_param, time_param

KNOT_KMH = 1.852
MAX_BATCH = 500


def _result(result) -> dict:
    return {
        "stored": result.stored,
        "invalid": result.invalid,
        "late": result.late,
        "unknown_device": result.unknown_device,
        "alarms_raised": result.alarms_raised,
        "invalid_reasons": result.invalid_reasons,
        "flagged": result.flagged,  # stored, but not as a position (too old, out of region, no fix …)
        "flagged_reasons": result.flagged_reasons,
    }


def _fix(device: str, p: dict, *, speed_unit_kmh: float, source: str, flag: str = "") -> Fix:
    return Fix(
        device_id=device,
        time=time_param(p.get("timestamp"), "timestamp", "定位时间"),
        lon=float_param(p.get("lon"), "lon", "经度", lo=-180, hi=180),
        lat=float_param(p.get("lat"), "lat", "纬度", lo=-90, hi=90),
        speed_kmh=float_param(p.get("speed"), "speed", "速度", lo=0, hi=2000, default=0.0) * speed_unit_kmh,
        heading=int(float_param(p.get("bearing"), "bearing", "方向", lo=0, hi=360, default=0.0)) % 360,
        altitude_m=int(float_param(p.get("altitude"), "altitude", "高程", lo=-1000, hi=20000, default=0.0)),
        source=source,
        flag=flag,
    )


class OsmAndView(APIView):
    """OsmAnd / Traccar client positions (GET or POST)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def _params(self, request) -> tuple[str, dict, float]:
        data = request.data if request.method == "POST" else {}
        if isinstance(data, dict) and isinstance(data.get("location"), dict):  # Traccar Client ≥ 9 JSON
            loc = data["location"]
            coords = loc.get("coords") if isinstance(loc.get("coords"), dict) else {}
            p = {
                "timestamp": loc.get("timestamp"),
                "lat": coords.get("latitude"),
                "lon": coords.get("longitude"),
                "speed": coords.get("speed"),
                "bearing": coords.get("heading"),
                "altitude": coords.get("altitude"),
            }
            return str(data.get("device_id") or ""), p, 3.6  # m/s
        p = dict(request.query_params.items())
        if isinstance(data, dict):
            p.update({k: v for k, v in data.items() if isinstance(v, str | int | float)})
        return str(p.get("id") or p.get("deviceid") or ""), p, KNOT_KMH

    @extend_schema(
        parameters=[
            OpenApiParameter("id", str, description="设备号（须已登记到车辆）"),
            OpenApiParameter("lat", float),
            OpenApiParameter("lon", float),
            OpenApiParameter("timestamp", str, description="Unix 秒/毫秒或 ISO 时间"),
            OpenApiParameter("speed", float, description="节"),
            OpenApiParameter("bearing", float),
            OpenApiParameter("altitude", float),
        ],
        responses={200: inline_serializer("DispatchOsmAndResult", {"stored": serializers.IntegerField()})},
    )
    def get(self, request):
        return self._ingest(request)

    @extend_schema(
        request=None,
        responses={200: inline_serializer("DispatchOsmAndPostResult", {"stored": serializers.IntegerField()})},
    )
    def post(self, request):
        return self._ingest(request)

    def _ingest(self, request):
        device, p, unit = self._params(request)
        device = device.strip()[:64]
        if not device:
            raise ServiceError("invalid", "缺少设备号。", {"id": ["缺少设备号"]})
        if directory.current().vehicles.get(device_key(device)) is None:
            return Response({"code": "unknown_device", "message": "设备未登记。", "fields": {}}, status=404)
        # a report the client marks as without a fix is stored as a "no fix" row, never answered 2xx and dropped
        no_fix = str(p.get("valid", "true")).lower() in ("false", "0")
        fix = _fix(device, p, speed_unit_kmh=unit, source="osmand", flag="no_fix" if no_fix else "")
        return Response(_result(ingest_fixes([fix])))


class MobilePositionView(APIView):
    """Positions from an officer's phone: `{"vehicle": id?, "positions": [{lon, lat, timestamp, speed (km/h),
    bearing, altitude}]}` or one position at the top level."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "DispatchMobilePositions",
            {
                "vehicle": serializers.IntegerField(required=False),
                "lon": serializers.FloatField(required=False),
                "lat": serializers.FloatField(required=False),
                "timestamp": serializers.CharField(required=False),
                "positions": serializers.ListField(child=serializers.DictField(), required=False),
            },
        ),
        responses={200: inline_serializer("DispatchMobilePositionResult", {"stored": serializers.IntegerField()})},
    )
    def post(self, request):
        check_perm(request, "dispatch.view_patrolvehicle")
        data = request.data if isinstance(request.data, dict) else {}
        raw_vehicle = data.get("vehicle")
        if raw_vehicle not in (None, ""):
            if not str(raw_vehicle).isdigit() or int(str(raw_vehicle)) > 2**62:
                raise ServiceError("invalid", "车辆应为 id。", {"vehicle": ["应为整数 id"]})
            vehicle = get_object_or_404(PatrolVehicle.objects.for_user(request.user), pk=int(str(raw_vehicle)))
        else:
            vehicle = PatrolVehicle.objects.filter(device_id__iexact=f"officer:{request.user.username}").first()
            if vehicle is None:
                raise ServiceError("no_device", "当前账号没有登记执法手机，请选择车辆。", {"vehicle": ["请选择车辆"]})
        device = vehicle.device_id or vehicle.terminal_phone
        if not device:
            raise ServiceError("no_device", "该车辆没有登记终端或设备号。", {"vehicle": ["车辆没有设备号"]})
        positions = data.get("positions")
        if positions is None:
            positions = [data]
        if not isinstance(positions, list) or not positions or len(positions) > MAX_BATCH:
            raise ServiceError("invalid", f"positions 应为 1–{MAX_BATCH} 个定位。", {"positions": ["数量不符"]})
        fixes = []
        for i, p in enumerate(positions):
            if not isinstance(p, dict):
                raise ServiceError("invalid", f"第 {i + 1} 个定位格式错误。", {f"positions.{i}": ["应为对象"]})
            try:
                fixes.append(_fix(device, p, speed_unit_kmh=1.0, source="mobile"))
            except ServiceError as err:
                raise ServiceError(
                    err.code,
                    f"第 {i + 1} 个定位：{err.message}",
                    {f"positions.{i}.{k}": v for k, v in err.fields.items()},
                ) from None
        result = ingest_fixes(fixes)
        if result.unknown_device:  # e.g. a retired vehicle: nothing stored, so not a 2xx
            raise ServiceError("unknown_device", "该车辆已停用或设备未登记，定位未保存。", {"vehicle": ["设备未登记"]})
        return Response(_result(result))
