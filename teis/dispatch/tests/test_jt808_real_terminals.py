"""Terminals as they really are (issue #21 §1), frames written from JT/T 808-2013 / -2019: header (4.4.3: message id
WORD, body properties WORD, [2019: protocol version BYTE], terminal phone BCD[6] / BCD[10], serial WORD), escaping
(4.4.2: 0x7e ↔ 0x7d 0x02, 0x7d ↔ 0x7d 0x01), check code (4.4.4: XOR from the header to the end of the body),
0x0200 (28 bytes of basic information, then additional items id BYTE / length BYTE / value) and 0x0704 (count
WORD, type BYTE, then length WORD + 0x0200 body per item).

Cases: hex digits in the phone field; zero padding after the additional items; a frame whose end flag is
missing; and a fuzz that no byte input crashes the codec."""

from __future__ import annotations

import datetime
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teis.dispatch.jt808 import BatchLocation, FrameError, FrameSplitter, Location, decode_body, decode_frame
from teis.dispatch.jt808.bulk import batch_location_bodies, check_location_body, location_fixes
from teis.dispatch.jt808.framing import GMT8, check_code_slow, escape
from teis.dispatch.jt808.gateway import location_fix, phone_key
from teis.dispatch.jt808.header import encode_frame
from teis.dispatch.jt808.location import items_end
from teis.dispatch.models import device_key

from .test_jt808_gateway import NOW, GeneralResponse, Term, make_sink, run

AT = datetime.datetime(2025, 6, 1, 8, 0, 5, tzinfo=GMT8)


def frame_by_hand(head: bytes, body: bytes) -> bytes:
    """7e + escape(header + body + XOR) + 7e, the check code computed byte by byte (4.4.4)."""
    raw = head + body
    return b"\x7e" + escape(raw + bytes([check_code_slow(raw)])) + b"\x7e"


def basic(lon=121.47, lat=31.23, status=0b10) -> bytes:
    """28 bytes: alarm, status, lat, lon (1e-6 °), altitude, speed (1/10 km/h), direction, BCD time."""
    return struct.pack(">IIIIHHH", 0, status, round(lat * 1e6), round(lon * 1e6), 12, 305, 90) + bytes.fromhex(
        "250601080005"
    )


# --- hex digits in the terminal phone ------------------------------------------------------------------------


def test_2013_header_with_hex_digits_in_the_phone_is_read_as_lower_case_hex():
    head = struct.pack(">HH", 0x0002, 0) + bytes.fromhex("01380013800A") + struct.pack(">H", 7)
    packet = decode_frame(frame_by_hand(head, b""))
    assert packet.header.phone == "01380013800a" and packet.header.serial == 7 and packet.header.msg_id == 0x0002


def test_2019_header_with_hex_digits_in_the_phone_is_read_as_lower_case_hex():
    head = struct.pack(">HHB", 0x0002, 0x4000, 1) + bytes.fromhex("00000000013800ABCDEF") + struct.pack(">H", 9)
    packet = decode_frame(frame_by_hand(head, b""))
    assert packet.header.phone == "00000000013800abcdef" and packet.header.version_2019


def test_answer_to_a_hex_phone_carries_the_phone_bytes_as_sent():
    frame = encode_frame(0x8001, "01380013800a", 1, struct.pack(">HHB", 7, 0x0002, 0))
    assert bytes.fromhex("01380013800A") in frame
    assert decode_frame(frame).header.phone == "01380013800a"


def test_hex_phone_keys_match_across_editions_and_case():
    """2013 pads to 12 nibbles, 2019 to 20; a vehicle record may be typed in upper case."""
    assert device_key("01380013800A") == device_key("0000000001380013800a") == "1380013800a"
    assert phone_key("01380013800a") == phone_key("0000000001380013800a")
    assert device_key("013800000001") == "13800000001"  # decimal phones as before


def test_gateway_answers_and_queues_a_terminal_with_hex_digits_in_its_phone():
    sink = make_sink()

    async def scenario(gw, sink):
        t = await Term.open(gw.port, phone="01380013800a")
        await t.login()  # 0x8100 and 0x8001 come back addressed to the hex phone
        serial = await t.send(0x0200, Location.build(lon=121.47, lat=31.23, time=AT).encode())
        header, answer = await t.recv()
        assert header.phone == "01380013800a" and answer == GeneralResponse(serial, 0x0200, 0)

    gw = run(scenario, sink=sink)
    assert [(f.device_id, f.time) for f in sink.fixes] == [("01380013800a", AT)]
    assert gw.stats["malformed_bcd"] == 0


# --- zero padding after the additional items -----------------------------------------------------------------

MILEAGE = b"\x01\x04\x00\x00\x30\x39"  # item 0x01, 4 bytes: 12345 → 1234.5 km
SATELLITES = b"\x31\x01\x0c"


@pytest.mark.parametrize("padding", [1, 2, 3, 7, 40])
def test_location_with_zero_padding_after_its_items_keeps_the_position(padding):
    body = basic() + MILEAGE + SATELLITES + bytes(padding)
    loc = Location.decode(body)
    assert (loc.lat, loc.lon, loc.speed_kmh, loc.heading, loc.time) == (31.23, 121.47, 30.5, 90, AT)
    assert loc.items == {0x01: b"\x00\x00\x30\x39", 0x31: b"\x0c"}
    assert loc.decoded() == {"mileage_km": 1234.5, "satellites": 12}
    check_location_body(body)  # the gateway's structure check agrees
    assert items_end(body) == 28 + len(MILEAGE) + len(SATELLITES)


def test_location_without_items_padded_with_zeros():
    loc = Location.decode(basic() + bytes(4))
    assert loc.items == {} and loc.lat == 31.23


def test_item_whose_value_ends_in_zeros_is_not_cut_as_padding():
    body = basic() + b"\x01\x04\x00\x00\x00\x00" + bytes(3)  # mileage 0, then padding
    assert Location.decode(body).items == {0x01: bytes(4)}


@pytest.mark.parametrize(
    "tail",
    [
        b"\x01\x08\x00\x00",  # mileage item announcing 8 bytes, 2 follow
        MILEAGE + b"\x30\x05\x01",  # signal item announcing 5 bytes, 1 follows
        b"\x31\x09" + bytes(4),  # announces 9, only zeros (4) follow: still an overrun, not padding
    ],
)
def test_item_that_runs_past_the_body_is_still_refused(tail):
    body = basic() + tail
    with pytest.raises(FrameError) as err:
        Location.decode(body)
    assert err.value.reason == "item"
    with pytest.raises(FrameError):
        check_location_body(body)


def test_batch_items_padded_with_zeros_keep_their_positions():
    items = [basic(lon=121.47 + i / 1000) + SATELLITES + bytes(i + 1) for i in range(3)]
    body = struct.pack(">HB", 3, 1) + b"".join(struct.pack(">H", len(b)) + b for b in items)
    batch = BatchLocation.decode(body)
    assert [round(loc.lon, 3) for loc in batch.locations] == [121.47, 121.471, 121.472]
    assert batch.kind == BatchLocation.BLIND_AREA
    assert batch_location_bodies(body) == (1, items)
    assert BatchLocation.decode(body + bytes(5)).locations == batch.locations  # zeros after the last item too


def test_bulk_decoder_keeps_padded_reports_apart_from_same_length_reports_with_more_items():
    """Same length, same first item: one is padded, the other has one more item in its place."""
    padded = basic() + SATELLITES + bytes(3)
    more = basic() + SATELLITES + b"\x30\x01\x05"
    entries = [("013800000001", padded, False), ("013800000001", more, False), ("013800000001", padded, False)]
    fixes, dropped = location_fixes(entries)
    assert dropped == 0
    assert [f.extra for f in fixes] == [
        {"satellites": 12},
        {"satellites": 12, "signal_strength": 5},
        {"satellites": 12},
    ]
    assert fixes == [location_fix(p, Location.decode(b)) for p, b, _ in entries]


def test_gateway_answers_success_to_a_padded_report_and_queues_it():
    sink = make_sink()

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        serial = await t.send(0x0200, basic() + MILEAGE + bytes(6))
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0200, 0)

    gw = run(scenario, sink=sink)
    assert [(f.time, f.mileage_km) for f in sink.fixes] == [(AT, 1234.5)]
    assert gw.stats["malformed_item"] == 0


# --- framing: a frame whose end flag is missing --------------------------------------------------------------


def _frames():
    a = encode_frame(0x0200, "013800000001", 1, basic())
    b = encode_frame(0x0002, "013800000001", 2, b"")
    return a, b


def test_missing_end_flag_the_next_start_flag_closes_the_frame():
    """7e A 7e B 7e: a 0x7e ends the frame before it and starts the next, so A (complete but for its end flag)
    and B are two frames."""
    a, b = _frames()
    frames = FrameSplitter().feed(a[:-1] + b)
    assert [decode_frame(f).header.serial for f in frames] == [1, 2]


def test_frames_joined_without_any_flag_between_them_are_refused_not_acknowledged():
    """7e A B 7e (A's end flag and B's start flag lost): the XOR of two whole frames is 0, so the joined bytes pass
    the check code — the header's body length (4.4.3) is what refuses them; neither A nor B is answered."""
    a, b = _frames()
    frames = FrameSplitter().feed(a[:-1] + b[1:])
    assert len(frames) == 1
    with pytest.raises(FrameError) as err:
        decode_frame(frames[0])
    assert err.value.reason == "length"


def test_truncated_frame_without_end_flag_fails_its_check_code():
    """7e A' 7e B 7e where A' lost its last bytes and its end flag: A' fails the check code, B is intact."""
    a, b = _frames()
    frames = FrameSplitter().feed(a[:-4] + b)
    with pytest.raises(FrameError) as err:
        decode_frame(frames[0])
    assert err.value.reason == "check" and decode_frame(frames[1]).header.serial == 2


def test_gateway_does_not_acknowledge_joined_frames_nor_store_them():
    sink = make_sink()

    async def scenario(gw, sink):
        t = await Term.open(gw.port)
        await t.login()
        a = encode_frame(0x0200, t.phone, 50, Location.build(lon=121.47, lat=31.23, time=NOW).encode())
        b = encode_frame(0x0200, t.phone, 51, Location.build(lon=121.48, lat=31.23, time=AT).encode())
        await t.raw(a[:-1] + b[1:])  # joined: no answer for either
        serial = await t.send(0x0002)
        assert (await t.recv())[1] == GeneralResponse(serial, 0x0002, 0)  # the next answer is the heartbeat's
        assert gw.stats["malformed_length"] == 1

    run(scenario, sink=sink)
    assert sink.fixes == []


# --- no byte input crashes the codec --------------------------------------------------------------------------


@given(st.binary(max_size=600), st.integers(1, 64))
def test_no_byte_stream_crashes_the_codec(data, chunk):
    """Split, unescape, check, header, body, location items, bulk structure check: only FrameError escapes."""
    splitter = FrameSplitter()
    for i in range(0, len(data), chunk):
        for frame in splitter.feed(data[i : i + chunk]):
            try:
                packet = decode_frame(frame)
                decode_body(packet.header, packet.body)
            except FrameError:
                pass
    for body in (data, basic() + data):
        for decode in (Location.decode, check_location_body, batch_location_bodies, BatchLocation.decode):
            try:
                decode(body)
            except FrameError:
                pass


@given(st.binary(max_size=80), st.integers(0, 40))
def test_padding_rule_agrees_between_the_decoder_and_the_structure_check(items, padding):
    body = basic() + items + bytes(padding)
    try:
        Location.decode(body)
        decoded = True
    except FrameError:
        decoded = False
    try:
        check_location_body(body)
        checked = True
    except FrameError:
        checked = False
    assert decoded == checked
    if decoded:
        assert location_fixes([("1", body, False)])[0] == [location_fix("1", Location.decode(body))]
