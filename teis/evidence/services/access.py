"""Reading evidence: fetching within the data scope, HTTP Range parsing, and the audit of every view,
play, download and preview."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import Http404

from teis.audit import services as audit
from teis.audit.choices import AuditAction

from ..choices import EvidenceStatus
from ..models import EvidenceItem, ShareLink

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
PLAY_DEDUP_SECONDS = 600


class RangeNotSatisfiable(Exception):
    pass


def access_item(user: User, pk: int, *, include_deleted: bool = False) -> EvidenceItem:
    """The item if it is inside the user's data scope, else Http404 (never a 403: existence is not revealed)."""
    qs = EvidenceItem.objects.for_user(user).select_related("unit", "officer", "device")
    qs = qs.exclude(status=EvidenceStatus.PURGED) if include_deleted else qs.filter(status=EvidenceStatus.ACTIVE)
    try:
        return qs.get(pk=pk)
    except (EvidenceItem.DoesNotExist, ValueError, TypeError):
        raise Http404("证据不存在或不在您的数据权限范围内") from None


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) for a single `bytes=` range, None to send the whole file (no header, another
    unit, or several ranges, which we may ignore per RFC 9110). Raises RangeNotSatisfiable."""
    if not header:
        return None
    header = header.strip()
    if not header.startswith("bytes=") or "," in header:
        return None
    match = RANGE_RE.match(header.replace(" ", ""))
    if not match:
        raise RangeNotSatisfiable
    first, last = match.groups()
    if first == "" and last == "":
        raise RangeNotSatisfiable
    if first == "":
        length = int(last)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def record_access(
    user: User | None,
    item: EvidenceItem,
    operation: str,
    *,
    share: ShareLink | None = None,
    dedup: bool = False,
    **detail: Any,
) -> None:
    """Audit one view / play / download / preview of an item. `dedup` suppresses repeats of the same user,
    item and operation within PLAY_DEDUP_SECONDS (a player issues many range requests for one viewing)."""
    if dedup:
        key = f"evidence-access:{operation}:{getattr(user, 'pk', None)}:{share.pk if share else ''}:{item.pk}"
        if not cache.add(key, 1, PLAY_DEDUP_SECONDS):
            return
    if share is not None:
        detail = {**detail, "share_id": share.pk, "recipient": share.recipient}
    audit.record(
        user if getattr(user, "is_authenticated", False) else None,
        AuditAction.VIEW,
        item,
        detail={"operation": operation, **detail},
    )
