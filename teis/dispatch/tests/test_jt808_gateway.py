"""The asyncio JT/T 808 gateway against a fake sink (no database): flows, answers, bad input, floods, idle
connections, backpressure, text messages down and graceful shutdown. Clauses: 2013 8.1/8.2 general responses
(result 0 ok, 1 failure, 2 message error, 3 not supported), 8.4/8.5 register, 8.7 authenticate, 8.18 location,
定位数据批量上传 0x0704, 文本信息下发 0x8300, 4.4.3 sub-packages."""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
from dataclasses import dataclass

import pytest

from teis.dispatch.jt808 import (
    Authenticate,
    BatchLocation,
    FrameSplitter,
    GeneralResponse,
    Location,
    Register,
    decode_body,
    decode_frame,
    encode_frame,
    encode_frames,
)
from teis.dispatch.jt808.framing import GMT8, wrap
from teis.dispatch.jt808.gateway import Gateway, GatewayConfig

PHONE = "013800138000"
NOW = datetime.datetime(2025, 6, 1, 8, 0, 0, tzinfo=GMT8)


@dataclass
class Command:
    id: int
    phone: str
    text: str
    flags: int = 0b1100


class FakeSink:
    def __init__(self, *, block: threading.Event | None = None, fail_ingest: bool | int = False) -> None:
        self.fixes = []
        self.seen_calls = []
        self.commands: list[Command] = []
        self.marks = []
        self.block = block
        self.fail_ingest = fail_ingest
        self.ingest_calls = 0

    def register(self, phone, message):
        return (0, f"code-{phone[-4:]}") if message.plate != "未知" else (2, "")

    def authenticate(self, phone, message):
        return message.auth_code == f"code-{phone[-4:]}"

    def seen(self, phone, online):
        self.seen_calls.append((phone, online))

    def ingest(self, fixes):
        self.ingest_calls += 1
        if self.block is not None:
            self.block.wait(10)
        if self.ingest_calls <= int(self.fail_ingest):  # True: the first call fails, N: the first N
            raise RuntimeError("database down")
        self.fixes.extend(fixes)

    def pending_commands(self, phones):
        out = [c for c in self.commands if c.phone.lstrip("0") in {p.lstrip("0") for p in phones}]
        self.commands = [c for c in self.commands if c not in out]
        return out

    def mark_command(self, command_id, status, detail=""):
        self.marks.append((command_id, status, detail))


def make_sink(**kw) -> FakeSink:
    return FakeSink(**kw)


class Term:
    """A raw terminal connection for tests."""

    def __init__(self, reader, writer, phone=PHONE, v2019=False):
        self.reader, self.writer, self.phone, self.v2019 = reader, writer, phone, v2019
        self.splitter = FrameSplitter()
        self.serial = 0
        self.inbox = []

    @classmethod
    async def open(cls, port, **kw):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, **kw)

    async def send(self, msg_id, body=b"", **options):
        self.serial += 1
        options.setdefault("version_2019", self.v2019)
        self.writer.write(encode_frame(msg_id, self.phone, self.serial, body, **options))
        await self.writer.drain()
        return self.serial

    async def raw(self, data: bytes):
        self.writer.write(data)
        await self.writer.drain()

    async def recv(self, timeout=3.0):
        """The next message from the gateway as (header, message)."""
        async with asyncio.timeout(timeout):
            while not self.inbox:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionResetError("closed")
                for f in self.splitter.feed(data):
                    p = decode_frame(f)
                    self.inbox.append((p.header, decode_body(p.header, p.body)))
        return self.inbox.pop(0)

    async def login(self, plate="沪A12345"):
        await self.send(0x0100, Register(31, 100, "TEST", "M1", "T000001", 1, plate).encode(self.v2019))
        header, answer = await self.recv()
        assert header.msg_id == 0x8100 and answer.result == 0
        serial = await self.send(0x0102, Authenticate(answer.auth_code, "860000000000001", "1.0").encode(self.v2019))
        header, ack = await self.recv()
        assert ack == GeneralResponse(serial, 0x0102, 0)
        return answer.auth_code

    async def closed(self, timeout=3.0) -> bool:
        try:
            async with asyncio.timeout(timeout):
                while True:
                    if not await self.reader.read(65536):
                        return True
        except (ConnectionError, TimeoutError):
            return isinstance(self.reader.exception(), ConnectionError) if self.reader.exception() else False


def location(i=0, lon=121.47, lat=31.23) -> Location:
    return Location.build(lon=lon, lat=lat, time=NOW + datetime.timedelta(seconds=i), speed_kmh=30.0, heading=45)


def run(coro_fn, sink=None, **config):
    """Start a gateway on a free port, run the test coroutine, stop the gateway."""
    sink = sink or make_sink()
    cfg = GatewayConfig(**{"host": "127.0.0.1", "port": 0, "flush_ms": 20, "poll_s": 0.1, **config})

    async def main():
        gateway = Gateway(sink, cfg)
        await gateway.start()
        try:
            await coro_fn(gateway, sink)
        finally:
            await gateway.stop()
        return gateway

    return asyncio.run(main())


async def until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.01)


def test_register_authenticate_report_and_batch():
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        loc = Location.build(
            lon=121.5, lat=31.2, time=NOW, speed_kmh=42.3, heading=370 % 360, items={0x01: b"\x00\x00\x30\x39"}
        )
        serial = await t.send(0x0200, loc.encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        batch = BatchLocation(1, tuple(location(i) for i in range(1, 4)))
        serial = await t.send(0x0704, batch.encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0704, 0)
        serial = await t.send(0x0002)
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0002, 0)
        await until(lambda: len(sink.fixes) == 4)
        fix = sink.fixes[0]
        assert (fix.device_id, fix.lon, fix.lat, fix.speed_kmh, fix.mileage_km) == (PHONE, 121.5, 31.2, 42.3, 1234.5)
        assert fix.time == NOW and fix.source == "jt808" and fix.status_bits & 0b10
        assert [f.extra.get("blind_area") for f in sink.fixes[1:]] == [True, True, True]
        serial = await t.send(0x0003)
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0003, 0)
        assert await t.closed()
        await until(lambda: (PHONE, False) in sink.seen_calls)

    gw = run(scenario)
    assert gw.stats["fixes_ingested"] == 4 and gw.stats["batches"] == 1 and gw.stats["logouts"] == 1


def test_2019_terminal_gets_2019_answers():
    phone = "00000000013800138000"

    async def scenario(gw, sink):
        t = await Term.open(gw.port, phone=phone, v2019=True)
        await t.login()
        serial = await t.send(0x0200, location().encode())
        header, ack = await t.recv()
        assert header.version_2019 and header.phone == phone and ack == GeneralResponse(serial, 0x0200, 0)
        await until(lambda: len(sink.fixes) == 1)

    run(scenario)


def test_reports_before_authentication_are_refused():
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        serial = await t.send(0x0200, location().encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 1)  # failure
        serial = await t.send(0x0102, Authenticate("wrong").encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0102, 1)
        await t.send(0x0100, Register(31, 100, "T", "M", "T1", 1, "未知").encode())
        header, answer = await t.recv()
        assert header.msg_id == 0x8100 and answer.result == 2 and answer.auth_code == ""

    gw = run(scenario)
    assert gw.stats["unauthenticated"] == 1 and gw.stats["auth_failed"] == 1 and not gw.stats["fixes_ingested"]


def test_bad_input_is_counted_answered_or_dropped():
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        # unknown id → 0x8001 result 3 (not supported)
        serial = await t.send(0x0F01, b"\x01\x02")
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0F01, 3)
        # bad check code, header readable → 0x8001 result 2 (message error)
        good = encode_frame(0x0200, PHONE, 77, location().encode())
        await t.raw(good[:-2] + bytes([good[-2] ^ 0x55]) + b"\x7e")
        assert (await t.recv())[1] == GeneralResponse(77, 0x0200, 2)
        # length that lies, truncated header, bad escape, body too short: dropped or answered 2, never a crash
        await t.raw(wrap(bytes.fromhex("02000005" + PHONE + "0001aabb")))
        await t.raw(wrap(bytes.fromhex("0002")))
        await t.raw(b"\x7e\x00\x02\x7d\x05\x00\x7e")
        serial = await t.send(0x0200, b"\x00" * 10)
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 2)
        # encrypted body (RSA bit) → not supported
        serial = await t.send(0x0200, location().encode(), encryption=1)
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 3)
        # the connection still works
        serial = await t.send(0x0200, location(5).encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        await until(lambda: len(sink.fixes) == 1)

    gw = run(scenario)
    s = gw.stats
    assert s["unknown_id"] == 1 and s["malformed_check"] == 1 and s["malformed_length"] == 1
    assert s["malformed_truncated"] == 1 and s["malformed_escape"] == 1 and s["malformed_body"] == 1
    assert s["encrypted_refused"] == 1 and s["errors"] == 0


def test_flood_and_garbage_on_one_connection_leave_the_others_unaffected():
    async def scenario(gw, sink):
        good = await Term.open(gw.port)
        await good.login()
        garbage = await Term.open(gw.port, phone="013800138999")
        bad_frames = await Term.open(gw.port, phone="013800138998")
        oversize = await Term.open(gw.port, phone="013800138997")

        async def flood():
            for _ in range(200):
                await garbage.raw(bytes(range(0x7E)) * 20)
                await bad_frames.raw(b"\x7e\x01\x02\x03\x7e" * 20)
                await oversize.raw(b"\x7e" + b"\x55" * 5000)
                await asyncio.sleep(0)

        async def report():
            for i in range(50):
                serial = await good.send(0x0200, location(i).encode())
                assert (await good.recv())[1] == GeneralResponse(serial, 0x0200, 0)

        results = await asyncio.gather(flood(), report(), return_exceptions=True)
        assert results[1] is None
        for t in (garbage, bad_frames, oversize):
            assert await t.closed()
        await until(lambda: len(sink.fixes) == 50)
        serial = await good.send(0x0002)
        assert (await good.recv())[1] == GeneralResponse(serial, 0x0002, 0)

    gw = run(scenario, max_garbage=8192)
    assert gw.stats["flood_closed"] == 3 and gw.stats["errors"] == 0
    assert gw.stats["malformed_oversize"] >= 1 and gw.stats["malformed_truncated"] >= 50


def test_too_many_frames_per_second_is_a_flood():
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.raw(b"".join(encode_frame(0x0002, PHONE, i) for i in range(300)))
        assert await t.closed()

    gw = run(scenario, max_frames_per_s=100)
    assert gw.stats["flood_closed"] == 1 and gw.stats["heartbeats"] <= 101


def test_idle_connections_are_closed():
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        assert await t.closed(timeout=3)
        await until(lambda: (PHONE, False) in sink.seen_calls)

    gw = run(scenario, idle_timeout_s=0.3)
    assert gw.stats["idle_closed"] == 1


def test_subpackaged_batch_is_acked_per_package_and_ingested_once():
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        body = BatchLocation(0, tuple(location(i) for i in range(40))).encode()
        frames = encode_frames(0x0704, PHONE, 500, body)
        assert len(frames) == 2
        for f in [frames[1], frames[0], frames[0]]:  # out of order, then a duplicate
            await t.raw(f)
        acks = sorted([(await t.recv())[1].reply_serial for _ in range(3)])
        assert acks == [500, 500, 501]
        await until(lambda: len(sink.fixes) == 40)
        await asyncio.sleep(0.1)
        assert len(sink.fixes) == 40

    gw = run(scenario)
    assert gw.stats["subpackages"] == 3 and gw.stats["subpackage_duplicates"] == 1


def test_text_message_down_is_sent_and_acked():
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        sink.commands.append(Command(7, "13800138000", "请立即返回大队"))
        header, text = await t.recv()
        assert header.msg_id == 0x8300 and text.text == "请立即返回大队" and text.flag == 0b1100
        await until(lambda: (7, "sent", "") in sink.marks)
        await t.send(0x0001, GeneralResponse(header.serial, 0x8300, 0, platform=False).encode())
        await until(lambda: (7, "acked", "") in sink.marks)
        sink.commands.append(Command(8, PHONE, "第二条"))
        header, _ = await t.recv()
        await t.send(0x0001, GeneralResponse(header.serial, 0x8300, 1, platform=False).encode())
        await until(lambda: any(m[:2] == (8, "failed") for m in sink.marks))

    gw = run(scenario)
    assert gw.stats["texts_sent"] == 2 and gw.stats["texts_acked"] == 1


def test_backpressure_stops_reading_while_ingest_is_blocked():
    release = threading.Event()
    sink = make_sink(block=release)

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        frames = b"".join(encode_frame(0x0200, PHONE, i, location(i).encode()) for i in range(3000))
        t.writer.write(frames)
        await asyncio.sleep(1.0)
        # the flusher holds one batch (10) in the blocked sink, the queue holds 50: the rest is unread
        assert gw.stats["fixes_received"] <= 10 + 50 + 1
        release.set()
        await t.writer.drain()
        await until(lambda: len(sink.fixes) == 3000, timeout=20)

    run(scenario, sink=sink, queue_max=50, batch_size=10, max_frames_per_s=100000)


def test_a_failing_batch_is_retried_and_answered_only_once_stored():
    """Without a journal a report is answered after the batch holding it is committed: the first attempt fails,
    the retry stores it, and only then does the terminal get result 0."""
    sink = make_sink(fail_ingest=True)

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        serial = await t.send(0x0200, location(1).encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        assert gw.stats["ingest_errors"] == 1 and len(sink.fixes) == 1
        serial = await t.send(0x0200, location(2).encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        assert len(sink.fixes) == 2

    run(scenario, sink=sink, retry_s=0.01)


def test_a_batch_that_cannot_be_stored_is_answered_failure():
    """Every attempt fails (no journal): the terminal is told 1 失败, so it keeps the fix and sends it again."""
    sink = make_sink(fail_ingest=3)

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        serial = await t.send(0x0200, location(1).encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 1)
        assert gw.stats["fixes_refused"] == 1 and sink.fixes == []
        serial = await t.send(0x0200, location(1).encode())  # the resend
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        assert [f.time for f in sink.fixes] == [NOW + datetime.timedelta(seconds=1)]

    run(scenario, sink=sink, retry_s=0.01, ingest_attempts=3)


def test_graceful_stop_ingests_what_is_queued_and_marks_terminals_offline():
    sink = make_sink()

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        frames = b"".join(encode_frame(0x0200, PHONE, i, location(i).encode()) for i in range(200))
        await t.raw(frames)
        await until(lambda: gw.stats["fixes_received"] == 200)

    gw = run(scenario, sink=sink, flush_ms=10_000, batch_size=100_000, max_frames_per_s=100000)
    assert len(sink.fixes) == 200 and (PHONE, False) in sink.seen_calls
    assert gw.stats["fixes_ingested"] == 200


def test_reconnecting_terminal_replaces_its_old_connection():
    async def scenario(gw, sink):
        first = await Term.open(gw.port)
        await first.login()
        second = await Term.open(gw.port)
        await second.login()
        assert await first.closed()
        sink.commands.append(Command(9, PHONE, "到了吗"))
        header, text = await second.recv()
        assert text.text == "到了吗"

    run(scenario)


@pytest.mark.parametrize("chunk", [1, 7, 4096])
def test_frames_split_anywhere_in_the_stream(chunk):
    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        data = b"".join(encode_frame(0x0200, PHONE, i, location(i).encode()) for i in range(20))
        for i in range(0, len(data), chunk):
            await t.raw(data[i : i + chunk])
        await until(lambda: len(sink.fixes) == 20)

    run(scenario, max_frames_per_s=100000)


class RawSink(FakeSink):
    """A sink that takes raw location bodies (as `ProcessIngestSink` does) and decodes them in bulk."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.entries = []

    def ingest_raw(self, entries):
        from types import SimpleNamespace

        from teis.dispatch.jt808.bulk import location_fixes

        self.entries.extend(entries)
        fixes, invalid_time = location_fixes(entries)
        self.ingest(fixes)
        return SimpleNamespace(stored=len(fixes), invalid_time=invalid_time)


def test_raw_sink_gets_checked_bodies_and_the_same_fixes():
    from teis.dispatch.jt808.gateway import location_fix

    sink = RawSink()

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        serial = await t.send(0x0200, location().encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 1)  # not authenticated yet
        await t.login()
        loc = Location.build(lon=121.5, lat=31.2, time=NOW, speed_kmh=42.3, heading=45, items={0x01: b"\0\0\x30\x39"})
        serial = await t.send(0x0200, loc.encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        serial = await t.send(0x0704, BatchLocation(1, tuple(location(i) for i in range(1, 4))).encode())
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0704, 0)
        # no valid time: stored flagged "no_time", dated when it was received, then answered
        serial = await t.send(0x0200, location().encode()[:22] + bytes(6))
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)
        for bad in (b"\x00" * 10, location().encode() + b"\x01\x04\x00"):  # too short; item longer than the body
            serial = await t.send(0x0200, bad)
            assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 2)
        serial = await t.send(0x0704, b"\x00\x02\x00" + b"\x00\x1c" + bytes(28))  # fewer items than declared
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0704, 2)
        await until(lambda: len(sink.fixes) == 5)

    gw = run(scenario, sink=sink)
    expected = [
        location_fix(PHONE, Location.decode(body), blind_area=blind, received=received)
        for _p, body, blind, received in sink.entries
    ]
    assert sink.fixes == expected
    assert sink.fixes[0].mileage_km == 1234.5 and [f.extra.get("blind_area") for f in sink.fixes[1:4]] == [True] * 3
    assert [f.flag for f in sink.fixes] == ["", "", "", "", "no_time"]
    assert abs(sink.fixes[4].time.timestamp() - sink.entries[4][3]) < 1e-3
    s = gw.stats
    assert s["fixes_received"] == 5 and s["fixes_ingested"] == 5 and s["batches"] == 1 and s["unauthenticated"] == 1
    assert s["invalid_time"] == 0
    assert s["malformed_body"] == 2 and s["malformed_item"] == 1


def test_terminals_sharing_a_connection_keep_their_sessions():
    """A relay carries several terminals on one connection: each logs in and reports; one logging out ends its
    own session only (the connection closes with the last one)."""
    sink = make_sink()

    async def scenario(gw, sink):
        a = await Term.open(gw.port, phone="013800000001")
        await a.login()
        b = Term(a.reader, a.writer, phone="013800000002")
        b.splitter, b.inbox = a.splitter, a.inbox
        await b.login()
        data = b"".join(
            encode_frame(0x0200, phone, 10 + i, location(i).encode())
            for i in range(3)
            for phone in ("013800000001", "013800000002")
        )
        await a.raw(data)  # one write, six reports of two terminals
        answers = [await a.recv() for _ in range(6)]
        assert sorted((h.phone, m.reply_serial, m.result) for h, m in answers) == sorted(
            (p, 10 + i, 0) for i in range(3) for p in ("013800000001", "013800000002")
        )
        serial = await b.send(0x0003)
        assert (await b.recv())[1] == GeneralResponse(serial, 0x0003, 0)
        serial = await a.send(0x0200, location(9).encode())
        assert (await a.recv())[1] == GeneralResponse(serial, 0x0200, 0)  # still open for the other terminal
        serial = await b.send(0x0200, location(9).encode())
        assert (await b.recv())[1] == GeneralResponse(serial, 0x0200, 1)  # logged out: refused
        serial = await a.send(0x0003)
        assert (await a.recv())[1] == GeneralResponse(serial, 0x0003, 0)
        assert await a.closed()
        await until(lambda: len(sink.fixes) == 7)

    gw = run(scenario, sink=sink, max_frames_per_s=100000)
    assert gw.stats["logouts"] == 2 and gw.stats["authenticated"] == 2


def test_a_burst_that_straddles_a_whole_second_is_still_a_flood(monkeypatch):
    """The frame-rate window starts at its first frame: 60 frames at t = 10.95 s and 60 more at 11.05 s are 120
    within one second (a window on the clock's whole seconds saw 60 + 60 and let them through)."""
    from types import SimpleNamespace

    from teis.dispatch.jt808 import gateway as gateway_module

    writer = SimpleNamespace(get_extra_info=lambda name: ("127.0.0.1", 1))
    conn = gateway_module.Connection(SimpleNamespace(config=GatewayConfig(max_frames_per_s=100)), writer)
    clock = [10.95]
    monkeypatch.setattr(gateway_module.time, "monotonic", lambda: clock[0])
    for _ in range(60):
        conn.count_frame()
    clock[0] = 11.05
    for _ in range(40):
        conn.count_frame()
    assert not conn.flooded  # 100 within the second: the limit, not over it
    conn.count_frame()
    assert conn.flooded
    clock[0] = 12.5  # a second later a new window starts
    conn.flooded = False
    conn.count_frame()
    assert not conn.flooded
