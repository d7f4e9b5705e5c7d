"""/api/v1/dispatch/…: sign-in (NFC / terminal / phone position), plan submission, approval and adjustment,
decisions on 跨区勤务报审 and 非勤务用车报备."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError

from ..models import CrossDistrictRequest, DutyPlan, NonDutyUse, PatrolVehicle
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


class PlanActionView(APIView):
    """`{"action": "submit" | "approve" | "reject" | "adjust", "opinion"?, "reason"?}` on a duty plan."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "DispatchPlanAction", {"action": serializers.CharField(), "opinion": serializers.CharField(required=False)}
        ),
        responses={
            200: inline_serializer(
                "DispatchPlanState", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            )
        },
    )
    def post(self, request, pk: int):
        check_perm(request, "dispatch.view_dutyplan")
        plan = get_object_or_404(DutyPlan.objects.for_user(request.user), pk=pk)
        data = _data(request)
        action = _text(data, "action")
        if action == "submit":
            plan = duty.do_submit_plan(request.user, plan)
        elif action in ("approve", "reject"):
            plan = duty.do_decide_plan(request.user, plan, approve=action == "approve", opinion=_text(data, "opinion"))
        elif action == "adjust":
            plan = duty.do_adjust_plan(request.user, plan, _text(data, "reason"))
        else:
            raise ServiceError("invalid", "未知的操作。", {"action": ["应为 submit / approve / reject / adjust"]})
        return Response({"id": plan.pk, "status": plan.status, "status_label": plan.get_status_display()})


class DecideView(APIView):
    """`{"approve": true|false, "opinion"}` on a 跨区勤务报审 or 非勤务用车报备."""

    permission_classes = [IsAuthenticated]
    model = None

    @extend_schema(
        request=inline_serializer(
            "DispatchDecision",
            {"approve": serializers.BooleanField(), "opinion": serializers.CharField(required=False)},
        ),
        responses={
            200: inline_serializer(
                "DispatchDecisionState", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            )
        },
    )
    def post(self, request, pk: int):
        model = self.model
        check_perm(request, f"dispatch.view_{model._meta.model_name}")
        obj = get_object_or_404(model.objects.for_user(request.user), pk=pk)
        data = _data(request)
        if not isinstance(data.get("approve"), bool):
            raise ServiceError("invalid", "请选择是否批准。", {"approve": ["应为 true 或 false"]})
        decide = duty.do_decide_cross_district if model is CrossDistrictRequest else duty.do_decide_non_duty_use
        obj = decide(request.user, obj, approve=data["approve"], opinion=_text(data, "opinion"))
        return Response({"id": obj.pk, "status": obj.status, "status_label": obj.get_status_display()})


class CrossDistrictDecideView(DecideView):
    model = CrossDistrictRequest


class NonDutyUseDecideView(DecideView):
    model = NonDutyUse
