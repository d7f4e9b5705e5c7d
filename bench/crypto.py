"""Streaming SM3 throughput (evidence ingest) against hashlib SHA-256 on the same data.

`python -m bench crypto [--quick]`: hashes 64 MiB (8 MiB with --quick) in 1 MiB chunks through
`teis.core.crypto.Sm3Hasher`, then through `hashlib.sha256`, best of three runs each. MB = 10^6 bytes.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from typing import Any

CHUNK = 1 << 20
REPEATS = 3


def _best_seconds(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def _stream(hasher_factory: Callable[[], Any], chunks: list[memoryview]) -> Callable[[], str]:
    def work() -> str:
        hasher = hasher_factory()
        for chunk in chunks:
            hasher.update(chunk)
        return str(hasher.hexdigest())

    return work


def run(quick: bool) -> dict[str, Any]:
    from teis.core.crypto import Sm3Hasher, sm3_hex

    size = (8 if quick else 64) * CHUNK
    data = os.urandom(size)
    view = memoryview(data)
    chunks = [view[offset : offset + CHUNK] for offset in range(0, size, CHUNK)]
    sm3_work = _stream(Sm3Hasher, chunks)
    if sm3_work() != sm3_hex(data):  # the streamed digest must equal the one-shot digest
        raise AssertionError("streaming SM3 differs from one-shot SM3")

    sm3_mb_s = size / _best_seconds(sm3_work) / 1e6
    sha256_mb_s = size / _best_seconds(_stream(hashlib.sha256, chunks)) / 1e6
    print(f"SM3 streaming ({size >> 20} MiB in 1 MiB chunks, OpenSSL via cryptography): {sm3_mb_s:,.0f} MB/s")
    print(f"baseline hashlib SHA-256 on the same data: {sha256_mb_s:,.0f} MB/s")
    return {
        "bench": "crypto_sm3",
        "value": round(sm3_mb_s, 1),
        "unit": "MB/s",
        "baseline": round(sha256_mb_s, 1),
        "ratio": round(sm3_mb_s / sha256_mb_s, 3),
        "p95_ms": None,
    }


if __name__ == "__main__":  # pragma: no cover - `python -m bench crypto` is the normal entry point
    import json

    print(json.dumps(run(quick=True)))
