"""Inspections API under /api/v1/inspections/: the plan's draw record and its verification, my tasks and
execution for the mobile app, statistics, and the open tasks of a unit for duty planning. The pools, plans, tasks
and warnings themselves are the generic endpoints (/api/v1/inspections/<model>s/); freezing, drawing and
publishing a plan are its declared actions (`tables.py`): `POST /api/v1/inspections/inspectionplans/<pk>/freeze/`,
`…/draw/`, `…/publish/`."""

from __future__ import annotations

import datetime as dt

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.api.pagination import Pagination, paginated
from teis.core.services import ServiceError

from ..models import DrawRecord
from ..services import plans as plan_services
from ..services import stats as stat_services
from ..services import tasks as task_services
from .serializers import DrawRecordSerializer, ExecuteSerializer, StatisticsSerializer, TaskSerializer

TAGS = ["双随机一公开"]


class _Config:
    label = ""

    @property
    def config(self):
        from teis.core.registry import registry

        return registry.get(self.label)


class PlanAPIView(_Config, APIView):
    label = "inspections.inspectionplan"


class TaskAPIView(_Config, APIView):
    label = "inspections.inspectiontask"


def _task_qs(qs):
    from django.db.models import Prefetch

    from ..models import InspectionIndicator

    return qs.select_related("plan", "inspection_object", "unit").prefetch_related(
        "inspectors__officer",
        "findings__check_item",
        Prefetch("plan__indicators", queryset=InspectionIndicator.objects.select_related("unit")),
    )


class DrawRecordView(PlanAPIView):
    @extend_schema(
        operation_id="inspections_draw_record",
        summary="抽取记录（抽取前仅公布种子承诺值）",
        tags=TAGS,
        responses={200: DrawRecordSerializer},
    )
    def get(self, request, pk):
        plan = plan_services.access_plan(request.user, pk)
        record = DrawRecord.objects.filter(plan=plan).select_related("plan").first()
        if record is None:
            raise ServiceError("not_frozen", "该计划尚未冻结名单。")
        return Response(DrawRecordSerializer(record).data)


class VerifySerializer(serializers.Serializer):
    identical = serializers.BooleanField()
    lines = serializers.ListField(child=serializers.CharField())


class VerifyView(PlanAPIView):
    @extend_schema(
        operation_id="inspections_verify",
        summary="按公开的种子、冻结名单和规则重新抽取并核对",
        tags=TAGS,
        responses={200: VerifySerializer},
    )
    def get(self, request, pk):
        plan = plan_services.access_plan(request.user, pk)
        ok, lines = plan_services.verify_draw(plan)
        return Response({"identical": ok, "lines": lines})


class MyTasksView(TaskAPIView):
    @extend_schema(
        operation_id="inspections_my_tasks",
        summary="我的双随机检查任务",
        tags=TAGS,
        parameters=[OpenApiParameter("status", str, description="pending / done，空为全部")],
        responses={200: paginated(TaskSerializer)},
    )
    def get(self, request):
        status = request.query_params.get("status") or None
        if status not in (None, "pending", "done"):
            raise ServiceError("invalid", "状态参数应为 pending 或 done。", {"status": ["无效的状态"]})
        paginator = Pagination()
        page = paginator.paginate_queryset(_task_qs(task_services.my_tasks(request.user, status=status)), request, self)
        return paginator.get_paginated_response(TaskSerializer(page, many=True).data)


class TaskDetailView(TaskAPIView):
    @extend_schema(
        operation_id="inspections_task_detail",
        summary="检查任务详情（含绑定的检查事项）",
        tags=TAGS,
        responses={200: TaskSerializer},
    )
    def get(self, request, pk):
        task = task_services.access_task(request.user, pk)
        return Response(TaskSerializer(_task_qs(type(task).objects.filter(pk=task.pk)).get()).data)


class ExecuteView(TaskAPIView):
    permission_action = "change"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="inspections_execute",
        summary="录入检查结果（可附现场照片；立案时自动生成案件预登记）",
        tags=TAGS,
        request={"multipart/form-data": ExecuteSerializer, "application/json": ExecuteSerializer},
        responses={200: TaskSerializer},
    )
    def post(self, request, pk):
        task = task_services.access_task(request.user, pk)
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if hasattr(request.data, "getlist"):
            data = {k: request.data.get(k) for k in request.data if k != "photos"}
            data["photos"] = request.FILES.getlist("photos")
        s = ExecuteSerializer(data=data)
        s.is_valid(raise_exception=True)
        values = dict(s.validated_data)
        photos = values.pop("photos", None) or []
        task_services.do_execute(request.user, task, values, photos)
        return Response(TaskSerializer(_task_qs(type(task).objects.filter(pk=task.pk)).get()).data)


class StatisticsView(TaskAPIView):
    @extend_schema(
        operation_id="inspections_statistics",
        summary="双随机检查统计（按单位、行业、月份、对象）",
        tags=TAGS,
        parameters=[OpenApiParameter("year", int), OpenApiParameter("plan", int)],
        responses={200: StatisticsSerializer},
    )
    def get(self, request):
        filters = {}
        for name in ("year", "plan"):
            value = request.query_params.get(name, "")
            if value:
                if not value.isdigit() or len(value) > 9:
                    raise ServiceError("invalid", f"参数 {name} 应为正整数。", {name: ["应为正整数"]})
                filters[name] = int(value)
        return Response(stat_services.statistics(request.user, **filters))


class DutyTasksView(TaskAPIView):
    @extend_schema(
        operation_id="inspections_duty_tasks",
        summary="某单位某日应纳入勤务的未完成检查任务",
        tags=TAGS,
        parameters=[
            OpenApiParameter("unit", int, description="单位（或给出 duty_plan）"),
            OpenApiParameter("date", str),
            OpenApiParameter("duty_plan", int, description="勤务计划：取其单位和日期，只列已公示计划的任务"),
        ],
        responses={200: paginated(TaskSerializer)},
    )
    def get(self, request):
        from teis.org.models import Unit

        unit_id, date = request.query_params.get("unit", ""), request.query_params.get("date", "")
        duty_plan_id = request.query_params.get("duty_plan", "")
        if duty_plan_id:
            from teis.dispatch.models import DutyPlan

            from ..services.duty import open_tasks_for_day

            duty_plan = (
                DutyPlan.objects.for_user(request.user).select_related("unit").filter(pk=duty_plan_id).first()
                if duty_plan_id.isdigit() and len(duty_plan_id) < 12
                else None
            )
            if duty_plan is None:
                raise ServiceError(
                    "invalid", "勤务计划不存在或不在您的数据权限范围内。", {"duty_plan": ["无效的勤务计划"]}
                )
            qs = open_tasks_for_day(duty_plan.unit, duty_plan.date).filter(
                pk__in=self.config.queryset_for(request.user).values("pk")
            )
            paginator = Pagination()
            page = paginator.paginate_queryset(_task_qs(qs), request, self)
            return paginator.get_paginated_response(TaskSerializer(page, many=True).data)
        unit = Unit.objects.for_user(request.user).filter(pk=unit_id).first() if unit_id.isdigit() else None
        if unit is None:
            raise ServiceError("invalid", "单位不存在或不在您的数据权限范围内。", {"unit": ["无效的单位"]})
        try:
            day = dt.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise ServiceError("invalid", "日期格式应为 YYYY-MM-DD。", {"date": ["日期格式错误"]}) from None
        qs = task_services.tasks_for_duty(unit, day).filter(pk__in=self.config.queryset_for(request.user).values("pk"))
        paginator = Pagination()
        page = paginator.paginate_queryset(_task_qs(qs), request, self)
        return paginator.get_paginated_response(TaskSerializer(page, many=True).data)


urlpatterns = [
    path("plans/<int:pk>/draw-record/", DrawRecordView.as_view(), name="inspections-draw-record"),
    path("plans/<int:pk>/verify/", VerifyView.as_view(), name="inspections-verify"),
    path("tasks/mine/", MyTasksView.as_view(), name="inspections-my-tasks"),
    path("tasks/<int:pk>/", TaskDetailView.as_view(), name="inspections-task-detail"),
    path("tasks/<int:pk>/execute/", ExecuteView.as_view(), name="inspections-execute"),
    path("statistics/", StatisticsView.as_view(), name="inspections-statistics"),
    path("duty-tasks/", DutyTasksView.as_view(), name="inspections-duty-tasks"),
]
