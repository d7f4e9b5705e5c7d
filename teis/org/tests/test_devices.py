"""Mobile device binding on the API token login (spec §2.3.1.1, §2.3.5.1) and the endpoint's rate limit."""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org.models import MobileDevice
from teis.org.services import OfficerService, do_update_policy

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def token_login(client=None, **body):
    return (client or Client()).post(TOKEN_URL, body, content_type="application/json")


@pytest.fixture
def officer_with_device(make_user):
    user = make_user(username="mobile1")
    device = MobileDevice.objects.create(
        owner=user.officer,
        phone_number="13812345678",
        device_id="IMEI-860000000000001",
        imsi="460001234567890",
        model_name="华为 Mate 60",
    )
    return user, device


@pytest.fixture
def binding_on(secadmin):
    do_update_policy(secadmin, {"device_binding_enabled": True})


class TestDeviceBinding:
    def test_registered_device_gets_a_token_that_authenticates(self, officer_with_device, binding_on):
        user, device = officer_with_device
        resp = token_login(username="mobile1", password=TEST_PASSWORD, device_id=device.device_id, imsi=device.imsi)
        assert resp.status_code == 200, resp.content
        token = resp.json()["token"]
        assert Token.objects.get(key=token).user == user
        me = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert me.status_code == 200
        assert me.json()["username"] == "mobile1"
        assert me.json()["name"] == user.officer.name
        # Bearer authentication comes first, so a bad token answers 401 with WWW-Authenticate.
        bad = Client().get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer not-a-token")
        assert bad.status_code == 401 and bad.json()["code"] == "authentication_failed"
        assert Client().get("/api/v1/me/").json()["code"] == "not_authenticated"

    @pytest.mark.parametrize(
        "device_id, imsi, code, message",
        [
            ("IMEI-UNKNOWN", "460001234567890", "device_unregistered", "该设备未登记"),
            ("IMEI-860000000000001", "460009999999999", "device_imsi_mismatch", "IMSI"),
            ("", "", "device_required", "设备号"),
        ],
    )
    def test_unregistered_device_or_wrong_imsi_is_refused(
        self, officer_with_device, binding_on, device_id, imsi, code, message
    ):
        user, _ = officer_with_device
        resp = token_login(username="mobile1", password=TEST_PASSWORD, device_id=device_id, imsi=imsi)
        assert resp.status_code == 400
        body = resp.json()
        assert body["code"] == code
        assert message in body["message"]
        assert not Token.objects.filter(user=user).exists()
        rec = AuditRecord.objects.get(action=AuditAction.DEVICE_REFUSED)
        assert rec.actor == user and rec.detail["device_id"] == device_id
        # a refused device is not a successful login
        assert not AuditRecord.objects.filter(action=AuditAction.LOGIN, actor=user).exists()

    def test_another_officers_device_is_refused(self, officer_with_device, binding_on, make_user):
        _, device = officer_with_device
        other = make_user(username="mobile2")
        resp = token_login(username="mobile2", password=TEST_PASSWORD, device_id=device.device_id, imsi=device.imsi)
        assert resp.status_code == 400
        assert resp.json()["code"] == "device_foreign"
        assert "已绑定其他账号" in resp.json()["message"]
        assert AuditRecord.objects.filter(action=AuditAction.DEVICE_REFUSED, actor=other).exists()

    def test_deactivated_device_is_refused(self, officer_with_device, binding_on):
        _, device = officer_with_device
        MobileDevice.objects.filter(pk=device.pk).update(is_active=False)
        resp = token_login(username="mobile1", password=TEST_PASSWORD, device_id=device.device_id, imsi=device.imsi)
        assert resp.status_code == 400 and resp.json()["code"] == "device_unregistered"

    def test_without_binding_any_device_may_log_in(self, officer_with_device):
        resp = token_login(username="mobile1", password=TEST_PASSWORD, device_id="whatever")
        assert resp.status_code == 200

    def test_wrong_password_is_a_chinese_400(self, officer_with_device, binding_on):
        resp = token_login(username="mobile1", password="Wrong#Pass1")
        assert resp.status_code == 400
        assert resp.json() == {"code": "bad_credentials", "message": "用户名或密码错误。", "fields": {}}
        resp = token_login(username="mobile1")
        assert resp.status_code == 400 and resp.json()["fields"]["password"]

    def test_disabling_the_officer_revokes_the_token(self, officer_with_device, sysadmin):
        user, _ = officer_with_device
        token = token_login(username="mobile1", password=TEST_PASSWORD).json()["token"]
        session = logged_in_client(user)
        assert session.get("/").status_code == 200
        OfficerService().do_update(sysadmin, user.officer, {"status": "disabled"})
        assert session.get("/").status_code == 302  # the backend no longer accepts the session's user
        resp = Client().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert resp.status_code == 401 and resp.json()["code"] == "authentication_failed"
        resp = token_login(username="mobile1", password=TEST_PASSWORD)
        assert resp.status_code == 400


class TestDevicePages:
    def test_device_form_validates_phone_and_imsi(self, sysadmin, make_user):
        owner = make_user().officer
        client = logged_in_client(sysadmin)
        resp = client.post(
            "/org/mobiledevice/add/",
            {"owner": owner.pk, "phone_number": "12345", "device_id": "D1", "imsi": "46000abc", "is_active": "on"},
        )
        assert resp.status_code == 400
        page = resp.content.decode()
        assert "手机号码应为以 1 开头的 11 位数字" in page
        assert "IMSI 应为不超过 15 位的数字" in page
        assert not MobileDevice.objects.exists()
        resp = client.post(
            "/org/mobiledevice/add/",
            {
                "owner": owner.pk,
                "phone_number": "13900001111",
                "device_id": "D1",
                "imsi": "460001234567890",
                "is_active": "on",
            },
        )
        assert resp.status_code == 302
        assert MobileDevice.objects.get(device_id="D1").owner == owner


class TestRateLimit:
    def test_configured_rate(self, settings):
        assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"] == "20/min"

    def test_twenty_first_request_in_a_minute_is_429(self, db):
        client = Client()
        for i in range(20):
            resp = token_login(client, username=f"nobody{i}", password="x")
            assert resp.status_code == 400, i
        resp = token_login(client, username="nobody", password="x")
        assert resp.status_code == 429
        body = resp.json()
        assert body["code"] == "throttled"
        assert body["message"].startswith("请求过于频繁，请") and "秒后再试" in body["message"]
        assert "Retry-After" in resp.headers

    def test_small_rate_and_per_client_counting(self, db, monkeypatch):
        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
        client = Client()
        for _ in range(3):
            assert token_login(client, username="a", password="x").status_code == 400
        assert token_login(client, username="a", password="x").status_code == 429
        # another address has its own budget
        other = Client(REMOTE_ADDR="10.2.2.2")
        assert token_login(other, username="a", password="x").status_code == 400
