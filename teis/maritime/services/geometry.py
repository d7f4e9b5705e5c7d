"""Vectorised geometry of the pipeline: segment intersection with cross-sections, area membership, GeoJSON checks.

Coordinates are WGS-84 lon/lat treated as a plane: over the few kilometres of a river section the distortion
does not change whether two segments intersect nor which side a vessel came from (a positive scale of x keeps
orientations), and the interpolated time only moves by a fraction of a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from teis.core.services import ServiceError


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


def inside(polygon, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Boolean array: which points lie inside (or on the boundary of) the prepared shapely polygon."""
    return shapely.intersects_xy(polygon, lon, lat)


def polygon_from_geojson(geometry) -> shapely.Geometry:
    geom = shapely.geometry.shape(geometry)
    shapely.prepare(geom)
    return geom


def check_polygon(value, field: str = "geometry") -> dict:
    """A valid GeoJSON Polygon / MultiPolygon of WGS-84 coordinates, or ServiceError("invalid", …)."""
    if isinstance(value, str):
        value = parse_coordinates_text(value, closed=True)
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ServiceError("invalid", "区域范围必须是多边形（GeoJSON Polygon）", {field: ["请绘制或输入多边形"]})
    try:
        geom = shapely.geometry.shape(value)
    except Exception as exc:
        raise ServiceError("invalid", "区域范围坐标格式错误", {field: ["坐标格式错误"]}) from exc
    xmin, ymin, xmax, ymax = geom.bounds if not geom.is_empty else (0, 0, 0, 0)
    if geom.is_empty or not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise ServiceError("invalid", "区域范围的经纬度超出有效范围", {field: ["经度 −180～180，纬度 −90～90"]})
    if not geom.is_valid or geom.area <= 0:
        raise ServiceError("invalid", "区域多边形无效（自相交或面积为零）", {field: ["多边形自相交或面积为零"]})
    return shapely.geometry.mapping(geom) | {"coordinates": _lists(shapely.geometry.mapping(geom)["coordinates"])}


def check_polyline(value, field: str = "coordinates") -> list[list[float]]:
    """[[lon, lat], …] with at least two distinct points, or ServiceError("invalid", …)."""
    if isinstance(value, str):
        value = parse_coordinates_text(value, closed=False)
    if isinstance(value, dict) and value.get("type") == "LineString":
        value = value.get("coordinates")
    try:
        points = [[float(p[0]), float(p[1])] for p in value]
    except Exception as exc:
        raise ServiceError("invalid", "断面坐标格式错误", {field: ["格式：经度,纬度;经度,纬度"]}) from exc
    if len(points) < 2:
        raise ServiceError("invalid", "断面至少需要两个点", {field: ["至少两个点"]})
    if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in points):
        raise ServiceError("invalid", "断面的经纬度超出有效范围", {field: ["经度 −180～180，纬度 −90～90"]})
    if shapely.LineString(points).length == 0:
        raise ServiceError("invalid", "断面长度为零", {field: ["点不能重合"]})
    return points


def parse_coordinates_text(text: str, *, closed: bool):
    """ "lon,lat; lon,lat; …" (also newlines or spaces between pairs) → polyline list or closed Polygon."""
    pairs = [p for p in text.replace("；", ";").replace("，", ",").replace("\n", ";").split(";") if p.strip()]
    try:
        points = [[float(a), float(b)] for a, b in (p.strip().split(",") for p in pairs)]
    except ValueError as exc:
        raise ServiceError("invalid", "坐标格式错误，应为“经度,纬度;经度,纬度”", {"coordinates": ["格式错误"]}) from exc
    if not closed:
        return points
    if len(points) < 3:
        raise ServiceError("invalid", "多边形至少需要三个点", {"geometry": ["至少三个点"]})
    if points[0] != points[-1]:
        points.append(points[0])
    return {"type": "Polygon", "coordinates": [points]}


def _lists(value):
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (int, float)):
            return [float(v) for v in value]
        return [_lists(v) for v in value]
    return value
