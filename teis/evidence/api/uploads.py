"""Chunked resumable upload API under /api/v1/evidence/uploads/ (browser, mobile app, PDA and collection
workstations with `Authorization: Station <serial>:<secret>`).

    POST   uploads/                  {filename, size, content_type, sm3?, metadata...} → 201 {token, offset, ...}
    GET    uploads/<token>/          → {offset, size, status}    (HEAD: Upload-Offset header only)
    PUT    uploads/<token>/chunk/    raw bytes, header Upload-Offset (or ?offset=) → {offset}
    POST   uploads/<token>/complete/ → 201 evidence item
    DELETE uploads/<token>/          cancel, temporary space reclaimed
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.org.api.authentication import BearerTokenAuthentication

from ..choices import EvidenceSource
from ..services import ingest
from ..services.principal import StationAuthentication
from .serializers import EvidenceItemOutSerializer

TAGS = ["证据上传"]
READ_PIECE = 1 << 20


class OpenUploadSerializer(serializers.Serializer):
    filename = serializers.CharField(label="文件名", max_length=255)
    size = serializers.IntegerField(label="文件大小（字节）", min_value=1)
    content_type = serializers.CharField(label="声明的文件类型", required=False, allow_blank=True, max_length=100)
    sm3 = serializers.CharField(label="客户端计算的 SM3（可选）", required=False, allow_blank=True, max_length=64)
    title = serializers.CharField(label="证据名称", required=False, allow_blank=True, max_length=200)
    description = serializers.CharField(label="说明", required=False, allow_blank=True)
    source = serializers.CharField(
        label="来源", required=False, help_text="、".join(f"{v}={label}" for v, label in EvidenceSource.choices)
    )
    device_serial = serializers.CharField(label="设备编号", required=False, allow_blank=True, max_length=64)
    officer = serializers.CharField(label="执法人员账号（工作站上传时）", required=False, allow_blank=True)
    captured_at = serializers.DateTimeField(label="拍摄开始", required=False, allow_null=True)
    captured_end = serializers.DateTimeField(label="拍摄结束", required=False, allow_null=True)
    place = serializers.CharField(label="地点", required=False, allow_blank=True, max_length=200)
    lon = serializers.FloatField(label="经度", required=False, allow_null=True)
    lat = serializers.FloatField(label="纬度", required=False, allow_null=True)
    gps_points = serializers.ListField(label="轨迹点", child=serializers.ListField(), required=False)
    case = serializers.IntegerField(label="关联案件编号", required=False, allow_null=True)
    link_description = serializers.CharField(label="关联说明", required=False, allow_blank=True, max_length=300)


class SessionOutSerializer(serializers.Serializer):
    token = serializers.CharField(label="会话标识")
    filename = serializers.CharField(label="文件名")
    size = serializers.IntegerField(label="文件大小")
    offset = serializers.IntegerField(label="已接收字节", source="received")
    status = serializers.CharField(label="状态")
    chunk_max = serializers.SerializerMethodField(label="分片上限（字节）")
    error = serializers.CharField(label="错误")
    item = serializers.IntegerField(label="证据编号", source="item_id", allow_null=True)

    def get_chunk_max(self, obj) -> int:
        return ingest.CHUNK_MAX


class UploadView(APIView):
    authentication_classes = [StationAuthentication, BearerTokenAuthentication, SessionAuthentication]

    @property
    def config(self):
        from teis.core.registry import registry

        return registry.get("evidence.evidenceitem")

    permission_action = "add"


class OpenUploadView(UploadView):
    @extend_schema(
        operation_id="evidence_upload_open",
        summary="开始分片上传",
        request=OpenUploadSerializer,
        responses={201: SessionOutSerializer},
        tags=TAGS,
    )
    def post(self, request):
        s = OpenUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        session = ingest.do_open_upload(
            request.user,
            filename=data.pop("filename"),
            size=data.pop("size"),
            content_type=data.pop("content_type", ""),
            sm3=data.pop("sm3", ""),
            metadata=data,
        )
        return Response(SessionOutSerializer(session).data, status=status.HTTP_201_CREATED)


class _RawParser(parsers.BaseParser):
    """Chunks are read from the request stream by the view; the parser only declares the media types."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return None


class SessionView(UploadView):
    @extend_schema(
        operation_id="evidence_upload_status",
        summary="查询上传进度（续传起点）",
        responses={200: SessionOutSerializer},
        tags=TAGS,
    )
    def get(self, request, token: str):
        session = ingest.access_session(request.user, token)
        resp = Response(SessionOutSerializer(session).data)
        resp["Upload-Offset"] = str(session.received)
        return resp

    def head(self, request, token: str):
        session = ingest.access_session(request.user, token)
        resp = Response(status=status.HTTP_200_OK)
        resp["Upload-Offset"] = str(session.received)
        resp["Upload-Length"] = str(session.size)
        return resp

    @extend_schema(operation_id="evidence_upload_cancel", summary="取消上传", responses={204: None}, tags=TAGS)
    def delete(self, request, token: str):
        ingest.do_cancel(request.user, token)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _pieces(stream, length: int):
    remaining = length
    while remaining > 0:
        data = stream.read(min(READ_PIECE, remaining))
        if not data:
            return
        remaining -= len(data)
        yield data


class ChunkView(UploadView):
    parser_classes = [_RawParser]

    @extend_schema(
        operation_id="evidence_upload_chunk",
        summary="上传一个分片",
        description="请求体为分片原始字节；Upload-Offset 请求头（或 offset 参数）为分片在文件中的起点。"
        "起点须等于已接收字节数；重复发送已接收的分片会被确认而不重复写入。",
        parameters=[
            OpenApiParameter("Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, description="分片起点"),
            OpenApiParameter(
                "offset", OpenApiTypes.INT, OpenApiParameter.QUERY, description="分片起点（可替代请求头）"
            ),
        ],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: SessionOutSerializer},
        tags=TAGS,
    )
    def put(self, request, token: str):
        offset, length = ingest.parse_chunk_headers(
            request.headers.get("Upload-Offset") or request.query_params.get("offset"),
            request.headers.get("Content-Length"),
        )
        session = ingest.do_write_chunk(request.user, token, offset, _pieces(request._request, length), length)
        resp = Response(SessionOutSerializer(session).data)
        resp["Upload-Offset"] = str(session.received)
        return resp

    @extend_schema(
        operation_id="evidence_upload_chunk_patch",
        summary="上传一个分片（PATCH，同 PUT）",
        parameters=[
            OpenApiParameter("Upload-Offset", OpenApiTypes.INT, OpenApiParameter.HEADER, description="分片起点")
        ],
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={200: SessionOutSerializer},
        tags=TAGS,
    )
    def patch(self, request, token: str):
        return self.put(request, token)


class CompleteView(UploadView):
    @extend_schema(
        operation_id="evidence_upload_complete",
        summary="完成上传并入库",
        request=None,
        responses={201: EvidenceItemOutSerializer},
        tags=TAGS,
    )
    def post(self, request, token: str):
        item = ingest.do_complete(request.user, token)
        return Response(
            EvidenceItemOutSerializer(item, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


urlpatterns = [
    path("uploads/", OpenUploadView.as_view(), name="evidence-upload-open"),
    path("uploads/<str:token>/", SessionView.as_view(), name="evidence-upload-session"),
    path("uploads/<str:token>/chunk/", ChunkView.as_view(), name="evidence-upload-chunk"),
    path("uploads/<str:token>/complete/", CompleteView.as_view(), name="evidence-upload-complete"),
]
