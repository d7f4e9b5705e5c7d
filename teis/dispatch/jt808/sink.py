"""The gateway's Django side: the dispatch services, called from the gateway's worker threads."""

from __future__ import annotations

import functools
import time

from django.db import OperationalError, close_old_connections, connections

from teis.dispatch.fixes import Fix
from teis.dispatch.services import positions, terminals

from . import ingest_worker
from .messages import Authenticate, Register


def _database_call(fn):
    """Drop a stale or broken connection first (the gateway runs for months); retry a call that met a locked
    SQLite database (several gateway threads write; every call is one transaction, so a retry is safe)."""

    @functools.wraps(fn)
    def call(*args, **kwargs):
        for attempt in range(6):
            close_old_connections()
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                if "locked" not in str(exc) or attempt == 5:
                    raise
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    return call


def ingest_raw(entries: list[tuple[str, bytes, bool]], ingest):
    """Decode raw location bodies in bulk, `ingest` the fixes; the result counts the reports without a valid
    time (`invalid_time`), which the gateway's per-frame path drops before ingest."""
    from .bulk import location_fixes

    fixes, invalid_time = location_fixes(entries)
    result = ingest(fixes)
    if result is not None:
        result.invalid_time = invalid_time
    return result


class DjangoSink:
    """Implements `gateway.Sink` with `services.terminals` and `services.positions.ingest_fixes`."""

    def release_thread(self) -> None:
        """Called by the gateway in each of its worker threads when it stops."""
        connections.close_all()

    @_database_call
    def register(self, phone: str, message: Register) -> tuple[int, str]:
        return terminals.register_terminal(
            phone,
            province=message.province,
            city=message.city,
            maker=message.maker,
            model=message.model,
            terminal_id=message.terminal_id,
            plate_colour=message.plate_colour,
            plate=message.plate,
        )

    @_database_call
    def authenticate(self, phone: str, message: Authenticate) -> bool:
        return terminals.authenticate_terminal(phone, message.auth_code)

    @_database_call
    def seen(self, phone: str, online: bool) -> None:
        terminals.terminal_seen(phone, online=online)

    @_database_call
    def ingest(self, fixes: list[Fix]):
        return positions.ingest_fixes(fixes)

    def ingest_raw(self, entries: list[tuple[str, bytes, bool]]):
        """(phone, raw 0x0200 body, blind area) from the gateway: decoded in bulk, then `ingest`."""
        return ingest_raw(entries, self.ingest)

    @_database_call
    def pending_commands(self, phones: list[str]) -> list:
        return terminals.pending_commands(phones)

    @_database_call
    def mark_command(self, command_id: int, status: str, detail: str = "") -> None:
        terminals.mark_command(command_id, status, detail)


class ProcessIngestSink(DjangoSink):
    """DjangoSink whose `ingest` runs in a separate process (`manage.py jt808_gateway` default).

    The position pipeline is CPU-bound Python; in the gateway's process it would hold the GIL against the event
    loop and the control thread (registrations then take seconds under load). Here the gateway's ingest thread
    only waits on a pipe. Batches stay strictly sequential; a dead worker is restarted on the next batch."""

    def __init__(self) -> None:
        import multiprocessing

        self._ctx = multiprocessing.get_context("spawn")
        self._conn = None
        self._proc = None
        self._start()

    def _start(self) -> None:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(target=ingest_worker.run, args=(child,), name="jt808-ingest", daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def ingest(self, fixes: list[Fix]):
        return self._call(fixes)

    def ingest_raw(self, entries: list[tuple[str, bytes, bool]]):
        """Raw bodies cross the pipe (a tuple of str, bytes and bool pickles in a fraction of a `Fix`); the ingest
        process decodes them in bulk."""
        return self._call(("raw", entries))

    def _call(self, batch):
        if self._proc is None or not self._proc.is_alive():
            self._start()
        try:
            self._conn.send(batch)
            ok, payload = self._conn.recv()
        except (EOFError, OSError) as exc:
            self._proc = None
            raise RuntimeError("定位入库进程意外退出") from exc
        if not ok:
            raise RuntimeError(payload)
        return payload

    def close(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._proc.join(30)
            if self._proc.is_alive():
                self._proc.terminate()
        self._proc = None
