"""Track history: one vehicle's day track, month simplified track and year mileage (p95) with a year of fixes in the
partitioned fix table, against an index-only count of the same rows.

`python -m bench track_history [--quick]` creates a scratch PostgreSQL database (`teis_bench_tracks`), migrates it
(the fix table partitioned by month, migration dispatch 0004), and in one `manage.py shell` process:
(i)   generates the fixes directly in SQL (`generate_series`, not through the gateway): V vehicles, one fix every
      INTERVAL seconds for a whole year ending now (driving along a smooth loop, stopped two hours in eight),
      inserted month by month in time order, vehicles interleaved, as ingest writes them (a vehicle's fixes are
      spread over the pages of its month, the unfavourable layout); then VACUUM ANALYZE;
(ii)  fills the daily mileage table (DailyMileage) of the sample vehicles with the nightly job's own code
      (`stats.compute_daily_mileage`, day by day);
(iii) measures, for random sample vehicles and dates, R runs each:
      day    — one vehicle's day: `tracks.load_track` + `tracks.track_json` (every point, trips, stops, totals),
               what the replay page's JSON endpoint does;
      month  — one vehicle's month, simplified for a city-wide map (zoom 12): `load_track` + `track_json(zoom=12)`;
      year   — one vehicle's mileage for a year as the statistics read it (the sum of its DailyMileage rows);
      year_raw — the same mileage straight from the year's fixes (one SQL pass, haversine of consecutive fixes):
               what it would cost without the daily table (informational);
      and, in the same run, the baseline of each: an index-only count of the same fixes
      (`SELECT count(*) … WHERE vehicle_id = … AND time …`, served by the (vehicle, time) unique index).
Full size: 100 million fixes (190 vehicles × one fix a minute × 365 days); --quick: 5 million (10 vehicles, same
density per vehicle, so the per-query figures compare). Goal: p95 < 300 ms for each on PostgreSQL.
The full run's duration is estimated from the generation rate and printed by --quick (`estimate_full_s`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "teis_bench_tracks"
GOAL_MS = 300
FULL_FIXES = 100_000_000
QUICK_FIXES = 5_000_000
INTERVAL_S = 60
DAYS = 365

CODE = r"""
import datetime as dt, json, random, time
import numpy as np
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from teis.core.telemetry import partitions
from teis.dispatch.models import DailyMileage, FixRecord, PatrolVehicle
from teis.dispatch.services import stats, tracks
from teis.org.models import Unit

V, INTERVAL, DAYS, REPS, SAMPLES = {vehicles}, {interval}, {days}, {reps}, {samples}
random.seed(7)
unit = Unit.objects.filter(parent__isnull=False).first() or Unit.objects.first()
if unit is None:
    unit = Unit.objects.create(name="基准测试大队", unit_type=Unit._meta.get_field("unit_type").choices[0][0])
vehicles = [PatrolVehicle(plate=f"沪Z{{i:05d}}", unit=unit, terminal_phone=f"0199{{i:08d}}") for i in range(V)]
PatrolVehicle.objects.bulk_create(vehicles)
vids = list(PatrolVehicle.objects.filter(plate__startswith="沪Z").order_by("pk").values_list("pk", flat=True))
table = FixRecord._meta.db_table
now = timezone.now().replace(second=0, microsecond=0)
start = now - dt.timedelta(days=DAYS)
partitions.ensure_months(table, "time", start, ahead=14)  # the year's months (the job keeps only the months ahead)

gen0 = time.perf_counter()
month = partitions.Month.of(start)
total = 0
with connection.cursor() as c:
    while month.start < now:
        lo, hi = max(month.start, start), min(month.end, now)
        # k: the fix's index since `start` (time-major: each instant, every vehicle, as ingest writes them);
        # a loop of ~30 km (an hour at ~30 km/h) around a centre per vehicle, stopped (position and speed
        # frozen) two hours in eight
        c.execute(
            f'''INSERT INTO {{table}} (vehicle_id, time, lon, lat, speed_kmh, heading, altitude_m, alarm_bits,
                status_bits, mileage_km, source, received_at, flag)
            SELECT v, %(start)s + k * make_interval(secs => %(step)s), lon, lat, spd, hd, 0, 0, 2, NULL, 'jt808',
                %(start)s + k * make_interval(secs => %(step)s), ''
            FROM (SELECT v, k,
                    CASE WHEN (k / 120) %% 4 = 0 THEN (k / 120) * 120 ELSE k END AS kk,
                    CASE WHEN (k / 120) %% 4 = 0 THEN 0.0 ELSE 28 + 4 * sin(k / 7.0) END AS spd,
                    (k * 7) %% 360 AS hd
                  FROM generate_series(
                        ceil(extract(epoch FROM %(lo)s::timestamptz - %(start)s) / %(step)s)::bigint,
                        ceil(extract(epoch FROM %(hi)s::timestamptz - %(start)s) / %(step)s)::bigint - 1) k,
                       unnest(%(vids)s::bigint[]) v) s,
                 LATERAL (SELECT 121.2 + (v %% 20) * 0.03 + 0.05 * sin(kk / 10.0 + v) AS lon,
                                 31.0 + (v / 20) * 0.03 + 0.04 * cos(kk / 10.0 + v) AS lat) p
            ORDER BY k, v''',  # noqa
            {{"start": start, "step": INTERVAL, "lo": lo, "hi": hi, "vids": vids}},
        )
        total += c.rowcount
        month = month.shift(1)
    gen_s = time.perf_counter() - gen0
    vac0 = time.perf_counter()
    c.execute(f"VACUUM ANALYZE {{table}}")
    vacuum_s = time.perf_counter() - vac0
    c.execute("SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = %s::regclass", [table])
    size = int(c.fetchone()[0] or 0)

samples = random.sample(vids, min(SAMPLES, len(vids)))
today = timezone.localdate(now)
days = [today - dt.timedelta(days=d) for d in range(1, DAYS)]
mil0 = time.perf_counter()
for d in days:
    stats.compute_daily_mileage(d, samples)
mileage_s = time.perf_counter() - mil0
vehicle_of = {{v.pk: v for v in PatrolVehicle.objects.filter(pk__in=samples)}}


def count(vid, a, b):
    with connection.cursor() as c:
        c.execute(f"SELECT count(*) FROM {{table}} WHERE vehicle_id = %s AND time >= %s AND time < %s", [vid, a, b])
        return c.fetchone()[0]


def year_raw(vid, a, b):
    with connection.cursor() as c:
        c.execute(
            f'''SELECT coalesce(sum(2 * 6371008.8 * asin(least(1, sqrt(
                    power(sin(radians(lat - plat) / 2), 2)
                    + cos(radians(plat)) * cos(radians(lat)) * power(sin(radians(lon - plon) / 2), 2))))), 0) / 1000
                FROM (SELECT lon, lat, lag(lon) OVER w AS plon, lag(lat) OVER w AS plat FROM {{table}}
                      WHERE vehicle_id = %s AND time >= %s AND time < %s AND flag = '' WINDOW w AS (ORDER BY time)) s
                WHERE plon IS NOT NULL''',
            [vid, a, b],
        )
        return float(c.fetchone()[0])


def midnight(d):
    return timezone.make_aware(dt.datetime.combine(d, dt.time.min))


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


cases = {{"day": [], "month": [], "year": [], "year_raw": []}}
base = {{k: [] for k in cases}}
rows = {{k: [] for k in cases}}
check = {{}}
for rep in range(REPS):
    vid = samples[rep % len(samples)]
    v = vehicle_of[vid]
    d = random.choice(days[1:-1])
    a, b = midnight(d), midnight(d + dt.timedelta(days=1))
    ms, out = timed(lambda: tracks.track_json(tracks.load_track(v, a, b - dt.timedelta(microseconds=1))))
    cases["day"].append(ms); rows["day"].append(out["total_points"])
    base["day"].append(timed(lambda: count(vid, a, b))[0])
    m0 = random.randrange(1, 11)
    ma = midnight(today.replace(day=1) - dt.timedelta(days=30 * m0)).replace(day=1)
    mb = (ma + dt.timedelta(days=32)).replace(day=1)
    ms, out = timed(lambda: tracks.track_json(tracks.load_track(v, ma, mb - dt.timedelta(microseconds=1)), zoom=12))
    cases["month"].append(ms); rows["month"].append(out["total_points"]); check["month_drawn"] = len(out["points"])
    base["month"].append(timed(lambda: count(vid, ma, mb))[0])
    ya, yb = midnight(days[-1]), midnight(today)
    ms, km = timed(lambda: DailyMileage.objects.filter(vehicle_id=vid, date__gte=days[-1], date__lt=today)
                   .aggregate(s=Sum("distance_km"))["s"])
    cases["year"].append(ms); check["year_km"] = round(km or 0, 1)
    base["year"].append(timed(lambda: count(vid, ya, yb))[0])
    ms, km_raw = timed(lambda: year_raw(vid, ya, yb))
    cases["year_raw"].append(ms); check["year_raw_km"] = round(km_raw, 1)
    base["year_raw"].append(base["year"][-1])
    rows["year"].append(count(vid, ya, yb)); rows["year_raw"].append(rows["year"][-1])

p95 = lambda xs: float(np.percentile(xs, 95))  # noqa
print("RESULT=" + json.dumps({{
    "fixes": total, "vehicles": V, "gen_s": gen_s, "vacuum_s": vacuum_s, "mileage_s": mileage_s,
    "mileage_days": len(days) * len(samples), "size_bytes": size,
    "partitions": len(partitions.partitions(table)),
    "p95": {{k: p95(v) for k, v in cases.items()}}, "base_p95": {{k: p95(v) for k, v in base.items()}},
    "rows": {{k: int(np.median(v)) for k, v in rows.items()}}, "check": check,
}}))
"""


def _admin_dsn() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        parts = urllib.parse.urlsplit("postgres://postgres@127.0.0.1:5432/postgres")
    admin = urllib.parse.urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    bench = urllib.parse.urlunsplit(("postgres", parts.netloc, f"/{DB_NAME}", "", ""))
    return admin, bench


def _admin(sql: str) -> None:
    import psycopg

    dsn, _ = _admin_dsn()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def run(quick: bool) -> dict[str, Any]:
    fixes = int(os.environ.get("BENCH_TRACK_FIXES", QUICK_FIXES if quick else FULL_FIXES))
    per_vehicle = DAYS * 86400 // INTERVAL_S
    vehicles = max(1, round(fixes / per_vehicle))
    params = {
        "vehicles": vehicles,
        "interval": INTERVAL_S,
        "days": DAYS,
        "reps": 20 if quick else 50,
        "samples": 3 if quick else 5,
    }
    _, bench_url = _admin_dsn()
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
        code = CODE.format(**params)
        for args in (["migrate", "--noinput", "-v", "0"], ["createcachetable"], ["shell", "-v", "0", "-c", code]):
            done = subprocess.run(
                [sys.executable, "manage.py", *args],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=6 * 3600,
            )
            if done.returncode != 0:
                raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        out = done.stdout
    finally:
        _admin(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    d = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT=")))
    rate = d["fixes"] / d["gen_s"]
    # the full run: generation and VACUUM grow with the rows, the daily mileage and the queries do not
    scale = FULL_FIXES / d["fixes"]
    estimate = (d["gen_s"] + d["vacuum_s"]) * scale + d["mileage_s"] * 5 / 3 + 120
    print(f"PostgreSQL database {DB_NAME} (created and dropped); {d['partitions']} partitions")
    print(
        f"generated {d['fixes']:,} fixes ({d['vehicles']} vehicles × 1 fix / {INTERVAL_S} s × {DAYS} days) in "
        f"{d['gen_s']:.0f} s ({rate:,.0f} fixes/s), VACUUM ANALYZE {d['vacuum_s']:.0f} s, "
        f"{d['size_bytes'] / 2**30:.2f} GiB with indexes; daily mileage of {d['mileage_days']} vehicle-days "
        f"(nightly job's code) in {d['mileage_s']:.0f} s"
    )
    ratios = {}
    for key, label in (
        ("day", "one day, every point"),
        ("month", "one month, simplified (zoom 12)"),
        ("year", "year mileage (daily table)"),
        ("year_raw", "year mileage from raw fixes"),
    ):
        p, b = d["p95"][key], d["base_p95"][key]
        ratios[key] = round(p / b, 1) if b else None
        print(
            f"  {label:<34} p95 {p:8.1f} ms   index-only count of the same {d['rows'][key]:>7,} fixes "
            f"p95 {b:7.1f} ms   ({ratios[key]}×)"
        )
    print(f"  checks: {d['check']}")
    met = all(d["p95"][k] < GOAL_MS for k in ("day", "month", "year"))
    print(f"goal p95 < {GOAL_MS} ms (day, month, year): {'met' if met else 'NOT met'}")
    if quick:
        print(f"full run (100 M fixes) estimated at ~{estimate / 60:.0f} min on this machine")
    return {
        "bench": "track_history",
        "value": round(max(d["p95"][k] for k in ("day", "month", "year")), 1),
        "unit": "ms p95 (worst of day / month / year)",
        "baseline": round(max(d["base_p95"][k] for k in ("day", "month", "year")), 1),
        "ratio": ratios["month"],
        "p95_ms": {k: round(v, 1) for k, v in d["p95"].items()},
        "count_p95_ms": {k: round(v, 1) for k, v in d["base_p95"].items()},
        "ratio_to_count": ratios,
        "rows": d["rows"],
        "fixes": d["fixes"],
        "vehicles": d["vehicles"],
        "generate_s": round(d["gen_s"], 1),
        "estimate_full_s": round(estimate) if quick else None,
        "database": "postgresql",
        "goal_met": met,
    }
