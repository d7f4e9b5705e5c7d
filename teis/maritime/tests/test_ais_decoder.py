"""The AIS decoder: checksums, multi-part reassembly, tag blocks, impossible values, garbage, round trips."""

from __future__ import annotations

import datetime
import math
from functools import reduce
from operator import xor

from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.encode import encode_dict

from teis.maritime.ais.decoder import AisDecoder, nmea_checksum_ok
from teis.maritime.ais.records import PositionRecord, StaticRecord
from teis.maritime.ais.scenario import tag_block

RECEIVED = datetime.datetime(2026, 11, 24, 8, 0, tzinfo=datetime.UTC)


def lines(data: dict, **kw) -> list[bytes]:
    return [s.encode() for s in encode_dict(data, sentence_type="VDM", **kw)]


def position(mmsi=413000001, lon=121.5, lat=31.24, **extra) -> dict:
    return {
        "type": 1,
        "mmsi": mmsi,
        "lon": lon,
        "lat": lat,
        "speed": 8.5,
        "course": 123.4,
        "heading": 120,
        "status": 0,
        **extra,
    }


def static5(mmsi=413000001, name="HU HANG 1", **extra) -> dict:
    return {
        "type": 5, "mmsi": mmsi, "imo": 9123456, "callsign": "BXYZ", "shipname": name, "ship_type": 81,
        "to_bow": 60, "to_stern": 20, "to_port": 6, "to_starboard": 8, "month": 12, "day": 1, "hour": 8,
        "minute": 30, "draught": 5.2, "destination": "SHANGHAI", **extra,
    }  # fmt: skip


def split_payload(data: dict, parts: int, seq_id: int, channel: str = "A") -> list[bytes]:
    """Encode `data` into exactly `parts` sentences (pyais splits only at 60 characters)."""
    from pyais.encode import data_to_payload, get_ais_type

    payload, fill = data_to_payload(get_ais_type(data), data).encode()
    size = math.ceil(len(payload) / parts)
    chunks = [payload[i : i + size] for i in range(0, len(payload), size)]
    out = []
    for n, chunk in enumerate(chunks, start=1):
        body = f"AIVDM,{len(chunks)},{n},{seq_id},{channel},{chunk},{fill if n == len(chunks) else 0}"
        out.append(f"!{body}*{reduce(xor, body.encode(), 0):02X}".encode())
    return out


def test_single_position_decoded():
    d = AisDecoder("feed1")
    [rec] = d.decode_lines(lines(position()), RECEIVED)
    assert isinstance(rec, PositionRecord)
    assert (rec.mmsi, rec.lon, rec.lat, rec.sog_kn, rec.cog_deg, rec.heading_deg) == (
        413000001, 121.5, 31.24, 8.5, 123.4, 120,
    )  # fmt: skip
    assert rec.time == RECEIVED and rec.source == "feed1" and rec.ais_class == "A" and rec.nav_status == 0
    assert d.counters.sentences == d.counters.decoded == d.counters.positions == 1


def test_not_available_speed_course_heading_become_none():
    d = AisDecoder()
    [rec] = d.decode_lines(lines(position(speed=102.3, course=360, heading=511)), RECEIVED)
    assert rec.sog_kn is None and rec.cog_deg is None and rec.heading_deg is None


def test_class_b_and_long_range():
    d = AisDecoder()
    recs = d.decode_lines(
        lines({"type": 18, "mmsi": 413000002, "lon": 121.6, "lat": 31.3, "speed": 3.1, "course": 10, "heading": 9})
        + lines({"type": 27, "mmsi": 413000003, "lon": 121.7, "lat": 31.4, "speed": 63, "course": 511}),
        RECEIVED,
    )
    assert [(r.msg_type, r.ais_class) for r in recs] == [(18, "B"), (27, "A")]
    assert recs[1].sog_kn is None and recs[1].cog_deg is None and recs[1].lon == 121.7


def test_multipart_type5_round_trip():
    d = AisDecoder()
    parts = lines(static5(), seq_id=3)
    assert len(parts) == 2
    [rec] = d.decode_lines(parts, RECEIVED)
    assert isinstance(rec, StaticRecord)
    assert (rec.name, rec.call_sign, rec.imo, rec.ship_type, rec.length_m, rec.width_m, rec.draught_m) == (
        "HU HANG 1", "BXYZ", 9123456, 81, 80, 14, 5.2,
    )  # fmt: skip
    assert rec.destination == "SHANGHAI"
    assert rec.eta == datetime.datetime(2026, 12, 1, 8, 30, tzinfo=datetime.UTC)
    assert d.counters.decoded == 1 and d.counters.sentences == 2


def test_eta_in_january_seen_in_november_is_next_year():
    d = AisDecoder()
    [rec] = d.decode_lines(lines(static5(month=1, day=3)), RECEIVED)
    assert rec.eta.year == 2027


def test_multipart_interleaved_channels_and_sequence_ids():
    a = lines(static5(413000011, "SHIP A"), seq_id=1, radio_channel="A")
    b = lines(static5(413000012, "SHIP B"), seq_id=1, radio_channel="B")  # same sequence id, other channel
    c = lines(static5(413000013, "SHIP C"), seq_id=2, radio_channel="A")
    d = AisDecoder()
    recs = d.decode_lines([a[0], b[0], c[0], *lines(position()), c[1], a[1], b[1]], RECEIVED)
    assert [getattr(r, "name", None) for r in recs] == [None, "SHIP C", "SHIP A", "SHIP B"]
    assert d.counters.incomplete == 0 and d.pending_groups == 0


def test_out_of_order_parts():
    parts = split_payload(static5(name="OUT OF ORDER"), 3, seq_id=4)
    d = AisDecoder()
    [rec] = d.decode_lines([parts[2], parts[0], parts[1]], RECEIVED)
    assert rec.name == "OUT OF ORDER" and rec.call_sign == "BXYZ"


def test_multipart_type19_and_21():
    t19 = {"type": 19, "mmsi": 413000021, "lon": 121.5, "lat": 31.2, "speed": 5, "course": 90, "shipname": "B EXT",
           "ship_type": 37, "to_bow": 6, "to_stern": 4}  # fmt: skip
    t21 = {"type": 21, "mmsi": 993000001, "lon": 121.5, "lat": 31.2, "name": "WUSONG BUOY 3"}
    d = AisDecoder()
    recs = d.decode_lines(split_payload(t19, 2, 5) + split_payload(t21, 2, 6, "B"), RECEIVED)
    assert [(type(r).__name__, getattr(r, "msg_type", None)) for r in recs] == [
        ("PositionRecord", 19), ("StaticRecord", 19), ("AidRecord", None),
    ]  # fmt: skip
    assert recs[0].ais_class == "B" and recs[1].name == "B EXT" and recs[1].length_m == 10
    assert (recs[2].name, recs[2].lon, recs[2].lat) == ("WUSONG BUOY 3", 121.5, 31.2)  # an aid, not a vessel


def test_type24_part_a_and_b():
    d = AisDecoder()
    recs = d.decode_lines(
        lines({"type": 24, "mmsi": 413000031, "partno": 0, "shipname": "XIAO CHUAN"})
        + lines(
            {
                "type": 24,
                "mmsi": 413000031,
                "partno": 1,
                "callsign": "AB12",
                "ship_type": 37,
                "to_bow": 5,
                "to_stern": 6,
                "to_port": 2,
                "to_starboard": 2,
            }
        ),  # fmt: skip
        RECEIVED,
    )
    assert (recs[0].name, recs[0].call_sign) == ("XIAO CHUAN", None)
    assert (recs[1].name, recs[1].call_sign, recs[1].ship_type, recs[1].length_m, recs[1].width_m) == (
        None, "AB12", 37, 11, 4,
    )  # fmt: skip


def test_missing_part_times_out_and_is_counted():
    clock = [100.0]
    d = AisDecoder(multipart_timeout=5.0, clock=lambda: clock[0])
    first, second = lines(static5(), seq_id=7)
    assert d.decode_lines([first], RECEIVED) == []
    assert d.pending_groups == 1
    clock[0] = 104.0
    assert d.expire() == 0
    clock[0] = 106.0
    assert d.expire() == 1 and d.counters.incomplete == 1
    # the late second part is an orphan now: it waits alone and expires too
    assert d.decode_lines([second], RECEIVED) == []
    clock[0] = 200.0
    d.expire()
    assert d.counters.incomplete == 2 and d.counters.decoded == 0


def test_repeated_first_part_replaces_the_stale_group():
    d = AisDecoder()
    old = lines(static5(name="OLD"), seq_id=2)
    new = lines(static5(name="NEW"), seq_id=2)
    [rec] = d.decode_lines([old[0], new[0], new[1]], RECEIVED)
    assert rec.name == "NEW" and d.counters.incomplete == 1


def test_pending_groups_are_bounded():
    d = AisDecoder(max_pending=3)
    firsts = [lines(static5(413000100 + i), seq_id=i)[0] for i in range(6)]
    d.decode_lines(firsts, RECEIVED)
    assert d.pending_groups == 3 and d.counters.incomplete == 3


def test_tag_block_time_and_station():
    stamp = datetime.datetime(2026, 11, 20, 3, 4, 5, tzinfo=datetime.UTC)
    line = (tag_block("wusong-1", stamp.timestamp()) + lines(position())[0].decode()).encode()
    d = AisDecoder("feed")
    [rec] = d.decode_lines([line], RECEIVED)
    assert rec.time == stamp and rec.source == "wusong-1"


def test_tag_block_in_milliseconds():
    stamp = datetime.datetime(2026, 11, 20, 3, 4, 5, tzinfo=datetime.UTC)
    body = f"s:x,c:{int(stamp.timestamp() * 1000)}"
    tb = f"\\{body}*{reduce(xor, body.encode(), 0):02X}\\"
    [rec] = AisDecoder().decode_lines([(tb + lines(position())[0].decode()).encode()], RECEIVED)
    assert rec.time == stamp


def test_tag_block_with_bad_checksum_is_ignored():
    line = b"\\s:evil,c:1000000000*00\\" + lines(position())[0]
    [rec] = AisDecoder("feed").decode_lines([line], RECEIVED)
    assert rec.time == RECEIVED and rec.source == "feed"


def test_multipart_with_tag_block_on_first_part():
    stamp = datetime.datetime(2026, 11, 21, tzinfo=datetime.UTC)
    first, second = lines(static5(), seq_id=1)
    tagged = (tag_block("s1", stamp.timestamp()) + first.decode()).encode()
    [rec] = AisDecoder().decode_lines([tagged, second], RECEIVED)
    assert rec.time == stamp and rec.source == "s1"


def test_bad_checksum_counted_and_skipped():
    good = lines(position())[0]
    bad = good[:-2] + (b"00" if good[-2:] != b"00" else b"11")
    d = AisDecoder()
    assert d.decode_lines([bad], RECEIVED) == []
    assert d.counters.bad_checksum == 1 and d.counters.decoded == 0
    assert nmea_checksum_ok(good) and not nmea_checksum_ok(bad)


def test_impossible_position_lat_91_lon_181():
    d = AisDecoder()
    recs = d.decode_lines(lines(position(lat=91)) + lines(position(lon=181)) + lines(position()), RECEIVED)
    assert len(recs) == 1
    assert d.counters.invalid_position == 2 and d.counters.skipped == 2 and d.counters.decoded == 3


def test_mmsi_zero_skipped():
    d = AisDecoder()
    assert d.decode_lines(lines(position(mmsi=0)), RECEIVED) == []
    assert d.counters.invalid_mmsi == 1 and d.counters.skipped == 1


def test_unused_types_skipped():
    d = AisDecoder()
    ack = {"type": 7, "mmsi": 2130001, "mmsi1": 413000001}  # binary acknowledge: nothing the pipeline uses
    assert d.decode_lines(lines(ack), RECEIVED) == []
    assert d.counters.unsupported == 1 and d.counters.skipped == 1


def test_garbage_counted():
    d = AisDecoder()
    junk = [b"hello world", b"$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47", b"!AIVDM,x,y",
            b"\xff\xfe\x00", b"!AIVDM,1,1,,A,,0*26", b"x" * 5000, b"\\unterminated tag", b"   ", b""]  # fmt: skip
    assert d.decode_lines(junk + lines(position()), RECEIVED)[0].mmsi == 413000001
    assert d.counters.garbage + d.counters.bad_checksum == 7 and d.counters.sentences == 8


def test_decode_partial_tail_counts_garbage():
    d = AisDecoder()
    d.decode_partial_tail(b"!AIVDM,1,1,,A,15M67")
    d.decode_partial_tail(b"")
    assert d.counters.garbage == 1


line_text = st.one_of(
    st.binary(max_size=200),
    st.text(alphabet="!AIVDMO,0123456789*ABCDEFabcdef\\:sc@`wxyz<>?;=", max_size=120).map(str.encode),
    st.builds(
        lambda head, payload, tail: f"!AIVDM,{head},A,{payload},{tail}".encode(),
        st.sampled_from(["1,1,", "2,1,3", "2,2,3", "0,1,", "1,2,", "9,9,9", "3,1,1"]),
        st.text(alphabet="0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw", max_size=90),
        st.sampled_from(["0*00", "2*1F", "6*11", "0", "*", "0*ZZ"]),
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(line_text, max_size=20))
def test_fuzz_never_raises(batch):
    d = AisDecoder()
    out = d.decode_lines(batch, RECEIVED)
    c = d.counters
    assert all(isinstance(r, PositionRecord | StaticRecord) for r in out)
    assert c.sentences <= len(batch)
    assert c.bad_checksum + c.garbage <= c.sentences


@settings(max_examples=200, deadline=None)
@given(
    mmsi=st.integers(1, 999_999_999),
    lon=st.floats(-180, 180, allow_nan=False),
    lat=st.floats(-90, 90, allow_nan=False),
    sog=st.floats(0, 102.1, allow_nan=False),
    cog=st.floats(0, 359.9, allow_nan=False),
    heading=st.integers(0, 359),
    msg_type=st.sampled_from([1, 2, 3, 18]),
    channel=st.sampled_from(["A", "B"]),
)
def test_round_trip_positions(mmsi, lon, lat, sog, cog, heading, msg_type, channel):
    data = {
        "type": msg_type,
        "msg_type": msg_type,
        "mmsi": mmsi,
        "lon": lon,
        "lat": lat,
        "speed": sog,
        "course": cog,
        "heading": heading,
    }
    [rec] = AisDecoder().decode_lines(lines(data, radio_channel=channel), RECEIVED)
    assert rec.mmsi == mmsi and rec.msg_type == msg_type
    assert abs(rec.lon - lon) < 1e-5 and abs(rec.lat - lat) < 1e-5  # 1/10000 minute resolution
    assert (
        abs(rec.sog_kn - sog) <= 0.1 and abs(rec.cog_deg - cog) <= 0.1
    )  # the encoder truncates and rec.heading_deg == heading


@settings(max_examples=100, deadline=None)
@given(
    name=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", min_size=1, max_size=20).filter(str.strip),
    seq=st.integers(0, 9),
    parts=st.integers(2, 4),
    order=st.permutations([0, 1, 2, 3]),
)
def test_round_trip_type5_any_split_any_order(name, seq, parts, order):
    chunks = split_payload(static5(name=name), parts, seq)
    shuffled = [chunks[i] for i in order if i < len(chunks)]
    [rec] = AisDecoder().decode_lines(shuffled, RECEIVED)
    assert rec.name == name.strip() and rec.imo == 9123456
