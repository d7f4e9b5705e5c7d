import pytest

from teis.core.testing import logged_in_client
from teis.org.models import Officer, Unit


@pytest.mark.django_db
class TestDataScope:
    def test_subtree_paths(self, tree):
        squad1 = tree["squad1"]
        assert squad1.path.startswith(tree["brigade1"].path)
        assert squad1.depth == 3

    def test_scopes(self, make_user, tree):
        own = make_user("field_officer", "squad1")
        unit = make_user("squad_leader", "squad1")
        sub = make_user("brigade_leader", "brigade1")
        allu = make_user("leadership", "corps")
        make_user("field_officer", "squad3")
        assert set(Officer.objects.for_user(own)) == {own.officer}
        assert {o.unit_id for o in Officer.objects.for_user(unit)} == {tree["squad1"].pk}
        assert {o.unit.name for o in Officer.objects.for_user(sub)} <= {"第一大队", "第一中队", "第二中队"}
        assert Officer.objects.for_user(allu).count() == Officer.objects.count()
        assert set(Unit.objects.for_user(sub)) == {tree["brigade1"], tree["squad1"], tree["squad2"]}

    def test_a_department_works_for_the_subtree_of_its_organ(self, make_user, tree):
        """法制科 of the corps (subtree scope) reviews the whole corps' cases; a 支队's 科室 its 支队's; a unit scope
        stays the department itself."""
        from teis.cases.models import EnforcementCase
        from teis.org.choices import UnitType
        from teis.org.services import UnitService

        legal_unit = UnitService().do_create(
            None, Unit, {"name": "法制科", "unit_type": UnitType.DEPARTMENT, "parent": tree["corps"]}
        )
        det_office = UnitService().do_create(
            None, Unit, {"name": "支队法制科", "unit_type": UnitType.DEPARTMENT, "parent": tree["det1"]}
        )
        tree["legal"], tree["det_office"] = legal_unit, det_office
        officer = make_user("field_officer", "squad1")
        for unit in ("squad1", "squad3", "district"):
            EnforcementCase.objects.create(title=f"{unit}案件", unit=tree[unit], handler=officer)
        reviewer = make_user("legal_reviewer", "legal")
        assert EnforcementCase.objects.for_user(reviewer).count() == 3
        assert Unit.objects.for_user(reviewer).filter(pk=tree["squad3"].pk).exists()
        det_reviewer = make_user("legal_reviewer", "det_office")
        assert {c.unit for c in EnforcementCase.objects.for_user(det_reviewer)} == {tree["squad1"]}
        desk = make_user("squad_leader", "legal")  # a unit scope: the department itself
        assert EnforcementCase.objects.for_user(desk).count() == 0

    def test_out_of_scope_is_404_in_page_and_api(self, make_user, tree):
        leader = make_user("squad_leader", "squad1")
        other = make_user("field_officer", "squad3")
        client = logged_in_client(leader)
        assert client.get(f"/org/officer/{other.officer.pk}/").status_code == 404
        assert client.get(f"/api/v1/org/officers/{other.officer.pk}/").status_code == 404
        assert client.get(f"/org/officer/{leader.officer.pk}/").status_code == 200
        resp = client.get(f"/api/v1/org/officers/{leader.officer.pk}/")
        assert resp.status_code == 200, resp.content
