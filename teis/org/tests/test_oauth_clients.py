"""Issue 16: OAuth / OIDC clients are the system administrator's, and the token endpoint follows the rules of
the login page. Each test here is an attack that worked before: self-service client registration, the
password grant (unlimited guessing at /o/token/), PKCE `plain`, the implicit flow, HS256, 10-hour tokens."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, RefreshToken

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org.models import LoginAttempt
from teis.org.tests.test_oidc import CLIENT_SECRET, REDIRECT, authorize_params, code_from, exchange, pkce_pair

pytestmark = pytest.mark.django_db


def make_app(**overrides):
    fields = {
        "name": "外部系统",
        "client_id": "ext-client",
        "client_secret": CLIENT_SECRET,
        "client_type": Application.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
        "redirect_uris": REDIRECT,
        "algorithm": Application.RS256_ALGORITHM,
        "skip_authorization": True,
    }
    fields.update(overrides)
    return Application.objects.create(**fields)


def tokens_for(user, app):
    verifier, challenge = pkce_pair()
    code = code_from(logged_in_client(user).get("/o/authorize/", authorize_params(app, challenge)))
    return exchange(code, verifier, app)


def refresh(app, refresh_token):
    return Client().post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": app.client_id,
            "client_secret": CLIENT_SECRET,
        },
    )


class TestNoSelfServiceClients:
    @pytest.mark.parametrize(
        "path", ["/o/applications/", "/o/applications/register/", "/o/authorized_tokens/", "/o/applications/1/"]
    )
    def test_toolkit_management_pages_are_not_mounted(self, make_user, sysadmin, path):
        assert logged_in_client(make_user()).get(path).status_code == 404
        assert logged_in_client(sysadmin).get(path).status_code == 404

    def test_officer_cannot_open_or_post_the_client_page(self, make_user):
        client = logged_in_client(make_user())
        assert client.get("/org/oauth-clients/").status_code == 403
        resp = client.post("/org/oauth-clients/", {"name": "x", "redirect_uris": REDIRECT, "confidential": "on"})
        assert resp.status_code == 403
        assert not Application.objects.exists()

    def test_sysadmin_registers_lists_and_revokes_a_client(self, sysadmin, make_user):
        client = logged_in_client(sysadmin)
        resp = client.post(
            "/org/oauth-clients/", {"name": "网格化平台", "redirect_uris": REDIRECT, "confidential": "on"}
        )
        assert resp.status_code == 200
        app = Application.objects.get(name="网格化平台")
        html = resp.content.decode()
        assert app.client_id in html and "仅显示这一次" in html
        assert app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
        assert app.algorithm == Application.RS256_ALGORITHM
        assert AuditRecord.objects.filter(action=AuditAction.CREATE, object_type="oauth2_provider.application").exists()
        assert "网格化平台" in client.get("/org/oauth-clients/").content.decode()

        # the secret shown once works for the code flow
        secret = html.split("客户端密钥（client_secret）：<code>")[1].split("</code>")[0]
        Application.objects.filter(pk=app.pk).update(skip_authorization=True)
        verifier, challenge = pkce_pair()
        user = make_user()
        code = code_from(logged_in_client(user).get("/o/authorize/", authorize_params(app, challenge)))
        resp = Client().post(
            "/o/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
                "client_id": app.client_id,
                "client_secret": secret,
            },
        )
        assert resp.status_code == 200
        access = resp.json()["access_token"]

        assert client.post(f"/org/oauth-clients/{app.pk}/revoke/").status_code == 302
        assert not Application.objects.filter(pk=app.pk).exists()
        assert not AccessToken.objects.exists()
        assert Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 401
        assert AuditRecord.objects.filter(action=AuditAction.DELETE, object_type="oauth2_provider.application").exists()

    def test_registration_refuses_bad_redirects_in_chinese(self, sysadmin):
        resp = logged_in_client(sysadmin).post("/org/oauth-clients/", {"name": "x", "redirect_uris": "javascript:1"})
        assert resp.status_code == 400
        assert "回调地址无效" in resp.content.decode()
        assert not Application.objects.exists()

    def test_menu_shows_the_page_to_the_system_administrator_only(self, sysadmin, secadmin):
        assert "/org/oauth-clients/" in logged_in_client(sysadmin).get("/").content.decode()
        assert "/org/oauth-clients/" not in logged_in_client(secadmin).get("/").content.decode()


class TestOnlyTheCodeFlow:
    def test_password_grant_is_refused_even_for_a_password_client(self, make_user):
        make_user(username="squadx")
        app = make_app(authorization_grant_type=Application.GRANT_PASSWORD)
        for _ in range(3):
            resp = Client().post(
                "/o/token/",
                {
                    "grant_type": "password",
                    "username": "squadx",
                    "password": TEST_PASSWORD,
                    "client_id": app.client_id,
                    "client_secret": CLIENT_SECRET,
                },
            )
            assert resp.status_code in (400, 401)
            assert "access_token" not in resp.json()
        assert not AccessToken.objects.exists()

    def test_password_grant_is_refused_for_a_code_client(self, make_user):
        make_user(username="squady")
        app = make_app()
        resp = Client().post(
            "/o/token/",
            {
                "grant_type": "password",
                "username": "squady",
                "password": TEST_PASSWORD,
                "client_id": app.client_id,
                "client_secret": CLIENT_SECRET,
            },
        )
        assert resp.status_code == 400
        assert resp.json()["error"] == "unsupported_grant_type"

    def test_client_credentials_are_refused(self):
        app = make_app(authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS)
        resp = Client().post(
            "/o/token/",
            {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": CLIENT_SECRET},
        )
        assert resp.status_code in (400, 401)
        assert not AccessToken.objects.exists()

    def test_pkce_plain_is_refused(self, make_user):
        app = make_app()
        params = authorize_params(app, "x" * 50, code_challenge_method="plain")
        resp = logged_in_client(make_user()).get("/o/authorize/", params)
        assert resp.status_code == 302 and "error=" in resp.url and "code=" not in resp.url

    def test_challenge_without_method_is_refused(self, make_user):
        app = make_app()
        params = authorize_params(app, "x" * 50)
        del params["code_challenge_method"]  # would default to plain
        resp = logged_in_client(make_user()).get("/o/authorize/", params)
        assert resp.status_code == 302 and "code=" not in resp.url

    @pytest.mark.parametrize("response_type", ["token", "id_token", "id_token token", "code id_token"])
    def test_implicit_and_hybrid_flows_are_refused(self, make_user, response_type):
        app = make_app(authorization_grant_type=Application.GRANT_IMPLICIT)
        _, challenge = pkce_pair()
        params = authorize_params(app, challenge, response_type=response_type)
        resp = logged_in_client(make_user()).get("/o/authorize/", params)
        assert resp.status_code in (302, 400)
        if resp.status_code == 302:
            assert "access_token=" not in resp.url and "id_token=" not in resp.url

    def test_hs256_client_is_refused(self, make_user):
        app = make_app(algorithm=Application.HS256_ALGORITHM)
        _, challenge = pkce_pair()
        resp = logged_in_client(make_user()).get("/o/authorize/", authorize_params(app, challenge))
        assert "code=" not in resp.get("Location", "")

    def test_discovery_advertises_only_what_is_accepted(self):
        doc = Client().get("/o/.well-known/openid-configuration").json()
        assert doc["response_types_supported"] == ["code"]
        assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
        assert doc["code_challenge_methods_supported"] == ["S256"]
        assert "password" not in doc["grant_types_supported"]

    def test_signing_key_lives_outside_the_database(self):
        # RS256 with an RSA key from var/oidc_rsa.pem (or the environment), never a key stored in the database
        assert "PRIVATE KEY" in settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
        assert (settings.VAR_DIR / "oidc_rsa.pem").exists() or settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]


class TestTokensFollowTheLoginRules:
    def test_access_token_lasts_an_hour_and_comes_with_a_refresh_token(self, make_user):
        app = make_app()
        resp = tokens_for(make_user(), app)
        assert resp.status_code == 200
        body = resp.json()
        assert body["expires_in"] <= 3600
        assert body["refresh_token"]
        token = AccessToken.objects.get()
        assert token.expires <= timezone.now() + dt.timedelta(hours=1, seconds=5)
        renewed = refresh(app, body["refresh_token"])
        assert renewed.status_code == 200 and renewed.json()["access_token"] != body["access_token"]

    def test_refresh_is_refused_once_the_password_must_change(self, make_user):
        user = make_user()
        app = make_app()
        body = tokens_for(user, app).json()
        user.officer.must_change_password = True
        user.officer.save(update_fields=["must_change_password"])
        assert refresh(app, body["refresh_token"]).status_code == 400
        info = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
        assert info.status_code in (401, 403)
        assert AuditRecord.objects.filter(action=AuditAction.LOGIN_FAILED, detail__via="oidc").exists()

    def test_refresh_is_refused_while_the_account_is_locked(self, make_user):
        user = make_user()
        app = make_app()
        body = tokens_for(user, app).json()
        now = timezone.now()
        LoginAttempt.objects.bulk_create(
            LoginAttempt(username=user.username, ip=f"10.0.0.{i}", success=False, at=now) for i in range(10)
        )
        assert refresh(app, body["refresh_token"]).status_code == 400

    def test_code_exchange_is_refused_for_a_disabled_officer(self, make_user):
        from teis.org.choices import OfficerStatus

        user = make_user()
        app = make_app()
        verifier, challenge = pkce_pair()
        code = code_from(logged_in_client(user).get("/o/authorize/", authorize_params(app, challenge)))
        user.officer.status = OfficerStatus.DISABLED
        user.officer.save(update_fields=["status"])
        assert exchange(code, verifier, app).status_code == 400
        assert not AccessToken.objects.exists()

    def test_authorize_waits_for_the_forced_password_change(self, make_user):
        user = make_user(must_change_password=True)
        app = make_app()
        client = Client()
        client.post("/login/", {"username": user.username, "password": TEST_PASSWORD})
        _, challenge = pkce_pair()
        resp = client.get("/o/authorize/", authorize_params(app, challenge))
        assert resp.status_code == 302 and resp.url.startswith("/password/")
        assert not RefreshToken.objects.exists()
