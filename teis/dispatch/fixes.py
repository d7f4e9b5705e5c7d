"""The one shape of a position fix, whatever brought it (JT/T 808 gateway, officers' phones, OsmAnd/Traccar HTTP).

Producers build `Fix` objects and hand a batch to `teis.dispatch.services.positions.ingest_fixes(fixes)`, which
stores them, updates the latest-fix cache, runs the geofence and duty checks and pushes to the live map after
commit. Producers never touch the models directly.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Fix:
    device_id: str  # JT/T 808 terminal phone number (digits, no leading zeros stripped) or another device id
    time: datetime.datetime  # timezone-aware; the device's fix time (JT/T 808 sends GMT+8 BCD time)
    lon: float  # WGS-84 degrees, east positive
    lat: float  # WGS-84 degrees, north positive
    speed_kmh: float = 0.0
    heading: int = 0  # degrees clockwise from north, 0–359
    altitude_m: int = 0
    alarm_bits: int = 0  # JT/T 808 table 24 alarm flags
    status_bits: int = 0  # JT/T 808 table 25 status flags (bit 1 = positioned)
    mileage_km: float | None = None  # additional item 0x01 (1/10 km on the wire)
    source: str = "jt808"  # jt808 / mobile / osmand
    extra: dict = field(default_factory=dict)  # other additional items by id, decoded where known
    # set by the producer when it already knows the fix cannot count as a position (e.g. "no_time": a JT/T 808
    # report without a valid time, dated when it was received); `ingest_fixes` stores it flagged (FixFlag)
    flag: str = ""
