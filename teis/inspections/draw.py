"""The double-random draw as a pure, deterministic function of (seed, frozen candidates, rules).

Nothing here reads the database, the clock or Python's `random`: anyone holding the published inputs (the
revealed seed, the frozen candidate lists and the rules) re-runs `run_draw` and gets the identical result.

Random numbers come from a counter-mode SM3 DRBG: block i of stream `label` is
SM3(seed ‖ "teis-draw-v1" ‖ label ‖ i as 8 big-endian bytes), read as four big-endian unsigned 64-bit words.

Objects: weighted sampling without replacement by keys (Efraimidis–Spirakis). With an integer weight w the
key u^(1/w) has the distribution of the maximum of w independent uniforms, so an object's key is the maximum
of w consecutive 64-bit words of the "objects" stream: pure integer arithmetic, identical on every machine.
The N largest keys are drawn, in descending key order (ties, of probability ~2^-64, by candidate order).

Inspectors: for each drawn object in draw order, `inspectors_per_object` inspectors are chosen among those
eligible (area covers the object's district, industry matches, no declared relation), least loaded first,
ties broken by a per-inspector random rank from the "inspectors" stream.

Candidate layout (lists so that the canonical JSON is compact):
- objects: [object_id, credit_code, name, industry_code, district, risk_level, credit_rating]
- inspectors: [inspector_id, name, unit_id, district ("" = whole city), [industry codes] ([] = all)]
- relations: [inspector_id, object_id]
Rules: {"count": int|None, "percent": "12.50"|None, "weight_attribute": ""|"risk_level"|"credit_rating",
"class_weights": {class: int}, "inspectors_per_object": int}.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from teis.core.crypto import sm3_digest, sm3_hex

DOMAIN = b"teis-draw-v1"
WEIGHT_COLUMN = {"risk_level": 5, "credit_rating": 6}
MAX_WEIGHT = 20
MAX_NAMED = 10  # objects named in a refusal message


class DrawInfeasible(ValueError):
    """The rules cannot be met; `problems` are Chinese sentences naming the constraint and the objects."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def canonical_bytes(value) -> bytes:
    """The one serialization that is hashed and published: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def commitment(seed: bytes) -> str:
    return sm3_hex(seed)


def drbg_words(seed: bytes, label: str, n: int) -> np.ndarray:
    """n unsigned 64-bit words of stream `label` (counter-mode SM3)."""
    prefix = seed + DOMAIN + label.encode("ascii")
    blocks = (n + 3) // 4
    buf = b"".join(sm3_digest(prefix + i.to_bytes(8, "big")) for i in range(blocks))
    return np.frombuffer(buf, dtype=">u8")[:n].astype(np.uint64)


def draw_size(rules: dict, n_candidates: int) -> int:
    if rules.get("count") is not None:
        return int(rules["count"])
    percent = Decimal(str(rules.get("percent") or "0"))
    return math.ceil(Decimal(n_candidates) * percent / Decimal(100))


def object_weights(candidates: dict, rules: dict) -> np.ndarray:
    column = WEIGHT_COLUMN.get(rules.get("weight_attribute") or "")
    objects = candidates["objects"]
    if column is None:
        return np.ones(len(objects), dtype=np.int64)
    weights = rules.get("class_weights") or {}
    return np.array([int(weights.get(o[column], 1)) for o in objects], dtype=np.int64)


@dataclass
class Eligibility:
    """Which inspectors may inspect which object: grouped by (industry, district), minus relations."""

    group_of: np.ndarray  # object index -> group index
    group_members: list[np.ndarray]  # group index -> eligible inspector indexes (ascending)
    related: dict[int, set[int]] = field(default_factory=dict)  # object index -> related inspector indexes

    def for_object(self, i: int) -> np.ndarray:
        members = self.group_members[self.group_of[i]]
        excluded = self.related.get(i)
        if excluded:
            members = members[~np.isin(members, np.fromiter(excluded, dtype=np.int64))]
        return members


def eligibility(candidates: dict) -> Eligibility:
    objects, inspectors = candidates["objects"], candidates["inspectors"]
    districts = np.array([i[3] for i in inspectors], dtype=object)
    industry_sets = [frozenset(i[4]) for i in inspectors]
    groups: dict[tuple[str, str], int] = {}
    group_of = np.empty(len(objects), dtype=np.int64)
    members: list[np.ndarray] = []
    for idx, o in enumerate(objects):
        key = (o[3], o[4])
        g = groups.get(key)
        if g is None:
            g = groups[key] = len(members)
            industry, district = key
            area_ok = (districts == "") | (districts == district)
            industry_ok = np.fromiter(
                (not s or industry in s for s in industry_sets), dtype=bool, count=len(inspectors)
            )
            members.append(np.nonzero(area_ok & industry_ok)[0].astype(np.int64))
        group_of[idx] = g
    object_index = {o[0]: n for n, o in enumerate(objects)}
    inspector_index = {i[0]: n for n, i in enumerate(inspectors)}
    related: dict[int, set[int]] = defaultdict(set)
    for inspector_id, object_id in candidates.get("relations", []):
        if object_id in object_index and inspector_id in inspector_index:
            related[object_index[object_id]].add(inspector_index[inspector_id])
    return Eligibility(group_of=group_of, group_members=members, related=dict(related))


def _named(objects: list, indexes) -> str:
    names = [f"{objects[i][2]}（{objects[i][1]}）" for i in list(indexes)[:MAX_NAMED]]
    more = f"等 {len(indexes)} 个" if len(indexes) > MAX_NAMED else ""
    return "、".join(names) + more


def check_feasible(candidates: dict, rules: dict, elig: Eligibility | None = None) -> Eligibility:
    """Raise `DrawInfeasible` naming each failing constraint and its objects; return the eligibility."""
    problems = []
    objects = candidates["objects"]
    k = int(rules.get("inspectors_per_object") or 0)
    n = draw_size(rules, len(objects))
    if k < 2:
        problems.append("每个检查对象至少须抽取 2 名检查人员")
    weights = rules.get("class_weights") or {}
    if any(not isinstance(w, int) or isinstance(w, bool) or not 1 <= w <= MAX_WEIGHT for w in weights.values()):
        problems.append(f"分类权重须为 1–{MAX_WEIGHT} 的整数")
    if not objects:
        problems.append("没有符合抽查范围的检查对象")
    elif n < 1:
        problems.append("抽取数量为 0，请调整抽取数量或比例")
    elif n > len(objects):
        problems.append(f"抽取数量 {n} 超过符合条件的检查对象数 {len(objects)}")
    if problems:
        raise DrawInfeasible(problems)
    elig = elig or eligibility(candidates)
    short = [i for i in range(len(objects)) if len(elig.for_object(i)) < k]
    if short:
        problems.append(
            f"以下 {len(short)} 个检查对象可选检查人员不足 {k} 名（须持有效执法证、可参与抽取、检查区域覆盖该对象、"
            f"行业相符且无利害关系）：{_named(objects, short)}"
        )
        raise DrawInfeasible(problems)
    return elig


def run_draw(seed: bytes, candidates: dict, rules: dict) -> dict:
    """The draw: {"objects": [object_id…] in draw order, "assignments": [[object_id, [inspector_id…]]…]}."""
    if len(seed) != 32:
        raise ValueError("seed must be 32 bytes")
    elig = check_feasible(candidates, rules)
    objects, inspectors = candidates["objects"], candidates["inspectors"]
    n = draw_size(rules, len(objects))
    k = int(rules["inspectors_per_object"])

    weights = object_weights(candidates, rules)
    words = drbg_words(seed, "objects", int(weights.sum()))
    offsets = np.concatenate(([0], np.cumsum(weights)[:-1]))
    keys = np.maximum.reduceat(words, offsets)
    order = np.lexsort((np.arange(len(objects)), ~keys))[:n]

    rank = drbg_words(seed, "inspectors", len(inspectors))
    load = np.zeros(len(inspectors), dtype=np.int64)
    assignments = []
    for i in order.tolist():
        pool = elig.for_object(i)
        chosen = pool[np.lexsort((rank[pool], load[pool]))[:k]]
        load[chosen] += 1
        assignments.append([objects[i][0], [inspectors[j][0] for j in chosen.tolist()]])
    return {"objects": [a[0] for a in assignments], "assignments": assignments}


def violations(candidates: dict, rules: dict, result: dict) -> list[str]:
    """Every broken constraint of a result (empty when it is valid): used by tests and the verifier."""
    out = []
    objects = {o[0]: o for o in candidates["objects"]}
    inspectors = {i[0]: i for i in candidates["inspectors"]}
    related = {(r[0], r[1]) for r in candidates.get("relations", [])}
    k = int(rules["inspectors_per_object"])
    if len(result["objects"]) != draw_size(rules, len(objects)):
        out.append("抽取数量不符")
    if len(set(result["objects"])) != len(result["objects"]):
        out.append("对象重复")
    loads: dict[int, int] = defaultdict(int)
    for object_id, chosen in result["assignments"]:
        o = objects.get(object_id)
        if o is None:
            out.append(f"对象 {object_id} 不在候选名单")
            continue
        if len(chosen) != k or len(set(chosen)) != k:
            out.append(f"对象 {object_id} 检查人员数不符")
        for inspector_id in chosen:
            ins = inspectors.get(inspector_id)
            if ins is None:
                out.append(f"人员 {inspector_id} 不在候选名单")
                continue
            loads[inspector_id] += 1
            if ins[3] not in ("", o[4]):
                out.append(f"人员 {inspector_id} 区域不覆盖对象 {object_id}")
            if ins[4] and o[3] not in ins[4]:
                out.append(f"人员 {inspector_id} 行业不符对象 {object_id}")
            if (inspector_id, object_id) in related:
                out.append(f"人员 {inspector_id} 与对象 {object_id} 有利害关系")
    return out
