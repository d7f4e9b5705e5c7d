"""NMEA 0183 AIVDM/AIVDO lines → `PositionRecord` / `StaticRecord`, decoded with pyais.

One `AisDecoder` per feed (a TCP connection, a UDP port, a file). It is synchronous and has no I/O, so the
listeners, the simulator tests and the benchmark all drive the same code.

- Checksums are verified (a sentence with a wrong checksum is counted and dropped, never decoded).
- Multi-part messages (types 5, 24 on some transceivers, 19, 21, 27 when a receiver splits them) are reassembled
  per (talker, sentence type, channel, sequence id, fragment count), so interleaved channels and sequence ids do
  not mix, parts may come out of order, and a group whose parts do not all arrive within `multipart_timeout`
  seconds is dropped and counted as incomplete. At most `max_pending` groups are held (the oldest is dropped).
- A tag block (`\\s:station,c:unixtime*hh\\`) with a valid checksum gives the receiver timestamp (`c:`, seconds or
  milliseconds) and the station (`s:`); otherwise the time received and the feed name are used.
- MMSI 0, positions that are "not available" or impossible (lat 91, lon 181, |lat| > 90, |lon| > 180), and message
  types the pipeline does not use are counted as skipped; anything unparsable is counted as garbage.
- The ship and cargo type (types 5, 19, 24 B) is read from the message's own 8 bits, so reserved and regional codes
  (9, 38, 66, 77 …) stay as sent (pyais's enum maps them to 0 or to a neighbouring code). Texts are cut at the first
  "@" (ITU-R M.1371: "@" = no character) and stripped.
- Type 21 (aid to navigation) gives an `AidRecord` (its name with the name extension appended), type 4 (and type 11
  from a base station's MMSI) a `BaseStationRecord`; neither creates a vessel.

Speed: single-part position reports (types 1, 2, 3 and 18: about nine lines in ten) take a lean path that does
not build pyais objects: the checksum is XORed by folding the sentence as one integer, the 28-character payload is
translated from the AIS 6-bit armour to the base64 alphabet and decoded by `binascii` into one 168-bit integer, and
the fields are shifts and masks of it. Anything else — other types, multi-part messages, fill bits, an odd length,
an unusual talker, a character outside the armour — goes through pyais. The two paths give the same records and
counters (hypothesis test against pyais: `test_ais_fastpath.py`). A batch shares one "received" timestamp.
`decode_lines` never raises on bad input.
"""

from __future__ import annotations

import binascii
import datetime
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import reduce
from operator import xor

from pyais.messages import AISSentence, NMEASentenceFactory, TagBlock

from .records import AidRecord, AisRecord, BaseStationRecord, PositionRecord, StaticRecord

UTC = datetime.UTC
MAX_LINE_BYTES = 1024  # an NMEA sentence is at most 82 characters; a tag block adds well under 200

_produce = NMEASentenceFactory.produce
_assemble = AISSentence.assemble_from_iterable
_POSITION_A = frozenset((1, 2, 3))

# -- the lean path ------------------------------------------------------------------------------------------------
# AIS armour character (value v: chr(v + 48), or chr(v + 56) from v = 40) → the base64 character of v; every other
# byte → "!", which `a2b_base64(strict_mode=True)` refuses (the line then goes through pyais).
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_ARMOUR = bytearray(b"!" * 256)
for _v in range(64):
    _ARMOUR[_v + 48 if _v < 40 else _v + 56] = _B64[_v]
_ARMOUR = bytes(_ARMOUR)
_a2b = binascii.a2b_base64
_FAST_TALKERS = frozenset((b"!AIVDM", b"!AIVDO"))
_FAST_FIRST = frozenset(b"123B")  # first payload character of types 1, 2, 3 and 18
_HEX = {f"{i:02X}".encode(): i for i in range(256)} | {f"{i:02x}".encode(): i for i in range(256)}


def _lat_lon(raw: int) -> float:
    """1/10,000 minute → degrees rounded to 6 decimals, exactly as pyais does it for integers."""
    return ((10 * raw + 3) // 6) / 1e6 if raw else 0.0


@dataclass
class FeedCounters:
    """What one feed delivered. `skipped` = decoded messages that gave no record (MMSI 0, no position, types the
    pipeline does not use)."""

    sentences: int = 0  # non-empty lines seen
    decoded: int = 0  # AIS messages decoded (a multi-part message counts once)
    bad_checksum: int = 0
    garbage: int = 0  # not an AIS sentence, unparsable, over-long line, or a line cut off by a closed connection
    incomplete: int = 0  # multi-part groups dropped: timeout, eviction, a part repeated before completion
    skipped: int = 0
    invalid_mmsi: int = 0  # part of skipped
    invalid_position: int = 0  # part of skipped
    unsupported: int = 0  # part of skipped
    positions: int = 0  # PositionRecords produced
    statics: int = 0  # StaticRecords produced
    aids: int = 0  # AidRecords produced (type 21)
    base_stations: int = 0  # BaseStationRecords produced (types 4, 11)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def add(self, other: FeedCounters) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


def nmea_checksum_ok(line: bytes) -> bool:
    """Whether the sentence (after any tag block) carries the XOR checksum of the bytes between '!' and '*'."""
    star = line.rfind(b"*")
    if star < 1:
        return False
    start = line.rfind(b"\\", 0, star) + 1  # after a tag block, if any
    try:
        expected = int(line[star + 1 : star + 3], 16)
    except ValueError:
        return False
    return reduce(xor, line[start + 1 : star], 0) == expected


def _na_speed(value: float | None) -> float | None:
    return None if value is None or value >= 102.2 else value  # 102.3 = not available, 102.2 = 102.2 kn or more


def _eta(month: int | None, day: int | None, hour: int | None, minute: int | None, ref: datetime.datetime):
    """ETA of type 5 (month, day, hour, minute UTC; no year): the next such moment around the report time."""
    if not month or not day or month > 12 or day > 31:
        return None
    hour = 0 if hour is None or hour > 23 else hour
    minute = 0 if minute is None or minute > 59 else minute
    for year in (ref.year, ref.year + 1):
        try:
            eta = datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)
        except ValueError:
            return None
        if eta >= ref - datetime.timedelta(days=180):  # an ETA half a year back means next year's date
            return eta
    return None


def _text(value: str | None) -> str | None:
    """An AIS 6-bit text field: "@" means "no character" (padding), so the text ends at the first one."""
    if not value:
        return None
    return value.split("@", 1)[0].strip() or None


# bit offset of the 8-bit ship and cargo type: type 5, type 19, type 24 part B
_SHIP_TYPE_BIT = {5: 232, 19: 263, 24: 40}
_SIXBIT = tuple(chr(v + 64) if v < 32 else chr(v) for v in range(64))
# type 21: name (120 bits) at 43, name extension (up to 88 bits) from 272; UTC second at 253
_AID_NAME_BIT, _AID_EXT_BIT, _AID_SECOND_BIT = 43, 272, 253
BASE_STATION_MMSI_MAX = 9_999_999  # 00MIDxxxx: a base station's MMSI is at most seven digits as a number


def _raw_ship_type(bv, msg_type: int) -> int | None:
    """The ship and cargo type exactly as sent (0 = not available → None); None if the payload is too short."""
    start = _SHIP_TYPE_BIT[msg_type]
    if len(bv) < start + 8:
        return None
    return bv.get(start, 8) or None


def _sixbit(bv, start: int, width: int) -> str:
    """6-bit characters of `bv` from bit `start`, at most `width` bits, whole characters only (not stripped)."""
    end = min(start + width, len(bv))
    return "".join([_SIXBIT[bv.get(i, 6)] for i in range(start, end - 5, 6)])


def _aid_name(bv) -> str:
    """Name of an aid to navigation: the 20-character name and, when it is full, the name extension (M.1371
    table 73), then cut at the first "@" — kept raw so a space at the end of a full name is not lost."""
    return _text(_sixbit(bv, _AID_NAME_BIT, 120) + _sixbit(bv, _AID_EXT_BIT, 88)) or ""


def _position_or_none(lon: float | None, lat: float | None) -> tuple[float | None, float | None]:
    """(lon, lat), or (None, None) when not available (181 / 91) or impossible."""
    if lon is None or lat is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or (lon == 0 == lat):
        return None, None
    return lon, lat


def _station_time(msg) -> datetime.datetime | None:
    """The UTC date and time of a type 4 / 11 report (year 0, month 0 … = not available)."""
    try:
        if not (msg.year and msg.month and msg.day) or msg.hour > 23 or msg.minute > 59 or msg.second > 59:
            return None
        return datetime.datetime(msg.year, msg.month, msg.day, msg.hour, msg.minute, msg.second, tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def _dimension(a: int | None, b: int | None) -> int | None:
    total = (a or 0) + (b or 0)
    return total or None


class AisDecoder:
    """Stateful decoder of one feed. Call `decode_lines(lines)` with whole lines (bytes, without or with the line
    end); call `expire()` now and then (the listeners do it every 100 ms) so stale multi-part groups are dropped."""

    def __init__(
        self,
        source: str = "",
        *,
        multipart_timeout: float = 10.0,
        max_pending: int = 512,
        clock=time.monotonic,
        counters: FeedCounters | None = None,
        fast: bool = True,
    ) -> None:
        self.source = source
        self.fast = fast  # False: every sentence through pyais (the reference the lean path is tested against)
        self.multipart_timeout = multipart_timeout
        self.max_pending = max_pending
        self.clock = clock
        self.counters = counters if counters is not None else FeedCounters()  # shared by a server's connections
        # key → (first seen (clock), {frag_num: sentence}); dict order = arrival order of the first part
        self._pending: dict[tuple, tuple[float, dict[int, AISSentence]]] = {}
        self._tag_times: dict[bytes, datetime.datetime] = {}

    # -- multi-part ---------------------------------------------------------------------------------------------
    def _reassemble(self, s: AISSentence, now: float) -> AISSentence | None:
        key = (s.talker_id, s.type, s.channel, s.seq_id, s.frag_cnt)
        pending = self._pending
        group = pending.get(key)
        if group is not None and s.frag_num in group[1]:
            # the same part again: the earlier group will never complete (sequence id reused)
            del pending[key]
            self.counters.incomplete += 1
            group = None
        if group is None:
            if len(pending) >= self.max_pending:
                del pending[next(iter(pending))]
                self.counters.incomplete += 1
            group = (now, {})
            pending[key] = group
        parts = group[1]
        parts[s.frag_num] = s
        if len(parts) < s.frag_cnt:
            return None
        del pending[key]
        ordered = [parts[i] for i in range(1, s.frag_cnt + 1)]
        tagged = next((p.tag_block for p in ordered if p.tag_block is not None), None)
        whole = _assemble(ordered)
        whole.tag_block = tagged
        return whole

    def expire(self, now: float | None = None) -> int:
        """Drop multi-part groups older than the timeout; returns how many were dropped."""
        now = self.clock() if now is None else now
        cutoff = now - self.multipart_timeout
        pending = self._pending
        dropped = 0
        for key in list(pending):
            if pending[key][0] > cutoff:
                break
            del pending[key]
            dropped += 1
        self.counters.incomplete += dropped
        return dropped

    @property
    def pending_groups(self) -> int:
        return len(self._pending)

    def _tag_raw(self, raw: bytes) -> tuple[datetime.datetime | None, str | None]:
        cached = self._tag_times.get(raw)
        return cached if cached is not None else self._tag(TagBlock(raw))

    def _tag(self, tag_block) -> tuple[datetime.datetime | None, str | None]:
        """(receiver time, station) of a tag block with a valid checksum."""
        cached = self._tag_times.get(tag_block.raw)
        if cached is not None:
            return cached
        tag_block.init()
        when = station = None
        if tag_block.is_valid:
            station = tag_block.source_station or None
            stamp = tag_block.receiver_timestamp
            if stamp:
                try:
                    value = float(stamp)
                    if value > 1e11:  # milliseconds
                        value /= 1000.0
                    when = datetime.datetime.fromtimestamp(value, UTC)
                except (ValueError, OverflowError, OSError):
                    when = None
        if len(self._tag_times) > 4096:
            self._tag_times.clear()
        self._tag_times[tag_block.raw] = (when, station)
        return when, station

    # -- the hot loop -------------------------------------------------------------------------------------------
    def decode_lines(
        self, lines: Iterable[bytes], received: datetime.datetime | None = None, now: float | None = None
    ) -> list[AisRecord]:
        """Decode whole lines; returns the records in arrival order. Never raises on bad input."""
        if received is None:
            received = datetime.datetime.now(UTC)
        if now is None:
            now = self.clock()
        c = self.counters
        out: list[AisRecord] = []
        append = out.append
        source = self.source
        fast = self.fast
        tag_times = self._tag_times
        new_record = tuple.__new__
        sentences = decoded = bad = garbage = 0
        positions = invalid_mmsi = invalid_position = 0
        for line in lines:
            if not line or line.isspace():
                continue
            sentences += 1
            if len(line) > MAX_LINE_BYTES:
                garbage += 1
                continue
            if fast:
                # the lean path: one single-part type 1, 2, 3 or 18 sentence of 168 bits, else fall through
                raw = line.strip()
                body = raw
                tag = None
                if raw[:1] == b"\\":
                    end = raw.find(b"\\", 1)
                    if end > 0:
                        tag = raw[1:end]
                        body = raw[end + 1 :]
                    else:
                        body = b""
                f = body.split(b",")
                if (
                    len(f) == 7
                    and f[1] == b"1"
                    and f[2] == b"1"
                    and len(f[5]) == 28
                    and f[5][0] in _FAST_FIRST
                    and f[0] in _FAST_TALKERS
                    and len(f[6]) == 4
                    and f[6][:2] == b"0*"
                    and len(body) <= 129
                    and body.count(b"*") == 1
                    and body.isascii()
                ):
                    expected = _HEX.get(f[6][2:])
                    try:
                        x = int.from_bytes(_a2b(f[5].translate(_ARMOUR), strict_mode=True), "big")
                    except binascii.Error:
                        expected = None
                    if expected is not None:
                        # XOR of the bytes between "!" and "*" (at most 128): fold the integer onto its lowest byte
                        chk = int.from_bytes(body[1:-3], "little")
                        chk ^= chk >> 512
                        chk ^= chk >> 256
                        chk ^= chk >> 128
                        chk ^= chk >> 64
                        chk ^= chk >> 32
                        chk ^= chk >> 16
                        chk ^= chk >> 8
                        if chk & 0xFF != expected:
                            bad += 1
                            continue
                        decoded += 1
                        when = received
                        src = source
                        if tag is not None:
                            cached = tag_times.get(tag)
                            tag_when, station = cached if cached is not None else self._tag_raw(tag)
                            if tag_when is not None:
                                when = tag_when
                            if station:
                                src = station
                        mmsi = (x >> 130) & 0x3FFFFFFF
                        if not mmsi:
                            invalid_mmsi += 1
                            continue
                        if f[5][0] == 66:  # "B": type 18 (class B)
                            t, status, ais_class = 18, None, "B"
                            speed, lon, lat = (x >> 112) & 0x3FF, (x >> 83) & 0xFFFFFFF, (x >> 56) & 0x7FFFFFF
                            course, heading = (x >> 44) & 0xFFF, (x >> 35) & 0x1FF
                        else:
                            t, status, ais_class = x >> 162, (x >> 126) & 0xF, "A"
                            speed, lon, lat = (x >> 108) & 0x3FF, (x >> 79) & 0xFFFFFFF, (x >> 52) & 0x7FFFFFF
                            course, heading = (x >> 40) & 0xFFF, (x >> 31) & 0x1FF
                        lon = _lat_lon(lon - 0x10000000 if lon & 0x8000000 else lon)
                        lat = _lat_lon(lat - 0x8000000 if lat & 0x4000000 else lat)
                        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                            invalid_position += 1
                            continue
                        append(
                            new_record(  # PositionRecord(…) without the keyword and default handling
                                PositionRecord,
                                (
                                    mmsi,
                                    when,
                                    lon,
                                    lat,
                                    speed / 10.0 if speed < 1022 else None,
                                    course / 10.0 if course < 3600 else None,
                                    heading if heading <= 359 else None,
                                    status,
                                    t,
                                    ais_class,
                                    src,
                                ),
                            )
                        )
                        positions += 1
                        continue
            try:
                s = _produce(line)
                if s.TYPE != "AIS":
                    garbage += 1
                    continue
                if not s.is_valid:
                    bad += 1
                    continue
                if s.frag_cnt != 1:
                    s = self._reassemble(s, now)
                    if s is None:
                        continue
                msg = s.decode()
            except Exception:  # pyais raises its own errors, ValueError, IndexError… on malformed input
                garbage += 1
                continue
            decoded += 1
            when = received
            src = source
            if s.tag_block is not None:
                tag_when, station = self._tag(s.tag_block)
                if tag_when is not None:
                    when = tag_when
                if station:
                    src = station
            try:
                self._emit(msg, when, src, append, s.bv)
            except Exception:  # a truncated payload can leave fields None in ways a converter does not expect
                c.garbage += 1
        c.sentences += sentences
        c.decoded += decoded
        c.bad_checksum += bad
        c.garbage += garbage
        if positions:
            c.positions += positions
        if invalid_mmsi or invalid_position:
            c.invalid_mmsi += invalid_mmsi
            c.invalid_position += invalid_position
            c.skipped += invalid_mmsi + invalid_position
        return out

    def _emit(self, msg, when: datetime.datetime, src: str, append, bv) -> None:
        c = self.counters
        t = msg.msg_type
        mmsi = msg.mmsi
        if not mmsi:
            c.invalid_mmsi += 1
            c.skipped += 1
            return
        if t in _POSITION_A or t == 18 or t == 19 or t == 27:
            lon = msg.lon
            lat = msg.lat
            if lon is None or lat is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                c.invalid_position += 1  # 91 / 181 = not available
                if t != 19:  # type 19 still carries its static part
                    c.skipped += 1
                    return
            else:
                if t == 27:
                    sog = None if msg.speed is None or msg.speed >= 63 else float(msg.speed)
                    cog = None if msg.course is None or msg.course >= 360 else float(msg.course)
                    heading = None
                else:
                    sog = _na_speed(msg.speed)
                    cog = msg.course
                    if cog is not None and cog >= 360.0:
                        cog = None
                    heading = msg.heading
                    if heading is not None and heading > 359:
                        heading = None
                status = int(msg.status) if t in _POSITION_A or t == 27 else None
                ais_class = "B" if t == 18 or t == 19 else "A"
                append(PositionRecord(mmsi, when, lon, lat, sog, cog, heading, status, t, ais_class, src))
                c.positions += 1
            if t != 19:
                return
            # type 19 (extended class B) also carries name, type and dimensions
            append(
                StaticRecord(
                    mmsi,
                    when,
                    name=_text(msg.shipname),
                    ship_type=_raw_ship_type(bv, 19),
                    length_m=_dimension(msg.to_bow, msg.to_stern),
                    width_m=_dimension(msg.to_port, msg.to_starboard),
                    msg_type=19,
                    source=src,
                )
            )
            c.statics += 1
            return
        if t == 5:
            append(
                StaticRecord(
                    mmsi,
                    when,
                    name=_text(msg.shipname),
                    call_sign=_text(msg.callsign),
                    imo=msg.imo or None,
                    ship_type=_raw_ship_type(bv, 5),
                    length_m=_dimension(msg.to_bow, msg.to_stern),
                    width_m=_dimension(msg.to_port, msg.to_starboard),
                    draught_m=msg.draught or None,
                    destination=_text(msg.destination),
                    eta=_eta(msg.month, msg.day, msg.hour, msg.minute, when),
                    msg_type=5,
                    source=src,
                )
            )
            c.statics += 1
            return
        if t == 24:
            if msg.partno == 0:
                record = StaticRecord(mmsi, when, name=_text(msg.shipname), msg_type=24, source=src)
            else:
                record = StaticRecord(
                    mmsi,
                    when,
                    call_sign=_text(getattr(msg, "callsign", None)),
                    ship_type=_raw_ship_type(bv, 24),
                    length_m=_dimension(getattr(msg, "to_bow", None), getattr(msg, "to_stern", None)),
                    width_m=_dimension(getattr(msg, "to_port", None), getattr(msg, "to_starboard", None)),
                    msg_type=24,
                    source=src,
                )
            append(record)
            c.statics += 1
            return
        if t == 21:
            aid_type = bv.get(38, 5)
            lon, lat = _position_or_none(msg.lon, msg.lat)
            # the off-position flag is valid only for a floating aid and a time stamp of 59 or less (M.1371)
            off = bool(msg.off_position) and 20 <= aid_type <= 31 and bv.get(_AID_SECOND_BIT, 6) <= 59
            append(
                AidRecord(
                    mmsi,
                    when,
                    aid_type,
                    _aid_name(bv),
                    lon,
                    lat,
                    virtual=bool(msg.virtual_aid),
                    off_position=off,
                    length_m=_dimension(msg.to_bow, msg.to_stern),
                    width_m=_dimension(msg.to_port, msg.to_starboard),
                    source=src,
                )
            )
            c.aids += 1
            return
        if t == 4 or (t == 11 and mmsi <= BASE_STATION_MMSI_MAX):  # type 11 from a ship: its UTC answer, not used
            lon, lat = _position_or_none(msg.lon, msg.lat)
            append(BaseStationRecord(mmsi, when, lon, lat, _station_time(msg), t, src))
            c.base_stations += 1
            return
        c.unsupported += 1
        c.skipped += 1

    def decode_partial_tail(self, tail: bytes) -> None:
        """Count what was left in a connection's buffer when it closed mid-sentence."""
        if tail.strip():
            self.counters.sentences += 1
            self.counters.garbage += 1
