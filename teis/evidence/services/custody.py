"""证据保管链 (chain of custody) report: ingest hash and metadata, every access and action with who and when,
and a fresh verification (the original re-hashed now)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.audit.models import AuditRecord
from teis.core.display import person_display
from teis.core.pdf import render_pdf

from ..models import EvidenceItem
from .integrity import verify_item

if TYPE_CHECKING:
    from django.contrib.auth.models import User

OPERATION_LABELS = {
    "evidence.ingest": "入库",
    "evidence.view": "查看",
    "evidence.play": "播放",
    "evidence.download": "下载原件",
    "evidence.preview": "预览",
    "evidence.link": "关联案件",
    "evidence.unlink": "解除关联",
    "evidence.delete": "删除",
    "evidence.delete_refused": "删除被拒绝",
    "evidence.restore": "恢复",
    "evidence.purge": "清除",
    "evidence.legal_hold": "诉讼保全",
    "evidence.verify": "完整性校验",
    "evidence.custody_report": "生成保管链报告",
    "evidence.share_view": "共享查看",
    "evidence.share_play": "共享播放",
    "evidence.share_download": "共享下载",
}


def custody_events(item: EvidenceItem) -> list[dict[str, Any]]:
    rows = (
        AuditRecord.objects.filter(object_type="evidence.evidenceitem", object_id=str(item.pk))
        .select_related("actor__officer")
        .order_by("at", "id")
    )
    events: list[dict[str, Any]] = []
    for rec in rows:
        op = (rec.detail or {}).get("operation", "")
        events.append(
            {
                "at": rec.at,
                # the person by name (the audit row's actor_name also carries the login, for auditors)
                "actor": (person_display(rec.actor) if rec.actor_id else rec.actor_name)
                or (
                    "共享接收方：" + (rec.detail or {}).get("recipient", "")
                    if (rec.detail or {}).get("share_id")
                    else "系统"
                ),
                "unit": rec.unit_name,
                "ip": rec.ip or "",
                "action": OPERATION_LABELS.get(op, rec.get_action_display()),
                "note": (rec.detail or {}).get("case")
                or (rec.detail or {}).get("reason")
                or (rec.detail or {}).get("result")
                or "",
                "hash": rec.hash,
            }
        )
    return events


def custody_pdf(actor: User, item: EvidenceItem) -> bytes:
    """Verify now, record the report, and render it (the report lists its own generation)."""
    check = verify_item(item, actor)
    with transaction.atomic():
        audit.record(actor, AuditAction.EXPORT, item, detail={"operation": "evidence.custody_report", "rows": 1})
    item.refresh_from_db()
    return render_pdf(
        "evidence/pdf/custody_report.html",
        {
            "item": item,
            "links": item.links.select_related("case").order_by("linked_at"),
            "events": custody_events(item),
            "check": check,
            "now": timezone.now(),
            "actor": actor,
        },
    )
