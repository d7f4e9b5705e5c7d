"""Petition API under /api/v1/petitions/: register (JSON or multipart), detail, case links, duplicates,
综合/自定义查询, statistics and the 信访专题 dashboard. The flow's steps and 督察 are the declared actions
(`tables.py`) on the generic endpoints: `POST /api/v1/petitions/petitions/<pk>/<action>/` (accept, reject, instruct,
dispatch, handle, transfer, return, review, review_return, close, close_return, visit) and
`POST /api/v1/petitions/petitionsupervisions/<pk>/<action>/` (explain, supervise, supervise-return). The same
services as the pages; a refused request is HTTP 400 {"code", "message", "fields"} (ServiceError), outside the
user's scope 404."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services import flow, intake, stats
from ..services import query as q
from .serializers import (
    PetitionCaseLinkSerializer,
    PetitionDetailSerializer,
    PetitionQuerySerializer,
    PetitionRegisterSerializer,
)

TAGS = ["投诉信访"]


class PetitionAPIView(APIView):
    """ModelPermission checks `petitions.<action>_petition` (refusals audited)."""

    permission_action = "view"

    @property
    def config(self):
        from teis.core.registry import registry

        return registry.get("petitions.petition")


def _detail(request, pk) -> Response:
    petition = intake.access_petition(request.user, pk)
    return Response(PetitionDetailSerializer(petition).data)


class RegisterView(PetitionAPIView):
    permission_action = "add"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="petitions_register",
        summary="信访登记（可附附件）",
        request=PetitionRegisterSerializer,
        responses={201: PetitionDetailSerializer},
        tags=TAGS,
    )
    def post(self, request):
        s = PetitionRegisterSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        files = data.pop("files", None) or []
        petition = intake.do_register(request.user, data, files)
        petition = intake.access_petition(request.user, petition.pk)
        return Response(PetitionDetailSerializer(petition).data, status=status.HTTP_201_CREATED)


class DetailView(PetitionAPIView):
    @extend_schema(
        operation_id="petitions_detail",
        summary="信访件详情（个人信息脱敏，含当前待办任务）",
        responses={200: PetitionDetailSerializer},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return _detail(request, pk)


class CaseLinkView(PetitionAPIView):
    permission_action = "change"

    @extend_schema(
        operation_id="petitions_link_case",
        summary="关联案件",
        request=PetitionCaseLinkSerializer,
        responses={200: PetitionDetailSerializer},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        s = PetitionCaseLinkSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        flow.do_link_case(request.user, intake.access_petition(request.user, pk), s.validated_data["case"])
        return _detail(request, pk)


class DuplicatesView(PetitionAPIView):
    @extend_schema(
        operation_id="petitions_duplicates",
        summary="疑似重复件（同一反映人电话或身份证号、同一车牌，30 日内）",
        parameters=[OpenApiParameter(n, str, required=False) for n in ("phone", "id_number", "plate")],
        responses={200: PetitionDetailSerializer(many=True)},
        tags=TAGS,
    )
    def get(self, request):
        rows = intake.find_duplicates(
            request.user,
            phone=request.query_params.get("phone", ""),
            id_number=request.query_params.get("id_number", ""),
            plate=request.query_params.get("plate", ""),
        )
        return Response(
            [
                {"id": p.pk, "code": p.code, "title": p.title, "status": p.status, "registered_at": p.registered_at}
                for p in rows
            ]
        )


class QueryView(PetitionAPIView):
    @extend_schema(
        operation_id="petitions_query",
        summary="综合 / 自定义查询（条件列表）",
        request=PetitionQuerySerializer,
        responses={200: PetitionDetailSerializer(many=True)},
        tags=TAGS,
    )
    def post(self, request):
        s = PetitionQuerySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        conditions = q.check_conditions(s.validated_data["conditions"])
        page = Paginator(q.search(request.user, conditions, s.validated_data.get("sort", "")), 50).get_page(
            request.query_params.get("page")
        )
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "results": [
                    {
                        "id": p.pk,
                        "code": p.code,
                        "title": p.title,
                        "status": p.status,
                        "channel": p.channel,
                        "category": p.category.label,
                        "unit": p.unit.name,
                        "registered_at": p.registered_at,
                    }
                    for p in page
                ],
            }
        )


class StatsView(PetitionAPIView):
    @extend_schema(
        operation_id="petitions_stats",
        summary="统计：按反映类别 / 承办单位 / 来源渠道 / 月份（含限时办结率、回访满意率）",
        parameters=[
            OpenApiParameter("dimension", str, enum=list(stats.DIMENSIONS)),
            OpenApiParameter("date_from", str, required=False),
            OpenApiParameter("date_to", str, required=False),
        ],
        responses={200: dict},
        tags=TAGS,
    )
    def get(self, request):
        p = request.query_params
        rows = stats.statistics(request.user, p.get("dimension") or "category", p.get("date_from"), p.get("date_to"))
        return Response({"rows": rows})


class DashboardView(PetitionAPIView):
    @extend_schema(
        operation_id="petitions_dashboard",
        summary="信访专题：年度、月度总量、受理数、处理数、办结率及同比环比",
        parameters=[OpenApiParameter("year", int, required=False), OpenApiParameter("month", int, required=False)],
        responses={200: dict},
        tags=TAGS,
    )
    def get(self, request):
        def num(name):
            value = request.query_params.get(name)
            if value in (None, ""):
                return None
            try:
                return int(value)
            except ValueError:
                from teis.core.services import ServiceError

                raise ServiceError("invalid_period", "年份或月份须为整数", {name: ["须为整数"]}) from None

        data = stats.dashboard(request.user, num("year"), num("month"))
        data["series"] = {"current": data["series"]["current"], "previous": data["series"]["previous"]}
        return Response(data)


urlpatterns = [
    path("register/", RegisterView.as_view(), name="api_petition_register"),
    path("<int:pk>/", DetailView.as_view(), name="api_petition_detail"),
    path("<int:pk>/cases/", CaseLinkView.as_view(), name="api_petition_link_case"),
    path("duplicates/", DuplicatesView.as_view(), name="api_petition_duplicates"),
    path("query/", QueryView.as_view(), name="api_petition_query"),
    path("stats/", StatsView.as_view(), name="api_petition_stats"),
    path("dashboard/", DashboardView.as_view(), name="api_petition_dashboard"),
]
