"""The law-text parser: structure, numerals, citations, errors with line numbers, round trip, fuzz."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from teis.legal.parser import (
    LawParseError,
    ParsedLaw,
    cn_to_int,
    int_to_cn,
    parse_law_text,
    render_parsed,
)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo" / "laws"

TAXI = """上海市出租汽车管理条例
（1995年6月16日上海市第十届人民代表大会常务委员会第十九次会议通过　根据2019年修正）
第一章　总　　则
第一条　为了加强本市出租汽车管理，提高出租汽车服务质量，制定本条例。
第二条　本条例适用于本市出租汽车的经营及其相关的管理活动。
第二章　经营许可
第三条　从事出租汽车经营的，应当取得经营许可。
第三章　营运服务
第一节　一般规定
第三十七条　驾驶员营运时应当遵守下列规定：
（一）按照规定使用计价器；
（二）不得拒载；
（三）不得议价，具体包括：
1. 不按计价器收费；
2．强行收取额外费用。
驾驶员违反前款规定的，由交通执法部门处以警告或者罚款。
第二节　调度服务
第三十八条　出租汽车调度服务应当规范。
第四章　法律责任
第一百二十三条　违反本条例第三十七条第一款第（二）项规定拒载的，处二百元以上一千元以下罚款。
第一百二十三条之一　新增条款。
"""


def test_counts_and_structure():
    law = parse_law_text(TAXI)
    assert law.title == "上海市出租汽车管理条例"
    assert law.preamble.startswith("（1995年6月16日")
    assert law.count("chapter") == 4
    assert law.count("section") == 2
    assert law.count("article") == 7
    assert law.count("item") == 3
    assert law.count("sub_item") == 2
    by_key = {n.key: n for n in law.nodes}
    assert by_key["c1"].title == "总则"  # print spacing removed
    assert by_key["c3s1"].parent_key == "c3"
    assert by_key["a37"].parent_key == "c3s1"
    assert by_key["a37.1"].text == "驾驶员营运时应当遵守下列规定："
    assert by_key["a37.1.2"].text == "不得拒载；" and by_key["a37.1.2"].label == "（二）"
    assert by_key["a37.1.3.2"].label == "2." and by_key["a37.1.3.2"].text == "强行收取额外费用。"
    assert by_key["a37.2"].text.startswith("驾驶员违反前款")
    assert by_key["a123"].number == 123 and by_key["a123"].label == "第一百二十三条"
    assert by_key["a123-1"].label == "第一百二十三条之一"
    assert by_key["a37"].has_children and not by_key["a37.1.2"].has_children
    # the article's text is its whole body; orders follow the text
    assert "（二）不得拒载；" in by_key["a37"].text
    orders = [n.order for n in law.nodes]
    assert orders == sorted(orders) == list(range(1, len(orders) + 1))


def test_citations():
    law = parse_law_text(TAXI)
    by_key = {n.key: n for n in law.nodes}
    name = "《上海市出租汽车管理条例》"
    assert by_key["a37"].citation == f"{name}第三十七条"
    assert by_key["a37.1"].citation == f"{name}第三十七条第一款"
    assert by_key["a37.1.2"].citation == f"{name}第三十七条第一款第（二）项"
    assert by_key["a37.1.3.1"].citation == f"{name}第三十七条第一款第（三）项第1目"
    # an article with a single paragraph is cited without 第一款
    assert by_key["a1.1"].citation == f"{name}第一条"
    assert by_key["c3s1"].citation == f"{name}第三章第一节"
    # an explicit name wins over the title line
    other = parse_law_text(TAXI, name="出租条例")
    assert other.nodes[1].citation == "《出租条例》第一条"


def test_parts_restart_chapter_numbers():
    text = "第一编　总则\n第一章　一般规定\n第一条　甲。\n第二编　分则\n第一章　特别规定\n第二条　乙。\n"
    law = parse_law_text(text)
    assert [n.key for n in law.nodes if n.level in ("part", "chapter")] == ["p1", "p1c1", "p2", "p2c1"]
    assert law.nodes[-2].citation == "第二条"  # no title, no name: bare citation


@pytest.mark.parametrize(
    "text, line_no, words",
    [
        ("某条例\n第一章　总则\n（一）拒载", 3, ["第 3 行", "“（一）拒载”", "出现在任何条之前"]),
        ("第一条　甲\n1. 乙", 2, ["第 2 行", "“1. 乙”", "出现在任何项之前"]),
        ("第五条　甲\n第三条　乙", 2, ["第 2 行", "第三条", "前一条（第五条）"]),
        ("第五条　甲\n第五条　乙", 2, ["第 2 行", "前一条（第五条）"]),
        ("第一节　许可\n第一条　甲", 1, ["第 1 行", "出现在任何章之前"]),
        ("第二章　甲\n第一章　乙", 2, ["第 2 行", "章序号"]),
        ("第一条　甲\n（二）乙\n（一）丙", 3, ["第 3 行", "项序号"]),
        ("第一章　总则\n这是一段说明", 2, ["第 2 行", "不属于任何条"]),
        ("第十十条　甲", 1, ["第 1 行", "“十十”无法识别"]),
    ],
)
def test_errors_name_the_line(text, line_no, words):
    with pytest.raises(LawParseError) as info:
        parse_law_text(text)
    err = info.value
    assert err.line_no == line_no
    for w in words:
        assert w in err.message, err.message
    assert err.code == "law_parse_error" and err.fields["text"] == [err.message]


def test_long_line_is_shortened_in_message():
    with pytest.raises(LawParseError) as info:
        parse_law_text("（一）" + "很长" * 40)
    assert "……”" in info.value.message and len(info.value.message) < 80


def test_compact_article_labels_and_references():
    # "第十条规定的……" at the start of a paragraph is text when it cannot be the next article
    text = "第十条　甲。\n第十一条乙。\n第十条规定的情形除外。\n"
    law = parse_law_text(text)
    keys = [n.key for n in law.nodes]
    assert keys == ["a10", "a10.1", "a11", "a11.1", "a11.2"]
    assert law.nodes[-1].text == "第十条规定的情形除外。"


def test_table_of_contents_is_skipped():
    text = "某条例\n目　录\n第一章　总则\n第二章　附则\n第一章　总则\n第一条　甲。\n第二章　附则\n第二条　乙。\n"
    law = parse_law_text(text)
    assert law.count("chapter") == 2 and law.count("article") == 2


def test_round_trip_on_sample():
    law = parse_law_text(TAXI)
    assert parse_law_text(render_parsed(law)) == law


DEMO_FILES = sorted(DEMO_DIR.glob("*.txt")) if DEMO_DIR.exists() else []


@pytest.mark.skipif(not DEMO_FILES, reason="demo laws not present")
@pytest.mark.parametrize("path", DEMO_FILES, ids=lambda p: p.stem)
def test_demo_laws_parse_and_round_trip(path):
    text = path.read_text(encoding="utf-8")
    law = parse_law_text(text)
    assert law.title and law.count("chapter") >= 1 and law.count("article") >= 1
    # the counts match a plain count of heading and article lines
    lines = [line.strip() for line in text.splitlines()]
    import re

    chapters = sum(1 for line in lines if re.match(r"^第[一二三四五六七八九十百]+章[\s　]", line + " "))
    articles = sum(
        1
        for line in lines
        if re.match(r"^第[一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?[\s　]", line + " ")
    )
    assert law.count("chapter") == chapters
    assert law.count("article") == articles
    assert parse_law_text(render_parsed(law)) == law


# --- numerals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, cn",
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (37, "三十七"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (123, "一百二十三"),
        (1000, "一千"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (1100, "一千一百"),
        (9999, "九千九百九十九"),
    ],
)
def test_numerals(n, cn):
    assert int_to_cn(n) == cn
    assert cn_to_int(cn) == n


@pytest.mark.parametrize(
    "bad", ["", "零", "十十", "一一", "百", "一百十", "一百一", "一千零", "二零", "甲", "0", "10000"]
)
def test_bad_numerals(bad):
    with pytest.raises(ValueError):
        cn_to_int(bad)


def test_variants_and_digits():
    assert cn_to_int("两千") == 2000 and cn_to_int("一十") == 10 and cn_to_int("37") == 37 and cn_to_int("３７") == 37


@given(st.integers(min_value=1, max_value=9999))
def test_numeral_round_trip(n):
    assert cn_to_int(int_to_cn(n)) == n


@given(st.text(alphabet="零〇一二两三四五六七八九十百千", min_size=1, max_size=8))
def test_numeral_parse_is_canonical_or_rejected(s):
    try:
        n = cn_to_int(s)
    except ValueError:
        return
    assert 1 <= n <= 9999
    assert cn_to_int(int_to_cn(n)) == n


# --- generated laws and fuzz ------------------------------------------------------------------------

words = st.text(alphabet="出租汽车驾驶员经营许可罚款应当不得规定道路运输，。、", min_size=1, max_size=20)


@st.composite
def generated_law(draw):
    lines = [draw(words) + "条例"]
    article = 0
    for c in range(1, draw(st.integers(1, 4)) + 1):
        lines.append(f"第{int_to_cn(c)}章　{draw(words)}")
        for _ in range(draw(st.integers(0, 3))):
            article += draw(st.integers(1, 3))
            lines.append(f"第{int_to_cn(article)}条　{draw(words)}")
            for i in range(1, draw(st.integers(0, 3)) + 1):
                lines.append(f"（{int_to_cn(i)}）{draw(words)}")
                for s in range(1, draw(st.integers(0, 2)) + 1):
                    lines.append(f"{s}.{draw(words)}")
            for _ in range(draw(st.integers(0, 2))):
                lines.append(draw(words))
    return "\n".join(lines)


@settings(max_examples=60)
@given(generated_law())
def test_generated_laws_round_trip(text):
    law = parse_law_text(text)
    assert parse_law_text(render_parsed(law)) == law
    assert len({n.key for n in law.nodes}) == len(law.nodes)


structured_lines = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.builds(
            lambda n, t: f"第{n}条{t}",
            st.sampled_from(["一", "二", "十", "三十七", "一百", "零", "十十", "9", "99999"]),
            st.text(max_size=5),
        ),
        st.builds(lambda n, t: f"第{n}章 {t}", st.sampled_from(["一", "二", "三", "千千"]), st.text(max_size=5)),
        st.builds(lambda n, t: f"第{n}节{t}", st.sampled_from(["一", "二"]), st.text(max_size=5)),
        st.builds(lambda n, t: f"（{n}）{t}", st.sampled_from(["一", "二", "十", "百百"]), st.text(max_size=5)),
        st.builds(lambda n, t: f"{n}.{t}", st.integers(0, 1000), st.text(max_size=5)),
        st.sampled_from(["目录", "目　录", "（2019年修正）", "", "　", "\r", "\u2028"]),
    ),
    max_size=25,
)


@settings(max_examples=300)
@given(structured_lines)
def test_fuzz_only_parse_errors(lines):
    text = "\n".join(lines)
    try:
        law = parse_law_text(text)
    except LawParseError:
        return
    assert isinstance(law, ParsedLaw)
    # whatever parses, re-parses to the same tree
    assert parse_law_text(render_parsed(law)) == law


@settings(max_examples=200)
@given(st.text())
def test_fuzz_arbitrary_text(text):
    try:
        law = parse_law_text(text)
    except LawParseError:
        return
    assert parse_law_text(render_parsed(law)) == law
