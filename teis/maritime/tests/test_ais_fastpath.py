"""The decoder's lean path for types 1, 2, 3 and 18 against pyais: same records, same counters, on random payloads,
random damage and the scenario's real sentences."""

from __future__ import annotations

import datetime
from functools import reduce
from operator import xor

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teis.maritime.ais.decoder import _ARMOUR, AisDecoder
from teis.maritime.ais.scenario import Scenario, filler_ships, scenario_ships

RECEIVED = datetime.datetime(2026, 11, 24, 8, 0, tzinfo=datetime.UTC)
ARMOUR_CHARS = [chr(c) for c in range(256) if _ARMOUR[c] != ord("!")]


def armour(bits: int, n_bits: int = 168) -> str:
    chars = []
    for shift in range(n_bits - 6, -1, -6):
        v = (bits >> shift) & 0x3F
        chars.append(chr(v + 48 if v < 40 else v + 56))
    return "".join(chars)


def sentence(payload: str, *, talker="AIVDM", channel="A", seq="", fill=0, damage_checksum=False, tag=None) -> bytes:
    body = f"{talker},1,1,{seq},{channel},{payload},{fill}"
    check = reduce(xor, body.encode(), 0) ^ (0x5A if damage_checksum else 0)
    line = f"!{body}*{check:02X}"
    if tag is not None:
        line = f"\\{tag}*{reduce(xor, tag.encode(), 0):02X}\\{line}"
    return line.encode()


def both(lines: list[bytes]):
    """(records, counters) of the lean path and of the pyais path, for the same lines."""
    fast, slow = AisDecoder("feed"), AisDecoder("feed", fast=False)
    out_fast = fast.decode_lines(lines, received=RECEIVED, now=0.0)
    out_slow = slow.decode_lines(lines, received=RECEIVED, now=0.0)
    return (out_fast, fast.counters.as_dict()), (out_slow, slow.counters.as_dict())


def test_a_known_sentence_takes_the_lean_path_and_decodes_right(monkeypatch):
    from teis.maritime.ais import decoder as decoder_module

    line = b"!AIVDM,1,1,,B,15M67FC000G?ufbE`FepT@3n00Sa,0*5C"
    monkeypatch.setattr(decoder_module, "_produce", None)  # pyais is not called on the lean path
    decoder = AisDecoder("feed")
    (rec,) = decoder.decode_lines([line], received=RECEIVED)
    assert (rec.mmsi, rec.msg_type, rec.ais_class, rec.nav_status) == (366053209, 1, "A", 3)
    assert (rec.lon, rec.lat, rec.sog_kn, rec.cog_deg, rec.heading_deg) == (-122.341618, 37.802118, 0.0, 219.3, 1)
    monkeypatch.undo()
    (fast, _), (slow, _) = both([line])
    assert fast == slow


position_bits = st.builds(
    lambda t, rest: (t << 162) | rest,
    st.sampled_from([1, 2, 3, 18]),
    st.integers(min_value=0, max_value=(1 << 162) - 1),
)
# raw fields that matter: MMSI 0, lon / lat at and beyond the limits (181 / 91 = not available), speed 1022 / 1023,
# course 3600, heading 511
special = st.fixed_dictionaries(
    {
        "mmsi": st.sampled_from([0, 1, 413000001, 999999999, (1 << 30) - 1]),
        "lon": st.sampled_from([0, 1, -1, 108600000, -108600000, 108600001, (1 << 27) - 1, -(1 << 27)]),
        "lat": st.sampled_from([0, 54000000, -54000000, 54600000, (1 << 26) - 1, -(1 << 26)]),
        "speed": st.sampled_from([0, 1021, 1022, 1023]),
        "course": st.sampled_from([0, 3599, 3600, 4095]),
        "heading": st.sampled_from([0, 359, 360, 511]),
    }
)


def with_fields(bits: int, f: dict) -> int:
    """Put the special values at their bit positions (type 1–3 or type 18 layout)."""
    t18 = bits >> 162 == 18
    shifts = (112, 83, 56, 44, 35) if t18 else (108, 79, 52, 40, 31)
    widths = (10, 28, 27, 12, 9)
    layout = {"mmsi": (130, 30)} | dict(
        zip(("speed", "lon", "lat", "course", "heading"), zip(shifts, widths, strict=True), strict=True)
    )
    for name, (shift, width) in layout.items():
        mask = (1 << width) - 1
        bits = (bits & ~(mask << shift)) | ((f[name] & mask) << shift)
    return bits


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bits=position_bits,
    fields=st.one_of(st.none(), special),
    talker=st.sampled_from(["AIVDM", "AIVDO", "BSVDM"]),
    channel=st.sampled_from(["A", "B", "", "1"]),
    damage=st.booleans(),
    tag=st.one_of(st.none(), st.sampled_from(["s:r1,c:1764000000", "c:1764000000123", "s:station-9"])),
)
def test_random_position_payloads_match_pyais(bits, fields, talker, channel, damage, tag):
    if fields is not None:
        bits = with_fields(bits, fields)
    line = sentence(armour(bits), talker=talker, channel=channel, damage_checksum=damage, tag=tag)
    (fast, fast_counters), (slow, slow_counters) = both([line])
    assert fast == slow
    assert fast_counters == slow_counters


@settings(max_examples=300, deadline=None)
@given(
    bits=position_bits,
    position=st.integers(min_value=0, max_value=80),
    byte=st.integers(min_value=0, max_value=255),
    cut=st.integers(min_value=0, max_value=90),
)
def test_damaged_lines_are_counted_like_pyais(bits, position, byte, cut):
    """A byte replaced or the line cut short: both paths agree on records and counters (bad checksum, garbage)."""
    line = bytearray(sentence(armour(bits)))
    line[position % len(line)] = byte
    lines = [bytes(line), bytes(line[: max(1, cut)])]
    (fast, fast_counters), (slow, slow_counters) = both(lines)
    assert fast == slow
    assert fast_counters == slow_counters


def test_the_scenario_corpus_decodes_the_same_on_both_paths():
    start = datetime.datetime(2026, 11, 24, 6, 0, tzinfo=datetime.UTC)
    sc = Scenario(start, scenario_ships() + filler_ships(200), seed=3)
    lines = [line.encode() for _, line in sc.sentences(0.0, 600.0)]
    assert len(lines) > 2000
    (fast, fast_counters), (slow, slow_counters) = both(lines)
    assert len(fast) > 1500 and fast_counters["positions"] > 1500
    assert fast == slow
    assert fast_counters == slow_counters
