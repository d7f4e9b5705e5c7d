"""The API contract: one error body, validation in Chinese, pagination, filters, ordering, OpenAPI docs."""

import json
import re

import pytest
from django.core.cache import cache

from teis.core.registry import registry
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body, make_role

pytestmark = pytest.mark.django_db


def all_view_permissions():
    """Every registered model's permissions except the audit and security administrators' (三员分立: no
    account may hold two administrator families, and the organisation's add/change/delete are the system
    administrator's)."""
    from teis.org.separation import AUDIT, SECURITY, family_of

    perms = []
    for config in registry.configs.values():
        perms.append(config.perm("view"))
        if not config.api_read_only:
            perms += [config.perm(a) for a in ("add", "change", "delete")]
    return [p for p in perms if family_of(p) not in (AUDIT, SECURITY)]


@pytest.fixture
def admin_client(make_user):
    make_role("api_all", scope="all", permissions=all_view_permissions())
    return logged_in_client(make_user("api_all", "corps"))


@pytest.fixture
def admin(make_user):
    make_role("api_all", scope="all", permissions=all_view_permissions())
    return make_user("api_all", "corps")


def has_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


# --- the one error body ---------------------------------------------------------------------------


class TestErrorBody:
    def test_400(self, admin_client, tree):
        resp = admin_client.post("/api/v1/org/units/", {"name": ""}, content_type="application/json")
        data = assert_error_body(resp, 400, "invalid")
        assert "name" in data["fields"] and "unit_type" in data["fields"]
        assert all(has_chinese(m) for msgs in data["fields"].values() for m in msgs), data

    def test_400_malformed_json(self, admin_client):
        resp = admin_client.post("/api/v1/org/units/", "{oops", content_type="application/json")
        assert_error_body(resp, 400, "parse_error")

    def test_401_unauthenticated(self, client, db):
        for url in ("/api/v1/org/officers/", "/api/v1/me/", "/api/v1/todos/"):
            assert_error_body(client.get(url), (401, 403), "not_authenticated")

    def test_401_bad_token(self, client, db):
        resp = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer not-a-token")
        data = assert_error_body(resp, (401, 403), "authentication_failed")
        assert data["message"] == "身份认证失败。"

    def test_bearer_token_works(self, client, sysadmin):
        from rest_framework.authtoken.models import Token

        token = Token.objects.create(user=sysadmin)
        resp = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token.key}")
        assert resp.status_code == 200 and resp.json()["username"] == "sysadmin"

    def test_403(self, make_user):
        client = logged_in_client(make_user("field_officer", "squad1"))
        assert_error_body(client.get("/api/v1/org/roles/"), 403, "permission_denied")

    def test_404(self, admin_client):
        assert_error_body(admin_client.get("/api/v1/org/officers/999999/"), 404, "not_found")

    def test_405(self, admin_client):
        data = assert_error_body(admin_client.put("/api/v1/me/", {}, content_type="application/json"), 405)
        assert data["code"] == "method_not_allowed"
        assert_error_body(admin_client.delete("/api/v1/org/units/"), 405, "method_not_allowed")

    def test_429(self, client, db, monkeypatch):
        from rest_framework.throttling import ScopedRateThrottle

        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
        cache.clear()
        try:
            statuses = []
            for _ in range(4):
                resp = client.post(
                    "/api/v1/auth/token/", {"username": "nobody", "password": "x"}, content_type="application/json"
                )
                statuses.append(resp.status_code)
            data = assert_error_body(resp, 429, "throttled")
            assert "秒后再试" in data["message"]
            assert statuses[:3] == [400, 400, 400], statuses
        finally:
            cache.clear()


# --- malformed input ------------------------------------------------------------------------------


class TestMalformedInput:
    @pytest.mark.parametrize("bad", ["abc", "1.5", "-1", "0x10", "%20", "9" * 30])
    def test_malformed_ids_are_404_json(self, admin_client, bad):
        for base in ("/api/v1/org/officers/", "/api/v1/org/units/", "/api/v1/core/dictionaryitems/"):
            resp = admin_client.get(f"{base}{bad}/")
            assert resp.status_code == 404, (base, bad, resp.status_code)
            if resp["Content-Type"].startswith("application/json"):
                assert_error_body(resp, 404)

    def test_malformed_id_page_is_404(self, admin_client):
        assert admin_client.get("/org/officer/abc/").status_code == 404

    def test_bad_phone_is_400_with_chinese_field_error(self, admin_client, tree):
        data = {"username": "p1", "password": "Strong#Pass2025", "name": "张三", "unit": tree["squad1"].pk}
        for phone in ("12345", "2381234567x", "1381234567８"):
            resp = admin_client.post("/api/v1/org/officers/", {**data, "phone": phone}, content_type="application/json")
            body = assert_error_body(resp, 400, "invalid")
            assert "phone" in body["fields"] and has_chinese(body["fields"]["phone"][0]), body
        resp = admin_client.post(
            "/api/v1/org/officers/", {**data, "phone": "13812345678"}, content_type="application/json"
        )
        assert resp.status_code == 201, resp.content.decode()
        assert resp.json()["phone"] == "138****5678"
        assert "password" not in resp.json() and "totp_secret" not in resp.json()

    def test_bad_id_number_is_400(self, admin_client, tree):
        data = {"username": "p2", "password": "Strong#Pass2025", "name": "李四", "unit": tree["squad1"].pk}
        resp = admin_client.post(
            "/api/v1/org/officers/", {**data, "id_number": "110105194912310021"}, content_type="application/json"
        )
        body = assert_error_body(resp, 400)
        assert "校验位" in body["fields"]["id_number"][0]

    def test_officer_create_requires_account(self, admin_client, tree):
        resp = admin_client.post(
            "/api/v1/org/officers/", {"name": "王五", "unit": tree["squad1"].pk}, content_type="application/json"
        )
        body = assert_error_body(resp, 400)
        assert {"username", "password"} <= set(body["fields"])

    def test_bad_region_code_is_400(self, admin_client, tree):
        base = {"name": "新单位", "unit_type": "squad", "parent": tree["squad1"].pk}
        for code in ("31011", "31A101", "3101011"):
            resp = admin_client.post(
                "/api/v1/org/units/", {**base, "region_code": code}, content_type="application/json"
            )
            body = assert_error_body(resp, 400, "invalid")
            assert "region_code" in body["fields"] and has_chinese(body["fields"]["region_code"][0]), body
        resp = admin_client.post(
            "/api/v1/org/units/", {**base, "region_code": "310115"}, content_type="application/json"
        )
        assert resp.status_code == 201, resp.content.decode()

    def test_bad_device_phone_is_400(self, admin_client, admin):
        resp = admin_client.post(
            "/api/v1/org/mobiledevices/",
            {"owner": admin.officer.pk, "phone_number": "1234", "device_id": "X1"},
            content_type="application/json",
        )
        body = assert_error_body(resp, 400)
        assert "手机号码" in body["fields"]["phone_number"][0]

    def test_out_of_scope_choice_is_400(self, make_user, tree):
        make_role("dev_sub", scope="subtree", permissions=["org.view_mobiledevice", "org.add_mobiledevice"])
        user = make_user("dev_sub", "brigade1")
        foreign = make_user("field_officer", "squad3")
        resp = logged_in_client(user).post(
            "/api/v1/org/mobiledevices/",
            {"owner": foreign.officer.pk, "phone_number": "13812345678", "device_id": "X2"},
            content_type="application/json",
        )
        body = assert_error_body(resp, 400)
        assert "owner" in body["fields"]


# --- pagination, filters, ordering ----------------------------------------------------------------


class TestListing:
    @pytest.fixture
    def items(self, db):
        from teis.core.models import DictionaryItem, DictionaryType

        t = DictionaryType.objects.create(code="page_test", name="分页测试")
        DictionaryItem.objects.bulk_create(
            DictionaryItem(dict_type=t, code=f"P{i:03d}", label=f"项{i:03d}", order=i) for i in range(230)
        )
        return t

    def test_pagination(self, admin_client, items):
        url = "/api/v1/core/dictionaryitems/"
        body = admin_client.get(url, {"dict_type": items.pk}).json()
        assert body["count"] == 230 and len(body["results"]) == 20 and body["next"] and body["previous"] is None
        body = admin_client.get(url, {"dict_type": items.pk, "page_size": 50, "page": 2}).json()
        assert len(body["results"]) == 50 and body["results"][0]["code"] == "P050"
        body = admin_client.get(url, {"dict_type": items.pk, "page_size": 1000}).json()
        assert len(body["results"]) == 200  # max_page_size
        assert_error_body(admin_client.get(url, {"page": 99}), 404)
        assert_error_body(admin_client.get(url, {"page": "abc"}), 404)
        assert admin_client.get(url, {"page_size": "abc"}).status_code == 200

    def test_ordering_and_filter(self, admin_client, items):
        url = "/api/v1/core/dictionaryitems/"
        body = admin_client.get(url, {"dict_type": items.pk, "ordering": "-code", "page_size": 3}).json()
        assert [r["code"] for r in body["results"]] == ["P229", "P228", "P227"]
        body = admin_client.get(url, {"dict_type": items.pk, "label": "项01"}).json()
        assert body["count"] == 10
        assert admin_client.get(url, {"ordering": "no_such_field"}).status_code == 200
        assert_error_body(admin_client.get(url, {"dict_type": "abc"}), 400)

    def test_every_list_endpoint_pages_filters_and_orders(self, admin_client, admin, auditor, tree):
        """For every registered model: page, page_size, ordering by each sortable column, and each filter
        with a nonsense value answers 200 or a 400 error body, never a 500."""
        from teis.core.api.viewsets import api_slug, viewset_for
        from teis.core.filters import filterset_for
        from teis.org.separation import AUDIT, family_of

        audit_client = logged_in_client(auditor)  # the audit trail is the audit administrator's alone
        checked = 0
        for config in registry.configs.values():
            if not config.api:
                continue
            client = audit_client if family_of(config.perm("view")) == AUDIT else admin_client
            url = f"/api/v1/{api_slug(config)}/"
            resp = client.get(url, {"page": 1, "page_size": 5})
            assert resp.status_code == 200, (url, resp.content[:300])
            assert {"count", "next", "previous", "results"} <= set(resp.json())
            for field in viewset_for(config).ordering_fields:
                for sign in ("", "-"):
                    resp = client.get(url, {"ordering": sign + field})
                    assert resp.status_code == 200, (url, field, resp.content[:300])
            for name in filterset_for(config).base_filters:
                for value in ("x", "1", "true", "2025-01-01", "%%"):
                    resp = client.get(url, {name: value})
                    assert resp.status_code in (200, 400), (url, name, value, resp.status_code)
                    if resp.status_code == 400:
                        assert_error_body(resp, 400)
            checked += 1
        assert checked >= 6


# --- OpenAPI ------------------------------------------------------------------------------------


class TestOpenAPI:
    def test_schema_is_valid_openapi3_with_tags(self, admin_client):
        from openapi_spec_validator import validate

        resp = admin_client.get("/api/schema/", {"format": "json"})
        assert resp.status_code == 200
        schema = json.loads(resp.content)
        assert schema["openapi"].startswith("3.")
        validate(schema)
        assert "/api/v1/org/officers/" in schema["paths"]
        assert "/api/v1/org/officers/{id}/" in schema["paths"]
        untagged = [
            f"{method.upper()} {path}"
            for path, ops in schema["paths"].items()
            for method, op in ops.items()
            if method in {"get", "post", "put", "patch", "delete"} and not op.get("tags")
        ]
        assert not untagged, untagged
        assert all(not p.startswith("/o/") for p in schema["paths"])

    def test_swagger_ui_is_served_locally(self, admin_client):
        resp = admin_client.get("/api/docs/")
        assert resp.status_code == 200
        html = resp.content.decode()
        assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in html
        assert "/static/vendor/swagger-ui-dist/swagger-ui.css" in html
        external = re.findall(r"""(?:src|href)\s*=\s*["'](https?://[^"']+)""", html)
        assert not external, external
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
