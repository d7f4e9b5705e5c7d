"""/api/v1/maritime/…: live delta, section flow, vessel track, registry import. The same services and scope as the
pages (alert disposal and clue handling are declared actions, `tables.py`); a refused request is HTTP 400 with
{"code", "message", "fields"}."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError
from teis.core.views import require

from ..models import SectionLine, Vessel, VesselPosition
from ..services import info_imports, stats
from ..services import live as live_services
from ..services import registry as registry_services


def int_param(request, name: str, default: int = 0) -> int:
    value = request.query_params.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ServiceError("invalid", f"参数 {name} 应为整数", {name: ["应为整数"]}) from None


Generic = inline_serializer("MaritimeResult", {"detail": serializers.CharField()})


class LiveDeltaView(APIView):
    """Vessels changed after live sequence `since`, alerts after id `alert` (the live map polls this)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("since", int), OpenApiParameter("alert", int)],
        responses={
            200: inline_serializer(
                "LiveDelta",
                {
                    "seq": serializers.IntegerField(),
                    "vessels": serializers.ListField(),
                    "alerts": serializers.ListField(),
                    "alert_seq": serializers.IntegerField(),
                },
            )
        },
        tags=["水上执法"],
    )
    def get(self, request):
        require(request, "maritime.view_vessel")
        return Response(live_services.delta(request.user, int_param(request, "since"), int_param(request, "alert")))


class LiveBeaconsView(APIView):
    """Aids to navigation (航标, AIS type 21) and base stations (基站, types 4 / 11) with a position: the live map's
    fixed layers."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "LiveBeacons", {"aids": serializers.ListField(), "base_stations": serializers.ListField()}
            )
        },
        tags=["水上执法"],
    )
    def get(self, request):
        require(request, "maritime.view_vessel")
        return Response(live_services.beacons(request.user))


class SectionFlowView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("start", str), OpenApiParameter("end", str)],
        responses={
            200: inline_serializer(
                "SectionFlow", {"total": serializers.IntegerField(), "by_hour": serializers.ListField()}
            )
        },
        tags=["水上执法"],
    )
    def get(self, request, pk: int):
        require(request, "maritime.view_sectionline")
        section = get_object_or_404(SectionLine.objects.for_user(request.user), pk=pk)
        from ..views.areas import _period

        _, _, start, end = _period(request._request)
        return Response(stats.section_flow(section, start, end))


class TrackView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("start", str), OpenApiParameter("end", str)],
        responses={200: inline_serializer("Track", {"points": serializers.ListField()})},
        tags=["水上执法"],
    )
    def get(self, request, pk: int):
        require(request, "maritime.view_vessel")
        vessel = get_object_or_404(Vessel.objects.for_user(request.user), pk=pk)
        from ..views.live import parse_period

        period = parse_period(request._request)
        if not isinstance(period, tuple):
            raise ServiceError("invalid", "请填写有效的查询时段（start < end，ISO 时间）", {"start": ["时段无效"]})
        start, end = period
        rows = VesselPosition.objects.filter(vessel=vessel, time__gte=start, time__lte=end).order_by("time")
        return Response(
            {
                "mmsi": vessel.mmsi,
                "points": [
                    [t.isoformat(), x, y, s, c]
                    for t, x, y, s, c in rows.values_list("time", "lon", "lat", "sog", "cog")[:50000]
                ],
            }
        )


class RegistryImportView(APIView):
    """Upload the vessel registry workbook (multipart `file`)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("RegistryUpload", {"file": serializers.FileField()})},
        responses={200: inline_serializer("RegistryImported", {"imported": serializers.IntegerField()})},
        tags=["水上执法"],
    )
    def post(self, request):
        require(request, "maritime.change_vessel")
        return Response({"imported": registry_services.do_import_registry(request.user, request.FILES.get("file"))})


class InfoImportView(APIView):
    """Upload an information-query workbook (multipart `file`): `kind` = crews (船员), ports (港口),
    accidents (水上交通事故) or emergency (应急综合信息). All rows or none; a bad row → HTTP 400 naming the row."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": inline_serializer("InfoUpload", {"file": serializers.FileField()})},
        responses={
            200: inline_serializer(
                "InfoImported",
                {
                    "created": serializers.IntegerField(),
                    "updated": serializers.IntegerField(),
                    "imported": serializers.IntegerField(),
                },
            )
        },
        tags=["水上执法"],
    )
    def post(self, request, kind: str):
        spec = info_imports.IMPORTS.get(kind)
        if spec is not None:
            require(request, spec.permission)
        return Response(info_imports.do_import_info(request.user, kind, request.FILES.get("file")).as_dict())


urlpatterns = [
    path("live/delta/", LiveDeltaView.as_view(), name="maritime-live-delta"),
    path("live/beacons/", LiveBeaconsView.as_view(), name="maritime-live-beacons"),
    path("sections/<int:pk>/flow/", SectionFlowView.as_view(), name="maritime-section-flow"),
    path("vessels/<int:pk>/track/", TrackView.as_view(), name="maritime-vessel-track"),
    path("registry/import/", RegistryImportView.as_view(), name="maritime-registry-import"),
    path("info/<slug:kind>/import/", InfoImportView.as_view(), name="maritime-info-import"),
]
