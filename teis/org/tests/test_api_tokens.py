"""Issue 16: API bearer tokens follow the login policy — they expire (a working day by default), end after the
idle timeout, on logout and on a password change, and are refused while the password must be changed."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org import security
from teis.org.models import ApiTokenUse
from teis.org.services import do_update_policy

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Other#pass2026"


def token_login(username, password=TEST_PASSWORD):
    return Client().post(
        "/api/v1/auth/token/", {"username": username, "password": password}, content_type="application/json"
    )


def me(key):
    return Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}")


def age_token(key, *, created_hours=0, idle_minutes=0):
    token = Token.objects.get(key=key)
    if created_hours:
        Token.objects.filter(key=key).update(created=token.created - dt.timedelta(hours=created_hours))
    if idle_minutes:
        ApiTokenUse.objects.filter(token=token).update(last_used_at=timezone.now() - dt.timedelta(minutes=idle_minutes))


@pytest.fixture
def user(make_user):
    return make_user(username="mobile1")


@pytest.fixture
def key(user):
    resp = token_login("mobile1")
    assert resp.status_code == 200, resp.content
    assert resp.json()["expires_in"] == 8 * 3600
    return resp.json()["token"]


class TestExpiry:
    def test_token_expires_after_a_working_day(self, key):
        assert me(key).status_code == 200
        age_token(key, created_hours=8, idle_minutes=1)
        resp = me(key)
        assert resp.status_code == 401
        assert resp.json()["code"] == "token_expired"
        assert "登录已过期" in resp.json()["message"]
        assert not Token.objects.filter(key=key).exists()

    @override_settings(TEIS_API_TOKEN_HOURS=1)
    def test_lifetime_is_configurable(self, key):
        age_token(key, created_hours=1.1)
        assert me(key).status_code == 401

    def test_idle_token_ends_after_the_policy_timeout(self, key, secadmin):
        age_token(key, idle_minutes=29)
        assert me(key).status_code == 200  # activity within the timeout renews it
        age_token(key, idle_minutes=31)
        resp = me(key)
        assert resp.status_code == 401 and resp.json()["code"] == "token_idle"
        assert "30 分钟未操作" in resp.json()["message"]

    def test_idle_timeout_follows_the_policy(self, key, secadmin):
        do_update_policy(secadmin, {"idle_timeout_minutes": 10})
        age_token(key, idle_minutes=11)
        assert me(key).status_code == 401

    def test_a_new_login_replaces_the_token(self, key):
        second = token_login("mobile1").json()["token"]
        assert second != key
        assert me(key).status_code == 401 and me(second).status_code == 200


class TestRevocation:
    def test_api_logout_ends_the_token(self, key, user):
        resp = Client().post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert resp.status_code == 204
        assert me(key).status_code == 401
        assert AuditRecord.objects.filter(action=AuditAction.LOGOUT, actor=user).exists()

    def test_page_logout_ends_the_token(self, key, user):
        client = logged_in_client(user)
        client.post("/logout/")
        assert me(key).status_code == 401

    def test_password_change_ends_the_token(self, key, user):
        security.do_change_password(user, TEST_PASSWORD, NEW_PASSWORD)
        assert me(key).status_code == 401

    def test_password_change_page_ends_the_token(self, key, user):
        client = logged_in_client(user)
        resp = client.post(
            "/password/",
            {"old_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        )
        assert resp.status_code == 302
        assert me(key).status_code == 401


class TestForcedChange:
    def test_first_login_gets_no_token_until_the_password_is_changed(self, make_user):
        make_user(username="newbie", must_change_password=True)
        resp = token_login("newbie")
        assert resp.status_code == 400 and resp.json()["code"] == "password_change_required"
        assert not Token.objects.filter(user__username="newbie").exists()

        resp = Client().post(
            "/api/v1/auth/password/",
            {"username": "newbie", "password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
            content_type="application/json",
        )
        assert resp.status_code == 200, resp.content
        assert me(resp.json()["token"]).status_code == 200
        assert token_login("newbie", NEW_PASSWORD).status_code == 200

    def test_password_change_endpoint_counts_failures_like_the_login(self, make_user):
        make_user(username="newbie", must_change_password=True)
        for _ in range(5):
            resp = Client().post(
                "/api/v1/auth/password/",
                {"username": "newbie", "password": "Wrong#pass1", "new_password": NEW_PASSWORD},
                content_type="application/json",
            )
        assert resp.status_code == 400 and resp.json()["code"] == "locked"

    def test_existing_token_is_refused_once_the_password_must_change(self, key, user):
        user.officer.must_change_password = True
        user.officer.save(update_fields=["must_change_password"])
        resp = me(key)
        assert resp.status_code == 401 and resp.json()["code"] == "password_change_required"

    def test_token_is_refused_while_the_account_is_locked(self, key, user):
        from teis.org.models import LoginAttempt

        LoginAttempt.objects.bulk_create(
            LoginAttempt(username=user.username, ip=f"10.0.0.{i}", success=False) for i in range(10)
        )
        resp = me(key)
        assert resp.status_code == 401 and resp.json()["code"] == "locked"


class TestApiDescription:
    """Issue 16: /api/schema/ and /api/docs/ were public."""

    def test_anonymous_gets_neither_schema_nor_docs(self):
        assert Client().get("/api/schema/").status_code == 401
        resp = Client().get("/api/docs/")
        assert resp.status_code == 302 and resp.url.startswith("/login/")

    def test_logged_in_user_and_token_holder_get_them(self, user, key):
        assert logged_in_client(user).get("/api/docs/").status_code == 200
        assert Client().get("/api/schema/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
