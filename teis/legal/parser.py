"""Parsing a law's text in the usual Chinese layout into the seven-level tree, and exporting it back.

Layout understood by `parse_law_text`:

    上海市出租汽车管理条例                      ← optional title line
    （1995年……通过　根据……修正）               ← optional preamble (篇头), any lines before the first heading
    第一编 ……                                 ← 编 (part)
    第一章　总则                               ← 章 (chapter; numbering restarts in each part)
    第一节 ……                                 ← 节 (section; numbering restarts in each chapter)
    第一条　为了……，制定本条例。               ← 条 (article); the text after the label is its 第一款
    further lines                              ← further 款 (paragraphs)
    （一）……                                   ← 项 (item) of the current paragraph
    1. ……                                      ← 目 (sub-item) of the current item

Keys (structural paths, unique in a version): parts "p1", chapters "c2" (or "p1c2" inside a part), sections
"c2s1", articles "a37" (articles are numbered through the whole law, so the number alone identifies one;
第二十条之一 is "a20-1"), paragraphs "a37.1", items "a37.1.2", sub-items "a37.1.2.3".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from teis.core.services import ServiceError

from .choices import ProvisionLevel

# --- Chinese numerals -----------------------------------------------------------------------------------

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
CN_DIGITS = "零一二三四五六七八九"
MAX_NUMBER = 9999
NUMERAL_CHARS = "零〇一二两三四五六七八九十百千0-9０-９"


def cn_to_int(text: str) -> int:
    """ "一百二十三" → 123, "十" → 10, "二十" → 20, "一千零一" → 1001; Arabic digits are accepted too.

    Raises ValueError for anything that is not a well-formed numeral from 1 to 9999.
    """
    if not text:
        raise ValueError("空数字")
    normalised = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if normalised.isascii() and normalised.isdigit():
        value = int(normalised)
        if not 0 < value <= MAX_NUMBER or normalised.startswith("0"):
            raise ValueError(f"数字超出范围：{text}")
        return value
    total = 0
    digit: int | None = None
    last_unit = 10_000
    zero = False  # a 零 stands for skipped units, and only there
    for ch in text:
        if ch in DIGITS:
            value = DIGITS[ch]
            if digit is not None:
                raise ValueError(f"数字格式错误：{text}")
            if value == 0:
                if zero or total == 0:
                    raise ValueError(f"数字格式错误：{text}")
                zero = True
                continue
            digit = value
        elif ch in UNITS:
            unit = UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"数字格式错误：{text}")
            if digit is None:
                if unit != 10 or total != 0 or zero:  # only a leading 十 may omit its 一
                    raise ValueError(f"数字格式错误：{text}")
                digit = 1
            if last_unit != 10_000 and (unit * 10 < last_unit) != zero:
                raise ValueError(f"数字格式错误：{text}")
            total += digit * unit
            digit = None
            last_unit = unit
            zero = False
        else:
            raise ValueError(f"不是数字：{text}")
    if digit is not None:
        if last_unit != 10_000 and (last_unit > 10) != zero:
            raise ValueError(f"数字格式错误：{text}")
        total += digit
    elif zero:
        raise ValueError(f"数字格式错误：{text}")
    if not 0 < total <= MAX_NUMBER:
        raise ValueError(f"数字超出范围：{text}")
    return total


def int_to_cn(number: int) -> str:
    """123 → "一百二十三", 10 → "十", 1001 → "一千零一" (the form laws use), for 1 … 9999."""
    if not 0 < number <= MAX_NUMBER:
        raise ValueError(f"数字超出范围：{number}")
    parts = []
    zero = False
    for unit_value, unit_char in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = number // unit_value % 10
        if d == 0:
            if parts:
                zero = True
            continue
        if zero:
            parts.append("零")
            zero = False
        parts.append(CN_DIGITS[d] + unit_char)
    result = "".join(parts)
    if result.startswith("一十"):
        result = result[1:]
    return result


# --- parse result ---------------------------------------------------------------------------------------


class LawParseError(ServiceError):
    """The text cannot be placed in the tree; the Chinese message names the line number and the line."""

    def __init__(self, line_no: int, line: str, problem: str):
        shown = line if len(line) <= 30 else line[:30] + "……"
        message = f"第 {line_no} 行：“{shown}”{problem}"
        super().__init__("law_parse_error", message, {"text": [message]})
        self.line_no = line_no
        self.line = line


@dataclass(frozen=True)
class ParsedNode:
    level: str
    number: int
    label: str
    key: str
    parent_key: str | None
    citation: str
    title: str = ""
    text: str = ""
    order: int = 0
    has_children: bool = False


@dataclass
class ParsedLaw:
    title: str = ""
    preamble: str = ""
    nodes: list[ParsedNode] = field(default_factory=list)

    def count(self, level: str) -> int:
        return sum(1 for n in self.nodes if n.level == level)

    def children_of(self, key: str | None) -> list[ParsedNode]:
        return [n for n in self.nodes if n.parent_key == key]


HEADING_RE = re.compile(rf"^第([{NUMERAL_CHARS}]+)(编|章|节)(?:[\s　]+(.*)|)$")
ARTICLE_RE = re.compile(rf"^第([{NUMERAL_CHARS}]+)条(?:之([{NUMERAL_CHARS}]+))?([\s　]*)(.*)$")
ITEM_RE = re.compile(r"^[（(]([零〇一二两三四五六七八九十百]+)[）)][\s　]*(.*)$")
SUB_ITEM_RE = re.compile(r"^([0-9]{1,3})[.．](?![0-9])[\s　]*(.*)$")
TOC_LINES = {"目录", "目　录", "目  录", "目 录"}
HEADING_LEVEL = {"编": ProvisionLevel.PART, "章": ProvisionLevel.CHAPTER, "节": ProvisionLevel.SECTION}


def _heading_title(rest: str | None) -> str:
    # "总　　则" → "总则": headings are spaced out for print
    return re.sub(r"\s+", "", rest or "")


@dataclass
class _Mutable:
    level: str
    number: int
    label: str
    key: str
    parent: _Mutable | None
    title: str = ""
    text: str = ""
    sub: int = 0  # 之一 of an article
    children: list[_Mutable] = field(default_factory=list)


def article_label(number: int, sub: int = 0) -> str:
    return f"第{int_to_cn(number)}条" + (f"之{int_to_cn(sub)}" if sub else "")


def parse_law_text(text: str, name: str | None = None) -> ParsedLaw:
    """Parse a law text into its tree. `name` (default: the title line) is used in the citations.

    Raises `LawParseError` (a `ServiceError`) naming the line when the structure is not valid.
    """
    if not isinstance(text, str):
        raise LawParseError(0, "", "正文不是文本")
    lines = text.splitlines()
    title = ""
    preamble: list[str] = []
    roots: list[_Mutable] = []
    part: _Mutable | None = None
    chapter: _Mutable | None = None
    section: _Mutable | None = None
    article: _Mutable | None = None
    paragraph: _Mutable | None = None
    item: _Mutable | None = None
    last_article: tuple[int, int] = (0, 0)
    last_part = 0
    in_toc = False
    seen_structure = False
    toc_first: str | None = None

    def add(node: _Mutable) -> _Mutable:
        if node.parent is None:
            roots.append(node)
        else:
            node.parent.children.append(node)
        return node

    def number_of(raw: str, line_no: int, line: str) -> int:
        try:
            return cn_to_int(raw)
        except ValueError:
            raise LawParseError(line_no, line, f"中的序号“{raw}”无法识别") from None

    def check_order(prev: int, number: int, what: str, line_no: int, line: str) -> None:
        if number <= prev:
            raise LawParseError(
                line_no, line, f"的{what}序号（{int_to_cn(number)}）应大于前一{what}（{int_to_cn(prev)}）"
            )

    for line_no, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        if not line:
            continue
        if not seen_structure and line in TOC_LINES:
            in_toc = True
            continue
        heading = HEADING_RE.match(line)
        if in_toc:
            # a table of contents lists headings; it ends where its first heading comes again
            if heading and toc_first is None:
                toc_first = line
                continue
            if heading and re.sub(r"\s+", "", line) == re.sub(r"\s+", "", toc_first or ""):
                in_toc = False
            else:
                continue
        if heading:
            seen_structure = True
            number = number_of(heading.group(1), line_no, line)
            kind = heading.group(2)
            heading_title = _heading_title(heading.group(3))
            if len(heading_title) > 200:
                raise LawParseError(line_no, line, "的标题超过 200 字")
            label = f"第{int_to_cn(number)}{kind}"
            if kind == "编":
                check_order(last_part, number, "编", line_no, line)
                last_part = number
                part = add(_Mutable(ProvisionLevel.PART, number, label, f"p{number}", None, heading_title))
                chapter = section = article = paragraph = item = None
            elif kind == "章":
                siblings = part.children if part else [r for r in roots if r.level == ProvisionLevel.CHAPTER]
                prev = max((c.number for c in siblings if c.level == ProvisionLevel.CHAPTER), default=0)
                check_order(prev, number, "章", line_no, line)
                key = f"{part.key if part else ''}c{number}"
                chapter = add(_Mutable(ProvisionLevel.CHAPTER, number, label, key, part, heading_title))
                section = article = paragraph = item = None
            else:
                if chapter is None:
                    raise LawParseError(line_no, line, "出现在任何章之前")
                prev = max((c.number for c in chapter.children if c.level == ProvisionLevel.SECTION), default=0)
                check_order(prev, number, "节", line_no, line)
                section = add(
                    _Mutable(ProvisionLevel.SECTION, number, label, f"{chapter.key}s{number}", chapter, heading_title)
                )
                article = paragraph = item = None
            continue
        art = ARTICLE_RE.match(line)
        if art and not art.group(3) and art.group(4) and article is not None:
            # "第十条规定的……" without a space after the label starts an article only if it can be the next one
            try:
                compact = (cn_to_int(art.group(1)), cn_to_int(art.group(2)) if art.group(2) else 0)
            except ValueError:
                compact = (0, 0)
            if compact <= last_article:
                art = None
        if art:
            seen_structure = True
            number = number_of(art.group(1), line_no, line)
            sub = number_of(art.group(2), line_no, line) if art.group(2) else 0
            if (number, sub) <= last_article:
                raise LawParseError(line_no, line, f"的条号不能小于或等于前一条（{article_label(*last_article)}）")
            last_article = (number, sub)
            key = f"a{number}" + (f"-{sub}" if sub else "")
            article = add(
                _Mutable(ProvisionLevel.ARTICLE, number, article_label(number, sub), key, section or chapter or part)
            )
            article.sub = sub
            paragraph = item = None
            rest = art.group(4).strip()
            if rest:
                paragraph = add(_Mutable(ProvisionLevel.PARAGRAPH, 1, "第一款", f"{key}.1", article, text=rest))
            continue
        item_match = ITEM_RE.match(line)
        if item_match:
            if article is None:
                raise LawParseError(line_no, line, "出现在任何条之前")
            number = number_of(item_match.group(1), line_no, line)
            if paragraph is None:  # an article whose first line is only its label
                paragraph = add(_Mutable(ProvisionLevel.PARAGRAPH, 1, "第一款", f"{article.key}.1", article))
            prev = paragraph.children[-1].number if paragraph.children else 0
            check_order(prev, number, "项", line_no, line)
            item = add(
                _Mutable(
                    ProvisionLevel.ITEM,
                    number,
                    f"（{int_to_cn(number)}）",
                    f"{paragraph.key}.{number}",
                    paragraph,
                    text=item_match.group(2).strip(),
                )
            )
            continue
        sub_match = SUB_ITEM_RE.match(line) if article is not None else None
        if sub_match:
            if item is None:
                raise LawParseError(line_no, line, "出现在任何项之前")
            number = int(sub_match.group(1))
            if number == 0:
                raise LawParseError(line_no, line, "中的序号“0”无法识别")
            prev = item.children[-1].number if item.children else 0
            check_order(prev, number, "目", line_no, line)
            add(
                _Mutable(
                    ProvisionLevel.SUB_ITEM,
                    number,
                    f"{number}.",
                    f"{item.key}.{number}",
                    item,
                    text=sub_match.group(2).strip(),
                )
            )
            continue
        # a plain line
        if article is not None:
            n = len(article.children) + 1
            paragraph = add(
                _Mutable(ProvisionLevel.PARAGRAPH, n, f"第{int_to_cn(n)}款", f"{article.key}.{n}", article, text=line)
            )
            item = None
            continue
        if seen_structure:
            raise LawParseError(line_no, line, "不属于任何条（章节标题后应为“第X条”）")
        if not title and not preamble and not line.startswith(("（", "(")):
            title = line
        else:
            preamble.append(line)

    law = ParsedLaw(title=title, preamble="\n".join(preamble))
    law_name = name if name is not None else title
    _flatten(roots, law, law_name)
    return law


def _article_lines(article: _Mutable) -> list[str]:
    """The body lines of an article as they are printed (without the article's own label)."""
    lines = []
    for paragraph in article.children:
        if paragraph.text:
            lines.append(paragraph.text)
        for item in paragraph.children:
            lines.append(f"{item.label}{item.text}")
            lines.extend(f"{s.label}{s.text}" for s in item.children)
    return lines


def _flatten(roots: list[_Mutable], law: ParsedLaw, name: str) -> None:
    prefix = f"《{name}》" if name else ""

    def citation(node: _Mutable) -> str:
        chain = []
        n: _Mutable | None = node
        while n is not None:
            chain.append(n)
            n = n.parent
        chain.reverse()
        if node.level in (ProvisionLevel.PART, ProvisionLevel.CHAPTER, ProvisionLevel.SECTION):
            return prefix + "".join(c.label for c in chain)
        out = []
        for c in chain:
            if c.level == ProvisionLevel.ARTICLE:
                out.append(c.label)
            elif c.level == ProvisionLevel.PARAGRAPH:
                if c.parent is not None and len(c.parent.children) > 1:
                    out.append(c.label)
            elif c.level == ProvisionLevel.ITEM:
                out.append(f"第{c.label}项")
            elif c.level == ProvisionLevel.SUB_ITEM:
                out.append(f"第{c.number}目")
        return prefix + "".join(out)

    def walk(node: _Mutable) -> None:
        text = "\n".join(_article_lines(node)) if node.level == ProvisionLevel.ARTICLE else node.text
        law.nodes.append(
            ParsedNode(
                level=str(node.level),
                number=node.number,
                label=node.label,
                key=node.key,
                parent_key=node.parent.key if node.parent else None,
                citation=citation(node),
                title=node.title,
                text=text,
                order=len(law.nodes) + 1,
                has_children=bool(node.children),
            )
        )
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)


# --- export ---------------------------------------------------------------------------------------------


def _render_lines(title: str, preamble: str, nodes: list[Any]) -> list[str]:
    """Lines of a law text from nodes with level / label / title / text (ParsedNode or Provision)."""
    lines = []
    if title:
        lines.append(title)
    if preamble:
        lines.extend(line for line in preamble.splitlines() if line.strip())
    pending_article = None
    for node in nodes:
        level = str(node.level)
        if pending_article is not None:
            # the first paragraph goes on the article's line
            if level == ProvisionLevel.PARAGRAPH and node.number == 1:
                lines.append(f"{pending_article}　{node.text}" if node.text else pending_article)
                pending_article = None
                continue
            lines.append(pending_article)
            pending_article = None
        if level in (ProvisionLevel.PART, ProvisionLevel.CHAPTER, ProvisionLevel.SECTION):
            lines.append(f"{node.label}　{node.title}" if node.title else node.label)
        elif level == ProvisionLevel.ARTICLE:
            pending_article = node.label
        elif level == ProvisionLevel.PARAGRAPH:
            lines.append(node.text)
        elif level in (ProvisionLevel.ITEM, ProvisionLevel.SUB_ITEM):
            lines.append(f"{node.label}{node.text}")
    if pending_article is not None:
        lines.append(pending_article)
    return lines


def render_parsed(parsed: ParsedLaw) -> str:
    return "\n".join(_render_lines(parsed.title, parsed.preamble, parsed.nodes)) + "\n"


def render_law_text(version) -> str:
    """A stored `LawVersion` back to text in the layout `parse_law_text` reads."""
    law = version.law
    nodes = list(version.provisions.order_by("order"))
    return "\n".join(_render_lines(law.name, law.preamble, nodes)) + "\n"


def _platform_content(p) -> str:
    if p.level in (ProvisionLevel.PART, ProvisionLevel.CHAPTER, ProvisionLevel.SECTION):
        return f"{p.label}　{p.title}" if p.title else p.label
    if p.level == ProvisionLevel.ARTICLE:
        return p.label  # its text is in its paragraphs
    if p.level == ProvisionLevel.PARAGRAPH:
        return p.text
    return f"{p.label}{p.text}"


def to_city_platform_json(law, version=None) -> dict:
    """法律法规对象 with its 法律法规内容 in the city unified platform's shape (spec §2.7.1.9)."""
    version = version or law.current_version
    provisions = list(version.provisions.order_by("order")) if version is not None else []
    stable_ids = {p.pk: p.stable_id for p in provisions}
    return {
        "法律法规基础信息主键": str(law.pk),
        "法律法规名称": law.name,
        "法律法规文号": law.file_number,
        "效力级别": law.get_effect_level_display(),
        "时效性": law.get_validity_display(),
        "颁布机关": law.issuing_authority,
        "颁布日期": law.promulgated_on.isoformat() if law.promulgated_on else "",
        "实施日期": law.effective_on.isoformat() if law.effective_on else "",
        "录入单位": law.entry_unit.name if law.entry_unit_id else "",
        "篇头": law.preamble,
        "版本": version.label if version is not None else "",
        "数据来源": law.data_source,
        "法律法规内容": [
            {
                "主键": p.stable_id,
                "法律法规内容类型": p.get_level_display(),
                "法律法规内容内容": _platform_content(p),
                "父内容主键": stable_ids.get(p.parent_id, "") if p.parent_id else "",
                "是否存在子节点": p.has_children,
                "排序号": p.order,
            }
            for p in provisions
        ],
    }
