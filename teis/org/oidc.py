"""OpenID Connect for other internal systems signing in through TEIS (spec §2.1.5.2), narrowed to what
等保二级 allows: the authorization code flow with PKCE S256 (plus refresh), RS256 ID tokens, clients that the
system administrator registered. No password grant, no client credentials, no implicit flow, no `plain`
PKCE — whatever a client's row says, the server below does not know those flows at all."""

from __future__ import annotations

import json

from django.http import JsonResponse
from oauth2_provider.models import AbstractApplication
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import ConnectDiscoveryInfoView
from oauthlib.oauth2.rfc6749.grant_types.authorization_code import code_challenge_method_s256
from oauthlib.openid import Server

ALLOWED_GRANT_TYPES = ("authorization_code", "refresh_token")
ALLOWED_RESPONSE_TYPES = ("code",)
PKCE_METHODS = {"S256": code_challenge_method_s256}


class TeisOidcServer(Server):
    """oauthlib's OpenID server with only the code flow, the refresh grant and PKCE S256."""

    def __init__(self, request_validator, *args, **kwargs):
        super().__init__(request_validator, *args, **kwargs)
        self._response_types = {k: v for k, v in self._response_types.items() if k in ALLOWED_RESPONSE_TYPES}
        self._grant_types = {k: v for k, v in self._grant_types.items() if k in ALLOWED_GRANT_TYPES}
        for grant in (self.auth_grant, self.openid_connect_auth.proxy_target):
            grant._code_challenge_methods = PKCE_METHODS


def client_allowed(app) -> bool:
    """A client may be used only as registered through TEIS: confidential or public code flow, RS256."""
    return bool(
        app is not None
        and app.authorization_grant_type == AbstractApplication.GRANT_AUTHORIZATION_CODE
        and app.algorithm == AbstractApplication.RS256_ALGORITHM
    )


def _user_refusal(user) -> str:
    """Why `user` may not get or use a token now ("" when it may): the rules of the login page."""
    from teis.core.services import ServiceError

    from .security import check_token_user

    try:
        check_token_user(user)
    except ServiceError as err:
        return err.message
    return ""


class TeisOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "unit": "profile", "name": "profile"}

    def get_additional_claims(self, request):
        user = request.user
        officer = getattr(user, "officer", None) if hasattr(user, "officer") else None
        return {
            "preferred_username": user.username,
            "name": officer.name if officer else user.username,
            "unit": officer.unit.name if officer else "",
        }

    def _load_application(self, client_id, request):
        app = super()._load_application(client_id, request)
        return app if client_allowed(app) else None

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in ALLOWED_GRANT_TYPES and super().validate_grant_type(
            client_id, grant_type, client, request, *args, **kwargs
        )

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        return response_type in ALLOWED_RESPONSE_TYPES and super().validate_response_type(
            client_id, response_type, client, request, *args, **kwargs
        )

    def _refuse_user(self, request) -> bool:
        """True (and audited) when the token's user is locked, disabled or must change the password."""
        reason = _user_refusal(request.user)
        if reason:
            from teis.audit import services as audit
            from teis.audit.choices import AuditAction

            client = getattr(request, "client", None)
            audit.record(
                None,
                AuditAction.LOGIN_FAILED,
                detail={"username": request.user.username, "reason": reason, "via": "oidc", "client": str(client)},
            )
        return bool(reason)

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        return super().validate_code(client_id, code, client, request, *args, **kwargs) and not self._refuse_user(
            request
        )

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        return super().validate_refresh_token(
            refresh_token, client, request, *args, **kwargs
        ) and not self._refuse_user(request)

    def validate_bearer_token(self, token, scopes, request):
        ok = super().validate_bearer_token(token, scopes, request)
        return ok and not _user_refusal(request.user)


class DiscoveryView(ConnectDiscoveryInfoView):
    """The discovery document tells what the server above accepts, not django-oauth-toolkit's defaults."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        doc = json.loads(response.content)
        doc["response_types_supported"] = list(ALLOWED_RESPONSE_TYPES)
        doc["grant_types_supported"] = list(ALLOWED_GRANT_TYPES)
        doc["id_token_signing_alg_values_supported"] = [AbstractApplication.RS256_ALGORITHM]
        doc["code_challenge_methods_supported"] = list(PKCE_METHODS)
        out = JsonResponse(doc)
        out["Access-Control-Allow-Origin"] = "*"
        return out
