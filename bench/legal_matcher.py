"""Legal-basis matcher: precision / recall of its proposals on held-out demo codes vs TF-IDF ranking.

`python -m bench legal_matcher [--quick]`: in a temporary directory (fresh SQLite) migrate and run
`seed_legal` (business lines from the dictionary when present), then in one process: hold out 25 % of the
linked demo codes (deterministic split), train the matcher on the rest, and for each held-out code —
pretending its links are unknown, using a free-text basis rendered from its links — measure precision@1,
precision@3 and recall@3 of the proposals; the baseline is the nearest provisions by TF-IDF cosine alone in
the same run. --quick uses one split; the full run averages four splits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

EVAL_CODE = r"""
import json, random, time
from teis.legal import matcher
splits = {splits}
results = []
base = matcher.BasisMatcher()
codes = list(matcher.linked_codes())
for split in range(splits):
    rng = random.Random(split)
    order = codes[:]
    rng.shuffle(order)
    n_held = max(1, len(order) // 4)
    held, train = order[:n_held], order[n_held:]
    m = matcher.BasisMatcher(c.provision for c in base.candidates).fit(train)
    stats = {{"p1": 0, "p3_hits": 0, "p3_n": 0, "r3_hits": 0, "r3_n": 0, "b1": 0, "b3_hits": 0, "ms": []}}
    for i, code in enumerate(held):
        truth = {{p.pk for p in code.violated_provisions.all()}} | {{p.pk for p in code.penalty_provisions.all()}}
        text = matcher.code_text(code, matcher.render_basis_text(
            list(code.violated_provisions.all()), list(code.penalty_provisions.all()), style=i))
        t = time.perf_counter()
        top = [p.pk for p, _ in m.propose_text(text, 3)]
        stats["ms"].append(1000 * (time.perf_counter() - t))
        base3 = [p.pk for p in m.tfidf_rank(text, 3)]
        stats["p1"] += top[0] in truth
        stats["p3_hits"] += sum(pk in truth for pk in top)
        stats["p3_n"] += len(top)
        stats["r3_hits"] += len(truth & set(top))
        stats["r3_n"] += len(truth)
        stats["b1"] += base3[0] in truth
        stats["b3_hits"] += len(truth & set(base3))
    stats["held"] = len(held)
    stats["train"] = len(train)
    results.append(stats)
print("RESULT=" + json.dumps(results))
"""


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def run(quick: bool) -> dict[str, Any]:
    splits = 1 if quick else 4
    with tempfile.TemporaryDirectory(prefix="teis-bench-") as var_dir:
        env = {**os.environ, "TEIS_VAR_DIR": var_dir, "DEBUG": "0", "TEIS_TESTING": "0", "LOG_LEVEL": "WARNING"}
        env.pop("DATABASE_URL", None)  # always a fresh SQLite file: the figures are about the model
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "createcachetable")  # the database cache (working-day calendar, settings)
        print(manage(env, "seed_legal").strip().splitlines()[-1], flush=True)
        out = manage(env, "shell", "-v", "0", "-c", EVAL_CODE.format(splits=splits))
    results = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT=")))
    held = sum(r["held"] for r in results)
    p1 = sum(r["p1"] for r in results) / held
    p3 = sum(r["p3_hits"] for r in results) / sum(r["p3_n"] for r in results)
    r3 = sum(r["r3_hits"] for r in results) / sum(r["r3_n"] for r in results)
    b1 = sum(r["b1"] for r in results) / held
    b3 = sum(r["b3_hits"] for r in results) / sum(r["r3_n"] for r in results)
    ms = sorted(x for r in results for x in r["ms"])
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    print(f"splits: {splits}; held-out codes: {held} (trained on {results[0]['train']} each)", flush=True)
    print(f"matcher (TF-IDF + RandomForest): precision@1 {p1:.3f}, precision@3 {p3:.3f}, recall@3 {r3:.3f}")
    print(f"baseline (TF-IDF nearest provision): precision@1 {b1:.3f}, recall@3 {b3:.3f}")
    print(f"proposal latency p95 {p95:.1f} ms")
    return {
        "bench": "legal_matcher",
        "value": round(p1, 3),
        "unit": "precision@1",
        "baseline": round(b1, 3),
        "ratio": round(p1 / b1, 3) if b1 else None,
        "p95_ms": None,
        "recall_at_3": round(r3, 3),
        "precision_at_3": round(p3, 3),
        "baseline_recall_at_3": round(b3, 3),
        "held_out": held,
    }
