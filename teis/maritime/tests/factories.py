"""Test helpers of 水上执法: records, areas, sections."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from teis.maritime.ais.records import PositionRecord, StaticRecord
from teis.maritime.models import SectionLine, WaterArea

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

# a box on the Huangpu around the Bund (lon 121.48–121.50, lat 31.23–31.25)
BOX = {
    "type": "Polygon",
    "coordinates": [[[121.48, 31.23], [121.50, 31.23], [121.50, 31.25], [121.48, 31.25], [121.48, 31.23]]],
}


def pos(mmsi, seconds, lon, lat, sog=8.0, cog=0.0, ais_class="A", **kw):
    return PositionRecord(
        mmsi=mmsi,
        time=T0 + dt.timedelta(seconds=seconds),
        lon=lon,
        lat=lat,
        sog_kn=sog,
        cog_deg=cog,
        heading_deg=kw.pop("heading", None),
        nav_status=kw.pop("nav_status", 0),
        ais_class=ais_class,
        msg_type=1 if ais_class == "A" else 18,
        **kw,
    )


def static(mmsi, seconds=0, **kw):
    return StaticRecord(mmsi=mmsi, time=T0 + dt.timedelta(seconds=seconds), **kw)


def area(unit, kind="key_area", geometry=None, name="外滩水域", **kw):
    return WaterArea.objects.create(name=name, kind=kind, unit=unit, geometry=geometry or BOX, **kw)


def section(unit, coords=None, name="外白渡桥断面", **kw):
    # a west→east line at lat 31.24: a vessel going north crosses from its left to its right... see SectionLine
    return SectionLine.objects.create(
        name=name, unit=unit, coordinates=coords or [[121.48, 31.24], [121.50, 31.24]], **kw
    )


def now():
    return timezone.now()
