"""Laws and their texts: creating a law, importing a text as a new version, comparing versions, abolishing.

Every write is one transaction with an audit record. Importing parses first, so a text the parser cannot
place (`LawParseError`, a `ServiceError` naming the line) leaves nothing behind.

Amendments: a provision of the previous version whose key is gone is ABOLISHED, one whose text changed is
AMENDED; each is handed to `warnings.flag_citing` (the legal-change warning), when that module exists.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model, Q
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import GenericService, ServiceError, generic_service

from ..choices import ProvisionStatus, Validity
from ..models import Law, LawVersion, Provision
from ..parser import ParsedLaw, parse_law_text

MAX_TEXT_CHARS = 2_000_000


def _flag_citing() -> Callable[..., list[Any]] | None:
    """`warnings.flag_citing`, or None while that module is not there."""
    try:
        from .warnings import flag_citing
    except ImportError:
        return None
    return flag_citing


def do_create_law(actor: Any, data: dict[str, Any]) -> Law:
    """Create a law (no text yet; import one with `do_import_version`). Audited."""
    try:
        return cast(Law, generic_service.do_create(actor, Law, data))
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        raise ServiceError("invalid", "法律法规信息有误。", fields) from exc


def check_law_text(text: str, name: str) -> ParsedLaw:
    if not text or not text.strip():
        raise ServiceError("empty_text", "正文不能为空。", {"text": ["正文不能为空"]})
    if len(text) > MAX_TEXT_CHARS:
        raise ServiceError("text_too_long", "正文过长（超过 200 万字）。", {"text": ["正文过长"]})
    parsed = parse_law_text(text, name=name)
    if not any(n.level == "article" for n in parsed.nodes):
        raise ServiceError("no_articles", "正文中没有找到任何条（应以“第一条”等开头）。", {"text": ["没有找到任何条"]})
    return parsed


def do_import_version(
    actor: Any,
    law: Law,
    text: str,
    *,
    label: str,
    effective_from: dt.date | None,
    note: str = "",
) -> LawVersion:
    """Parse `text` and store it as the law's next version with all its provisions.

    One transaction: the new version and its provisions (stable ids carried over by key), the previous
    version and its provisions closed the day before, changed provisions marked AMENDED / ABOLISHED and
    flagged, the law's current version and validity set, the search index built, an audit record.
    """
    from .. import search

    label = (label or "").strip()
    if not label:
        raise ServiceError("label_required", "请填写版本名称（如：2019年修正）。", {"label": ["请填写版本名称"]})
    if len(label) > 100:
        raise ServiceError("label_too_long", "版本名称不能超过 100 字。", {"label": ["不能超过 100 字"]})
    parsed = check_law_text(text, law.name)
    for node in parsed.nodes:
        if len(node.citation) > 300:
            raise ServiceError("citation_too_long", "法规名称过长，条款引用名超过 300 字。")
    today = timezone.localdate()

    with transaction.atomic():
        law = Law.objects.select_for_update().get(pk=law.pk)
        previous = law.current_version or law.versions.order_by("-number").first()
        if (
            previous is not None
            and effective_from
            and previous.effective_from
            and effective_from <= previous.effective_from
        ):
            raise ServiceError(
                "effective_from_too_early",
                f"施行日期应晚于上一版本（{previous.label}）的施行日期 {previous.effective_from:%Y-%m-%d}。",
                {"effective_from": ["应晚于上一版本的施行日期"]},
            )
        number = (law.versions.aggregate(m=Max("number"))["m"] or 0) + 1
        version = LawVersion.objects.create(
            law=law,
            number=number,
            label=label,
            effective_from=effective_from,
            note=note,
            source_text=text,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        old_by_key = {p.key: p for p in previous.provisions.all()} if previous else {}
        provisions = _create_provisions(law, version, parsed, old_by_key, actor)

        changed: list[tuple[Provision, str]] = []
        if previous is not None:
            closing = (effective_from - dt.timedelta(days=1)) if effective_from else today
            previous.effective_to = closing
            previous.save(update_fields=["effective_to"])
            new_text = {p.key: (p.title, p.text) for p in provisions}
            for key, old in old_by_key.items():
                if key not in new_text:
                    changed.append((old, ProvisionStatus.ABOLISHED))
                elif new_text[key] != (old.title, old.text):
                    changed.append((old, ProvisionStatus.AMENDED))
            previous.provisions.filter(effective_to__isnull=True).update(effective_to=closing)
            for status in (ProvisionStatus.AMENDED, ProvisionStatus.ABOLISHED):
                pks = [p.pk for p, s in changed if s == status]
                if pks:
                    Provision.objects.filter(pk__in=pks).update(status=status)

        before = {
            "现行版本": str(law.current_version) if law.current_version else None,
            "时效性": law.validity,
            "篇头": law.preamble,
        }
        if parsed.preamble:  # the preamble belongs to the text: "根据……修正" grows with each amendment
            law.preamble = parsed.preamble
        law.current_version = version
        law.validity = Validity.NOT_YET if effective_from and effective_from > today else Validity.IN_FORCE
        if previous is None and effective_from and not law.effective_on:
            law.effective_on = effective_from
        law.save(update_fields=["current_version", "validity", "effective_on", "preamble", "updated_at"])
        search.index_version(version, provisions)
        audit.record(
            actor,
            AuditAction.CREATE,
            version,
            changes={"版本": [None, label], "施行日期": [None, str(effective_from or "")]},
            detail={
                "law": law.pk,
                "number": number,
                "provisions": len(provisions),
                "amended": sum(1 for _, s in changed if s == ProvisionStatus.AMENDED),
                "abolished": sum(1 for _, s in changed if s == ProvisionStatus.ABOLISHED),
            },
        )
        audit.record(
            actor,
            AuditAction.UPDATE,
            law,
            changes=audit.diff(before, {"现行版本": str(version), "时效性": law.validity, "篇头": law.preamble}),
        )
        _flag(changed, actor)
    return version


def _create_provisions(
    law: Law, version: LawVersion, parsed: ParsedLaw, old_by_key: dict[str, Provision], actor: Any
) -> list[Provision]:
    """Bulk-create the version's provisions level by level, so each parent has its id before its children."""
    by_key: dict[str, Provision] = {}
    depth: dict[str, int] = {}
    rows: list[list[Provision]] = []
    creator = actor if getattr(actor, "is_authenticated", False) else None
    for node in parsed.nodes:
        d = depth[node.parent_key] + 1 if node.parent_key else 0
        depth[node.key] = d
        old = old_by_key.get(node.key)
        p = Provision(
            law=law,
            version=version,
            level=node.level,
            number=node.number,
            label=node.label,
            title=node.title,
            text=node.text,
            order=node.order,
            key=node.key,
            stable_id=old.stable_id if old else uuid.uuid4().hex,
            citation=node.citation,
            has_children=node.has_children,
            status=ProvisionStatus.IN_FORCE,
            effective_from=version.effective_from,
            created_by=creator,
        )
        by_key[node.key] = p
        while len(rows) <= d:
            rows.append([])
        rows[d].append(p)
    parent_key = {n.key: n.parent_key for n in parsed.nodes}
    for level_rows in rows:
        for p in level_rows:
            pk = parent_key[p.key]
            if pk:
                p.parent = by_key[pk]
        Provision.objects.bulk_create(level_rows, batch_size=1000)
    if any(p.pk is None for p in by_key.values()):  # a backend that does not return ids
        ids = dict(Provision.objects.filter(version=version).values_list("key", "pk"))
        for p in by_key.values():
            p.pk = p.id = ids[p.key]
    return [by_key[n.key] for n in parsed.nodes]


def _flag(changed: list[tuple[Provision, str]], actor: Any) -> None:
    flag_citing = _flag_citing()
    if flag_citing is None:
        return
    for provision, change in changed:
        provision.status = change
        flag_citing(provision, change, actor)


@dataclass
class ProvisionDiff:
    kind: str  # "added" / "removed" / "changed"
    key: str
    label: str
    citation: str
    level: str
    old_text: str = ""
    new_text: str = ""
    old: Provision | None = None
    new: Provision | None = None

    @property
    def kind_label(self) -> str:
        return {"added": "新增", "removed": "删除", "changed": "修改"}[self.kind]


def _content(p: Provision) -> str:
    return p.title if p.title else p.text


def diff_versions(old: LawVersion, new: LawVersion) -> list[ProvisionDiff]:
    """What changed from `old` to `new`, by structural key, in the new text's order (removed ones where they
    stood in the old text)."""
    old_rows = list(old.provisions.order_by("order"))
    new_rows = list(new.provisions.order_by("order"))
    old_by_key = {p.key: p for p in old_rows}
    new_keys = {p.key for p in new_rows}
    out: list[ProvisionDiff] = []
    removed_after: dict[str | None, list[Provision]] = {}
    last_kept: str | None = None
    for p in old_rows:
        if p.key in new_keys:
            last_kept = p.key
        else:
            removed_after.setdefault(last_kept, []).append(p)

    def add_removed(after: str | None) -> None:
        for p in removed_after.get(after, []):
            out.append(ProvisionDiff("removed", p.key, p.label, p.citation, p.level, old_text=_content(p), old=p))

    add_removed(None)
    for p in new_rows:
        o = old_by_key.get(p.key)
        if o is None:
            out.append(ProvisionDiff("added", p.key, p.label, p.citation, p.level, new_text=_content(p), new=p))
        else:
            if (o.title, o.text) != (p.title, p.text):
                out.append(
                    ProvisionDiff(
                        "changed",
                        p.key,
                        p.label,
                        p.citation,
                        p.level,
                        old_text=_content(o),
                        new_text=_content(p),
                        old=o,
                        new=p,
                    )
                )
            add_removed(p.key)
    return out


def do_abolish_law(actor: Any, law: Law, on_date: dt.date) -> Law:
    """废止: the law ABOLISHED from `on_date`; its current provisions ABOLISHED and flagged. Audited."""
    if on_date is None:
        raise ServiceError("date_required", "请填写废止日期。", {"abolished_on": ["请填写废止日期"]})
    with transaction.atomic():
        law = Law.objects.select_for_update().get(pk=law.pk)
        if law.validity == Validity.ABOLISHED:
            raise ServiceError("already_abolished", f"《{law.name}》已废止。")
        before = audit.snapshot(law)
        law.validity = Validity.ABOLISHED
        law.abolished_on = on_date
        law.save(update_fields=["validity", "abolished_on", "updated_at"])
        changed: list[tuple[Provision, str]] = []
        if law.current_version_id:
            version = cast(LawVersion, law.current_version)  # current_version_id is set
            version.effective_to = on_date
            version.save(update_fields=["effective_to"])
            rows = list(version.provisions.exclude(status=ProvisionStatus.ABOLISHED))
            version.provisions.update(status=ProvisionStatus.ABOLISHED, effective_to=on_date)
            changed = [(p, ProvisionStatus.ABOLISHED) for p in rows]
        audit.record(actor, AuditAction.UPDATE, law, changes=audit.diff(before, audit.snapshot(law)))
        _flag(changed, actor)
    return law


def law_citations(law: Law) -> dict[str, int]:
    """How many codes, causes and benchmarks cite any provision of the law (any version)."""
    from ..models import CaseCause, DiscretionBenchmark, ViolationCode

    provisions = Provision.objects.filter(law=law)
    return {
        "违章代码": ViolationCode.objects.filter(
            Q(violated_provisions__in=provisions) | Q(penalty_provisions__in=provisions)
        )
        .distinct()
        .count(),
        "执法案由": CaseCause.objects.filter(Q(basis_provisions__in=provisions) | Q(penalty_provisions__in=provisions))
        .distinct()
        .count(),
        "裁量基准": DiscretionBenchmark.objects.filter(basis_provisions__in=provisions).distinct().count(),
    }


class LawService(GenericService):
    """A law that codes, causes or benchmarks cite is never deleted (that would silently strip their legal
    basis): it is abolished instead (`do_abolish_law`), which warns their owners."""

    def do_delete(self, actor: Any, obj: Model) -> None:
        obj = cast(Law, obj)  # this service deletes laws
        cited = {k: v for k, v in law_citations(obj).items() if v}
        if cited:
            what = "、".join(f"{k} {v} 个" for k, v in cited.items())
            raise ServiceError("law_cited", f"《{obj.name}》仍被{what}引用，不能删除；如已失效请办理废止。")
        super().do_delete(actor, obj)
