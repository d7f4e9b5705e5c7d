"""API endpoints of the platform itself: token login (with device binding), current user, todo and
notifications for the mobile app."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from teis.core import notify
from teis.core.api.pagination import paginated
from teis.core.context import client_ip
from teis.core.models import Notification, TodoItem, TodoStatus
from teis.core.services import ServiceError


class TokenLoginSerializer(serializers.Serializer):
    username = serializers.CharField(label="账号", max_length=150)
    password = serializers.CharField(label="密码", max_length=128, style={"input_type": "password"})
    totp = serializers.CharField(label="动态口令", max_length=8, required=False, allow_blank=True)
    device_id = serializers.CharField(label="设备号", max_length=64, required=False, allow_blank=True)
    imsi = serializers.CharField(label="IMSI", max_length=20, required=False, allow_blank=True)


TOKEN_RESPONSE = inline_serializer(
    "TokenResponse",
    {
        "token": serializers.CharField(),
        "must_change_password": serializers.BooleanField(),
        "expires_in": serializers.IntegerField(help_text="令牌有效秒数；空闲超过安全策略的空闲超时也会失效"),
    },
)


class TokenLoginView(APIView):
    """Exchange credentials (and, with binding on, a registered device) for a bearer token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenLoginSerializer, responses={200: TOKEN_RESPONSE}, tags=["认证"])
    def post(self, request):
        s = TokenLoginSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        result = self.login(request, s.validated_data)
        return self.token_response(result.user)

    def login(self, request, d):
        """The login page's checks (lockout, second factor) plus the device binding; returns the result."""
        from teis.audit import services as audit
        from teis.audit.choices import AuditAction
        from teis.org import security
        from teis.org.services import check_device

        device_id, imsi = d.get("device_id", "").strip(), d.get("imsi", "").strip()

        def check_account_and_device(user):
            # The bootstrap superuser has no officer profile and no business on the API.
            if not hasattr(user, "officer"):
                raise ServiceError("no_officer", "该账号没有人员档案，不能通过接口登录。")
            try:
                check_device(user, device_id, imsi)
            except ServiceError as err:
                audit.record(
                    user,
                    AuditAction.DEVICE_REFUSED,
                    detail={"device_id": device_id, "imsi": imsi, "reason": err.message},
                )
                raise

        result = security.do_login(
            d["username"],
            d["password"],
            client_ip(request),
            d.get("totp") or None,
            before_success=check_account_and_device,
        )
        if result.needs_totp:
            raise ServiceError("totp_required", "请输入动态口令。", {"totp": ["请输入动态口令"]})
        return result

    def token_response(self, user):
        """A fresh token, unless the account may not have one (e.g. it must change its password first:
        `POST auth/password/` does that and answers with a token)."""
        from teis.org import security

        security.check_token_user(user)
        token = security.issue_api_token(user)
        lifetime = int(security.api_token_lifetime().total_seconds())
        return Response({"token": token.key, "must_change_password": False, "expires_in": lifetime})


class TokenPasswordChangeSerializer(TokenLoginSerializer):
    new_password = serializers.CharField(label="新密码", max_length=128, style={"input_type": "password"})


class TokenPasswordChangeView(TokenLoginView):
    """Change the password with the current one (first login or expired password) and get a token."""

    @extend_schema(request=TokenPasswordChangeSerializer, responses={200: TOKEN_RESPONSE}, tags=["认证"])
    def post(self, request):
        from teis.org import security

        s = TokenPasswordChangeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        result = self.login(request, s.validated_data)
        security.do_change_password(result.user, s.validated_data["password"], s.validated_data["new_password"])
        return self.token_response(result.user)


class TokenLogoutView(APIView):
    """End the bearer token (the mobile app's 退出登录)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["认证"])
    def post(self, request):
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
    def get(self, request):
        user = request.user
        officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
        return Response(
            {
                "username": user.username,
                "name": officer.name if officer else user.username,
                "unit": officer.unit.name if officer else "",
                "roles": [r.name for r in officer.roles.all()] if officer else [],
                "counts": notify.counts(user),
            }
        )


class TodoSerializer(serializers.ModelSerializer):
    class Meta:
        model = TodoItem
        fields = ["id", "title", "category", "url", "status", "due_at", "created_at", "done_at"]


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "level", "url", "created_at", "read_at"]


class TodoListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: paginated(TodoSerializer)}, tags=["待办通知"])
    def get(self, request):
        from .pagination import Pagination

        status_value = request.query_params.get("status", TodoStatus.OPEN)
        if status_value not in TodoStatus.values:
            raise ServiceError("invalid_status", "状态无效。", {"status": ["可选值：" + "、".join(TodoStatus.values)]})
        qs = TodoItem.objects.filter(user=request.user, status=status_value).order_by("-created_at", "-id")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(TodoSerializer(page, many=True).data)


class NotificationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: paginated(NotificationSerializer)}, tags=["待办通知"])
    def get(self, request):
        from .pagination import Pagination

        qs = Notification.objects.filter(user=request.user).order_by("-created_at", "-id")
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
    def post(self, request):
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
        return Response({"marked": notify.mark_read(request.user, ids)}, status=status.HTTP_200_OK)
