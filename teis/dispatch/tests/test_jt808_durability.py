"""A fix that was acknowledged is never lost (issue #21 §1): the gateway's write-ahead journal, answers sent only
once a report is journaled (fsync'd), the replay of what a crash left, and — on PostgreSQL — the real gateway with
its ingest process killed with SIGKILL while the simulator drives it, counting acknowledged against stored."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import threading
import time
import urllib.parse

import pytest
from django.db import connection

from teis.dispatch.jt808 import Location
from teis.dispatch.jt808.gateway import Gateway, GatewayConfig
from teis.dispatch.jt808.journal import Journal, decode_records, encode_record

from .test_jt808_gateway import NOW, PHONE, GeneralResponse, RawSink, Term, until


def test_journal_records_round_trip_and_a_torn_tail_ends_the_replay():
    records = [("013800000001", b"\x01" * 28, False, 1.5e9), ("01380013800a", b"\x02" * 40, True, 1.6e9)]
    data = b"".join(encode_record(*r) for r in records)
    assert list(decode_records(data)) == records
    assert list(decode_records(data[:-3])) == records[:1]  # the second was being written: never acknowledged
    corrupt = bytearray(data)
    corrupt[-1] ^= 0xFF
    assert list(decode_records(bytes(corrupt))) == records[:1]


def test_journal_deletes_a_segment_once_every_record_of_it_is_stored(tmp_path):
    journal = Journal(tmp_path, segment_bytes=50)
    first = journal.append(PHONE, b"x" * 60, False, 1.0)
    second = journal.append(PHONE, b"y" * 60, False, 2.0)  # the first segment is over 50 bytes: a new one
    journal.sync(journal.take())
    assert (first, second) == (1, 2) and sorted(p.name for p in tmp_path.iterdir()) == [
        "000000000001.jnl",
        "000000000002.jnl",
    ]
    journal.stored(first)
    journal.sync(journal.take())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000000000002.jnl"]  # closed and stored: gone
    journal.stored(second)  # still open: kept until `finish`
    journal.finish()
    journal.sync(journal.take())
    journal.close()
    assert list(tmp_path.iterdir()) == []


class FailingRawSink(RawSink):
    """The storage side is down: every batch fails."""

    def ingest_raw(self, entries):
        self.entries.extend(entries)
        raise RuntimeError("ingest process killed")


def test_answer_waits_for_the_journal_and_a_crash_is_replayed_on_the_next_start(tmp_path):
    """The storage side fails every batch: the report is answered 0 (it is on disk), stays in the journal, and
    the next gateway stores it before it listens."""

    async def first(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        serial = await t.send(0x0200, Location.build(lon=121.47, lat=31.23, time=NOW).encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        assert gw.stats["journal_syncs"] >= 1 and len(list(tmp_path.glob("*.jnl"))) == 1
        await until(lambda: gw.stats["fixes_deferred"] == 1)

    failing = FailingRawSink()
    _run(first, failing, tmp_path)
    assert failing.fixes == [] and len(list(tmp_path.glob("*.jnl"))) == 1  # kept for the next start

    async def second(gw, sink):
        assert gw.stats["journal_replayed"] == 1  # before the first terminal connects
        assert [f.time for f in sink.fixes] == [NOW]

    good = RawSink()
    _run(second, good, tmp_path)
    assert list(tmp_path.glob("*.jnl")) == []  # stored, so deleted


def test_location_subpackages_are_answered_only_when_the_whole_message_is_journaled(tmp_path):
    from teis.dispatch.jt808 import BatchLocation, encode_frames

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        locations = tuple(
            Location.build(lon=121.47, lat=31.23, time=NOW.replace(second=i)) for i in range(40)
        )  # 40 × 30 bytes: two packages
        frames = encode_frames(0x0704, PHONE, 100, BatchLocation(1, locations).encode(), part_size=700)
        assert len(frames) == 2
        await t.raw(frames[0])
        with pytest.raises(TimeoutError):  # the first package alone is not answered
            await t.recv(timeout=0.3)
        assert gw.stats["acks_ok"] == 0
        await t.raw(frames[1])
        answers = [(await t.recv())[1], (await t.recv())[1]]
        assert answers == [GeneralResponse(100, 0x0704, 0), GeneralResponse(101, 0x0704, 0)]
        await until(lambda: len(sink.fixes) == 40)

    _run(scenario, RawSink(), tmp_path)


def _run(scenario, sink, journal_dir):
    cfg = GatewayConfig(
        host="127.0.0.1", port=0, flush_ms=20, poll_s=0.1, journal_dir=str(journal_dir), ingest_attempts=2, retry_s=0.01
    )

    async def main():
        gateway = Gateway(sink, cfg)
        await gateway.start()
        try:
            await scenario(gateway, sink)
        finally:
            await gateway.stop()

    asyncio.run(main())


# --- PostgreSQL: kill -9 of the storage process under load -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_kill_9_of_the_ingest_process_loses_no_acknowledged_fix(fleet, tmp_path, monkeypatch):
    """The real gateway (`ProcessIngestSink`: batches stored by a separate process) with its journal; the
    simulator reports from 40 terminals; the ingest process is killed with SIGKILL three times mid-run. Every
    fix the simulator was answered 0 for must be in the fix table."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…): the ingest process is a separate connection")
    from django.core.management import call_command

    from teis.dispatch.jt808.sink import ProcessIngestSink
    from teis.dispatch.models import FixRecord, PatrolVehicle
    from teis.dispatch.services import directory

    unit = fleet["car1"].unit
    PatrolVehicle.objects.bulk_create(
        [PatrolVehicle(plate=f"沪K{i:05d}", unit=unit, terminal_phone=f"01377{i:07d}") for i in range(36)]
    )
    directory.invalidate()
    # the spawned ingest process sets Django up from the environment: point it at the test database
    db = connection.settings_dict
    url = urllib.parse.urlunsplit(
        ("postgres", f"{db['USER']}{':' + db['PASSWORD'] if db['PASSWORD'] else ''}@{db['HOST']}:{db['PORT']}",
         f"/{db['NAME']}", "", "")
    )  # fmt: skip
    monkeypatch.setenv("DATABASE_URL", url)  # for the first ingest process and every restarted one
    # outside the test settings the process caches in the database (dispatch settings are read through it)
    call_command("createcachetable", "teis_cache", verbosity=0)  # named: the test settings cache in memory
    sink = ProcessIngestSink()
    cfg = GatewayConfig(
        host="127.0.0.1", port=0, flush_ms=50, batch_size=200, poll_s=0.5, login_threads=2,
        journal_dir=str(tmp_path), retry_s=0.2,
    )  # fmt: skip
    loop = asyncio.new_event_loop()
    gateway = Gateway(sink, cfg)
    loop.run_until_complete(gateway.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    kills = []

    def killer():
        for _ in range(3):
            time.sleep(1.5)
            proc = sink._proc
            if proc is not None and proc.is_alive():
                os.kill(proc.pid, signal.SIGKILL)
                kills.append(proc.pid)

    out = io.StringIO()
    k = threading.Thread(target=killer)
    k.start()
    try:
        call_command("jt808_simulate", vehicles=40, interval=0.2, duration=6, port=gateway.port, blind=0, json=True,
                     stdout=out)  # fmt: skip
    finally:
        k.join()
        asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(120)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    counts = json.loads(out.getvalue().strip().splitlines()[-1])
    acknowledged = counts["fixes"]
    stored = (
        FixRecord.objects.filter(vehicle__terminal_phone__startswith="01377").count()
        + FixRecord.objects.filter(vehicle__in=[fleet["car1"], fleet["car2"], fleet["boat"]]).count()
    )
    assert len(kills) == 3 and gateway.stats["ingest_errors"] >= 1
    assert acknowledged > 200
    assert stored >= acknowledged, (stored, acknowledged, dict(gateway.stats))
    assert gateway.stats["fixes_deferred"] == 0 and list(tmp_path.glob("*.jnl")) == []
