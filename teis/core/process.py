"""Settings of a long-running ingest process (the AIS listener, the JT/T 808 gateway and its ingest process)."""

from __future__ import annotations

import gc


def tune_gc() -> None:
    """For a process that ingests: CPython's default collects the young generation every 700 net allocations and
    every object of Django's import graph at each full collection; the decoders and pipelines allocate millions of
    short-lived tuples, and those collections took about a tenth of the AIS pipeline's time. What start-up made is
    frozen (never garbage, never scanned again) and the young generation is collected every 50,000 allocations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
