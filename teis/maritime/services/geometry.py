"""Vectorised geometry of the pipeline: segment intersection with cross-sections, area membership. The GeoJSON checks
of areas, sections and coverages are the shared ones of `teis.core.telemetry.geometry` (re-exported here).

Coordinates are WGS-84 lon/lat treated as a plane: over the few kilometres of a river section the distortion
does not change whether two segments intersect nor which side a vessel came from (a positive scale of x keeps
orientations), and the interpolated time only moves by a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from teis.core.telemetry.geometry import check_polygon as check_polygon  # re-exported
from teis.core.telemetry.geometry import check_polyline as check_polyline
from teis.core.telemetry.geometry import parse_coordinates_text as parse_coordinates_text


@dataclass
class Crossings:
    move_index: np.ndarray  # index into the move arrays
    u: np.ndarray  # fraction along the move (0 < u ≤ 1): interpolated time = t0 + u (t1 − t0)
    forward: np.ndarray  # True: the vessel crossed from the line's right to its left
    x: np.ndarray
    y: np.ndarray


def segment_crossings(line: np.ndarray, px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> Crossings:
    """Where the moves p→q cross the polyline `line` (k × 2 array of lon/lat).

    A move that ends exactly on the line counts, one that starts on it does not (so a fix lying on the line is
    counted once); a vertex shared by two segments of the line counts for the later segment only. Collinear
    moves along the line are not crossings.
    """
    rx, ry = qx - px, qy - py
    idx_parts, u_parts, fwd_parts = [], [], []
    n_seg = len(line) - 1
    for k in range(n_seg):
        ax, ay = line[k]
        bx, by = line[k + 1]
        sx, sy = bx - ax, by - ay
        denom = rx * sy - ry * sx
        apx, apy = ax - px, ay - py
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (apx * sy - apy * sx) / denom
            v = (apx * ry - apy * rx) / denom
        v_ok = (v > 0) & (v <= 1) if k > 0 else (v >= 0) & (v <= 1)
        hit = (denom != 0) & (u > 0) & (u <= 1) & v_ok
        if hit.any():
            where = np.nonzero(hit)[0]
            idx_parts.append(where)
            u_parts.append(u[where])
            fwd_parts.append(denom[where] < 0)
    if not idx_parts:
        empty = np.empty(0)
        return Crossings(np.empty(0, dtype=np.int64), empty, np.empty(0, dtype=bool), empty, empty)
    idx = np.concatenate(idx_parts)
    u = np.concatenate(u_parts)
    return Crossings(idx, u, np.concatenate(fwd_parts), px[idx] + u * rx[idx], py[idx] + u * ry[idx])


def inside(polygon: shapely.Geometry, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Boolean array: which points lie inside (or on the boundary of) the prepared shapely polygon."""
    result: np.ndarray = shapely.intersects_xy(polygon, lon, lat)
    return result


def polygon_from_geojson(geometry: dict[str, Any]) -> shapely.Geometry:
    geom = shapely.geometry.shape(geometry)
    shapely.prepare(geom)
    return geom
