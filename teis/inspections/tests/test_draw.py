"""The draw as a pure function: unbiased among equal candidates, faithful to configured class weights,
reproducible, never violating a constraint, refusing infeasible rules with the objects named."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from teis.core.crypto import sm3_digest
from teis.inspections import draw

SEEDS = [sm3_digest(b"teis-chi-square-" + str(i).encode()) for i in range(10_000)]
ALPHA = 0.001


def objects(n, classes=None, industry="ind", district="310115"):
    classes = classes or ["low"] * n
    return [[i + 1, f"CODE{i + 1:04d}", f"对象{i + 1}", industry, district, classes[i], "A"] for i in range(n)]


def inspectors(n, district="", industries=()):
    return [[100 + j, f"人员{j}", 1, district, list(industries)] for j in range(n)]


def rules(**kw):
    base = {"count": 1, "percent": None, "weight_attribute": "", "class_weights": {}, "inspectors_per_object": 2}
    base.update(kw)
    return base


def test_equal_candidates_are_drawn_uniformly():
    candidates = {"objects": objects(10), "inspectors": inspectors(6), "relations": []}
    first, pairs = Counter(), Counter()
    for seed in SEEDS:
        result = draw.run_draw(seed, candidates, rules())
        first[result["objects"][0]] += 1
        for i in result["assignments"][0][1]:
            pairs[i] += 1
    assert chisquare([first[i] for i in range(1, 11)]).pvalue > ALPHA
    # inspectors too: 2 of 6 equally loaded inspectors per draw
    assert chisquare([pairs[100 + j] for j in range(6)]).pvalue > ALPHA


def test_weighted_classes_follow_configured_ratios():
    classes = ["high"] * 2 + ["medium"] * 3 + ["low"] * 5
    weights = {"high": 3, "medium": 2, "low": 1}
    candidates = {"objects": objects(10, classes), "inspectors": inspectors(4), "relations": []}
    r = rules(weight_attribute="risk_level", class_weights=weights)
    counts = Counter(draw.run_draw(seed, candidates, r)["objects"][0] for seed in SEEDS)
    w = [weights[c] for c in classes]
    expected = [len(SEEDS) * x / sum(w) for x in w]
    observed = [counts[i] for i in range(1, 11)]
    assert chisquare(observed, expected).pvalue > ALPHA
    by_class = Counter(classes[o - 1] for o, n in counts.items() for _ in range(n))
    # a high-risk object is drawn three times as often as a low-risk one
    assert by_class["high"] / 2 == pytest.approx(3 * by_class["low"] / 5, rel=0.1)


def test_same_inputs_same_result_and_other_seed_differs():
    candidates = {"objects": objects(50), "inspectors": inspectors(8), "relations": [[100, 1], [101, 2]]}
    r = rules(count=10)
    a = draw.run_draw(SEEDS[0], candidates, r)
    assert draw.run_draw(SEEDS[0], candidates, r) == a
    assert draw.run_draw(SEEDS[0], candidates, r) == draw.run_draw(bytes(SEEDS[0]), candidates, dict(r))
    assert draw.run_draw(SEEDS[1], candidates, r) != a
    assert not draw.violations(candidates, r, a)


def test_known_answer_pins_the_algorithm():
    """A change of the DRBG, the key rule or the assignment would make published draws unverifiable."""
    candidates = {"objects": objects(20), "inspectors": inspectors(5), "relations": []}
    result = draw.run_draw(bytes(range(32)), candidates, rules(count=3))
    assert draw.drbg_words(bytes(range(32)), "objects", 1)[0] == int.from_bytes(
        sm3_digest(bytes(range(32)) + b"teis-draw-v1objects" + (0).to_bytes(8, "big"))[:8], "big"
    )
    assert len(result["objects"]) == 3
    assert result == draw.run_draw(bytes(range(32)), candidates, rules(count=3))


def test_percent_rounds_up():
    assert draw.draw_size({"count": None, "percent": "10.00"}, 95) == 10
    assert draw.draw_size({"count": None, "percent": "12.50"}, 8) == 1


def test_infeasible_names_constraint_and_objects():
    objs = objects(3, district="310115") + [[9, "CODE0009", "远郊物流公司", "ind", "310151", "low", "A"]]
    candidates = {"objects": objs, "inspectors": inspectors(3, district="310115"), "relations": [[100, 1], [101, 1]]}
    with pytest.raises(draw.DrawInfeasible) as exc:
        draw.run_draw(SEEDS[0], candidates, rules(count=2))
    message = str(exc.value)
    assert "可选检查人员不足 2 名" in message
    assert "远郊物流公司（CODE0009）" in message and "对象1（CODE0001）" in message
    assert "对象2" not in message
    with pytest.raises(draw.DrawInfeasible, match="超过"):
        draw.check_feasible({"objects": objects(2), "inspectors": inspectors(4), "relations": []}, rules(count=5))
    with pytest.raises(draw.DrawInfeasible, match="至少须抽取 2 名"):
        draw.check_feasible({"objects": objects(2), "inspectors": inspectors(4)}, rules(inspectors_per_object=1))


DISTRICTS = ["310101", "310104", "310115"]
INDUSTRIES = ["a", "b"]


@st.composite
def scenarios(draw_):
    n_obj = draw_(st.integers(1, 25))
    objs = [
        [
            i + 1,
            f"C{i + 1:03d}",
            f"对象{i + 1}",
            draw_(st.sampled_from(INDUSTRIES)),
            draw_(st.sampled_from(DISTRICTS)),
            draw_(st.sampled_from(["low", "medium", "high"])),
            draw_(st.sampled_from("ABCD")),
        ]
        for i in range(n_obj)
    ]
    n_ins = draw_(st.integers(0, 14))
    ins = [
        [
            100 + j,
            f"人员{j}",
            1,
            draw_(st.sampled_from(["", *DISTRICTS])),
            sorted(draw_(st.sets(st.sampled_from(INDUSTRIES)))),
        ]
        for j in range(n_ins)
    ]
    rel = sorted(
        {
            (100 + draw_(st.integers(0, max(n_ins - 1, 0))), draw_(st.integers(1, n_obj)))
            for _ in range(draw_(st.integers(0, 10)))
        }
    )
    relations = [list(r) for r in rel] if n_ins else []
    r = rules(
        count=draw_(st.integers(1, n_obj)),
        inspectors_per_object=draw_(st.integers(2, 3)),
        weight_attribute=draw_(st.sampled_from(["", "risk_level", "credit_rating"])),
    )
    if r["weight_attribute"] == "risk_level":
        r["class_weights"] = {"high": draw_(st.integers(1, 5)), "low": 1}
    seed = draw_(st.binary(min_size=32, max_size=32))
    return seed, {"objects": objs, "inspectors": ins, "relations": relations}, r


def eligible_brute_force(candidates, o) -> int:
    related = {(i, ob) for i, ob in candidates["relations"]}
    return sum(
        1
        for ins in candidates["inspectors"]
        if ins[3] in ("", o[4]) and (not ins[4] or o[3] in ins[4]) and (ins[0], o[0]) not in related
    )


@settings(max_examples=300)
@given(scenarios())
def test_constraints_are_never_violated(scenario):
    seed, candidates, r = scenario
    k = r["inspectors_per_object"]
    feasible = all(eligible_brute_force(candidates, o) >= k for o in candidates["objects"])
    try:
        result = draw.run_draw(seed, candidates, r)
    except draw.DrawInfeasible:
        assert not feasible
        return
    assert feasible
    assert draw.violations(candidates, r, result) == []
    assert len(result["objects"]) == r["count"]
    assert result == draw.run_draw(seed, candidates, r)
    # workload balanced: each object gets the least-loaded eligible inspectors at that moment
    related = {(i, ob) for i, ob in candidates["relations"]}
    objs = {o[0]: o for o in candidates["objects"]}
    load = dict.fromkeys((i[0] for i in candidates["inspectors"]), 0)
    for object_id, chosen in result["assignments"]:
        o = objs[object_id]
        eligible = {
            ins[0]
            for ins in candidates["inspectors"]
            if ins[3] in ("", o[4]) and (not ins[4] or o[3] in ins[4]) and (ins[0], object_id) not in related
        }
        others = eligible - set(chosen)
        if others:
            assert max(load[i] for i in chosen) <= min(load[i] for i in others)
        for i in chosen:
            load[i] += 1
