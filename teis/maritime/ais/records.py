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
    """Types 5 (class A static and voyage), 24 A/B (class B static), 19 and 21 where they carry names."""

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


AisRecord = PositionRecord | StaticRecord
