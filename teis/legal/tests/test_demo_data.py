"""The legal demo data: laws rebuilt by the parser with the right 章 / 条 counts, ~150 codes with valid
cause codes and benchmarks inside their ranges, idempotent loading."""

from __future__ import annotations

import pytest

from teis.core.models import DictionaryItem, DictionaryType
from teis.legal.choices import EffectLevel, ProvisionLevel
from teis.legal.demo import codes as demo_codes
from teis.legal.demo.loader import expected_counts, law_metadata, law_text, load_demo
from teis.legal.models import CaseCause, DiscretionBenchmark, DiscretionLevel, Law, Provision, ViolationCode
from teis.legal.parser import parse_law_text
from teis.legal.validators import validate_cause_code
from teis.org import demo as org_demo


@pytest.fixture
def business_lines(db):
    for type_code, name, _description, rows in org_demo.DICTIONARIES:
        if type_code != "business_line":
            continue
        dict_type = DictionaryType.objects.create(code=type_code, name=name)
        for order, (code, label, _parent) in enumerate(rows):
            DictionaryItem.objects.create(dict_type=dict_type, code=code, label=label, order=order)
    return {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="business_line")}


@pytest.fixture
def loaded(business_lines):
    load_demo()
    return business_lines


def test_metadata_is_complete():
    metas = law_metadata()
    assert len(metas) >= 8
    for meta in metas:
        assert meta["effect_level"] in EffectLevel.values
        assert meta["data_source"] == "演示数据（节选，依据公开文本整理）"
        assert meta["is_abridged"] is True
        text = law_text(meta)
        assert text.splitlines()[0] == meta["name"]


def test_parser_counts_match_metadata_without_database():
    for meta in law_metadata():
        parsed = parse_law_text(law_text(meta), name=meta["name"])
        assert parsed.count(ProvisionLevel.CHAPTER) == meta["chapters"], meta["name"]
        assert parsed.count(ProvisionLevel.ARTICLE) == meta["articles"], meta["name"]


def test_each_demo_law_rebuilt_with_its_chapter_and_article_counts(loaded):
    counts = expected_counts()
    assert Law.objects.count() == len(counts)
    for law in Law.objects.all():
        chapters, articles = counts[law.name]
        current = Provision.objects.filter(version=law.current_version)
        assert current.filter(level=ProvisionLevel.CHAPTER).count() == chapters, law.name
        assert current.filter(level=ProvisionLevel.ARTICLE).count() == articles, law.name
        assert law.is_abridged
        assert law.preamble.startswith("（")
    road = Law.objects.get(name="中华人民共和国道路运输条例")
    assert {line.code for line in road.business_lines.all()} >= {"coach", "freight"}
    item = Provision.objects.get(version=road.current_version, key="a63.1.2")
    assert item.citation == "《中华人民共和国道路运输条例》第六十三条第（二）项"


def test_loading_twice_changes_nothing(loaded):
    def snapshot():
        return (
            list(Law.objects.values_list("pk", "name", "current_version_id")),
            Provision.objects.count(),
            list(ViolationCode.objects.values_list("pk", "code", "version", "legacy_basis_text")),
            list(CaseCause.objects.values_list("pk", "cause_code")),
            DiscretionBenchmark.objects.count(),
            DiscretionLevel.objects.count(),
        )

    before = snapshot()
    assert load_demo() == {}
    assert snapshot() == before


def test_codes_causes_and_benchmarks(loaded):
    specs = demo_codes.code_specs()
    assert 140 <= len(specs) <= 170
    assert ViolationCode.objects.count() == len(specs)
    assert CaseCause.objects.count() == len(specs)
    legacy = ViolationCode.objects.exclude(legacy_basis_text="")
    assert 25 <= legacy.count() <= 40
    for code in legacy:
        assert not code.violated_provisions.exists() and not code.penalty_provisions.exists()
        assert "第" in code.legacy_basis_text and "条" in code.legacy_basis_text
    for cause in CaseCause.objects.all():
        assert len(cause.cause_code) == 20 and cause.cause_code.isdigit()
        assert validate_cause_code(cause.cause_code) == cause.cause_code
        assert cause.violation_codes.count() == 1
    linked = ViolationCode.objects.filter(legacy_basis_text="")
    for code in linked:
        assert code.penalty_provisions.exists(), code.code
        assert code.business_line is not None
        benchmark = code.benchmarks.get()
        levels = list(benchmark.levels.order_by("order"))
        assert 2 <= len(levels) <= 4
        for level in levels:
            if code.fine_max is None:
                assert level.fine_min is None and level.fine_max is None
                continue
            assert code.fine_min <= level.fine_min <= level.fine_max <= code.fine_max, (code.code, level.name)
        if code.fine_max is not None:
            assert levels[0].fine_min == code.fine_min and levels[-1].fine_max == code.fine_max
    # simplified procedure: 个人 ≤ 200 元, 单位 ≤ 3000 元, fine or warning only
    flags = {c.code: c.simplified_procedure for c in ViolationCode.objects.all()}
    assert flags["WY0301"] is True  # 网约车驾驶员甩客 50–200
    assert flags["KY0105"] is True  # 单位 warning or 20–200
    assert flags["KY0106"] is False  # 1000–3000 but 吊销 when serious
    assert flags["CZ0101"] is False  # 个人 200–500
    assert flags["KY0101"] is False


def test_benchmark_levels_property():
    from decimal import Decimal

    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.integers(0, 100_000), st.integers(0, 100_000))
    def check(a, b):
        lo, hi = Decimal(min(a, b)), Decimal(max(a, b))
        levels = demo_codes.benchmark_levels(lo, hi, "")
        assert 2 <= len(levels) <= 4
        assert levels[0].fine_min == lo and levels[-1].fine_max == hi
        for prev, nxt in zip(levels, levels[1:], strict=False):
            assert prev.fine_max == nxt.fine_min
        for level in levels:
            assert lo <= level.fine_min <= level.fine_max <= hi

    check()
