"""The gateway's write-ahead journal of location reports: a report is acknowledged (0x8001 result 0) only once it
is on disk, so a fix the terminal was told "success" for survives a kill -9 of the gateway or of the ingest
process (pure Python, no Django).

Layout: a directory of segment files `NNNNNNNNNNNN.jnl` (a 12-digit sequence number). The gateway appends the
raw location bodies of each report to the open segment and `fsync`s once per group — every report that arrived
while the previous `fsync` ran goes to disk with the next one (group commit: one `fsync` of about a millisecond
for hundreds of reports), and then all their answers are sent. Each record:

    magic 0xA5, blind-area BYTE, phone length BYTE, body length WORD, received DOUBLE (Unix seconds),
    CRC-32 DWORD of everything before it and the phone and body, then the phone (ASCII) and the body.

A segment is closed when it exceeds `segment_bytes` or is older than `segment_s`, and deleted once every one of
its records is stored (the ingest counts them per segment). On start, every segment found is replayed before
the gateway listens: records stored before the crash are offered again and dropped by the fix table's unique
(vehicle, time) index, so a replay stores each fix once. A torn record at the end of a segment (the crash came
while it was written, so it was never acknowledged) ends that segment's replay.
"""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

MAGIC = 0xA5
_HEAD = struct.Struct(">BBBHd")  # magic, blind, phone length, body length, received
_CRC = struct.Struct(">I")
SUFFIX = ".jnl"

Entry = tuple[str, bytes, bool, float]  # (terminal phone, raw 0x0200 body, blind area, received Unix seconds)


def encode_record(phone: str, body: bytes, blind: bool, received: float) -> bytes:
    raw_phone = phone.encode("ascii")
    head = _HEAD.pack(MAGIC, 1 if blind else 0, len(raw_phone), len(body), received)
    crc = zlib.crc32(body, zlib.crc32(raw_phone, zlib.crc32(head)))
    return head + _CRC.pack(crc) + raw_phone + body


def decode_records(data: bytes) -> Iterator[Entry]:
    """The records of a segment's bytes, up to the first torn or corrupt one."""
    pos, n = 0, len(data)
    fixed = _HEAD.size + _CRC.size
    while pos + fixed <= n:
        magic, blind, phone_len, body_len, received = _HEAD.unpack_from(data, pos)
        (crc,) = _CRC.unpack_from(data, pos + _HEAD.size)
        start = pos + fixed
        end = start + phone_len + body_len
        if magic != MAGIC or end > n:
            return
        raw_phone, body = data[start : start + phone_len], data[start + phone_len : end]
        if zlib.crc32(body, zlib.crc32(raw_phone, zlib.crc32(data[pos : pos + _HEAD.size]))) != crc:
            return
        yield raw_phone.decode("ascii", errors="replace"), bytes(body), bool(blind), received
        pos = end


class Journal:
    """Append on the event loop, `sync` in one worker thread, count what is stored per segment, delete what is
    done. The loop side (`append`, `take`, `stored`) decides segments and deletions; the thread side (`sync`)
    alone touches the files, in the order it is handed the work, so a segment is deleted only after its last
    bytes were written."""

    def __init__(self, directory: str | os.PathLike, *, segment_bytes: int = 64 << 20, segment_s: float = 600.0):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.segment_bytes = segment_bytes
        self.segment_s = segment_s
        self._found = sorted(p for p in self.dir.glob(f"*{SUFFIX}") if p.stem.isdigit())
        self._next = int(self._found[-1].stem) + 1 if self._found else 1
        # loop side
        self.current = 0  # the segment appended to (0: none yet)
        self._opened_at = 0.0
        self._size = 0
        self._buffer: list[tuple[int, bytes]] = []
        self._delete: list[int] = []
        self.pending: dict[int, int] = {}  # segment → records appended and not yet stored
        self.closed: set[int] = set()  # segments no longer appended to, with records not yet stored
        # thread side
        self._fd: int | None = None
        self._fd_segment = 0

    # -- start: what a previous run left ---------------------------------------------------------------------

    def leftovers(self) -> list[tuple[int, list[Entry]]]:
        """The segments a previous run left, oldest first: replay each, then `forget` it."""
        out = [(int(path.stem), list(decode_records(path.read_bytes()))) for path in self._found]
        self._found = []
        return out

    def forget(self, segment: int) -> None:
        """A leftover segment was replayed and stored (before the gateway runs: no thread writes yet)."""
        self._unlink(segment)

    # -- loop side -------------------------------------------------------------------------------------------

    def append(self, phone: str, body: bytes, blind: bool, received: float) -> int:
        """Queue one record for the next `sync`; the segment it goes to (give it back to `stored`)."""
        now = time.monotonic()
        if not self.current or self._size >= self.segment_bytes or now - self._opened_at >= self.segment_s:
            self._rotate(now)
        record = encode_record(phone, body, blind, received)
        self._buffer.append((self.current, record))
        self._size += len(record)
        segment = self.current
        self.pending[segment] = self.pending.get(segment, 0) + 1
        return segment

    def take(self) -> tuple[list[tuple[int, bytes]], list[int]]:
        """The records appended since the last call and the segments to delete after writing them."""
        work = (self._buffer, self._delete)
        self._buffer, self._delete = [], []
        return work

    @property
    def has_work(self) -> bool:
        return bool(self._buffer or self._delete)

    def stored(self, segment: int, count: int = 1) -> None:
        """`count` records of `segment` are in the database; a closed segment with none left is deleted (by the
        next `sync`)."""
        left = self.pending.get(segment, 0) - count
        if left > 0:
            self.pending[segment] = left
            return
        self.pending.pop(segment, None)
        if segment in self.closed:
            self.closed.discard(segment)
            self._delete.append(segment)

    def finish(self) -> None:
        """Stop appending: the open segment is closed (deleted once everything in it is stored)."""
        if self.current:
            self._close_segment(self.current)
            self.current = 0

    def _rotate(self, now: float) -> None:
        if self.current:
            self._close_segment(self.current)
        self.current = self._next
        self._next += 1
        self._opened_at = now
        self._size = 0

    def _close_segment(self, segment: int) -> None:
        if self.pending.get(segment, 0) <= 0:
            self.pending.pop(segment, None)
            self._delete.append(segment)
        else:
            self.closed.add(segment)

    # -- thread side -----------------------------------------------------------------------------------------

    def sync(self, work: tuple[list[tuple[int, bytes]], list[int]]) -> None:
        """Write the records (opening the segments they go to), fsync, then delete the finished segments. The
        acknowledgements of these records wait for this."""
        records, delete = work
        i, n = 0, len(records)
        while i < n:
            segment = records[i][0]
            j = i
            while j < n and records[j][0] == segment:
                j += 1
            self._open(segment)
            data = memoryview(b"".join(r for _s, r in records[i:j]))
            while data:
                data = data[os.write(self._fd, data) :]
            i = j
        if self._fd is not None and records:
            os.fsync(self._fd)
        for segment in delete:
            if segment == self._fd_segment:
                self._close_fd()
            self._unlink(segment)

    def close(self) -> None:
        """Thread side, at the very end: close the file."""
        if self._fd is not None:
            os.fsync(self._fd)
        self._close_fd()

    def _open(self, segment: int) -> None:
        if segment == self._fd_segment and self._fd is not None:
            return
        if self._fd is not None:
            os.fsync(self._fd)  # the previous segment's last records
            self._close_fd()
        self._fd = os.open(self._path(segment), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._fd_segment = segment
        self._fsync_dir()  # the new file's directory entry must survive a crash too

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._fd_segment = None, 0

    def _path(self, segment: int) -> Path:
        return self.dir / f"{segment:012d}{SUFFIX}"

    def _unlink(self, segment: int) -> None:
        try:
            self._path(segment).unlink()
        except FileNotFoundError:
            pass

    def _fsync_dir(self) -> None:
        try:
            fd = os.open(self.dir, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
