import pytest

from .factories import PUDONG, industries, make_check_item, make_inspector, make_object, make_plan


@pytest.fixture
def setup(db, roles, tree, make_user):
    ind = industries()
    leader = make_user("brigade_leader", "brigade1", username="dadui")
    officers = [
        make_user("field_officer", unit, username=f"jiancha{n}")
        for n, unit in enumerate(["squad1", "squad1", "squad2", "squad2"])
    ]
    inspectors = [make_inspector(u, district=PUDONG if n < 3 else "") for n, u in enumerate(officers)]
    objects = [make_object(tree["squad1"], n=n) for n in range(1, 7)]
    item = make_check_item("JC001", ind["freight_general"])
    other = make_check_item("JC002", ind["taxi_company"])
    plan = make_plan(leader, tree["brigade1"], draw_count=3, check_items=[item, other])
    return {
        "tree": tree,
        "industries": ind,
        "leader": leader,
        "officers": officers,
        "inspectors": inspectors,
        "objects": objects,
        "item": item,
        "plan": plan,
    }
