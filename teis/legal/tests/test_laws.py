"""Laws and versions: import, stable ids, amended/abolished provisions, diff, abolition, pages, API tree."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.legal.choices import EffectLevel, ProvisionStatus, Validity
from teis.legal.models import LawVersion, Provision, ProvisionToken, ViolationCode
from teis.legal.parser import LawParseError, parse_law_text, render_law_text
from teis.legal.services.laws import diff_versions, do_abolish_law, do_create_law, do_import_version

V1 = """上海市出租汽车管理条例
（1995年通过）
第一章　总则
第一条　为了加强本市出租汽车管理，制定本条例。
第二章　营运服务
第三十七条　驾驶员营运时应当遵守下列规定：
（一）按照规定使用计价器；
（二）不得拒载；
（三）不得议价。
第三十八条　出租汽车调度服务应当规范。
第三章　法律责任
第四十条　违反本条例第三十七条规定的，处二百元罚款。
"""

V2 = """上海市出租汽车管理条例
（1995年通过　2019年修正）
第一章　总则
第一条　为了加强本市出租汽车管理，制定本条例。
第二章　营运服务
第三十七条　驾驶员营运时应当遵守下列规定：
（一）按照规定使用计价器；
（二）不得拒载或者故意绕道；
（三）不得议价。
第三十九条　网络预约出租汽车另行规定。
第三章　法律责任
第四十条　违反本条例第三十七条规定的，处二百元罚款。
"""


@pytest.fixture
def reviewer(make_user):
    return make_user("legal_reviewer", "corps")


@pytest.fixture
def law(reviewer):
    return do_create_law(
        reviewer,
        {
            "name": "上海市出租汽车管理条例",
            "effect_level": EffectLevel.LOCAL_REGULATION,
            "issuing_authority": "上海市人民代表大会常务委员会",
            "promulgated_on": dt.date(1995, 6, 16),
            "preamble": "（1995年通过）",
        },
    )


def import_v1(reviewer, law):
    return do_import_version(reviewer, law, V1, label="1995年通过", effective_from=dt.date(1995, 7, 1))


def test_create_law_is_audited_and_validated(reviewer, law):
    assert AuditRecord.objects.filter(object_type="legal.law", object_id=str(law.pk), action="create").exists()
    with pytest.raises(ServiceError) as info:
        do_create_law(reviewer, {"name": "", "effect_level": "nonsense"})
    assert "有误" in info.value.message and "name" in info.value.fields


def test_import_builds_the_tree(reviewer, law):
    version = import_v1(reviewer, law)
    law.refresh_from_db()
    assert law.current_version == version and version.number == 1
    assert law.validity == Validity.IN_FORCE
    rows = {p.key: p for p in version.provisions.all()}
    parsed = parse_law_text(V1, name=law.name)
    assert len(rows) == len(parsed.nodes)
    assert sum(1 for p in rows.values() if p.level == "chapter") == 3
    assert sum(1 for p in rows.values() if p.level == "article") == 4
    item = rows["a37.1.2"]
    assert item.parent == rows["a37.1"] and rows["a37.1"].parent == rows["a37"] and rows["a37"].parent == rows["c2"]
    assert item.citation == "《上海市出租汽车管理条例》第三十七条第（二）项"
    assert item.effective_from == dt.date(1995, 7, 1) and item.effective_to is None
    assert rows["a37"].has_children and not item.has_children
    assert len({p.stable_id for p in rows.values()}) == len(rows)
    assert ProvisionToken.objects.filter(provision=rows["a37"], token="拒载").exists()
    assert AuditRecord.objects.filter(object_type="legal.lawversion", object_id=str(version.pk)).exists()


def test_new_version_carries_stable_ids_and_marks_changes(reviewer, law):
    v1 = import_v1(reviewer, law)
    old = {p.key: p for p in v1.provisions.all()}
    code = ViolationCode.objects.create(code="0101001", name="巡游出租汽车拒载")
    code.violated_provisions.add(old["a37.1.2"])
    other = ViolationCode.objects.create(code="0101002", name="不使用计价器")
    other.violated_provisions.add(old["a37.1.1"])

    v2 = do_import_version(reviewer, law, V2, label="2019年修正", effective_from=dt.date(2019, 10, 1), note="修正")
    law.refresh_from_db()
    v1.refresh_from_db()
    assert v2.number == 2 and law.current_version == v2
    assert v1.effective_to == dt.date(2019, 9, 30)
    new = {p.key: p for p in v2.provisions.all()}
    for key in ("a1", "a37", "a37.1.2", "a40"):
        assert new[key].stable_id == old[key].stable_id
    assert new["a39"].stable_id not in {p.stable_id for p in old.values()}

    status = dict(Provision.objects.filter(version=v1).values_list("key", "status"))
    assert status["a37.1.2"] == ProvisionStatus.AMENDED
    assert status["a37"] == ProvisionStatus.AMENDED  # its body changed
    assert status["a38"] == status["a38.1"] == ProvisionStatus.ABOLISHED
    assert status["a37.1.1"] == status["a1"] == ProvisionStatus.IN_FORCE
    assert set(Provision.objects.filter(version=v1).values_list("effective_to", flat=True)) == {dt.date(2019, 9, 30)}
    assert set(Provision.objects.filter(version=v2).values_list("status", flat=True)) == {ProvisionStatus.IN_FORCE}

    code.refresh_from_db()
    other.refresh_from_db()
    try:
        import teis.legal.services.warnings  # noqa: F401
    except ImportError:
        pytest.skip("warnings module not present")
    assert code.legal_change_flag and "第三十七条" in code.flag_reason
    assert not other.legal_change_flag


def test_diff_versions(reviewer, law):
    v1 = import_v1(reviewer, law)
    v2 = do_import_version(reviewer, law, V2, label="2019年修正", effective_from=dt.date(2019, 10, 1))
    diffs = diff_versions(v1, v2)
    kinds = {(d.kind, d.key) for d in diffs}
    assert ("changed", "a37.1.2") in kinds and ("changed", "a37") in kinds
    assert ("removed", "a38") in kinds and ("removed", "a38.1") in kinds
    assert ("added", "a39") in kinds and ("added", "a39.1") in kinds
    assert not any(d.key in ("a1", "a40", "a37.1.1") for d in diffs)
    changed = next(d for d in diffs if d.key == "a37.1.2")
    assert changed.old_text == "不得拒载；" and changed.new_text == "不得拒载或者故意绕道；"
    assert diff_versions(v1, v1) == []


def test_parse_error_saves_nothing(reviewer, law):
    import_v1(reviewer, law)
    before = (LawVersion.objects.count(), Provision.objects.count(), ProvisionToken.objects.count())
    bad = V2.replace("第三十九条", "第三十六条")
    with pytest.raises(LawParseError) as info:
        do_import_version(reviewer, law, bad, label="错误", effective_from=dt.date(2020, 1, 1))
    assert "第 10 行" in info.value.message
    assert (LawVersion.objects.count(), Provision.objects.count(), ProvisionToken.objects.count()) == before
    law.refresh_from_db()
    assert law.current_version.number == 1


def test_import_refusals(reviewer, law):
    import_v1(reviewer, law)
    with pytest.raises(ServiceError, match="施行日期应晚于"):
        do_import_version(reviewer, law, V2, label="x", effective_from=dt.date(1990, 1, 1))
    with pytest.raises(ServiceError, match="版本名称"):
        do_import_version(reviewer, law, V2, label=" ", effective_from=dt.date(2020, 1, 1))
    with pytest.raises(ServiceError, match="没有找到任何条"):
        do_import_version(reviewer, law, "某条例\n（说明）", label="x", effective_from=dt.date(2020, 1, 1))
    assert LawVersion.objects.filter(law=law).count() == 1


def test_future_version_is_not_yet_in_force(reviewer):
    law = do_create_law(reviewer, {"name": "某新规定", "effect_level": EffectLevel.DEPARTMENTAL_RULE})
    do_import_version(
        reviewer, law, "第一条　甲。", label="公布", effective_from=timezone.localdate() + dt.timedelta(days=30)
    )
    law.refresh_from_db()
    assert law.validity == Validity.NOT_YET


def test_abolish_law(reviewer, law):
    v1 = import_v1(reviewer, law)
    code = ViolationCode.objects.create(code="0101003", name="拒载")
    code.penalty_provisions.add(v1.provisions.get(key="a40"))
    do_abolish_law(reviewer, law, dt.date(2024, 1, 1))
    law.refresh_from_db()
    assert law.validity == Validity.ABOLISHED and law.abolished_on == dt.date(2024, 1, 1)
    assert set(v1.provisions.values_list("status", flat=True)) == {ProvisionStatus.ABOLISHED}
    with pytest.raises(ServiceError, match="已废止"):
        do_abolish_law(reviewer, law, dt.date(2024, 1, 2))
    try:
        import teis.legal.services.warnings  # noqa: F401
    except ImportError:
        return
    code.refresh_from_db()
    assert code.legal_change_flag


def test_render_and_platform_json(reviewer, law):
    from teis.legal.parser import to_city_platform_json

    version = import_v1(reviewer, law)
    text = render_law_text(version)
    assert parse_law_text(text, name=law.name) == parse_law_text(V1, name=law.name)
    data = to_city_platform_json(law, version)
    for key in (
        "法律法规基础信息主键",
        "法律法规名称",
        "法律法规文号",
        "效力级别",
        "时效性",
        "颁布机关",
        "颁布日期",
        "实施日期",
        "录入单位",
        "篇头",
        "版本",
        "数据来源",
    ):
        assert key in data
    assert data["效力级别"] == "地方性法规" and data["版本"] == "1995年通过"
    content = data["法律法规内容"]
    assert len(content) == version.provisions.count()
    assert set(content[0]) == {"主键", "法律法规内容类型", "法律法规内容内容", "父内容主键", "是否存在子节点", "排序号"}
    by_id = {c["主键"]: c for c in content}
    item = next(c for c in content if c["法律法规内容内容"] == "（二）不得拒载；")
    assert item["法律法规内容类型"] == "项" and by_id[item["父内容主键"]]["法律法规内容类型"] == "款"


# --- pages ------------------------------------------------------------------------------------------


def test_tree_page(reviewer, law, make_user):
    version = import_v1(reviewer, law)
    officer = make_user("field_officer", "squad1")
    r = logged_in_client(officer).get(f"/legal/laws/{law.pk}/tree/")
    assert r.status_code == 200
    html = r.content.decode()
    item = version.provisions.get(key="a37.1.2")
    assert f'id="p-{item.stable_id}"' in html and "不得拒载" in html and "第三十七条" in html
    assert "导入新版本" not in html  # no change permission
    assert logged_in_client(officer).get(f"/legal/laws/{law.pk}/tree/?version=9").status_code == 404
    assert logged_in_client(officer).get("/legal/laws/999999/tree/").status_code == 404


def test_detail_page_links(reviewer, law):
    import_v1(reviewer, law)
    html = logged_in_client(reviewer).get(f"/legal/law/{law.pk}/").content.decode()
    assert f"/legal/laws/{law.pk}/tree/" in html and f"/legal/laws/{law.pk}/import/" in html
    assert f"/legal/laws/{law.pk}/export.json" in html


def test_import_page(reviewer, law, make_user):
    client = logged_in_client(reviewer)
    assert client.get(f"/legal/laws/{law.pk}/import/").status_code == 200
    r = client.post(
        f"/legal/laws/{law.pk}/import/", {"label": "1995年通过", "effective_from": "1995-07-01", "text": V1}
    )
    assert r.status_code == 302 and f"/legal/laws/{law.pk}/tree/" in r["Location"]
    assert law.versions.count() == 1
    # a parse error shows the Chinese message with the line; nothing is saved
    r = client.post(
        f"/legal/laws/{law.pk}/import/",
        {"label": "坏", "effective_from": "2020-01-01", "text": "第一章　总则\n（一）拒载"},
    )
    assert r.status_code == 400
    html = r.content.decode()
    assert "第 2 行" in html and "出现在任何条之前" in html
    assert law.versions.count() == 1
    # a .txt upload in GBK
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("v2.txt", V2.encode("gb18030"), content_type="text/plain")
    r = client.post(
        f"/legal/laws/{law.pk}/import/", {"label": "2019年修正", "effective_from": "2019-10-01", "file": upload}
    )
    assert r.status_code == 302 and law.versions.count() == 2
    r = client.post(f"/legal/laws/{law.pk}/import/", {"label": "x", "effective_from": "2021-01-01"})
    assert r.status_code == 400 and "请粘贴正文或上传文本文件" in r.content.decode()
    officer = make_user("field_officer", "squad1")
    assert logged_in_client(officer).get(f"/legal/laws/{law.pk}/import/").status_code == 403


def test_diff_page(reviewer, law):
    import_v1(reviewer, law)
    client = logged_in_client(reviewer)
    r = client.get(f"/legal/laws/{law.pk}/diff/")
    assert r.status_code == 200 and "无可对比的版本" in r.content.decode()
    do_import_version(reviewer, law, V2, label="2019年修正", effective_from=dt.date(2019, 10, 1))
    r = client.get(f"/legal/laws/{law.pk}/diff/?old=1&new=2")
    html = r.content.decode()
    assert r.status_code == 200
    assert 'class="diff-added"' in html and 'class="diff-removed"' in html and 'class="diff-changed"' in html
    assert "不得拒载或者故意绕道" in html and "出租汽车调度服务应当规范" in html
    assert client.get(f"/legal/laws/{law.pk}/diff/?old=1&new=7").status_code == 404


def test_exports(reviewer, law):
    import_v1(reviewer, law)
    client = logged_in_client(reviewer)
    r = client.get(f"/legal/laws/{law.pk}/export.txt")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    text = r.content.decode("utf-8")
    assert parse_law_text(text) == parse_law_text(V1)
    r = client.get(f"/legal/laws/{law.pk}/export.json")
    data = json.loads(r.content)
    assert data["法律法规名称"] == law.name and data["法律法规内容"]
    assert AuditRecord.objects.filter(action="export", object_id=str(law.pk)).count() == 2


def test_api_law_tree(reviewer, law):
    import_v1(reviewer, law)
    client = logged_in_client(reviewer)
    r = client.get(f"/api/v1/legal/laws/{law.pk}/?tree=1")
    assert r.status_code == 200
    data = r.json()
    assert data["name"] == law.name
    tree = data["tree"]
    assert [n["label"] for n in tree] == ["第一章", "第二章", "第三章"]
    a37 = tree[1]["children"][0]
    assert a37["label"] == "第三十七条"
    items = a37["children"][0]["children"]
    assert [i["label"] for i in items] == ["（一）", "（二）", "（三）"]
    assert items[1]["citation"].endswith("第三十七条第（二）项")
    assert "tree" not in client.get(f"/api/v1/legal/laws/{law.pk}/").json()
    assert "tree" not in client.get("/api/v1/legal/laws/?tree=1").json()["results"][0]


@pytest.mark.django_db
def test_a_cited_law_cannot_be_deleted_only_abolished(roles, tree, make_user):
    from teis.core.services import ServiceError
    from teis.legal.models import Law, ViolationCode
    from teis.legal.services.laws import LawService, do_create_law, do_import_version

    law = do_create_law(None, {"name": "测试条例", "effect_level": "local_regulation"})
    version = do_import_version(
        None,
        law,
        "测试条例\n第一条 经营者不得拒载。\n第二条 违反第一条的，处200元罚款。",
        label="2024年",
        effective_from=None,
    )
    code = ViolationCode.objects.create(code="T0001", name="拒载")
    code.penalty_provisions.add(version.provisions.get(key="a2"))
    with pytest.raises(ServiceError) as err:
        LawService().do_delete(None, law)
    assert "违章代码 1 个" in err.value.message and "废止" in err.value.message
    assert Law.objects.filter(pk=law.pk).exists()
    code.penalty_provisions.clear()
    LawService().do_delete(None, law)
    assert not Law.objects.filter(pk=law.pk).exists()
