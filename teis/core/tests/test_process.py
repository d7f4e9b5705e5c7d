"""The collector settings of the ingest processes."""

from __future__ import annotations

import gc

from teis.core.process import tune_gc


def test_tune_gc_freezes_start_up_and_raises_the_young_threshold():
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == (50_000, 20, 20)
        assert gc.get_freeze_count() > 1000  # Django's import graph, never scanned again
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
