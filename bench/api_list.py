"""Authenticated, data-scoped API list (officers, 50 a page) against /healthz on the same server.

`python -m bench api_list [--quick]`: in a temporary directory (fresh SQLite; or the database of
DATABASE_URL when set) migrate and seed the demo data, give the demo brigade leader (本单位及下级 scope) a
token, start `uvicorn teis.asgi:application --workers 2` on a free 127.0.0.1 port, then drive
`GET /api/v1/org/officers/?page_size=50` and `GET /healthz` (same Authorization header) with 12 concurrent
keep-alive clients: 300 requests each with --quick, 3000 without. Goal (#15): list rate ≥ 0.25 × healthz
rate, list p95 < 150 ms.

BENCH_VAR_DIR=<dir> keeps the seeded database there and reuses it on the next run (seeding takes minutes).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
LIST_PATH = "/api/v1/org/officers/?page_size=50"
HEALTH_PATH = "/healthz"
CLIENTS = 12
WORKERS = 2
TOKEN_USER = "brigade"
GOAL = 0.25
P95_GOAL_MS = 150.0
SEEDED_MARK = ".bench-seeded"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


TOKEN_CODE = f"""
from django.contrib.auth import get_user_model
from teis.org.security import issue_api_token
user = get_user_model().objects.get(username={TOKEN_USER!r})
print("TOKEN=" + issue_api_token(user).key)  # a fresh token: a kept database's old one may be idle
"""


def prepare(env: dict[str, str]) -> str:
    """Migrate, seed (unless a kept BENCH_VAR_DIR was seeded already), and return a bearer token of the demo
    brigade leader."""
    mark = Path(env["TEIS_VAR_DIR"]) / SEEDED_MARK
    if not mark.exists():
        seed(env)
        mark.touch()
    out = manage(env, "shell", "-v", "0", "-c", TOKEN_CODE)
    return next(line[6:] for line in out.splitlines() if line.startswith("TOKEN="))


def seed(env: dict[str, str]) -> None:
    t0 = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "createcachetable")  # the database cache (working-day calendar, settings)
    manage(env, "createcachetable")
    t1 = time.perf_counter()
    seeded = manage(env, "seed_demo").strip().splitlines()
    t2 = time.perf_counter()
    print(f"setup: migrate {t1 - t0:.1f} s, seed_demo {t2 - t1:.1f} s ({seeded[-1] if seeded else ''})", flush=True)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "teis.asgi:application",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(WORKERS),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the uvicorn we started (its own process group: the master and its workers)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def request(conn: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def wait_ready(proc: subprocess.Popen, port: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"uvicorn exited with {proc.returncode}:\n{err[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            status, _ = request(conn, HEALTH_PATH, {})
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("uvicorn did not answer /healthz in time")


def load(port: int, path: str, headers: dict[str, str], total: int, clients: int) -> dict[str, Any]:
    """`total` GETs of `path` from `clients` threads, each with its own keep-alive connection."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_client = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        mine = []
        try:
            for _ in range(n):
                t = time.perf_counter()
                try:
                    status, _ = request(conn, path, headers)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=30)
                    with lock:
                        errors.append(repr(exc))
                    continue
                mine.append(time.perf_counter() - t)
                if status != 200:
                    with lock:
                        errors.append(f"HTTP {status}")
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(client, per_client))
    elapsed = time.perf_counter() - started
    latencies.sort()
    ok = len(latencies) - sum(1 for e in errors if e.startswith("HTTP"))
    return {
        "requests": total,
        "ok": ok,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "seconds": elapsed,
        "rps": ok / elapsed if elapsed else 0.0,
        "p50_ms": 1000 * latencies[len(latencies) // 2] if latencies else None,
        "p95_ms": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] if latencies else None,
    }


def run(quick: bool) -> dict[str, Any]:
    total = 300 if quick else 3000
    kept = os.environ.get("BENCH_VAR_DIR")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(kept) if kept else tempfile.TemporaryDirectory(prefix="teis-bench-") as var_dir:
        env = {
            **os.environ,
            "TEIS_VAR_DIR": var_dir,
            "DEBUG": "0",
            "TEIS_TESTING": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        db = "DATABASE_URL" if os.environ.get("DATABASE_URL") else f"SQLite under {var_dir}"
        print(f"database: {db}", flush=True)
        token = prepare(env)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        port = free_port()
        proc = start_server(env, port)
        try:
            wait_ready(proc, port)
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            status, body = request(conn, LIST_PATH, headers)
            conn.close()
            if status != 200:
                raise RuntimeError(f"{LIST_PATH} answered HTTP {status}: {body[:500]!r}")
            page = json.loads(body)
            rows, count = len(page.get("results", [])), page.get("count")
            print(f"list page: {rows} rows of {count} in the brigade leader's scope ({len(body)} bytes)", flush=True)
            # warm both paths on both workers
            load(port, HEALTH_PATH, headers, 4 * CLIENTS, CLIENTS)
            load(port, LIST_PATH, headers, 4 * CLIENTS, CLIENTS)
            health = load(port, HEALTH_PATH, headers, total, CLIENTS)
            listing = load(port, LIST_PATH, headers, total, CLIENTS)
        finally:
            stop_server(proc)
    for label, r in (("GET /healthz (baseline)", health), (f"GET {LIST_PATH}", listing)):
        print(
            f"{label}: {r['rps']:.1f} req/s, {r['ok']}/{r['requests']} ok in {r['seconds']:.2f} s, "
            f"p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms"
            + (f", {r['errors']} errors (first: {r['first_error']})" if r["errors"] else ""),
            flush=True,
        )
    ratio = listing["rps"] / health["rps"] if health["rps"] else 0.0
    print(
        f"ratio list/healthz: {ratio:.3f} (goal ≥ {GOAL:.2f}), list p95 {listing['p95_ms']:.1f} ms (goal < "
        f"{P95_GOAL_MS:.0f} ms); {CLIENTS} clients, {WORKERS} uvicorn workers"
    )
    if listing["errors"] or health["errors"]:
        raise RuntimeError("requests failed during the run; the figures are not valid")
    return {
        "bench": "api_list",
        "value": round(listing["rps"], 1),
        "unit": "req/s",
        "baseline": round(health["rps"], 1),
        "ratio": round(ratio, 3),
        "p95_ms": round(listing["p95_ms"], 1),
        "baseline_p95_ms": round(health["p95_ms"], 1),
        "rows": rows,
        "requests": total,
        "clients": CLIENTS,
    }
