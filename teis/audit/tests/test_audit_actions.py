"""Every audit record's action comes from `AuditAction` (issue 15 §4): a walk over the source of `teis/` fails
on any `audit.record(...)` whose action is written as a string literal, so the audit pages, filters and the
security-event classification never meet an action they do not know. An app's own operation name goes into
`detail={"operation": ...}` instead."""

from __future__ import annotations

import ast
from pathlib import Path

import teis

ROOT = Path(teis.__file__).parent
AUDIT_MODULE = "teis.audit.services"


def _record_names(tree: ast.Module, module: str) -> tuple[set[str], set[str]]:
    """Names under which this module reaches the audit service: (module aliases, aliases of `record`)."""
    modules: set[str] = set()
    functions: set[str] = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import, resolved against this module's package
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            for alias in node.names:
                if f"{base}.{alias.name}" == AUDIT_MODULE:
                    modules.add(alias.asname or alias.name)
                elif base == AUDIT_MODULE and alias.name == "record":
                    functions.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == AUDIT_MODULE and alias.asname:
                    modules.add(alias.asname)
    return modules, functions


def _is_literal(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _is_literal(node.left) or _is_literal(node.right)
    return False


def literal_actions(source: str, module: str) -> list[tuple[int, str]]:
    """(line, action text) of each audit record call in `source` whose action is a string literal."""
    tree = ast.parse(source)
    modules, functions = _record_names(tree, module)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        is_record = (
            isinstance(func, ast.Attribute)
            and func.attr == "record"
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        ) or (isinstance(func, ast.Name) and func.id in functions)
        if not is_record:
            continue
        keyword = next((k.value for k in node.keywords if k.arg == "action"), None)
        action = node.args[1] if len(node.args) > 1 else keyword
        if _is_literal(action):
            found.append((node.lineno, ast.unparse(action)))
    return found


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_no_audit_record_call_in_teis_passes_a_literal_action():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for line, text in literal_actions(path.read_text(encoding="utf-8"), _module_name(path)):
            offenders.append(f"{path.relative_to(ROOT.parent)}:{line}: {text}")
    assert offenders == [], "audit actions must be AuditAction members:\n" + "\n".join(offenders)


def test_the_walk_finds_literals_in_every_import_form():
    source = """
from teis.audit import services as audit
from teis.audit.services import record as rec
from teis.audit.choices import AuditAction
import teis.audit.services as svc

audit.record(None, "export", None)
rec(None, f"maritime.{kind}.import")
svc.record(None, action="approve")
audit.record(None, AuditAction.EXPORT, None)
other.record(None, "not the audit service")
"""
    assert [text for _, text in literal_actions(source, "teis.x.views")] == [
        "'export'",
        "f'maritime.{kind}.import'",
        "'approve'",
    ]


def test_the_walk_resolves_relative_imports_inside_the_audit_app():
    source = "from . import services\nfrom .services import record\nservices.record(None, 'x')\nrecord(None, 'y')\n"
    assert [text for _, text in literal_actions(source, "teis.audit.views")] == ["'x'", "'y'"]
