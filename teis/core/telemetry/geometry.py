"""Geometry checks shared by the telemetry apps: every polygon a user draws or sends (water areas, base-station
coverage, geofences, …) goes through `check_polygon`, every polyline (cross-sections) through `check_polyline`;
refusals are `ServiceError("invalid", …)` with the same Chinese messages whichever app (HTTP 400 on the API).

Accepted input: a GeoJSON Polygon / MultiPolygon (dict, or its JSON text, or a Feature wrapping it), or the text
"lon,lat; lon,lat; …" (closed automatically). Refused: other types, bad coordinates, coordinates outside WGS-84,
self-intersecting polygons and polygons of zero area (a vehicle or vessel inside a bow-tie is undefined).
"""

from __future__ import annotations

import json
from typing import Any

import shapely
import shapely.geometry

from teis.core.services import ServiceError

INVALID_POLYGON = "区域多边形无效（自相交或面积为零）"


def check_polygon(value: Any, field: str = "geometry") -> dict[str, Any]:
    """A valid GeoJSON Polygon / MultiPolygon of WGS-84 coordinates (normalised: plain lists of floats), or
    ServiceError("invalid", …)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise ServiceError("invalid", "区域范围坐标格式错误", {field: ["不是有效的 GeoJSON"]}) from exc
        else:
            value = parse_coordinates_text(text, closed=True)
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
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
        raise ServiceError("invalid", INVALID_POLYGON, {field: ["多边形自相交或面积为零"]})
    mapping: dict[str, Any] = shapely.geometry.mapping(geom)
    return mapping | {"coordinates": _lists(mapping["coordinates"])}


def check_polyline(value: Any, field: str = "coordinates") -> list[list[float]]:
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


def parse_coordinates_text(text: str, *, closed: bool) -> list[list[float]] | dict[str, Any]:
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


def _lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], (int, float)):
            return [float(v) for v in value]
        return [_lists(v) for v in value]
    return value
