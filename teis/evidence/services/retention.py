"""文件自动删除 (spec §2.4.1.1): retention by policy, legal hold, soft delete with 7-day recovery, purge.

Rules: an item linked to no case is deleted `unlinked_days` after ingest; a linked item is kept until every
case it is linked to is archived, plus `linked_years_after_archive`; where several enabled policies match
(category and/or source; blank matches any) the longest retention wins; no policy = the defaults below; a
legal hold stops all deletion. Soft-deleted items keep their bytes for RECOVERY_DAYS, then are purged.
Every deletion and purge writes an audit record with the SM3 of what it removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.models import Notification
from teis.core.notify import notify, post_todo
from teis.core.services import ServiceError, fit

from ..choices import EvidenceStatus
from ..models import EvidenceItem, RetentionPolicy
from . import blobs
from .principal import audit_actor

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

RECOVERY_DAYS = 7
DEFAULT_UNLINKED_DAYS = 180
DEFAULT_LINKED_YEARS = 5


@dataclass
class Due:
    item: EvidenceItem
    delete_after: datetime
    reason: str


def _rules_for(item: EvidenceItem, policies: list[RetentionPolicy]) -> tuple[int, int]:
    matching = [
        p for p in policies if p.enabled and p.category in ("", item.category) and p.source in ("", item.source)
    ]
    if not matching:
        return DEFAULT_UNLINKED_DAYS, DEFAULT_LINKED_YEARS
    return max(p.unlinked_days for p in matching), max(p.linked_years_after_archive for p in matching)


def compute_delete_after(
    item: EvidenceItem, policies: list[RetentionPolicy] | None = None
) -> tuple[datetime | None, str]:
    """(when the item may be deleted, why) — None while it must be kept."""
    if item.legal_hold:
        return None, "诉讼保全"
    policies = list(RetentionPolicy.objects.filter(enabled=True)) if policies is None else policies
    days, years = _rules_for(item, policies)
    cases = [link.case for link in item.links.all()]
    if not cases:
        return item.created_at + timedelta(days=days), f"未关联案件，保存 {days} 天"
    if any(c.archived_at is None for c in cases):
        return None, "关联案件尚未全部归档"
    last = max(c.archived_at for c in cases if c.archived_at is not None)
    return last + timedelta(days=365 * years), f"关联案件均已归档，归档后保存 {years} 年"


def refresh_delete_after(item: EvidenceItem) -> None:
    item = EvidenceItem.objects.prefetch_related("links__case").get(pk=item.pk)
    when, _ = compute_delete_after(item)
    EvidenceItem.objects.filter(pk=item.pk).update(delete_after=when)


def preview(now: datetime | None = None, *, within_days: int = 0) -> list[Due]:
    """The active items whose retention ends by now + within_days (what the job would delete)."""
    now = now or timezone.now()
    limit = now + timedelta(days=within_days)
    policies = list(RetentionPolicy.objects.filter(enabled=True))
    due = []
    qs = (
        EvidenceItem.objects.filter(status=EvidenceStatus.ACTIVE, legal_hold=False)
        .prefetch_related("links__case")
        .order_by("pk")
    )
    for item in qs.iterator(chunk_size=500):
        when, reason = compute_delete_after(item, policies)
        if when is not None and when <= limit:
            due.append(Due(item, when, reason))
    return due


def _soft_delete(actor: User | None, item: EvidenceItem, reason: str, now: datetime) -> None:
    item.status = EvidenceStatus.DELETED
    item.deleted_at = now
    item.deletion_reason = fit(EvidenceItem, "deletion_reason", reason, field="reason")
    item.save(update_fields=["status", "deleted_at", "deletion_reason", "updated_at"])
    audit.record(
        audit_actor(actor),
        AuditAction.DELETE,
        item,
        detail={"operation": "evidence.delete", "sm3": item.sm3, "size": item.size, "reason": reason},
    )


def do_delete(actor: User, item: EvidenceItem, reason: str) -> EvidenceItem:
    """Manual deletion (recoverable for RECOVERY_DAYS). Refused under legal hold or while linked to a case;
    a refused attempt is audited (the anomaly rule counts repeated attempts)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        refusal = None
        if not actor.has_perm("evidence.manage_retention"):
            refusal = ServiceError("permission_denied", "没有删除证据的权限")
        elif item.status != EvidenceStatus.ACTIVE:
            refusal = ServiceError("not_active", "证据已删除")
        elif item.legal_hold:
            refusal = ServiceError("legal_hold", "证据处于诉讼保全状态，禁止删除")
        elif item.links.exists():
            refusal = ServiceError("linked", "证据已关联案件，须先解除关联或待案件归档后按保存期限处理")
        elif not reason:
            refusal = ServiceError("invalid", "请填写删除原因", {"reason": ["必填"]})
    if refusal is not None:
        with transaction.atomic():
            audit.record(
                audit_actor(actor),
                AuditAction.DELETE,
                item,
                detail={"operation": "evidence.delete_refused", "code": refusal.code, "reason": refusal.message},
            )
        raise refusal
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        _soft_delete(actor, item, f"人工删除：{reason}", timezone.now())
    return item


def do_restore(actor: User, item: EvidenceItem) -> EvidenceItem:
    if not actor.has_perm("evidence.manage_retention"):
        raise ServiceError("permission_denied", "没有恢复证据的权限")
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        if item.status != EvidenceStatus.DELETED:
            raise ServiceError(
                "not_deleted", "证据未处于已删除状态" if item.status == "active" else "证据已清除，无法恢复"
            )
        item.status = EvidenceStatus.ACTIVE
        item.deleted_at = None
        item.deletion_reason = ""
        item.save(update_fields=["status", "deleted_at", "deletion_reason", "updated_at"])
        audit.record(
            audit_actor(actor), AuditAction.UPDATE, item, detail={"operation": "evidence.restore", "sm3": item.sm3}
        )
    refresh_delete_after(item)
    return item


def do_set_legal_hold(actor: User, item: EvidenceItem, hold: bool, reason: str = "") -> EvidenceItem:
    if not actor.has_perm("evidence.manage_retention"):
        raise ServiceError("permission_denied", "没有设置诉讼保全的权限")
    if hold and not (reason or "").strip():
        raise ServiceError("invalid", "请填写保全原因", {"reason": ["必填"]})
    with transaction.atomic():
        item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
        before = item.legal_hold
        item.legal_hold = hold
        item.legal_hold_reason = (
            fit(EvidenceItem, "legal_hold_reason", reason or "", strip=True, field="reason") if hold else ""
        )
        item.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
        audit.record(
            audit_actor(actor),
            AuditAction.UPDATE,
            item,
            changes={"诉讼保全": [before, hold]},
            detail={"operation": "evidence.legal_hold", "reason": item.legal_hold_reason},
        )
    refresh_delete_after(item)
    return item


def _purge(item: EvidenceItem, now: datetime) -> None:
    for name in (item.storage_name, item.proxy_name, item.poster_name):
        blobs.delete(name)
    item.status = EvidenceStatus.PURGED
    item.purged_at = now
    item.save(update_fields=["status", "purged_at", "updated_at"])
    audit.record(
        None,
        AuditAction.DELETE,
        item,
        detail={"operation": "evidence.purge", "sm3": item.sm3, "size": item.size, "storage_name": item.storage_name},
    )


def run_retention(now: datetime | None = None) -> dict[str, Any]:
    """The retention job: soft-delete what the policy says is due, purge what was deleted RECOVERY_DAYS ago."""
    now = now or timezone.now()
    deleted = 0
    for due in preview(now):
        with transaction.atomic():
            item = EvidenceItem.objects.select_for_update().get(pk=due.item.pk)
            if item.status != EvidenceStatus.ACTIVE or item.legal_hold:
                continue
            _soft_delete(None, item, f"保存期限届满：{due.reason}", now)
            deleted += 1
    purged = 0
    cutoff = now - timedelta(days=RECOVERY_DAYS)
    for pk in EvidenceItem.objects.filter(
        status=EvidenceStatus.DELETED, deleted_at__lte=cutoff, legal_hold=False
    ).values_list("pk", flat=True):
        with transaction.atomic():
            item = EvidenceItem.objects.select_for_update().get(pk=pk)
            if item.status == EvidenceStatus.DELETED:
                _purge(item, now)
                purged += 1
    return {"deleted": deleted, "purged": purged}


def evidence_admins() -> QuerySet[User]:
    return (
        get_user_model().objects.filter(is_active=True, officer__roles__code="evidence_admin").distinct().order_by("pk")
    )


def weekly_upcoming_notice(now: datetime | None = None) -> int:
    """Tell every evidence administrator what the job will delete in the next 7 days (notice + todo)."""
    now = now or timezone.now()
    due = preview(now, within_days=7)
    if not due:
        return 0
    url = reverse("evidence:retention")
    week = timezone.localtime(now).strftime("%G-W%V")
    body = "\n".join(f"{d.item.pk} {d.item.title}（{timezone.localtime(d.delete_after):%m-%d}）" for d in due[:50])
    for user in evidence_admins():
        notify(user, f"未来 7 天将自动删除 {len(due)} 件证据", body, level=Notification.Level.WARNING, url=url)
        post_todo(
            user,
            f"核对即将自动删除的 {len(due)} 件证据",
            category="证据中心",
            url=url,
            source_key=f"evidence:retention:{week}",
        )
    return len(due)
