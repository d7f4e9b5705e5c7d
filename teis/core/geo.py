"""Geometry helpers shared by dispatch and maritime: the packaged Shanghai district outlines, distances.

Positions are WGS-84 lon/lat floats; shapes are GeoJSON dicts. Heavy geometry uses shapely 2 (vectorised).
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

from django.conf import settings

EARTH_RADIUS_M = 6_371_008.8
DISTRICTS_FILE = Path(settings.BASE_DIR) / "teis" / "static" / "teis" / "shanghai_districts.geojson"


@functools.cache
def shanghai_districts() -> dict[str, Any]:
    """The packaged FeatureCollection of Shanghai's 16 districts (properties: name, code = GB/T 2260)."""
    collection: dict[str, Any] = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))
    return collection


def district_geometry(region_code: str) -> dict[str, Any] | None:
    """The GeoJSON geometry of the district with this GB/T 2260 code, or None."""
    for feature in shanghai_districts()["features"]:
        if feature["properties"]["code"] == region_code:
            geometry: dict[str, Any] = feature["geometry"]
            return geometry
    return None


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def valid_lon_lat(lon: float, lat: float) -> bool:
    return -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0 and not (lon == 0 and lat == 0)
