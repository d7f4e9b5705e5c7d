"""Evidence API for the mobile app and the PDA: query (by case, officer, device, time, place — the filters
of the evidence list), one item, download with Range, workstation heartbeat. Linking to a case and the other
state changes of an item are its declared actions: POST /api/v1/evidence/evidenceitems/<id>/link/ …
(`evidence/tables.py`)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.api.pagination import Pagination, paginated
from teis.core.services import ServiceError
from teis.org.api.authentication import BearerTokenAuthentication

from ..filters import EvidenceItemFilterSet
from ..models import EvidenceItem
from ..services import devices
from ..services.access import access_item, record_access
from ..services.principal import StationAuthentication, StationPrincipal
from ..views.streaming import stream_response
from .serializers import EvidenceItemOutSerializer

TAGS = ["执法证据"]


class EvidenceAPIView(APIView):
    permission_action = "view"

    @property
    def config(self):
        from teis.core.registry import registry

        return registry.get("evidence.evidenceitem")


class QueryView(EvidenceAPIView):
    @extend_schema(
        operation_id="evidence_query",
        summary="证据查询（按案件、执法人员、设备、时间、地点）",
        description="参数：case（案件编号）、officer（用户编号）、device_serial、"
        "captured_after / captured_before（日期）、bbox=经度1,纬度1,经度2,纬度2、category、source、sm3（前缀）。",
        responses={200: paginated(EvidenceItemOutSerializer)},
        tags=TAGS,
    )
    def get(self, request):
        qs = EvidenceItem.objects.for_user(request.user).filter(status="active").select_related("officer__officer")
        qs = EvidenceItemFilterSet(request.query_params, queryset=qs, request=request).qs.distinct()
        qs = qs.prefetch_related("links__case").order_by("-created_at", "-id")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(EvidenceItemOutSerializer(page, many=True).data)


class ItemView(EvidenceAPIView):
    @extend_schema(
        operation_id="evidence_item", summary="证据详情", responses={200: EvidenceItemOutSerializer}, tags=TAGS
    )
    def get(self, request, pk: int):
        item = access_item(request.user, pk)
        record_access(request.user, item, "evidence.view", via="api")
        return Response(EvidenceItemOutSerializer(item).data)


class DownloadView(EvidenceAPIView):
    @extend_schema(
        operation_id="evidence_download",
        summary="下载证据原件（支持 Range 断点续传）",
        responses={200: bytes, 206: bytes},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        if not request.user.has_perm("evidence.download_evidenceitem"):
            raise ServiceError("permission_denied", "没有下载证据原件的权限")
        item = access_item(request.user, pk)
        if not request.headers.get("Range") or request.headers.get("Range", "").startswith("bytes=0-"):
            record_access(request.user, item, "evidence.download", sm3=item.sm3, via="api")
        return stream_response(
            request, item.storage_name, item.size, item.content_type, filename=item.original_name, attachment=True
        )


class HeartbeatView(APIView):
    """Workstations only (Station credential)."""

    authentication_classes = [StationAuthentication]

    @extend_schema(
        operation_id="evidence_station_heartbeat",
        summary="采集工作站心跳",
        request=inline_serializer(
            "Heartbeat",
            {
                "used_gb": serializers.IntegerField(required=False),
                "capacity_gb": serializers.IntegerField(required=False),
            },
        ),
        responses={
            200: inline_serializer(
                "HeartbeatOut", {"serial": serializers.CharField(), "status": serializers.CharField()}
            )
        },
        tags=TAGS,
    )
    def post(self, request):
        if not isinstance(request.user, StationPrincipal):
            raise ServiceError("not_station", "仅采集工作站可上报心跳")
        data = request.data if isinstance(request.data, dict) else {}
        station = devices.do_heartbeat(
            request.user.station, used_gb=data.get("used_gb"), capacity_gb=data.get("capacity_gb")
        )
        return Response({"serial": station.serial, "status": station.status})


urlpatterns = [
    path("items/", QueryView.as_view(), name="evidence-api-query"),
    path("items/<int:pk>/", ItemView.as_view(), name="evidence-api-item"),
    path("items/<int:pk>/download/", DownloadView.as_view(), name="evidence-api-download"),
    path("stations/heartbeat/", HeartbeatView.as_view(), name="evidence-api-heartbeat"),
]

__all__ = ["SessionAuthentication", "BearerTokenAuthentication", "urlpatterns"]
