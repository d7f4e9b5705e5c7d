"""The organisation tree (moving units keeps paths and history) and officer creation through the page."""

import pytest
from django.contrib.auth import get_user_model

from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.testing import TEST_PASSWORD, logged_in_client
from teis.org.choices import UnitType
from teis.org.models import Officer, PasswordHistory, Unit, UnitMove
from teis.org.services import UnitService, unit_segment

pytestmark = pytest.mark.django_db


def unit_form(unit, **overrides):
    data = {
        "name": unit.name,
        "short_name": unit.short_name,
        "unit_type": unit.unit_type,
        "parent": unit.parent_id or "",
        "subject_code": unit.subject_code,
        "region_code": unit.region_code,
        "order": unit.order,
        "is_active": "on" if unit.is_active else "",
        "jurisdiction": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def team(tree):
    """A unit under squad1, so that moving squad1 moves a subtree of two levels."""
    return UnitService().do_create(
        None, Unit, {"name": "第一中队一组", "unit_type": UnitType.SQUAD, "parent": tree["squad1"]}
    )


class TestMoveUnit:
    def test_moving_a_unit_rewrites_its_subtree_and_records_the_move(self, sysadmin, tree, team):
        squad1, brigade2 = tree["squad1"], tree["brigade2"]
        client = logged_in_client(sysadmin)
        resp = client.post(f"/org/unit/{squad1.pk}/edit/", unit_form(squad1, parent=brigade2.pk))
        assert resp.status_code == 302, resp.content.decode()
        squad1.refresh_from_db()
        team.refresh_from_db()
        assert squad1.parent == brigade2
        assert squad1.path == brigade2.path + unit_segment(squad1.pk)
        assert squad1.depth == brigade2.depth + 1 == 2
        assert team.path == squad1.path + unit_segment(team.pk)
        assert team.depth == 3
        move = UnitMove.objects.get(unit=squad1)
        assert move.old_parent == tree["brigade1"] and move.new_parent == brigade2
        assert move.old_path_names == "上海市交通委员会执法总队 / 第一支队 / 第一大队 / 第一中队"
        assert move.moved_by == sysadmin
        assert AuditRecord.objects.filter(
            action=AuditAction.UPDATE, object_type="org.unit", object_id=str(squad1.pk), changes__has_key="上级单位"
        ).exists()
        # the subtree scope follows the move
        assert set(Unit.objects.filter(path__startswith=brigade2.path)) == {brigade2, tree["squad3"], squad1, team}
        assert not Unit.objects.filter(path__startswith=tree["brigade1"].path, pk=team.pk).exists()

    def test_scope_follows_the_move(self, make_user, sysadmin, tree):
        leader = make_user("brigade_leader", "brigade2")
        member = make_user("field_officer", "squad1").officer
        assert not Officer.objects.for_user(leader).filter(pk=member.pk).exists()
        logged_in_client(sysadmin).post(
            f"/org/unit/{tree['squad1'].pk}/edit/", unit_form(tree["squad1"], parent=tree["brigade2"].pk)
        )
        leader = get_user_model().objects.get(pk=leader.pk)
        assert Officer.objects.for_user(leader).filter(pk=member.pk).exists()

    @pytest.mark.parametrize("target", ["squad1", "brigade1"])
    def test_moving_under_itself_or_a_descendant_is_refused(self, sysadmin, tree, team, target):
        brigade1 = tree["brigade1"]
        parent = tree[target] if target != "brigade1" else brigade1
        before = dict(Unit.objects.values_list("pk", "path"))
        resp = logged_in_client(sysadmin).post(f"/org/unit/{brigade1.pk}/edit/", unit_form(brigade1, parent=parent.pk))
        assert resp.status_code == 400
        assert "不能把单位移到其自身或其下级单位之下" in resp.content.decode()
        assert dict(Unit.objects.values_list("pk", "path")) == before
        brigade1.refresh_from_db()
        assert brigade1.parent == tree["det1"]
        assert not UnitMove.objects.exists()

    def test_editing_without_moving_records_no_move(self, sysadmin, tree):
        squad2 = tree["squad2"]
        resp = logged_in_client(sysadmin).post(f"/org/unit/{squad2.pk}/edit/", unit_form(squad2, short_name="二中"))
        assert resp.status_code == 302
        squad2.refresh_from_db()
        assert squad2.short_name == "二中"
        assert not UnitMove.objects.exists()

    def test_moving_to_the_top_level(self, sysadmin, tree, team):
        squad1 = tree["squad1"]
        resp = logged_in_client(sysadmin).post(f"/org/unit/{squad1.pk}/edit/", unit_form(squad1, parent=""))
        assert resp.status_code == 302
        squad1.refresh_from_db()
        team.refresh_from_db()
        assert squad1.parent is None and squad1.depth == 0 and squad1.path == unit_segment(squad1.pk)
        assert team.path == squad1.path + unit_segment(team.pk) and team.depth == 1

    @pytest.mark.parametrize("code", ["31011", "3101150", "31A115"])
    def test_malformed_region_code_is_a_field_error(self, sysadmin, tree, code):
        squad2 = tree["squad2"]
        resp = logged_in_client(sysadmin).post(f"/org/unit/{squad2.pk}/edit/", unit_form(squad2, region_code=code))
        assert resp.status_code == 400
        assert "行政区划代码应为 6 位数字" in resp.content.decode()
        squad2.refresh_from_db()
        assert squad2.region_code == ""

    def test_create_unit_through_the_page(self, sysadmin, tree):
        resp = logged_in_client(sysadmin).post(
            "/org/unit/add/",
            {"name": "第四中队", "unit_type": UnitType.SQUAD, "parent": tree["brigade2"].pk, "region_code": "310115"},
        )
        assert resp.status_code == 302
        unit = Unit.objects.get(name="第四中队")
        assert unit.path == tree["brigade2"].path + unit_segment(unit.pk)


class TestCreateOfficer:
    def form(self, tree, roles, **overrides):
        data = {
            "username": "zhangwei",
            "password": TEST_PASSWORD,
            "name": "张伟",
            "badge_number": "031234",
            "unit": tree["squad1"].pk,
            "position": "队员",
            "roles": [roles["field_officer"].pk],
            "status": "active",
            "id_number": "11010519491231002X",
            "phone": "13812345678",
        }
        data.update(overrides)
        return data

    def test_create_officer_with_login_account(self, sysadmin, tree, roles):
        resp = logged_in_client(sysadmin).post("/org/officer/add/", self.form(tree, roles))
        assert resp.status_code == 302, resp.content.decode()
        officer = Officer.objects.get(name="张伟")
        assert resp.url == f"/org/officer/{officer.pk}/"
        assert officer.user.username == "zhangwei"
        assert officer.user.check_password(TEST_PASSWORD)
        assert officer.must_change_password is True
        assert officer.id_number == "11010519491231002X" and officer.phone == "13812345678"
        assert [r.code for r in officer.roles.all()] == ["field_officer"]
        assert officer.created_by == sysadmin
        assert PasswordHistory.objects.filter(user=officer.user).count() == 1
        rec = AuditRecord.objects.get(action=AuditAction.CREATE, object_type="org.officer", object_id=str(officer.pk))
        assert "11010519491231002X" not in str(rec.changes)

    def test_spaces_in_id_and_phone_are_normalised(self, sysadmin, tree, roles):
        resp = logged_in_client(sysadmin).post(
            "/org/officer/add/", self.form(tree, roles, id_number="110105 19491231 002x", phone="+86 138-1234-5678")
        )
        assert resp.status_code == 302, resp.content.decode()
        officer = Officer.objects.get(name="张伟")
        assert officer.id_number == "11010519491231002X" and officer.phone == "13812345678"

    @pytest.mark.parametrize(
        "field, value, message",
        [
            ("id_number", "110105194912310021", "身份证号码校验位不正确"),
            ("id_number", "1101051949", "身份证号码应为 18 位"),
            ("id_number", "99010519491231002X", "身份证号码的地区码不正确"),
            ("phone", "1381234567", "手机号码应为以 1 开头的 11 位数字"),
            ("phone", "23812345678", "手机号码应为以 1 开头的 11 位数字"),
            ("username", "", "该字段是必填项"),
            ("name", "", "该字段是必填项"),
        ],
    )
    def test_bad_input_is_a_chinese_field_error_and_nothing_is_saved(
        self, sysadmin, tree, roles, field, value, message
    ):
        resp = logged_in_client(sysadmin).post("/org/officer/add/", self.form(tree, roles, **{field: value}))
        assert resp.status_code == 400
        assert message in resp.content.decode()
        assert not Officer.objects.filter(name="张伟").exists()
        assert not get_user_model().objects.filter(username="zhangwei").exists()

    def test_duplicate_username(self, sysadmin, tree, roles, make_user):
        make_user(username="zhangwei")
        resp = logged_in_client(sysadmin).post("/org/officer/add/", self.form(tree, roles))
        assert resp.status_code == 400
        assert "账号已存在" in resp.content.decode()
        assert not Officer.objects.filter(name="张伟").exists()

    def test_unit_outside_scope_cannot_be_chosen(self, make_user, tree, roles):
        """A user who may add officers only sees the units of their scope in the form."""
        from django.contrib.auth.models import Permission

        leader = make_user("squad_leader", "squad1")
        role = leader.officer.roles.get()
        role.permissions.add(Permission.objects.get(codename="add_officer"))
        leader = get_user_model().objects.get(pk=leader.pk)
        resp = logged_in_client(leader).post("/org/officer/add/", self.form(tree, roles, unit=tree["squad3"].pk))
        assert resp.status_code == 400
        assert not Officer.objects.filter(name="张伟").exists()

    def test_new_officer_logs_in_and_must_change_the_password(self, sysadmin, tree, roles):
        from django.test import Client

        logged_in_client(sysadmin).post("/org/officer/add/", self.form(tree, roles))
        resp = Client().post("/login/", {"username": "zhangwei", "password": TEST_PASSWORD})
        assert resp.status_code == 302 and resp.url == "/password/"


def test_subject_code_must_fit_the_case_code(sysadmin, tree):
    from teis.core.testing import logged_in_client
    from teis.org.models import Unit

    client = logged_in_client(sysadmin)
    data = {"name": "新大队", "unit_type": "brigade", "parent": tree["corps"].pk, "subject_code": "1A", "order": 0}
    resp = client.post("/org/unit/add/", data)
    assert resp.status_code == 400 and "执法主体编码应为 2 位数字" in resp.content.decode()
    api = client.post("/api/v1/org/units/", {**data, "subject_code": "123"}, content_type="application/json")
    assert api.status_code == 400 and "subject_code" in api.json()["fields"]
    assert not Unit.objects.filter(name="新大队").exists()
    assert client.post("/org/unit/add/", {**data, "subject_code": "18"}).status_code == 302
