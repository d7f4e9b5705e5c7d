"""Chinese provision search (jieba inverted index), suggestions, the search page and API."""

from __future__ import annotations

import datetime as dt

import pytest

from teis.core.testing import logged_in_client
from teis.legal.choices import EffectLevel, Validity
from teis.legal.search import index_tokens, query_words, search_provisions, suggest
from teis.legal.services.laws import do_abolish_law, do_create_law, do_import_version

TAXI = """上海市出租汽车管理条例
第一章　总则
第一条　为了加强本市出租汽车管理，提高服务质量，制定本条例。
第二章　营运服务
第三十七条　出租汽车驾驶员营运时应当遵守下列规定：
（一）按照规定使用计价器；
（二）不得拒载乘客；
（三）不得议价。
第四十条　超限运输车辆的管理另行规定。
"""

OVERLIMIT = """超限运输车辆行驶公路管理规定
第一章　总则
第一条　为加强超限运输车辆行驶公路管理，保障公路设施和人民生命财产安全，制定本规定。
第二章　法律责任
第四十三条　车辆违法超限运输的，由公路管理机构根据违法行为的性质、情节和危害程度，按照规定处以罚款。
"""

WATER = """中华人民共和国内河交通安全管理条例
第一章　总则
第一条　为了加强内河交通安全管理，维护内河交通秩序，保障人民群众生命、财产安全，制定本条例。
第二章　船舶
第六条　船舶具备下列条件，方可航行：
（一）经海事管理机构认可的船舶检验机构依法检验并持有合格的船舶检验证书；
（二）经海事管理机构依法登记并持有船舶登记证书。
"""


@pytest.fixture
def reviewer(make_user):
    return make_user("legal_reviewer", "corps")


@pytest.fixture
def laws(reviewer):
    made = {}
    for key, name, level, promulgated, text in (
        ("taxi", "上海市出租汽车管理条例", EffectLevel.LOCAL_REGULATION, dt.date(1995, 6, 16), TAXI),
        ("overlimit", "超限运输车辆行驶公路管理规定", EffectLevel.DEPARTMENTAL_RULE, dt.date(2016, 8, 19), OVERLIMIT),
        (
            "water",
            "中华人民共和国内河交通安全管理条例",
            EffectLevel.ADMINISTRATIVE_REGULATION,
            dt.date(2002, 6, 28),
            WATER,
        ),
    ):
        law = do_create_law(reviewer, {"name": name, "effect_level": level, "promulgated_on": promulgated})
        do_import_version(reviewer, law, text, label="现行", effective_from=promulgated)
        law.refresh_from_db()
        made[key] = law
    return made


def keys(results):
    return [(p.law.name[:4], p.key) for p, _ in results]


def test_tokens():
    tokens = index_tokens("出租汽车驾驶员不得拒载乘客")
    assert "出租汽车" in tokens and "拒载" in tokens and "乘客" in tokens
    assert all(len(t) >= 2 for t in tokens)
    assert query_words("出租汽车 拒载") == ["出租汽车", "拒载"]
    assert query_words("车") == ["车"] and query_words("，") == [] and query_words("") == []


def test_finds_provisions_by_words_inside(laws):
    results = search_provisions("拒载")
    found = {p.key for p, _ in results}
    assert {"a37", "a37.1.2"} <= found
    assert all(p.law == laws["taxi"] for p, _ in results)
    # every word must match (AND)
    assert {p.key for p, _ in search_provisions("出租汽车 拒载")} == {"a37"}
    assert search_provisions("拒载 船舶") == []
    # ranking by summed weights: the article with 船舶 four times comes first
    top = search_provisions("船舶")[0][0]
    assert top.law == laws["water"] and top.key == "a6"
    # headings are searchable by their titles
    assert any(p.level == "chapter" for p, _ in search_provisions("营运服务"))
    assert search_provisions("不存在的词语组合") == []


def test_single_char_query(laws):
    found = {(p.law_id, p.key) for p, _ in search_provisions("载")}
    assert (laws["taxi"].pk, "a37.1.2") in found


def test_filters(laws):
    assert {p.law_id for p, _ in search_provisions("管理")} == {law.pk for law in laws.values()}
    only = search_provisions("管理", effect_level=EffectLevel.DEPARTMENTAL_RULE)
    assert {p.law_id for p, _ in only} == {laws["overlimit"].pk}
    dated = search_provisions("管理", date_from=dt.date(2000, 1, 1), date_to=dt.date(2010, 1, 1))
    assert {p.law_id for p, _ in dated} == {laws["water"].pk}
    named = search_provisions("管理", law_name="内河")
    assert {p.law_id for p, _ in named} == {laws["water"].pk}
    do_abolish_law(None, laws["overlimit"], dt.date(2024, 1, 1))
    assert {p.law_id for p, _ in search_provisions("超限运输", validity=Validity.ABOLISHED)} == {laws["overlimit"].pk}
    assert {p.law_id for p, _ in search_provisions("超限运输", validity=Validity.IN_FORCE)} == {laws["taxi"].pk}
    assert len(search_provisions("管理", limit=2)) == 2


def test_current_version_only_by_default(reviewer, laws):
    taxi = laws["taxi"]
    do_import_version(
        reviewer, taxi, TAXI.replace("不得拒载乘客", "不得拒绝载客"), label="修正", effective_from=dt.date(2020, 1, 1)
    )
    assert search_provisions("拒载") == []  # gone from the current text
    v2 = taxi.versions.get(number=2)
    assert {p.version_id for p, _ in search_provisions("出租汽车")} == {v2.pk}
    old = search_provisions("拒载", current_only=False)
    assert {p.version.number for p, _ in old} == {1}
    assert {p.key for p, _ in search_provisions("拒绝 载客")} >= {"a37.1.2"}


def test_suggest(laws):
    names = [s["text"] for s in suggest("出租")]
    assert names[0] == "上海市出租汽车管理条例"
    assert "出租汽车" in names
    assert suggest("内河")[0]["kind"] == "law"
    assert all(s["kind"] == "word" for s in suggest("船舶"))
    assert suggest("") == []
    assert len(suggest("管理", limit=3)) == 3


# --- API --------------------------------------------------------------------------------------------


def test_api_search(laws, make_user):
    client = logged_in_client(make_user("field_officer", "squad1"))
    r = client.get("/api/v1/legal/search/", {"q": "出租汽车 拒载"})
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == 1
    hit = data["results"][0]
    assert hit["citation"] == "《上海市出租汽车管理条例》第三十七条"
    assert hit["url"].endswith(f"#p-{hit['stable_id']}") and f"/legal/laws/{laws['taxi'].pk}/tree/" in hit["url"]
    r = client.get("/api/v1/legal/search/", {"q": "管理", "effect_level": "departmental_rule"})
    assert {h["law_id"] for h in r.json()["results"]} == {laws["overlimit"].pk}
    r = client.get("/api/v1/legal/search/", {"q": "管理", "date_from": "2000-01-01", "date_to": "2010-01-01"})
    assert {h["law_id"] for h in r.json()["results"]} == {laws["water"].pk}


@pytest.mark.parametrize(
    "params, field, words",
    [
        ({}, "q", "请输入检索关键词"),
        ({"q": "   "}, "q", "请输入检索关键词"),
        ({"q": "拒" * 101}, "q", "不能超过 100 字"),
        ({"q": "拒载", "effect_level": "x"}, "effect_level", "效力级别无效"),
        ({"q": "拒载", "validity": "x"}, "validity", "时效性无效"),
        ({"q": "拒载", "date_from": "2020-13-01"}, "date_from", "YYYY-MM-DD"),
        ({"q": "拒载", "date_from": "2021-01-01", "date_to": "2020-01-01"}, "date_from", "不能晚于"),
        ({"q": "拒载", "limit": "abc"}, "limit", "整数"),
    ],
)
def test_api_search_bad_input(laws, make_user, params, field, words):
    client = logged_in_client(make_user("field_officer", "squad1"))
    r = client.get("/api/v1/legal/search/", params)
    assert r.status_code == 400
    body = r.json()
    assert words in body["message"] and field in body["fields"]


def test_api_suggest(laws, make_user):
    client = logged_in_client(make_user("field_officer", "squad1"))
    r = client.get("/api/v1/legal/suggest/", {"q": "出租"})
    assert r.status_code == 200
    assert r.json()["suggestions"][0]["text"] == "上海市出租汽车管理条例"
    r = client.get("/api/v1/legal/suggest/", {"q": ""})
    assert r.status_code == 400 and r.json()["message"] == "请输入检索关键词。"
    assert client.get("/api/v1/legal/suggest/", {"q": "出" * 101}).status_code == 400
    # the search page's HTMX drop-down gets HTML
    r = client.get("/api/v1/legal/suggest/", {"q": "出租"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'data-suggest="上海市出租汽车管理条例"' in r.content.decode()
    r = client.get("/api/v1/legal/suggest/", {"q": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r.content.decode().strip() == ""


def test_api_requires_login_and_permission(laws, make_user):
    from django.test import Client

    assert Client().get("/api/v1/legal/search/", {"q": "拒载"}).status_code in (401, 403)
    nobody = make_user(None, "squad1")
    r = logged_in_client(nobody).get("/api/v1/legal/search/", {"q": "拒载"})
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


# --- page -------------------------------------------------------------------------------------------


def test_search_page(laws, make_user):
    client = logged_in_client(make_user("field_officer", "squad1"))
    r = client.get("/legal/search/")
    html = r.content.decode()
    assert r.status_code == 200 and 'hx-get="/api/v1/legal/suggest/"' in html and "keyup changed delay:300ms" in html
    r = client.get("/legal/search/", {"q": "出租汽车 拒载"})
    html = r.content.decode()
    a37 = laws["taxi"].current_version.provisions.get(key="a37")
    assert "共找到 1 个条款" in html and f"#p-{a37.stable_id}" in html
    r = client.get("/legal/search/", {"q": "管理", "effect_level": "departmental_rule"})
    assert "超限运输车辆行驶公路管理规定" in r.content.decode() and "内河交通" not in r.content.decode()
    r = client.get("/legal/search/", {"q": "拒载", "date_from": "2021-01-01", "date_to": "2020-01-01"})
    assert r.status_code == 400 and "开始日期不能晚于结束日期" in r.content.decode()
    r = client.get("/legal/search/", {"q": "不存在的词语组合"})
    assert "没有找到" in r.content.decode()
    assert logged_in_client(make_user(None, "squad1")).get("/legal/search/").status_code == 403


def test_menu_has_search(make_user):
    r = logged_in_client(make_user("field_officer", "squad1")).get("/")
    assert "法规检索" in r.content.decode() and "/legal/search/" in r.content.decode()
