"""/api/v1/cases/query/ (综合查询 / 自定义查询) and /api/v1/cases/saved-queries/…: the same service as the pages."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import EnforcementCase, SavedQuery
from ..services import query as query_services

PERMISSION = "cases.view_enforcementcase"
MAX_PAGE_SIZE = 100


def _check_perm(request) -> None:
    if not request.user.has_perm(PERMISSION):
        from teis.audit import services as audit
        from teis.audit.choices import AuditAction

        audit.record(
            request.user, AuditAction.PERMISSION_DENIED, detail={"permission": PERMISSION, "path": request.path}
        )
        raise PermissionDenied()


class CaseRowSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    handler_name = serializers.SerializerMethodField()
    business_line_label = serializers.CharField(source="business_line.label", read_only=True, default="")

    class Meta:
        model = EnforcementCase
        fields = [
            "id",
            "case_code",
            "file_number",
            "title",
            "procedure",
            "status",
            "status_display",
            "source",
            "unit",
            "unit_name",
            "handler",
            "handler_name",
            "business_line",
            "business_line_label",
            "current_step",
            "step_due_at",
            "discovered_at",
            "filed_at",
            "decided_at",
            "closed_at",
            "fine_amount",
            "payment_status",
            "created_at",
        ]

    def get_handler_name(self, obj) -> str:
        officer = getattr(obj.handler, "officer", None)
        return officer.name if officer else obj.handler.username


def _page(request, raw_conditions, sort: str):
    try:
        size = min(MAX_PAGE_SIZE, max(1, int(request.query_params.get("page_size", 20))))
        page = max(1, int(request.query_params.get("page", 1)))
    except ValueError:
        from teis.core.services import ServiceError

        raise ServiceError("invalid_page", "页码或每页条数无效。", {"page": ["应为正整数"]}) from None
    page = min(page, query_services.COUNT_CAP // size)
    conditions = query_services.check_conditions(raw_conditions)
    qs = query_services.search_cases(request.user, conditions, sort)
    start = (page - 1) * size
    rows = query_services.page_rows(qs, start, size + 1)
    n, capped = query_services.capped_count(qs)
    return {
        "count": n,
        "count_capped": capped,
        "page": page,
        "has_next": len(rows) > size and page < query_services.COUNT_CAP // size,
        "notes": query_services.search_notes(conditions),
        "results": CaseRowSerializer(rows[:size], many=True).data,
    }


QueryResult = inline_serializer(
    "CaseQueryResult",
    {
        "count": serializers.IntegerField(),
        "count_capped": serializers.BooleanField(),
        "page": serializers.IntegerField(),
        "has_next": serializers.BooleanField(),
        "notes": serializers.ListField(
            child=serializers.CharField(), help_text="查询方式说明，如车牌号片段仅在最近记录中匹配"
        ),
        "results": CaseRowSerializer(many=True),
    },
)


class CaseQueryView(APIView):
    """综合查询: the page's parameters (`status`, `unit`, `party_id_number`, `filed_at_from` …) and/or
    `conditions` (a JSON list of {field, op, value}); `sort`, `page`, `page_size`. Count is capped at 10,000."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: QueryResult}, tags=["案件查询"])
    def get(self, request):
        _check_perm(request)
        raw = query_services.params_to_conditions(request.query_params)
        return Response(_page(request, raw, request.query_params.get("sort", "")))


class SavedQuerySerializer(serializers.ModelSerializer):
    owner = serializers.SerializerMethodField()
    definition = serializers.JSONField(label="查询条件")
    columns = serializers.JSONField(label="显示列", required=False)

    class Meta:
        model = SavedQuery
        fields = ["id", "name", "definition", "columns", "shared", "owner", "created_by", "created_at"]
        read_only_fields = ["id", "owner", "created_by", "created_at"]

    def get_owner(self, obj) -> str:
        officer = getattr(obj.created_by, "officer", None) if obj.created_by_id else None
        return officer.name if officer else (obj.created_by.username if obj.created_by_id else "")


class SavedQueryListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SavedQuerySerializer(many=True)}, tags=["案件查询"])
    def get(self, request):
        _check_perm(request)
        return Response(SavedQuerySerializer(query_services.visible_queries(request.user), many=True).data)

    @extend_schema(request=SavedQuerySerializer, responses={201: SavedQuerySerializer}, tags=["案件查询"])
    def post(self, request):
        _check_perm(request)
        data = request.data if isinstance(request.data, dict) else {}
        obj = query_services.do_save_query(
            request.user,
            name=data.get("name", ""),
            definition=data.get("definition"),
            columns=data.get("columns"),
            shared=bool(data.get("shared")),
        )
        return Response(SavedQuerySerializer(obj).data, status=status.HTTP_201_CREATED)


class SavedQueryDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SavedQuerySerializer}, tags=["案件查询"])
    def get(self, request, pk: int):
        _check_perm(request)
        return Response(SavedQuerySerializer(query_services.access_query(request.user, pk)).data)

    @extend_schema(request=SavedQuerySerializer, responses={200: SavedQuerySerializer}, tags=["案件查询"])
    def put(self, request, pk: int):
        _check_perm(request)
        obj = query_services.access_query(request.user, pk)
        data = request.data if isinstance(request.data, dict) else {}
        obj = query_services.do_save_query(
            request.user,
            name=data.get("name", obj.name),
            definition=data.get("definition", obj.definition),
            columns=data.get("columns", obj.columns),
            shared=bool(data.get("shared", obj.shared)),
            query=obj,
        )
        return Response(SavedQuerySerializer(obj).data)

    @extend_schema(responses={204: None}, tags=["案件查询"])
    def delete(self, request, pk: int):
        _check_perm(request)
        query_services.do_delete_query(request.user, query_services.access_query(request.user, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SavedQueryRunView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: QueryResult}, tags=["案件查询"])
    def get(self, request, pk: int):
        _check_perm(request)
        obj = query_services.access_query(request.user, pk)
        return Response(_page(request, obj.definition, request.query_params.get("sort", "")))


urlpatterns = [
    path("query/", CaseQueryView.as_view(), name="api_case_query"),
    path("saved-queries/", SavedQueryListView.as_view(), name="api_saved_queries"),
    path("saved-queries/<int:pk>/", SavedQueryDetailView.as_view(), name="api_saved_query"),
    path("saved-queries/<int:pk>/run/", SavedQueryRunView.as_view(), name="api_saved_query_run"),
]
