"""对外共享: time-limited share links for a court, prosecutor or party, with a watermark on what is viewed
(an overlay on played media, burned into images) and a disclosure receipt PDF. Every access is audited.

The token is shown once when the link is made; only its SM3 is stored."""

from __future__ import annotations

import io
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.crypto import sm3_hex
from teis.core.pdf import render_pdf
from teis.core.services import ServiceError, fit

from ..choices import EvidenceStatus, ShareAccess, ShareRecipientKind
from ..models import EvidenceItem, ShareLink
from . import blobs

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User

MAX_DAYS = 90


def token_hash(token: str) -> str:
    return sm3_hex(("evidence-share:" + token).encode())


def do_create_share(
    actor: User,
    *,
    item_ids: Iterable[int | str] | None,
    recipient: str,
    recipient_kind: str,
    expires_at: datetime,
    access: str = ShareAccess.VIEW,
    purpose: str = "",
) -> tuple[ShareLink, str]:
    """Create a share of in-scope active items; returns (share, token). One transaction, audited."""
    if not actor.has_perm("evidence.share_evidenceitem"):
        raise ServiceError("permission_denied", "没有对外共享证据的权限")
    errors = {}
    recipient = (recipient or "").strip()
    if not recipient:
        errors["recipient"] = ["必填"]
    if recipient_kind not in ShareRecipientKind.values:
        errors["recipient_kind"] = ["接收方类型无效"]
    if access not in ShareAccess.values:
        errors["access"] = ["访问权限无效"]
    now = timezone.now()
    if expires_at is None or expires_at <= now:
        errors["expires_at"] = ["有效期须晚于当前时间"]
    elif expires_at > now + timedelta(days=MAX_DAYS):
        errors["expires_at"] = [f"有效期最长 {MAX_DAYS} 天"]
    ids = sorted({int(i) for i in item_ids or []})
    items = list(EvidenceItem.objects.for_user(actor).filter(pk__in=ids, status=EvidenceStatus.ACTIVE))
    if not ids:
        errors["items"] = ["请选择要共享的证据"]
    elif len(items) != len(ids):
        errors["items"] = ["部分证据不存在或不在您的数据权限范围内"]
    if errors:
        raise ServiceError("invalid", "共享信息有误", errors)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        share = ShareLink.objects.create(
            recipient=fit(ShareLink, "recipient", recipient),
            recipient_kind=recipient_kind,
            purpose=fit(ShareLink, "purpose", purpose or ""),
            access=access,
            expires_at=expires_at,
            token_hash=token_hash(token),
            unit=actor.officer.unit,
            created_by=actor,
        )
        share.items.set(items)
        audit.record(
            actor,
            AuditAction.EXPORT,
            share,
            detail={
                "operation": "evidence.share",
                "rows": len(items),
                "items": [{"id": i.pk, "sm3": i.sm3} for i in items],
                "recipient": share.recipient,
                "expires_at": expires_at.isoformat(),
                "access": access,
            },
        )
    return share, token


def do_revoke_share(actor: User, share: ShareLink) -> ShareLink:
    """撤销: the recipient's link stops working at once. One transaction; audited; refused when already revoked."""
    if not actor.has_perm("evidence.share_evidenceitem"):
        raise ServiceError("permission_denied", "没有对外共享证据的权限")
    with transaction.atomic():
        share = ShareLink.objects.select_for_update().get(pk=share.pk)
        if share.revoked_at is not None:
            raise ServiceError("revoked", "该共享已撤销")
        share.revoked_at = timezone.now()
        share.save(update_fields=["revoked_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            share,
            changes={"撤销时间": [None, share.revoked_at.isoformat()]},
            detail={"operation": "evidence.share_revoke"},
        )
    return share


def access_share(token: str) -> ShareLink:
    """The share of a token while valid; Http404 otherwise (expired, revoked or unknown look the same)."""
    share = ShareLink.objects.filter(token_hash=token_hash(token or "")).first()
    if share is None or not share.is_valid():
        raise Http404("共享链接无效或已过期")
    return share


def share_item(share: ShareLink, item_id: int | str) -> EvidenceItem:
    item = share.items.filter(pk=item_id, status=EvidenceStatus.ACTIVE).first()
    if item is None:
        raise Http404("证据不存在")
    return item


def record_share_access(share: ShareLink, item: EvidenceItem | None, operation: str, **detail: Any) -> None:
    from .access import record_access

    if item is None:
        with transaction.atomic():
            ShareLink.objects.filter(pk=share.pk).update(access_count=F("access_count") + 1)
            audit.record(
                None, AuditAction.VIEW, share, detail={"operation": operation, "recipient": share.recipient, **detail}
            )
        return
    record_access(None, item, operation, share=share, dedup=operation == "evidence.share_play", **detail)


def watermark_text(share: ShareLink) -> str:
    purpose = f"·{share.purpose}" if share.purpose else ""
    return f"仅供{share.recipient}{purpose}使用 · 共享编号 {share.pk} · {timezone.localtime():%Y-%m-%d %H:%M}"


def watermarked_image(item: EvidenceItem, text: str) -> bytes:
    """The image with the watermark text burned in diagonally, as JPEG."""
    from PIL import Image, ImageDraw, ImageFont

    from teis.core.fonts import cjk_font

    raw = b"".join(blobs.iter_range(item.storage_name, 0, item.size))
    with Image.open(io.BytesIO(raw)) as src:
        img = src.convert("RGB")
    img.thumbnail((2400, 2400))
    width, height = img.size
    font_size = max(width // 28, 14)
    font = cjk_font(font_size) or ImageFont.load_default()
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    step_y = font_size * 5
    for row, y in enumerate(range(-height, height * 2, step_y)):
        x = -width + (row % 2) * font_size * 6
        while x < width * 2:
            draw.text((x, y), text, fill=(255, 255, 255, 90), font=font, stroke_width=1, stroke_fill=(0, 0, 0, 70))
            x += int(draw.textlength(text, font=font)) + font_size * 4
    layer = layer.rotate(25, resample=Image.Resampling.BICUBIC, center=(width / 2, height / 2))
    out = Image.alpha_composite(img.convert("RGBA"), layer).convert("RGB")
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def receipt_pdf(actor: User, share: ShareLink) -> bytes:
    """证据披露回执: what was shared, with whom, when, with which hashes; and the accesses so far."""
    from teis.audit.models import AuditRecord

    items = list(share.items.order_by("pk"))
    accesses = AuditRecord.objects.filter(detail__share_id=share.pk).order_by("at")[:500]
    with transaction.atomic():
        audit.record(
            actor, AuditAction.EXPORT, share, detail={"operation": "evidence.share_receipt", "rows": len(items)}
        )
    return render_pdf(
        "evidence/pdf/share_receipt.html",
        {"share": share, "items": items, "accesses": accesses, "now": timezone.now(), "actor": actor},
    )
