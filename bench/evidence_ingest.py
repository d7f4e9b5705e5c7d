"""Evidence ingest: chunked upload over HTTP on loopback + SM3 + store, against max(plain copy, SM3) of the same bytes.

`python -m bench evidence_ingest [--quick]` makes a scratch directory (SQLite database, media and upload
directories), migrates it, creates an officer with a logged-in browser session and starts the production web
server (uvicorn, `teis.asgi`) on a free loopback port. It then writes 512 MiB (128 MiB with --quick) of random
bytes to a file and, in the same run and on the same disk, measures:
(i)   the ingest, the way the browser uploader (`evidence/uploader.js`) does it: session cookie + CSRF
      header, open an upload session, PUT the file in chunks of the upload page's size (`CHUNK`, as
      `teis/evidence/views/admin.py`) over HTTP — through the streaming chunk endpoint mounted in
      `teis/asgi.py` — then complete (size, magic bytes, duplicate check, store write-once, item created);
      wall time from open to the 201 of complete. One small upload is made first, untimed, so that the
      server's first-request start-up (URLconf import, middleware) is not counted as throughput;
(ii)  a plain copy of the file (shutil.copyfile) on the same disk;
(iii) SM3 of the file with the OpenSSL-backed `Sm3Hasher`, 1 MiB reads.
`BENCH_CHUNK_MB` (default 32, the upload page's chunk) changes the chunk size to compare.
The ceiling is the slower of (ii) and (iii); the ratio is ceiling time / ingest time (goal ≥ 0.6). The SM3
stored by the server is checked against (iii). MB = 10^6 bytes. The scratch directory is removed at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHUNK = int(os.environ.get("BENCH_CHUNK_MB", "32")) * 1024 * 1024  # the upload page's chunk (views/admin.py)
PIECE = 1 << 20
GOAL = 0.6

SETUP = r"""
from django.test import Client
from teis.core.testing import make_tree, make_officer_user
from teis.org.roles import ensure_roles
ensure_roles()
tree = make_tree()
user = make_officer_user(role_codes=["field_officer"], unit=tree["squad1"], username="bench_officer")
client = Client()
client.force_login(user, backend="teis.org.backends.RoleBackend")
print(client.cookies["sessionid"].value)
"""
CSRF = "benchCsrfSecret0123456789abcdefg"  # 32 characters: a CSRF secret; the header repeats it (as the page)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(scratch: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "STORAGE_URL", "REDIS_URL")}
    env.update(
        {
            "TEIS_VAR_DIR": str(scratch / "var"),
            "MEDIA_ROOT": str(scratch / "media"),
            "TEIS_TESTING": "0",
            "HUEY_IMMEDIATE": "0",
            "DJANGO_SETTINGS_MODULE": "teis.settings",
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def _browser_headers(session: str) -> dict[str, str]:
    return {"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF, "X-Requested-With": "fetch"}


def _request(conn, method, path, token, body=None, headers=None):
    h = {**_browser_headers(token), **(headers or {})}
    conn.request(method, path, body=body, headers=h)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, json.loads(data) if data else {}


def _put_file_chunk(conn, path: str, token: str, fh, offset: int, length: int) -> dict:
    conn.putrequest("PUT", path)
    for key, value in _browser_headers(token).items():
        conn.putheader(key, value)
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Content-Length", str(length))
    conn.putheader("Upload-Offset", str(offset))
    conn.endheaders()
    remaining = length
    while remaining:
        data = fh.read(min(PIECE, remaining))
        conn.send(data)
        remaining -= len(data)
    resp = conn.getresponse()
    body = json.loads(resp.read())
    if resp.status != 200:
        raise RuntimeError(f"chunk at {offset}: HTTP {resp.status} {body}")
    return body


def _warm_up(port: int, token: str) -> None:
    """One small upload, untimed: the server's first requests import the URLconf and build middleware."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    data = b"warm-up " * 64
    status, session = _request(
        conn,
        "POST",
        "/api/v1/evidence/uploads/",
        token,
        json.dumps({"filename": "warm.txt", "size": len(data)}),
        {"Content-Type": "application/json"},
    )
    if status != 201:
        raise RuntimeError(f"warm-up open: HTTP {status} {session}")
    path = f"/api/v1/evidence/uploads/{session['token']}/chunk/"
    _request(conn, "PUT", path, token, data, {"Upload-Offset": "0", "Content-Type": "application/octet-stream"})
    _request(conn, "POST", f"/api/v1/evidence/uploads/{session['token']}/complete/", token)
    conn.close()


def _ingest(port: int, token: str, src: Path, size: int) -> tuple[float, str]:
    _warm_up(port, token)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    status, session = _request(
        conn,
        "POST",
        "/api/v1/evidence/uploads/",
        token,
        json.dumps({"filename": "bench.mp4", "size": size, "content_type": "video/mp4"}),
        {"Content-Type": "application/json"},
    )
    if status != 201:
        raise RuntimeError(f"open: HTTP {status} {session}")
    chunk_path = f"/api/v1/evidence/uploads/{session['token']}/chunk/"
    with open(src, "rb") as fh:
        offset = 0
        while offset < size:
            length = min(CHUNK, size - offset)
            offset = _put_file_chunk(conn, chunk_path, token, fh, offset, length)["offset"]
    status, item = _request(conn, "POST", f"/api/v1/evidence/uploads/{session['token']}/complete/", token)
    elapsed = time.perf_counter() - started
    if status != 201:
        raise RuntimeError(f"complete: HTTP {status} {item}")
    return elapsed, item["sm3"]


def _make_source(path: Path, size: int) -> None:
    with open(path, "wb") as fh:
        fh.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
        written = 24
        while written < size:
            n = min(PIECE * 8, size - written)
            fh.write(os.urandom(n))
            written += n


def _copy_seconds(src: Path, scratch: Path) -> float:
    dst = scratch / "copy.bin"
    started = time.perf_counter()
    shutil.copyfile(src, dst)
    elapsed = time.perf_counter() - started
    dst.unlink()
    return elapsed


def _sm3_seconds(src: Path) -> tuple[float, str]:
    from teis.core.crypto import Sm3Hasher

    hasher = Sm3Hasher()
    started = time.perf_counter()
    with open(src, "rb") as fh:
        while data := fh.read(PIECE):
            hasher.update(data)
    return time.perf_counter() - started, hasher.hexdigest()


def run(quick: bool) -> dict[str, Any]:
    size = (128 if quick else 512) * 1024 * 1024
    scratch = Path(tempfile.mkdtemp(prefix="teis-bench-evidence-", dir=str(ROOT / "var")))
    env = _env(scratch)
    server = None
    try:
        (scratch / "var").mkdir()
        print("迁移临时数据库…", flush=True)
        py = sys.executable
        subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([py, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True)  # sessions' policy
        token = (
            subprocess.run(
                [py, "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        port = _free_port()
        server = subprocess.Popen(
            [
                str(Path(py).parent / "uvicorn"),
                "teis.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        src = scratch / "source.bin"
        _make_source(src, size)
        copy_s = _copy_seconds(src, scratch)
        sm3_s, digest = _sm3_seconds(src)
        ingest_s, stored = _ingest(port, token, src, size)
        if stored != digest:
            raise RuntimeError("服务器存储的 SM3 与独立计算不一致")
        # the same measurements once more, so that the ratio is not an artefact of one noisy moment
        copy_s = min(copy_s, _copy_seconds(src, scratch))
        sm3_s = min(sm3_s, _sm3_seconds(src)[0])
        mb = size / 1e6
        ceiling_s = max(copy_s, sm3_s)
        value, baseline = mb / ingest_s, mb / ceiling_s
        print(f"数据量 {mb:.0f} MB，分片 {CHUNK // 1024 // 1024} MiB", flush=True)
        print(f"入库（HTTP 分片上传 + SM3 + 存储）：{ingest_s:.2f} s，{value:.0f} MB/s", flush=True)
        print(
            f"复制：{copy_s:.2f} s（{mb / copy_s:.0f} MB/s）；SM3：{sm3_s:.2f} s（{mb / sm3_s:.0f} MB/s）", flush=True
        )
        print(f"比值 {ceiling_s / ingest_s:.2f}（目标 ≥ {GOAL}）", flush=True)
        return {
            "bench": "evidence_ingest",
            "value": round(value, 1),
            "unit": "MB/s",
            "baseline": round(baseline, 1),
            "ratio": round(ceiling_s / ingest_s, 3),
            "p95_ms": None,
            "size_mb": round(mb),
            "copy_mb_s": round(mb / copy_s, 1),
            "sm3_mb_s": round(mb / sm3_s, 1),
            "goal": GOAL,
        }
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        for root, _dirs, files in os.walk(scratch):
            for name in files:
                os.chmod(os.path.join(root, name), 0o644)
        shutil.rmtree(scratch, ignore_errors=True)
