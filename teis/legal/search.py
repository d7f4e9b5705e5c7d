"""Chinese full-text search over provisions, portable across SQLite and PostgreSQL.

Texts are cut with jieba (`lcut_for_search`: whole words and their sub-words) into `ProvisionToken` rows, one
per (provision, token) with the token's count as weight. A query is cut with `lcut` into words; a provision
matches when it holds every word (AND) and ranks by the summed weights. A query word no provision holds (cut
differently in context) is replaced by its own sub-words. No database-specific full-text feature is used.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, F, Q, Sum

from .choices import ProvisionLevel
from .models import Law, LawVersion, Provision, ProvisionToken

MAX_QUERY_LENGTH = 100
MAX_TOKEN_LENGTH = 40
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
WORD_RE = re.compile(r"[\w\u3400-\u9fff\uf900-\ufaff]")
HEADING_LEVELS = {ProvisionLevel.PART, ProvisionLevel.CHAPTER, ProvisionLevel.SECTION}

_jieba = None
_jieba_lock = threading.Lock()


def jieba_module():
    """jieba, initialised once per process with its logging silenced."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def _keep(token: str) -> bool:
    return 2 <= len(token) <= MAX_TOKEN_LENGTH and bool(WORD_RE.search(token)) and not token.isspace()


def index_tokens(text: str) -> Counter:
    """{token: count} of a text for the index: jieba search-mode words of two characters or more."""
    if not text:
        return Counter()
    tokens = (t.strip().lower() for t in jieba_module().lcut_for_search(text))
    return Counter(t for t in tokens if _keep(t))


def query_words(query: str) -> list[str]:
    """The words of a query (two characters or more); a one-character query is that character."""
    query = (query or "").strip()
    if len(query) == 1:
        return [query.lower()] if WORD_RE.match(query) else []
    words: list[str] = []
    for w in jieba_module().lcut(query):
        w = w.strip().lower()
        if _keep(w) and w not in words:
            words.append(w)
        elif len(w) > MAX_TOKEN_LENGTH:
            words.extend(t for t in index_tokens(w) if t not in words)
    return words


def _indexed_text(provision, parent_text: str | None) -> str:
    if provision.level in HEADING_LEVELS:
        return provision.title
    # a single paragraph repeats its article: index the article only
    if parent_text is not None and provision.text == parent_text:
        return ""
    return provision.text


def index_version(version: LawVersion, provisions: Iterable[Provision] | None = None) -> int:
    """(Re)build the tokens of one version's provisions; returns the number of token rows."""
    provisions = list(provisions if provisions is not None else version.provisions.all())
    ProvisionToken.objects.filter(provision__version=version).delete()
    texts = {p.pk: p.text for p in provisions}
    rows = []
    for p in provisions:
        parent_text = texts.get(p.parent_id) if p.parent_id else None
        text = _indexed_text(p, parent_text)
        for token, count in index_tokens(text).items():
            rows.append(ProvisionToken(token=token, provision_id=p.pk, law_id=p.law_id, weight=min(count, 1000)))
    ProvisionToken.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def rebuild_index() -> int:
    total = 0
    for version in LawVersion.objects.all():
        total += index_version(version)
    return total


def _law_filter(prefix: str, *, effect_level, validity, date_from, date_to, law_name) -> Q:
    q = Q()
    if effect_level:
        q &= Q(**{f"{prefix}effect_level": effect_level})
    if validity:
        q &= Q(**{f"{prefix}validity": validity})
    if date_from:
        q &= Q(**{f"{prefix}promulgated_on__gte": date_from})
    if date_to:
        q &= Q(**{f"{prefix}promulgated_on__lte": date_to})
    if law_name:
        q &= Q(**{f"{prefix}name__icontains": law_name})
    return q


def search_provisions(
    query: str,
    *,
    effect_level: str | None = None,
    validity: str | None = None,
    date_from=None,
    date_to=None,
    law_name: str | None = None,
    current_only: bool = True,
    limit: int = 50,
) -> list[tuple[Provision, int]]:
    """Provisions holding every word of the query, best first, with their scores.

    Filters apply to the law (效力级别, 时效性, 颁布日期 range, name); `current_only` keeps the current
    version of each law.
    """
    words = query_words(query)
    if not words:
        return []
    law_q = _law_filter(
        "law__",
        effect_level=effect_level,
        validity=validity,
        date_from=date_from,
        date_to=date_to,
        law_name=law_name,
    )
    if len(words) == 1 and len(words[0]) == 1:
        return _search_single_char(words[0], law_q, current_only, limit)

    groups: list[list[str]] = []
    for w in words:
        if ProvisionToken.objects.filter(token=w).exists():
            groups.append([w])
            continue
        subs = [t for t in index_tokens(w) if t != w]
        if not subs:
            return []
        groups.extend([t] for t in subs if [t] not in groups)
    tokens = sorted({t for g in groups for t in g})

    qs = ProvisionToken.objects.filter(token__in=tokens)
    if law_q:
        law_filter = _law_filter(
            "",
            effect_level=effect_level,
            validity=validity,
            date_from=date_from,
            date_to=date_to,
            law_name=law_name,
        )
        qs = qs.filter(law_id__in=list(Law.objects.filter(law_filter).values_list("pk", flat=True)))
    if current_only:
        version_ids = [v for v in Law.objects.values_list("current_version_id", flat=True) if v]
        qs = qs.filter(provision__version_id__in=version_ids)
    rows = list(
        qs.values("provision_id")
        .annotate(n=Count("id"), score=Sum("weight"))
        .filter(n=len(tokens))
        .order_by("-score", "provision_id")[:limit]
    )
    return _materialise([(r["provision_id"], r["score"]) for r in rows])


def _search_single_char(char: str, law_q: Q, current_only: bool, limit: int) -> list[tuple[Provision, int]]:
    qs = Provision.objects.filter(Q(text__contains=char) | Q(title__contains=char)).filter(law_q)
    if current_only:
        version_ids = [v for v in Law.objects.values_list("current_version_id", flat=True) if v]
        qs = qs.filter(version_id__in=version_ids)
    qs = qs.exclude(level=ProvisionLevel.PARAGRAPH, text=F("parent__text"))
    pks = list(qs.order_by("law_id", "order").values_list("pk", flat=True)[:limit])
    return _materialise([(pk, 1) for pk in pks])


def _materialise(scored: list[tuple[int, int]]) -> list[tuple[Provision, int]]:
    objs = Provision.objects.select_related("law", "version").in_bulk([pk for pk, _ in scored])
    return [(objs[pk], score) for pk, score in scored if pk in objs]


def provision_url(provision: Provision) -> str:
    """The tree page of the provision's version, scrolled to the provision."""
    from django.urls import reverse

    url = reverse("legal:law_tree", args=[provision.law_id])
    return f"{url}?version={provision.version.number}#p-{provision.stable_id}"


def suggest(prefix: str, limit: int = 10) -> list[dict]:
    """搜索提示: law names containing the text, then frequent indexed words starting with it."""
    prefix = (prefix or "").strip().lower()
    if not prefix:
        return []
    out: list[dict] = []
    for law_id, name in Law.objects.filter(name__icontains=prefix).order_by("name").values_list("pk", "name")[:limit]:
        out.append({"text": name, "kind": "law", "law_id": law_id})
    remaining = limit - len(out)
    if remaining > 0:
        qs = ProvisionToken.objects.filter(token__startswith=prefix)
        if connection.vendor == "sqlite":
            # SQLite's LIKE cannot use the index; a range on the same column can (binary collation)
            qs = qs.filter(token__gte=prefix, token__lt=prefix + "\U0010ffff")
        rows = qs.values("token").annotate(n=Count("id")).order_by("-n", "token")[:remaining]
        out.extend({"text": r["token"], "kind": "word", "count": r["n"]} for r in rows)
    return out
