"""Legal-basis matcher (spec §2.5.1.13): proposes the provisions a legacy violation code's free-text basis
cites, and lists linked codes whose links look wrong.

For a (code, provision) pair the features are: TF-IDF cosine (jieba tokens) between the code's text (name +
basis text) and the provision (citation + text), the same cosine against the provision's whole article, the
pair's cosine rank among all candidates, whether the text names the provision's law, whether it cites the
provision's article, whether it cites exactly this node (article / 款 / 项), whether the node lies under a
cited node, and the node's level. A `RandomForestClassifier` (fixed random_state) decides match / no match;
it is trained on demand on the codes already linked — each once with a basis text rendered from its links
and once with its name alone, so that it also learns from the words — with negatives drawn from the same
article, the same law and other laws. No model file is shipped and nothing is downloaded.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Q

from .choices import ProvisionLevel
from .models import BasisSuggestion, Law, Provision, ViolationCode

CANDIDATE_LEVELS = (ProvisionLevel.ARTICLE, ProvisionLevel.PARAGRAPH, ProvisionLevel.ITEM, ProvisionLevel.SUB_ITEM)
LEVEL_DEPTH = {
    ProvisionLevel.ARTICLE: 0,
    ProvisionLevel.PARAGRAPH: 1,
    ProvisionLevel.ITEM: 2,
    ProvisionLevel.SUB_ITEM: 3,
}
RANDOM_STATE = 0
MISMATCH_THRESHOLD = 0.05
MISMATCH_RELATIVE = 0.25
NUM = "零〇一二两三四五六七八九十百千0-9"
REF_RE = re.compile(
    rf"第([{NUM}]+)条(?:之[{NUM}]+)?"
    rf"(?:第([{NUM}]+)款)?"
    rf"(?:第?[（(]([{NUM}]+)[）)]项|第([{NUM}]+)项)?"
)
LAW_PREFIXES = ("中华人民共和国",)


# --- citations in free text -------------------------------------------------------------------------------


def _number(text: str | None) -> int | None:
    if not text:
        return None
    from .parser import cn_to_int

    try:
        return cn_to_int(text)
    except ValueError:
        return None


def short_name(name: str) -> str:
    for prefix in LAW_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass(frozen=True)
class Ref:
    """A citation found in text: law (None: not named), article, paragraph, item (normalised: an item
    without a paragraph is the item of paragraph 1)."""

    law_id: int | None
    article: int
    paragraph: int | None
    item: int | None

    @property
    def depth(self) -> int:
        return 2 if self.item is not None else (1 if self.paragraph is not None else 0)


def find_refs(text: str, laws: Sequence[tuple[int, str]]) -> tuple[set[int], list[Ref]]:
    """Laws named in `text` and the article references, each attributed to the law named last before it."""
    mentions: list[tuple[int, int]] = []  # (position, law id)
    for law_id, name in laws:
        for variant in {name, short_name(name)}:
            if len(variant) < 4:
                continue
            for m in re.finditer(re.escape(variant), text):
                mentions.append((m.start(), law_id))
    mentions.sort()
    named = {law_id for _, law_id in mentions}
    refs: list[Ref] = []
    for m in REF_RE.finditer(text):
        article = _number(m.group(1))
        if article is None:
            continue
        before = [law_id for pos, law_id in mentions if pos < m.start()]
        law_id = before[-1] if before else None
        paragraph = _number(m.group(2))
        item = _number(m.group(3) or m.group(4))
        if item is not None and paragraph is None:
            paragraph = 1
        refs.append(Ref(law_id, article, paragraph, item))
    return named, refs


def key_path(key: str) -> tuple[int, int | None, int | None, int | None] | None:
    """Parser key "a63.1.2" → (63, 1, 2, None); None for non-article keys."""
    if not key.startswith("a"):
        return None
    parts = key[1:].split(".")
    try:
        article = int(parts[0].split("-")[0])
        rest = [int(p) for p in parts[1:]]
    except ValueError:
        return None
    rest += [None] * (3 - len(rest))
    return (article, rest[0], rest[1], rest[2])


# --- rendering a basis text from provisions ----------------------------------------------------------------

CN_DIGIT_RE = re.compile(rf"第([{NUM}]+)(条|款|项)")


def _split_citation(citation: str) -> tuple[str, str]:
    m = re.match(r"《([^》]+)》(.*)", citation)
    return (m.group(1), m.group(2)) if m else ("", citation)


def _arabic(rest: str) -> str:
    def repl(m: re.Match) -> str:
        n = _number(m.group(1))
        return f"第{n}{m.group(2)}" if n is not None else m.group(0)

    rest = CN_DIGIT_RE.sub(repl, rest)
    return re.sub(r"第（([^）]+)）项", lambda m: f"第({_number(m.group(1)) or m.group(1)})项", rest)


def render_basis_text(violated: Sequence[Provision], penalty: Sequence[Provision], style: int = 0) -> str:
    """A free-text legal basis in one of the styles found in old code tables (deterministic by `style`)."""
    style %= 4
    v = [_split_citation(p.citation) for p in violated]
    pn = [_split_citation(p.citation) for p in penalty]

    def fmt(items: list[tuple[str, str]], *, short: bool = False, arabic: bool = False, brackets: bool = True) -> str:
        out = []
        for law, rest in items:
            name = short_name(law) if short else law
            rest = _arabic(rest) if arabic else rest
            out.append(f"《{name}》{rest}" if brackets else f"{name}{rest}")
        return "、".join(out)

    if style == 0:
        text = f"违反{fmt(v)}的规定" if v else "违反相关规定"
        return text + (f"，依据{fmt(pn)}的规定处罚。" if pn else "。")
    if style == 1:
        head = f"违反{fmt(v, short=True, arabic=True)}" if v else ""
        tail = f"依据{fmt(pn, short=True, arabic=True)}" if pn else ""
        return "；".join(x for x in (head, tail) if x)
    if style == 2:
        text = f"违反{fmt(v)}" if v else ""
        if pn:
            same_law = v and all(law == v[0][0] for law, _ in pn)
            tail = "、".join(rest for _, rest in pn) if same_law else fmt(pn)
            text += ("，" if text else "") + f"依据{tail}处罚"
        return text
    # style 3: only the penalty basis, without book-title marks
    return f"处罚依据：{fmt(pn or v, brackets=False)}"


# --- the model ----------------------------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [t for t in jieba.lcut(text) if t.strip() and not re.fullmatch(r"[\W_]+", t)]


@dataclass
class Candidate:
    provision: Provision
    law_id: int
    path: tuple[int, int | None, int | None, int | None]
    depth: int


def code_text(code: ViolationCode, basis: str | None = None) -> str:
    basis = code.legacy_basis_text if basis is None else basis
    return f"{code.name}。{basis}".strip("。")


class BasisMatcher:
    """Trained on demand on the linked codes; scores (code text, provision) pairs."""

    def __init__(self, provisions: Iterable[Provision] | None = None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        if provisions is None:
            current = Law.objects.exclude(current_version=None).values_list("current_version_id", flat=True)
            provisions = (
                Provision.objects.filter(version_id__in=list(current), level__in=CANDIDATE_LEVELS)
                .select_related("law")
                .order_by("law_id", "order")
            )
        self.candidates: list[Candidate] = []
        for p in provisions:
            path = key_path(p.key)
            if path is not None and p.level in LEVEL_DEPTH:
                self.candidates.append(Candidate(p, p.law_id, path, LEVEL_DEPTH[p.level]))
        self.index = {c.provision.pk: i for i, c in enumerate(self.candidates)}
        self.laws = sorted({(c.law_id, c.provision.law.name) for c in self.candidates})
        article_text: dict[tuple[int, int], list[str]] = {}
        for c in self.candidates:
            article_text.setdefault((c.law_id, c.path[0]), []).append(c.provision.text)
        self.vectorizer = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, sublinear_tf=True)
        texts = [f"{c.provision.citation} {c.provision.title} {c.provision.text}" for c in self.candidates]
        self.prov_matrix = self.vectorizer.fit_transform(texts)
        self.article_matrix = self.vectorizer.transform(
            [" ".join(article_text[(c.law_id, c.path[0])]) for c in self.candidates]
        )
        self.model = None

    # features of one code text against every candidate: (n_candidates, n_features)
    def features(self, text: str) -> np.ndarray:
        vec = self.vectorizer.transform([text])
        cos = (self.prov_matrix @ vec.T).toarray().ravel()
        cos_article = (self.article_matrix @ vec.T).toarray().ravel()
        order = np.argsort(-cos, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        named, refs = find_refs(text, self.laws)
        n = len(self.candidates)
        law_named = np.zeros(n)
        article_cited = np.zeros(n)
        exact = np.zeros(n)
        under = np.zeros(n)
        depth = np.zeros(n)
        for i, c in enumerate(self.candidates):
            depth[i] = c.depth
            law_named[i] = c.law_id in named
            for ref in refs:
                if ref.law_id not in (None, c.law_id) or ref.article != c.path[0]:
                    continue
                # a reference without a named law counts for half
                weight = 1.0 if ref.law_id == c.law_id else 0.5
                article_cited[i] = max(article_cited[i], weight)
                cited = (ref.paragraph, ref.item)
                mine = (c.path[1], c.path[2])
                if ref.depth == c.depth and cited[: ref.depth] == mine[: ref.depth]:
                    exact[i] = max(exact[i], weight)
                elif c.depth > ref.depth and cited[: ref.depth] == mine[: ref.depth]:
                    under[i] = max(under[i], weight)
        return np.column_stack(
            [cos, cos_article, 1.0 / (1.0 + rank), law_named, article_cited, exact, under, depth, np.full(n, len(refs))]
        )

    def fit(self, codes: Sequence[ViolationCode], basis_texts: dict[int, str] | None = None) -> BasisMatcher:
        """Train on linked codes. `basis_texts` {code pk: text} overrides the rendered basis."""
        from sklearn.ensemble import RandomForestClassifier

        rng = random.Random(RANDOM_STATE)
        rows, labels = [], []
        for i, code in enumerate(codes):
            positives = {p.pk for p in code.violated_provisions.all()} | {p.pk for p in code.penalty_provisions.all()}
            positives &= set(self.index)
            if not positives:
                continue
            linked = [self.candidates[self.index[pk]] for pk in sorted(positives)]
            basis = (basis_texts or {}).get(code.pk)
            if basis is None:
                basis = code.legacy_basis_text or render_basis_text(
                    list(code.violated_provisions.all()), list(code.penalty_provisions.all()), style=i
                )
            families = {(c.law_id, c.path[0]) for c in linked}
            laws = {c.law_id for c in linked}
            hard = [j for j, c in enumerate(self.candidates) if (c.law_id, c.path[0]) in families]
            same_law = [j for j, c in enumerate(self.candidates) if c.law_id in laws]
            chosen = set(hard) | set(rng.sample(same_law, min(10, len(same_law))))
            chosen |= set(rng.sample(range(len(self.candidates)), min(15, len(self.candidates))))
            chosen |= {self.index[pk] for pk in positives}
            idx = sorted(chosen)
            for text in (code_text(code, basis), code.name):
                feats = self.features(text)
                rows.append(feats[idx])
                labels.extend(int(self.candidates[j].provision.pk in positives) for j in idx)
        if not rows or len(set(labels)) < 2:
            raise ValueError("没有足够的已关联违章代码用于训练匹配模型")
        self.model = RandomForestClassifier(
            n_estimators=200, min_samples_leaf=2, random_state=RANDOM_STATE, n_jobs=1, class_weight="balanced"
        )
        self.model.fit(np.vstack(rows), np.array(labels))
        return self

    def probabilities(self, text: str) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("matcher not trained")
        return self.model.predict_proba(self.features(text))[:, 1]

    def propose_text(self, text: str, top_k: int = 5) -> list[tuple[Provision, float]]:
        probs = self.probabilities(text)
        cos = self.features_cos(text)
        order = sorted(range(len(probs)), key=lambda j: (-probs[j], -cos[j], j))[:top_k]
        return [(self.candidates[j].provision, float(probs[j])) for j in order]

    def features_cos(self, text: str) -> np.ndarray:
        vec = self.vectorizer.transform([text])
        return (self.prov_matrix @ vec.T).toarray().ravel()

    def tfidf_rank(self, text: str, top_k: int = 5) -> list[Provision]:
        """Baseline: nearest provisions by TF-IDF cosine alone."""
        cos = self.features_cos(text)
        order = sorted(range(len(cos)), key=lambda j: (-cos[j], j))[:top_k]
        return [self.candidates[j].provision for j in order]

    def probability(self, text: str, provision: Provision) -> float | None:
        j = self.index.get(provision.pk)
        return None if j is None else float(self.probabilities(text)[j])


# --- module API -------------------------------------------------------------------------------------------


def linked_codes():
    return (
        ViolationCode.objects.filter(is_current=True)
        .filter(Q(violated_provisions__isnull=False) | Q(penalty_provisions__isnull=False))
        .distinct()
        .prefetch_related("violated_provisions", "penalty_provisions")
        .order_by("code")
    )


def legacy_codes():
    return (
        ViolationCode.objects.filter(is_current=True, violated_provisions=None, penalty_provisions=None)
        .exclude(legacy_basis_text="")
        .order_by("code")
    )


def _cited_articles_missing(code: ViolationCode, m: BasisMatcher) -> list[Ref]:
    """References of the code's basis text (to a named law) that none of its links belongs to."""
    if not code.legacy_basis_text:
        return []
    _, refs = find_refs(code.legacy_basis_text, m.laws)
    links = list(code.violated_provisions.all()) + list(code.penalty_provisions.all())
    linked = {
        (m.candidates[m.index[p.pk]].law_id, m.candidates[m.index[p.pk]].path[0]) for p in links if p.pk in m.index
    }
    return [r for r in refs if r.law_id is not None and (r.law_id, r.article) not in linked]


def train() -> BasisMatcher:
    """A matcher trained on the current linked codes (a few seconds on the demo data). Codes whose basis text
    cites an article their links lack are left out: they are suspects, not teachers."""
    m = BasisMatcher()
    return m.fit([c for c in linked_codes() if not _cited_articles_missing(c, m)])


def propose(code: ViolationCode, top_k: int = 5, matcher: BasisMatcher | None = None) -> list[tuple[Provision, float]]:
    """The `top_k` provisions the code's text most probably cites, with the model's probability."""
    matcher = matcher or train()
    return matcher.propose_text(code_text(code), top_k)


@dataclass
class SuspectedMismatch:
    code: ViolationCode
    provision: Provision | None
    probability: float | None
    reason: str


def find_suspected_mismatches(threshold: float = MISMATCH_THRESHOLD, folds: int = 5) -> list[SuspectedMismatch]:
    """Linked codes whose links look wrong: a linked provision the model finds improbable for the code's text
    (scored out of fold: each code by a model trained on the other folds, so a wrong link cannot vouch for
    itself), or a basis text citing an article (of a named law) that none of the links belongs to."""
    base = BasisMatcher()
    codes = list(linked_codes())
    teachers = [c for c in codes if not _cited_articles_missing(c, base)]
    suspects_by_text = [c for c in codes if _cited_articles_missing(c, base)]
    scorer_of: dict[int, BasisMatcher] = {}
    for fold in range(folds):
        held = [c for i, c in enumerate(teachers) if i % folds == fold]
        if not held:
            continue
        m = BasisMatcher(c.provision for c in base.candidates)
        m.fit([c for i, c in enumerate(teachers) if i % folds != fold])
        scorer_of.update({c.pk: m for c in held})
    if suspects_by_text:
        full = BasisMatcher(c.provision for c in base.candidates).fit(teachers)
        scorer_of.update({c.pk: full for c in suspects_by_text})
    out: list[SuspectedMismatch] = []
    for code in codes:
        m = scorer_of[code.pk]
        probs = m.probabilities(code_text(code))
        best = float(probs.max()) if len(probs) else 0.0
        for p in list(code.violated_provisions.all()) + list(code.penalty_provisions.all()):
            j = m.index.get(p.pk)
            # improbable in absolute terms and far below the code's best candidate
            if j is not None and probs[j] < threshold and probs[j] <= MISMATCH_RELATIVE * best:
                reason = f"关联条款与违章行为描述匹配概率低（{probs[j]:.2f}）"
                out.append(SuspectedMismatch(code, p, float(probs[j]), reason))
        for ref in _cited_articles_missing(code, base):
            from .parser import int_to_cn

            law_name = next(name for law_id, name in base.laws if law_id == ref.law_id)
            reason = f"原法律依据引用《{law_name}》第{int_to_cn(ref.article)}条，但关联条款中没有该条"
            out.append(SuspectedMismatch(code, None, None, reason))
    return out


def do_store_suggestions(actor, top_k: int = 3, matcher: BasisMatcher | None = None) -> dict[str, int]:
    """Replace the unreviewed suggestions: top-k proposals for every legacy code, and a row per suspected
    mismatch. Reviewed rows (accepted set) stay. One transaction; audited."""
    from teis.audit import services as audit
    from teis.audit.choices import AuditAction

    matcher = matcher or train()
    proposals = [(code, matcher.propose_text(code_text(code), top_k)) for code in legacy_codes()]
    suspects = [s for s in find_suspected_mismatches() if s.provision is not None]
    with transaction.atomic():
        deleted, _ = BasisSuggestion.objects.filter(accepted__isnull=True).delete()
        reviewed = set(
            BasisSuggestion.objects.exclude(accepted__isnull=True).values_list("violation_code_id", "provision_id")
        )
        rows = [
            BasisSuggestion(violation_code=code, provision=p, probability=prob)
            for code, found in proposals
            for p, prob in found
            if (code.pk, p.pk) not in reviewed
        ]
        rows += [
            BasisSuggestion(
                violation_code=s.code, provision=s.provision, probability=s.probability or 0.0, suspected_mismatch=True
            )
            for s in suspects
            if (s.code.pk, s.provision.pk) not in reviewed
        ]
        BasisSuggestion.objects.bulk_create(rows)
        counts = {
            "proposals": sum(1 for r in rows if not r.suspected_mismatch),
            "suspected_mismatches": sum(1 for r in rows if r.suspected_mismatch),
            "replaced": deleted,
        }
        audit.record(
            actor,
            AuditAction.CREATE,
            None,
            object_type="legal.basissuggestion",
            object_repr="法律依据匹配建议",
            detail=counts,
        )
    return counts
