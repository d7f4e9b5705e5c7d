"""Database connections stay bounded under a burst (issue 16): a real uvicorn server with the production
settings (psycopg pool), 200 concurrent requests, then count the server's connections in pg_stat_activity.
Before: CONN_MAX_AGE=60 under ASGI left one connection per request thread (76 after 50 requests)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
POOL_MAX = 4
APP_NAME = "teis-burst-test"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (local test server)
            return resp.status, resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", "")
    except OSError:
        return None, ""


def _server_connections(db_name):
    with connection.cursor() as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")  # a transaction otherwise sees its first snapshot
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s", [db_name, APP_NAME]
        )
        return cur.fetchone()[0]


@pytest.mark.django_db
def test_200_concurrent_requests_leave_a_small_bounded_number_of_connections(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("connection pooling is a PostgreSQL matter")
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")}
    env.update(
        TEIS_TESTING="0",
        TEIS_VAR_DIR=str(tmp_path),
        DATABASE_URL=url + f"?application_name={APP_NAME}",
        DB_POOL_MAX=str(POOL_MAX),
        PYTHONPATH=str(ROOT),
    )
    env.pop("DB_POOL", None)
    env.pop("DB_CONN_MAX_AGE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "teis.asgi:application", "--port", str(port), "--no-access-log"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while _get(base + "/healthz")[0] != 200:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        urls = [base + ("/readyz" if i % 2 else "/api/v1/cases/cases/") for i in range(200)]
        with ThreadPoolExecutor(max_workers=200) as pool:
            results = list(pool.map(_get, urls))
        statuses = [status for status, _ in results]
        assert None not in statuses
        assert 500 not in statuses
        # every API answer is the JSON error body (401: not logged in), never an HTML page
        assert all("json" in ctype for (status, ctype), u in zip(results, urls, strict=True) if "/api/" in u)
        open_now = _server_connections(db["NAME"])
        assert 1 <= open_now <= POOL_MAX, open_now
    finally:
        server.terminate()
        server.wait(timeout=30)
    deadline = time.monotonic() + 20  # the backends notice the closed sockets shortly after
    while _server_connections(db["NAME"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _server_connections(db["NAME"]) == 0
