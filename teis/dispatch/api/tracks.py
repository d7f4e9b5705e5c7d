"""/api/v1/dispatch/tracks/<vehicle>/: a vehicle's track over a period, simplified to a zoom level."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError

from ..models import PatrolVehicle
from ..services import tracks
from .common import check_perm, int_param, time_param


def track_period(params) -> tuple[dt.datetime, dt.datetime]:
    now = timezone.now()
    end = time_param(params.get("end"), "end", "结束时间", default=now)
    start = time_param(params.get("start"), "start", "开始时间", default=end - dt.timedelta(hours=24))
    if end <= start:
        raise ServiceError("invalid", "结束时间须晚于开始时间。", {"end": ["须晚于开始时间"]})
    if end - start > dt.timedelta(days=tracks.MAX_PERIOD_DAYS):
        raise ServiceError("invalid", f"查询时段不能超过 {tracks.MAX_PERIOD_DAYS} 天。", {"start": ["时段过长"]})
    return start, end


def scoped_vehicle(request, pk: int) -> PatrolVehicle:
    return get_object_or_404(PatrolVehicle.objects.for_user(request.user), pk=pk)


class TrackView(APIView):
    """Points [t (Unix s), lon, lat, speed, heading] (Douglas–Peucker at `zoom`; all points without it), trips,
    stops and totals."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="开始时间（ISO）；默认结束前 24 小时"),
            OpenApiParameter("end", str, description="结束时间（ISO）；默认现在"),
            OpenApiParameter("zoom", int, description="地图缩放级别 0–20：按屏幕像素抽稀"),
        ],
        responses={
            200: inline_serializer(
                "DispatchTrack", {"points": serializers.ListField(), "totals": serializers.DictField()}
            )
        },
    )
    def get(self, request, pk: int):
        check_perm(request, "dispatch.view_fixrecord")
        vehicle = scoped_vehicle(request, pk)
        start, end = track_period(request.query_params)
        raw_zoom = request.query_params.get("zoom")
        zoom = int_param(raw_zoom, "zoom", "缩放级别", lo=0, hi=20) if raw_zoom not in (None, "") else None
        return Response(tracks.track_json(tracks.load_track(vehicle, start, end), zoom))
