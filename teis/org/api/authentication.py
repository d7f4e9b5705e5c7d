"""Token authentication for the mobile app and other programs: `Authorization: Bearer <token>`.

A token follows the login policy (`teis.org.security.check_api_token`): it expires, ends after the idle timeout, and
is refused while the account is locked, disabled or must change its password. (A module of its own, without views:
DRF imports it while its settings load.)"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class TokenRefused(AuthenticationFailed):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.default_code = code


class BearerTokenAuthentication(TokenAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Token "):
            request.META["HTTP_AUTHORIZATION"] = "Bearer " + header[6:]
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token

        from teis.core.services import ServiceError
        from teis.org.security import check_api_token

        # one query for what every request checks: the token, its last use, the account and its officer (whose
        # unit the data scope reads next)
        token = (
            Token.objects.select_related("user", "use", "user__officer", "user__officer__unit").filter(key=key).first()
        )
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))  # DRF's own messages, translated
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        user = token.user
        try:
            check_api_token(token)
        except ServiceError as err:
            raise TokenRefused(err.code, err.message) from err
        return user, token
