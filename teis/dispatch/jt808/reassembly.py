"""Sub-package reassembly (JT/T 808-2013 clause 4.4.3 消息包封装项: total WORD, index WORD from 1; each
sub-package has its own serial, consecutive from the first). Bounded: at most `max_pending` messages and
`max_bytes` buffered per connection; incomplete messages expire after `timeout_s`; duplicates are ignored."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .header import Header, Packet


@dataclass
class _Pending:
    first: Header | None
    total: int
    started: float
    parts: dict[int, bytes] = field(default_factory=dict)
    size: int = 0


class Reassembler:
    def __init__(
        self,
        *,
        timeout_s: float = 60.0,
        max_pending: int = 16,
        max_bytes: int = 512 * 1024,
        max_total: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout_s = timeout_s
        self.max_pending = max_pending
        self.max_bytes = max_bytes
        self.max_total = max_total
        self.clock = clock
        self._pending: dict[tuple[int, str, int, int], _Pending] = {}
        self._done: dict[tuple[int, str, int, int], float] = {}  # recently completed (late resends are duplicates)
        self._bytes = 0
        self.duplicates = 0
        self.expired = 0
        self.overflow = 0
        self.completed = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    @staticmethod
    def key_of(h: Header) -> tuple[int, str, int, int]:
        """The message a sub-package belongs to: id, phone, total and the serial of its first package."""
        return (h.msg_id, h.phone, h.sub_total, (h.serial - h.sub_index + 1) & 0xFFFF)

    def is_pending(self, key: tuple[int, str, int, int]) -> bool:
        return key in self._pending

    def is_done(self, key: tuple[int, str, int, int]) -> bool:
        """Completed lately (a package of it now is a resend)."""
        return key in self._done

    def add(self, packet: Packet) -> Packet | None:
        """A sub-package → the complete message (header of the first part, no sub-package fields) or None."""
        h = packet.header
        if not h.is_subpackage:
            return packet
        if h.sub_total > self.max_total:
            self.overflow += 1
            return None
        self.expire()
        key = self.key_of(h)
        if key in self._done:
            self.duplicates += 1
            return None
        entry = self._pending.get(key)
        if entry is None:
            while self._pending and len(self._pending) >= self.max_pending:
                self._drop(next(iter(self._pending)))
                self.overflow += 1
            entry = self._pending[key] = _Pending(None, h.sub_total, self.clock())
        if h.sub_index in entry.parts:
            self.duplicates += 1
            return None
        while self._bytes + len(packet.body) > self.max_bytes and self._pending:
            oldest = next(iter(self._pending))
            self._drop(oldest)
            self.overflow += 1
            if oldest == key:
                return None
        entry.parts[h.sub_index] = packet.body
        entry.size += len(packet.body)
        self._bytes += len(packet.body)
        if h.sub_index == 1:
            entry.first = h
        if len(entry.parts) < entry.total:
            return None
        self._drop(key)
        self.completed += 1
        self._done[key] = self.clock()
        if len(self._done) > 64:
            del self._done[next(iter(self._done))]
        body = b"".join(entry.parts[i] for i in range(1, entry.total + 1))
        first = entry.first or h
        header = replace(first, serial=key[3], sub_total=0, sub_index=0, body_length=len(body))
        return Packet(header, body)

    def expire(self) -> None:
        now = self.clock()
        for key in [k for k, e in self._pending.items() if now - e.started > self.timeout_s]:
            self._drop(key)
            self.expired += 1
        for key in [k for k, done in self._done.items() if now - done > self.timeout_s]:
            del self._done[key]

    def _drop(self, key: tuple[int, str, int, int]) -> None:
        entry = self._pending.pop(key)
        self._bytes -= entry.size
