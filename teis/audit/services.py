"""Writing and checking the audit trail.

`record()` is called by services inside their transaction, so the audit row commits or rolls back with
the change it describes. Each row's SM3 hash covers its content and the previous row's hash.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.db import connections, models, transaction
from django.utils import timezone

from teis.core import context, crypto
from teis.core.fields import EncryptedCharField
from teis.core.masking import mask_generic
from teis.core.services import ServiceError

from .choices import AuditAction, AuditCategory
from .models import AuditArchive, AuditChainHead, AuditRecord

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
    "unit_name",
    "ip",
    "user_agent",
    "object_type",
    "object_id",
    "object_repr",
    "changes",
    "detail",
)


# How a record's hash is computed. Records are chained with HMAC-SM3 under TEIS_AUDIT_KEY (kept outside the
# database), so whoever can write the database cannot recompute the chain after an edit. Archives written
# before the chain was keyed hold plain SM3 hashes ("sm3").
HASH_KEYED = "hmac-sm3"
HASH_PLAIN = "sm3"


def chain_key() -> bytes:
    """The audit chain key (settings.TEIS_AUDIT_KEY, hex, at least 16 bytes)."""
    raw = getattr(settings, "TEIS_AUDIT_KEY", "")
    try:
        key = bytes.fromhex(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured("TEIS_AUDIT_KEY 必须是十六进制字符串") from exc
    if len(key) < 16:
        raise ImproperlyConfigured("TEIS_AUDIT_KEY 至少需要 16 字节（32 个十六进制字符）")
    return key


def record_payload(rec: AuditRecord, prev_hash: str) -> bytes:
    """The canonical bytes a record's hash covers: its content as sorted JSON, then the previous hash."""
    content = {name: getattr(rec, name) for name in HASHED_FIELDS}
    content["at"] = rec.at.isoformat(timespec="microseconds")
    return (json.dumps(content, ensure_ascii=False, sort_keys=True, default=str) + "|" + prev_hash).encode()


def record_hash(rec: AuditRecord, prev_hash: str, scheme: str = HASH_KEYED) -> str:
    """HMAC-SM3 (keyed, the default) or plain SM3 (legacy archives) of the record's payload."""
    payload = record_payload(rec, prev_hash)
    if scheme == HASH_PLAIN:
        return crypto.sm3_hex(payload)
    return crypto.hmac_sm3(chain_key(), payload)


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": getattr(actor, "username", "") or ""}
    officer = getattr(actor, "officer", None) if hasattr(actor, "officer") else None
    unit = officer.unit if officer else None
    name = f"{officer.name}({actor.username})" if officer else actor.username
    return {"actor": actor, "actor_name": name, "unit": unit, "unit_name": unit.name if unit else ""}


def record(
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    *,
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
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
    # Inside the caller's transaction no savepoint of its own (perf: two statements less per record): a failure
    # here is a database error, which dooms the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        conn = connections[AuditRecord.objects.db]
        guess = getattr(conn, "_teis_audit_last_hash", None) if conn.vendor == "postgresql" else None
        if guess is None or not _append_after(conn, rec, guess):
            head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
            if head is None:
                head, _ = AuditChainHead.objects.get_or_create(pk=1)
                head = AuditChainHead.objects.select_for_update().get(pk=1)
            if conn.vendor == "postgresql":
                if not _append_after(conn, rec, head.last_hash):  # cannot fail: the head is locked
                    raise RuntimeError("audit chain head changed under its lock")
            else:
                rec.prev_hash = head.last_hash
                rec.hash = record_hash(rec, head.last_hash)
                rec.save(force_insert=True)
                AuditChainHead.objects.filter(pk=1).update(last_id=rec.pk, last_hash=rec.hash)
    return rec


def _cast_type(field: models.Field[Any, Any], conn: Any) -> str:
    """The SQL type a value of `field` is cast to in `_append_after`: text for strings (never varchar(n), which would
    cut an over-long value short instead of letting the column refuse it)."""
    if isinstance(field, models.CharField):
        return "text"
    return str(field.cast_db_type(conn))  # type: ignore[attr-defined]  # Field.cast_db_type: not in the stubs


def _append_after(conn: Any, rec: AuditRecord, prev_hash: str) -> bool:
    """PostgreSQL: append `rec` after the record whose hash is `prev_hash`, in one statement (perf: one round trip
    instead of lock, insert and head update — a workflow step writes two to four records). A compare-and-set on the
    chain head: the UPDATE locks the head row (held to the end of the transaction, as SELECT … FOR UPDATE did) and
    re-checks `last_hash` on its newest version, so the record is chained after the real last record or not written
    at all (False: the guess was stale — another writer appended, or the transaction that set it rolled back — and
    the caller locks the head and reads it). The record's id is drawn while the head is locked, so ids keep the
    chain's order. `prev_hash` is a guess: the last hash this connection appended."""
    rec.prev_hash = prev_hash
    rec.hash = record_hash(rec, prev_hash)
    meta = AuditRecord._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    qn = conn.ops.quote_name
    table, head = qn(meta.db_table), qn(AuditChainHead._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    # typed placeholders (INSERT … SELECT); text, not varchar(n), for strings: an over-long value is refused by the
    # column as before, never cut short by the cast (the hash covers the whole value)
    values = ", ".join(f"%s::{_cast_type(f, conn)}" for f in fields)
    sql = (
        f"WITH head AS (UPDATE {head} SET last_id = nextval(pg_get_serial_sequence(%s, 'id')), last_hash = %s "  # noqa: S608 (names from model meta, values are parameters)
        f"WHERE id = 1 AND last_hash = %s RETURNING last_id) "
        f"INSERT INTO {table} (id, {columns}) SELECT head.last_id, {values} FROM head RETURNING id"
    )
    params = [meta.db_table, rec.hash, prev_hash, *(f.get_db_prep_save(f.pre_save(rec, True), conn) for f in fields)]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        conn._teis_audit_last_hash = None
        return False
    rec.pk = row[0]
    rec._state.adding = False
    rec._state.db = conn.alias
    conn._teis_audit_last_hash = rec.hash
    return True


# --- describing changes -----------------------------------------------------------------------------


def _display(field: models.Field[Any, Any], value: Any) -> Any:
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


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{"field": [old, new]} for the fields that changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


# --- verification ------------------------------------------------------------------------------------


@dataclass
class ChainCheck:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""
    checkpoints: int = 0


def verify_chain(batch: int = 5000, *, with_checkpoints: bool = True) -> ChainCheck:
    """Re-hash every record in id order; report the first whose hash or link does not match.

    Then compare the chain with the signed checkpoints exported outside the database (`checkpoints.py`):
    each names a record id, its hash and the number of records up to it, so removing records after a
    checkpoint's record, moving the head back, or rewriting the chain with the key are found as well.

    The chain starts at "" or, once the retention job has archived older records, at the last archive's
    `last_hash`. It ends at the chain head, so removing the newest records is detected too. Records
    appended while the check runs (after the head was read) are left for the next check.
    """
    head = AuditChainHead.objects.filter(pk=1).first()
    archive = AuditArchive.objects.order_by("-last_id").first()
    prev_hash = archive.last_hash if archive else ""
    last_id = archive.last_id if archive else 0
    last_hash = prev_hash
    end_id = head.last_id if head else None
    checked = 0
    qs = AuditRecord.objects.order_by("id")
    if end_id is not None:
        qs = qs.filter(id__lte=end_id)
    stale = AuditRecord.objects.filter(id__lte=last_id).order_by("id").first() if archive else None
    if stale is not None:
        return ChainCheck(False, 0, stale.pk, "已归档的记录仍在数据库中或被插入")
    while True:
        rows = list(qs.filter(id__gt=last_id)[:batch])
        if not rows:
            break
        for rec in rows:
            if rec.prev_hash != prev_hash:
                return ChainCheck(False, checked, rec.pk, "链接断裂：前一记录摘要不符（记录被删除或插入）")
            if record_hash(rec, rec.prev_hash) != rec.hash:
                return ChainCheck(False, checked, rec.pk, "内容被篡改：记录摘要不符")
            prev_hash = last_hash = rec.hash
            checked += 1
            last_id = rec.pk
    if end_id is None:
        if checked:  # records exist but the head row is gone
            return ChainCheck(False, checked, last_id, "链头记录缺失")
        if with_checkpoints:
            from .checkpoints import verify_against_checkpoints

            return verify_against_checkpoints(checked, 0)
        return ChainCheck(True, checked)
    if last_id != end_id or head is None or last_hash != head.last_hash:
        return ChainCheck(False, checked, end_id, "末尾记录缺失：链头摘要与最后一条记录不符（记录被删除）")
    if with_checkpoints:
        from .checkpoints import verify_against_checkpoints

        return verify_against_checkpoints(checked, end_id)
    return ChainCheck(True, checked)


# --- retention and archives ---------------------------------------------------------------------------

MIN_RETENTION_DAYS = 180
ARCHIVE_DIR = "audit_archive"
ARCHIVE_FIELDS = ("id", "prev_hash", "hash", *HASHED_FIELDS)


def retention_days(days: int | None = None) -> int:
    """The retention period to apply; below 180 days (等保 requirement) is refused."""
    if days is None:
        days = getattr(settings, "TEIS_AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
    if days < MIN_RETENTION_DAYS:
        raise ServiceError(
            "retention_too_short",
            f"审计记录保存期限不得少于 {MIN_RETENTION_DAYS} 天（当前设置 {days} 天）。",
            {"days": [f"不得少于 {MIN_RETENTION_DAYS} 天"]},
        )
    return days


def archive_storage() -> tuple[Storage, str]:
    """The storage archives go to and the name prefix within it."""
    try:
        from teis.core.storage import get_storage
    except ImportError:  # pragma: no cover - core.storage is part of the platform
        return FileSystemStorage(location=str(settings.VAR_DIR / ARCHIVE_DIR)), ""
    return get_storage(), ARCHIVE_DIR + "/"


def _archive_line(rec: AuditRecord) -> bytes:
    data = {name: getattr(rec, name) for name in ARCHIVE_FIELDS}
    data["at"] = rec.at.isoformat(timespec="microseconds")
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, default=str) + "\n").encode()


def archive_old_records(
    actor: Any = None, *, days: int | None = None, now: datetime | None = None, batch: int = 50_000
) -> list[AuditArchive]:
    """Write records older than the retention period to gzip JSON Lines files, then delete them.

    Only a prefix of the chain is archived (all ids below the first record still within retention), so
    the records kept still form one chain that starts at the last archive's `last_hash`. Each file
    holds at most `batch` records and is written in its own transaction.
    """
    days = retention_days(days)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    archives: list[AuditArchive] = []
    while True:
        archive = _archive_batch(actor, cutoff, days, batch)
        if archive is None:
            return archives
        archives.append(archive)


def _archive_batch(actor: Any, cutoff: datetime, days: int, batch: int) -> AuditArchive | None:
    with transaction.atomic():
        # The head lock serialises archiving with itself and with appenders of the chain.
        AuditChainHead.objects.get_or_create(pk=1)
        AuditChainHead.objects.select_for_update().get(pk=1)
        young = AuditRecord.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True).first()
        qs = AuditRecord.objects.order_by("id")
        if young is not None:
            qs = qs.filter(id__lt=young)
        ids = list(qs.values_list("id", flat=True)[:batch])
        if not ids:
            return None
        first_id, last_id = ids[0], ids[-1]
        records = AuditRecord.objects.filter(id__gte=first_id, id__lte=last_id).order_by("id")
        count = 0
        last_hash = ""
        with tempfile.TemporaryFile() as raw:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
                for rec in records.iterator(chunk_size=2000):
                    gz.write(_archive_line(rec))
                    last_hash = rec.hash
                    count += 1
            raw.seek(0)
            sm3 = crypto.sm3_file_hex(raw)
            raw.seek(0)
            storage, prefix = archive_storage()
            stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
            base = f"audit_{first_id}_{last_id}_{stamp}.jsonl.gz"
            name = storage.save(prefix + base, File(raw, name=base))
        archive = AuditArchive.objects.create(
            file_name=name,
            first_id=first_id,
            last_id=last_id,
            count=count,
            sm3=sm3,
            last_hash=last_hash,
            hash_scheme=HASH_KEYED,
        )
        # Deliberate bypass of the append-only guard: the records are safe in the archive file now.
        deleted = records._raw_delete(records.db)
        if deleted != count:
            raise RuntimeError(f"audit archive: wrote {count} records, deleting {deleted}")
        record(
            actor,
            AuditAction.ARCHIVE,
            archive,
            category=AuditCategory.SYSTEM,
            detail={
                "file": name,
                "first_id": first_id,
                "last_id": last_id,
                "count": count,
                "sm3": archive.sm3,
                "retention_days": days,
            },
        )
    return archive


def read_archive(archive: AuditArchive) -> Iterator[dict[str, Any]]:
    """Yield the records of an archive file as dicts (as written)."""
    storage, _ = archive_storage()
    with storage.open(archive.file_name, "rb") as fh, gzip.GzipFile(fileobj=fh, mode="rb") as gz:
        for line in gz:
            if line.strip():
                yield json.loads(line)


def verify_archive(archive: AuditArchive) -> ChainCheck:
    """Check an archive file: its SM3 against the row, each record's hash and the links between them."""
    storage, _ = archive_storage()
    if not storage.exists(archive.file_name):
        return ChainCheck(False, 0, archive.first_id, "归档文件不存在")
    with storage.open(archive.file_name, "rb") as fh:
        if crypto.sm3_file_hex(fh) != archive.sm3:
            return ChainCheck(False, 0, archive.first_id, "归档文件摘要(SM3)不符：文件被修改")
    checked = 0
    prev_hash = None
    last = None
    for data in read_archive(archive):
        rec = AuditRecord(**{k: v for k, v in data.items() if k not in ("at",)}, at=datetime.fromisoformat(data["at"]))
        if prev_hash is not None and rec.prev_hash != prev_hash:
            return ChainCheck(False, checked, rec.pk, "归档内链接断裂")
        if record_hash(rec, rec.prev_hash, archive.hash_scheme) != rec.hash:
            return ChainCheck(False, checked, rec.pk, "归档内记录摘要不符")
        prev_hash = rec.hash
        last = rec
        checked += 1
    if checked != archive.count or last is None or last.pk != archive.last_id or last.hash != archive.last_hash:
        return ChainCheck(False, checked, archive.last_id, "归档记录数或末条摘要与归档登记不符")
    return ChainCheck(True, checked)
