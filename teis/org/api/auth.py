"""Token login for the mobile app and other programs (with device binding), and the first-login password change
that answers with a token. The login rules are the organisation's (`teis.org.security`): the same lockout, second
factor and forced change as the login page. Tokens are checked on each request by `teis.org.api.authentication`."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from teis.core.choices import AuditAction
from teis.core.context import client_ip
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
