"""Tracks (轨迹回放): a vehicle's fixes over a period, trips and stops, totals, simplification to a zoom level
(Douglas–Peucker through shapely, keeping each kept point's time), and the exports: Excel, GPX, KML, a PDF
track map (SVG over the district outlines, no tiles) and a PNG snapshot for case attachments."""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.utils import timezone

from teis.core.geo import EARTH_RADIUS_M, shanghai_districts

from .. import conf
from ..models import FixRecord, PatrolVehicle

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from django.contrib.auth.models import User

MAX_PERIOD_DAYS = 366


@dataclass
class Track:
    vehicle: PatrolVehicle
    start: dt.datetime
    end: dt.datetime
    t: np.ndarray  # epoch seconds
    lon: np.ndarray
    lat: np.ndarray
    speed: np.ndarray
    heading: np.ndarray

    def __len__(self) -> int:
        return len(self.t)


@dataclass
class Segment:
    kind: str  # "trip" / "stop"
    start: dt.datetime
    end: dt.datetime
    i0: int
    i1: int
    distance_m: float = 0.0
    max_speed: float = 0.0
    lon: float = 0.0
    lat: float = 0.0

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass
class Summary:
    distance_km: float = 0.0
    moving_s: float = 0.0
    stopped_s: float = 0.0
    max_speed: float = 0.0
    points: int = 0
    trips: list[Segment] = field(default_factory=list)
    stops: list[Segment] = field(default_factory=list)


def load_track(vehicle: PatrolVehicle, start: dt.datetime, end: dt.datetime) -> Track:
    """The fixes of `vehicle` in [start, end] in time order (one indexed range query, no model objects)."""
    rows = (
        FixRecord.objects.filter(vehicle=vehicle, time__gte=start, time__lte=end, flag="")  # flagged: not positions
        .order_by("time")
        .values_list("time", "lon", "lat", "speed_kmh", "heading")
    )
    data = list(rows)
    t = np.fromiter((r[0].timestamp() for r in data), dtype=np.float64, count=len(data))
    arr = np.array([r[1:] for r in data], dtype=np.float64).reshape(-1, 4)
    return Track(vehicle, start, end, t, arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3])


def step_distances(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Haversine distance in metres between consecutive points (len n-1), vectorised."""
    if len(lon) < 2:
        return np.zeros(0)
    p1, p2 = np.radians(lat[:-1]), np.radians(lat[1:])
    dp, dl = p2 - p1, np.radians(lon[1:] - lon[:-1])
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    d: np.ndarray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return d


def _when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)


def _last_inside(track: Track, i: int, coslat: float, m_per_degree: float, radius: float) -> int:
    """The last index j ≥ i such that every fix from i to j lies within `radius` of fix i (equirectangular is
    enough here), looking ahead in growing windows rather than over the whole rest of the track."""
    n = len(track)
    width = 64
    while True:
        hi = min(n, i + 1 + width)
        dx = (track.lon[i + 1 : hi] - track.lon[i]) * coslat
        dy = track.lat[i + 1 : hi] - track.lat[i]
        far = np.flatnonzero(np.hypot(dx, dy) * m_per_degree > radius)
        if len(far):
            return i + int(far[0])
        if hi == n:
            return n - 1
        width *= 4


def summarise(track: Track) -> Summary:
    """Stops (at least STOP_MIN_S within STOP_RADIUS_M of where they began), trips between them (at least
    TRIP_MIN_M long; shorter moves count as part of the stop time), and totals. Distance ignores the jitter
    inside stops, so a parked car adds no mileage."""
    n = len(track)
    s = Summary(points=n)
    if n == 0:
        return s
    s.max_speed = float(track.speed.max())
    stop_min = conf.get("TEIS_DISPATCH_STOP_MIN_S")
    radius = conf.get("TEIS_DISPATCH_STOP_RADIUS_M")
    trip_min = conf.get("TEIS_DISPATCH_TRIP_MIN_M")
    steps = step_distances(track.lon, track.lat)
    in_stop = np.zeros(n, dtype=bool)
    stops: list[Segment] = []
    coslat = math.cos(math.radians(float(track.lat.mean())))
    m_per_degree = math.radians(1) * EARTH_RADIUS_M
    # a stop can begin at i only if the first fix `stop_min` later is still within `radius` of i (else the first
    # fix outside comes earlier): that rules out nearly every fix of a drive at once, so the walk below visits
    # only those candidates and stays linear in the track's length (a month is ~45,000 fixes)
    later = np.searchsorted(track.t, track.t + stop_min, side="left")
    has_later = np.flatnonzero(later < n)
    near = (
        np.hypot(
            (track.lon[later[has_later]] - track.lon[has_later]) * coslat,
            track.lat[later[has_later]] - track.lat[has_later],
        )
        * m_per_degree
        <= radius
    )
    candidates = has_later[near]
    i = 0
    while i < n - 1:
        k = int(np.searchsorted(candidates, i))
        if k == len(candidates):
            break
        i = int(candidates[k])
        if i >= n - 1:
            break
        j = _last_inside(track, i, coslat, m_per_degree, radius)
        if track.t[j] - track.t[i] >= stop_min:
            stops.append(
                Segment(
                    "stop", _when(track.t[i]), _when(track.t[j]), i, j, lon=float(track.lon[i]), lat=float(track.lat[i])
                )
            )
            in_stop[i : j + 1] = True
            i = j + 1
        else:
            i += 1
    # trips: the runs between stops
    bounds = [(-1, -1)] + [(st.i0, st.i1) for st in stops] + [(n, n)]
    for (_a0, a1), (b0, _b1) in zip(bounds, bounds[1:], strict=False):
        lo, hi = max(a1, 0), min(b0, n - 1)
        if hi <= lo:
            continue
        dist = float(steps[lo:hi].sum())
        if dist < trip_min:
            continue
        s.trips.append(
            Segment(
                "trip",
                _when(track.t[lo]),
                _when(track.t[hi]),
                lo,
                hi,
                distance_m=dist,
                max_speed=float(track.speed[lo : hi + 1].max()),
            )
        )
    s.stops = stops
    s.distance_km = sum(t.distance_m for t in s.trips) / 1000
    s.moving_s = sum(t.seconds for t in s.trips)
    s.stopped_s = sum(st.seconds for st in stops)
    return s


def simplify_indices(lon: np.ndarray, lat: np.ndarray, zoom: int) -> np.ndarray:
    """Indices of the points Douglas–Peucker keeps at a map zoom level (tolerance ≈ one screen pixel of a
    256-pixel Web Mercator tile), so a year of fixes draws as a few thousand points."""
    n = len(lon)
    if n <= 2:
        return np.arange(n)
    zoom = max(0, min(int(zoom), 20))
    tolerance = 360.0 / (256 * 2**zoom)
    coords = np.column_stack([lon, lat, np.arange(n, dtype=np.float64)])  # z carries the index through GEOS
    line = shapely.linestrings(coords)
    simplified = shapely.simplify(line, tolerance, preserve_topology=False)
    kept = shapely.get_coordinates(simplified, include_z=True)[:, 2].astype(np.int64)
    if len(kept) == 0:
        return np.array([0, n - 1])
    return np.unique(np.concatenate([[0], kept, [n - 1]]))


def track_json(track: Track, zoom: int | None = None) -> dict[str, Any]:
    """What the replay page draws: points [t, lon, lat, speed, heading] (simplified when a zoom is given),
    trips, stops and totals."""
    s = summarise(track)
    idx = simplify_indices(track.lon, track.lat, zoom) if zoom is not None else np.arange(len(track))
    pts = np.column_stack([track.t[idx], track.lon[idx], track.lat[idx], track.speed[idx], track.heading[idx]])
    return {
        "vehicle": {"id": track.vehicle.pk, "plate": track.vehicle.plate},
        "speed_series": speed_series(track),
        "points": [[int(p[0]), round(p[1], 6), round(p[2], 6), round(p[3], 1), int(p[4])] for p in pts],
        "total_points": len(track),
        "totals": totals_json(s),
        "trips": [_segment_json(t) for t in s.trips],
        "stops": [_segment_json(st) for st in s.stops],
    }


def speed_series(track: Track, buckets: int = 1000) -> list[list[float]]:
    """The speed chart from every fix (not the simplified line): [t, max speed] per time bucket."""
    n = len(track)
    if n <= buckets:
        return [[int(t), round(float(v), 1)] for t, v in zip(track.t, track.speed, strict=True)]
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    return [
        [int(track.t[a]), round(float(track.speed[a:b].max()), 1)]
        for a, b in zip(edges[:-1], edges[1:], strict=True)
        if b > a
    ]


def totals_json(s: Summary) -> dict[str, Any]:
    return {
        "distance_km": round(s.distance_km, 2),
        "moving_s": int(s.moving_s),
        "stopped_s": int(s.stopped_s),
        "max_speed": round(s.max_speed, 1),
        "points": s.points,
        "trips": len(s.trips),
        "stops": len(s.stops),
    }


def _segment_json(seg: Segment) -> dict[str, Any]:
    return {
        "start": timezone.localtime(seg.start).isoformat(),
        "end": timezone.localtime(seg.end).isoformat(),
        "seconds": int(seg.seconds),
        "distance_km": round(seg.distance_m / 1000, 2),
        "max_speed": round(seg.max_speed, 1),
        "lon": round(seg.lon, 6),
        "lat": round(seg.lat, 6),
    }


# --- exports -----------------------------------------------------------------------------------------------


def export_xlsx(track: Track) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("轨迹")
    ws.append(["车辆", "定位时间", "经度", "纬度", "速度(km/h)", "方向"])
    for i in range(len(track)):
        ws.append(
            [
                track.vehicle.plate,
                timezone.localtime(_when(track.t[i])).strftime("%Y-%m-%d %H:%M:%S"),
                float(track.lon[i]),
                float(track.lat[i]),
                float(track.speed[i]),
                int(track.heading[i]),
            ]
        )
    s = summarise(track)
    ws2 = wb.create_sheet("行程与停留")
    ws2.append(["类型", "开始", "结束", "时长(分钟)", "里程(km)", "最高速度", "经度", "纬度"])
    for seg in sorted(s.trips + s.stops, key=lambda x: x.start):
        ws2.append(
            [
                "行程" if seg.kind == "trip" else "停留",
                timezone.localtime(seg.start).strftime("%Y-%m-%d %H:%M:%S"),
                timezone.localtime(seg.end).strftime("%Y-%m-%d %H:%M:%S"),
                round(seg.seconds / 60, 1),
                round(seg.distance_m / 1000, 2),
                seg.max_speed,
                seg.lon,
                seg.lat,
            ]
        )
    ws2.append([])
    ws2.append(["合计", "", "", "", round(s.distance_km, 2), s.max_speed, "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_gpx(track: Track) -> bytes:
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "TEIS 指挥调度"
    trk = gpxpy.gpx.GPXTrack(name=track.vehicle.plate)
    seg = gpxpy.gpx.GPXTrackSegment()
    for i in range(len(track)):
        seg.points.append(
            gpxpy.gpx.GPXTrackPoint(
                latitude=float(track.lat[i]),
                longitude=float(track.lon[i]),
                time=_when(track.t[i]),
                speed=float(track.speed[i]) / 3.6,
            )
        )
    trk.segments.append(seg)
    gpx.tracks.append(trk)
    return gpx.to_xml(version="1.1").encode("utf-8")


def export_kml(track: Track) -> bytes:
    import simplekml

    kml = simplekml.Kml(name=f"{track.vehicle.plate} 轨迹")
    line = kml.newlinestring(
        name=track.vehicle.plate, coords=list(zip(track.lon.tolist(), track.lat.tolist(), strict=True))
    )
    line.style.linestyle.width = 3
    line.style.linestyle.color = simplekml.Color.red
    for st in summarise(track).stops:
        p = kml.newpoint(name=f"停留 {int(st.seconds // 60)} 分钟", coords=[(st.lon, st.lat)])
        p.timespan.begin, p.timespan.end = st.start.isoformat(), st.end.isoformat()
    text: str = kml.kml()
    return text.encode("utf-8")


def _projector(
    lons: np.ndarray, lats: np.ndarray, width: float, height: float, pad: float = 0.08
) -> tuple[Callable[[Any, Any], tuple[np.ndarray, np.ndarray]], tuple[float, float, float, float]]:
    """Equirectangular projection of the track's bounding box (plus padding) onto a width × height canvas."""
    x0, x1 = float(lons.min()), float(lons.max())
    y0, y1 = float(lats.min()), float(lats.max())
    span = max(x1 - x0, y1 - y0, 0.01)
    x0, x1 = (x0 + x1) / 2 - span * (0.5 + pad), (x0 + x1) / 2 + span * (0.5 + pad)
    y0, y1 = (y0 + y1) / 2 - span * (0.5 + pad), (y0 + y1) / 2 + span * (0.5 + pad)
    k = math.cos(math.radians((y0 + y1) / 2))
    sx = width / ((x1 - x0) * k)
    sy = height / (y1 - y0)
    scale = min(sx, sy)

    def proj(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - x0) * k * scale, height - (np.asarray(lat) - y0) * scale

    return proj, (x0, y0, x1, y1)


def _district_rings(bbox: tuple[float, float, float, float]) -> Iterator[tuple[str, np.ndarray]]:
    x0, y0, x1, y1 = bbox
    box = shapely.box(x0, y0, x1, y1)
    for f in shanghai_districts()["features"]:
        geom = shapely.geometry.shape(f["geometry"])
        if not geom.intersects(box):
            continue
        polys = getattr(geom, "geoms", [geom])
        for poly in polys:
            yield f["properties"]["name"], np.asarray(poly.exterior.coords)


def track_svg(track: Track, width: int = 700, height: int = 560, mark: tuple[Any, ...] | None = None) -> str:
    """An SVG of the track over the district outlines (start green, end red, stops blue)."""
    if len(track) == 0:
        return ""
    idx = simplify_indices(track.lon, track.lat, 16)
    proj, bbox = _projector(track.lon, track.lat, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<rect width="{width}" height="{height}" fill="#f8f9fa" stroke="#999"/>',
    ]
    for name, ring in _district_rings(bbox):
        xs, ys = proj(ring[:, 0], ring[:, 1])
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polygon points="{pts}" fill="#eef3fb" stroke="#7a8ba6" stroke-width="0.8"/>')
        cx, cy = proj(float(ring[:, 0].mean()), float(ring[:, 1].mean()))
        if 0 <= cx <= width and 0 <= cy <= height:
            parts.append(
                f'<text x="{cx:.1f}" y="{cy:.1f}" font-size="11" fill="#7a8ba6" text-anchor="middle">{name}</text>'
            )
    xs, ys = proj(track.lon[idx], track.lat[idx])
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    parts.append(f'<polyline points="{pts}" fill="none" stroke="#d6336c" stroke-width="2.5" stroke-linejoin="round"/>')
    for st in summarise(track).stops:
        x, y = proj(st.lon, st.lat)
        parts.append(f'<circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="4" fill="#0d6efd"/>')
    for i, colour in ((0, "#198754"), (len(track) - 1, "#dc3545")):
        x, y = proj(track.lon[i], track.lat[i])
        parts.append(
            f'<circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="6" fill="{colour}" stroke="#fff" stroke-width="2"/>'
        )
    if mark and mark[0] is not None:
        x, y = proj(mark[0], mark[1])
        parts.append(
            f'<circle cx="{float(x):.1f}" cy="{float(y):.1f}" r="9" fill="none" stroke="#fd7e14" stroke-width="3"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def export_pdf(track: Track, *, actor: User | None = None) -> bytes:
    """A printable track map fit to serve as evidence: vehicle, period, totals, the map, the stops table and the
    SM3 of the fixes it was drawn from."""
    import base64

    from teis.core.crypto import sm3_hex
    from teis.core.pdf import render_pdf

    s = summarise(track)
    digest_src = np.column_stack([track.t, track.lon, track.lat, track.speed]).tobytes()
    svg = track_svg(track)
    svg_data = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode() if svg else ""
    return render_pdf(
        "dispatch/track_pdf.html",
        {
            "track": track,
            "summary": s,
            "totals": totals_json(s),
            "svg_data": svg_data,
            "start": timezone.localtime(track.start),
            "end": timezone.localtime(track.end),
            "printed_at": timezone.localtime(),
            "printed_by": actor,
            "digest": sm3_hex(digest_src),
        },
    )


def track_snapshot_png(
    vehicle: PatrolVehicle, start: dt.datetime, end: dt.datetime, *, mark: tuple[Any, ...] | None = None
) -> bytes:
    """A PNG of the track around an alarm (for the case file); b"" when there are no fixes."""
    from PIL import Image, ImageDraw

    track = load_track(vehicle, start, end)
    if len(track) == 0:
        return b""
    w, h = 800, 600
    proj, bbox = _projector(track.lon, track.lat, w, h)
    img = Image.new("RGB", (w, h), "#f8f9fa")
    draw = ImageDraw.Draw(img)
    for _name, ring in _district_rings(bbox):
        xs, ys = proj(ring[:, 0], ring[:, 1])
        draw.polygon(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill="#eef3fb", outline="#7a8ba6")
    xs, ys = proj(track.lon, track.lat)
    draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill="#d6336c", width=3)
    if mark and mark[0] is not None:
        x, y = proj(mark[0], mark[1])
        draw.ellipse([float(x) - 9, float(y) - 9, float(x) + 9, float(y) + 9], outline="#fd7e14", width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
