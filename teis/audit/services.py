"""Writing and checking the audit trail.

`record()` is called by services inside their transaction, so the audit row commits or rolls back with
the change it describes. Each row's SM3 hash covers its content and the previous row's hash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from teis.core import context, crypto
from teis.core.fields import EncryptedCharField
from teis.core.masking import mask_generic

from .choices import AuditAction, AuditCategory
from .models import AuditChainHead, AuditRecord

SECURITY_ACTIONS = {
    AuditAction.LOGIN,
    AuditAction.LOGIN_FAILED,
    AuditAction.LOCKOUT,
    AuditAction.LOGOUT,
    AuditAction.PASSWORD_CHANGE,
    AuditAction.EXPORT,
    AuditAction.PERMISSION_DENIED,
    AuditAction.REVEAL,
    AuditAction.ROLE_CHANGE,
    AuditAction.POLICY_CHANGE,
    AuditAction.DEVICE_REFUSED,
}
HASHED_FIELDS = (
    "at",
    "category",
    "action",
    "actor_id",
    "actor_name",
    "unit_id",
    "ip",
    "user_agent",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "detail",
)


def record_hash(rec: AuditRecord, prev_hash: str) -> str:
    """SM3 over a canonical JSON of the record's content and the previous hash."""
    content = {name: getattr(rec, name) for name in HASHED_FIELDS}
    content["at"] = rec.at.isoformat(timespec="microseconds")
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str) + "|" + prev_hash
    return crypto.sm3_hex(payload.encode())


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": getattr(actor, "username", "") or ""}
    officer = getattr(actor, "officer", None) if hasattr(actor, "officer") else None
    unit = officer.unit if officer else None
    name = f"{officer.name}({actor.username})" if officer else actor.username
    return {"actor": actor, "actor_name": name, "unit": unit, "unit_name": unit.name if unit else ""}


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: dict | None = None,
    detail: dict | None = None,
    category: str | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditRecord:
    """Append one audit record. Must be called inside the caller's transaction (it opens one if not)."""
    ctx = context.current()
    if category is None:
        category = AuditCategory.SECURITY if action in SECURITY_ACTIONS else AuditCategory.DATA
    rec = AuditRecord(
        at=timezone.now(),
        category=category,
        action=action,
        ip=ctx.ip,
        user_agent=ctx.user_agent,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        changes=changes or {},
        detail=detail or {},
        **_actor_fields(actor),
    )
    with transaction.atomic():
        head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head, _ = AuditChainHead.objects.get_or_create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        rec.prev_hash = head.last_hash
        rec.hash = record_hash(rec, head.last_hash)
        rec.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(last_id=rec.pk, last_hash=rec.hash)
    return rec


# --- describing changes -----------------------------------------------------------------------------


def _display(field: models.Field, value: Any) -> Any:
    if isinstance(field, EncryptedCharField):
        return mask_generic(str(value), 1, 1) if value else ""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def snapshot(obj: models.Model) -> dict[str, Any]:
    """Field values of a record for change tracking, personal data masked."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in ("updated_at",) or field.name.endswith("_index"):
            continue
        data[field.verbose_name if isinstance(field.verbose_name, str) else field.name] = _display(
            field, getattr(obj, field.attname)
        )
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """{"field": [old, new]} for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


# --- verification ------------------------------------------------------------------------------------


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify_chain(batch: int = 5000) -> ChainCheck:
    """Re-hash every record in id order; report the first whose hash or link does not match."""
    prev_hash = None
    checked = 0
    qs = AuditRecord.objects.order_by("id")
    last_id = 0
    while True:
        rows = list(qs.filter(id__gt=last_id)[:batch])
        if not rows:
            break
        for rec in rows:
            if prev_hash is None:
                prev_hash = rec.prev_hash  # the first kept record may follow archived ones
            if rec.prev_hash != prev_hash:
                return ChainCheck(False, checked, rec.pk, "链接断裂：前一记录摘要不符（记录被删除或插入）")
            if record_hash(rec, rec.prev_hash) != rec.hash:
                return ChainCheck(False, checked, rec.pk, "内容被篡改：记录摘要不符")
            prev_hash = rec.hash
            checked += 1
            last_id = rec.pk
    return ChainCheck(True, checked)
