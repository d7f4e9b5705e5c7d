"""The demo loader on the test tree: the categories come from the org seed's dictionary (one source), history and
live petitions are made through the services, one supervision has its 情况说明 and one petition is reopened."""

from __future__ import annotations

import pytest

from teis.core.models import DictionaryItem
from teis.org import demo as org_demo
from teis.petitions.choices import PetitionStatus, SupervisionStatus
from teis.petitions.models import Petition, PetitionSupervision
from teis.petitions.services.intake import category_rows, ensure_categories

pytestmark = pytest.mark.django_db


def test_categories_have_one_source(db):
    rows = {code: label for code, label, _ in category_rows()[2]}
    seed = next(r for r in org_demo.DICTIONARIES if r[0] == "petition_category")
    assert rows == {code: label for code, label, _ in seed[3]}
    assert list(rows.values()) == [
        "拒载",
        "绕道",
        "议价",
        "网约车",
        "非法客运",
        "公交",
        "路政",
        "水上",
        "服务态度",
        "其他",
    ]
    assert ensure_categories() == 10
    assert ensure_categories() == 0  # idempotent
    items = DictionaryItem.objects.filter(dict_type__code="petition_category")
    assert items.count() == 10 and items.filter(label="拒载").count() == 1


def test_demo_loader(make_user, tree, people):
    from teis.petitions.demo.loader import load_demo

    make_user("command_center", "corps", username="command")
    make_user("leadership", "corps", username="leader")
    out = load_demo()
    assert out["历史信访件"] == 320 and out["在办信访件"] == 21
    assert Petition.objects.filter(status=PetitionStatus.HANDLING, redo_count=1).count() == 1
    # the old unaccepted one is late for 受理 and 办结: two supervisions, one already explained
    assert PetitionSupervision.objects.count() == 2
    sup = PetitionSupervision.objects.get(status=SupervisionStatus.REVIEWING)
    assert sup.explanation and sup.process.tasks.filter(spec_name="Task_SupervisorReview", status="open").exists()
    assert load_demo() == {}  # idempotent
