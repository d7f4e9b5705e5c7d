"""Sample facts for previewing a template without a case: every placeholder shows its own label."""

from __future__ import annotations

from .facts import SCHEMA


def sample_facts() -> dict:
    out: dict = {}
    for key, text in SCHEMA.items():
        parts = key.split(".")
        if parts[0] in ("doc", "part"):
            continue
        node = out
        i = 0
        while i < len(parts) - 1:
            name, nxt = parts[i], parts[i + 1]
            if nxt == "*":
                node = node.setdefault(name, [{}])[0]
                i += 2
                continue
            node = node.setdefault(name, {})
            i += 1
        if i == len(parts) - 1:
            node[parts[-1]] = f"〔{text}〕"
    return out
