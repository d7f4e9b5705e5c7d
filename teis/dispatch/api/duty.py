"""/api/v1/dispatch/sign-in/: NFC / terminal / phone position. Plan submission, approval and adjustment and the
decisions on 跨区勤务报审 / 非勤务用车报备 are registered actions (`dispatch/tables.py`), served by core's viewsets."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError

from ..models import PatrolVehicle
from ..services import duty
from .common import check_perm, float_param


def _data(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


def _text(data, key) -> str:
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


class SignInView(APIView):
    """签到: `{"method": "nfc", "tag_id", "device_id"}`, `{"method": "terminal", "vehicle": id}` or
    `{"method": "mobile", "lon", "lat", "device_id"}`."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "DispatchSignInRequest",
            {
                "method": serializers.ChoiceField(choices=["nfc", "terminal", "mobile"]),
                "tag_id": serializers.CharField(required=False),
                "device_id": serializers.CharField(required=False),
                "vehicle": serializers.IntegerField(required=False),
                "lon": serializers.FloatField(required=False),
                "lat": serializers.FloatField(required=False),
            },
        ),
        responses={
            201: inline_serializer(
                "DispatchSignInResult", {"id": serializers.IntegerField(), "place": serializers.CharField()}
            )
        },
    )
    def post(self, request):
        check_perm(request, "dispatch.add_signin")
        data = _data(request)
        vehicle = None
        if data.get("vehicle") not in (None, ""):
            if not str(data["vehicle"]).isdigit() or int(str(data["vehicle"])) > 2**62:
                raise ServiceError("invalid", "车辆应为 id。", {"vehicle": ["应为整数 id"]})
            vehicle = get_object_or_404(PatrolVehicle.objects.for_user(request.user), pk=int(str(data["vehicle"])))
        lon = lat = None
        if data.get("lon") not in (None, "") or data.get("lat") not in (None, ""):
            lon = float_param(data.get("lon"), "lon", "经度", lo=-180, hi=180)
            lat = float_param(data.get("lat"), "lat", "纬度", lo=-90, hi=90)
        sign_in = duty.do_sign_in(
            request.user,
            method=_text(data, "method") or "nfc",
            tag_id=_text(data, "tag_id"),
            device_id=_text(data, "device_id"),
            vehicle=vehicle,
            lon=lon,
            lat=lat,
        )
        return Response(
            {"id": sign_in.pk, "place": sign_in.place, "signed_at": sign_in.signed_at, "task": sign_in.task_id},
            status=201,
        )
