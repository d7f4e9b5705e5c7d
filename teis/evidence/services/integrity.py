"""Integrity verification: re-hash stored originals and compare with the ingest SM3; a mismatch or a
missing file is an integrity alarm to every evidence administrator and the audit administrators."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction, AuditCategory
from teis.core.models import Notification
from teis.core.notify import notify

from ..choices import EvidenceStatus, IntegrityResult
from ..models import EvidenceItem, IntegrityCheck
from . import blobs
from .principal import audit_actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def verify_item(item: EvidenceItem, actor: User | None = None) -> IntegrityCheck:
    """Re-hash one original now; records the check, raises the alarm on mismatch."""
    try:
        sm3 = blobs.sm3_of(item.storage_name)
        result = IntegrityResult.OK if sm3 == item.sm3 else IntegrityResult.MISMATCH
    except (FileNotFoundError, OSError, Exception) as exc:  # noqa: BLE001 - any storage failure is "missing"
        if isinstance(exc, KeyboardInterrupt):
            raise
        sm3, result = "", IntegrityResult.MISSING
    now = timezone.now()
    with transaction.atomic():
        check = IntegrityCheck.objects.create(item=item, at=now, result=result, sm3=sm3, actor=audit_actor(actor))
        EvidenceItem.objects.filter(pk=item.pk).update(
            last_verified_at=now, last_verify_ok=result == IntegrityResult.OK
        )
        audit.record(
            audit_actor(actor),
            AuditAction.VIEW if result == IntegrityResult.OK else AuditAction.ALERT,
            item,
            category=AuditCategory.SYSTEM if actor is None else None,
            detail={"operation": "evidence.verify", "result": result, "expected": item.sm3, "actual": sm3},
        )
        if result != IntegrityResult.OK:
            _alarm(item, check)
    return check


def _alarm(item: EvidenceItem, check: IntegrityCheck) -> None:
    from teis.audit.anomaly import audit_admins

    from .retention import evidence_admins

    url = reverse("evidence:evidenceitem_detail", args=[item.pk])
    users = {u.pk: u for u in [*evidence_admins(), *audit_admins()]}
    for user in users.values():
        notify(
            user,
            f"证据完整性告警：{item.title}",
            f"证据 {item.pk} 校验结果：{check.get_result_display()}。入库摘要 {item.sm3}，本次 {check.sm3 or '—'}",
            level=Notification.Level.ALARM,
            url=url,
        )


def verify_sample(size: int = 50, *, all_items: bool = False, actor: User | None = None) -> dict[str, Any]:
    """Verify a random sample (never-verified and least-recently verified first) or everything."""
    qs = EvidenceItem.objects.filter(status__in=[EvidenceStatus.ACTIVE, EvidenceStatus.DELETED])
    if all_items:
        ids = list(qs.order_by("pk").values_list("pk", flat=True))
    else:
        oldest = list(qs.order_by("last_verified_at", "pk").values_list("pk", flat=True)[: size * 4])
        ids = random.sample(oldest, min(size, len(oldest)))
    counts = dict.fromkeys(IntegrityResult.values, 0)
    for pk in ids:
        check = verify_item(EvidenceItem.objects.get(pk=pk), actor)
        counts[check.result] += 1
    return {"checked": len(ids), **counts}
