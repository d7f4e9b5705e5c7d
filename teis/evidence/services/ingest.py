"""Evidence ingest: resumable chunked upload sessions and `ingest_bytes` for other apps.

Guarantees:
- SM3 of the original is computed while bytes arrive (OpenSSL `Sm3Hasher`); the hasher is kept per session in
  this process and rebuilt from the temporary file when missing or behind (restart, another worker).
- Chunks must start at the received offset (`offset_mismatch` with the expected offset otherwise); a chunk
  repeating bytes already received is acknowledged when its bytes are identical; a chunk larger than
  `CHUNK_MAX` or beyond the declared size is refused. Writers of one session are serialised by `flock`.
- On completion: size, declared hash, magic bytes against name and declared type, duplicate by hash; then
  the original is stored write-once and the item created and audited in one transaction. Any refusal marks
  the session failed and deletes the temporary and any stored bytes.
- Sessions idle longer than `SESSION_IDLE_HOURS` are reaped by a periodic job (temp files deleted).
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.crypto import Sm3Hasher
from teis.core.services import ServiceError

from ..choices import EvidenceSource, EvidenceStatus, ProxyStatus, UploadStatus
from ..models import CaseEvidenceLink, Device, EvidenceItem, UploadSession
from . import blobs
from .content import category_for, check_content
from .principal import StationPrincipal, audit_actor

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from django.contrib.auth.models import User

    from teis.cases.models import EnforcementCase

    from .principal import Principal


CHUNK_MAX = getattr(settings, "TEIS_EVIDENCE_CHUNK_MAX", 32 * 1024 * 1024)
FILE_MAX = getattr(settings, "TEIS_EVIDENCE_FILE_MAX", 64 * 1024**3)
SESSION_IDLE_HOURS = getattr(settings, "TEIS_EVIDENCE_SESSION_IDLE_HOURS", 48)
READ_PIECE = 1 << 20
SM3_RE = re.compile(r"^[0-9a-f]{64}$")
OBJECT_TYPE = "evidence.evidenceitem"

HASH_BACKLOG = 2 * CHUNK_MAX  # bytes of one session received but not yet hashed, at most (memory bound)
_hashers: dict[str, _HashPipe] = {}
_hashers_lock = threading.Lock()
_hash_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="evidence-sm3")


class _HashPipe:
    """The SM3 of one upload session, fed in order and computed in a pool thread (OpenSSL) while the bytes
    keep arriving — across chunks: the answer to a chunk does not wait for its hash, so the hash of chunk n
    runs while chunk n+1 is on the wire. `hashed_to` counts the bytes handed over; `wait()` waits until the
    backlog is at most `backlog` bytes (0: the digest covers `hashed_to`)."""

    def __init__(self, hasher: Sm3Hasher, hashed_to: int) -> None:
        self.hasher = hasher
        self.hashed_to = hashed_to
        self._queue: deque[bytes | memoryview] = deque()
        self._backlog = 0
        self._running = False
        self._error: BaseException | None = None
        self._cond = threading.Condition()
        self.broken = False

    def put(self, piece: bytes | memoryview) -> None:
        with self._cond:
            if self._error is not None:
                raise self._error
            self._queue.append(piece)
            self._backlog += len(piece)
            self.hashed_to += len(piece)
            if not self._running:
                self._running = True
                _hash_pool.submit(self._drain)
        if self._backlog > HASH_BACKLOG:
            self.wait(HASH_BACKLOG // 2)

    def _drain(self) -> None:
        while True:
            with self._cond:
                if not self._queue or self.broken:
                    self._running = False
                    self._cond.notify_all()
                    return
                piece = self._queue.popleft()
            try:
                self.hasher.update(piece)
            except BaseException as exc:  # pragma: no cover - OpenSSL does not fail on bytes
                with self._cond:
                    self._error = exc
            with self._cond:
                self._backlog -= len(piece)
                self._cond.notify_all()

    def wait(self, backlog: int = 0) -> None:
        with self._cond:
            while self._backlog > backlog and self._error is None and not self.broken:
                self._cond.wait()
            if self._error is not None:
                raise self._error

    def hexdigest(self) -> str:
        self.wait(0)
        return self.hasher.hexdigest()

    def stop(self) -> None:
        with self._cond:
            self.broken = True
            self._queue.clear()
            self._cond.notify_all()


def _drop_hasher(token: str) -> None:
    with _hashers_lock:
        pipe = _hashers.pop(token, None)
    if pipe is not None:
        pipe.stop()


# --- opening a session -------------------------------------------------------------------------------


def _officer_unit_for(principal: Principal, metadata: dict[str, Any]) -> tuple[Any, Any, Device | None]:
    """(officer user, unit, body camera) of new evidence: the uploader, or for a workstation the body
    camera's assigned officer (or the officer named in the metadata) and the workstation's unit."""
    serial = str(metadata.get("device_serial") or "").strip()
    camera = Device.objects.filter(serial=serial).first() if serial else None
    if isinstance(principal, StationPrincipal):
        officer = camera.assigned_to if camera and camera.assigned_to_id else None
        username = str(metadata.get("officer") or "").strip()
        if username:
            officer = get_user_model().objects.filter(username=username, is_active=True).first()
        if officer is None:
            raise ServiceError(
                "no_officer", "无法确定执法人员：请提供已分配的记录仪编号或执法人员账号", {"officer": ["必填"]}
            )
        return officer, principal.station.unit, camera
    officer_profile = getattr(principal, "officer", None)
    if officer_profile is None:
        raise ServiceError("no_officer", "当前账号没有执法人员档案，不能上传证据")
    return principal, officer_profile.unit, camera


def clean_metadata(principal: Principal, metadata: dict[str, Any]) -> dict[str, Any]:
    """Validate what the client says about the file; returns JSON-safe metadata."""
    out: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in ("title", "description", "place", "device_serial", "link_description", "officer"):
        value: Any = metadata.get(key)
        if value not in (None, ""):
            out[key] = str(value)[: 300 if key != "description" else 4000]
    source = metadata.get("source") or (
        EvidenceSource.BODY_CAMERA if isinstance(principal, StationPrincipal) else EvidenceSource.UPLOAD
    )
    if source not in EvidenceSource.values:
        errors["source"] = ["来源无效"]
    out["source"] = source
    for key in ("captured_at", "captured_end"):
        value = metadata.get(key)
        if value in (None, ""):
            continue
        parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
        if parsed is None:
            errors[key] = ["时间格式无效，应为 ISO 8601"]
            continue
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        out[key] = parsed.isoformat()
    if "captured_at" in out and "captured_end" in out and out["captured_end"] < out["captured_at"]:
        errors["captured_end"] = ["结束时间早于开始时间"]
    for key, low, high in (("lon", -180, 180), ("lat", -90, 90)):
        value = metadata.get(key)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[key] = ["须为数字"]
            continue
        if not low <= number <= high:
            errors[key] = ["超出范围"]
        out[key] = number
    points = metadata.get("gps_points") or []
    if points:
        if not isinstance(points, list) or not all(
            isinstance(p, list | tuple) and len(p) >= 2 and all(isinstance(v, int | float) for v in p[:2])
            for p in points
        ):
            errors["gps_points"] = ["轨迹点格式应为 [[经度, 纬度, 时间], ...]"]
        else:
            out["gps_points"] = [list(p[:3]) for p in points[:10000]]
    case_ref = metadata.get("case")
    if case_ref not in (None, ""):
        if not isinstance(case_ref, str | int) or len(str(case_ref).strip()) > 60:
            errors["case"] = ["案件编号无效"]
        else:
            out["case"] = str(case_ref).strip()  # 统一案件编码, 文号 or id: resolved by cases.services
    if errors:
        raise ServiceError("invalid", "上传信息有误", errors)
    return out


def _resolve_case(principal: Principal, case_ref: str | int | None) -> EnforcementCase | None:
    from teis.cases.models import EnforcementCase
    from teis.cases.services.case import resolve_case

    if case_ref in (None, ""):
        return None
    qs = EnforcementCase.objects.all()
    if not isinstance(principal, StationPrincipal):
        qs = qs.for_user(principal)
    case = resolve_case(qs, case_ref)
    if case is None:
        raise ServiceError("case_not_found", "案件不存在或不在您的数据权限范围内", {"case": ["案件不存在"]})
    return case


def do_open_upload(
    principal: Principal, *, filename: str, size: int, content_type: str = "", sm3: str = "", metadata: Any = None
) -> UploadSession:
    """Start an upload session. Refuses bad names, types, sizes and hashes before any byte is sent."""
    filename = os.path.basename(str(filename or "").replace("\\", "/")).strip()
    if not filename:
        raise ServiceError("invalid", "缺少文件名", {"filename": ["必填"]})
    category_for(filename)
    if not isinstance(size, int) or size <= 0:
        raise ServiceError("invalid", "文件大小无效", {"size": ["须为正整数"]})
    if size > FILE_MAX:
        raise ServiceError("too_large", f"文件超过上限 {FILE_MAX // 1024**3} GB", {"size": ["文件过大"]})
    sm3 = (sm3 or "").strip().lower()
    if sm3 and not SM3_RE.match(sm3):
        raise ServiceError("invalid", "SM3 摘要应为 64 位十六进制", {"sm3": ["格式无效"]})
    meta = clean_metadata(principal, dict(metadata or {}))
    _officer_unit_for(principal, meta)
    _resolve_case(principal, meta.get("case"))
    path = blobs.new_temp_path()
    with open(path, "wb"):
        pass  # the empty temp file the chunks are written into
    station = principal.station if isinstance(principal, StationPrincipal) else None
    uploader = None if isinstance(principal, StationPrincipal) else principal
    with transaction.atomic():
        session = UploadSession.objects.create(
            token=secrets.token_urlsafe(24),
            filename=filename[:255],
            size=size,
            declared_sm3=sm3,
            content_type=(content_type or "")[:100],
            temp_path=path,
            uploader=uploader,
            station=station,
            metadata=meta,
        )
        audit.record(
            audit_actor(principal),
            AuditAction.CREATE,
            session,
            detail={"operation": "evidence.upload_open", "size": size, "station": station.serial if station else ""},
        )
    return session


def access_session(principal: Principal, token: str) -> UploadSession:
    """The principal's own upload session; anyone else's is "not found"."""
    qs = UploadSession.objects.filter(token=token)
    if isinstance(principal, StationPrincipal):
        qs = qs.filter(station=principal.station)
    else:
        qs = qs.filter(uploader=principal)
    session = qs.first()
    if session is None:
        raise Http404("上传会话不存在或已过期")
    return session


# --- chunks ------------------------------------------------------------------------------------------


@contextmanager
def _locked(path: str) -> Iterator[BinaryIO]:
    try:
        fh = open(path, "r+b")  # noqa: SIM115 - closed in the finally below
    except FileNotFoundError:
        raise ServiceError("session_lost", "上传会话的临时文件已不存在，请重新上传") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield fh
    finally:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def _hasher_for(token: str, fh: BinaryIO, received: int) -> _HashPipe:
    """The session's hash pipe if it has been fed exactly the `received` bytes; otherwise (restart, another
    worker took a chunk, an aborted chunk) a new one from re-hashing the temp file."""
    with _hashers_lock:
        cached = _hashers.get(token)
    if cached is not None and cached.hashed_to == received and not cached.broken:
        return cached
    if cached is not None:
        cached.stop()
    hasher = Sm3Hasher()
    fh.seek(0)
    remaining = received
    while remaining:
        data = fh.read(min(READ_PIECE * 8, remaining))
        if not data:
            break
        hasher.update(data)
        remaining -= len(data)
    pipe = _HashPipe(hasher, received)
    with _hashers_lock:
        _hashers[token] = pipe
    return pipe


def parse_chunk_headers(raw_offset: Any, raw_length: Any) -> tuple[int, int]:
    """(offset, length) of a chunk request from its `Upload-Offset` (or `?offset=`) and `Content-Length`;
    the same refusals for the Django view and the streaming ASGI endpoint."""
    try:
        offset = int(raw_offset)
        length = int(raw_length or 0)
    except (TypeError, ValueError):
        raise ServiceError("invalid", "缺少或无效的分片起点（Upload-Offset）", {"offset": ["须为非负整数"]}) from None
    if length <= 0:
        raise ServiceError("invalid", "分片为空", {"body": ["分片不能为空"]})
    if length > CHUNK_MAX:
        raise ServiceError("chunk_too_large", f"分片过大：单个分片不能超过 {CHUNK_MAX // (1024 * 1024)} MB")
    return offset, length


class ChunkWriter:
    """One chunk being appended to an upload session: `open()` checks the rules and takes the session's
    lock, `feed()` takes the bytes as they arrive (any piece sizes), `finish()` records the new offset and
    releases the lock, `abort()` drops what this chunk wrote. The rules (offset mismatch, repeated or
    overlapping bytes, conflicts, oversize, beyond the declared size) live here only: the Django view and
    the streaming ASGI endpoint (`teis.evidence.asgi`) both drive this class.

    SM3 runs in the session's `_HashPipe` (a pool thread, in order) while the next piece is received and
    written, and goes on after the chunk is answered: an upload costs max(hash, I/O) rather than their sum.
    `feed` may be called from any one thread at a time; `open` / `finish` touch the database."""

    def __init__(self, principal: Principal, token: str, offset: int, length: int) -> None:
        self.principal, self.token, self.offset, self.length = principal, token, offset, length
        self.session: UploadSession | None = None
        self._fh: BinaryIO | None = None
        self._closed = False

    def open(self) -> ChunkWriter:
        if self.length > CHUNK_MAX:
            raise ServiceError("chunk_too_large", f"分片过大：单个分片不能超过 {CHUNK_MAX // (1024 * 1024)} MB")
        if self.offset < 0:
            raise ServiceError("invalid", "分片偏移无效", {"offset": ["须为非负整数"]})
        session = access_session(self.principal, self.token)
        if session.status != UploadStatus.OPEN:
            raise ServiceError("session_closed", f"上传会话已{session.get_status_display()}")
        self._lock = _locked(session.temp_path)
        fh = self._lock.__enter__()
        try:
            session.refresh_from_db(fields=["received", "status"])
            if session.status != UploadStatus.OPEN:
                raise ServiceError("session_closed", f"上传会话已{session.get_status_display()}")
            if self.offset > session.received:
                raise ServiceError(
                    "offset_mismatch",
                    f"分片不连续：应从第 {session.received} 字节续传",
                    {"expected_offset": [str(session.received)]},
                )
            if self.offset + self.length > session.size:
                raise ServiceError("exceeds_size", f"分片超出声明的文件大小 {session.size} 字节")
            self.pipe = _hasher_for(self.token, fh, session.received)
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        self.session, self._fh = session, fh
        self.received = session.received
        self.pos, self.skip = self.offset, session.received - self.offset
        self._seek = True
        return self

    def feed(self, piece: bytes) -> None:
        fh, view = self._fh, memoryview(piece)
        assert fh is not None, "feed() after open()"
        if self.pos - self.offset + len(view) > self.length:
            view = view[: self.length - (self.pos - self.offset)]  # never more than Content-Length
        if self.skip > 0:
            n = min(self.skip, len(view))
            fh.seek(self.pos)
            if fh.read(n) != view[:n]:
                raise ServiceError("chunk_conflict", "重复发送的分片与已接收的内容不一致")
            self.pos, self.skip, view = self.pos + n, self.skip - n, view[n:]
            if not len(view):
                return
            self._seek = True
        if self._seek:
            fh.seek(self.pos)
            self._seek = False
        fh.write(view)
        self.pipe.put(view)
        self.pos += len(view)

    def finish(self) -> UploadSession:
        """Keep what arrived (all of the chunk, or what came before the client stopped)."""
        assert self._fh is not None and self.session is not None, "finish() after open()"
        try:
            self._fh.flush()  # no fsync per chunk: the page cache holds it, the temp file is not the original
            new_received = max(self.pos, self.received)
            self._fh.truncate(new_received)
            UploadSession.objects.filter(pk=self.session.pk).update(received=new_received, updated_at=timezone.now())
        except BaseException:
            self.abort()
            raise
        self._close()
        self.session.received = new_received
        return self.session

    def abort(self) -> None:
        """Forget this chunk: the temp file goes back to the offset it had before."""
        if self._closed or self._fh is None:
            return
        try:
            _drop_hasher(self.token)  # it may have taken part of this chunk: rebuilt from the file next time
            self._fh.truncate(self.received)
        finally:
            self._close()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._lock.__exit__(None, None, None)


def do_write_chunk(
    principal: Principal, token: str, offset: int, pieces: Iterable[bytes], length: int
) -> UploadSession:
    """Append one chunk (an iterable of byte strings totalling `length`) at `offset`; returns the session
    with its new `received`. If the client stops early, what arrived is kept and the offset says so."""
    writer = ChunkWriter(principal, token, offset, length).open()
    try:
        for piece in pieces:
            writer.feed(piece)
    except BaseException:
        writer.abort()
        raise
    return writer.finish()


# --- completing --------------------------------------------------------------------------------------


def _fail(session: UploadSession, error: ServiceError, status: str = UploadStatus.FAILED) -> None:
    _drop_hasher(session.token)
    if os.path.exists(session.temp_path):
        os.unlink(session.temp_path)
    UploadSession.objects.filter(pk=session.pk).update(
        status=status, error=error.message[:300], updated_at=timezone.now()
    )


def do_complete(principal: Principal, token: str) -> EvidenceItem:
    """Check and store the uploaded file; returns the new evidence item (idempotent once completed)."""
    session = access_session(principal, token)
    if session.status == UploadStatus.COMPLETED and session.item is not None:
        return session.item
    if session.status != UploadStatus.OPEN:
        raise ServiceError("session_closed", f"上传会话已{session.get_status_display()}：{session.error}")
    with _locked(session.temp_path) as fh:
        session.refresh_from_db()
        if session.received != session.size:
            raise ServiceError(
                "incomplete",
                f"文件未上传完整：已接收 {session.received} / {session.size} 字节",
                {"expected_offset": [str(session.received)]},
            )
        sm3 = _hasher_for(token, fh, session.received).hexdigest()
        fh.seek(0)
        head = fh.read(8192)
    try:
        item = _finalise(
            principal,
            temp_path=session.temp_path,
            filename=session.filename,
            size=session.size,
            sm3=sm3,
            declared_sm3=session.declared_sm3,
            declared_type=session.content_type,
            head=head,
            metadata=session.metadata,
        )
    except ServiceError as exc:
        _fail(session, exc)
        raise
    _drop_hasher(token)
    UploadSession.objects.filter(pk=session.pk).update(
        status=UploadStatus.COMPLETED, item=item, updated_at=timezone.now()
    )
    return item


def do_cancel(principal: Principal, token: str) -> None:
    session = access_session(principal, token)
    if session.status == UploadStatus.OPEN:
        with _locked(session.temp_path):
            _fail(session, ServiceError("cancelled", "上传已取消"), UploadStatus.CANCELLED)


def reap_sessions(now: datetime | None = None) -> int:
    """Expire open sessions idle longer than SESSION_IDLE_HOURS and delete their temporary files."""
    cutoff = (now or timezone.now()) - timedelta(hours=SESSION_IDLE_HOURS)
    count = 0
    for session in UploadSession.objects.filter(status=UploadStatus.OPEN, updated_at__lt=cutoff):
        _fail(session, ServiceError("expired", "上传会话长时间无活动，已过期"), UploadStatus.EXPIRED)
        count += 1
    return count


def _finalise(
    principal: Principal,
    *,
    temp_path: str,
    filename: str,
    size: int,
    sm3: str,
    declared_sm3: str,
    declared_type: str,
    head: bytes,
    metadata: dict[str, Any],
    on_duplicate: str = "error",
) -> EvidenceItem:
    """Checks, then store write-once and create the item in one transaction. Consumes temp_path."""
    stored = ""
    try:
        if declared_sm3 and declared_sm3 != sm3:
            raise ServiceError(
                "hash_mismatch", "文件摘要与客户端声明的 SM3 不一致，文件可能在传输中损坏", {"sm3": ["不一致"]}
            )
        category, mime = check_content(head, filename, declared_type)
        existing = EvidenceItem.objects.exclude(status=EvidenceStatus.PURGED).filter(sm3=sm3).first()
        if existing is not None:
            if on_duplicate == "return":
                return existing
            raise ServiceError(
                "duplicate",
                f"该文件已入库（证据编号 {existing.pk}：{existing.title}）",
                {"existing_id": [str(existing.pk)]},
            )
        officer, unit, camera = _officer_unit_for(principal, metadata)
        case = _resolve_case(principal, metadata.get("case"))
        ext = os.path.splitext(filename)[1]
        stored = blobs.store_original(temp_path, blobs.storage_name("original", ext))
        with transaction.atomic():
            item = EvidenceItem(
                title=(metadata.get("title") or filename)[:200],
                category=category,
                source=metadata.get("source") or EvidenceSource.UPLOAD,
                device=camera,
                device_serial=metadata.get("device_serial", ""),
                officer=officer,
                unit=unit,
                captured_at=parse_datetime(metadata["captured_at"]) if metadata.get("captured_at") else None,
                captured_end=parse_datetime(metadata["captured_end"]) if metadata.get("captured_end") else None,
                place=metadata.get("place", ""),
                lon=metadata.get("lon"),
                lat=metadata.get("lat"),
                gps_points=metadata.get("gps_points") or [],
                description=metadata.get("description", ""),
                original_name=filename[:255],
                content_type=mime,
                size=size,
                sm3=sm3,
                storage_name=stored,
                proxy_status=ProxyStatus.PENDING if category in ("video", "audio", "photo") else ProxyStatus.NONE,
                created_by=audit_actor(principal),
            )
            item.save()
            audit.record(
                audit_actor(principal),
                AuditAction.CREATE,
                item,
                changes={k: [None, v] for k, v in audit.snapshot(item).items()},
                detail={
                    "operation": "evidence.ingest",
                    "sm3": sm3,
                    "size": size,
                    "station": getattr(principal, "serial", ""),
                },
            )
            if case is not None:
                CaseEvidenceLink.objects.create(
                    item=item,
                    case=case,
                    description=metadata.get("link_description", ""),
                    linked_by=audit_actor(principal),
                )
                audit.record(
                    audit_actor(principal),
                    AuditAction.UPDATE,
                    item,
                    detail={"operation": "evidence.link", "case_id": case.pk, "case": str(case)},
                )
            if camera is not None:
                Device.objects.filter(pk=camera.pk).update(last_sync_at=timezone.now())
            from .retention import refresh_delete_after

            refresh_delete_after(item)
            transaction.on_commit(lambda: _after_ingest(item.pk))
        # a new original was stored (not a duplicate returned); read back by ingest_bytes
        item.ingest_created = True  # type: ignore[attr-defined]
        return item
    except IntegrityError:
        blobs.delete(stored)
        raise ServiceError("duplicate", "该文件已入库（并发重复上传）") from None
    except BaseException:
        blobs.delete(stored)
        raise
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)


def _after_ingest(item_id: int) -> None:
    from ..tasks import process_media

    process_media(item_id)


# --- for other apps ----------------------------------------------------------------------------------


def ingest_bytes(
    actor: User,
    fileobj: BinaryIO,
    *,
    filename: str,
    content_type: str = "",
    category: str | None = None,
    case: EnforcementCase | None = None,
    source: str = EvidenceSource.SYSTEM,
    captured_at: datetime | str | None = None,
    description: str = "",
    link_description: str = "",
    metadata: dict[str, Any] | None = None,
    stored_names: list[Any] | None = None,
) -> EvidenceItem:
    """Ingest a file another app received (case attachments, the water non-site pipeline, mobile
    pre-registration): hash while copying to a temp file, the same checks as an upload, store write-once,
    optionally link to `case`. A file already in the centre (same SM3) is not stored twice: the existing
    item is returned (and linked to `case`). Raises ServiceError for a refused file; nothing half-stored.

    Called inside the caller's transaction, the item and link roll back with it but the stored bytes do not:
    pass `stored_names` (a list) to collect the storage names of newly stored originals, and remove them with
    `discard_stored(names)` if the caller's transaction fails (duplicates returned are never listed)."""
    filename = os.path.basename(str(filename or "").replace("\\", "/")).strip()
    if category is not None and category_for(filename) != category:
        raise ServiceError("content_mismatch", "文件类别与扩展名不符")
    meta = dict(metadata or {})
    meta.update({"source": source, "description": description, "link_description": link_description})
    if captured_at is not None:
        meta["captured_at"] = captured_at
    meta = clean_metadata(actor, meta)
    path = blobs.new_temp_path()
    hasher, size = Sm3Hasher(), 0
    try:
        with open(path, "wb") as out:
            if hasattr(fileobj, "seek"):
                try:
                    fileobj.seek(0)
                except (OSError, ValueError):
                    pass
            while True:
                data = fileobj.read(READ_PIECE)
                if not data:
                    break
                out.write(data)
                hasher.update(data)
                size += len(data)
        if size == 0:
            raise ServiceError("empty", "文件为空")
        with open(path, "rb") as fh:
            head = fh.read(8192)
        item = _finalise(
            actor,
            temp_path=path,
            filename=filename,
            size=size,
            sm3=hasher.hexdigest(),
            declared_sm3="",
            declared_type=content_type,
            head=head,
            metadata=meta,
            on_duplicate="return",
        )
    finally:
        if os.path.exists(path):
            os.unlink(path)
    if stored_names is not None and getattr(item, "ingest_created", False):
        stored_names.append(item.storage_name)
    if case is not None and not item.links.filter(case=case).exists():
        from .links import do_link

        do_link(actor, item, case, link_description, check_scope=False)
    return item


def discard_stored(names: Iterable[str]) -> None:
    """Remove originals stored by `ingest_bytes` inside a caller's transaction that then rolled back."""
    for name in names:
        blobs.delete(name)


def disk_free_bytes() -> int:
    return shutil.disk_usage(blobs.upload_dir()).free
