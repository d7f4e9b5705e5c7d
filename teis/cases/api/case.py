"""Case API for the mobile app under /api/v1/cases/: pre-register (multipart with photos / videos), my cases, case
detail (personal data masked), 立案. "My tasks" and "complete a task" are the workflow API:
`GET /api/v1/workflow/tasks/?tab=todo` and `POST /api/v1/workflow/tasks/<id>/complete/`."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.api.pagination import Pagination, paginated

from ..services import case as case_services
from ..services import intake
from .serializers import CaseDetailSerializer, CaseListSerializer, PreRegisterSerializer

TAGS = ["案件办理"]
WORKFLOW_NOTE = (
    "我的待办：GET /api/v1/workflow/tasks/?tab=todo；办理（同意 / 退回 / 不同意）："
    "POST /api/v1/workflow/tasks/{id}/complete/。案件详情的 tasks 列出当前环节的任务编号。"
)


class CaseAPIView(APIView):
    """ModelPermission checks `cases.<action>_enforcementcase` through this config (refusals audited)."""

    @property
    def config(self):
        from teis.core.registry import registry

        return registry.get("cases.enforcementcase")


class PreRegisterView(CaseAPIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="cases_pre_register",
        summary="案件预登记（可附现场照片、视频）",
        description=(
            "multipart/form-data：files 可多个；parties、vehicles 为 JSON 数组字符串，violation_codes 为 JSON 数组"
            "或逗号分隔的违章代码。也可用 application/json（不含文件）。成功后案件进入预登记并启动办理流程。"
            + WORKFLOW_NOTE
        ),
        request={"multipart/form-data": PreRegisterSerializer, "application/json": PreRegisterSerializer},
        responses={201: CaseDetailSerializer},
        tags=TAGS,
    )
    def post(self, request):
        s = PreRegisterSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        files = data.pop("files", None) or []
        case = intake.do_pre_register(request.user, data, files, evidence_source="phone")
        case = case_services.access_case(request.user, case.pk)
        return Response(CaseDetailSerializer(case, context={"request": request}).data, status=status.HTTP_201_CREATED)


class MyCasesView(CaseAPIView):
    @extend_schema(
        operation_id="cases_mine",
        summary="我的案件（主办或协办）",
        description=WORKFLOW_NOTE,
        responses={200: paginated(CaseListSerializer)},
        tags=TAGS,
    )
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(case_services.my_cases(request.user), request, view=self)
        return paginator.get_paginated_response(CaseListSerializer(page, many=True).data)


class CaseDetailView(CaseAPIView):
    @extend_schema(
        operation_id="cases_detail",
        summary="案件详情（当事人个人信息脱敏）",
        description=WORKFLOW_NOTE,
        responses={200: CaseDetailSerializer},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        case = case_services.access_case(request.user, pk)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)


class FileCaseView(CaseAPIView):
    permission_action = "view"  # who may file is the service's rule (handler, co-handler, or change permission)

    @extend_schema(
        operation_id="cases_file",
        summary="报请立案审批（审批同意后立案并赋统一案件编码）",
        description="办结“案件预登记”环节：须已选择执法案由目录中的有效案由、填写违法事实，违章代码须可用。"
        "立案审批同意时立案赋码。" + WORKFLOW_NOTE,
        request=None,
        responses={200: CaseDetailSerializer},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        case = case_services.access_case(request.user, pk)
        intake.do_submit_for_filing(request.user, case)
        case = case_services.access_case(request.user, pk)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)


urlpatterns = [
    path("pre-register/", PreRegisterView.as_view(), name="api_case_pre_register"),
    path("mine/", MyCasesView.as_view(), name="api_case_mine"),
    path("<int:pk>/", CaseDetailView.as_view(), name="api_case_detail"),
    path("<int:pk>/file/", FileCaseView.as_view(), name="api_case_file"),
]
