"""Password rules: complexity, history, expiry; through the validator, the service and the /password/ page."""

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org import security
from teis.org.models import Officer, PasswordHistory
from teis.org.passwords import character_classes
from teis.org.services import do_update_policy

pytestmark = pytest.mark.django_db


def messages_of(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as err:
        return err.messages
    return []


class TestComplexity:
    def test_character_classes(self):
        assert character_classes("abcdefgh") == 1
        assert character_classes("abcDEF12") == 3
        assert character_classes("aB1!") == 4

    @pytest.mark.parametrize(
        "password, message",
        [
            ("Ab1!xyz", "密码长度不得少于 8 位"),
            ("abcdefgh1", "至少 3 类"),
            ("ABCDEFGH!", "至少 3 类"),
            ("12345678", "至少 3 类"),
        ],
    )
    def test_weak_passwords_are_refused_in_chinese(self, db, password, message):
        assert any(message in m for m in messages_of(password))

    @pytest.mark.parametrize("password", ["Xk9#mQ2vLp", "zx8!kd3lqw", "TZ#7QLM29X4", "Teis@2025pass"])
    def test_good_passwords_pass(self, db, password):
        assert messages_of(password) == []

    def test_validator_follows_the_policy(self, secadmin):
        do_update_policy(secadmin, {"min_length": 12, "min_classes": 4})
        msgs = messages_of("Xk9mQ2vL")
        assert any("不得少于 12 位" in m for m in msgs)
        assert any("至少 4 类" in m for m in msgs)
        assert messages_of("Gv7!rTq2Lm#x") == []


class TestGuessablePasswords:
    """Issue 16: `Password1` and passwords containing the account name were accepted."""

    @pytest.mark.parametrize("password", ["Password1", "P@ssw0rd", "Qwerty@123", "Admin@123", "Abcdefg1"])
    def test_common_passwords_are_refused(self, db, password):
        assert "该密码属于常见密码，容易被猜中，请换一个。" in messages_of(password)

    @pytest.mark.parametrize("password", ["Zhangsan#2025", "zhangsan@X1y", "X1@nasgnahz"])
    def test_password_with_the_username_is_refused(self, make_user, password):
        user = make_user(username="zhangsan")
        assert "密码不得包含账号名。" in messages_of(password, user)

    def test_change_page_refuses_them_in_chinese(self, make_user):
        user = make_user(username="lisi88")
        client = logged_in_client(user)
        for new, message in (("Password1!", "常见密码"), ("Lisi88#Pass", "不得包含账号名")):
            resp = client.post("/password/", {"old_password": TEST_PASSWORD, "new_password": new, "new_password2": new})
            assert resp.status_code == 400
            assert message in resp.content.decode()
        user.refresh_from_db()
        assert user.check_password(TEST_PASSWORD)

    def test_new_officer_with_a_common_password_is_refused(self, sysadmin, tree):
        resp = logged_in_client(sysadmin).post(
            "/api/v1/org/officers/",
            {"username": "newguy", "password": "Password1", "name": "新人", "unit": tree["squad1"].pk},
            content_type="application/json",
        )
        assert resp.status_code == 400
        assert "常见密码" in resp.json()["message"]


class TestPolicyFloors:
    """Issue 16: the security administrator could switch lockout and idle timeout off (30,000 / 30,000)."""

    @pytest.mark.parametrize(
        "field, value",
        [
            ("max_failures", 30000),
            ("max_failures", 11),
            ("lockout_minutes", 9),
            ("idle_timeout_minutes", 30000),
            ("idle_timeout_minutes", 31),
            ("min_length", 7),
            ("expiry_days", 0),
            ("expiry_days", 91),
            ("min_classes", 2),
        ],
    )
    def test_values_below_the_floor_are_refused(self, secadmin, field, value):
        from teis.org.models import SecurityPolicy

        before = getattr(SecurityPolicy.current(cached=False), field)
        with pytest.raises(ServiceError) as err:
            do_update_policy(secadmin, {field: value})
        assert err.value.code == "policy_weak" and "等保二级" in err.value.message
        assert field in err.value.fields
        assert getattr(SecurityPolicy.current(cached=False), field) == before

    def test_the_page_shows_the_limits_and_refuses_30000(self, secadmin):
        from teis.org.tests.test_login_policy import policy_form

        client = logged_in_client(secadmin)
        assert "等保二级要求：3～10" in client.get("/security/policy/").content.decode()
        resp = client.post("/security/policy/", policy_form(max_failures=30000, lockout_minutes=30000))
        assert resp.status_code == 400
        assert "连续失败锁定次数应在 3 到 10 之间" in resp.content.decode()

    def test_stricter_values_are_accepted(self, secadmin):
        policy = do_update_policy(secadmin, {"max_failures": 3, "lockout_minutes": 60, "idle_timeout_minutes": 10})
        assert (policy.max_failures, policy.lockout_minutes, policy.idle_timeout_minutes) == (3, 60, 10)


class TestHistory:
    def test_last_five_passwords_cannot_be_reused(self, make_user):
        user = make_user()
        current = TEST_PASSWORD
        chain = [f"Round{i}#Pass" for i in range(1, 6)]
        for new in chain:
            security.do_change_password(user, current, new)
            current = new
        assert PasswordHistory.objects.filter(user=user).count() == 6
        for old in chain[:-1]:
            with pytest.raises(ServiceError) as err:
                security.do_change_password(user, current, old)
            assert err.value.code == "weak_password"
            assert "不得使用最近 5 次用过的密码" in err.value.fields["new_password"][0]
        # the initial password is the sixth most recent: allowed again
        security.do_change_password(user, current, TEST_PASSWORD)
        user.refresh_from_db()
        assert user.check_password(TEST_PASSWORD)

    def test_same_and_wrong_old_password(self, make_user):
        user = make_user()
        with pytest.raises(ServiceError) as err:
            security.do_change_password(user, TEST_PASSWORD, TEST_PASSWORD)
        assert err.value.code == "same_password"
        with pytest.raises(ServiceError) as err:
            security.do_change_password(user, "Not@theOld1", "Brand#New2025")
        assert err.value.code == "bad_old_password"


class TestPasswordPage:
    def post(self, client, old, new, new2=None):
        return client.post(
            "/password/", {"old_password": old, "new_password": new, "new_password2": new if new2 is None else new2}
        )

    def test_change_through_the_page(self, make_user):
        user = make_user()
        client = logged_in_client(user)
        resp = self.post(client, TEST_PASSWORD, "Brand#New2025")
        assert resp.status_code == 302
        assert client.get("/").status_code == 200  # the session survives the change
        user.refresh_from_db()
        assert user.check_password("Brand#New2025")
        assert AuditRecord.objects.filter(action=AuditAction.PASSWORD_CHANGE, actor=user).exists()

    @pytest.mark.parametrize(
        "old, new, new2, message",
        [
            ("Wrong#Old123", "Brand#New2025", None, "原密码错误"),
            (TEST_PASSWORD, "short1A", None, "密码长度不得少于 8 位"),
            (TEST_PASSWORD, "alllowercase1", None, "至少 3 类"),
            (TEST_PASSWORD, "Brand#New2025", "Brand#New2026", "两次输入的新密码不一致"),
            (TEST_PASSWORD, TEST_PASSWORD, None, "新密码不能与原密码相同"),
        ],
    )
    def test_refusals_are_chinese_form_errors(self, make_user, old, new, new2, message):
        user = make_user()
        client = logged_in_client(user)
        resp = self.post(client, old, new, new2)
        assert resp.status_code == 400
        assert message in resp.content.decode()
        user.refresh_from_db()
        assert user.check_password(TEST_PASSWORD)

    def test_other_sessions_end_after_a_change(self, make_user):
        user = make_user()
        other = logged_in_client(user)
        assert other.get("/").status_code == 200
        self.post(logged_in_client(user), TEST_PASSWORD, "Brand#New2025")
        assert other.get("/").status_code == 302


class TestExpiry:
    def set_changed(self, user, days_ago):
        Officer.objects.filter(user=user).update(password_changed_at=timezone.now() - dt.timedelta(days=days_ago))

    def test_expired_password_forces_a_change(self, make_user):
        user = make_user(username="oldpass")
        self.set_changed(user, 91)
        client = Client()
        resp = client.post("/login/", {"username": "oldpass", "password": TEST_PASSWORD})
        assert resp.url == "/password/"
        assert client.get("/org/unit/").url == "/password/"
        resp = client.post(
            "/password/",
            {"old_password": TEST_PASSWORD, "new_password": "Renewed#2025", "new_password2": "Renewed#2025"},
        )
        assert resp.status_code == 302
        assert client.get("/").status_code == 200
        user.officer.refresh_from_db()
        assert user.officer.password_changed_at > timezone.now() - dt.timedelta(minutes=1)

    def test_password_within_the_period_is_fine(self, make_user):
        user = make_user(username="freshpass")
        self.set_changed(user, 89)
        resp = Client().post("/login/", {"username": "freshpass", "password": TEST_PASSWORD})
        assert resp.url == "/"

    def test_expiry_follows_the_policy(self, make_user, secadmin):
        user = make_user()
        self.set_changed(user, 40)
        assert security.password_change_required(user) is False
        do_update_policy(secadmin, {"expiry_days": 30})
        assert security.password_change_required(user) is True
        do_update_policy(secadmin, {"expiry_days": 60})
        assert security.password_change_required(user) is False

    def test_api_login_refuses_a_token_until_the_password_is_changed(self, make_user):
        user = make_user(username="apiold")
        self.set_changed(user, 100)
        resp = Client().post(
            "/api/v1/auth/token/", {"username": "apiold", "password": TEST_PASSWORD}, content_type="application/json"
        )
        assert resp.status_code == 400
        assert resp.json()["code"] == "password_change_required"
        assert "请先修改密码" in resp.json()["message"]


class TestInitialPassword:
    def test_officer_created_with_a_weak_password_is_refused(self, sysadmin, tree):
        client = logged_in_client(sysadmin)
        resp = client.post(
            "/org/officer/add/",
            {
                "username": "weakling",
                "password": "123456",
                "name": "弱密码",
                "unit": tree["squad1"].pk,
                "status": "active",
            },
        )
        assert resp.status_code == 400
        assert "密码长度不得少于 8 位" in resp.content.decode()
        assert not Officer.objects.filter(name="弱密码").exists()
