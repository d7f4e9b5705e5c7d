"""Issue 16: 三员分立 on grants. Only the security administrator gives out or takes away permissions of the
security or audit administrator families: a role carrying them assigned or removed (page, API), an account
created with such a role, such permissions added to or removed from a role. Before, the system administrator
could create a separate account holding the auditor's or the security administrator's permissions."""

import pytest

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client
from teis.org.models import Officer, Role
from teis.org.separation import AUDIT, GRANT_MESSAGE, SECURITY, SYSTEM
from teis.org.tests.test_separation_paths import ADMIN_ROLE, FAMILY_SAMPLES, officer_form, pks, role_form

pytestmark = pytest.mark.django_db

PROTECTED = [SECURITY, AUDIT]


@pytest.fixture
def admins(make_user):
    return {
        SYSTEM: make_user("system_admin", "corps", username="sysadmin"),
        SECURITY: make_user("security_admin", "corps", username="secadmin"),
        AUDIT: make_user("audit_admin", "corps", username="auditor"),
    }


@pytest.fixture
def target(make_user):
    return make_user("field_officer", "corps", username="plain").officer


def refusals(user):
    return AuditRecord.objects.filter(actor=user, action=AuditAction.PERMISSION_DENIED, detail__code="admin_grant")


def assert_api_refused(resp):
    assert resp.status_code == 400, resp.content[:300]
    assert resp.json()["code"] == "admin_grant"
    assert resp.json()["message"] == GRANT_MESSAGE


def assert_page_refused(resp):
    assert resp.status_code == 400, resp.status_code
    assert GRANT_MESSAGE in resp.content.decode()


@pytest.mark.parametrize("family", PROTECTED)
class TestTheSystemAdministratorCannotGrant:
    def test_role_assigned_on_the_page(self, admins, roles, target, family):
        mine = [r.pk for r in target.roles.all()] + [roles[ADMIN_ROLE[family]].pk]
        assert_page_refused(
            logged_in_client(admins[SYSTEM]).post(f"/org/officer/{target.pk}/edit/", officer_form(target, mine))
        )
        assert not target.roles.filter(code=ADMIN_ROLE[family]).exists()
        assert refusals(admins[SYSTEM]).exists()

    def test_role_assigned_through_the_api(self, admins, roles, target, family):
        mine = [r.pk for r in target.roles.all()] + [roles[ADMIN_ROLE[family]].pk]
        resp = logged_in_client(admins[SYSTEM]).patch(
            f"/api/v1/org/officers/{target.pk}/", {"roles": mine}, content_type="application/json"
        )
        assert_api_refused(resp)
        assert not target.roles.filter(code=ADMIN_ROLE[family]).exists()
        assert refusals(admins[SYSTEM]).count() == 1

    def test_role_removed_through_the_api_and_the_page(self, admins, roles, family):
        holder = Officer.objects.get(user=admins[family])
        client = logged_in_client(admins[SYSTEM])
        assert_api_refused(
            client.patch(f"/api/v1/org/officers/{holder.pk}/", {"roles": []}, content_type="application/json")
        )
        assert_page_refused(
            client.post(f"/org/officer/{holder.pk}/edit/", officer_form(holder, [roles["field_officer"].pk]))
        )
        assert holder.roles.filter(code=ADMIN_ROLE[family]).exists()

    def test_account_created_with_the_role(self, admins, roles, tree, family):
        client = logged_in_client(admins[SYSTEM])
        data = {
            "username": "newadmin",
            "password": "Xk9#mPq2$vLw",
            "name": "新管理员",
            "unit": tree["corps"].pk,
            "roles": [roles[ADMIN_ROLE[family]].pk],
        }
        assert_api_refused(client.post("/api/v1/org/officers/", data, content_type="application/json"))
        page = {**data, "badge_number": "", "certificate_number": "", "id_number": "", "phone": "", "position": ""}
        page["password1"] = page["password2"] = data["password"]
        resp = client.post("/org/officer/add/", page)
        assert resp.status_code == 400
        assert not Officer.objects.filter(user__username="newadmin").exists()

    def test_permissions_added_to_a_role_nobody_holds(self, admins, roles, family):
        role = roles["field_officer"]
        role.officers.clear()
        before = set(role.permissions.values_list("pk", flat=True))
        wanted = sorted(before | set(pks(FAMILY_SAMPLES[family])))
        client = logged_in_client(admins[SYSTEM])
        assert_api_refused(
            client.patch(f"/api/v1/org/roles/{role.pk}/", {"permissions": wanted}, content_type="application/json")
        )
        assert_page_refused(client.post(f"/org/role/{role.pk}/edit/", role_form(role, wanted)))
        assert set(role.permissions.values_list("pk", flat=True)) == before

    def test_new_role_with_the_permissions(self, admins, family):
        data = {"code": "shadow", "name": "影子", "data_scope": "all", "permissions": pks(FAMILY_SAMPLES[family])}
        client = logged_in_client(admins[SYSTEM])
        assert_api_refused(client.post("/api/v1/org/roles/", data, content_type="application/json"))
        assert_page_refused(client.post("/org/role/add/", {**data, "description": "", "admin_kind": ""}))
        assert not Role.objects.filter(code="shadow").exists()

    def test_permissions_taken_from_the_role(self, admins, roles, family):
        role = roles[ADMIN_ROLE[family]]
        role.officers.clear()
        keep = [p.pk for p in role.permissions.all()][1:]
        resp = logged_in_client(admins[SYSTEM]).patch(
            f"/api/v1/org/roles/{role.pk}/", {"permissions": keep}, content_type="application/json"
        )
        assert_api_refused(resp)


def test_sysadmin_still_manages_ordinary_roles_and_accounts(admins, roles, target):
    client = logged_in_client(admins[SYSTEM])
    mine = [r.pk for r in target.roles.all()] + [roles["squad_leader"].pk]
    resp = client.patch(f"/api/v1/org/officers/{target.pk}/", {"roles": mine}, content_type="application/json")
    assert resp.status_code == 200, resp.content[:300]
    assert target.roles.filter(code="squad_leader").exists()


def test_sysadmin_cannot_disable_the_security_administrator(admins):
    holder = Officer.objects.get(user=admins[SECURITY])
    resp = logged_in_client(admins[SYSTEM]).patch(
        f"/api/v1/org/officers/{holder.pk}/", {"status": "disabled"}, content_type="application/json"
    )
    assert_api_refused(resp)


class TestTheSecurityAdministratorGrants:
    @pytest.mark.parametrize("family", PROTECTED)
    def test_grants_and_revokes_on_its_page(self, admins, roles, target, family):
        client = logged_in_client(admins[SECURITY])
        role = roles[ADMIN_ROLE[family]]
        assert role.name in client.get("/security/auditors/").content.decode()
        resp = client.post("/security/auditors/", {"grant": "1", "username": "plain", "role": role.pk})
        assert resp.status_code == 302
        assert target.roles.filter(pk=role.pk).exists()
        assert AuditRecord.objects.filter(actor=admins[SECURITY], action=AuditAction.ROLE_CHANGE).exists()
        assert client.post("/security/auditors/", {"officer": target.pk}).status_code == 302
        assert not target.roles.filter(pk=role.pk).exists()

    def test_cannot_grant_itself(self, admins, roles):
        resp = logged_in_client(admins[SECURITY]).post(
            "/security/auditors/", {"grant": "1", "username": "secadmin", "role": roles["audit_admin"].pk}
        )
        assert resp.status_code == 400
        assert not Officer.objects.get(user=admins[SECURITY]).roles.filter(code="audit_admin").exists()

    def test_cannot_mix_families(self, admins, roles):
        resp = logged_in_client(admins[SECURITY]).post(
            "/security/auditors/", {"grant": "1", "username": "sysadmin", "role": roles["audit_admin"].pk}
        )
        assert resp.status_code == 400
        assert "三员分立" in resp.content.decode()
        assert not Officer.objects.get(user=admins[SYSTEM]).roles.filter(code="audit_admin").exists()

    @pytest.mark.parametrize("family", [SYSTEM, AUDIT])
    def test_others_cannot_grant_on_the_page(self, admins, roles, target, family):
        resp = logged_in_client(admins[family]).post(
            "/security/auditors/", {"grant": "1", "username": "plain", "role": roles["audit_admin"].pk}
        )
        assert resp.status_code == 403
        assert not target.roles.filter(code="audit_admin").exists()
