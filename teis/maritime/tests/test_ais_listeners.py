"""Listeners over real loopback sockets (TCP server, TCP client with reconnect, UDP, files), batching,
backpressure and the simulator — with a fake sink in place of the pipeline."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import random
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.encode import encode_dict

from teis.maritime.ais.ingest import IngestWorker
from teis.maritime.ais.listeners import AisListener, LineSplitter, backoff_delay
from teis.maritime.ais.records import PositionRecord, StaticRecord
from teis.maritime.ais.scenario import tag_block
from teis.maritime.ais.simulator import build_scenario, parse_target, play


class FakeSink:
    def __init__(self, delay: float = 0.0) -> None:
        self.batches: list[list] = []
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, records):
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.batches.append(list(records))
        return len(records)

    @property
    def records(self) -> list:
        with self.lock:
            return [r for b in self.batches for r in b]


def pos_line(mmsi: int, lon: float = 121.5, lat: float = 31.24) -> bytes:
    data = {"type": 1, "mmsi": mmsi, "lon": lon, "lat": lat, "speed": 5, "course": 90, "status": 0}
    return encode_dict(data, sentence_type="VDM")[0].encode()


def static_lines(mmsi: int, name: str, seq: int) -> list[bytes]:
    data = {"type": 5, "mmsi": mmsi, "shipname": name, "callsign": "BX", "ship_type": 70}
    return [s.encode() for s in encode_dict(data, sentence_type="VDM", seq_id=seq)]


async def wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_line_splitter_keeps_partial_lines_and_bounds_them():
    s = LineSplitter()
    assert s.feed(b"abc\ndef") == [b"abc"]
    assert s.feed(b"gh\r\n") == [b"defgh\r"]
    s.feed(b"x" * 5000)
    assert s.overlong == 1 and s.tail == b""


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    rng = random.Random(1)
    delays = [backoff_delay(n, 0.5, 30.0, rng) for n in range(12)]
    assert all(0.25 <= delays[0] <= 0.5 for _ in range(1))
    assert 4.0 <= delays[4] <= 8.0
    assert all(15.0 <= d <= 30.0 for d in delays[7:])
    assert len({round(backoff_delay(3, 1, 60, rng), 6) for _ in range(20)}) > 1  # jitter


def test_tcp_server_survives_garbage_and_mid_sentence_close():
    sink = FakeSink()

    async def scenario():
        listener = AisListener(IngestWorker(sink, max_delay=0.05), tick=0.02)
        await listener.start()
        feed, port = await listener.tcp_server(0, "127.0.0.1")
        # connection 1: good, garbage, bad checksum, a multi-part in two writes, then closes mid-sentence
        _, w = await asyncio.open_connection("127.0.0.1", port)
        good = pos_line(413000001)
        bad = good[:-2] + (b"00" if good[-2:] != b"00" else b"11")
        first, second = static_lines(413000001, "SHIP ONE", 3)
        w.write(good + b"\r\n\x00\xffgarbage here\r\n" + bad + b"\r\n" + first + b"\r\n" + second[:10])
        await w.drain()
        w.write(second[10:] + b"\r\n" + pos_line(413000002)[:25])  # cut off: no newline, then close
        await w.drain()
        w.close()
        await wait_for(lambda: feed.open_connections == 0 and feed.counters.sentences >= 6)
        # connection 2: the listener still takes data
        _, w2 = await asyncio.open_connection("127.0.0.1", port)
        w2.write(pos_line(413000003) + b"\n")
        await w2.drain()
        await wait_for(lambda: any(r.mmsi == 413000003 for r in sink.records))
        w2.close()
        await listener.stop()
        return feed

    feed = run(scenario())
    c = feed.counters
    assert feed.connections == 2
    assert c.bad_checksum == 1 and c.garbage == 2  # the garbage line and the cut-off sentence
    assert c.positions == 2 and c.statics == 1
    kinds = [(type(r).__name__, r.mmsi) for r in sink.records]
    assert kinds == [("PositionRecord", 413000001), ("StaticRecord", 413000001), ("PositionRecord", 413000003)]


def test_tcp_client_reconnects_with_backoff():
    sink = FakeSink()
    served = []

    async def serve(reader, writer):
        n = len(served)
        served.append(n)
        writer.write(pos_line(413000100 + n) + b"\r\n" + b"!AIVDM,1,1,,A,15M6")  # then drop mid-sentence
        await writer.drain()
        writer.close()

    async def scenario():
        # start the client before the server exists: it must keep retrying
        import socket

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        listener = AisListener(IngestWorker(sink, max_delay=0.02), tick=0.02)
        await listener.start()
        feed = await listener.tcp_client("127.0.0.1", port, backoff_initial=0.05, backoff_max=0.2)
        await asyncio.sleep(0.3)
        assert feed.connections == 0 and feed.status in ("waiting", "connecting")
        server = await asyncio.start_server(serve, "127.0.0.1", port)
        await wait_for(lambda: len({r.mmsi for r in sink.records}) >= 3)
        server.close()
        await listener.stop()
        return feed

    feed = run(scenario())
    assert feed.reconnects >= 2 and feed.connections >= 3
    assert {413000100, 413000101, 413000102} <= {r.mmsi for r in sink.records}
    assert feed.counters.garbage >= 3  # every connection closed mid-sentence


def test_udp_datagrams_and_multipart_across_datagrams():
    sink = FakeSink()

    async def scenario():
        listener = AisListener(IngestWorker(sink, max_delay=0.02), tick=0.02)
        await listener.start()
        feed, port = await listener.udp(0, "127.0.0.1")
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, remote_addr=("127.0.0.1", port))
        first, second = static_lines(413000200, "UDP SHIP", 5)
        transport.sendto(pos_line(413000200) + b"\r\n" + first + b"\r\n")
        transport.sendto(b"junk\r\n" + second)  # no final newline: normal for UDP
        await wait_for(lambda: len(sink.records) >= 2)
        transport.close()
        await listener.stop()
        return feed

    feed = run(scenario())
    assert [type(r) for r in sink.records] == [PositionRecord, StaticRecord]
    assert sink.records[1].name == "UDP SHIP"
    assert feed.counters.garbage == 1


@pytest.mark.parametrize("compressed", [False, True])
def test_file_replay_plain_and_gzip_with_tag_blocks(tmp_path, compressed):
    stamp = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    body = b"".join(
        [
            (tag_block("st-1", stamp.timestamp()) + pos_line(413000300).decode()).encode() + b"\n",
            pos_line(413000301) + b"\n",
            b"not ais\n",
            *[line + b"\n" for line in static_lines(413000300, "FILE SHIP", 1)],
            pos_line(413000302),  # last line without newline
        ]
    )
    path = tmp_path / ("feed.nmea.gz" if compressed else "feed.nmea")
    path.write_bytes(gzip.compress(body) if compressed else body)
    sink = FakeSink()

    async def scenario():
        listener = AisListener(IngestWorker(sink, max_delay=0.02))
        await listener.start()
        feed = await listener.replay_file(path)
        await listener.stop()
        return feed

    feed = run(scenario())
    recs = sink.records
    assert [r.mmsi for r in recs] == [413000300, 413000301, 413000300, 413000302]
    assert recs[0].time == stamp and recs[0].source == "st-1"
    assert recs[2].name == "FILE SHIP"
    assert feed.counters.garbage == 1 and feed.status == "done"


def test_backpressure_slow_sink_keeps_order_and_loses_nothing():
    sink = FakeSink(delay=0.05)

    async def scenario():
        worker = IngestWorker(sink, batch_size=50, queue_batches=1)
        listener = AisListener(worker, tick=0.02)
        await listener.start()
        feed, port = await listener.tcp_server(0, "127.0.0.1")
        _, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"".join(pos_line(413000000 + i % 1000, lat=30 + i / 10000) + b"\n" for i in range(1000)))
        await w.drain()
        w.close()
        await wait_for(lambda: len(sink.records) == 1000, timeout=30)
        await listener.stop()
        return worker

    worker = run(scenario())
    assert worker.stats.queue_waits > 0
    lats = [r.lat for r in sink.records]
    assert lats == sorted(lats)


def test_sink_error_is_counted_and_the_listener_continues():
    calls = []

    def sink(records):
        calls.append(len(records))
        if len(calls) == 1:
            raise RuntimeError("database down")

    async def scenario():
        worker = IngestWorker(sink, max_delay=0.01)
        listener = AisListener(worker, tick=0.01)
        await listener.start()
        feed, port = await listener.tcp_server(0, "127.0.0.1")
        for i in range(2):
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(pos_line(413000400 + i) + b"\n")
            await w.drain()
            w.close()
            await wait_for(lambda i=i: len(calls) > i)
        await listener.stop()
        return worker

    worker = run(scenario())
    assert worker.stats.sink_errors == 1 and worker.stats.batches == 2


def test_parse_target():
    assert parse_target("tcp://127.0.0.1:10110").port == 10110
    assert parse_target("udp://example.org:5000").scheme == "udp"
    for bad in ("http://x:1", "tcp://:10", "tcp://host", "udp://host:99999", "nonsense"):
        with pytest.raises(ValueError):
            parse_target(bad)


def test_scenario_rate_and_content():
    sc = build_scenario(rate=500, speedup=10, start=datetime.datetime(2026, 11, 24, tzinfo=datetime.UTC))
    lines = sc.sentences(0, 400)
    per_wall_second = len(lines) / (400 / 10)
    assert 400 <= per_wall_second <= 650
    text = "\n".join(line for _, line in lines)
    assert ",2,1," in text and ",2,2," in text  # two-part type 5
    assert all(line.startswith("\\s:teis-sim,c:") for _, line in lines)
    times = [t for t, _ in lines]
    assert times == sorted(times)


def test_simulator_over_tcp_into_listener():
    sink = FakeSink()

    async def scenario():
        listener = AisListener(IngestWorker(sink, max_delay=0.05), tick=0.02)
        await listener.start()
        feed, port = await listener.tcp_server(0, "127.0.0.1")
        result = await play(f"tcp://127.0.0.1:{port}", rate=300, duration=1.5, speedup=100)
        await wait_for(lambda: feed.counters.sentences >= result["sentences"])
        await listener.stop()
        return feed, result

    feed, result = run(scenario())
    assert result["sentences"] > 200
    c = feed.counters
    assert c.bad_checksum == c.garbage == c.incomplete == 0
    assert c.sentences == result["sentences"]
    assert {r.mmsi for r in sink.records} >= {413100001, 413100004, 413100005, 413100006}


def test_simulator_over_udp_into_listener():
    sink = FakeSink()

    async def scenario():
        listener = AisListener(IngestWorker(sink, max_delay=0.05), tick=0.02)
        await listener.start()
        feed, port = await listener.udp(0, "127.0.0.1")
        result = await play(f"udp://127.0.0.1:{port}", rate=100, duration=1.0, speedup=50)
        await wait_for(lambda: feed.counters.sentences >= result["sentences"])
        await listener.stop()
        return feed

    feed = run(scenario())
    assert feed.counters.positions > 0 and feed.counters.statics > 0 and feed.counters.garbage == 0


def test_ais_simulate_rejects_a_bad_target():
    with pytest.raises(CommandError, match="tcp://"):
        call_command("ais_simulate", "--target", "http://127.0.0.1:1")
    with pytest.raises(CommandError):
        call_command("ais_simulate", "--target", "tcp://127.0.0.1:1", "--speedup", "0")


def test_ais_listen_rejects_bad_options():
    with pytest.raises(CommandError):
        call_command("ais_listen", "--tcp", "no-port")
    with pytest.raises(CommandError):
        call_command("ais_listen", "--udp", "x")
    with pytest.raises(CommandError, match="正整数"):
        call_command("ais_listen", "--batch", "0")


STREAM = b"".join(
    [pos_line(413000500 + i) + b"\r\n" for i in range(5)]
    + [line + b"\r\n" for line in static_lines(413000500, "CHUNKED", 2)]
    + [b"\x00junk\r\n", pos_line(413000510) + b"\n"]
)


@settings(max_examples=150, deadline=None)
@given(cuts=st.lists(st.integers(0, len(STREAM)), max_size=30), noise=st.binary(max_size=64))
def test_any_chunking_gives_the_same_records(cuts, noise):
    from teis.maritime.ais.decoder import AisDecoder

    bounds = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *bounds], [*bounds, len(STREAM)], strict=True)]
    splitter, decoder = LineSplitter(), AisDecoder()
    records = []
    for chunk in [*chunks, noise]:
        records += decoder.decode_lines(splitter.feed(chunk))
    decoder.decode_partial_tail(splitter.tail)
    # the noise may complete or add a line after the stream, but never changes what came before
    assert [r.mmsi for r in records][:7] == [*range(413000500, 413000505), 413000500, 413000510]


def test_ingest_worker_cuts_batches_flushes_on_time_and_on_stop():
    sink = FakeSink()
    clock = [0.0]
    worker = IngestWorker(sink, batch_size=3, max_delay=0.2, clock=lambda: clock[0])
    recs = [
        PositionRecord(413000600 + i, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), 121.5, 31.2) for i in range(8)
    ]

    async def scenario():
        worker.start()
        await worker.add(recs[:7])  # two full batches of 3, one record waits
        await asyncio.to_thread(worker.join)
        assert [len(b) for b in sink.batches] == [3, 3]
        clock[0] = 0.1
        await worker.tick()
        assert len(sink.batches) == 2  # not yet 200 ms
        clock[0] = 0.25
        await worker.tick()
        await asyncio.to_thread(worker.join)
        assert [len(b) for b in sink.batches] == [3, 3, 1]
        await worker.add(recs[7:])
        await asyncio.to_thread(worker.stop)  # stop hands on what is left

    run(scenario())
    assert [r.mmsi for r in sink.records] == [r.mmsi for r in recs]
    assert worker.stats.batches == 4 and worker.stats.records == 8


def test_the_worker_finishes_deferred_work_when_idle_and_closes_the_sink_on_stop():
    """`idle` runs whenever the queue is empty (a failed deferred commit returns False and is counted); `close`
    runs once when the worker stops; neither may stop the worker."""
    calls = []

    def sink(records):
        calls.append(("batch", len(records)))

    def idle():
        calls.append(("idle",))
        return len(calls) > 2  # the first deferred commit "failed"

    def close():
        calls.append(("close",))
        raise RuntimeError("connection already gone")

    sink.idle, sink.close = idle, close
    worker = IngestWorker(sink, batch_size=2)
    worker.start()
    worker.add_sync([PositionRecord(mmsi=413000900 + i, time=None, lon=121.5, lat=31.2) for i in range(2)])
    worker.join()
    assert calls == [("batch", 2), ("idle",)] and worker.stats.sink_errors == 1
    worker.stop()
    assert calls[-2:] == [("idle",), ("close",)] and worker.stats.sink_errors == 2
