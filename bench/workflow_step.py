"""One workflow step: p95 latency of `complete_task` on the sample approval against a plain row update.

`python -m bench workflow_step [--quick]`: in a temporary directory (fresh SQLite; or the database of
DATABASE_URL when set) migrate, build a small unit tree with a squad leader, load the shipped definitions,
start N sample processes (N = 60 with --quick, 400 without), then time, in the same run, `complete_task`
(approve 中队审核: lock, deserialise, run the engine, offer the next task, todos, audit, store) for each
instance (wall time, and CPU time of the process, which a loaded machine disturbs less) and, as the baseline,
an `UPDATE` of one `ProcessInstance` column inside its own transaction.
Goal: one workflow step under 30 ms p95.
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
GOAL_MS = 30.0

CODE = r"""
import json, time
from django.db import transaction
from django.utils import timezone
from teis.core.testing import make_tree, make_officer_user
from teis.org.roles import ensure_roles
from teis.workflow import services
from teis.workflow.models import ProcessInstance, WorkTask

ensure_roles()
tree = make_tree()
officer = make_officer_user(role_codes=["field_officer"], unit=tree["squad1"])
leader = make_officer_user(role_codes=["squad_leader"], unit=tree["squad1"])
make_officer_user(role_codes=["brigade_leader"], unit=tree["brigade1"])
services.ensure_definitions(None)
n = {n}
instances = [
    services.start_process(officer, "sample_approval", None, tree["squad1"], subject_label=f"案件{{i}}")
    for i in range(n)
]
tasks = [WorkTask.objects.get(instance=i, status="open") for i in instances]
services.complete_task(leader, tasks[0], "approve", "")  # warm the definition cache
step, cpu, base = [], [], []
for wt in tasks[1:]:
    c0, t0 = time.process_time(), time.perf_counter()
    services.complete_task(leader, wt, "approve", "同意")
    step.append((time.perf_counter() - t0) * 1000)
    cpu.append((time.process_time() - c0) * 1000)
for inst in instances[1:]:
    t0 = time.perf_counter()
    with transaction.atomic():
        ProcessInstance.objects.filter(pk=inst.pk).update(current_step_name="x", updated_at=timezone.now())
    base.append((time.perf_counter() - t0) * 1000)
print("RESULT=" + json.dumps({{"step": step, "cpu": cpu, "base": base}}))
"""


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * 0.95))]


def run(quick: bool) -> dict[str, Any]:
    n = 60 if quick else 400
    with tempfile.TemporaryDirectory(prefix="teis-bench-") as var_dir:
        env = {**os.environ, "TEIS_VAR_DIR": var_dir, "DEBUG": "0", "TEIS_TESTING": "0", "LOG_LEVEL": "WARNING"}
        shell = ["shell", "-v", "0", "-c", CODE.format(n=n)]
        for args in (["migrate", "--noinput", "-v", "0"], ["createcachetable"], shell):
            done = subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200
            )
            if done.returncode != 0:
                raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        out = done.stdout
    data = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT=")))
    step_p95, base_p95 = _p95(data["step"]), _p95(data["base"])
    db = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    print(f"{db}; {len(data['step'])} steps")
    cpu_p95 = _p95(data["cpu"])
    print(f"complete_task p95 {step_p95:.1f} ms (median {sorted(data['step'])[len(data['step']) // 2]:.1f} ms)")
    print(f"complete_task CPU time of this process p95 {cpu_p95:.1f} ms (less sensitive to a loaded machine)")
    print(f"plain row update p95 {base_p95:.2f} ms")
    print(f"goal: p95 < {GOAL_MS:.0f} ms — {'met' if step_p95 < GOAL_MS else 'NOT met'}")
    return {
        "bench": "workflow_step",
        "value": round(step_p95, 2),
        "unit": "ms p95 per step",
        "baseline": round(base_p95, 3),
        "ratio": round(step_p95 / base_p95, 1) if base_p95 else None,
        "p95_ms": round(step_p95, 2),
        "cpu_p95_ms": round(cpu_p95, 2),
    }
