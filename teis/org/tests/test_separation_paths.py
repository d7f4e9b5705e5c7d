"""Issue 16: 三员分立 is a property of the permissions. Generated: every path (role edit, new role, role
assignment, disabling or deleting; page and API) is tried by each of the three administrators, granting
itself (or anyone) permissions of another administrator family. None may succeed; afterwards no account holds
permissions of two families. Before, `sysadmin` PATCHing its own role with audit permissions got 200."""

import itertools

import pytest
from django.contrib.auth.models import Permission

from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.org.models import Officer, Role
from teis.org.roles import permissions_for
from teis.org.separation import AUDIT, SECURITY, SYSTEM, families, family_of, labels_of
from teis.org.services import OfficerService, RoleService

pytestmark = pytest.mark.django_db

# One permission of each family (what an attacker would add), plus the reveal permission.
FAMILY_SAMPLES = {
    SYSTEM: ["org.change_role", "org.change_officer"],
    SECURITY: ["org.manage_security_policy"],
    AUDIT: ["audit.view_auditrecord", "audit.export_auditrecord"],
}
ADMIN_ROLE = {SYSTEM: "system_admin", SECURITY: "security_admin", AUDIT: "audit_admin"}


def pks(labels):
    return [p.pk for p in permissions_for(labels)]


def user_families(user):
    officer = Officer.objects.get(user=user)
    labels = set()
    for role in officer.roles.all():
        labels |= labels_of(role.permissions.select_related("content_type"))
    return families(labels)


@pytest.fixture
def admins(make_user):
    return {
        SYSTEM: make_user("system_admin", "corps", username="sysadmin"),
        SECURITY: make_user("security_admin", "corps", username="secadmin"),
        AUDIT: make_user("audit_admin", "corps", username="auditor"),
    }


def role_form(role, permission_pks):
    return {
        "code": role.code,
        "name": role.name,
        "description": role.description,
        "data_scope": role.data_scope,
        "admin_kind": role.admin_kind,
        "permissions": permission_pks,
    }


def officer_form(officer, role_pks, **overrides):
    data = {
        "name": officer.name,
        "badge_number": officer.badge_number,
        "certificate_number": officer.certificate_number,
        "id_number": "",
        "phone": "",
        "unit": officer.unit_id,
        "position": officer.position,
        "roles": role_pks,
        "status": officer.status,
    }
    data.update(overrides)
    return data


def assert_refused(resp):
    assert resp.status_code in (400, 403, 404), resp.content[:300]


# (actor family, target family) for every ordered pair of different families
PAIRS = [(a, t) for a, t in itertools.product(FAMILY_SAMPLES, FAMILY_SAMPLES) if a != t]


class TestGrantingItselfAnotherFamily:
    @pytest.mark.parametrize("actor, target", PAIRS)
    def test_api_patch_of_own_role(self, admins, roles, actor, target):
        role = roles[ADMIN_ROLE[actor]]
        before = set(role.permissions.values_list("pk", flat=True))
        resp = logged_in_client(admins[actor]).patch(
            f"/api/v1/org/roles/{role.pk}/",
            {"permissions": sorted(before | set(pks(FAMILY_SAMPLES[target])))},
            content_type="application/json",
        )
        assert_refused(resp)
        assert set(role.permissions.values_list("pk", flat=True)) == before
        assert user_families(admins[actor]) == {actor}

    @pytest.mark.parametrize("actor, target", PAIRS)
    def test_page_edit_of_own_role(self, admins, roles, actor, target):
        role = roles[ADMIN_ROLE[actor]]
        before = set(role.permissions.values_list("pk", flat=True))
        resp = logged_in_client(admins[actor]).post(
            f"/org/role/{role.pk}/edit/", role_form(role, sorted(before | set(pks(FAMILY_SAMPLES[target]))))
        )
        assert_refused(resp)
        assert set(role.permissions.values_list("pk", flat=True)) == before

    @pytest.mark.parametrize("actor, target", PAIRS)
    @pytest.mark.parametrize("via", ["api", "page"])
    def test_new_role_with_another_family_assigned_to_itself(self, admins, roles, actor, target, via):
        client = logged_in_client(admins[actor])
        perms = pks(FAMILY_SAMPLES[target])
        data = {"code": "sneaky", "name": "普通角色", "description": "", "data_scope": "all", "admin_kind": ""}
        if via == "api":
            client.post("/api/v1/org/roles/", {**data, "permissions": perms}, content_type="application/json")
        else:
            client.post("/org/role/add/", {**data, "permissions": perms})
        sneaky = Role.objects.filter(code="sneaky").first()
        me = Officer.objects.get(user=admins[actor])
        if sneaky is not None:
            mine = [r.pk for r in me.roles.all()] + [sneaky.pk]
            if via == "api":
                resp = client.patch(f"/api/v1/org/officers/{me.pk}/", {"roles": mine}, content_type="application/json")
            else:
                resp = client.post(f"/org/officer/{me.pk}/edit/", officer_form(me, mine))
            assert_refused(resp)
        assert user_families(admins[actor]) == {actor}

    @pytest.mark.parametrize("actor, target", PAIRS)
    def test_adding_another_administrator_role_to_itself(self, admins, roles, actor, target):
        me = Officer.objects.get(user=admins[actor])
        mine = [r.pk for r in me.roles.all()] + [roles[ADMIN_ROLE[target]].pk]
        client = logged_in_client(admins[actor])
        assert_refused(client.patch(f"/api/v1/org/officers/{me.pk}/", {"roles": mine}, content_type="application/json"))
        assert_refused(client.post(f"/org/officer/{me.pk}/edit/", officer_form(me, mine)))
        assert user_families(admins[actor]) == {actor}


class TestMixedRolesAreRefusedForAnyone:
    @pytest.mark.parametrize("first, second", [(a, t) for a, t in PAIRS if a < t])
    def test_a_role_may_not_span_two_families(self, admins, first, second):
        labels = FAMILY_SAMPLES[first] + FAMILY_SAMPLES[second]
        resp = logged_in_client(admins[SYSTEM]).post(
            "/api/v1/org/roles/",
            {"code": "mixed", "name": "混合", "data_scope": "all", "permissions": pks(labels)},
            content_type="application/json",
        )
        assert resp.status_code == 400 and resp.json()["code"] == "admin_separation"
        assert not Role.objects.filter(code="mixed").exists()

    def test_adding_audit_permissions_to_a_role_someone_holds_with_system_powers(self, admins, roles, make_user):
        """sysadmin edits the operations role (which it does not hold) held by another system administrator."""
        other = make_user("operations", "corps")
        other.officer.roles.add(roles["system_admin"])
        ops = roles["operations"]
        with pytest.raises(ServiceError) as err:
            RoleService().do_update(
                admins[SECURITY],
                ops,
                {"permissions": [*ops.permissions.all(), *permissions_for(FAMILY_SAMPLES[AUDIT])]},
            )
        assert err.value.code == "admin_separation"

    def test_the_security_administrator_may_make_an_auditor_account(self, admins, roles, make_user):
        target = make_user("field_officer", "corps").officer
        OfficerService().do_update(admins[SECURITY], target, {"roles": [roles["audit_admin"]]})
        assert {r.code for r in target.roles.all()} == {"audit_admin"}


class TestTheAuditorIsProtected:
    def test_sysadmin_cannot_remove_the_auditors_role(self, admins, roles):
        auditor = Officer.objects.get(user=admins[AUDIT])
        client = logged_in_client(admins[SYSTEM])
        resp = client.patch(f"/api/v1/org/officers/{auditor.pk}/", {"roles": []}, content_type="application/json")
        assert resp.status_code == 400
        assert resp.json()["code"] == "admin_grant"
        assert "须由安全管理员操作" in resp.json()["message"]
        resp = client.post(f"/org/officer/{auditor.pk}/edit/", officer_form(auditor, [roles["field_officer"].pk]))
        assert resp.status_code == 400
        assert {r.code for r in auditor.roles.all()} == {"audit_admin"}

    def test_sysadmin_cannot_disable_or_delete_the_auditor(self, admins):
        auditor = Officer.objects.get(user=admins[AUDIT])
        with pytest.raises(ServiceError) as err:
            OfficerService().do_update(admins[SYSTEM], auditor, {"status": "disabled"})
        assert err.value.code == "auditor_protected"
        with pytest.raises(ServiceError):
            OfficerService().do_delete(admins[SYSTEM], auditor)
        assert Officer.objects.get(pk=auditor.pk).status != "disabled"

    def test_sysadmin_cannot_weaken_or_delete_the_audit_role(self, admins, roles):
        role = roles["audit_admin"]
        keep = [p for p in role.permissions.all() if p.codename != "view_auditrecord"]
        with pytest.raises(ServiceError) as err:
            RoleService().do_update(admins[SYSTEM], role, {"permissions": keep})
        assert err.value.code == "admin_grant"
        with pytest.raises(ServiceError):
            RoleService().do_delete(admins[SYSTEM], role)
        assert role.permissions.filter(codename="view_auditrecord").exists()

    def test_security_administrator_service_may_remove_the_auditors_role(self, admins):
        from teis.org.separation import check_officer_roles

        auditor = Officer.objects.get(user=admins[AUDIT])
        check_officer_roles(admins[SECURITY], auditor, [])  # allowed: no exception


def test_standard_roles_each_hold_one_family_at_most(roles):
    for role in Role.objects.all():
        assert len(families(labels_of(role.permissions.select_related("content_type")))) <= 1, role.code


def test_every_permission_of_the_audit_app_is_in_the_audit_family(db):
    for perm in Permission.objects.filter(content_type__app_label="audit"):
        assert family_of(f"audit.{perm.codename}") == AUDIT


class TestAuditorPage:
    def test_security_administrator_revokes_the_auditors_roles(self, admins):
        auditor = Officer.objects.get(user=admins[AUDIT])
        client = logged_in_client(admins[SECURITY])
        assert "auditor" in client.get("/security/auditors/").content.decode()
        resp = client.post("/security/auditors/", {"officer": auditor.pk})
        assert resp.status_code == 302
        assert not auditor.roles.exists()
        assert user_families(admins[AUDIT]) == set()

    @pytest.mark.parametrize("family", [SYSTEM, AUDIT])
    def test_others_cannot_open_or_use_it(self, admins, family):
        auditor = Officer.objects.get(user=admins[AUDIT])
        client = logged_in_client(admins[family])
        assert client.get("/security/auditors/").status_code == 403
        assert client.post("/security/auditors/", {"officer": auditor.pk}).status_code == 403
        assert auditor.roles.exists()
