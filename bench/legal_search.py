"""Provision search latency (p50/p95) over ~200 laws / ~20,000 provisions, against a primary-key lookup.

`python -m bench legal_search [--quick]`: in a temporary directory (fresh SQLite; with DATABASE_URL, a fresh
PostgreSQL database created next to the given one and dropped afterwards) migrate, then build laws by
recombining the articles of the demo laws (`teis/legal/demo/laws/*.txt`; generated articles when absent)
into ~100-node texts imported through `do_import_version` (parse, bulk insert, jieba index). Then time
`search_provisions` over a fixed list of realistic queries and `Provision` fetched by primary key (with its
law), the same number of times, in the same process. Goal: search p95 < 100 ms on SQLite and PostgreSQL.
--quick builds 40 laws (~4,000 provisions) and repeats each query 5 times instead of 200 and 20.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "teis" / "legal" / "demo" / "laws"
QUERIES = [
    "出租汽车 拒载",
    "超限运输",
    "网约车 许可",
    "船舶 安全",
    "道路运输证",
    "罚款",
    "驾驶员 从业资格",
    "公路 损坏",
    "计价器",
    "经营许可 吊销",
    "危险货物",
    "海事管理机构 检验",
]
GOAL_MS = 100.0
TARGET_NODES = 100

GENERATED_SUBJECTS = ["出租汽车", "网约车", "道路运输", "超限运输车辆", "船舶", "公路", "客运站", "危险货物运输车辆"]
GENERATED_ACTS = [
    "未取得经营许可擅自经营",
    "拒载、议价",
    "不按规定使用计价器",
    "超限运输",
    "损坏公路设施",
    "未持有效证件",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def article_pool() -> list[list[str]]:
    """Bodies of articles (lines after the label) from the demo laws, or generated ones."""
    pool: list[list[str]] = []
    label = re.compile(r"^第[一二三四五六七八九十百千]+条(之[一二三四五六七八九十]+)?[\s　]+")
    for path in sorted(DEMO_DIR.glob("*.txt")) if DEMO_DIR.exists() else []:
        current: list[str] | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line:
                continue
            if label.match(line):
                current = [label.sub("", line)]
                pool.append(current)
            elif re.match(r"^第[一二三四五六七八九十百千]+(编|章|节)", line):
                current = None
            elif current is not None:
                current.append(line)
    if len(pool) < 20:
        rnd = random.Random(7)
        for i in range(200):
            subject, act = rnd.choice(GENERATED_SUBJECTS), rnd.choice(GENERATED_ACTS)
            body = [f"{subject}经营者有下列行为之一的，由交通运输主管部门责令改正，处{1000 * (i % 9 + 1)}元以上罚款："]
            body += [f"（{'一二三四'[k]}）{rnd.choice(GENERATED_ACTS)}的；" for k in range(rnd.randint(1, 4))]
            if i % 3 == 0:
                body.append(f"{subject}驾驶员{act}，情节严重的，吊销其从业资格证件。")
            pool.append(body)
    return pool


def build_text(rnd: random.Random, pool: list[list[str]], title: str) -> tuple[str, int]:
    from teis.legal.parser import int_to_cn

    lines = [title, "（为性能测试生成的文本）"]
    nodes = 0
    article = 0
    chapter = 0
    while nodes < TARGET_NODES:
        chapter += 1
        lines.append(f"第{int_to_cn(chapter)}章　第{int_to_cn(chapter)}部分")
        nodes += 1
        for _ in range(rnd.randint(4, 9)):
            article += 1
            body = rnd.choice(pool)
            lines.append(f"第{int_to_cn(article)}条　{body[0]}")
            lines.extend(body[1:])
            nodes += 1 + len(body) + (1 if len(body) == 1 else 0)
    return "\n".join(lines), nodes


def worker(quick: bool) -> dict[str, Any]:
    """Runs inside a subprocess whose environment points at a fresh database."""
    import datetime as dt

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teis.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    t1 = time.perf_counter()

    from teis.legal.choices import EffectLevel
    from teis.legal.models import Provision, ProvisionToken
    from teis.legal.search import jieba_module, search_provisions
    from teis.legal.services.laws import do_create_law, do_import_version

    jieba_module()
    n_laws = 40 if quick else 200
    repeats = 5 if quick else 20
    rnd = random.Random(2025)
    pool = article_pool()
    levels = list(EffectLevel.values)
    demo_titles = []
    for path in sorted(DEMO_DIR.glob("*.txt")) if DEMO_DIR.exists() else []:
        demo_titles.append(path.read_text(encoding="utf-8").splitlines()[0].strip())
    demo_titles = demo_titles or ["道路运输管理条例", "出租汽车管理条例", "公路安全保护条例"]
    for i in range(n_laws):
        base = demo_titles[i % len(demo_titles)]
        name = f"{base}（测试{i + 1:03d}）"
        law = do_create_law(
            None,
            {
                "name": name,
                "effect_level": levels[i % len(levels)],
                "promulgated_on": dt.date(1990 + i % 35, 1 + i % 12, 1 + i % 28),
            },
        )
        text, _ = build_text(rnd, pool, name)
        do_import_version(None, law, text, label="现行", effective_from=dt.date(2000 + i % 25, 1, 1))
    t2 = time.perf_counter()
    provisions = Provision.objects.count()
    tokens = ProvisionToken.objects.count()
    print(
        f"setup: migrate {t1 - t0:.1f} s; {n_laws} laws, {provisions} provisions, {tokens} index rows "
        f"built in {t2 - t1:.1f} s ({connection.vendor})",
        flush=True,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # warm up both paths
    pks = list(Provision.objects.values_list("pk", flat=True))
    for q in QUERIES:
        search_provisions(q)
    for pk in pks[:20]:
        Provision.objects.select_related("law").get(pk=pk)

    search_ms: list[float] = []
    hits: dict[str, int] = {}
    per_query: dict[str, list[float]] = {}
    for _ in range(repeats):
        for q in QUERIES:
            t = time.perf_counter()
            results = search_provisions(q)
            elapsed = 1000 * (time.perf_counter() - t)
            search_ms.append(elapsed)
            per_query.setdefault(q, []).append(elapsed)
            hits[q] = len(results)
    lookup_ms: list[float] = []
    for _ in range(repeats * len(QUERIES)):
        pk = rnd.choice(pks)
        t = time.perf_counter()
        Provision.objects.select_related("law").get(pk=pk)
        lookup_ms.append(1000 * (time.perf_counter() - t))

    for q in QUERIES:
        print(f"  {q:<12} {hits[q]:>3} hits, p50 {percentile(per_query[q], 0.5):6.1f} ms", flush=True)
    p50, p95 = percentile(search_ms, 0.5), percentile(search_ms, 0.95)
    b50, b95 = percentile(lookup_ms, 0.5), percentile(lookup_ms, 0.95)
    print(f"search_provisions: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(search_ms)} searches", flush=True)
    print(f"lookup by primary key (baseline): p50 {b50:.2f} ms, p95 {b95:.2f} ms", flush=True)
    print(f"goal: search p95 < {GOAL_MS:.0f} ms — {'met' if p95 < GOAL_MS else 'NOT met'}", flush=True)
    return {
        "bench": "legal_search",
        "value": round(p95, 1),
        "unit": "ms (p95)",
        "baseline": round(b95, 2),
        "ratio": round(p95 / b95, 1) if b95 else None,
        "p95_ms": round(p95, 1),
        "p50_ms": round(p50, 1),
        "baseline_p50_ms": round(b50, 2),
        "laws": n_laws,
        "provisions": provisions,
        "index_rows": tokens,
        "searches": len(search_ms),
        "database": connection.vendor,
    }


def _postgres_admin(url: str):
    """(connect(), name of the fresh database, its URL) for the server of DATABASE_URL."""
    import urllib.parse

    import psycopg

    parts = urllib.parse.urlsplit(url)
    base = parts.path.lstrip("/") or "postgres"
    name = f"{base}_bench_legal_{os.getpid()}"
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    fresh_url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    return (lambda: psycopg.connect(admin_url, autocommit=True)), name, fresh_url


def run(quick: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="teis-bench-") as var_dir:
        env = {
            **os.environ,
            "TEIS_VAR_DIR": var_dir,
            "DEBUG": "0",
            "TEIS_TESTING": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        db_url = os.environ.get("DATABASE_URL", "")
        drop = None
        if db_url.startswith(("postgres://", "postgresql://")):
            connect, name, fresh_url = _postgres_admin(db_url)
            with connect() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            env["DATABASE_URL"] = fresh_url
            print(f"database: fresh PostgreSQL database {name}", flush=True)

            def drop() -> None:
                with connect() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            env.pop("DATABASE_URL", None)
            print(f"database: SQLite under {var_dir}", flush=True)
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.legal_search", "--worker"] + (["--quick"] if quick else []),
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=1800,
            )
        finally:
            if drop is not None:
                drop()
    lines = done.stdout.splitlines()
    for line in lines[:-1]:
        print(line, flush=True)
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"legal_search worker failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


if __name__ == "__main__":
    if "--worker" in sys.argv:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        result = worker("--quick" in sys.argv)
        print(json.dumps(result, ensure_ascii=False), flush=True)
