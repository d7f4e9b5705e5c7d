"""From decoded records to the synchronous pipeline: batching and a worker thread with a bounded queue.

The asyncio listeners decode in the event loop and `add()` records here. A batch is handed on when it holds
`batch_size` records or its first record is `max_delay` seconds old (the listeners call `tick()` every 100 ms).
Batches go through a bounded `queue.Queue` to ONE worker thread that calls the sink (by default
`teis.maritime.services.pipeline.process_records`) — so Django's synchronous ORM never runs in the event loop, and
when the pipeline falls behind the queue fills, `submit` waits, the listeners stop reading and TCP flow control
slows the feeds down (backpressure). A sink that raises is logged and counted; the listener keeps running.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .records import AisRecord

log = logging.getLogger("teis.maritime.ais")

Sink = Callable[[list[AisRecord]], Any]

# A batch writes each of its vessels' latest fix once (one UPDATE row per vessel, the server's largest cost): under
# load, larger batches write fewer rows per fix. At low rates `max_delay` cuts the batch first, so latency stays
# within 200 ms plus the batch's processing (a 10,000-record batch fills in about 170 ms at 60,000 sentences/s).
BATCH_SIZE = 10_000


def pipeline_sink() -> Sink:
    """The real pipeline (imported late: the maritime services import Django models). A batch's commit is deferred
    while more batches wait (the server commits one while the next is worked out); `sink.idle`, which the worker
    calls whenever its queue is empty, waits for the last one and pushes it live."""
    from teis.maritime.services.pipeline import finish_deferred, process_records

    def sink(records: list[AisRecord]) -> Any:
        from django.db import close_old_connections

        finish_deferred()  # before the connection may be recycled
        close_old_connections()
        return process_records(records, defer_commit=True)

    def close() -> None:  # the worker thread's own connection, when the worker stops
        from django.db import connection

        finish_deferred()
        connection.close()

    sink.idle = finish_deferred
    sink.close = close
    return sink


@dataclass
class IngestStats:
    batches: int = 0
    records: int = 0
    sink_errors: int = 0
    sink_seconds: float = 0.0
    queue_waits: int = 0  # times a producer had to wait for room (backpressure)
    last_result: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "batches": self.batches,
            "records": self.records,
            "sink_errors": self.sink_errors,
            "sink_seconds": round(self.sink_seconds, 3),
            "queue_waits": self.queue_waits,
        }


_STOP = object()


class IngestWorker:
    """Batches records and feeds them to the sink in one worker thread."""

    def __init__(
        self,
        sink: Sink,
        *,
        batch_size: int = BATCH_SIZE,
        max_delay: float = 0.2,
        queue_batches: int = 16,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.batch_size = batch_size
        self.max_delay = max_delay
        self.clock = clock
        self.stats = IngestStats()
        self._queue: queue.Queue = queue.Queue(maxsize=queue_batches)
        self._batch: list[AisRecord] = []
        self._batch_started = 0.0
        self._thread: threading.Thread | None = None
        self._ready: deque[list[AisRecord]] = deque()
        self._submit_lock = asyncio.Lock()
        self.on_result: Callable[[Any], None] | None = None

    # -- worker thread -------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="ais-ingest", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is _STOP:
                self._idle()
                self._close_sink()
                self._queue.task_done()
                return
            started = time.perf_counter()
            try:
                result = self.sink(batch)
                self.stats.last_result = result
                if self.on_result is not None:
                    self.on_result(result)
            except Exception:
                self.stats.sink_errors += 1
                log.exception("AIS pipeline failed on a batch of %d records", len(batch))
            finally:
                if self._queue.empty():
                    self._idle()
                self.stats.sink_seconds += time.perf_counter() - started
                self.stats.batches += 1
                self.stats.records += len(batch)
                self._queue.task_done()

    def _idle(self) -> None:
        """Nothing else waiting: let the sink finish what it deferred (a commit), so `join` means "stored"."""
        self._sink_hook("idle")

    def _close_sink(self) -> None:
        self._sink_hook("close")

    def _sink_hook(self, name: str) -> None:
        """The sink's optional `idle` / `close`: a failure (or `False`) is logged and counted, never raised."""
        hook = getattr(self.sink, name, None)
        if hook is None:
            return
        try:
            if hook() is False:
                self.stats.sink_errors += 1
        except Exception:
            self.stats.sink_errors += 1
            log.exception("AIS pipeline failed in %s", name)

    # -- producer side (event loop) ------------------------------------------------------------------------------
    async def add(self, records: list[AisRecord]) -> None:
        if not records:
            return
        if not self._batch:
            self._batch_started = self.clock()
        self._batch.extend(records)
        size = self.batch_size
        flushed = False
        while len(self._batch) >= size:  # batches of at most batch_size records
            batch, self._batch = self._batch[:size], self._batch[size:]
            await self._submit(batch)
            flushed = True
        if flushed and self._batch:
            self._batch_started = self.clock()

    async def tick(self) -> None:
        """Flush a batch that has waited `max_delay`."""
        if self._batch and self.clock() - self._batch_started >= self.max_delay:
            await self.flush()

    async def flush(self) -> None:
        if self._batch:
            batch, self._batch = self._batch, []
            await self._submit(batch)
        elif self._ready:  # a submit cancelled while it waited for room left its batches lined up
            await self._submit(None)

    async def _submit(self, batch: list[AisRecord] | None) -> None:
        # batches are lined up synchronously (so in the order they were cut) and handed on under one lock: a
        # timed flush and a full batch waiting for room at the same time cannot overtake each other
        if batch is not None:
            self._ready.append(batch)
        async with self._submit_lock:
            while self._ready:
                try:
                    self._queue.put_nowait(self._ready[0])
                except queue.Full:
                    self.stats.queue_waits += 1
                    await asyncio.sleep(0.005)
                    continue
                self._ready.popleft()

    def add_sync(self, records: list[AisRecord]) -> None:
        """For synchronous callers (file replay without a loop, tests): batch and block on a full queue."""
        if not self._batch:
            self._batch_started = self.clock()
        self._batch.extend(records)
        size = self.batch_size
        while len(self._batch) >= size:
            batch, self._batch = self._batch[:size], self._batch[size:]
            self._queue.put(batch)

    def flush_sync(self) -> None:
        while self._ready:
            self._queue.put(self._ready.popleft())
        if self._batch:
            batch, self._batch = self._batch, []
            self._queue.put(batch)

    def join(self) -> None:
        """Wait until every submitted batch has gone through the sink."""
        self._queue.join()

    async def drain(self) -> None:
        await self.flush()
        await asyncio.to_thread(self._queue.join)

    def stop(self) -> None:
        if self._thread is not None:
            self.flush_sync()
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None
