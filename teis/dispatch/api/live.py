"""/api/v1/dispatch/live/…: the live map's delta, static layers, text messages down, 立案 from an alarm (确认告警 is
the registered action `dispatch.alarm acknowledge`)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import PatrolVehicle
from ..services import alarms as alarm_services
from ..services import live as live_services
from ..services import terminals
from .common import check_perm, int_param


def _unit(request):
    from teis.org.models import Unit

    raw = request.query_params.get("unit")
    if raw in (None, ""):
        return None
    pk = int_param(raw, "unit", "单位")
    return get_object_or_404(Unit.objects.for_user(request.user), pk=pk)


class LiveDeltaView(APIView):
    """What changed on the live map after `since` (0 = everything): vehicles with state and latest fix, alarms,
    and the new cursor to pass next time. The page polls this every second."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("since", int, description="上次返回的 cursor；0 或省略为全量"),
            OpenApiParameter("unit", int, description="单位（含下级）"),
            OpenApiParameter("line", int, description="业务条线（字典项 id）"),
        ],
        responses={
            200: inline_serializer(
                "DispatchLiveDelta",
                {
                    "cursor": serializers.IntegerField(),
                    "full": serializers.BooleanField(),
                    "vehicles": serializers.ListField(),
                    "alarms": serializers.ListField(),
                },
            )
        },
    )
    def get(self, request):
        check_perm(request, "dispatch.view_patrolvehicle")
        since = int_param(request.query_params.get("since"), "since", "cursor", default=0)
        line = int_param(request.query_params.get("line"), "line", "业务条线", default=0) or None
        return Response(live_services.live_delta(request.user, since, unit=_unit(request), line=line))


class LiveLayersView(APIView):
    """Unit jurisdictions (coloured by unit) and checkpoints / overload stations."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "DispatchLiveLayers", {"jurisdictions": serializers.ListField(), "checkpoints": serializers.ListField()}
            )
        }
    )
    def get(self, request):
        check_perm(request, "dispatch.view_patrolvehicle")
        return Response(live_services.static_layers(request.user))


class SendTextView(APIView):
    """指挥中心信息下发: queue a text message (0x8300) for a vehicle's terminal."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("DispatchSendText", {"text": serializers.CharField()}),
        responses={
            201: inline_serializer(
                "DispatchTextQueued", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            )
        },
    )
    def post(self, request, pk: int):
        check_perm(request, "dispatch.add_terminalcommand")
        vehicle = get_object_or_404(PatrolVehicle.objects.for_user(request.user), pk=pk)
        text = request.data.get("text") if isinstance(request.data, dict) else None
        command = terminals.queue_text(request.user, vehicle, text if isinstance(text, str) else "")
        return Response(
            {"id": command.pk, "status": command.status, "status_label": command.get_status_display()}, status=201
        )


class CommandStatusView(APIView):
    """The state of a queued text message (the page shows sent / acknowledged)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "DispatchTextStatus", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            )
        }
    )
    def get(self, request, pk: int):
        from ..models import TerminalCommand

        check_perm(request, "dispatch.view_terminalcommand")
        c = get_object_or_404(TerminalCommand.objects.for_user(request.user), pk=pk)
        return Response({"id": c.pk, "status": c.status, "status_label": c.get_status_display(), "detail": c.detail})


class AlarmFileCaseView(APIView):
    """立案 from an alarm: a draft case pre-registration with the facts and the track snapshot."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            201: inline_serializer(
                "DispatchAlarmCase", {"case_id": serializers.IntegerField(), "url": serializers.CharField()}
            )
        },
    )
    def post(self, request, pk: int):
        from django.urls import reverse

        check_perm(request, "dispatch.change_alarm")
        alarm = alarm_services.access_alarm(request.user, pk)
        case = alarm_services.do_file_case(request.user, alarm)
        return Response({"case_id": case.pk, "url": reverse("cases:case_detail", args=[case.pk])}, status=201)
