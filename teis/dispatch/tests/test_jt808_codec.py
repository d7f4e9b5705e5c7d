"""JT/T 808 codec on frames built byte by byte from the standard (JT/T 808-2013, JT/T 808-2019).

Every test names the clause (2013 numbering; 2019 keeps chapter 4 and renumbers chapter 8 after 8.7, so chapter 8
messages are also named by their title). Frames are written out as hex with each field separate, and the check
code is computed here by its definition, not by the codec.
"""

from __future__ import annotations

import datetime

import pytest

from teis.dispatch.jt808 import (
    Authenticate,
    BatchLocation,
    FrameError,
    FrameSplitter,
    GeneralResponse,
    Heartbeat,
    Location,
    Logout,
    Reassembler,
    Register,
    RegisterResponse,
    TextMessage,
    Unknown,
    decode_body,
    decode_frame,
    encode_frame,
    encode_frames,
    escape,
    unescape,
)
from teis.dispatch.jt808.framing import GMT8

PHONE_2013 = "013800138000"  # BCD[6]
PHONE_2019 = "00000000013800138000"  # BCD[10]


def h(*parts: str) -> bytes:
    return bytes.fromhex("".join(parts).replace(" ", ""))


def xor(data: bytes) -> int:
    code = 0
    for b in data:
        code ^= b
    return code


def frame(raw: bytes) -> bytes:
    """4.4.1/4.4.2/4.4.4 by hand: flag, (header+body+check code) escaped, flag."""
    content = raw + bytes([xor(raw)])
    out = bytearray(b"\x7e")
    for b in content:
        out += b"\x7d\x02" if b == 0x7E else b"\x7d\x01" if b == 0x7D else bytes([b])
    return bytes(out + b"\x7e")


def decode(data: bytes):
    packet = decode_frame(data)
    return packet.header, decode_body(packet.header, packet.body)


# --- chapter 4: framing, escaping, check code, header --------------------------------------------------------


def test_escape_example_of_clause_4_4_2():
    # 2013 4.4.2 gives this example: the packet 0x30 0x7e 0x08 0x7d 0x55 is sent as 7e 30 7d 02 08 7d 01 55 7e
    assert escape(h("30 7e 08 7d 55")) == h("30 7d02 08 7d01 55")
    assert unescape(h("30 7d02 08 7d01 55")) == h("30 7e 08 7d 55")


@pytest.mark.parametrize("bad", [h("30 7d 03"), h("30 7d"), h("7d 7d 01")])
def test_invalid_escape_is_a_frame_error(bad):
    # 4.4.2: only 0x7d 0x01 and 0x7d 0x02 exist
    with pytest.raises(FrameError) as exc:
        unescape(bad)
    assert exc.value.reason == "escape"


def test_heartbeat_2013_header_byte_by_byte():
    # 4.4.3 (2013 header): id 0x0002, properties 0x0000 (length 0, no encryption, no sub-package, bit 14 = 0),
    # phone BCD[6] 013800138000, serial 0x0001; 8.3 heartbeat has an empty body
    raw = h("0002", "0000", "013800138000", "0001")
    data = frame(raw)
    header, message = decode(data)
    assert (header.msg_id, header.phone, header.serial, header.version_2019) == (2, PHONE_2013, 1, False)
    assert message == Heartbeat()
    assert encode_frame(0x0002, PHONE_2013, 1) == data


def test_logout_2019_header_byte_by_byte():
    # 2019 4.4.3: properties bit 14 = version flag (0x4000), then protocol version BYTE = 1, phone BCD[10]
    raw = h("0003", "4000", "01", "00000000013800138000", "0102")
    header, message = decode(frame(raw))
    assert header.version_2019 and header.protocol_version == 1
    assert header.phone == PHONE_2019 and header.serial == 0x0102
    assert message == Logout()
    assert encode_frame(0x0003, PHONE_2019, 0x0102, version_2019=True) == frame(raw)


def test_check_code_mismatch_is_refused():
    # 4.4.4: the check code is the XOR from the header to the end of the body; a wrong one → FrameError("check")
    raw = h("0002", "0000", "013800138000", "0001")
    good = frame(raw)
    bad = good[:-2] + bytes([good[-2] ^ 0xFF]) + b"\x7e"
    with pytest.raises(FrameError) as exc:
        decode_frame(bad)
    assert exc.value.reason == "check"


def test_body_length_that_lies_is_refused():
    # 4.4.3 body properties bits 0-9 = body length: say 5 bytes but carry 2
    raw = h("0200", "0005", "013800138000", "0001", "aabb")
    with pytest.raises(FrameError) as exc:
        decode_frame(frame(raw))
    assert exc.value.reason == "length"


@pytest.mark.parametrize(
    "raw",
    [h("00"), h("0002 0000 0138"), h("0002 4000 01 0000000001"), h("0002 2000 013800138000 0001 0002")],
)
def test_truncated_headers_are_refused(raw):
    # 4.4.3: 12-byte (2013) / 17-byte (2019) header, plus 4 bytes of package items when bit 13 is set
    with pytest.raises(FrameError) as exc:
        decode_frame(frame(raw))
    assert exc.value.reason == "truncated"


def test_subpackage_header_items():
    # 4.4.3: bit 13 set → package total WORD and package index WORD after the serial
    raw = h("0704", "2003", "013800138000", "0010", "0002", "0001", "000101")
    header, _ = decode_frame(frame(raw)).header, None
    assert header.is_subpackage and (header.sub_total, header.sub_index) == (2, 1) and header.body_length == 3


@pytest.mark.parametrize("items", ["0000 0001", "0002 0003", "0002 0000"])
def test_subpackage_index_out_of_range_is_refused(items):
    raw = h("0200", "2000", "013800138000", "0001", items)
    with pytest.raises(FrameError) as exc:
        decode_frame(frame(raw))
    assert exc.value.reason == "subpackage"


def test_encryption_bits_are_read():
    # 4.4.3: bits 10-12 encryption; bit 10 = RSA
    raw = h("0200", "0400", "013800138000", "0001")
    assert decode_frame(frame(raw)).header.encryption == 1


def test_escapes_inside_a_whole_frame():
    # a serial 0x7e7d and a body with both flag bytes go through the escaping of 4.4.2
    raw = h("0001", "0005", "013800138000", "7e7d", "7e7d", "8300", "00")
    data = frame(raw)
    assert data.count(b"\x7e") == 2  # only the flags
    header, message = decode(data)
    assert header.serial == 0x7E7D
    assert message == GeneralResponse(0x7E7D, 0x8300, 0, platform=False)


# --- chapter 8: messages ---------------------------------------------------------------------------------------


def test_general_responses_byte_by_byte():
    # 8.1 终端通用应答 0x0001 and 8.2 平台通用应答 0x8001: reply serial WORD, reply id WORD, result BYTE
    _, terminal = decode(frame(h("0001", "0005", "013800138000", "0009", "0007", "8300", "00")))
    assert terminal == GeneralResponse(7, 0x8300, 0, platform=False)
    raw = h("8001", "0005", "013800138000", "0001", "0033", "0200", "03")
    _, platform = decode(frame(raw))
    assert platform == GeneralResponse(0x33, 0x0200, 3, platform=True)
    assert encode_frame(0x8001, PHONE_2013, 1, platform.encode()) == frame(raw)
    with pytest.raises(FrameError):
        decode(frame(h("0001", "0004", "013800138000", "0009", "00070200")))


PLATE = "bba6413132333435"  # "沪A12345" in GBK


def test_register_2013_byte_by_byte():
    # 8.4 终端注册 (2013): province WORD 31, city WORD 100, maker BYTE[5], model BYTE[20] (0x00-padded),
    # terminal id BYTE[7], plate colour BYTE 1 (blue), plate STRING (GBK)
    body = h(
        "001f",
        "0064",
        "3730313131",  # "70111"
        "42534a2d4136" + "00" * 14,  # "BSJ-A6"
        "37363534333231",  # "7654321"
        "01",
        PLATE,
    )
    raw = h("0100", f"{len(body):04x}", "013800138000", "0001") + body
    _, message = decode(frame(raw))
    assert message == Register(31, 100, "70111", "BSJ-A6", "7654321", 1, "沪A12345")
    assert message.encode(False) == body


def test_register_2019_byte_by_byte():
    # 8.4 终端注册 (2019): maker BYTE[11], model BYTE[30], terminal id BYTE[30]
    body = h(
        "001f",
        "0064",
        "3730313131" + "00" * 6,
        "42534a2d4136" + "00" * 24,
        "37363534333231" + "00" * 23,
        "02",
        PLATE,
    )
    raw = h("0100", f"{0x4000 | len(body):04x}", "01", "00000000013800138000", "0001") + body
    header, message = decode(frame(raw))
    assert header.version_2019
    assert message == Register(31, 100, "70111", "BSJ-A6", "7654321", 2, "沪A12345")
    assert message.encode(True) == body


def test_register_too_short_is_refused():
    with pytest.raises(FrameError):
        decode(frame(h("0100", "0004", "013800138000", "0001", "001f0064")))


def test_register_response_byte_by_byte():
    # 8.5 终端注册应答: reply serial WORD, result BYTE, auth code STRING only when the result is 0
    ok = h("0001", "00", "61626331")  # "abc1"
    assert RegisterResponse(1, 0, "abc1").encode() == ok
    assert decode(frame(h("8100", "0007", "013800138000", "0001") + ok))[1] == RegisterResponse(1, 0, "abc1")
    refused = h("0001", "04")
    assert RegisterResponse(1, 4, "ignored").encode() == refused
    assert decode(frame(h("8100", "0003", "013800138000", "0001") + refused))[1] == RegisterResponse(1, 4, "")


def test_authenticate_2013_and_2019_byte_by_byte():
    # 8.7 终端鉴权: 2013 the whole body is the auth code; 2019 length BYTE, code, IMEI BYTE[15], version BYTE[20]
    _, m2013 = decode(frame(h("0102", "0004", "013800138000", "0002", "61626331")))
    assert m2013 == Authenticate("abc1")
    body = h("04", "61626331", "383631323334353637383930313233", "56312e30" + "00" * 16)
    raw = h("0102", f"{0x4000 | len(body):04x}", "01", "00000000013800138000", "0002") + body
    _, m2019 = decode(frame(raw))
    assert m2019 == Authenticate("abc1", "861234567890123", "V1.0")
    assert m2019.encode(True) == body
    with pytest.raises(FrameError):  # 2019: IMEI and version missing
        decode(frame(h("0102", "4005", "01", "00000000013800138000", "0002", "0461626331")))


LOCATION_BASIC = h(
    "00000001",  # alarm: bit 0 emergency
    "00000003",  # status: bit 0 ACC on, bit 1 positioned, north, east
    "01dc8830",  # latitude 31.230000 * 1e6
    "073d7c30",  # longitude 121.470000 * 1e6
    "000a",  # altitude 10 m
    "0195",  # speed 405 → 40.5 km/h
    "005a",  # direction 90
    "250102110405",  # 2025-01-02 11:04:05 GMT+8
)
LOCATION_ITEMS = h(
    "01 04 00003039",  # mileage 12345 → 1234.5 km
    "02 02 0064",  # fuel 100 → 10.0 L
    "03 02 0190",  # recorder speed 400 → 40.0 km/h
    "04 02 0007",  # alarm event id needing manual confirmation
    "25 04 00000001",  # extended vehicle signals: low beam
    "2a 02 0003",  # IO status
    "30 01 1f",  # signal strength 31
    "31 01 0c",  # 12 GNSS satellites
    "e1 03 aabbcc",  # a vendor item: kept raw
)


def test_location_report_with_additional_items_byte_by_byte():
    # 8.18 位置信息汇报: basic information (28 bytes) then additional items id BYTE, length BYTE, value
    body = LOCATION_BASIC + LOCATION_ITEMS
    raw = h("0200", f"{len(body):04x}", "013800138000", "0005") + body
    _, loc = decode(frame(raw))
    assert isinstance(loc, Location)
    assert (loc.alarm, loc.status, loc.altitude, loc.heading) == (1, 3, 10, 90)
    assert (loc.lat, loc.lon, loc.speed_kmh, loc.positioned) == (31.23, 121.47, 40.5, True)
    assert loc.time == datetime.datetime(2025, 1, 2, 11, 4, 5, tzinfo=GMT8)
    assert loc.time.astimezone(datetime.UTC).hour == 3
    assert loc.decoded() == {
        "mileage_km": 1234.5,
        "fuel_l": 10.0,
        "recorder_speed_kmh": 40.0,
        "manual_alarm_event_id": 7,
        "vehicle_signals": 1,
        "io_status": 3,
        "signal_strength": 31,
        "satellites": 12,
        "0xE1": "aabbcc",
    }
    assert loc.encode() == body  # unknown items round-trip untouched, in order


def test_location_hemispheres_from_status_bits():
    # 状态位定义: bit 2 = south latitude, bit 3 = west longitude
    body = h("00000000", "0000000e", "01dc8830", "073d7c30", "0000", "0000", "0000", "250102110405")
    loc = Location.decode(body)
    assert (loc.lat, loc.lon) == (-31.23, -121.47)
    built = Location.build(lon=-121.47, lat=-31.23, time=loc.time, status=0b0010)
    assert built.encode() == body


def test_location_invalid_time_and_bad_items():
    zero_time = LOCATION_BASIC[:22] + h("000000000000")
    assert Location.decode(zero_time).time is None
    with pytest.raises(FrameError):  # item length runs past the body
        Location.decode(LOCATION_BASIC + h("01 04 0000"))
    with pytest.raises(FrameError):  # an item id without its length
        Location.decode(LOCATION_BASIC + h("01"))
    with pytest.raises(FrameError):  # shorter than the basic information
        Location.decode(LOCATION_BASIC[:27])
    assert Location.decode(LOCATION_BASIC + h("01 02 0001")).decoded() == {"0x01": "0001"}  # wrong width: raw


def test_batch_location_blind_area_byte_by_byte():
    # 定位数据批量上传 0x0704: count WORD, type BYTE (1 = 盲区补报), items: length WORD + location body
    second = LOCATION_BASIC[:22] + h("250102110410")
    body = h("0002", "01", f"{len(LOCATION_BASIC):04x}") + LOCATION_BASIC + h(f"{len(second):04x}") + second
    raw = h("0704", f"{len(body):04x}", "013800138000", "0006") + body
    _, batch = decode(frame(raw))
    assert isinstance(batch, BatchLocation) and batch.kind == BatchLocation.BLIND_AREA
    assert [loc.time.second for loc in batch.locations] == [5, 10]
    assert batch.encode() == body
    with pytest.raises(FrameError):  # declares 3 items, carries 2
        BatchLocation.decode(h("0003") + body[2:])
    with pytest.raises(FrameError):  # declares 1 item, carries 2
        BatchLocation.decode(h("0001") + body[2:])


def test_text_message_2013_and_2019_byte_by_byte():
    # 文本信息下发 0x8300: 2013 flag BYTE + text; 2019 flag BYTE + text type BYTE + text (GBK)
    text = "请回队"
    gbk = "c7ebbbd8b6d3"
    assert TextMessage(text, 0x0C).encode(False) == h("0c", gbk)
    assert TextMessage(text, 0x0C, 1).encode(True) == h("0c", "01", gbk)
    _, m2013 = decode(frame(h("8300", "0007", "013800138000", "0003", "0c", gbk)))
    assert m2013 == TextMessage(text, 0x0C, 1)
    _, m2019 = decode(frame(h("8300", "4008", "01", "00000000013800138000", "0003", "0d", "02", gbk)))
    assert m2019 == TextMessage(text, 0x0D, 2)
    with pytest.raises(FrameError):
        TextMessage("emoji 🚓").encode()


def test_unknown_message_id_is_kept():
    header, message = decode(frame(h("0f01", "0002", "013800138000", "0001", "abcd")))
    assert message == Unknown(0x0F01, h("abcd"))


# --- sub-packages (4.4.3 消息包封装项) --------------------------------------------------------------------------


def _parts(body: bytes, size: int, first_serial: int = 100):
    return [decode_frame(f) for f in encode_frames(0x0704, PHONE_2013, first_serial, body, part_size=size)]


def test_subpackages_reassemble_out_of_order_with_duplicates():
    locations = tuple(Location.decode(LOCATION_BASIC + LOCATION_ITEMS) for _ in range(20))
    body = BatchLocation(0, locations).encode()
    parts = _parts(body, 500)  # 1,243 bytes → 3 packages
    assert len(parts) == 3 and [p.header.serial for p in parts] == [100, 101, 102]
    assert [(p.header.sub_total, p.header.sub_index) for p in parts] == [(3, 1), (3, 2), (3, 3)]
    r = Reassembler()
    assert r.add(parts[2]) is None
    assert r.add(parts[0]) is None
    assert r.add(parts[0]) is None  # duplicate
    whole = r.add(parts[1])
    assert whole is not None and whole.body == body and not whole.header.is_subpackage
    assert whole.header.serial == 100 and r.duplicates == 1 and r.pending == 0
    assert len(BatchLocation.decode(whole.body).locations) == 20


def test_subpackages_expire_and_are_bounded():
    now = [0.0]
    r = Reassembler(timeout_s=30, max_pending=2, clock=lambda: now[0])
    body = bytes(range(256)) * 4
    a, b, c = _parts(body, 300, 1), _parts(body, 300, 50), _parts(body, 300, 90)
    r.add(a[0])
    now[0] = 31
    r.add(b[0])  # a expired
    assert r.expired == 1 and r.pending == 1
    r.add(c[0])
    r.add(a[1])  # a third message: the oldest is dropped
    assert r.pending == 2 and r.overflow == 1
    for p in c[1:]:
        result = r.add(p)
    assert result is not None and result.body == body


def test_subpackage_byte_budget():
    r = Reassembler(max_bytes=500)
    parts = _parts(bytes(900), 300)
    assert r.add(parts[0]) is None and r.add(parts[1]) is None
    assert r.add(parts[2]) is None  # over budget: the message is dropped, never buffered past max_bytes
    assert r.overflow >= 1 and r.pending <= 1


# --- the stream splitter ----------------------------------------------------------------------------------------


def test_splitter_across_chunks_garbage_and_oversize():
    one = encode_frame(0x0002, PHONE_2013, 1)
    two = encode_frame(0x0002, PHONE_2013, 2)
    s = FrameSplitter(max_frame=64)
    stream = b"junk" + one + two + b"\x7e" + b"x" * 200 + b"\x7e" + one
    got = []
    for i in range(0, len(stream), 5):
        got += s.feed(stream[i : i + 5])
    assert [decode_frame(f).header.serial for f in got] == [1, 2, 1]
    assert s.oversize == 1 and s.garbage_bytes >= 4 and s.buffered <= 64
