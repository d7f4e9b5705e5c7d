"""Kill -9 of the web process in the middle of a payment notification (issue 20, faults): a real uvicorn server
receives the platform's signed notice and is killed after the payment's INSERT, before its COMMIT; nothing is
half-written, and the platform's redelivery to a restarted server records the payment exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from teis.finance.choices import NoticeOutcome, ReceivableStatus
from teis.finance.models import Payment, PaymentNotice, Receivable
from teis.finance.services import platform

ROOT = Path(__file__).resolve().parents[3]

# The server: production settings against the test database; with STALL_MARKER set, the notification handler stops
# between the payment's insert and its commit (the hook the service keeps for this), after writing the marker.
SERVER = r"""
import os, pathlib, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "teis.settings")
import django
django.setup()
from teis.finance.services import payments
marker = os.environ.get("STALL_MARKER")
if marker:
    def stall():
        pathlib.Path(marker).write_text("inside the transaction")
        time.sleep(600)
    payments.before_commit_hook = stall
import uvicorn
uvicorn.run("teis.asgi:application", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: bytes, signature: str, timeout: float = 60) -> tuple[int | None, bytes]:
    req = urllib.request.Request(  # noqa: S310 (local test server)
        url, data=body, headers={"X-Signature": signature, "Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError:
        return None, b""


def _tail(server) -> str:
    return Path(server.log_path).read_text(errors="replace")[-3000:]


def _start(tmp_path: Path, port: int, marker: Path | None) -> subprocess.Popen:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "DB_POOL")}
    env.update(
        TEIS_TESTING="0",
        TEIS_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        PYTHONPATH=str(ROOT),
        HUEY_IMMEDIATE="0",
    )
    env.pop("STALL_MARKER", None)
    if marker is not None:
        env["STALL_MARKER"] = str(marker)
    # production settings keep the working-day calendar in the database cache, which `make run` creates
    subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True, timeout=120)
    log = open(tmp_path / f"server-{port}.log", "wb")  # noqa: SIM115 (the server's lifetime, closed with the test)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    server.log_path = log.name
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:  # noqa: S310
                if resp.status == 200:
                    return server
        except OSError:
            pass
        assert server.poll() is None, _tail(server)
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.3)


@pytest.mark.django_db(transaction=True)
def test_kill_9_inside_a_notification_then_the_redelivery_pays_exactly_once(people, decided, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a killed server's open transaction: PostgreSQL (production's database)")
    from .test_flow import _online

    rec = Receivable.objects.get(case=decided)
    order = _online(people, rec)
    body = platform.dumps(
        {
            "order_no": order.order_no,
            "txn_id": "TXKILL9",
            "amount": str(order.amount),
            "paid_at": timezone.now().isoformat(),
        }
    )
    signature = platform.sign(body)
    marker = tmp_path / "stalled"

    port = _free_port()
    server = _start(tmp_path, port, marker)
    url = f"http://127.0.0.1:{port}/finance/platform/notify/"
    try:
        answer: list = []
        sender = threading.Thread(target=lambda: answer.append(_post(url, body, signature, 30)), daemon=True)
        sender.start()
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert server.poll() is None, _tail(server)
            assert time.monotonic() < deadline, f"the notification never reached the commit: {answer} {_tail(server)}"
            time.sleep(0.1)
        os.kill(server.pid, signal.SIGKILL)  # the payment row is written, the transaction not committed
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    sender.join(timeout=30)

    # nothing of the killed transaction survives: no payment, no notice, the receivable and order unpaid
    assert not Payment.objects.filter(txn_id="TXKILL9").exists()
    assert not PaymentNotice.objects.filter(txn_id="TXKILL9").exists()
    rec.refresh_from_db()
    assert rec.status == ReceivableStatus.UNPAID and rec.paid_amount == 0

    # the platform gets no answer, so it delivers again (twice, as platforms do) to the restarted server
    port = _free_port()
    server = _start(tmp_path, port, None)
    url = f"http://127.0.0.1:{port}/finance/platform/notify/"
    try:
        first = _post(url, body, signature)
        again = _post(url, body, signature)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert first[0] == 200 and NoticeOutcome.ACCEPTED.value in first[1].decode(), first
    assert again[0] == 200 and NoticeOutcome.DUPLICATE.value in again[1].decode(), again
    payments = list(Payment.objects.filter(receivable=rec))
    assert len(payments) == 1 and payments[0].amount == order.amount and payments[0].txn_id == "TXKILL9"
    rec.refresh_from_db()
    assert rec.paid_amount == order.amount and rec.status == ReceivableStatus.PAID
