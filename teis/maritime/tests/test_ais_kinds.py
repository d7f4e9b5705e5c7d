"""Issue #21 §2: every AIS message kind as it really is on the wire — real-format !AIVDM sentences (checksums
computed, multi-fragment type 5, type 21 with a name extension, type 24 A/B, type 27, types 4 / 11), reserved ship
type codes kept as sent, "@" padding, aids to navigation and base stations stored and shown on the live map, and
garbled input that never crashes the decoder or the pipeline."""

from __future__ import annotations

import datetime as dt
import math
from functools import reduce
from operator import xor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.encode import data_to_payload, encode_dict, get_ais_type

from teis.core.testing import logged_in_client
from teis.maritime.ais.decoder import AisDecoder, nmea_checksum_ok
from teis.maritime.ais.records import AidRecord, BaseStationRecord, PositionRecord, StaticRecord
from teis.maritime.choices import aid_type_category, aid_type_label, ship_type_category, ship_type_text
from teis.maritime.models import AidToNavigation, BaseStation, Vessel
from teis.maritime.services.pipeline import process_records

RECEIVED = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.UTC)
SIXBIT_TEXT = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 @-./"


# --- building real-format sentences ---------------------------------------------------------------------------------


def _armour_bits(payload: str) -> str:
    return "".join(f"{(c - 56 if c - 48 > 40 else c - 48):06b}" for c in payload.encode())


def _bits_armour(bits: str) -> str:
    values = (int(bits[i : i + 6], 2) for i in range(0, len(bits), 6))
    return "".join(chr(v + 48 if v < 40 else v + 56) for v in values)


def payload_of(data: dict, patch: dict[int, tuple[int, int]] | None = None) -> tuple[str, int]:
    """pyais's encoding of `data`, with raw bit fields overwritten: {start bit: (width, value)}. pyais's encoder maps
    a ship type through its enum (9 → 0, 66 → 65), so a code as a real transponder sends it is patched in."""
    payload, fill = data_to_payload(get_ais_type(data), data).encode()
    if patch:
        bits = _armour_bits(payload)
        for start, (width, value) in patch.items():
            bits = bits[:start] + f"{value:0{width}b}" + bits[start + width :]
        payload = _bits_armour(bits)
    return payload, fill


def sentences(payload: str, fill: int, parts: int = 1, seq_id: int | str = "", channel: str = "A") -> list[bytes]:
    """!AIVDM sentences carrying `payload` in `parts` fragments, each with its XOR checksum."""
    size = math.ceil(len(payload) / parts)
    chunks = [payload[i : i + size] for i in range(0, len(payload), size)]
    out = []
    for n, chunk in enumerate(chunks, start=1):
        body = f"AIVDM,{len(chunks)},{n},{seq_id if len(chunks) > 1 else ''},{channel},{chunk},"
        body += str(fill if n == len(chunks) else 0)
        out.append(f"!{body}*{reduce(xor, body.encode(), 0):02X}".encode())
    return out


def encoded(data: dict, **kw) -> list[bytes]:
    return [s.encode() for s in encode_dict(data, sentence_type="VDM", **kw)]


def decode(lines: list[bytes]) -> tuple[list, AisDecoder]:
    d = AisDecoder("feed")
    return d.decode_lines(lines, RECEIVED), d


def type5(mmsi=413000001, name="HU HANG 1", **extra) -> dict:
    return {
        "type": 5, "mmsi": mmsi, "imo": 9123456, "callsign": "BXYZ", "shipname": name, "ship_type": 70,
        "to_bow": 60, "to_stern": 20, "to_port": 6, "to_starboard": 8, "month": 12, "day": 1, "hour": 8,
        "minute": 30, "draught": 5.2, "destination": "SHANGHAI", **extra,
    }  # fmt: skip


def type21(mmsi=994130001, name="WUSONGKOU NO 3 LIGHT", name_ext="ED BUOY", aid_type=24, **extra) -> dict:
    return {
        "type": 21, "mmsi": mmsi, "aid_type": aid_type, "name": name, "name_ext": name_ext, "lon": 121.51,
        "lat": 31.4, "to_bow": 2, "to_stern": 2, "to_port": 1, "to_starboard": 1, "second": 20, **extra,
    }  # fmt: skip


# --- the sentences themselves --------------------------------------------------------------------------------------


def test_real_type5_two_fragment_sentence_decodes_ever_diadem():
    """A type 5 as recorded from the air (gpsd's sample): two fragments, fill bits 2 on the last."""
    recs, d = decode(
        [
            b"!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
            b"!AIVDM,2,2,1,A,88888888880,2*25",
        ]
    )
    [rec] = recs
    assert (rec.mmsi, rec.name, rec.call_sign, rec.imo, rec.ship_type, rec.destination) == (
        351759000, "EVER DIADEM", "3FOF8", 9134270, 70, "NEW YORK",
    )  # fmt: skip
    assert (rec.length_m, rec.width_m, rec.draught_m) == (295, 32, 12.2)
    assert d.counters.sentences == 2 and d.counters.decoded == 1 and d.counters.statics == 1


def test_real_type4_base_station_report():
    [rec], d = decode([b"!AIVDM,1,1,,A,403OviQuMGCqWrRO9>E6fE700@GO,0*4D"])
    assert isinstance(rec, BaseStationRecord)
    assert (rec.mmsi, rec.lon, rec.lat, rec.msg_type) == (3669702, -76.352362, 36.883767, 4)
    assert rec.station_time == dt.datetime(2007, 5, 14, 19, 57, 39, tzinfo=dt.UTC)
    assert d.counters.base_stations == 1 and d.counters.unsupported == 0


def test_real_type21_virtual_aid():
    [rec], _ = decode([b"!AIVDM,1,1,,B,E>kb9O9aS@7PUh10dh19@;0Tah2cWrfP:l?M`00003vP100,0*01"])
    assert isinstance(rec, AidRecord)
    assert (rec.mmsi, rec.aid_type, rec.name, rec.virtual) == (993692028, 19, "SF OAK BAY BR VAIS E", True)
    assert (rec.lon, rec.lat) == (-122.369867, 37.805622)


def test_real_type24_part_a_and_part_b():
    recs, _ = decode(
        [b"!AIVDM,1,1,,A,H42O55i18tMET00000000000000,2*6D", b"!AIVDM,1,1,,A,H42O55lti4hhhilD3nink000?050,0*40"]
    )
    assert [(r.mmsi, r.name, r.call_sign, r.ship_type, r.length_m, r.width_m) for r in recs] == [
        (271041815, "PROGUY", None, None, None, None),
        (271041815, None, "TC6163", 60, 15, 5),
    ]


@pytest.mark.parametrize(
    ("code", "category"),
    [
        (9, "保留/未定义（代码 9）"),
        (38, "保留/未定义（代码 38）"),
        (66, "客船"),
        (77, "货船"),
        (56, "保留/未定义（代码 56）"),
        (100, "保留/未定义（代码 100）"),
        (255, "保留/未定义（代码 255）"),
        (52, "拖轮"),
    ],
)
def test_type5_two_fragments_reserved_ship_type_kept_as_sent(code, category):
    """pyais's enum would turn 9 into 0 and 66 into 65: the decoder reads the 8 bits itself."""
    lines = sentences(*payload_of(type5(), {232: (8, code)}), parts=2, seq_id=7)
    assert len(lines) == 2 and all(nmea_checksum_ok(line) for line in lines)
    [rec], _ = decode(lines)
    assert rec.ship_type == code
    assert ship_type_category(rec.ship_type) == category
    assert ship_type_text(rec.ship_type) == f"{code} · {category}"


def test_type5_ship_type_zero_is_not_provided():
    [rec], _ = decode(sentences(*payload_of(type5(), {232: (8, 0)}), parts=2, seq_id=1))
    assert rec.ship_type is None and ship_type_text(rec.ship_type) == "未提供" and ship_type_text(0) == "未提供"


def test_type19_reserved_ship_type_66():
    data = {"type": 19, "mmsi": 413000021, "lon": 121.5, "lat": 31.2, "speed": 5, "course": 90, "shipname": "B EXT",
            "ship_type": 37, "to_bow": 6, "to_stern": 4}  # fmt: skip
    recs, _ = decode(sentences(*payload_of(data, {263: (8, 66)}), parts=2, seq_id=5))
    assert [type(r).__name__ for r in recs] == ["PositionRecord", "StaticRecord"]
    assert recs[1].ship_type == 66 and recs[1].name == "B EXT"


def test_type24_part_b_reserved_code_77_and_at_padding():
    part_a = encoded({"type": 24, "mmsi": 413000031, "partno": 0, "shipname": "XIAO CHUAN@@@@"})
    part_b = sentences(
        *payload_of({"type": 24, "mmsi": 413000031, "partno": 1, "callsign": "AB12@@", "ship_type": 70}, {40: (8, 77)})
    )
    recs, _ = decode(part_a + part_b)
    assert (recs[0].name, recs[1].call_sign, recs[1].ship_type) == ("XIAO CHUAN", "AB12", 77)


def test_text_fields_end_at_the_first_at_sign():
    """ITU-R M.1371: "@" is "no character"; what follows the first one is padding, whatever it holds."""
    data = type5(name="HU HANG 1@ X", callsign="BX@Z", destination="WUSONG  @@ 2")
    [rec], _ = decode(encoded(data, seq_id=2))
    assert (rec.name, rec.call_sign, rec.destination) == ("HU HANG 1", "BX", "WUSONG")


def test_type21_name_extension_appended():
    [rec], d = decode(encoded(type21()))
    assert isinstance(rec, AidRecord)
    assert rec.name == "WUSONGKOU NO 3 LIGHTED BUOY"  # 20 characters, then the extension
    assert (rec.aid_type, rec.lon, rec.lat, rec.length_m, rec.width_m) == (24, 121.51, 31.4, 4, 2)
    assert aid_type_category(rec.aid_type) == "浮动航标" and aid_type_label(rec.aid_type) == "浮动航标 · 左侧浮标"
    assert d.counters.aids == 1 and d.counters.statics == 0


def test_type21_two_fragments_keeps_a_space_at_the_end_of_a_full_name():
    lines = sentences(*payload_of(type21(name="CHANGJIANG ESTUARY  ", name_ext="NO 1")), parts=2, seq_id=3)
    [rec], _ = decode(lines)
    assert rec.name == "CHANGJIANG ESTUARY  NO 1"


def test_type21_short_name_padded_with_at_ignores_extension_bits():
    [rec], _ = decode(encoded(type21(name="LIGHT 5", name_ext="", aid_type=5)))
    assert rec.name == "LIGHT 5" and aid_type_label(5) == "固定航标 · 灯桩（无扇区）"


def test_type21_off_position_only_for_floating_aid_with_valid_second():
    floating, _ = decode(encoded(type21(off_position=True)))
    fixed, _ = decode(encoded(type21(off_position=True, aid_type=9)))
    stale, _ = decode(encoded(type21(off_position=True, second=61)))
    assert [r[0].off_position for r in (floating, fixed, stale)] == [True, False, False]


def test_type21_virtual_flag_and_position_not_available():
    [rec], _ = decode(encoded(type21(virtual_aid=True, lon=181, lat=91)))
    assert rec.virtual is True and (rec.lon, rec.lat) == (None, None)


def test_type27_long_range_position():
    data = {"type": 27, "mmsi": 413000003, "lon": 122.1, "lat": 30.9, "speed": 12, "course": 95, "status": 1}
    [rec], _ = decode(encoded(data))
    assert isinstance(rec, PositionRecord)
    assert (rec.msg_type, rec.lon, rec.lat, rec.sog_kn, rec.cog_deg, rec.nav_status) == (27, 122.1, 30.9, 12, 95, 1)
    [na], _ = decode(encoded({**data, "speed": 63, "course": 511}))
    assert (na.sog_kn, na.cog_deg, na.heading_deg) == (None, None, None)


def test_type4_base_station_encoded():
    data = {"type": 4, "mmsi": 4130001, "lon": 121.55, "lat": 31.35, "year": 2026, "month": 11, "day": 24,
            "hour": 7, "minute": 59, "second": 58}  # fmt: skip
    [rec], _ = decode(encoded(data))
    assert (rec.mmsi, rec.lon, rec.lat, rec.msg_type) == (4130001, 121.55, 31.35, 4)
    assert rec.station_time == dt.datetime(2026, 11, 24, 7, 59, 58, tzinfo=dt.UTC)
    [no_time], _ = decode(encoded({**data, "year": 0, "month": 0, "day": 0, "hour": 24, "minute": 60, "second": 60}))
    assert no_time.station_time is None


def test_type11_only_from_a_base_station_mmsi():
    base = {"type": 11, "msg_type": 11, "lon": 121.5, "lat": 31.2, "year": 2026, "month": 11, "day": 24}
    from_station, _ = decode(encoded({**base, "mmsi": 4130002}))
    from_ship, d = decode(encoded({**base, "mmsi": 413000009}))
    assert [(r.mmsi, r.msg_type) for r in from_station] == [(4130002, 11)]
    assert from_ship == [] and d.counters.unsupported == 1


def test_truncated_type5_and_type21_do_not_raise():
    payload, _ = payload_of(type5())
    lines = sentences(payload[:40], 0) + sentences(payload_of(type21())[0][:12], 0)
    recs, d = decode(lines)
    assert d.counters.sentences == 2
    assert all(isinstance(r, StaticRecord | AidRecord) for r in recs)


# --- garbled input never crashes the decoder or the pipeline -------------------------------------------------------

ANY_KIND = st.one_of(
    st.builds(lambda code: payload_of(type5(), {232: (8, code)}), st.integers(0, 255)),
    st.builds(
        lambda name, ext, t, lon, lat: payload_of(type21(name=name, name_ext=ext, aid_type=t, lon=lon, lat=lat)),
        st.text(SIXBIT_TEXT, max_size=20),
        st.text(SIXBIT_TEXT, max_size=14),
        st.integers(0, 31),
        st.sampled_from([121.5, 181, -180, 0]),
        st.sampled_from([31.2, 91, -90, 0]),
    ),
    st.builds(
        lambda mmsi, t: payload_of({"type": t, "msg_type": t, "mmsi": mmsi, "lon": 121.5, "lat": 31.2}),
        st.integers(0, 999_999_999),
        st.sampled_from([1, 4, 11, 18, 27]),
    ),
    st.builds(
        lambda code: payload_of({"type": 24, "mmsi": 413000031, "partno": 1}, {40: (8, code)}), st.integers(0, 255)
    ),
)


@st.composite
def garbled(draw) -> list[bytes]:
    """A real payload, then damaged: cut, characters replaced, fill bits changed — with a correct checksum, so the
    damage reaches pyais and the converters (a wrong checksum is dropped before that)."""
    payload, fill = draw(ANY_KIND)
    armour = "0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVW`abcdefghijklmnopqrstuvw"
    if draw(st.booleans()):
        payload = payload[: draw(st.integers(0, len(payload)))]
    for _ in range(draw(st.integers(0, 4))):
        if payload:
            i = draw(st.integers(0, len(payload) - 1))
            payload = payload[:i] + draw(st.sampled_from(armour)) + payload[i + 1 :]
    fill = draw(st.sampled_from([fill, 0, 2, 4, 5, 6]))
    parts = draw(st.integers(1, 3))
    if not payload:
        return [b"!AIVDM,1,1,,A,,0*26"]
    lines = sentences(payload, fill, parts=min(parts, len(payload)), seq_id=draw(st.integers(0, 9)))
    return draw(st.permutations(lines)) if draw(st.booleans()) else lines


@settings(max_examples=300, deadline=None)
@given(st.lists(garbled(), min_size=1, max_size=8))
def test_garbled_sentences_never_crash_the_decoder(groups):
    d = AisDecoder()
    out = d.decode_lines([line for group in groups for line in group], RECEIVED)
    assert all(isinstance(r, PositionRecord | StaticRecord | AidRecord | BaseStationRecord) for r in out)
    for r in out:
        if isinstance(r, StaticRecord) and r.ship_type is not None:
            assert 1 <= r.ship_type <= 255
        if isinstance(r, AidRecord):
            assert 0 <= r.aid_type <= 31 and "@" not in r.name
    assert d.counters.decoded + d.counters.garbage + d.counters.bad_checksum <= d.counters.sentences


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(garbled(), min_size=1, max_size=10))
def test_garbled_sentences_never_crash_the_pipeline(tree, groups):
    records = AisDecoder().decode_lines([line for group in groups for line in group], RECEIVED)
    result = process_records(records)
    assert result.positions + result.statics + result.skipped + result.aids + result.base_stations <= len(records)
    assert (
        not Vessel.objects.filter(mmsi__in=[r.mmsi for r in records if isinstance(r, AidRecord)])
        .exclude(mmsi__in=[r.mmsi for r in records if not isinstance(r, AidRecord)])
        .exists()
    )


# --- through the pipeline to the database and the map -------------------------------------------------------------


@pytest.mark.django_db
def test_pipeline_stores_the_aid_not_a_vessel(tree):
    [aid], _ = decode(encoded(type21(virtual_aid=True)))
    result = process_records([aid])
    assert (result.aids, result.statics, result.vessels_created) == (1, 0, 0)
    assert not Vessel.objects.exists()
    row = AidToNavigation.objects.get()
    assert (row.mmsi, row.aid_type, row.name, row.lon, row.lat, row.virtual, row.off_position) == (
        994130001, 24, "WUSONGKOU NO 3 LIGHTED BUOY", 121.51, 31.4, True, False,
    )  # fmt: skip
    assert (row.category, row.type_label, row.last_time, row.source) == (
        "浮动航标",
        "浮动航标 · 左侧浮标",
        RECEIVED,
        "feed",
    )


@pytest.mark.django_db
def test_pipeline_aid_latest_report_wins_and_gaps_keep_what_is_known(tree):
    first = AidRecord(994130002, RECEIVED, 20, "BUOY A", 121.5, 31.2, length_m=3)
    moved = AidRecord(994130002, RECEIVED + dt.timedelta(minutes=3), 20, "", None, None, off_position=True)
    late = AidRecord(994130002, RECEIVED - dt.timedelta(minutes=3), 9, "OLD NAME", 120.0, 30.0)
    process_records([first])
    process_records([moved, late])  # one batch: the latest of the MMSI is written
    process_records([late])  # a late report in a batch of its own
    row = AidToNavigation.objects.get(mmsi=994130002)
    assert (row.name, row.lon, row.lat, row.aid_type, row.off_position, row.length_m) == (
        "BUOY A", 121.5, 31.2, 20, True, 3,
    )  # fmt: skip
    assert row.last_time == RECEIVED + dt.timedelta(minutes=3)


@pytest.mark.django_db
def test_pipeline_base_station_and_vessels_in_one_batch(tree):
    data = {"type": 4, "mmsi": 4130001, "lon": 121.55, "lat": 31.35, "year": 2026, "month": 11, "day": 24}
    lines = encoded(data) + encoded({"type": 1, "mmsi": 413000001, "lon": 121.49, "lat": 31.24, "speed": 5})
    lines += sentences(*payload_of(type5(), {232: (8, 66)}), parts=2, seq_id=1)
    records, _ = decode(lines)
    result = process_records(records)
    assert (result.positions, result.statics, result.base_stations, result.vessels_created) == (1, 1, 1, 1)
    station = BaseStation.objects.get()
    assert (station.mmsi, station.lon, station.lat, station.coverage_km) == (4130001, 121.55, 31.35, 37.0)
    assert station.station_time == dt.datetime(2026, 11, 24, tzinfo=dt.UTC) and station.last_time == RECEIVED
    vessel = Vessel.objects.get()
    assert (vessel.mmsi, vessel.ship_type, vessel.ship_type_label, vessel.category) == (
        413000001, 66, "66 · 客船", "passenger",
    )  # fmt: skip
    station.name, station.coverage_km = "吴淞基站", 30.0
    station.save()
    process_records([BaseStationRecord(4130001, RECEIVED + dt.timedelta(seconds=10), 121.56, 31.36)])
    station.refresh_from_db()
    assert (station.name, station.coverage_km, station.lon) == ("吴淞基站", 30.0, 121.56)  # ours are kept


@pytest.mark.django_db
def test_reserved_ship_type_on_the_vessel_card_and_live_delta(make_user, tree):
    records, _ = decode(
        encoded({"type": 1, "mmsi": 413000002, "lon": 121.49, "lat": 31.24, "speed": 5})
        + sentences(*payload_of(type5(mmsi=413000002), {232: (8, 9)}), parts=2, seq_id=4)
    )
    process_records(records)
    vessel = Vessel.objects.get(mmsi=413000002)
    assert vessel.ship_type == 9
    client = logged_in_client(make_user("command_center", "brigade1"))
    card = client.get(f"/maritime/vessels/{vessel.pk}/card/").content.decode()
    assert "9 · 保留/未定义（代码 9）" in card
    [v] = client.get("/api/v1/maritime/live/delta/", {"since": 0, "alert": 0}).json()["vessels"]
    assert (v["ship_type"], v["ship_type_label"]) == (9, "9 · 保留/未定义（代码 9）")


@pytest.mark.django_db
def test_aid_and_base_station_on_the_map_data_endpoints(make_user, tree):
    records, _ = decode(
        encoded(type21())
        + encoded(type21(mmsi=994130009, name="NO POSITION", lon=181, lat=91))
        + encoded({"type": 4, "mmsi": 4130001, "lon": 121.55, "lat": 31.35})
    )
    process_records(records)
    client = logged_in_client(make_user("command_center", "brigade1"))
    for url in ("/maritime/live/beacons/", "/api/v1/maritime/live/beacons/"):
        data = client.get(url).json()
        [aid] = data["aids"]  # the aid without a position is not on the map
        assert (aid["mmsi"], aid["name"], aid["category"], aid["type_label"], aid["aid_type"]) == (
            994130001, "WUSONGKOU NO 3 LIGHTED BUOY", "浮动航标", "浮动航标 · 左侧浮标", 24,
        )  # fmt: skip
        assert (aid["lon"], aid["lat"], aid["virtual"], aid["off_position"]) == (121.51, 31.4, False, False)
        assert [(s["mmsi"], s["lon"], s["lat"], s["coverage_km"]) for s in data["base_stations"]] == [
            (4130001, 121.55, 31.35, 37.0)
        ]
    page = client.get("/maritime/live/").content.decode()
    assert "/maritime/live/beacons/" in page and "航标" in page and "基站" in page


@pytest.mark.django_db
def test_map_data_endpoint_needs_the_vessel_view_permission(make_user, tree, client):
    assert client.get("/maritime/live/beacons/").status_code == 302  # not logged in: to the login page
