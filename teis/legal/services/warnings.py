"""Legal-change warnings (法律依据智能预警, spec §2.5.1.13).

When a law's import finds a provision amended or abolished it calls `flag_citing(old_provision, change,
actor)`. Every current violation code, live case cause and benchmark citing that provision — matched by
the row and by `stable_id` across versions, including the provision's sub-provisions and the article it
belongs to — is flagged and gets a `LegalChangeWarning`; the legal reviewers get one notification per
import (per outermost transaction) with the count.

With `settings.TEIS_LEGAL_FLAG_BLOCKS_USE` on, a flagged code cannot be used (`check_code_usable`) until
its maintainer acknowledges the warning (`do_acknowledge_warning`) or revises the code (which marks the
warnings UPDATED and starts the new version unflagged).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core import notify
from teis.core.models import Notification
from teis.core.services import ServiceError, fit

from ..choices import LEVEL_RANK, CodeStatus, ProvisionLevel, ProvisionStatus, WarningStatus
from ..models import CaseCause, DiscretionBenchmark, LegalChangeWarning, Provision, ViolationCode

LEGAL_REVIEWER = "legal_reviewer"
CHANGE_WORDS = {
    ProvisionStatus.AMENDED: "已修改",
    ProvisionStatus.ABOLISHED: "已废止",
    ProvisionStatus.IN_FORCE: "已变更",
}


def related_provision_ids(provision: Provision) -> list[int]:
    """Rows that count as "citing this provision": the provision, its sub-provisions and its ancestors
    down from the article (a code citing 第三十七条 is affected when 第三十七条第一款 changes), in this
    version and — by stable_id — in every other version."""
    rows = [provision]
    rows += list(Provision.objects.filter(version_id=provision.version_id, key__startswith=provision.key + "/"))
    parent_id = provision.parent_id
    article_rank = LEVEL_RANK[ProvisionLevel.ARTICLE]
    if LEVEL_RANK.get(provision.level, 0) > article_rank:
        while parent_id:
            parent = Provision.objects.filter(pk=parent_id).first()
            if parent is None or LEVEL_RANK.get(parent.level, 0) < article_rank:
                break
            rows.append(parent)
            parent_id = parent.parent_id
    pks = {p.pk for p in rows}
    stable_ids = {p.stable_id for p in rows if p.stable_id}
    return list(Provision.objects.filter(Q(pk__in=pks) | Q(stable_id__in=stable_ids)).values_list("pk", flat=True))


def legal_reviewer_users() -> list[Any]:
    from teis.org.choices import OfficerStatus
    from teis.org.models import Officer

    officers = (
        Officer.objects.filter(status=OfficerStatus.ACTIVE, roles__code=LEGAL_REVIEWER, user__is_active=True)
        .select_related("user")
        .distinct()
    )
    return [o.user for o in officers]


# One notification per import: calls inside the same outermost transaction add to one batch, sent on commit.
_batches = threading.local()


def _queue_notice(count: int, citation: str) -> None:
    conn = transaction.get_connection()
    outer = conn.atomic_blocks[0] if conn.atomic_blocks else None
    batch = getattr(_batches, "current", None)
    if batch is None or batch["outer"] is not outer or outer is None:
        batch = {"outer": outer, "count": 0, "citations": []}
        _batches.current = batch
        transaction.on_commit(functools.partial(_send_notice, batch))
    batch["count"] += count
    if citation not in batch["citations"]:
        batch["citations"].append(citation)


def _send_notice(batch: dict[str, Any]) -> None:
    if getattr(_batches, "current", None) is batch:
        _batches.current = None
    if not batch["count"]:
        return
    citations = batch["citations"]
    shown = "、".join(citations[:10]) + ("等" if len(citations) > 10 else "")
    body = f"{shown}发生变更，涉及 {batch['count']} 项违章代码、执法案由或自由裁量基准，请逐项核对并确认或更新。"
    url = reverse("legal:legalchangewarning_list") + "?status=open"
    for user in legal_reviewer_users():
        notify.notify(
            user, f"法律依据变更预警：{batch['count']} 项待处理", body, level=Notification.Level.WARNING, url=url
        )


def flag_citing(provision: Provision, change: str, actor: Any = None) -> list[LegalChangeWarning]:
    """Flag everything citing `provision` (the OLD row) and create one warning per flagged object.

    An object that already has an open warning for the same provision and change is not warned twice.
    One transaction; every flagged object is audited; the legal reviewers are notified after commit.
    """
    if change not in ProvisionStatus.values:
        raise ValueError(f"unknown change {change!r}")
    word = CHANGE_WORDS[ProvisionStatus(change)]
    reason = f"{provision.citation}{word}"[:300]
    now = timezone.now()
    created: list[LegalChangeWarning] = []
    with transaction.atomic():
        ids = related_provision_ids(provision)
        codes = list(
            ViolationCode.objects.filter(is_current=True)
            .filter(Q(violated_provisions__in=ids) | Q(penalty_provisions__in=ids))
            .distinct()
        )
        causes = list(
            CaseCause.objects.filter(is_deleted=False)
            .filter(Q(basis_provisions__in=ids) | Q(penalty_provisions__in=ids))
            .distinct()
        )
        code_ids = [c.pk for c in codes]
        benchmarks = list(
            DiscretionBenchmark.objects.filter(Q(basis_provisions__in=ids) | Q(violation_code__in=code_ids))
            .select_related("violation_code")
            .distinct()
        )
        targets: list[tuple[str, Any, str]] = [("violation_code", c, reason) for c in codes]
        targets += [("case_cause", c, reason) for c in causes]
        for b in benchmarks:
            via_code = b.violation_code_id in code_ids
            b_reason = f"违章代码 {b.violation_code.code} 的依据{reason}" if via_code else reason
            targets.append(("benchmark", b, b_reason[:300]))
        for kind, obj, why in targets:
            duplicate = LegalChangeWarning.objects.filter(
                **{kind: obj},
                status=WarningStatus.OPEN,
                change=change,
                provision__stable_id=provision.stable_id,
            ).exists()
            was_flagged = obj.legal_change_flag
            type(obj)._base_manager.filter(pk=obj.pk).update(legal_change_flag=True, flagged_at=now, flag_reason=why)
            obj.legal_change_flag, obj.flagged_at, obj.flag_reason = True, now, why
            if duplicate:
                continue
            created.append(LegalChangeWarning.objects.create(provision=provision, change=change, **{kind: obj}))
            audit.record(
                actor,
                AuditAction.UPDATE,
                obj,
                changes={"法律依据变更待处理": [was_flagged, True], "预警原因": ["", why]},
                detail={"op": "legal_change_flag", "provision": provision.stable_id, "change": change},
            )
        if created:
            _queue_notice(len(created), provision.citation)
    return created


def check_code_usable(code: ViolationCode) -> None:
    """Raise if `code` may not be used for a new case or selection now."""
    if code.status == CodeStatus.RETIRED:
        raise ServiceError("code_retired", f"违章代码 {code.code} 已停用。", {"code": ["违章代码已停用"]})
    if getattr(settings, "TEIS_LEGAL_FLAG_BLOCKS_USE", False) and code.legal_change_flag:
        raise ServiceError(
            "code_flagged",
            f"违章代码 {code.code} 的法律依据已变更（{code.flag_reason}），须经法制审核人员确认或更新后方可使用。",
            {"code": ["法律依据变更待处理"]},
        )


def warning_target(warning: LegalChangeWarning) -> ViolationCode | CaseCause | DiscretionBenchmark | None:
    return warning.violation_code or warning.case_cause or warning.benchmark


def do_acknowledge_warning(actor: Any, warning: LegalChangeWarning, note: str = "") -> LegalChangeWarning:
    """The maintainer confirms the object still stands despite the change. When no open warning remains
    on it, its flag is cleared (and a flagged code becomes usable again). One transaction; audited."""
    if not actor.has_perm("legal.change_legalchangewarning"):
        raise ServiceError("forbidden", "没有处理法律依据预警的权限。")
    with transaction.atomic():
        w = LegalChangeWarning.objects.select_for_update().get(pk=warning.pk)
        if w.status != WarningStatus.OPEN:
            raise ServiceError("not_open", f"该预警已是“{w.get_status_display()}”。")
        w.status = WarningStatus.ACKNOWLEDGED
        w.handled_by = actor
        w.handled_at = timezone.now()
        w.note = fit(LegalChangeWarning, "note", note or "", strip=True) or "已确认，依据仍适用"
        w.save(update_fields=["status", "handled_by", "handled_at", "note"])
        audit.record(actor, AuditAction.UPDATE, w, changes={"状态": ["待处理", "已确认"]}, detail={"note": w.note})
        target = warning_target(w)
        kind = "violation_code" if w.violation_code_id else "case_cause" if w.case_cause_id else "benchmark"
        still_open = LegalChangeWarning.objects.filter(**{kind: target}, status=WarningStatus.OPEN).exists()
        if target is not None and not still_open and target.legal_change_flag:
            type(target)._base_manager.filter(pk=target.pk).update(
                legal_change_flag=False, flagged_at=None, flag_reason=""
            )
            audit.record(actor, AuditAction.UPDATE, target, changes={"法律依据变更待处理": [True, False]})
    return w
