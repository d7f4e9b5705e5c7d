"""Analytics: p95 of the corps' yearly case report, of a drill-down's first page and of the big-screen refresh at
N cases, against a plain GROUP BY over the cases table in the same run.

`python -m bench analytics [--quick]` creates a fresh PostgreSQL database `teis_bench_analytics` (another name with
$BENCH_ANALYTICS_DB) on the host of DATABASE_URL (default postgres://postgres@127.0.0.1:5432), migrates it, makes a
small organisation (`core.testing.make_tree`, one officer per unit, a corps leader), loads N cases with
`generate_cases` (quick: 50,000; full: 1,000,000, or $BENCH_CASES), runs `VACUUM ANALYZE`, builds the daily
aggregate (`rebuild_analytics`, timed) and then measures, for the corps leader (全部 scope):
(i)   the case statistics of the last 365 days by unit level (`services.case_report.build`: 立案, 结案, 罚没款 decided
      and collected, 重大立案, 人均立案, the previous period and the same period last year, the processing-time
      distribution, the overdue and pending counts, the monthly trend — the whole page's figures);
(ii)  the drill-down of the largest unit's 立案数 in that year: its count and amount and the first 20 rows;
(iii) the big screen's refresh (`services.boards.screen`);
(iv)  the baseline: one plain `SELECT unit_id, count(*), sum(fine_amount) … WHERE filed_at in the year GROUP BY
      unit_id` over the cases table;
and the incremental job after 1,000 recent cases changed (filed in the last 30 days). The database is dropped at
the end. Goal: each p95 < 500 ms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.case_flow import _p95

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_ANALYTICS_DB", "teis_bench_analytics")
GOAL_MS = 500.0

CODE = r"""
import json, time, datetime as dt
from django.db import connection
from django.utils import timezone
from teis.core.testing import make_tree, make_officer_user
from teis.org.roles import ensure_roles
from teis.analytics import semantic as sem
from teis.analytics.services import aggregate, boards, case_report
from teis.analytics.services.params import ReportParams
from teis.cases.models import EnforcementCase

ensure_roles()
tree = make_tree()
for name, unit in tree.items():
    make_officer_user(role_codes=["field_officer"], unit=unit, username=f"officer_{{name}}")
boss = make_officer_user(role_codes=["leadership"], unit=tree["corps"], username="boss")

from teis.cases.management.commands.generate_cases import generate
t0 = time.perf_counter()
made = generate({m}, batch=5000, seed=1, log=lambda m: None)
gen_s = time.perf_counter() - t0
with connection.cursor() as cur:
    cur.execute("VACUUM ANALYZE")
t0 = time.perf_counter()
built = aggregate.rebuild()
rebuild_s = time.perf_counter() - t0
with connection.cursor() as cur:
    cur.execute("ANALYZE analytics_dailyfact")

today = timezone.localdate()
start = today - dt.timedelta(days=364)
params = ReportParams(start, today, tree["corps"], sem.UNIT_LEVEL, {{}})
year = sem.Slice(start, today, tree["corps"])
rows = sem.totals(boss, "cases_filed", year, sem.UNIT_LEVEL)
biggest = max(rows, key=lambda r: r.n)

def report():
    return case_report.build(boss, params)

def drill():
    f = sem.fact("cases_filed")
    qs = sem.drill(boss, "cases_filed", year, sem.UNIT_LEVEL, biggest.key)
    n, amount = sem.measure_of(f, qs)
    page = list(qs.select_related("unit", "handler")[:20])
    return n, len(page)

def screen():
    return boards.screen(boss)

lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
hi = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min))
def group_by():
    with connection.cursor() as cur:
        cur.execute("SELECT unit_id, count(*), sum(fine_amount) FROM cases_enforcementcase "
                    "WHERE filed_at >= %s AND filed_at < %s GROUP BY unit_id", [lo, hi])
        return cur.fetchall()

def timed(fn, reps):
    fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out

reps = {reps}
n_check, _ = drill()
assert n_check == biggest.n, (n_check, biggest.n)
result = {{
    "cases": EnforcementCase.objects.count(), "generated": made, "gen_s": gen_s, "rebuild_s": rebuild_s,
    "daily_rows": built["rows"], "days": built["days"], "year_filed": sum(r.n for r in rows), "drill_n": biggest.n,
    "report_ms": timed(report, reps), "drill_ms": timed(drill, reps), "screen_ms": timed(screen, reps),
    "baseline_ms": timed(group_by, reps),
}}
# steady state: the job ran a moment ago; the day's edits touch recent cases (filed in the last 30 days)
from teis.analytics.models import AggregateState
AggregateState.objects.update(watermark=timezone.now() + dt.timedelta(minutes=10))
recent = EnforcementCase.objects.filter(filed_at__gte=timezone.now() - dt.timedelta(days=30))
ids = list(recent.order_by("?").values_list("pk", flat=True)[:1000])
for c in EnforcementCase.objects.filter(pk__in=ids):
    c.source = "complaint"
    c.save(update_fields=["source", "updated_at"])
t0 = time.perf_counter()
inc = aggregate.refresh()
result["refresh_s"] = time.perf_counter() - t0
result["refresh_days"] = inc["days"]
print("RESULT=" + json.dumps(result))
"""


def _dsns() -> tuple[str, str]:
    import urllib.parse

    url = os.environ.get("DATABASE_URL", "") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        parts = urllib.parse.urlsplit("postgres://postgres@127.0.0.1:5432/postgres")
    admin = urllib.parse.urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    bench = urllib.parse.urlunsplit(("postgres", parts.netloc, f"/{DB_NAME}", "", ""))
    return admin, bench


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_dsns()[0], autocommit=True) as conn:
        conn.execute(sql)


def run(quick: bool) -> dict[str, Any]:
    m = 50_000 if quick else int(os.environ.get("BENCH_CASES", "1000000"))
    reps = 20 if quick else 40
    _, bench_url = _dsns()
    _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {DB_NAME}")
    try:
        env = {
            **os.environ,
            "DATABASE_URL": bench_url,
            "DEBUG": "0",
            "TEIS_TESTING": "0",
            "LOG_LEVEL": "WARNING",
            "HUEY_IMMEDIATE": "0",
        }
        code = CODE.format(m=m, reps=reps)
        for args in (["migrate", "--noinput", "-v", "0"], ["createcachetable"], ["shell", "-v", "0", "-c", code]):
            done = subprocess.run(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=7200
            )
            if done.returncode != 0:
                raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        out = done.stdout
    finally:
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    data = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT=")))
    p = {k: _p95(data[f"{k}_ms"]) for k in ("report", "drill", "screen", "baseline")}
    print(f"PostgreSQL database {DB_NAME} (created and dropped)")
    print(
        f"{data['cases']:,} cases (generate_cases {data['generated']:,} in {data['gen_s']:.1f} s); daily aggregate "
        f"rebuilt in {data['rebuild_s']:.1f} s: {data['daily_rows']:,} rows over {data['days']} days"
    )
    print(
        f"cases filed in the last 365 days: {data['year_filed']:,}; drill-down of the largest unit: {data['drill_n']:,}"
    )
    labels = {
        "report": "(i)   corps case report, 365 days, by unit level (the whole page's figures)",
        "drill": "(ii)  drill-down first page (count, amount, 20 rows)",
        "screen": "(iii) big-screen refresh",
        "baseline": "(iv)  baseline: plain GROUP BY unit over the cases table",
    }
    for key, label in labels.items():
        values = sorted(data[f"{key}_ms"])
        print(f"{label}: p95 {p[key]:.1f} ms, median {values[len(values) // 2]:.1f} ms")
    print(
        f"incremental job after 1,000 changed cases: {data['refresh_s']:.2f} s ({data['refresh_days']} days recomputed)"
    )
    worst = max(p["report"], p["drill"], p["screen"])
    print(f"goal p95 < {GOAL_MS:.0f} ms each: {'met' if worst < GOAL_MS else 'NOT met'} (worst {worst:.1f} ms)")
    return {
        "bench": "analytics",
        "value": round(p["report"], 1),
        "unit": "ms p95 (corps yearly case report)",
        "baseline": round(p["baseline"], 1),
        "ratio": round(p["report"] / p["baseline"], 2) if p["baseline"] else None,
        "p95_ms": round(worst, 1),
        "report_p95_ms": round(p["report"], 1),
        "drill_p95_ms": round(p["drill"], 1),
        "screen_p95_ms": round(p["screen"], 1),
        "baseline_p95_ms": round(p["baseline"], 1),
        "rebuild_s": round(data["rebuild_s"], 1),
        "refresh_s": round(data["refresh_s"], 2),
        "cases": data["cases"],
    }
