"""The platform side of JT/T 808 over TCP: an asyncio server that frames, decodes, answers and hands position
fixes to a sink in batches. No Django here: the sink (see `sink.DjangoSink`) is called in dedicated worker threads
— a small pool for register / authenticate, one thread for seen and text commands (ordered), one for fix batches
(ordered) — so the event loop never blocks on the database.

Robustness: every connection has a bounded frame splitter and a bounded sub-package buffer; malformed frames are
counted by reason and dropped (or answered 0x8001 "消息有误" when their header is readable); a connection that
floods (too many bad frames, too much garbage, too many frames per second) is closed; an idle one is closed;
reading waits for room in the fix queue (backpressure); an exception in one frame never leaves its handler.

Acknowledged means stored: a location report (0x0200, 0x0704, and every sub-package of one) is answered 0x8001
result 0 only once its fixes are in the write-ahead journal on disk (`journal`, fsync'd per group of reports;
replayed on start), or, without a journal, once the batch holding them is committed. A batch that fails is
retried; what still fails stays in the journal for the next start (without one, the terminal is answered 1 失败
and keeps the data).
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from teis.dispatch.fixes import Fix

from .bulk import batch_location_bodies, check_location_body, location_fix
from .framing import FrameError, FrameSplitter, check_code
from .header import Header, Packet, build_packet, decode_frame, encode_frame, peek_header, phone_key
from .journal import Journal
from .location import BatchLocation, Location
from .messages import (
    BATCH_LOCATION,
    LOCATION,
    RESULT_FAILURE,
    RESULT_MESSAGE_ERROR,
    RESULT_NOT_SUPPORTED,
    RESULT_OK,
    TEXT_MESSAGE,
    Authenticate,
    GeneralResponse,
    Heartbeat,
    Logout,
    Register,
    RegisterResponse,
    TextMessage,
    Unknown,
    decode_body,
)
from .reassembly import Reassembler

log = logging.getLogger("teis.dispatch.jt808")

COMMAND_SENT, COMMAND_ACKED, COMMAND_FAILED = "sent", "acked", "failed"
_ACK_TAIL = struct.Struct(">HHHB")  # 0x8001: our serial, then the body (reply serial, reply id, result)


class Sink(Protocol):
    """What the gateway needs from the platform; every method is synchronous and runs in a worker thread."""

    def register(self, phone: str, message: Register) -> tuple[int, str]: ...
    def authenticate(self, phone: str, message: Authenticate) -> bool: ...
    def seen(self, phone: str, online: bool) -> None: ...
    def ingest(self, fixes: list[Fix]) -> Any: ...
    # optional: `ingest_raw(entries)` with entries (phone, raw 0x0200 body, blind area), returning a result with
    # `invalid_time` besides the counts of `ingest` (see `bulk.location_fixes`)
    def pending_commands(self, phones: list[str]) -> list: ...
    def mark_command(self, command_id: int, status: str, detail: str = "") -> None: ...


@dataclass
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 7808
    idle_timeout_s: float = 300.0  # no byte for this long → close (terminals heartbeat every 30–60 s)
    read_size: int = 4096  # per read: bounds what one connection holds while it waits for queue room
    max_frame: int = 2200  # escaped bytes; the largest legal frame is ~2,090
    # fixes per ingest call: a batch costs a few round trips and one latest-fix upsert per vehicle, so under load
    # larger batches store more per second (2,500 terminals offered 25,000 fixes/s: 12,800 /s sustained with
    # batches of 1,000, 17,200 with 4,000, 24,800 with 8,000); below that rate `flush_ms` cuts the batch first
    batch_size: int = 8000
    flush_ms: float = 200.0  # or this long after the first queued fix
    # fixes waiting for ingest while a batch is stored (0: one batch). Meant for latency, not buffering: at
    # saturation a fix waits about one batch in the queue and one being stored; full → stop reading
    queue_max: int = 0
    bad_limit: int = 50  # bad frames per `bad_window_s` before a connection counts as a flood
    bad_window_s: float = 10.0
    max_garbage: int = 64 * 1024  # bytes outside frames per connection
    max_frames_per_s: int = 500  # a terminal sends a few per second at most
    poll_s: float = 1.0  # text-command polling interval
    login_threads: int = 4  # concurrent register / authenticate calls (1 on SQLite: one writer at a time)
    heartbeat_seen_s: float = 60.0  # at most one `seen` per connection this often
    subpackage_timeout_s: float = 60.0
    # write-ahead journal of location reports (see `journal`): answered once fsync'd; None: answered once the
    # batch is committed (a closed-loop terminal then waits a flush interval and a batch for every answer)
    journal_dir: str | None = None
    ingest_attempts: int = 5  # a failing batch is tried this often (backoff from `retry_s`, doubling, ≤ 30 s)
    retry_s: float = 0.5


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop when it is installed (it comes with uvicorn[standard]; its streams and timers cost
    about half of asyncio's per frame), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(coro):
    """`asyncio.run` on `new_event_loop()`."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coro)


class _Ack:
    """The answer owed for one location message: sent once its fixes are journaled (or, without a journal, once
    the last batch holding them committed: `left` counts them down; one failed batch makes it 1 失败)."""

    __slots__ = ("conn", "headers", "left", "failed")

    def __init__(self, conn: Connection, headers: list[Header], left: int = 0) -> None:
        self.conn, self.headers, self.left, self.failed = conn, headers, left, False

    def send(self, result: int) -> None:
        conn = self.conn
        if conn.writer.is_closing():  # the terminal resends what it got no answer for
            conn.gateway.stats["acks_undelivered"] += len(self.headers)
            return
        for header in self.headers:
            conn.respond(header, result)
        conn.gateway.stats["acks_ok" if result == RESULT_OK else "acks_failed"] += len(self.headers)


class Connection:
    def __init__(self, gateway: Gateway, writer: asyncio.StreamWriter) -> None:
        cfg = gateway.config
        self.gateway = gateway
        self.writer = writer
        self.peer = writer.get_extra_info("peername")
        self.splitter = FrameSplitter(cfg.max_frame)
        self.reassembler = Reassembler(timeout_s=cfg.subpackage_timeout_s)
        self.authenticated: dict[str, str] = {}  # phone key → phone as the terminal sends it
        self.version_2019 = False
        self.protocol_version = 1
        self._serial = 0
        self.awaiting_ack: dict[int, int] = {}  # our 0x8300 serial → command id
        self._bad: collections.deque[float] = collections.deque()
        self._rate_start = float("-inf")  # the window of `count_frame` starts at its first frame
        self._rate_count = 0
        self._oversize_seen = 0
        self.last_seen_call: dict[str, float] = {}  # phone key → last `seen` (a connection may carry several)
        self.last_read = time.monotonic()  # the idle sweeper closes the connection `idle_timeout_s` after this
        self.idle_closed = False
        self.flooded = False
        self._out: list[bytes] | None = None
        self._ack_prefix: dict[tuple[str, bool, int], tuple[bytes, int]] = {}
        self.sub_acks: dict[tuple, list[Header]] = {}  # location sub-packages answered when the message is stored

    def next_serial(self) -> int:
        self._serial = (self._serial + 1) & 0xFFFF
        return self._serial

    def bad(self, n: int = 1) -> None:
        cfg = self.gateway.config
        now = time.monotonic()
        for _ in range(n):
            self._bad.append(now)
        while self._bad and now - self._bad[0] > cfg.bad_window_s:
            self._bad.popleft()
        if len(self._bad) > cfg.bad_limit:
            self.flooded = True

    def count_frame(self) -> None:
        # a one-second window from its first frame (not the clock's whole seconds, which let a burst that straddles
        # one through at twice the limit)
        now = time.monotonic()
        if now - self._rate_start >= 1.0:
            self._rate_start, self._rate_count = now, 0
        self._rate_count += 1
        if self._rate_count > self.gateway.config.max_frames_per_s:
            self.flooded = True

    def write(self, frame: bytes) -> None:
        """Queue a frame: collected while the frames of one read are handled (`_serve` flushes them in one
        write, one system call for all the answers to a read), else written at once."""
        if self._out is not None:
            self._out.append(frame)
        else:
            self.writer.write(frame)

    def flush(self) -> None:
        out, self._out = self._out, None
        if out:
            self.writer.write(b"".join(out) if len(out) > 1 else out[0])

    def send(self, msg_id: int, phone: str, body: bytes, serial: int | None = None) -> int:
        serial = self.next_serial() if serial is None else serial
        options = {"version_2019": self.version_2019, "protocol_version": self.protocol_version}
        self.write(encode_frame(msg_id, phone, serial, body, **options))
        return serial

    def respond(self, header: Header, result: int) -> None:
        """0x8001 平台通用应答 — the same bytes as `send(0x8001, …)`, from a header prefix cached per terminal
        (phone BCD, version) and its check code, so an answer costs a `struct.pack` and two `bytes.replace`."""
        key = (header.phone, self.version_2019, self.protocol_version)
        cached = self._ack_prefix.get(key)
        if cached is None:
            if len(self._ack_prefix) > 1024:  # a connection carries a few terminals; bound what a liar can add
                self._ack_prefix.clear()
            prefix = build_packet(
                0x8001,
                header.phone,
                0,
                b"\0" * 5,
                version_2019=self.version_2019,
                protocol_version=self.protocol_version,
            )[:-7]  # fmt: skip (header without serial; the body is 5 bytes)
            cached = self._ack_prefix[key] = (prefix, check_code(prefix))
        prefix, prefix_code = cached
        tail = _ACK_TAIL.pack(self.next_serial(), header.serial, header.msg_id, result)
        raw = prefix + tail
        raw += bytes((prefix_code ^ check_code(tail),))
        self.write(b"\x7e" + raw.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e")
        self.gateway.stats["responses"] += 1


class Gateway:
    def __init__(self, sink: Sink, config: GatewayConfig | None = None) -> None:
        self.sink = sink
        self.config = config or GatewayConfig()
        self.stats: collections.Counter[str] = collections.Counter()
        self.connections: set[Connection] = set()
        self.by_phone: dict[str, Connection] = {}
        self._server: asyncio.base_events.Server | None = None
        # a sink with `ingest_raw` takes (phone, raw 0x0200 body, blind area) and decodes in bulk itself (the
        # ingest process of `ProcessIngestSink`): the event loop only checks the bodies' structure
        self._raw = callable(getattr(sink, "ingest_raw", None))
        self._journal = Journal(self.config.journal_dir) if self.config.journal_dir else None
        if self._journal is not None and not self._raw:
            raise ValueError("a journal needs a sink with `ingest_raw` (it journals the raw location bodies)")
        self._sync_waiters: list[_Ack] = []
        self._sync_wake: asyncio.Event | None = None
        self._journal_pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="jt808-journal")
        self._queue: asyncio.Queue | None = None
        self._tasks: list[asyncio.Task] = []
        # register / authenticate: independent per terminal, database-bound → a few threads (a fleet logging in
        # after a restart); seen / text commands: one thread, so their order per terminal and command holds
        self._login = concurrent.futures.ThreadPoolExecutor(self.config.login_threads, thread_name_prefix="jt808-login")
        self._control = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="jt808-control")
        self._ingest_pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="jt808-ingest")
        self._closing = False
        self._handlers: set[asyncio.Task] = set()
        self._collecting: list = []  # the batch the flusher is filling (ingested on stop)
        self._inflight: asyncio.Task | None = None
        self.port: int | None = None

    # -- lifecycle ----------------------------------------------------------------------------------------------

    async def start(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.config.queue_max or self.config.batch_size)
        self._sync_wake = asyncio.Event()
        if self._journal is not None:
            await self._replay()  # what a crash left is stored before any terminal is answered again
        self._server = await asyncio.start_server(self._handle, self.config.host, self.config.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._tasks = [
            asyncio.create_task(self._flusher()),
            asyncio.create_task(self._poller()),
            asyncio.create_task(self._idle_sweeper()),
        ]
        if self._journal is not None:
            self._tasks.append(asyncio.create_task(self._syncer()))
        log.info("JT/T 808 gateway listening on %s:%s", self.config.host, self.port)

    async def stop(self) -> None:
        """Graceful: stop accepting, close connections (terminals reconnect elsewhere), ingest what is queued,
        mark the connected terminals offline, stop the worker threads."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.writer.close()
        if self._handlers:  # the flusher still runs, so handlers waiting for queue room can finish
            await asyncio.wait(list(self._handlers), timeout=10)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._inflight is not None:
            await self._inflight
        if self._queue is not None:
            rest, self._collecting = self._collecting, []
            while not self._queue.empty():
                rest.append(self._queue.get_nowait())
            for i in range(0, len(rest), self.config.batch_size):
                await self._ingest(rest[i : i + self.config.batch_size])
        if self._journal is not None:  # delete what is stored; what is not stays for the next start
            self._journal.finish()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._journal_pool, self._journal.sync, self._journal.take())
            await loop.run_in_executor(self._journal_pool, self._journal.close)
        self._journal_pool.shutdown(wait=True)
        release = getattr(self.sink, "release_thread", None)  # e.g. close the thread's database connection
        for pool, threads in ((self._login, self.config.login_threads), (self._control, 1), (self._ingest_pool, 1)):
            if release is not None:
                barrier = threading.Barrier(threads)  # one call in each of the pool's threads
                calls = [pool.submit(self._release, barrier, release) for _ in range(threads)]
                await asyncio.gather(*(asyncio.wrap_future(c) for c in calls), return_exceptions=True)
            pool.shutdown(wait=True)
        close = getattr(self.sink, "close", None)
        if close is not None:
            await asyncio.get_running_loop().run_in_executor(None, close)
        log.info("JT/T 808 gateway stopped: %s", dict(self.stats))

    async def serve_until(self, stop: asyncio.Event) -> None:
        await self.start()
        await stop.wait()
        await self.stop()

    # -- worker threads -----------------------------------------------------------------------------------------

    async def _call(self, fn: Callable, *args, pool: concurrent.futures.Executor | None = None) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool or self._control, fn, *args)

    def _fire(self, fn: Callable, *args) -> None:
        """A control-plane call whose result nobody waits for (errors are logged, never raised)."""
        try:
            future = self._control.submit(fn, *args)
        except RuntimeError:  # after stop(): the executor is gone and so is what we would report
            self.stats["sink_calls_dropped"] += 1
            return
        future.add_done_callback(self._log_failure)

    def _log_failure(self, future: concurrent.futures.Future) -> None:
        if future.exception() is not None:
            self.stats["sink_errors"] += 1
            log.error("JT/T 808 sink call failed", exc_info=future.exception())

    @staticmethod
    def _release(barrier: threading.Barrier, release: Callable[[], None]) -> None:
        try:
            barrier.wait(5)
        finally:
            release()

    async def _store(self, payloads: list) -> bool:
        """Hand one batch to the sink, retried with backoff (a restarted ingest process, a database that came
        back); False when every attempt failed."""
        ingest = self.sink.ingest_raw if self._raw else self.sink.ingest
        cfg = self.config
        loop = asyncio.get_running_loop()
        for attempt in range(max(1, cfg.ingest_attempts)):
            try:
                result = await loop.run_in_executor(self._ingest_pool, ingest, payloads)
            except Exception:
                self.stats["ingest_errors"] += 1
                log.exception("JT/T 808 ingest of %d fixes failed (attempt %d)", len(payloads), attempt + 1)
                if attempt + 1 < cfg.ingest_attempts:
                    await asyncio.sleep(min(cfg.retry_s * 2**attempt, 30.0))
                continue
            invalid_time = getattr(result, "invalid_time", 0)  # reports without a time and none given: dropped
            if isinstance(invalid_time, int) and invalid_time:
                self.stats["invalid_time"] += invalid_time
            else:
                invalid_time = 0
            self.stats["fixes_ingested"] += len(payloads) - invalid_time
            for name in ("stored", "unknown_device", "invalid", "late", "flagged", "alarms_raised"):
                value = getattr(result, name, 0)
                if isinstance(value, int) and value:
                    self.stats[f"ingest_{name}"] += value
            return True
        return False

    async def _ingest(self, batch: list) -> None:
        """A batch of queue items (payload, journal segment, `_Ack` or None): store, then settle the journal
        (stored records are done; a batch that could not be stored stays for the next start) or the answers."""
        ok = await self._store([item[0] for item in batch])
        journal = self._journal
        if journal is not None:
            if not ok:
                self.stats["fixes_deferred"] += len(batch)  # acknowledged and journaled: replayed on next start
                log.error("JT/T 808: %d journaled fixes left for the replay on the next start", len(batch))
                return
            counts: dict[int, int] = {}
            for item in batch:
                counts[item[1]] = counts.get(item[1], 0) + 1
            for segment, count in counts.items():
                journal.stored(segment, count)
            if journal.has_work and self._sync_wake is not None:
                self._sync_wake.set()
            return
        if not ok:
            self.stats["fixes_refused"] += len(batch)  # answered 1 失败: the terminal keeps and resends them
        for item in batch:
            ack = item[2]
            if ack is None:
                continue
            ack.failed |= not ok
            ack.left -= 1
            if ack.left == 0:
                ack.send(RESULT_FAILURE if ack.failed else RESULT_OK)

    async def _replay(self) -> None:
        """Before listening: store what the journal of a previous run holds (stored rows are dropped again by
        the unique (vehicle, time) index), then delete it; a segment that cannot be stored is kept."""
        journal = self._journal
        size = self.config.batch_size
        for segment, entries in journal.leftovers():
            ok = True
            for i in range(0, len(entries), size):
                ok = await self._store(entries[i : i + size]) and ok
            self.stats["journal_replayed"] += len(entries)
            if ok:
                journal.forget(segment)
            else:
                log.error("JT/T 808 journal segment %s could not be stored; kept for the next start", segment)
        if self.stats["journal_replayed"]:
            log.info("JT/T 808 journal replayed: %d fixes", self.stats["journal_replayed"])

    async def _syncer(self) -> None:
        """Group commit: write and fsync what was journaled since the last round (in the journal's thread), then
        answer the reports it held. Reports that arrive during an fsync go with the next one."""
        loop = asyncio.get_running_loop()
        journal, wake = self._journal, self._sync_wake
        while True:
            await wake.wait()
            wake.clear()
            work = journal.take()
            waiters, self._sync_waiters = self._sync_waiters, []
            result = RESULT_OK
            try:
                await loop.run_in_executor(self._journal_pool, journal.sync, work)
                self.stats["journal_syncs"] += 1
            except Exception:  # e.g. disk full: not on disk, so not acknowledged (the terminal keeps the data)
                self.stats["journal_errors"] += 1
                log.exception("JT/T 808 journal write failed")
                result = RESULT_FAILURE
            for ack in waiters:
                ack.send(result)

    async def _flusher(self) -> None:
        loop = asyncio.get_running_loop()
        queue = self._queue
        flush_s = self.config.flush_ms / 1000
        while True:
            batch = self._collecting = [await queue.get()]
            deadline = loop.time() + flush_s
            while len(batch) < self.config.batch_size:
                if not queue.empty():
                    batch.append(queue.get_nowait())
                    continue
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    async with asyncio.timeout(remaining):
                        batch.append(await queue.get())
                except TimeoutError:
                    break
            self._collecting = []  # from here on the batch belongs to the ingest thread
            self._inflight = asyncio.create_task(self._ingest(batch))
            await asyncio.shield(self._inflight)  # stop() cancels the flusher, never a running ingest

    async def _idle_sweeper(self) -> None:
        """Closes connections that sent nothing for `idle_timeout_s` (one timer for all connections instead of
        a timeout around every read, which cost a quarter of the gateway's time per frame)."""
        idle = self.config.idle_timeout_s
        while True:
            await asyncio.sleep(min(idle / 4, 5.0))
            now = time.monotonic()
            for conn in list(self.connections):
                if not conn.idle_closed and now - conn.last_read > idle:
                    conn.idle_closed = True
                    self.stats["idle_closed"] += 1
                    conn.writer.close()

    async def _poller(self) -> None:
        """Every `poll_s`: send the pending text messages (0x8300) of the connected terminals, mark them sent."""
        while True:
            await asyncio.sleep(self.config.poll_s)
            if not self.by_phone:
                continue
            try:
                phones = [c.authenticated[k] for k, c in self.by_phone.items() if k in c.authenticated]
                commands = await self._call(self.sink.pending_commands, phones)
            except Exception:
                self.stats["sink_errors"] += 1
                log.exception("JT/T 808 pending_commands failed")
                continue
            for command in commands:
                await self._send_command(command)

    async def _send_command(self, command: Any) -> None:
        key = phone_key(command.phone)
        conn = self.by_phone.get(key)
        if conn is None or conn.writer.is_closing():
            return
        phone = conn.authenticated.get(key, command.phone)
        flags = getattr(command, "flags", getattr(command, "flag", 0b100))
        try:
            body = TextMessage(command.text, flags).encode(conn.version_2019)
            serial = conn.send(TEXT_MESSAGE, phone, body)
        except FrameError as exc:
            await self._call(self.sink.mark_command, command.id, COMMAND_FAILED, str(exc))
            return
        conn.awaiting_ack[serial] = command.id
        self.stats["texts_sent"] += 1
        await self._call(self.sink.mark_command, command.id, COMMAND_SENT, "")

    # -- connections --------------------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._closing:
            writer.close()
            return
        task = asyncio.current_task()
        self._handlers.add(task)
        conn = Connection(self, writer)
        self.connections.add(conn)
        self.stats["connections"] += 1
        try:
            await self._serve(conn, reader)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        except Exception:
            self.stats["errors"] += 1
            log.exception("JT/T 808 connection %s failed", conn.peer)
        finally:
            self.connections.discard(conn)
            for key, phone in conn.authenticated.items():
                if self.by_phone.get(key) is conn:
                    del self.by_phone[key]
                    self._fire(self.sink.seen, phone, False)
            writer.close()
            self._handlers.discard(task)

    async def _serve(self, conn: Connection, reader: asyncio.StreamReader) -> None:
        cfg = self.config
        transport = conn.writer.transport
        while not self._closing and not conn.writer.is_closing():
            data = await reader.read(cfg.read_size)  # idle connections: see `_idle_sweeper`
            if not data:
                return
            conn.last_read = time.monotonic()
            self.stats["bytes_in"] += len(data)
            frames = conn.splitter.feed(data)
            oversize = conn.splitter.oversize - conn._oversize_seen
            if oversize:
                conn._oversize_seen = conn.splitter.oversize
                self.stats["malformed_oversize"] += oversize
                conn.bad(oversize)
            conn._out = []  # the answers to this read go out in one write
            try:
                for frame in frames:
                    conn.count_frame()
                    try:
                        await self._on_frame(conn, frame)
                    except FrameError as exc:  # encoding our own answer failed (e.g. an odd phone): drop the frame
                        self.stats[f"malformed_{exc.reason}"] += 1
                        conn.bad()
                    if conn.flooded or conn.writer.is_closing() or self._closing:
                        break
            finally:
                if not conn.writer.is_closing():
                    conn.flush()
                conn._out = None
            if conn.flooded or conn.splitter.garbage_bytes > cfg.max_garbage:
                self.stats["flood_closed"] += 1
                log.warning("JT/T 808 connection %s closed: flood", conn.peer)
                return
            if transport.get_write_buffer_size() > 0:  # only then can `drain` wait
                try:
                    async with asyncio.timeout(cfg.idle_timeout_s):
                        await conn.writer.drain()  # a terminal that does not read our answers stops being read
                except TimeoutError:
                    self.stats["write_timeout_closed"] += 1
                    return

    async def _on_frame(self, conn: Connection, frame: bytes) -> None:
        stats = self.stats
        try:
            packet = decode_frame(frame)
        except FrameError as exc:
            stats[f"malformed_{exc.reason}"] += 1
            conn.bad()
            header = peek_header(frame) if exc.reason == "check" else None
            if header is not None:
                conn.respond(header, RESULT_MESSAGE_ERROR)
            return
        stats["frames"] += 1
        header = packet.header
        conn.version_2019 = header.version_2019
        if header.version_2019:
            conn.protocol_version = header.protocol_version
        if header.is_subpackage:
            await self._on_subpackage(conn, packet)
        else:
            await self._on_message(conn, packet, [header])

    async def _on_subpackage(self, conn: Connection, packet: Packet) -> None:
        """Each sub-package is answered; those of a location message only once the whole message is stored
        (journaled), so no package the terminal was told "success" for can be lost with an unfinished message."""
        stats = self.stats
        header = packet.header
        stats["subpackages"] += 1
        reassembler = conn.reassembler
        location = header.msg_id == LOCATION or header.msg_id == BATCH_LOCATION
        if header.msg_id != 0x0001 and not location:
            conn.respond(header, RESULT_OK)
        key = reassembler.key_of(header)
        duplicates = reassembler.duplicates
        complete = reassembler.add(packet)
        stats["subpackage_duplicates"] += reassembler.duplicates - duplicates
        if not location:
            if complete is not None:
                await self._on_message(conn, complete, [])
            return
        if complete is not None:
            await self._on_message(conn, complete, [*conn.sub_acks.pop(key, ()), header])
            return
        if reassembler.is_pending(key):
            conn.sub_acks.setdefault(key, []).append(header)
            if len(conn.sub_acks) > 2 * reassembler.max_pending:  # forget expired or dropped messages
                for stale in [k for k in conn.sub_acks if not reassembler.is_pending(k)]:
                    del conn.sub_acks[stale]
        elif reassembler.is_done(key):  # a resend of a package of a message already handled
            if self._journal is not None:
                self._sync_waiters.append(_Ack(conn, [header]))  # answered after the next fsync, after the message
                self._sync_wake.set()
            else:
                conn.respond(header, RESULT_OK)
        # else: dropped (too many pending messages or bytes): not answered, the terminal resends it

    async def _on_message(self, conn: Connection, packet: Packet, acks: list[Header]) -> None:
        """A complete message; `acks`: the headers to answer (the message's own, its location sub-packages', or
        none when its sub-packages were answered on arrival)."""
        stats = self.stats
        header = packet.header

        def respond(result: int) -> None:
            for h in acks:
                conn.respond(h, result)

        if header.encryption:
            stats["encrypted_refused"] += 1
            respond(RESULT_NOT_SUPPORTED)
            return
        raw = self._raw and (header.msg_id == LOCATION or header.msg_id == BATCH_LOCATION)
        try:
            if raw:  # checked only: the ingest process decodes the bodies in bulk (see `bulk`)
                if header.msg_id == LOCATION:
                    check_location_body(packet.body)
                    message = (packet.body,), False
                else:
                    kind, bodies = batch_location_bodies(packet.body)
                    message = bodies, kind == BatchLocation.BLIND_AREA
            else:
                message = decode_body(header, packet.body)
        except FrameError as exc:
            stats[f"malformed_{exc.reason}"] += 1
            conn.bad()
            respond(RESULT_MESSAGE_ERROR)
            return
        key = phone_key(header.phone)
        if raw:
            if key not in conn.authenticated:
                stats["unauthenticated"] += 1
                respond(RESULT_FAILURE)
                return
            bodies, blind = message
            if header.msg_id == BATCH_LOCATION:
                stats["batches"] += 1
            await self._queue_raw(conn, header.phone, bodies, blind, acks)
            return
        match message:
            case Location() | BatchLocation():
                if key not in conn.authenticated:
                    stats["unauthenticated"] += 1
                    respond(RESULT_FAILURE)
                    return
                await self._queue_locations(conn, header.phone, message, acks)
            case Heartbeat():
                stats["heartbeats"] += 1
                respond(RESULT_OK)
                now = time.monotonic()
                if key in conn.authenticated and now - conn.last_seen_call.get(key, 0.0) > self.config.heartbeat_seen_s:
                    conn.last_seen_call[key] = now
                    self._fire(self.sink.seen, header.phone, True)
            case Register():
                stats["registrations"] += 1
                try:
                    result, auth_code = await self._call(self.sink.register, header.phone, message, pool=self._login)
                except Exception:
                    stats["sink_errors"] += 1
                    log.exception("JT/T 808 register of %s failed", header.phone)
                    result, auth_code = 4, ""
                body = RegisterResponse(header.serial, result, auth_code).encode(conn.version_2019)
                conn.send(0x8100, header.phone, body)
            case Authenticate():
                try:
                    ok = await self._call(self.sink.authenticate, header.phone, message, pool=self._login)
                except Exception:
                    stats["sink_errors"] += 1
                    log.exception("JT/T 808 authenticate of %s failed", header.phone)
                    ok = False
                if ok:
                    stats["authenticated"] += 1
                    previous = self.by_phone.get(key)
                    if previous is not None and previous is not conn:
                        previous.authenticated.pop(key, None)  # the terminal reconnected; the old socket is stale
                        previous.writer.close()
                    conn.authenticated[key] = header.phone
                    self.by_phone[key] = conn
                    conn.last_seen_call[key] = time.monotonic()  # the sink marks the terminal online on success
                else:
                    stats["auth_failed"] += 1
                respond(RESULT_OK if ok else RESULT_FAILURE)
            case Logout():
                stats["logouts"] += 1
                respond(RESULT_OK)
                if conn.authenticated.pop(key, None) is not None and self.by_phone.get(key) is conn:
                    del self.by_phone[key]
                    self._fire(self.sink.seen, header.phone, False)
                conn.last_seen_call.pop(key, None)
                if not conn.authenticated:  # the connection's last terminal (a relay may carry several) is gone
                    conn.flush()
                    await conn.writer.drain()
                    conn.writer.close()
            case GeneralResponse(platform=False):
                stats["terminal_responses"] += 1
                command_id = conn.awaiting_ack.pop(message.reply_serial, None)
                if command_id is not None and message.reply_id == TEXT_MESSAGE:
                    status = COMMAND_ACKED if message.result == RESULT_OK else COMMAND_FAILED
                    detail = "" if message.result == RESULT_OK else f"终端应答结果 {message.result}"
                    stats["texts_acked" if status == COMMAND_ACKED else "texts_refused"] += 1
                    self._fire(self.sink.mark_command, command_id, status, detail)
            case Unknown():
                stats["unknown_id"] += 1
                respond(RESULT_NOT_SUPPORTED)
            case _:  # a platform-side message sent by a terminal (0x8001, 0x8100, 0x8300)
                stats["unexpected_direction"] += 1
                respond(RESULT_NOT_SUPPORTED)

    async def _queue_raw(self, conn: Connection, phone: str, bodies, blind: bool, acks: list[Header]) -> None:
        """Journal and queue raw location bodies; the answer waits for the journal's fsync (or the commit)."""
        stats, queue, journal = self.stats, self._queue, self._journal
        received = time.time()
        ack = _Ack(conn, acks, len(bodies)) if acks else None
        for body in bodies:
            stats["fixes_received"] += 1
            entry = (phone, body, blind, received)
            segment = journal.append(phone, body, blind, received) if journal is not None else 0
            # waits when the queue is full: the connection stops reading (backpressure)
            await queue.put((entry, segment, None if journal is not None else ack))
        self._owe(ack)

    async def _queue_locations(
        self, conn: Connection, phone: str, message: Location | BatchLocation, acks: list[Header]
    ) -> None:
        if isinstance(message, Location):
            items, blind = (message,), False
        else:
            items, blind = message.locations, message.kind == BatchLocation.BLIND_AREA
            self.stats["batches"] += 1
        received = time.time()
        ack = _Ack(conn, acks, len(items)) if acks else None
        for loc in items:
            fix = location_fix(phone, loc, blind_area=blind, received=received)
            self.stats["fixes_received"] += 1
            await self._queue.put((fix, 0, ack))  # waits when the queue is full: the connection stops reading
        self._owe(ack)

    def _owe(self, ack: _Ack | None) -> None:
        """After a message's fixes were queued: its answer goes out after the next fsync (journal), or when its
        last batch is committed (`_ingest`); a message without fixes (an empty 0x0704) is answered now."""
        if ack is None:
            return
        if self._journal is not None:
            self._sync_waiters.append(ack)
            self._sync_wake.set()
        elif ack.left == 0:
            ack.send(RESULT_OK)
