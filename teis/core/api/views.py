"""API endpoints of the platform itself: logout, current user, todo and notifications for the mobile app (token
login, which checks the organisation's login rules, is `teis.org.api.auth`)."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from teis.core import notify
from teis.core.api.pagination import paginated
from teis.core.models import Notification, TodoItem, TodoStatus
from teis.core.services import ServiceError


class TokenLogoutView(APIView):
    """End the bearer token (the mobile app's 退出登录)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["认证"])
    def post(self, request: Request) -> Response:
        from django.contrib.auth.signals import user_logged_out

        user_logged_out.send(sender=type(request.user), request=request, user=request.user)  # revokes, audits
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Me",
                {
                    "username": serializers.CharField(),
                    "name": serializers.CharField(),
                    "unit": serializers.CharField(),
                    "roles": serializers.ListField(),
                    "counts": serializers.DictField(),
                },
            )
        },
        tags=["认证"],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
        return Response(
            {
                "username": user.username,
                "name": officer.name if officer else user.username,
                "unit": officer.unit.name if officer else "",
                "roles": [r.name for r in officer.roles.all()] if officer else [],
                "counts": notify.counts(cast(User, user)),  # IsAuthenticated
            }
        )


class TodoSerializer(serializers.ModelSerializer[TodoItem]):
    class Meta:
        model = TodoItem
        fields = ["id", "title", "category", "url", "status", "due_at", "created_at", "done_at"]


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "level", "url", "created_at", "read_at"]


class TodoListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: paginated(TodoSerializer)}, tags=["待办通知"])
    def get(self, request: Request) -> Response:
        from .pagination import Pagination

        status_value = request.query_params.get("status", TodoStatus.OPEN)
        if status_value not in TodoStatus.values:
            raise ServiceError("invalid_status", "状态无效。", {"status": ["可选值：" + "、".join(TodoStatus.values)]})
        qs = TodoItem.objects.filter(user=cast(User, request.user), status=status_value).order_by("-created_at", "-id")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TodoSerializer(page, many=True).data)


class NotificationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: paginated(NotificationSerializer)}, tags=["待办通知"])
    def get(self, request: Request) -> Response:
        from .pagination import Pagination

        qs = Notification.objects.filter(user=cast(User, request.user)).order_by("-created_at", "-id")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


MAX_ID = 2**63 - 1  # the largest value a bigint primary key can hold
MAX_READ_IDS = 1000


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "ReadRequest",
            {
                "ids": serializers.ListField(
                    child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
                    max_length=MAX_READ_IDS,
                    required=False,
                )
            },
        ),
        responses={200: inline_serializer("ReadResponse", {"marked": serializers.IntegerField()})},
        tags=["待办通知"],
    )
    def post(self, request: Request) -> Response:
        ids = request.data.get("ids") if isinstance(request.data, dict) else None
        if ids is not None and (
            not isinstance(ids, list)
            or len(ids) > MAX_READ_IDS
            # bool is an int subclass; ids beyond 64 bits overflow the database driver
            or not all(isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= MAX_ID for i in ids)
        ):
            raise ServiceError(
                "invalid", f"ids 应为不超过 {MAX_READ_IDS} 个的正整数列表。", {"ids": ["应为正整数列表"]}
            )
        return Response({"marked": notify.mark_read(cast(User, request.user), ids)}, status=status.HTTP_200_OK)
