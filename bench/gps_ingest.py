"""GPS ingest: fixes/s from simulated JT/T 808 terminals over loopback through gateway → store → geofence → push.

`python -m bench gps_ingest [--quick]` creates a scratch database (PostgreSQL `teis_bench_gps` when DATABASE_URL
points at PostgreSQL or 127.0.0.1:5432 answers; otherwise a temporary SQLite file), migrates it and, in one run:
(i)   starts the gateway (`teis.dispatch.jt808.gateway` with `ProcessIngestSink`, batches of 8,000 / 200 ms,
      as `manage.py jt808_gateway` runs it) in the driver process and the simulator (`manage.py jt808_simulate`)
      in a second process: N terminals on loopback, each reporting every I seconds for D seconds after it logged
      in (offered load N/I fixes/s; the simulator's writes wait for the gateway, so the measured rate is what the
      pipeline sustains); the sustained rate is the stored-fix count's slope from the moment 98 % of the fleet
      is logged in over the next 0.9 D;
(ii)  during the load, probe terminals drive out of their unit's area (dwell 0) and the time from sending the
      fix to the committed out-of-area alarm (whose live push is issued on commit) is measured;
(iii) baseline (a): the decode rate of the same kind of frames alone (splitter, unescape, check code, header,
      body, Fix), single thread;
(iv)  baseline (b): a bulk insert of as many rows of the same shape for the same vehicles, as many rows per
      transaction as the gateway's batch (`GatewayConfig.batch_size`), two ways: the ORM's `bulk_create` and the
      database's own ceiling (PostgreSQL COPY, which the pipeline itself uses for the fix rows; SQLite
      executemany, likewise). The headline ratio is to the faster of the two: the pipeline is measured against
      the very statement it stores with.
Goals: ≥ 5,000 fixes/s sustained, ≥ 50 % of the bulk-insert ceiling, alarm < 2 s.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "teis_bench_gps"
GOAL_RATE = 5000
GOAL_RATIO = 0.5
GOAL_ALARM_MS = 2000


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return "postgres://postgres@127.0.0.1:5432/postgres"
    except OSError:
        return None


def _admin(url: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    dsn = urllib.parse.urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def _manage(env: dict, *args: str, timeout: int = 3600) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def run(quick: bool) -> dict[str, Any]:
    params = {
        # the default offers 30,000 fixes/s, more than the chain sustains on two cores, so the figure is where the
        # pipeline saturates rather than where the simulator stops offering (BENCH_GPS_VEHICLES / _INTERVAL)
        "vehicles": int(os.environ.get("BENCH_GPS_VEHICLES", 200 if quick else 3000)),
        "interval": float(os.environ.get("BENCH_GPS_INTERVAL", 0.1)),
        "duration": 30 if quick else 90,
        "probes": 3 if quick else 6,
    }
    pg = _postgres_url()
    tmp = tempfile.TemporaryDirectory(prefix="teis-bench-gps-")
    if pg:
        parts = urllib.parse.urlsplit(pg)
        db_url = urllib.parse.urlunsplit(("postgres", parts.netloc, f"/{DB_NAME}", "", ""))
        _admin(pg, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        _admin(pg, f"CREATE DATABASE {DB_NAME}")
    else:
        db_url = f"sqlite:///{tmp.name}/bench.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "TEIS_TESTING": "0",
        "LOG_LEVEL": "WARNING",
        "HUEY_IMMEDIATE": "0",
        "TEIS_DISPATCH_DWELL_S": "0",  # the alarm probe measures latency, not the debounce
        "DJANGO_SETTINGS_MODULE": "teis.settings",
        "PYTHONPATH": str(ROOT),
    }
    try:
        _manage(env, "migrate", "--noinput", "-v", "0")
        _manage(env, "createcachetable")  # the database cache (dispatch settings are read through it)
        done = subprocess.run(
            [sys.executable, "-m", "bench.gps_ingest", "driver", json.dumps(params)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"driver failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
        out = done.stdout
    finally:
        if pg:
            _admin(pg, f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        tmp.cleanup()
    for line in out.splitlines():
        if not line.startswith("RESULT="):
            print(line)
    data = json.loads(next(line[7:] for line in out.splitlines() if line.startswith("RESULT=")))
    rate, orm, copy, decode = data["sustained_rate"], data["bulk_rate"], data["copy_rate"], data["decode_rate"]
    bulk = max(orm, copy)
    alarm = data["alarm_ms"]
    alarm_p95 = sorted(alarm)[min(len(alarm) - 1, int(len(alarm) * 0.95))] if alarm else None
    print(
        f"database: {'PostgreSQL' if pg else 'SQLite'}; {params['vehicles']} terminals every {params['interval']} s, "
        f"{data['per_connection']} per TCP connection"
    )
    offered = params["vehicles"] / params["interval"]
    print(f"offered {offered:,.0f} fixes/s (closed loop: each terminal waits for its answer); ")
    print(f"simulator's average incl. login {data['offered_rate']:,.0f} fixes/s; sustained {rate:,.0f} fixes/s")
    print(f"(a) decode only {decode:,.0f} frames/s; ratio {rate / decode:.3f}")
    print(f"(b) bulk insert: ORM bulk_create {orm:,.0f} rows/s, {'COPY' if pg else 'executemany'} {copy:,.0f} rows/s;")
    print(f"    ratio to the ceiling {rate / bulk:.3f}, to bulk_create {rate / orm:.3f}")
    print(f"out-of-area alarm latency (fix sent → alarm committed) ms: {[round(x) for x in alarm]}")
    print(f"gateway: {data['gateway']}")
    print(f"simulator: {data['simulator']}")
    return {
        "bench": "gps_ingest",
        "value": round(rate),
        "unit": "fixes/s",
        "baseline": round(bulk),
        "ratio": round(rate / bulk, 3),
        "p95_ms": round(alarm_p95) if alarm_p95 is not None else None,
        "decode_rate": round(decode),
        "bulk_create_rate": round(orm),
        "copy_rate": round(copy),
        "ratio_to_bulk_create": round(rate / orm, 3),
        "ratio_to_decode": round(rate / decode, 3),
        "offered": round(params["vehicles"] / params["interval"]),
        "simulator_rate": round(data["offered_rate"]),
        "database": "postgresql" if pg else "sqlite",
        "vehicles": params["vehicles"],
        "goals_met": {
            "rate_5000": rate >= GOAL_RATE,
            "half_of_bulk": rate / bulk >= GOAL_RATIO,
            "alarm_2s": alarm_p95 is not None and alarm_p95 < GOAL_ALARM_MS,
        },
    }


# --- the driver (a separate process with Django set up against the scratch database) ---------------------------


def _setup_fleet(n: int, probes: int):
    from teis.core.geo import district_geometry
    from teis.core.testing import make_tree
    from teis.dispatch.models import PatrolVehicle
    from teis.dispatch.services import directory

    tree = make_tree()
    for key, code in (("brigade1", "310101"), ("brigade2", "310104"), ("district", "310115")):
        tree[key].jurisdiction = district_geometry(code)  # 黄浦, 徐汇, 浦东
        tree[key].save(update_fields=["jurisdiction"])
    units = [tree["squad1"], tree["squad2"], tree["squad3"], tree["district"]]
    PatrolVehicle.objects.bulk_create(
        [PatrolVehicle(plate=f"沪B{i:05d}", unit=units[i % 4], terminal_phone=f"0139{i:08d}") for i in range(n)]
        + [
            PatrolVehicle(plate=f"沪P{i:05d}", unit=tree["squad1"], terminal_phone=f"0137{i:08d}")
            for i in range(probes)
        ]
    )
    directory.invalidate()
    d = directory.current(force=True)
    return d.areas[tree["squad1"].pk]


def _edge_points(area):
    """A point 150 m inside the area and one 150 m outside it, across its boundary."""
    from shapely.geometry import Point

    c = area.centroid
    for k in range(1, 40):
        b = area.boundary.interpolate(k / 40, normalized=True)
        dx, dy = b.x - c.x, b.y - c.y
        norm = (dx * dx + dy * dy) ** 0.5
        step = 0.0015 / norm
        inside = (b.x - dx * step, b.y - dy * step)
        outside = (b.x + dx * step, b.y + dy * step)
        if area.contains(Point(inside)) and not area.buffer(0.0005).contains(Point(outside)):
            return inside, outside
    raise RuntimeError("no boundary crossing found")


async def _probe(port: int, phone: str, plate: str, inside, outside) -> float:
    """Register, authenticate, report inside, then outside; seconds from sending the outside fix to the alarm."""
    import asyncio
    import datetime as dt
    import time

    from asgiref.sync import sync_to_async

    from teis.dispatch.choices import AlarmKind
    from teis.dispatch.jt808 import Authenticate, FrameSplitter, Location, Register, decode_body, decode_frame
    from teis.dispatch.jt808.header import encode_frame
    from teis.dispatch.models import Alarm

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    splitter, inbox = FrameSplitter(), []

    async def recv():
        while not inbox:
            for f in splitter.feed(await reader.read(4096)):
                p = decode_frame(f)
                inbox.append((p.header, decode_body(p.header, p.body)))
        return inbox.pop(0)

    writer.write(encode_frame(0x0100, phone, 1, Register(31, 0, "BENCH", "P", phone[-7:], 1, plate).encode()))
    _, answer = await recv()
    writer.write(encode_frame(0x0102, phone, 2, Authenticate(answer.auth_code).encode()))
    await recv()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first = Location.build(lon=inside[0], lat=inside[1], time=now - dt.timedelta(seconds=20), speed_kmh=30)
    writer.write(encode_frame(0x0200, phone, 3, first.encode()))
    await recv()
    await asyncio.sleep(1.0)  # the inside fix is stored and evaluated
    second = Location.build(lon=outside[0], lat=outside[1], time=now - dt.timedelta(seconds=5), speed_kmh=30)
    exists = sync_to_async(
        lambda: Alarm.objects.filter(vehicle__terminal_phone=phone, kind=AlarmKind.OUT_OF_AREA).exists(),
        thread_sensitive=False,
    )
    started = time.perf_counter()
    writer.write(encode_frame(0x0200, phone, 4, second.encode()))
    while not await exists():
        if time.perf_counter() - started > 30:
            return 30.0
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    writer.close()
    return elapsed


def _decode_rate(vehicles, count: int) -> tuple[float, list]:
    import datetime as dt
    import random
    import time

    from teis.core.geo import shanghai_districts
    from teis.dispatch.jt808 import FrameSplitter, decode_body, decode_frame
    from teis.dispatch.jt808.gateway import location_fix
    from teis.dispatch.jt808.header import encode_frame
    from teis.dispatch.jt808.simulator import Route, land_geometry

    land = land_geometry(shanghai_districts())
    routes = [Route(v, land, random.Random(i)) for i, v in enumerate(vehicles[:200])]
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=30)
    frames = []
    for k in range(count):
        v, route = vehicles[k % len(routes)], routes[k % len(routes)]
        route.step(1.0)
        moment = start + dt.timedelta(seconds=k // len(routes))
        frames.append(
            encode_frame(0x0200, v.phone, k & 0xFFFF, route.location(moment).encode(), version_2019=v.version_2019)
        )
    stream = b"".join(frames)
    fixes = []
    t0 = time.perf_counter()
    splitter = FrameSplitter()
    for pos in range(0, len(stream), 16384):
        for f in splitter.feed(stream[pos : pos + 16384]):
            p = decode_frame(f)
            fixes.append(location_fix(p.header.phone, decode_body(p.header, p.body)))
    return count / (time.perf_counter() - t0), fixes


def _batch_size() -> int:
    """Rows per transaction of the baselines: the gateway's batch, so both sides pay the same commits."""
    from teis.dispatch.jt808.gateway import GatewayConfig

    return GatewayConfig().batch_size


def _bulk_rate(fixes: list) -> float:
    import time

    from django.db import transaction
    from django.utils import timezone

    from teis.dispatch.models import FixRecord, PatrolVehicle, device_key

    ids = {device_key(p): pk for p, pk in PatrolVehicle.objects.values_list("terminal_phone", "pk")}
    t0 = time.perf_counter()
    now = timezone.now()
    size = _batch_size()
    for i in range(0, len(fixes), size):
        with transaction.atomic():
            rows = [
                FixRecord(
                    vehicle_id=ids[device_key(f.device_id)],
                    time=f.time,
                    lon=f.lon,
                    lat=f.lat,
                    speed_kmh=f.speed_kmh,
                    heading=f.heading,
                    altitude_m=f.altitude_m,
                    alarm_bits=f.alarm_bits,
                    status_bits=f.status_bits,
                    mileage_km=f.mileage_km,
                    source=f.source,
                    received_at=now,
                )
                for f in fixes[i : i + size]
            ]
            FixRecord.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(fixes) / (time.perf_counter() - t0)


def _copy_rate(fixes: list) -> float:
    """The database's own ceiling: PostgreSQL COPY (SQLite: executemany) of the same rows, a gateway batch per
    transaction, shifted 30 days back so they never collide with the rows already there."""
    import datetime as dt
    import time

    from django.db import connection, transaction
    from django.utils import timezone

    from teis.dispatch.models import PatrolVehicle, device_key

    ids = {device_key(p): pk for p, pk in PatrolVehicle.objects.values_list("terminal_phone", "pk")}
    shift = dt.timedelta(days=30)
    columns = "vehicle_id, time, lon, lat, speed_kmh, heading, altitude_m, alarm_bits, status_bits, mileage_km, "
    columns += "source, received_at"
    t0 = time.perf_counter()
    now = timezone.now()
    size = _batch_size()
    for i in range(0, len(fixes), size):
        rows = [
            (ids[device_key(f.device_id)], f.time - shift, f.lon, f.lat, f.speed_kmh, f.heading, f.altitude_m,
             f.alarm_bits, f.status_bits, f.mileage_km, f.source, now)
            for f in fixes[i : i + size]
        ]  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY dispatch_fixrecord ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * 12)
                cursor.executemany(f"INSERT INTO dispatch_fixrecord ({columns}) VALUES ({marks})", rows)
    return len(fixes) / (time.perf_counter() - t0)


def driver(params: dict) -> None:
    import asyncio
    import threading
    import time

    import django

    django.setup()
    from teis.core.process import tune_gc
    from teis.dispatch.jt808.gateway import Gateway, GatewayConfig, new_event_loop
    from teis.dispatch.jt808.sink import ProcessIngestSink
    from teis.dispatch.management.commands.jt808_simulate import sim_vehicles

    n, probes = params["vehicles"], params["probes"]
    area = _setup_fleet(n, probes)
    inside, outside = _edge_points(area)

    tune_gc()  # as `manage.py jt808_gateway` does (its ingest process does too)
    loop = new_event_loop()  # as `manage.py jt808_gateway` runs it
    sink = ProcessIngestSink()
    # batches of 8,000 or 200 ms and the write-ahead journal (answers once fsync'd), as the command runs it
    journal_dir = tempfile.mkdtemp(prefix="teis-bench-jt808-journal-")
    config = GatewayConfig(host="127.0.0.1", port=0, journal_dir=journal_dir)
    gateway = Gateway(sink, config)
    # terminals per TCP connection (as behind a relay platform): as many as keep a connection at 80 % of the
    # gateway's flood limit, so that one write carries the reports of many terminals
    per_connection = int(
        os.environ.get("BENCH_GPS_PER_CONNECTION", max(1, int(config.max_frames_per_s * params["interval"] * 0.8)))
    )
    loop.run_until_complete(gateway.start())
    threading.Thread(target=loop.run_forever, daemon=True).start()

    env = {**os.environ}
    sim = subprocess.Popen(
        [sys.executable, "manage.py", "jt808_simulate", "--vehicles", str(n), "--interval", str(params["interval"]),
         "--duration", str(params["duration"]), "--port", str(gateway.port), "--json", "--leave-area", str(n // 20),
         "--blind", "0.002", "--per-connection", str(per_connection)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    samples = []  # (seconds, stored, received)
    alarm_s: list[float] = []
    t0 = time.perf_counter()
    logged_in_at = None  # when 98 % of the fleet has authenticated
    while sim.poll() is None:
        elapsed = time.perf_counter() - t0
        stats = gateway.stats
        samples.append((elapsed, stats["ingest_stored"], stats["fixes_received"], stats["authenticated"]))
        if logged_in_at is None and stats["authenticated"] >= n * 0.98:
            logged_in_at = elapsed
        probing = logged_in_at is not None and elapsed > logged_in_at + params["duration"] * 0.3
        if probing and len(alarm_s) < probes:
            i = len(alarm_s)
            future = asyncio.run_coroutine_threadsafe(
                _probe(gateway.port, f"0137{i:08d}", f"沪P{i:05d}", inside, outside), loop
            )
            try:
                alarm_s.append(future.result(90))
            except TimeoutError:
                alarm_s.append(90.0)
        time.sleep(0.25)
    out, err = sim.communicate()
    if sim.returncode != 0:
        raise RuntimeError(f"simulator failed: {err[-3000:]}")
    sim_counts = json.loads(out.strip().splitlines()[-1])
    asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(120)
    loop.call_soon_threadsafe(loop.stop)

    # sustained: slope of stored fixes once the fleet is logged in, until the simulator's last 10 %
    end = (logged_in_at or 0) + params["duration"] * 0.9
    logged_in = [s for s in samples if logged_in_at is not None and logged_in_at <= s[0] <= end]
    if len(logged_in) < 8:
        raise RuntimeError(f"the fleet never reported steadily: gateway {dict(gateway.stats)}, simulator {sim_counts}")
    lo, hi = logged_in[1], logged_in[-1]
    sustained = (hi[1] - lo[1]) / (hi[0] - lo[0])
    reporting = [s for s in samples if s[2] > 0]
    offered = sim_counts["fixes"] / max(1e-9, reporting[-1][0] - reporting[0][0]) if reporting else 0.0

    vehicles = sim_vehicles(n, 0)
    count = min(max(int(gateway.stats["ingest_stored"]), 20000), 300_000)
    decode, fixes = _decode_rate(vehicles, count)
    bulk = _bulk_rate(fixes)
    copy = _copy_rate(fixes)
    print("RESULT=" + json.dumps({
        "copy_rate": copy,
        "sustained_rate": sustained,
        "offered_rate": offered,
        "decode_rate": decode,
        "bulk_rate": bulk,
        "alarm_ms": [x * 1000 for x in alarm_s],
        "gateway": dict(sorted(gateway.stats.items())),
        "per_connection": per_connection,
        "simulator": sim_counts,
    }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__" and len(sys.argv) > 2 and sys.argv[1] == "driver":
    driver(json.loads(sys.argv[2]))
