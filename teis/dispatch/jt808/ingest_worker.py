"""The ingest process of `sink.ProcessIngestSink`. Imports nothing from Django at module level: a spawned process
unpickles `run` before Django is set up."""

from __future__ import annotations

import time

CHECK_CONNECTION_S = 30.0  # Django's connection health check (a `SELECT 1` round trip) at most this often


def run(conn) -> None:
    """Set Django up, then ingest one batch at a time from the pipe until it closes or sends None."""
    import django

    django.setup()
    from django.db import DatabaseError, close_old_connections, connections

    from teis.core.process import tune_gc
    from teis.dispatch.services import positions

    from .sink import ingest_raw

    def ingest(batch):
        if isinstance(batch, tuple) and batch[0] == "raw":  # (phone, raw body, blind) from `ingest_raw`
            return ingest_raw(batch[1], positions.ingest_fixes)
        return positions.ingest_fixes(batch)

    tune_gc()
    checked = 0.0
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        try:
            if time.monotonic() - checked > CHECK_CONNECTION_S:
                close_old_connections()  # drops an obsolete connection; the next query checks it once
                checked = time.monotonic()
            try:
                result = ingest(batch)
            except DatabaseError:  # e.g. the database restarted since the last check: reconnect and retry once
                connections.close_all()
                checked = time.monotonic()
                result = ingest(batch)
            conn.send((True, result))
        except Exception as exc:  # reported to the gateway, which counts the lost batch
            conn.send((False, f"{type(exc).__name__}: {exc}"))
