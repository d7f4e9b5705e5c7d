"""The GIS board (支队 jurisdictions coloured with their introduction, moving and static targets) and the
key-industries board (what exists, and plainly what does not)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from teis.analytics.services import themes
from teis.analytics.tests.factories import make_case
from teis.core.models import DictionaryItem, DictionaryType
from teis.core.testing import logged_in_client

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[121.4, 31.2], [121.5, 31.2], [121.5, 31.3], [121.4, 31.3], [121.4, 31.2]]],
}


@pytest.fixture
def people(make_user, tree):
    tree["brigade1"].jurisdiction = SQUARE
    tree["brigade1"].save(update_fields=["jurisdiction"])
    return {"tree": tree, "boss": make_user("leadership", "corps"), "brigade": make_user("brigade_leader", "brigade1")}


def test_gis_board_areas_and_intro(people):
    data = themes.gis_board(people["boss"])
    names = {a["name"]: a for a in data["areas"]}
    assert set(names) == {"第一支队", "浦东新区交通执法大队"}  # outermost territorial units only
    assert names["第一支队"]["has_area"] and "下设1 个大队" in names["第一支队"]["intro"]
    assert not names["浦东新区交通执法大队"]["has_area"] and "无划定辖区" in names["浦东新区交通执法大队"]["intro"]
    assert [f["properties"]["name"] for f in data["features"]] == ["第一支队"]
    assert data["features"][0]["geometry"] == SQUARE  # the union of the units below it
    # a brigade leader sees no 支队 (outside the scope)
    assert themes.gis_board(people["brigade"])["areas"] == []


def test_gis_pages(people):
    client = logged_in_client(people["boss"])
    page = client.get("/analytics/boards/gis/")
    html = page.content.decode()
    assert page.status_code == 200 and "辖区与简介" in html and 'id="gis-data"' in html and "第一支队" in html
    data = client.get("/analytics/boards/gis/data/").json()
    assert "vehicles" in data and "at" in data
    assert "/analytics/boards/gis/" in client.get("/").content.decode()


def test_gis_refused_without_permission(people, client, make_user):
    assert client.get("/analytics/boards/gis/").status_code == 302  # to the login page
    nobody = make_user("evidence_admin", "brigade1")
    assert logged_in_client(nobody).get("/analytics/boards/gis/").status_code == 403
    assert logged_in_client(nobody).get("/analytics/boards/industries/").status_code == 403


def test_industry_board_says_what_is_missing(people):
    lines = DictionaryType.objects.get_or_create(code="business_line", defaults={"name": "业务条线"})[0]
    ride = DictionaryItem.objects.get_or_create(dict_type=lines, code="ride_hailing", defaults={"label": "网约车"})[0]
    o = people["brigade"]
    today = timezone.localdate()
    make_case(people["tree"]["brigade1"], o, filed=today, line=ride, title="网约车无证经营")
    data = themes.industry_board(people["boss"])
    ride_section = data["sections"][0]
    assert ride_section["title"] == "网约车" and ride_section["lines"][0]["filed"]["value"] == 1
    assert "尚未接入网约车监管平台数据" in ride_section["absent"]
    two = data["sections"][1]
    assert all(line.get("missing") for line in two["lines"])  # no 长途 / 旅游客运 line in this tree
    page = logged_in_client(people["boss"]).get("/analytics/boards/industries/")
    html = page.content.decode()
    assert page.status_code == 200 and "尚未接入两客一危车辆动态监控" in html and "不存在，无数据" in html
