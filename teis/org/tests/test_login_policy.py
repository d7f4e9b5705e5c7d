"""Login policy through the pages and the services: lockout per account and per IP, idle timeout, first-login
password change, the TOTP second factor, and the policy page of the security administrator."""

import datetime as dt

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org import security
from teis.org.models import LoginAttempt, SecurityPolicy
from teis.org.services import do_update_policy

pytestmark = pytest.mark.django_db

WRONG = "Wrong@pass123"


def post_login(client, username, password, ip="127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def age_attempts(minutes, **flt):
    """Move the recorded attempts `minutes` into the past (instead of waiting)."""
    for a in LoginAttempt.objects.filter(**flt):
        LoginAttempt.objects.filter(pk=a.pk).update(at=a.at - dt.timedelta(minutes=minutes))


def policy_form(**overrides):
    policy = SecurityPolicy.current(cached=False)
    data = {
        "min_length": policy.min_length,
        "min_classes": policy.min_classes,
        "expiry_days": policy.expiry_days,
        "history_count": policy.history_count,
        "max_failures": policy.max_failures,
        "lockout_minutes": policy.lockout_minutes,
        "idle_timeout_minutes": policy.idle_timeout_minutes,
    }
    for flag in ("force_change_on_first_login", "totp_required", "device_binding_enabled"):
        if getattr(policy, flag):
            data[flag] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not False}


# --- lockout ---------------------------------------------------------------------------------------------


class TestAccountLockout:
    def test_five_failures_lock_the_account_for_thirty_minutes(self, make_user):
        make_user(username="zhangsan")
        client = Client()
        for _ in range(4):
            resp = post_login(client, "zhangsan", WRONG)
            assert resp.status_code == 400
            assert "用户名或密码错误" in resp.content.decode()
        resp = post_login(client, "zhangsan", WRONG)
        page = resp.content.decode()
        assert resp.status_code == 400
        assert "该账号在本地址因连续 5 次登录失败已被锁定 30 分钟，请 30 分钟后再试" in page
        assert "联系安全管理员解除锁定" in page
        assert AuditRecord.objects.filter(action=AuditAction.LOCKOUT, detail__username="zhangsan").exists()

        # the right password does not help while locked, and is not even checked
        resp = post_login(client, "zhangsan", TEST_PASSWORD)
        assert resp.status_code == 400
        assert "请 30 分钟后再试" in resp.content.decode()
        assert "_auth_user_id" not in client.session

        age_attempts(29, username="zhangsan")
        resp = post_login(client, "zhangsan", TEST_PASSWORD)
        assert resp.status_code == 400
        assert "请 1 分钟后再试" in resp.content.decode()

        age_attempts(2, username="zhangsan")
        resp = post_login(client, "zhangsan", TEST_PASSWORD)
        assert resp.status_code == 302
        assert resp.url == "/"
        assert client.get("/").status_code == 200

    def test_lockout_lasts_from_the_fifth_failure_not_the_first(self, make_user, tree):
        """Failures spread over time: the lock still lasts the full period after the locking failure."""
        make_user(username="lisi")
        policy = SecurityPolicy.current()
        for _ in range(4):
            with pytest.raises(ServiceError):
                security.do_login("lisi", WRONG, "10.1.1.1")
            age_attempts(10, username="lisi")  # one failure every 10 minutes
        with pytest.raises(ServiceError) as err:
            security.do_login("lisi", WRONG, "10.1.1.1")
        assert err.value.code == "locked"
        age_attempts(29, username="lisi")  # the first failures are now > 30 minutes old
        assert security.lockout_remaining("lisi", "10.1.1.1", policy) == ("账号（本地址）", 1)

    def test_counter_restarts_after_the_lock_and_after_a_success(self, make_user):
        make_user(username="wangwu")
        policy = SecurityPolicy.current()
        for _ in range(5):
            with pytest.raises(ServiceError):
                security.do_login("wangwu", WRONG, None)
        age_attempts(31, username="wangwu")
        with pytest.raises(ServiceError) as err:  # one more failure after the lock: not locked again
            security.do_login("wangwu", WRONG, None)
        assert err.value.code == "bad_credentials"
        assert security.lockout_remaining("wangwu", None, policy) is None

        for _ in range(3):
            with pytest.raises(ServiceError):
                security.do_login("wangwu", WRONG, None)
        assert security.do_login("wangwu", TEST_PASSWORD, None).user.username == "wangwu"
        for _ in range(4):  # the success reset the count
            with pytest.raises(ServiceError) as err:
                security.do_login("wangwu", WRONG, None)
            assert err.value.code == "bad_credentials"

    def test_policy_values_drive_the_lockout(self, make_user, secadmin):
        do_update_policy(secadmin, {"max_failures": 3, "lockout_minutes": 10})
        make_user(username="zhaoliu")
        client = Client()
        post_login(client, "zhaoliu", WRONG)
        post_login(client, "zhaoliu", WRONG)
        resp = post_login(client, "zhaoliu", WRONG)
        assert "连续 3 次登录失败已被锁定 10 分钟，请 10 分钟后再试" in resp.content.decode()
        assert "连续 3 次登录失败将锁定账号" in Client().get("/login/").content.decode()


class TestLockoutScopes:
    """Issue 16: one person's typos must not lock an office behind one address (NAT, proxy)."""

    def test_failures_of_one_account_do_not_lock_the_address_for_others(self, make_user):
        make_user(username="victim")
        make_user(username="typist")
        client = Client()
        for _ in range(6):
            post_login(client, "typist", WRONG, ip="10.9.9.9")
        resp = post_login(Client(), "victim", TEST_PASSWORD, ip="10.9.9.9")
        assert resp.status_code == 302
        # the typist is locked at that address only: from another one the right password works
        assert post_login(Client(), "typist", TEST_PASSWORD, ip="10.9.9.9").status_code == 400
        assert post_login(Client(), "typist", TEST_PASSWORD, ip="10.8.8.8").status_code == 302

    def test_failures_of_a_few_accounts_do_not_lock_the_address(self, make_user):
        make_user(username="victim")
        client = Client()
        for i in range(security.SPRAY_ACCOUNTS - 1):
            post_login(client, f"guess{i}", WRONG, ip="10.9.9.9")
        assert post_login(Client(), "victim", TEST_PASSWORD, ip="10.9.9.9").status_code == 302

    def test_password_spraying_throttles_the_address(self, make_user):
        make_user(username="victim")
        client = Client()
        for i in range(security.SPRAY_ACCOUNTS):
            post_login(client, f"guess{i}", WRONG, ip="10.9.9.9")
        resp = post_login(client, "victim", TEST_PASSWORD, ip="10.9.9.9")
        assert resp.status_code == 400
        assert "本地址短时间内有 10 个以上账号登录失败，已暂停登录 30 分钟" in resp.content.decode()
        # the account itself is not locked: from another address it logs in
        assert post_login(Client(), "victim", TEST_PASSWORD, ip="10.8.8.8").status_code == 302

    def test_spraying_lock_also_applies_to_the_api_token_endpoint(self, make_user):
        make_user(username="apiuser")
        client = Client()
        for i in range(security.SPRAY_ACCOUNTS):
            post_login(client, f"guess{i}", WRONG, ip="10.7.7.7")
        resp = client.post(
            "/api/v1/auth/token/",
            {"username": "apiuser", "password": TEST_PASSWORD},
            content_type="application/json",
            REMOTE_ADDR="10.7.7.7",
        )
        assert resp.status_code == 400
        assert resp.json()["code"] == "locked"
        assert "本地址" in resp.json()["message"]

    def test_guessing_from_many_addresses_locks_the_account_everywhere(self, make_user):
        make_user(username="target")
        for i in range(2 * SecurityPolicy.current().max_failures):
            post_login(Client(), "target", WRONG, ip=f"10.6.6.{i}")
        resp = post_login(Client(), "target", TEST_PASSWORD, ip="10.5.5.5")
        assert resp.status_code == 400
        assert "该账号因连续 10 次登录失败已被锁定" in resp.content.decode()


class TestLockPage:
    def test_security_admin_sees_and_lifts_an_account_lock(self, secadmin, make_user):
        make_user(username="forgetful")
        for _ in range(5):
            post_login(Client(), "forgetful", WRONG, ip="10.4.4.4")
        client = logged_in_client(secadmin)
        page = client.get("/security/locks/").content.decode()
        assert "forgetful" in page and "10.4.4.4" in page and "解除锁定" in page
        resp = client.post("/security/locks/", {"username": "forgetful"})
        assert resp.status_code == 302
        assert "当前没有锁定" in client.get("/security/locks/").content.decode()
        assert post_login(Client(), "forgetful", TEST_PASSWORD, ip="10.4.4.4").status_code == 302
        assert AuditRecord.objects.filter(actor=secadmin, detail__unlocked="forgetful").exists()

    def test_security_admin_lifts_an_address_lock(self, secadmin, make_user):
        make_user(username="victim")
        for i in range(security.SPRAY_ACCOUNTS):
            post_login(Client(), f"guess{i}", WRONG, ip="10.3.3.3")
        client = logged_in_client(secadmin)
        assert "10.3.3.3" in client.get("/security/locks/").content.decode()
        client.post("/security/locks/", {"ip": "10.3.3.3"})
        assert post_login(Client(), "victim", TEST_PASSWORD, ip="10.3.3.3").status_code == 302

    def test_others_cannot_open_or_lift(self, sysadmin, make_user):
        make_user(username="forgetful")
        for _ in range(5):
            post_login(Client(), "forgetful", WRONG, ip="10.4.4.4")
        client = logged_in_client(sysadmin)
        assert client.get("/security/locks/").status_code == 403
        assert client.post("/security/locks/", {"username": "forgetful"}).status_code == 403
        assert post_login(Client(), "forgetful", TEST_PASSWORD, ip="10.4.4.4").status_code == 400


# --- idle timeout ----------------------------------------------------------------------------------------


class TestIdleTimeout:
    def set_idle(self, client, minutes):
        session = client.session
        session["last_activity"] = timezone.now().timestamp() - minutes * 60
        session.save()

    def test_idle_session_is_logged_out(self, make_user):
        user = make_user()
        client = logged_in_client(user)
        assert client.get("/").status_code == 200
        self.set_idle(client, 29)
        assert client.get("/").status_code == 200
        self.set_idle(client, 31)
        resp = client.get("/")
        assert resp.status_code == 302
        assert resp.url == "/login/?timeout=1"
        assert "_auth_user_id" not in client.session
        assert AuditRecord.objects.filter(action=AuditAction.LOGOUT, actor=user).exists()
        page = client.get(resp.url).content.decode()
        assert "超过 30 分钟未操作，已自动退出" in page
        assert client.get("/").status_code == 302  # still anonymous

    def test_activity_keeps_the_session_alive(self, make_user):
        client = logged_in_client(make_user())
        self.set_idle(client, 20)
        assert client.get("/").status_code == 200
        assert client.session["last_activity"] > timezone.now().timestamp() - 60  # refreshed
        self.set_idle(client, 20)
        assert client.get("/").status_code == 200

    def test_idle_timeout_follows_the_policy(self, make_user, secadmin):
        do_update_policy(secadmin, {"idle_timeout_minutes": 5})
        client = logged_in_client(make_user())
        client.get("/")
        self.set_idle(client, 6)
        assert client.get("/").status_code == 302


# --- first login -----------------------------------------------------------------------------------------


class TestFirstLogin:
    def test_first_login_forces_a_password_change(self, make_user):
        user = make_user(username="newbie", must_change_password=True)
        client = Client()
        resp = post_login(client, "newbie", TEST_PASSWORD)
        assert resp.status_code == 302 and resp.url == "/password/"
        for path in ("/", "/org/officer/", f"/org/officer/{user.officer.pk}/", "/o/authorize/"):
            resp = client.get(path)
            assert resp.status_code == 302, path
            assert resp.url == "/password/", path
        page = client.get("/password/")
        assert page.status_code == 200
        assert "首次登录或密码已超过 90 天未修改" in page.content.decode()
        resp = client.post(
            "/password/",
            {"old_password": TEST_PASSWORD, "new_password": "Fresh#Pass2025", "new_password2": "Fresh#Pass2025"},
        )
        assert resp.status_code == 302 and resp.url == "/"
        assert client.get("/").status_code == 200
        user.officer.refresh_from_db()
        assert user.officer.must_change_password is False
        # next login goes straight in
        assert post_login(Client(), "newbie", "Fresh#Pass2025").url == "/"

    def test_policy_can_switch_the_first_login_change_off(self, make_user, secadmin):
        do_update_policy(secadmin, {"force_change_on_first_login": False})
        make_user(username="newbie2", must_change_password=True)
        assert post_login(Client(), "newbie2", TEST_PASSWORD).url == "/"

    def test_next_url_is_kept_and_foreign_hosts_ignored(self, make_user):
        make_user(username="nexter")
        client = Client()
        resp = client.post("/login/?next=/org/unit/", {"username": "nexter", "password": TEST_PASSWORD})
        assert resp.url == "/org/unit/"
        client = Client()
        resp = client.post(
            "/login/", {"username": "nexter", "password": TEST_PASSWORD, "next": "https://evil.example/"}
        )
        assert resp.url == "/"


# --- TOTP ------------------------------------------------------------------------------------------------


def enable_totp(client):
    resp = client.get("/totp/")
    assert resp.status_code == 200
    assert "<svg" in resp.content.decode()
    secret = client.session["totp_pending_secret"]
    resp = client.post("/totp/", {"code": pyotp.TOTP(secret).now()})
    assert resp.status_code == 302
    return secret


class TestTotp:
    def test_setup_page_shows_a_qr_code_and_stores_nothing_until_confirmed(self, make_user):
        user = make_user()
        client = logged_in_client(user)
        resp = client.get("/totp/")
        assert resp.status_code == 200
        assert "<svg" in resp.content.decode()
        user.officer.refresh_from_db()
        assert user.officer.totp_secret == "" and user.officer.totp_enabled is False
        resp = client.post("/totp/", {"code": "000000"})
        assert resp.status_code == 400
        assert "动态口令错误" in resp.content.decode()
        user.officer.refresh_from_db()
        assert user.officer.totp_enabled is False

        secret = client.session["totp_pending_secret"]
        resp = client.post("/totp/", {"code": pyotp.TOTP(secret).now()})
        assert resp.status_code == 302
        user.officer.refresh_from_db()
        assert user.officer.totp_enabled is True
        assert user.officer.totp_secret == secret
        with connection.cursor() as cur:
            cur.execute("SELECT totp_secret FROM org_officer WHERE id = %s", [user.officer.pk])
            assert cur.fetchone()[0].startswith("sm4:")
        # once enabled, visiting the page does not replace the secret
        assert "动态口令已启用" in client.get("/totp/").content.decode()
        user.officer.refresh_from_db()
        assert user.officer.totp_secret == secret

    def test_login_asks_the_code(self, make_user):
        user = make_user(username="twofactor")
        secret = enable_totp(logged_in_client(user))
        client = Client()
        resp = post_login(client, "twofactor", TEST_PASSWORD)
        assert resp.status_code == 302 and resp.url == "/login/totp/"
        assert "_auth_user_id" not in client.session
        assert client.get("/").status_code == 302  # not logged in yet
        assert client.get("/login/totp/").status_code == 200
        resp = client.post("/login/totp/", {"code": "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"})
        assert resp.status_code == 400
        assert "动态口令错误" in resp.content.decode()
        resp = client.post("/login/totp/", {"code": pyotp.TOTP(secret).now()})
        assert resp.status_code == 302 and resp.url == "/"
        assert client.get("/").status_code == 200
        assert AuditRecord.objects.filter(action=AuditAction.LOGIN, actor=user, detail__second_factor="totp").exists()

    def test_totp_failures_count_towards_the_lockout(self, make_user):
        user = make_user(username="twofactor2")
        secret = enable_totp(logged_in_client(user))
        bad = "111111" if pyotp.TOTP(secret).now() != "111111" else "222222"
        client = Client()
        post_login(client, "twofactor2", TEST_PASSWORD)
        for _ in range(4):
            assert client.post("/login/totp/", {"code": bad}).status_code == 400
        resp = client.post("/login/totp/", {"code": bad})
        assert "已被锁定" in resp.content.decode()
        # the pending step is gone: the user starts again and is locked
        assert client.get("/login/totp/").status_code == 302
        assert "已被锁定" in post_login(client, "twofactor2", TEST_PASSWORD).content.decode()

    def test_pending_second_step_expires(self, make_user):
        user = make_user(username="slow")
        enable_totp(logged_in_client(user))
        client = Client()
        post_login(client, "slow", TEST_PASSWORD)
        session = client.session
        session["pending_totp"] = {**session["pending_totp"], "at": session["pending_totp"]["at"] - 600}
        session.save()
        resp = client.get("/login/totp/")
        assert resp.status_code == 302 and resp.url == "/login/"

    def test_api_token_login_with_totp(self, make_user):
        user = make_user(username="mobile2fa")
        secret = enable_totp(logged_in_client(user))
        client = Client()
        body = {"username": "mobile2fa", "password": TEST_PASSWORD}
        resp = client.post("/api/v1/auth/token/", body, content_type="application/json")
        assert resp.status_code == 400 and resp.json()["code"] == "totp_required"
        resp = client.post(
            "/api/v1/auth/token/", {**body, "totp": pyotp.TOTP(secret).now()}, content_type="application/json"
        )
        assert resp.status_code == 200, resp.content
        assert resp.json()["token"]

    def test_policy_requiring_totp_sends_users_to_the_setup_page(self, make_user, secadmin):
        do_update_policy(secadmin, {"totp_required": True})
        make_user(username="mustbind")
        client = Client()
        resp = post_login(client, "mustbind", TEST_PASSWORD)
        assert resp.url == "/totp/"
        assert client.get("/org/officer/").url == "/totp/"
        enable_totp(client)
        assert client.get("/").status_code == 200


# --- the policy page and its cache -----------------------------------------------------------------------


class TestPolicyPage:
    def test_security_admin_edits_the_policy(self, secadmin):
        client = logged_in_client(secadmin)
        assert client.get("/security/policy/").status_code == 200
        resp = client.post("/security/policy/", policy_form(idle_timeout_minutes=15, expiry_days=60))
        assert resp.status_code == 302
        policy = SecurityPolicy.current()
        assert policy.idle_timeout_minutes == 15 and policy.expiry_days == 60
        rec = AuditRecord.objects.filter(action=AuditAction.POLICY_CHANGE).latest("id")
        assert rec.actor == secadmin
        assert rec.changes["空闲超时（分钟）"] == [30, 15]

    def test_weak_policy_is_refused(self, secadmin):
        client = logged_in_client(secadmin)
        resp = client.post("/security/policy/", policy_form(min_length=6))
        assert resp.status_code == 400
        assert "密码最小长度应在 8 到 64 之间" in resp.content.decode()
        assert SecurityPolicy.current().min_length == 8

    def test_policy_is_cached_and_updates_are_seen_at_once(self, secadmin, django_assert_num_queries):
        SecurityPolicy.current()
        with django_assert_num_queries(0):
            assert SecurityPolicy.current().lockout_minutes == 30
        do_update_policy(secadmin, {"lockout_minutes": 45})
        assert SecurityPolicy.current().lockout_minutes == 45
        with django_assert_num_queries(0):
            SecurityPolicy.current()

    def test_middleware_reads_the_cached_policy(self, make_user):
        from django.core.cache import cache

        from teis.org.models import POLICY_CACHE_KEY

        client = logged_in_client(make_user())
        client.get("/")
        assert isinstance(cache.get(POLICY_CACHE_KEY), SecurityPolicy)

    def test_login_attempts_page(self, secadmin, make_user):
        post_login(Client(), "nobody", WRONG)
        resp = logged_in_client(secadmin).get("/security/logins/?username=nobody")
        assert resp.status_code == 200
        assert "nobody" in resp.content.decode()
        assert logged_in_client(make_user()).get("/security/logins/").status_code == 403
