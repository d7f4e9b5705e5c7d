"""Fixtures of the petition tests: the 反映类别 dictionary, the loaded process definitions and the people of the
flow (registrar = 指挥中心 at the corps, leader = 总队领导, squad leaders of squad1 / squad3, brigade leader)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def categories(db):
    from teis.core.models import DictionaryItem
    from teis.petitions.services.intake import ensure_categories

    ensure_categories()
    return {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="petition_category")}


@pytest.fixture
def definitions(db):
    from teis.workflow.services import ensure_definitions, process_files

    files = [p for p in process_files() if p.name.startswith("petition_")]
    return ensure_definitions(None, files)


@pytest.fixture
def people(make_user, tree, categories, definitions):
    return SimpleNamespace(
        registrar=make_user("command_center", "corps", username="pt_registrar"),
        leader=make_user("leadership", "corps", username="pt_leader"),
        squad1=make_user("squad_leader", "squad1", username="pt_squad1"),
        squad2=make_user("squad_leader", "squad2", username="pt_squad2"),
        squad3=make_user("squad_leader", "squad3", username="pt_squad3"),
        brigade1=make_user("brigade_leader", "brigade1", username="pt_brigade1"),
        officer=make_user("field_officer", "squad1", username="pt_officer"),
        tree=tree,
        categories=categories,
    )


def petition_data(categories, **over):
    data = {
        "channel": "hotline",
        "kind": "complaint",
        "category": categories["refusal"].pk,
        "title": "出租车拒载",
        "content": "乘客反映在虹桥火车站出租车候客区遭拒载。",
        "complainant_name": "张三",
        "complainant_phone": "13812345678",
        "complainant_id_number": "310101199001011234",
        "subject_plate": "沪A12345",
        "place": "虹桥火车站",
    }
    data.update(over)
    return data


@pytest.fixture
def register(people):
    from teis.petitions.services.intake import do_register

    def make(**over):
        return do_register(people.registrar, petition_data(people.categories, **over))

    return make
