"""In-memory directories the position pipeline reads on every batch, each checked against a cheap version
stamp (row count + latest change) so that edits show up on the next batch in every process:

- vehicles by device key (JT/T 808 phone without leading zeros, or another device id);
- each unit's patrol area (its 辖区 from the nearest unit up the tree that has one, plus the patrol-area
  fences of the unit and its ancestors) and the restricted fences, as prepared shapely geometries.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.db import connection
from shapely.geometry import shape

from ..choices import GeofenceKind, VehicleStatus
from ..models import Geofence, PatrolVehicle, device_key

STAMP_TTL_S = 1.0  # the version stamps are re-read at most once a second per process


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    id: int
    unit_id: int
    unit_path: str
    plate: str


@dataclass
class Directory:
    stamp: tuple[Any, ...] = ()
    checked_at: float = 0.0
    vehicles: dict[str, VehicleInfo] = field(default_factory=dict)
    areas: dict[int, shapely.Geometry | None] = field(default_factory=dict)  # unit id → patrol area
    area_fence_ids: dict[int, list[int]] = field(default_factory=dict)
    restricted: list[tuple[int, str, shapely.Geometry, int | None, str]] = field(default_factory=list)
    # (fence id, unit path, geometry, dwell seconds, name)
    key_areas: list[tuple[int, str, shapely.Geometry]] = field(default_factory=list)


_lock = threading.Lock()
_current = Directory()


def _geometry(geojson: dict[str, Any] | None) -> shapely.Geometry | None:
    if not geojson:
        return None
    try:
        geom = shape(geojson.get("geometry", geojson) if geojson.get("type") == "Feature" else geojson)
    except Exception:  # a malformed shape in the database must not stop the pipeline
        return None
    if geom.is_empty:
        return None
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


def _stamp() -> tuple[Any, ...]:
    """(row count, latest `updated_at`) of vehicles, fences and units, in one query: one round trip, as the
    ingest process asks every second."""
    from teis.org.models import Unit

    parts = []
    for model in (PatrolVehicle, Geofence, Unit):
        table = connection.ops.quote_name(model._meta.db_table)
        parts += [f"(SELECT COUNT(*) FROM {table})", f"(SELECT MAX(updated_at) FROM {table})"]  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def _load(stamp: tuple[Any, ...]) -> Directory:
    from teis.org.models import Unit

    d = Directory(stamp=stamp, checked_at=time.monotonic())
    units = {u.pk: u for u in Unit.objects.only("id", "path", "jurisdiction", "parent_id")}
    by_path = {u.path: u for u in units.values()}
    fences = list(Geofence.objects.filter(is_active=True).select_related("unit"))
    patrol_by_unit: dict[int, list[Geofence]] = {}
    for f in fences:
        geom = _geometry(f.geometry)
        if geom is None:
            continue
        shapely.prepare(geom)
        if f.kind == GeofenceKind.PATROL_AREA:
            patrol_by_unit.setdefault(f.unit_id, []).append(f)
        elif f.kind == GeofenceKind.RESTRICTED:
            d.restricted.append((f.pk, f.unit.path, geom, f.dwell_seconds, f.name))
        elif f.kind == GeofenceKind.KEY_AREA:
            d.key_areas.append((f.pk, f.unit.path, geom))
    for u in units.values():
        # ancestors are the prefixes of the materialised path, nearest first
        chain = []
        parts = u.path.split(".")[:-1]
        for i in range(len(parts), 0, -1):
            anc = by_path.get(".".join(parts[:i]) + ".")
            if anc is not None:
                chain.append(anc)
        shapes = []
        jurisdiction = next((_geometry(a.jurisdiction) for a in chain if a.jurisdiction), None)
        if jurisdiction is not None:
            shapes.append(jurisdiction)
        ids = []
        for a in chain:
            for f in patrol_by_unit.get(a.pk, []):
                shapes.append(_geometry(f.geometry))
                ids.append(f.pk)
        area = shapely.union_all(shapes) if shapes else None
        if area is not None:
            shapely.prepare(area)
        d.areas[u.pk] = area
        d.area_fence_ids[u.pk] = ids
    for v in PatrolVehicle.objects.exclude(status=VehicleStatus.RETIRED).select_related("unit"):
        info = VehicleInfo(v.pk, v.unit_id, v.unit.path, v.plate)
        for raw in (v.terminal_phone, v.device_id):
            if raw:
                d.vehicles[device_key(raw)] = info
    return d


def current(force: bool = False) -> Directory:
    """The directory, reloaded when its version stamp changed (checked at most once a second)."""
    global _current
    now = time.monotonic()
    if not force and now - _current.checked_at < STAMP_TTL_S and _current.stamp:
        return _current
    stamp = _stamp()
    with _lock:
        if force or stamp != _current.stamp:
            _current = _load(stamp)
        else:
            _current.checked_at = now
        return _current


def invalidate() -> None:
    """Forget the cached directory (tests, and services that just changed vehicles or fences)."""
    global _current
    with _lock:
        _current = Directory()
