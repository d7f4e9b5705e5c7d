"""Benchmarks: each module here exposes `run(quick: bool) -> dict` and is run by `python -m bench NAME`.

The dict is printed as the last line, one JSON object:
{"bench": NAME, "value": …, "unit": …, "baseline": …, "ratio": value / baseline, "p95_ms": … or null}.
"""
