"""Document templates: validation on save and rendering.

A template is Django template text extending `documents/base.html`. An administrator may edit it, so it is
held to a small language: only the tags in `ALLOWED_TAGS`, only the placeholders of `facts.SCHEMA` (an unknown
one is refused, named), and it renders against plain values (`facts.case_facts`), never model objects.
"""

from __future__ import annotations

import re

from django.template import Context, Template, TemplateSyntaxError, engines
from django.template.base import Lexer, TokenType

from .facts import SCHEMA, SCHEMA_ROOTS

BASE = "documents/base.html"
ALLOWED_TAGS = frozenset(
    {
        "extends",
        "block",
        "endblock",
        "if",
        "elif",
        "else",
        "endif",
        "for",
        "empty",
        "endfor",
        "comment",
        "endcomment",
        "spaceless",
        "endspaceless",
        "cycle",
        "firstof",
        "with",
        "endwith",
        "load",
    }
)
ALLOWED_LIBRARIES = frozenset({"documents_tags"})
_WORD = re.compile(r"^[A-Za-z_][\w.]*$")
_OPERATORS = frozenset({"and", "or", "not", "in", "is", "None", "True", "False"})
_LITERAL = re.compile(r"""^(["']).*\1$|^-?\d+(\.\d+)?$""")


class TemplateProblem(ValueError):
    def __init__(self, message: str, names: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.names = names or []


def _variable_paths(contents: str) -> list[str]:
    """Dotted variable names in a `{{ … }}`: the head and each filter argument (literals dropped)."""
    segments = contents.split("|")
    names = [segments[0].strip()]
    for segment in segments[1:]:
        if ":" in segment:
            names.append(segment.split(":", 1)[1].strip())
    return [n for n in names if _WORD.match(n) and n not in _OPERATORS]


def _check_path(path: str, loops: dict[str, str]) -> bool:
    root, _, rest = path.partition(".")
    if root in loops:
        path = loops[root] + ("." + rest if rest else "")
    if path in ("forloop", "block") or path.startswith(("forloop.", "block.")):
        return True
    if path in SCHEMA:
        return True
    prefix = path + "."
    return any(k.startswith(prefix) for k in SCHEMA)  # a whole list or dict (for loops, `if records`)


def validate(source: str) -> None:
    """Raise TemplateProblem (Chinese message) for a template that does not compile, uses a tag outside the
    allowed set, or names a placeholder not in SCHEMA (each one named)."""
    if "{% extends" not in source or BASE not in source:
        raise TemplateProblem(f'模板须继承文书基础模板：{{% extends "{BASE}" %}}')
    unknown: list[str] = []
    bad_tags: list[str] = []
    loops: dict[str, str] = {}
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.VAR:
            paths = _variable_paths(token.contents)
        elif token.token_type == TokenType.BLOCK:
            bits = token.split_contents()
            tag = bits[0] if bits else ""
            if tag not in ALLOWED_TAGS:
                bad_tags.append(tag)
                continue
            if tag == "load" and not set(bits[1:]) <= ALLOWED_LIBRARIES:
                bad_tags.append(token.contents)
                continue
            paths = []
            if tag == "for" and "in" in bits:
                i = bits.index("in")
                seq = bits[i + 1] if i + 1 < len(bits) else ""
                seq_path = seq.split("|")[0]
                base = seq_path
                root, _, rest = seq_path.partition(".")
                if root in loops:
                    base = loops[root] + ("." + rest if rest else "")
                for var in bits[1:i]:
                    loops[var.strip(",")] = base + ".*"
                paths = [seq_path]
            elif tag in ("if", "elif", "firstof", "cycle", "with"):
                for bit in bits[1:]:
                    name = bit.split("=")[-1].split("|")[0]
                    if _WORD.match(name) and name not in _OPERATORS and not _LITERAL.match(name):
                        if tag == "with" and "=" in bit:
                            loops[bit.split("=")[0]] = name
                        paths.append(name)
        else:
            continue
        for path in paths:
            if not _check_path(path, loops) and path not in unknown:
                unknown.append(path)
    if bad_tags:
        raise TemplateProblem("模板使用了不允许的标签：" + "、".join(bad_tags), bad_tags)
    if unknown:
        raise TemplateProblem("模板含有未知的占位符：" + "、".join(unknown), unknown)
    try:
        compile_source(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"模板语法错误：{exc}") from exc


def compile_source(source: str) -> Template:
    return engines["django"].from_string(source).template


def render_html(source: str, context: dict) -> str:
    return compile_source(source).render(Context(context, autoescape=True))


__all__ = ["validate", "render_html", "TemplateProblem", "SCHEMA_ROOTS"]
