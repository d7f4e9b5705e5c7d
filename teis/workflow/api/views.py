"""/api/v1/workflow/tasks/: my tasks (待办 / 已办) and the task operations, through the same services as the UI.

Errors: {"code", "message", "fields"}; 400 for refused input, 403 with the reason for a task that is not
yours, 404 for a task outside the user's scope.
"""

from __future__ import annotations

import datetime as dt

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core.api.errors import body
from teis.core.api.pagination import paginated
from teis.core.services import ServiceError

from .. import services
from ..choices import Decision
from ..models import WorkTask


class WorkTaskSerializer(serializers.ModelSerializer):
    subject_label = serializers.CharField(source="instance.subject_label", read_only=True)
    process = serializers.CharField(source="instance.definition.name", read_only=True)
    instance_status = serializers.CharField(source="instance.status", read_only=True)
    lock_version = serializers.IntegerField(source="instance.lock_version", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    decision_display = serializers.CharField(source="get_decision_display", read_only=True)
    candidate_unit_name = serializers.CharField(source="candidate_unit.name", default="", read_only=True)
    assignee_name = serializers.CharField(source="assignee.username", default="", read_only=True)

    class Meta:
        model = WorkTask
        fields = [
            "id",
            "instance",
            "subject_label",
            "process",
            "instance_status",
            "lock_version",
            "spec_name",
            "name",
            "role",
            "candidate_unit",
            "candidate_unit_name",
            "assignee",
            "assignee_name",
            "status",
            "status_display",
            "kind",
            "decision",
            "decision_display",
            "opinion",
            "created_at",
            "claimed_at",
            "completed_at",
            "duration_seconds",
            "due_at",
            "sign_mode",
            "group_id",
            "parent_task",
            "added_by",
        ]


class ActionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices, required=False, label="审批结论")
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000, label="审批意见")
    data = serializers.DictField(required=False, label="流程数据")
    target = serializers.CharField(required=False, allow_blank=True, max_length=200, label="退回节点")
    user = serializers.CharField(required=False, max_length=150, label="人员")
    before = serializers.BooleanField(required=False, default=True, label="前加签")
    lock_version = serializers.IntegerField(required=False, label="版本号")


class Pager(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _error(err: ServiceError) -> Response:
    code = status.HTTP_403_FORBIDDEN if err.code == "not_your_task" else status.HTTP_400_BAD_REQUEST
    return Response(body(err.code, err.message, err.fields), status=code)


class TaskListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("tab", str, enum=["todo", "done"], description="todo 待办（默认）/ done 已办"),
            OpenApiParameter("due_before", str, description="期限不晚于（YYYY-MM-DD）"),
        ],
        responses={200: paginated(WorkTaskSerializer)},
        operation_id="workflow_tasks_list",
        summary="我的流程任务",
    )
    def get(self, request):
        tab = request.query_params.get("tab", "todo")
        if tab not in ("todo", "done"):
            return Response(body("invalid", "tab 只能是 todo 或 done", {"tab": ["取值无效"]}), status=400)
        due_before = None
        if request.query_params.get("due_before"):
            try:
                day = dt.date.fromisoformat(request.query_params["due_before"])
            except ValueError:
                return Response(
                    body("invalid", "期限日期格式应为 YYYY-MM-DD", {"due_before": ["日期格式错误"]}), status=400
                )
            due_before = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
        qs = (
            services.todo_tasks(request.user, due_before=due_before)
            if tab == "todo"
            else services.done_tasks(request.user)
        )
        pager = Pager()
        page = pager.paginate_queryset(qs, request, view=self)
        return pager.get_paginated_response(WorkTaskSerializer(page, many=True).data)


class TaskDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=WorkTaskSerializer, summary="流程任务详情")
    def get(self, request, pk: int):
        return Response(WorkTaskSerializer(services.access_task(request.user, pk)).data)


class TaskActionView(APIView):
    """POST /api/v1/workflow/tasks/<id>/<action>/ with action claim, release, complete, return, withdraw,
    reassign (转办: for good), delegate (委派: `user` works it and it comes back to you; returns their task) or
    add_approver."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ActionSerializer, responses=WorkTaskSerializer, summary="办理流程任务")
    def post(self, request, pk: int, action: str):
        wt = services.access_task(request.user, pk)
        ser = ActionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        user = request.user
        try:
            if action == "claim":
                wt = services.claim(user, wt)
            elif action == "release":
                wt = services.release(user, wt)
            elif action == "complete":
                if "decision" not in d:
                    return Response(body("invalid", "请选择审批结论", {"decision": ["该字段是必填项。"]}), status=400)
                data = d.get("data")
                if d["decision"] == Decision.APPROVE:
                    data = services.step_form_data(wt, data)
                wt = services.complete_task(
                    user, wt, d["decision"], d.get("opinion", ""), data, lock_version=d.get("lock_version")
                )
            elif action == "return":
                wt = services.return_task(user, wt, d.get("target") or None, d.get("opinion", ""))
            elif action == "withdraw":
                wt = services.withdraw(user, wt)
            elif action in ("reassign", "delegate", "add_approver"):
                if not d.get("user"):
                    return Response(body("invalid", "请选择人员", {"user": ["该字段是必填项。"]}), status=400)
                if action == "reassign":
                    wt = services.reassign(user, wt, d["user"])
                elif action == "delegate":
                    wt = services.delegate(user, wt, d["user"], d.get("opinion", ""))
                else:
                    wt = services.add_approver(
                        user, wt, d["user"], before=d.get("before", True), opinion=d.get("opinion", "")
                    )
            else:
                return Response(body("invalid", f"不支持的操作：{action}"), status=400)
        except ServiceError as err:
            return _error(err)
        wt = WorkTask.objects.select_related("instance", "instance__definition", "candidate_unit", "assignee").get(
            pk=wt.pk
        )
        return Response(WorkTaskSerializer(wt).data)


urlpatterns = [
    path("tasks/", TaskListView.as_view(), name="workflow-tasks"),
    path("tasks/<int:pk>/", TaskDetailView.as_view(), name="workflow-task"),
    path("tasks/<int:pk>/<slug:action>/", TaskActionView.as_view(), name="workflow-task-action"),
]
