"""Reading and writing evidence bytes through `teis.core.storage.get_storage()` (local disk or S3).

- `store_original` writes a file once under a fresh name (never overwriting; on disk the file is made
  read-only, and a temp file on the same disk is moved rather than copied);
- `iter_range` streams an exact byte range without loading the object (S3: a ranged GET);
- `sm3_of` re-hashes a stored object by streaming it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from teis.core.crypto import Sm3Hasher
from teis.core.storage import get_storage

PIECE = 1 << 20


def upload_dir() -> Path:
    """Local directory for upload sessions' temporary files (must be shared by all web workers of a node)."""
    path = Path(getattr(settings, "TEIS_EVIDENCE_UPLOAD_DIR", "") or Path(settings.VAR_DIR) / "evidence_uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_temp_path(suffix: str = "") -> str:
    return str(upload_dir() / f"{uuid.uuid4().hex}{suffix}.part")


if TYPE_CHECKING:
    _File = File[Any]
else:
    _File = File  # File is generic only in the stubs


class _TempFile(_File):
    """A File whose `temporary_file_path` lets FileSystemStorage move it instead of copying."""

    def __init__(self, path: str) -> None:
        super().__init__(open(path, "rb"), name=os.path.basename(path))  # noqa: SIM115 - closed by the caller
        self._path = path

    def temporary_file_path(self) -> str:
        return self._path


def storage_name(kind: str, ext: str) -> str:
    now = timezone.localtime()
    return f"evidence/{kind}/{now:%Y/%m}/{uuid.uuid4().hex}{ext.lower()[:10]}"


def store_original(temp_path: str, name: str) -> str:
    """Store the temp file under `name` (write-once); the temp file is consumed. Returns the stored name."""
    storage = get_storage()
    content = _TempFile(temp_path)
    try:
        stored = storage.save(name, content)
    finally:
        content.close()
    if isinstance(storage, FileSystemStorage):
        os.chmod(storage.path(stored), 0o444)
    elif os.path.exists(temp_path):
        os.unlink(temp_path)
    return stored


def store_derived(local_path: str, name: str) -> str:
    """Store a derived file (proxy, poster) copied from a local path; the local file is kept."""
    storage = get_storage()
    with open(local_path, "rb") as fh:
        return storage.save(name, File(fh, name=os.path.basename(name)))


def delete(name: str) -> None:
    if not name:
        return
    storage = get_storage()
    if isinstance(storage, FileSystemStorage):
        path = storage.path(name)
        if os.path.exists(path):
            os.chmod(path, 0o644)
            os.unlink(path)
        return
    storage.delete(name)


def exists(name: str) -> bool:
    return bool(name) and get_storage().exists(name)


def iter_range(name: str, start: int, length: int) -> Iterator[bytes]:
    """Yield exactly `length` bytes of the stored object from `start` (fewer only if the object is shorter)."""
    storage = get_storage()
    if length <= 0:
        return
    if isinstance(storage, FileSystemStorage):
        with open(storage.path(name), "rb") as fh:
            fh.seek(start)
            remaining = length
            while remaining > 0:
                data = fh.read(min(PIECE, remaining))
                if not data:
                    break
                remaining -= len(data)
                yield data
        return
    from storages.utils import clean_name

    s3: Any = storage  # django-storages' S3Storage (untyped): its boto3 client reads a byte range
    key = s3._normalize_name(clean_name(name))
    resp = s3.connection.meta.client.get_object(
        Bucket=s3.bucket_name, Key=key, Range=f"bytes={start}-{start + length - 1}"
    )
    body = resp["Body"]
    try:
        yield from body.iter_chunks(PIECE)
    finally:
        body.close()


def size_of(name: str) -> int:
    return get_storage().size(name)


def sm3_of(name: str) -> str:
    """SM3 of a stored object, streamed."""
    hasher = Sm3Hasher()
    for piece in iter_range(name, 0, size_of(name)):
        hasher.update(piece)
    return hasher.hexdigest()


def copy_to_local(name: str, suffix: str = "") -> tuple[str, bool]:
    """A local path holding the stored object: the file itself on disk (False = do not delete), or a temp
    copy for S3 (True = the caller deletes it)."""
    storage = get_storage()
    if isinstance(storage, FileSystemStorage):
        return storage.path(name), False
    path = new_temp_path(suffix)
    with open(path, "wb") as out:
        for piece in iter_range(name, 0, size_of(name)):
            out.write(piece)
    return path, True
