"""asyncio listeners of AIS feeds: TCP client (with reconnect), TCP server, UDP and recorded files.

Every input is a `Feed` with its own counters (`FeedCounters`) and an `AisDecoder` per connection (multi-part
groups never mix between connections). Bytes are split into lines with a bounded tail buffer; a line longer
than `MAX_LINE_BYTES` or a tail left when a connection closes mid-sentence is counted as garbage. Records go to
an `IngestWorker` (batching + worker thread + bounded queue). Nothing a feed sends stops the listener.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .decoder import MAX_LINE_BYTES, UTC, AisDecoder, FeedCounters
from .ingest import IngestWorker

log = logging.getLogger("teis.maritime.ais")

READ_CHUNK = 64 * 1024


@dataclass
class Feed:
    name: str
    kind: str  # tcp-client / tcp-server / udp / file
    counters: FeedCounters = field(default_factory=FeedCounters)
    connections: int = 0  # connections made (client) or accepted (server)
    open_connections: int = 0
    reconnects: int = 0
    dropped_datagrams: int = 0
    last_data: float | None = None  # time.time() of the last bytes received
    status: str = "starting"
    decoders: list[AisDecoder] = field(default_factory=list)

    def new_decoder(self, source: str | None = None, multipart_timeout: float = 10.0) -> AisDecoder:
        decoder = AisDecoder(source or self.name, counters=self.counters, multipart_timeout=multipart_timeout)
        self.decoders.append(decoder)
        return decoder

    def drop_decoder(self, decoder: AisDecoder) -> None:
        self.counters.incomplete += decoder.pending_groups  # groups left open when the connection went away
        if decoder in self.decoders:
            self.decoders.remove(decoder)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "connections": self.connections,
            "open_connections": self.open_connections,
            "reconnects": self.reconnects,
            "dropped_datagrams": self.dropped_datagrams,
            **self.counters.as_dict(),
        }


class LineSplitter:
    """Bytes in, whole lines out; keeps at most MAX_LINE_BYTES of an unfinished line."""

    __slots__ = ("tail", "overlong")

    def __init__(self) -> None:
        self.tail = b""
        self.overlong = 0

    def feed(self, data: bytes) -> list[bytes]:
        if self.tail:
            data = self.tail + data
        lines = data.split(b"\n")
        tail = lines.pop()
        if len(tail) > MAX_LINE_BYTES:
            self.overlong += 1
            tail = b""
        self.tail = tail
        return lines


def backoff_delay(attempt: int, initial: float, maximum: float, rng: random.Random) -> float:
    """Exponential backoff with jitter: uniform in [½·d, d] where d = min(maximum, initial·2^attempt)."""
    delay = min(maximum, initial * (2 ** min(attempt, 30)))
    return delay * (0.5 + rng.random() / 2)


class AisListener:
    """Runs any number of feeds into one `IngestWorker`."""

    def __init__(self, worker: IngestWorker, *, multipart_timeout: float = 10.0, tick: float = 0.1) -> None:
        self.worker = worker
        self.multipart_timeout = multipart_timeout
        self.tick_seconds = tick
        self.feeds: dict[str, Feed] = {}
        self._tasks: list[asyncio.Task] = []
        self._servers: list[asyncio.AbstractServer] = []
        self._transports: list[asyncio.BaseTransport] = []
        self._writers: set[asyncio.StreamWriter] = set()  # open server-side connections, closed on stop
        self._stopping = asyncio.Event()
        self._rng = random.Random()

    def _feed(self, name: str, kind: str) -> Feed:
        feed = self.feeds.get(name)
        if feed is None:
            feed = self.feeds[name] = Feed(name, kind)
        return feed

    # -- the common path ------------------------------------------------------------------------------------------
    async def _consume(self, decoder: AisDecoder, feed: Feed, lines: list[bytes]) -> None:
        feed.last_data = time.time()
        records = decoder.decode_lines(lines, datetime.datetime.now(UTC))
        if records:
            await self.worker.add(records)

    async def _read_stream(self, feed: Feed, reader: asyncio.StreamReader, source: str) -> None:
        decoder = feed.new_decoder(source, self.multipart_timeout)
        splitter = LineSplitter()
        try:
            while True:
                data = await reader.read(READ_CHUNK)
                if not data:
                    break
                lines = splitter.feed(data)
                if splitter.overlong:
                    feed.counters.sentences += splitter.overlong
                    feed.counters.garbage += splitter.overlong
                    splitter.overlong = 0
                if lines:
                    await self._consume(decoder, feed, lines)
        except (ConnectionError, OSError) as exc:
            log.info("AIS feed %s: connection lost (%s)", feed.name, exc)
        finally:
            decoder.decode_partial_tail(splitter.tail)  # closed mid-sentence
            feed.drop_decoder(decoder)

    # -- TCP client -----------------------------------------------------------------------------------------------
    async def tcp_client(
        self, host: str, port: int, *, backoff_initial: float = 0.5, backoff_max: float = 30.0, name: str = ""
    ) -> Feed:
        feed = self._feed(name or f"tcp:{host}:{port}", "tcp-client")
        self._tasks.append(asyncio.create_task(self._client_loop(feed, host, port, backoff_initial, backoff_max)))
        return feed

    async def _client_loop(self, feed: Feed, host: str, port: int, initial: float, maximum: float) -> None:
        attempt = 0
        while not self._stopping.is_set():
            try:
                feed.status = "connecting"
                reader, writer = await asyncio.open_connection(host, port)
            except (OSError, TimeoutError) as exc:
                feed.status = "waiting"
                delay = backoff_delay(attempt, initial, maximum, self._rng)
                attempt += 1
                log.info("AIS feed %s: cannot connect (%s), retry in %.1f s", feed.name, exc, delay)
                if await self._sleep_or_stop(delay):
                    return
                continue
            feed.connections += 1
            if feed.connections > 1:
                feed.reconnects += 1
            feed.open_connections += 1
            feed.status = "connected"
            received_before = feed.counters.sentences
            try:
                await self._read_stream(feed, reader, feed.name)
            finally:
                feed.open_connections -= 1
                writer.close()
            if feed.counters.sentences > received_before:
                attempt = 0  # the connection worked: start the backoff again from the beginning
            feed.status = "waiting"
            delay = backoff_delay(attempt, initial, maximum, self._rng)
            attempt += 1
            log.info("AIS feed %s dropped, reconnecting in %.1f s", feed.name, delay)
            if await self._sleep_or_stop(delay):
                return

    async def _sleep_or_stop(self, delay: float) -> bool:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=delay)
            return True
        except TimeoutError:
            return False

    # -- TCP server -----------------------------------------------------------------------------------------------
    async def tcp_server(
        self,
        port: int,
        host: str = "0.0.0.0",  # noqa: S104 - receivers and feeds connect from the network
        *,
        name: str = "",
    ) -> tuple[Feed, int]:
        """Listen for feeds; returns the feed and the bound port (port 0 = any free port)."""
        feed = self._feed(name or f"tcp-server:{port}", "tcp-server")

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            peer = writer.get_extra_info("peername")
            feed.connections += 1
            feed.open_connections += 1
            self._writers.add(writer)
            try:
                await self._read_stream(feed, reader, f"{feed.name}<{peer[0] if peer else '?'}>")
            finally:
                feed.open_connections -= 1
                self._writers.discard(writer)
                writer.close()

        server = await asyncio.start_server(handle, host, port)
        self._servers.append(server)
        bound = server.sockets[0].getsockname()[1]
        if not name and port == 0:
            self.feeds.pop(feed.name)
            feed.name = f"tcp-server:{bound}"
            self.feeds[feed.name] = feed
        feed.status = "listening"
        return feed, bound

    # -- UDP ------------------------------------------------------------------------------------------------------
    async def udp(
        self,
        port: int,
        host: str = "0.0.0.0",  # noqa: S104 - receivers and feeds connect from the network
        *,
        name: str = "",
        max_queued: int = 10_000,
    ) -> tuple:
        """Receive datagrams (one or more lines each); returns the feed and the bound port."""
        feed = self._feed(name or f"udp:{port}", "udp")
        inbox: asyncio.Queue = asyncio.Queue(maxsize=max_queued)

        class Protocol(asyncio.DatagramProtocol):
            def datagram_received(self, data: bytes, addr: Any) -> None:
                try:
                    inbox.put_nowait((data, addr))
                except asyncio.QueueFull:
                    feed.dropped_datagrams += 1  # UDP has no backpressure: count what we could not take

        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(Protocol, local_addr=(host, port))
        self._transports.append(transport)
        bound = transport.get_extra_info("sockname")[1]
        if not name and port == 0:
            self.feeds.pop(feed.name)
            feed.name = f"udp:{bound}"
            self.feeds[feed.name] = feed
        feed.status = "listening"
        decoders: dict[Any, AisDecoder] = {}

        async def drain() -> None:
            while True:
                data, addr = await inbox.get()
                decoder = decoders.get(addr)
                if decoder is None:
                    if len(decoders) >= 256:  # bounded: forget the oldest sender
                        feed.drop_decoder(decoders.pop(next(iter(decoders))))
                    decoder = decoders[addr] = feed.new_decoder(f"{feed.name}<{addr[0]}>", self.multipart_timeout)
                # a datagram holds whole sentences; a missing final newline is normal
                await self._consume(decoder, feed, data.split(b"\n"))

        self._tasks.append(asyncio.create_task(drain()))
        return feed, bound

    # -- recorded files -------------------------------------------------------------------------------------------
    async def replay_file(self, path: str | Path, *, name: str = "") -> Feed:
        """Read a recorded feed (plain or gzip, with or without tag blocks) to the end."""
        path = Path(path)
        feed = self._feed(name or f"file:{path.name}", "file")
        decoder = feed.new_decoder(feed.name, self.multipart_timeout)
        splitter = LineSplitter()
        feed.status = "reading"
        with path.open("rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        try:
            with opener(path, "rb") as handle:
                while True:
                    data = await asyncio.to_thread(handle.read, 1024 * 1024)
                    if not data:
                        break
                    lines = splitter.feed(data)
                    if lines:
                        await self._consume(decoder, feed, lines)
            if splitter.tail.strip():
                await self._consume(decoder, feed, [splitter.tail])  # a last line without a newline
        except (OSError, EOFError) as exc:  # unreadable or truncated gzip
            log.warning("AIS file %s: %s", path, exc)
            feed.counters.garbage += 1
        decoder.expire(float("inf"))
        feed.drop_decoder(decoder)
        feed.status = "done"
        return feed

    # -- running --------------------------------------------------------------------------------------------------
    async def _ticker(self) -> None:
        while not self._stopping.is_set():
            await asyncio.sleep(self.tick_seconds)
            await self.worker.tick()
            now = time.monotonic()
            for feed in list(self.feeds.values()):
                for decoder in list(feed.decoders):
                    decoder.expire(now)

    async def start(self) -> None:
        self.worker.start()
        self._tasks.append(asyncio.create_task(self._ticker()))

    async def wait_stopped(self) -> None:
        await self._stopping.wait()

    def request_stop(self) -> None:
        self._stopping.set()

    async def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.close()
        for transport in self._transports:
            transport.close()
        for writer in list(self._writers):
            writer.close()  # the handler sees EOF, counts a cut-off line and returns
        deadline = time.monotonic() + 2.0
        while self._writers and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        for server in self._servers:
            await server.wait_closed()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.worker.flush()
        await asyncio.to_thread(self.worker.stop)

    def stats(self) -> dict[str, Any]:
        total = FeedCounters()
        for feed in self.feeds.values():
            total.add(feed.counters)
        return {
            "feeds": [feed.as_dict() for feed in self.feeds.values()],
            "total": total.as_dict(),
            "ingest": self.worker.stats.as_dict(),
        }
