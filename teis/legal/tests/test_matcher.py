"""The legal-basis matcher: proposals for legacy codes, suspected mismatches, stored suggestions."""

from __future__ import annotations

import pytest

from teis.legal import matcher
from teis.legal.demo import codes as demo_codes
from teis.legal.demo.loader import current_provisions, law_metadata, load_demo, resolve
from teis.legal.models import BasisSuggestion, Law, Provision, ViolationCode

from .test_demo_data import business_lines  # noqa: F401


@pytest.fixture
def demo(business_lines):  # noqa: F811
    load_demo()
    laws = {m["key"]: Law.objects.get(name=m["name"]) for m in law_metadata()}
    return {key: current_provisions(law) for key, law in laws.items()}


def truth(provisions) -> dict[str, set[int]]:
    out = {}
    for spec in demo_codes.code_specs():
        if spec.legacy:
            out[spec.code] = {resolve(r, provisions).pk for r in spec.violated + spec.penalty}
    return out


def test_find_refs_attributes_articles_to_the_last_named_law(demo):
    laws = sorted(Law.objects.values_list("pk", "name"))
    road = Law.objects.get(name="中华人民共和国道路运输条例").pk
    named, refs = matcher.find_refs("违反《道路运输条例》第33条，依据第六十八条、第六十九条第（二）项处罚", laws)
    assert named == {road}
    assert refs == [
        matcher.Ref(road, 33, None, None),
        matcher.Ref(road, 68, None, None),
        matcher.Ref(road, 69, 1, 2),
    ]


def test_proposes_the_cited_provisions_of_legacy_codes(demo):
    expected = truth(demo)
    trained = matcher.train()
    legacy = list(matcher.legacy_codes())
    assert len(legacy) == len(expected)
    hits = 0
    for code in legacy:
        proposals = matcher.propose(code, top_k=3, matcher=trained)
        assert len(proposals) == 3
        assert all(0.0 <= p <= 1.0 for _, p in proposals)
        hits += proposals[0][0].pk in expected[code.code]
    assert hits >= 0.9 * len(legacy)
    # a specific one: 本市条例 拒载 → 第二十条第一款第（二）项 or 第四十四条第一款
    code = ViolationCode.objects.get(code="CZ0402")
    top = {p.pk for p, _ in matcher.propose(code, top_k=2, matcher=trained)}
    assert top == expected["CZ0402"]


def test_training_is_deterministic(demo):
    code = ViolationCode.objects.get(code="CZ0401")
    first = [(p.pk, round(prob, 6)) for p, prob in matcher.propose(code, top_k=5)]
    second = [(p.pk, round(prob, 6)) for p, prob in matcher.propose(code, top_k=5)]
    assert first == second


def test_flags_a_deliberately_wrong_link(demo):
    before = matcher.find_suspected_mismatches()
    assert [s for s in before if s.code.code in ("CZ0101", "HY0105")] == []
    assert len(before) <= 12  # the demo links are consistent: few false alarms (of ~230 links)
    wrong = demo["hw"]["a77"]  # 公路法 路面污染 — nothing to do with taxis
    code = ViolationCode.objects.get(code="CZ0101")  # 巡游出租汽车驾驶员拒载
    code.penalty_provisions.set([wrong])
    code.legacy_basis_text = "依据《巡游出租汽车经营服务管理规定》第四十九条第（一）项处罚"
    code.save()
    other = ViolationCode.objects.get(code="HY0105")  # 货运经营者非法转让、出租道路运输许可证件
    other.violated_provisions.set([demo["hw"]["a46"]])
    suspects = matcher.find_suspected_mismatches()
    mine = [s for s in suspects if s.code.code == "CZ0101"]
    assert any(s.provision == wrong for s in mine)
    assert any(s.provision is None and "第四十九条" in s.reason for s in mine)
    assert any(s.code.code == "HY0105" and s.provision == demo["hw"]["a46"] for s in suspects)


def test_store_suggestions_replaces_unreviewed_and_keeps_reviewed(demo):
    counts = matcher.do_store_suggestions(None, top_k=2)
    assert counts["proposals"] == 2 * len(list(matcher.legacy_codes()))
    reviewed = BasisSuggestion.objects.filter(suspected_mismatch=False).first()
    reviewed.accepted = True
    reviewed.save()
    again = matcher.do_store_suggestions(None, top_k=2)
    assert again["proposals"] == counts["proposals"] - 1
    assert BasisSuggestion.objects.filter(pk=reviewed.pk, accepted=True).exists()
    assert (
        BasisSuggestion.objects.filter(accepted__isnull=True, suspected_mismatch=False).count()
        == counts["proposals"] - 1
    )
    assert Provision.objects.filter(pk__in=BasisSuggestion.objects.values("provision")).exists()
