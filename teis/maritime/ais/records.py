"""The decoded AIS records the listeners hand to the pipeline (`teis.maritime.services.pipeline.process_records`).

The decoder (teis.maritime.ais.decoder) turns pyais messages into these plain records, so the pipeline never
depends on pyais types and can be driven directly by tests and the benchmark.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple


class PositionRecord(NamedTuple):
    """Types 1, 2, 3 (class A), 18, 19 (class B), 27 (long range). A NamedTuple: the decoder builds one per fix
    (hundreds of thousands a minute), and a tuple is built four times faster than a frozen dataclass."""

    mmsi: int
    time: datetime.datetime  # receiver timestamp from the tag block when present, else the time received
    lon: float  # WGS-84 degrees
    lat: float
    sog_kn: float | None = None  # speed over ground, knots (None = not available)
    cog_deg: float | None = None  # course over ground
    heading_deg: int | None = None  # true heading (None = 511 not available)
    nav_status: int | None = None  # class A navigational status 0–15
    msg_type: int = 1
    ais_class: str = "A"  # "A" or "B"
    source: str = ""  # receiver / station id from the tag block (s:) or the feed name


@dataclass(frozen=True, slots=True)
class StaticRecord:
    """Types 5 (class A static and voyage), 24 A/B (class B static), 19. `ship_type` is the code as sent (0–255,
    reserved and regional codes included); texts are cut at the first "@" (ITU-R M.1371: no character)."""

    mmsi: int
    time: datetime.datetime
    name: str | None = None
    call_sign: str | None = None
    imo: int | None = None
    ship_type: int | None = None  # ITU-R M.1371 ship and cargo type
    length_m: int | None = None  # to_bow + to_stern
    width_m: int | None = None  # to_port + to_starboard
    draught_m: float | None = None
    destination: str | None = None
    eta: datetime.datetime | None = None
    msg_type: int = 5
    source: str = ""


@dataclass(frozen=True, slots=True)
class AidRecord:
    """Type 21: an aid to navigation (buoy, beacon, light, RACON, virtual mark) and where it is."""

    mmsi: int
    time: datetime.datetime
    aid_type: int  # ITU-R M.1371 table 34 code, 0–31
    name: str  # the name with its name extension appended, cut at the first "@"
    lon: float | None  # None: position not available (181 / 91)
    lat: float | None
    virtual: bool = False  # a virtual aid: broadcast for a mark that does not physically exist there
    off_position: bool = False  # a floating aid off its charted position (only valid with UTC second ≤ 59)
    length_m: int | None = None
    width_m: int | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class BaseStationRecord:
    """Type 4 (base station report), or type 11 (UTC/date response) from a base station's MMSI (00MIDxxxx)."""

    mmsi: int
    time: datetime.datetime
    lon: float | None
    lat: float | None
    station_time: datetime.datetime | None = None  # the UTC date and time the station reports (None: not available)
    msg_type: int = 4
    source: str = ""


AisRecord = PositionRecord | StaticRecord | AidRecord | BaseStationRecord
