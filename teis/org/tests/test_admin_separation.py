"""三员分立: system, security and audit administrators are separate accounts with separate powers; the
superuser only bootstraps."""

import pytest
from django.contrib.auth import get_user_model

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org.models import Officer, Role
from teis.org.services import RoleService, check_admin_separation, do_create_officer

pytestmark = pytest.mark.django_db


def officer_form(officer, **overrides):
    data = {
        "name": officer.name,
        "badge_number": officer.badge_number,
        "certificate_number": officer.certificate_number,
        "id_number": "",
        "phone": "",
        "unit": officer.unit_id,
        "position": officer.position,
        "roles": [r.pk for r in officer.roles.all()],
        "status": officer.status,
    }
    data.update(overrides)
    return data


class TestSeparationRule:
    def test_check_admin_separation(self, roles):
        check_admin_separation([roles["system_admin"], roles["field_officer"]])
        with pytest.raises(ServiceError) as err:
            check_admin_separation([roles["system_admin"], roles["audit_admin"]])
        assert err.value.code == "admin_separation"
        assert "三员分立" in err.value.message and "审计管理员" in err.value.message

    def test_create_with_two_admin_roles_is_refused(self, roles, tree):
        with pytest.raises(ServiceError):
            do_create_officer(
                None,
                username="double",
                password=TEST_PASSWORD,
                name="双重",
                unit=tree["corps"],
                roles=[roles["security_admin"], roles["audit_admin"]],
            )
        assert not get_user_model().objects.filter(username="double").exists()

    def test_edit_page_refuses_two_admin_roles_and_saves_nothing(self, sysadmin, make_user, roles):
        target = make_user("system_admin", "corps", username="sys2").officer
        client = logged_in_client(sysadmin)
        resp = client.post(
            f"/org/officer/{target.pk}/edit/",
            officer_form(target, name="改名", roles=[roles["system_admin"].pk, roles["audit_admin"].pk]),
        )
        assert resp.status_code == 400
        page = resp.content.decode()
        assert "三员分立：同一账号不能同时持有" in page
        target.refresh_from_db()
        assert target.name != "改名"
        assert {r.code for r in target.roles.all()} == {"system_admin"}
        assert not AuditRecord.objects.filter(action=AuditAction.ROLE_CHANGE, object_id=str(target.pk)).exists()

    def test_add_page_refuses_two_admin_roles(self, sysadmin, roles, tree):
        resp = logged_in_client(sysadmin).post(
            "/org/officer/add/",
            {
                "username": "combo",
                "password": TEST_PASSWORD,
                "name": "组合",
                "unit": tree["corps"].pk,
                "status": "active",
                "roles": [roles["security_admin"].pk, roles["system_admin"].pk],
            },
        )
        assert resp.status_code == 400
        assert "三员分立" in resp.content.decode()
        assert not Officer.objects.filter(name="组合").exists()
        assert not get_user_model().objects.filter(username="combo").exists()

    def test_api_refuses_two_admin_roles(self, sysadmin, make_user, roles):
        target = make_user("audit_admin", "corps", username="aud2").officer
        resp = logged_in_client(sysadmin).patch(
            f"/api/v1/org/officers/{target.pk}/",
            {"roles": [roles["audit_admin"].pk, roles["system_admin"].pk]},
            content_type="application/json",
        )
        assert resp.status_code == 400
        body = resp.json()
        assert body["code"] == "admin_separation"
        assert "三员分立" in body["message"]
        assert body["fields"]["roles"]
        assert {r.code for r in target.roles.all()} == {"audit_admin"}

    def test_allowed_role_change_is_saved_and_audited(self, sysadmin, make_user, roles):
        target = make_user("field_officer", "squad1").officer
        resp = logged_in_client(sysadmin).post(
            f"/org/officer/{target.pk}/edit/",
            officer_form(target, roles=[roles["field_officer"].pk, roles["squad_leader"].pk]),
        )
        assert resp.status_code == 302
        assert {r.code for r in target.roles.all()} == {"field_officer", "squad_leader"}
        assert AuditRecord.objects.filter(action=AuditAction.ROLE_CHANGE, object_id=str(target.pk)).exists()

    def test_role_kind_change_that_breaks_separation_is_refused(self, sysadmin, make_user, roles):
        make_user("system_admin", "corps")  # holds system_admin
        ops = roles["operations"]
        officer = make_user("operations", "corps").officer
        officer.roles.add(roles["system_admin"])
        with pytest.raises(ServiceError) as err:
            RoleService().do_update(sysadmin, ops, {"admin_kind": "audit"})
        assert err.value.code == "admin_separation"
        assert Role.objects.get(pk=ops.pk).admin_kind == ""


class TestSeparatePowers:
    def test_system_admin_cannot_read_the_audit_trail(self, sysadmin):
        client = logged_in_client(sysadmin)
        assert client.get("/audit/auditrecord/").status_code == 403
        assert client.get("/api/v1/audit/auditrecords/").status_code == 403
        assert client.get("/security/policy/").status_code == 403
        assert AuditRecord.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=sysadmin).count() >= 2
        # but manages units and users
        assert client.get("/org/unit/add/").status_code == 200
        assert client.get("/org/officer/add/").status_code == 200
        assert client.get("/org/role/").status_code == 200

    def test_auditor_reads_the_audit_trail_but_changes_nothing(self, auditor, tree):
        client = logged_in_client(auditor)
        assert client.get("/audit/auditrecord/").status_code == 200
        assert client.get("/org/unit/add/").status_code == 403
        assert client.post("/org/unit/add/", {"name": "x", "unit_type": "squad"}).status_code == 403
        assert client.get(f"/org/unit/{tree['squad1'].pk}/edit/").status_code == 403
        assert client.get("/org/officer/add/").status_code == 403
        assert client.get("/security/policy/").status_code == 403
        assert client.post("/audit/auditrecord/1/delete/").status_code == 404  # no such page at all

    def test_security_admin_edits_the_policy_only(self, secadmin):
        client = logged_in_client(secadmin)
        assert client.get("/security/policy/").status_code == 200
        assert client.get("/security/logins/").status_code == 200
        assert client.get("/audit/auditrecord/").status_code == 403
        assert client.get("/org/officer/add/").status_code == 403

    def test_menu_shows_each_administrator_only_their_pages(self, sysadmin, auditor, secadmin):
        assert "安全策略" not in logged_in_client(sysadmin).get("/").content.decode()
        assert "安全策略" in logged_in_client(secadmin).get("/").content.decode()
        assert "安全策略" not in logged_in_client(auditor).get("/").content.decode()


class TestBootstrapSuperuser:
    @pytest.fixture
    def root(self, db):
        return get_user_model().objects.create_superuser("root", password=TEST_PASSWORD)

    def test_superuser_can_create_the_first_administrators(self, root, roles, tree):
        client = logged_in_client(root)
        assert client.get("/").status_code == 200
        assert client.get("/org/officer/add/").status_code == 200
        resp = client.post(
            "/org/officer/add/",
            {
                "username": "firstsys",
                "password": TEST_PASSWORD,
                "name": "首任系统管理员",
                "unit": tree["corps"].pk,
                "status": "active",
                "roles": [roles["system_admin"].pk],
            },
        )
        assert resp.status_code == 302, resp.content.decode()
        assert Officer.objects.get(name="首任系统管理员").must_change_password is True

    def test_superuser_cannot_use_anything_else(self, root, roles):
        client = logged_in_client(root)
        assert client.get("/audit/auditrecord/").status_code == 403
        assert client.get("/security/policy/").status_code == 403
        assert client.get("/core/todo/").status_code == 403
        assert AuditRecord.objects.filter(action=AuditAction.PERMISSION_DENIED, actor=root).exists()

    def test_superuser_gets_no_api_token(self, root):
        from django.test import Client

        resp = Client().post(
            "/api/v1/auth/token/", {"username": "root", "password": TEST_PASSWORD}, content_type="application/json"
        )
        assert resp.status_code == 400
        assert resp.json()["code"] == "no_officer"
