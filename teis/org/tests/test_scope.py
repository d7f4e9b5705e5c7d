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

    def test_out_of_scope_is_404_in_page_and_api(self, make_user, tree):
        leader = make_user("squad_leader", "squad1")
        other = make_user("field_officer", "squad3")
        client = logged_in_client(leader)
        assert client.get(f"/org/officer/{other.officer.pk}/").status_code == 404
        assert client.get(f"/api/v1/org/officers/{other.officer.pk}/").status_code == 404
        assert client.get(f"/org/officer/{leader.officer.pk}/").status_code == 200
        resp = client.get(f"/api/v1/org/officers/{leader.officer.pk}/")
        assert resp.status_code == 200, resp.content
