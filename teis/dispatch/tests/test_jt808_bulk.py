"""The bulk decoders (`jt808.bulk`) against the per-frame ones: a batch of raw 0x0200 bodies decoded with numpy
gives the same `Fix` objects as `Location.decode` + `location_fix`, body by body (times that are not valid dates,
hemispheres, every additional item, shared and mixed item layouts, blind-area batches); the structure checks
refuse exactly what `Location.decode` / `BatchLocation.decode` refuse; the fast check code and unescape agree
with their definitions (JT/T 808-2013 4.4.2, 4.4.4)."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from teis.dispatch.jt808 import BatchLocation, FrameError, Location, encode_frame
from teis.dispatch.jt808.bulk import batch_location_bodies, check_location_body, location_fixes
from teis.dispatch.jt808.framing import GMT8, check_code, check_code_slow, escape, unescape
from teis.dispatch.jt808.gateway import Connection, location_fix
from teis.dispatch.jt808.header import Header

from .test_jt808_fuzz import dword, item, locations, phone_2013, word

bcd_time = st.one_of(
    st.binary(min_size=6, max_size=6),  # mostly not a valid time
    st.tuples(*(st.integers(0, 99) for _ in range(6))).map(lambda t: bytes.fromhex("".join(f"{v:02d}" for v in t))),
)


@st.composite
def raw_bodies(draw):
    """A well-formed 0x0200 body: either encoded from a Location or with any basic block and time bytes."""
    if draw(st.booleans()):
        return draw(locations()).encode()
    basic = draw(st.tuples(dword, dword, dword, dword, word, word, word))
    body = b"".join(v.to_bytes(4, "big") for v in basic[:4]) + b"".join(v.to_bytes(2, "big") for v in basic[4:])
    body += draw(bcd_time)
    for item_id, raw in draw(st.lists(item, max_size=4)):
        body += bytes([item_id, len(raw)]) + raw
    return body


def per_frame(entries):
    fixes, invalid = [], 0
    for phone, body, blind in entries:
        fix = location_fix(phone, Location.decode(body), blind_area=blind)
        if fix is None:
            invalid += 1
        else:
            fixes.append(fix)
    return fixes, invalid


def assert_same(bulk, reference):
    assert bulk[1] == reference[1]
    assert len(bulk[0]) == len(reference[0])
    for a, b in zip(bulk[0], reference[0], strict=True):
        assert a == b
        assert a.time.tzinfo == b.time.tzinfo and a.time.utcoffset() == b.time.utcoffset()
        assert list(a.extra) == list(b.extra)  # same item order


@given(st.lists(st.tuples(phone_2013, raw_bodies(), st.booleans()), max_size=30))
def test_bulk_decode_equals_the_per_frame_decoder(entries):
    assert_same(location_fixes(entries), per_frame(entries))


@given(st.lists(locations(), min_size=1, max_size=5), st.integers(1, 60), phone_2013)
def test_bulk_decode_of_a_shared_item_layout(shapes, repeat, phone):
    """Many bodies of one layout (the vectorised item path), with a few of other layouts mixed in."""
    entries = [(phone, shapes[k % len(shapes)].encode(), k % 7 == 0) for k in range(repeat)]
    assert_same(location_fixes(entries), per_frame(entries))


def test_bulk_decode_of_simulator_reports_and_invalid_times():
    at = datetime.datetime(2025, 2, 28, 23, 59, 59, tzinfo=GMT8)
    items = {0x01: b"\x00\x00\x30\x39", 0x30: b"\x1f", 0x31: b"\x0c"}
    good = [
        Location.build(lon=121.4 + i / 1e4, lat=-31.2, time=at, speed_kmh=i, heading=i, items=items) for i in range(50)
    ]
    bodies = [loc.encode() for loc in good]
    bodies.append(bodies[0][:22] + bytes.fromhex("250230000000") + bodies[0][28:])  # 30 February
    bodies.append(bodies[0][:22] + bytes(6) + bodies[0][28:])  # all zeros before a fix
    entries = [("013800138000", b, False) for b in bodies]
    fixes, invalid = location_fixes(entries)
    assert invalid == 2 and len(fixes) == 50
    assert fixes[3].mileage_km == 1234.5 and fixes[3].extra == {"signal_strength": 31, "satellites": 12}
    assert fixes[3].lat == -31.2 and fixes[3].time == at
    assert_same((fixes, invalid), per_frame(entries))


@given(st.binary(max_size=80))
def test_structure_check_refuses_what_the_decoder_refuses(body):
    try:
        Location.decode(body)
        refused = False
    except FrameError:
        refused = True
    try:
        check_location_body(body)
        assert not refused
    except FrameError:
        assert refused


@given(st.integers(0, 1), st.lists(raw_bodies(), max_size=6), st.binary(max_size=3))
def test_batch_bodies_are_the_batch_decoder_items(kind, bodies, tail):
    import struct

    body = struct.pack(">HB", len(bodies), kind) + b"".join(struct.pack(">H", len(b)) + b for b in bodies)
    got_kind, got = batch_location_bodies(body)
    assert got_kind == kind and got == bodies
    assert BatchLocation.decode(body).locations == tuple(Location.decode(b) for b in bodies)
    if tail:
        for broken in (body + tail, body[: -len(tail)] if len(body) > 3 + len(tail) else body + tail):
            try:
                BatchLocation.decode(broken)
                ok = True
            except FrameError:
                ok = False
            try:
                batch_location_bodies(broken)
                assert ok
            except FrameError:
                assert not ok


@given(st.binary(max_size=2100))
def test_fast_check_code_and_unescape_agree_with_their_definitions(data):
    assert check_code(data) == check_code_slow(data)
    assert unescape(escape(data)) == data


def unescape_byte_by_byte(data: bytes) -> bytes:
    """The previous `unescape`, one byte at a time (clause 4.4.2)."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        if data[i] == 0x7D:
            if i + 1 >= n or data[i + 1] not in (0x01, 0x02):
                raise FrameError("escape")
            out.append(0x7E if data[i + 1] == 0x02 else 0x7D)
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


@given(st.lists(st.sampled_from([b"\x7d", b"\x7e", b"\x01", b"\x02", b"\x00"]) | st.binary(max_size=3), max_size=20))
def test_fast_unescape_is_the_byte_by_byte_one(parts):
    data = b"".join(parts)
    try:
        expected = unescape_byte_by_byte(data)
    except FrameError:
        expected = None
    try:
        assert unescape(data) == expected
    except FrameError:
        assert expected is None


class _Writer:
    def __init__(self):
        self.data = []

    def write(self, data):
        self.data.append(data)

    def get_extra_info(self, name):
        return None


class _Gateway:
    class config:  # noqa: N801
        max_frame, subpackage_timeout_s = 2200, 60.0

    stats: dict = {"responses": 0}


@given(phone_2013 | st.from_regex(r"\A[0-9]{20}\Z"), word, word, st.integers(0, 4), word)
def test_cached_general_response_is_the_encoded_one(phone, serial, msg_id, result, ours):
    conn = Connection(_Gateway(), _Writer())
    conn.version_2019 = len(phone) == 20
    conn.protocol_version = 1
    conn._serial = ours
    conn.respond(Header(msg_id, phone, serial, version_2019=conn.version_2019), result)
    conn._serial = ours
    expected = encode_frame(
        0x8001, phone, conn.next_serial(), serial.to_bytes(2, "big") + msg_id.to_bytes(2, "big") + bytes([result]),
        version_2019=conn.version_2019, protocol_version=1,
    )  # fmt: skip
    assert conn.writer.data == [expected]
