"""/api/v1/cases/violation-records/…: batch import from detection stations, bulk reassign, generate cases."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.services import ServiceError

from ..services import dispatch as dispatch_services


def _check_perm(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        from teis.audit import services as audit
        from teis.audit.choices import AuditAction

        audit.record(request.user, AuditAction.PERMISSION_DENIED, detail={"permission": perm, "path": request.path})
        raise PermissionDenied()


class RecordIn(serializers.Serializer):
    """One detection (documentation only: the service validates every row)."""

    station = serializers.CharField(label="检测站点")
    detected_at = serializers.DateTimeField(label="检测时间")
    plate = serializers.CharField(label="车牌号")
    violation_code = serializers.CharField(label="违章代码", required=False)
    description = serializers.CharField(label="违法情况", required=False)
    place = serializers.CharField(label="地点", required=False)
    external_id = serializers.CharField(label="来源编号", required=False)


def _ids(data) -> list:
    ids = data.get("ids") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise ServiceError("invalid_ids", "ids 应为整数列表。", {"ids": ["应为整数列表"]})
    return ids


class RecordImportView(APIView):
    """A batch `{"records": [...]}` (or a bare list). All rows are validated first; any error: 400 with the
    row numbers (`fields["rows.<n>"]`), nothing imported."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("ViolationRecordBatch", {"records": RecordIn(many=True)}),
        responses={
            201: inline_serializer(
                "ImportResult",
                {
                    "created": serializers.IntegerField(),
                    "assigned": serializers.IntegerField(),
                    "ids": serializers.ListField(),
                },
            )
        },
        tags=["信息派发"],
    )
    def post(self, request):
        _check_perm(request, "cases.add_violationrecord")
        rows = request.data.get("records") if isinstance(request.data, dict) else request.data
        result = dispatch_services.do_import_records(request.user, rows, source="api")
        return Response(
            {"created": len(result.records), "assigned": result.assigned, "ids": [r.pk for r in result.records]},
            status=status.HTTP_201_CREATED,
        )


class RecordReassignView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "ReassignRequest",
            {
                "ids": serializers.ListField(),
                "unit": serializers.IntegerField(),
                "officer": serializers.IntegerField(required=False),
            },
        ),
        responses={200: inline_serializer("ReassignResult", {"updated": serializers.IntegerField()})},
        tags=["信息派发"],
    )
    def post(self, request):
        from teis.org.models import Unit

        _check_perm(request, "cases.change_violationrecord")
        data = request.data if isinstance(request.data, dict) else {}
        ids = _ids(data)
        unit = Unit.objects.filter(pk=data.get("unit")).first() if isinstance(data.get("unit"), int) else None
        if unit is None:
            raise ServiceError("unit_required", "请指定有效的执法机构。", {"unit": ["执法机构无效"]})
        officer = None
        if data.get("officer") is not None:
            officer = (
                get_user_model().objects.filter(pk=data["officer"]).first()
                if isinstance(data["officer"], int)
                else None
            )
            if officer is None:
                raise ServiceError("officer_not_found", "执法人员不存在。", {"officer": ["执法人员无效"]})
        n = dispatch_services.do_reassign(request.user, ids, unit=unit, officer=officer)
        return Response({"updated": n})


class RecordGenerateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer("GenerateRequest", {"ids": serializers.ListField()}),
        responses={201: inline_serializer("GenerateResult", {"cases": serializers.ListField()})},
        tags=["信息派发"],
    )
    def post(self, request):
        _check_perm(request, "cases.change_violationrecord")
        cases = dispatch_services.do_generate_cases(request.user, _ids(request.data))
        return Response({"cases": [c.pk for c in cases]}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("violation-records/", RecordImportView.as_view(), name="api_violation_records"),
    path("violation-records/reassign/", RecordReassignView.as_view(), name="api_violation_records_reassign"),
    path("violation-records/generate/", RecordGenerateView.as_view(), name="api_violation_records_generate"),
]
