"""The waters side of the AIS pipeline (`pipeline._Batch` mixes it in): cross-sections (every move intersected
with every section segment, vectorised over the batch), areas (membership by shapely over all fixes; only the
transitions are handled in Python: entry / exit events, water-source zone and high-risk alerts, berth departures,
"who is inside now"), and the per-process cache of area and section geometry, rebuilt when a row changes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection

from teis.core.telemetry import bulk_sql

from ..choices import AlertKind, AreaKind, CrossingDirection, EventKind, ship_category
from ..models import AreaPresence, SectionCrossing, SectionLine, WaterArea
from . import geometry
from .vessel_state import BatchMakers, _datetime_reader, _label

if TYPE_CHECKING:
    import shapely

    from teis.maritime.ais.records import PositionRecord

logger = logging.getLogger(__name__)

PRESENCE_SCAN_MIN = 200  # a batch of more vessels than this uses the whole presence table (`PresenceCache`)
_MISSING: Any = object()


class PresenceCache:
    """ "Who is inside the areas now" as this process last saw it, for large batches on PostgreSQL: the table holds
    thousands of rows (every vessel in every area) and reading it whole for every batch cost more than the batch's
    geometry. Each batch's start statement returns only the rows added since (`id > max_id`) and the table's
    fingerprint (row count, count of arrived_at, sum of ids); the batch's own exits are discarded here as they are
    written. The cache is used only if its fingerprint then equals the table's; otherwise it is read whole again
    (another process deleted rows, the arrival check set arrived_at, a sequence was reset). Rows are only inserted,
    deleted and have arrived_at set once, so any change moves the fingerprint. Dropped when a batch fails."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.key: tuple[str, Any] | None = None
        self.rows: dict[tuple[int, int], tuple[int, dt.datetime | None]] = {}  # (area, vessel) → (id, arrived_at)
        self.max_id = 0
        self.arrived = 0
        self.id_sum = 0
        self._by_area: dict[int, np.ndarray] | None = None
        self._present: dict[tuple[int, int], dt.datetime | None] | None = None

    def bind(self) -> PresenceCache:
        """The cache of this database (a test or a management command may switch databases)."""
        key = (connection.alias, connection.settings_dict.get("NAME"))
        if self.key != key:
            self.reset()
            self.key = key
        return self

    def merge(self, ids: list[int], areas: list[int], vessels: list[int], arrived: list[dt.datetime | None]) -> None:
        for pk, a, v, t in zip(ids, areas, vessels, arrived, strict=True):
            self._drop((a, v))
            self.rows[(a, v)] = (pk, t)
            self.id_sum += pk
            self.arrived += t is not None
            self.max_id = max(self.max_id, pk)
        if ids:
            self._by_area = self._present = None

    def discard(self, pairs: list[tuple[int, int]]) -> None:
        for key in pairs:
            self._drop(key)
        if pairs:
            self._by_area = self._present = None

    def _drop(self, key: tuple[int, int]) -> None:
        old = self.rows.pop(key, _MISSING)
        if old is not _MISSING:
            self.id_sum -= old[0]
            self.arrived -= old[1] is not None

    def matches(self, count: int, arrived: int, id_sum: int) -> bool:
        return (len(self.rows), self.arrived, self.id_sum) == (count, arrived, id_sum)

    def present(self) -> dict[tuple[int, int], dt.datetime | None]:
        """{(area id, vessel id): arrived at}, built once per change."""
        if self._present is None:
            self._present = {key: t for key, (_, t) in self.rows.items()}
        return self._present

    def by_area(self) -> dict[int, np.ndarray]:
        """{area id: the ids of the vessels inside}, built once per change."""
        if self._by_area is None:
            grouped: defaultdict[int, list[int]] = defaultdict(list)
            for area_id, vessel_id in self.rows:
                grouped[area_id].append(vessel_id)
            self._by_area = {a: np.asarray(ids, dtype=np.int64) for a, ids in grouped.items()}
        return self._by_area


presence_cache = PresenceCache()


class WaterSteps(BatchMakers):
    """Steps of a batch on sections and areas (state: area_version, section_version, result, _event, _alert)."""

    # sections -----------------------------------------------------------------------------------------------

    def _sections(
        self,
        sections: list[tuple[int, np.ndarray, tuple[str, str, str]]],
        positions: list[PositionRecord],
        vid: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        plon: np.ndarray,
        plat: np.ndarray,
        t: np.ndarray,
        pt: np.ndarray,
        moves: np.ndarray,
        by_id: dict[int, dict[str, Any]],
    ) -> list[SectionCrossing]:
        """The crossings of the batch's moves (unsaved) and their events. No database access."""
        if not sections or not moves.any():
            return []
        idx = np.nonzero(moves)[0]
        px, py, qx, qy = plon[idx], plat[idx], lon[idx], lat[idx]
        rows: list[SectionCrossing] = []
        for section_id, line, labels in sections:
            hits = geometry.segment_crossings(line, px, py, qx, qy)
            for j, u, fwd, x, y in zip(
                hits.move_index.tolist(),
                hits.u.tolist(),
                hits.forward.tolist(),
                hits.x.tolist(),
                hits.y.tolist(),
                strict=True,
            ):
                i = idx[j]
                when = dt.datetime.fromtimestamp(pt[i] + u * (t[i] - pt[i]), tz=dt.UTC)
                v = by_id[int(vid[i])]
                direction = CrossingDirection.FORWARD if fwd else CrossingDirection.REVERSE
                rows.append(
                    SectionCrossing(
                        section_id=section_id,
                        vessel_id=v["id"],
                        time=when,
                        direction=direction,
                        category=ship_category(v["ship_type"]),
                        lon=x,
                        lat=y,
                        sog=positions[i].sog_kn,
                    )
                )
                label = labels[0] if fwd else labels[1]
                self._event(v, EventKind.SECTION_CROSSING, when, f"{labels[2]} {label}", x, y)
        return rows

    # areas --------------------------------------------------------------------------------------------------

    def _areas(
        self,
        areas: list[_AreaGeom],
        present: dict[tuple[int, int], dt.datetime | None],
        positions: list[PositionRecord],
        vid: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        first: np.ndarray,
        last: np.ndarray,
        by_id: dict[int, dict[str, Any]],
        present_by_area: dict[int, np.ndarray] | None = None,
    ) -> tuple[list[AreaPresence], dict[int, list[int]]]:
        """Entries and exits along each vessel's fixes (events, alarms) and the presences to add and remove, as
        processing the fixes one by one would leave them. No database access (it runs during the fixes' COPY).
        `present_by_area`: `present` grouped by area, if already known."""
        new_presence: list[AreaPresence] = []
        gone: defaultdict[int, list[int]] = defaultdict(list)
        if not areas:
            return new_presence, gone
        if present_by_area is None:
            grouped: defaultdict[int, list[int]] = defaultdict(list)
            for area_id, vessel_id in present:
                grouped[area_id].append(vessel_id)
            present_by_area = {a: np.asarray(ids, dtype=np.int64) for a, ids in grouped.items()}
        starts = np.flatnonzero(first)
        ends = np.flatnonzero(last)
        for area in areas:
            ins = geometry.inside(area.polygon, lon, lat)
            prev = np.empty_like(ins)
            prev[1:] = ins[:-1]
            inside_before = present_by_area.get(area.pk)
            prev[starts] = np.isin(vid[starts], inside_before) if inside_before is not None else False
            changes = np.flatnonzero(ins != prev)
            if not len(changes):
                continue
            entered_at: dict[int, dt.datetime] = {}
            left: set[int] = set()
            for i in changes.tolist():
                v = by_id[int(vid[i])]
                r = positions[i]
                if ins[i]:
                    self._entered(area, v, r)
                    entered_at[v["id"]] = r.time  # fixes are in time order: the last entry wins
                else:
                    # the presence read before the batch is the one left first; a later exit leaves a new one
                    arrived = present.get((area.pk, v["id"])) if v["id"] not in left else None
                    self._left(area, v, r, arrived)
                    left.add(v["id"])
            # presence follows the last fix of each vessel whose state changed in this batch
            changed = ends[np.isin(vid[ends], vid[changes])]
            for e in changed.tolist():
                vessel_id = int(vid[e])
                key = (area.pk, vessel_id)
                if ins[e]:
                    if key in present and vessel_id in left:  # left and came back: a new presence
                        gone[area.pk].append(vessel_id)
                    if key not in present or vessel_id in left:
                        new_presence.append(
                            AreaPresence(area_id=area.pk, vessel_id=vessel_id, entered_at=entered_at[vessel_id])
                        )
                elif key in present:
                    gone[area.pk].append(vessel_id)
        return new_presence, gone

    def _write_presence(
        self, new_presence: list[AreaPresence], gone: dict[int, list[int]], *, writes: bulk_sql.Writes
    ) -> None:
        pairs = [(a, v) for a, vessel_ids in gone.items() for v in vessel_ids]
        writes.delete_pairs(AreaPresence, "area_id", "vessel_id", pairs)
        presence_cache.discard(pairs)  # the new rows come back with the next batch's start statement
        writes.insert_objects(new_presence, ignore_conflicts=True)

    def _entered(self, area: _AreaGeom, v: dict[str, Any], r: PositionRecord) -> None:
        self._event(v, EventKind.AREA_ENTRY, r.time, f"进入{area.name}", r.lon, r.lat, area.pk)
        if area.kind == AreaKind.WATER_SOURCE_ZONE:
            self._alert(v, AlertKind.ZONE_ENTRY, r.time, f"{_label(v)} 进入水源保护地“{area.name}”", r, area=area)
        elif area.kind == AreaKind.KEY_AREA and v["high_risk"]:
            self._alert(
                v, AlertKind.HIGH_RISK, r.time, f"高风险船舶 {_label(v)} 进入重点区域“{area.name}”", r, area=area
            )

    def _left(self, area: _AreaGeom, v: dict[str, Any], r: PositionRecord, arrived_at: dt.datetime | None) -> None:
        self._event(v, EventKind.AREA_EXIT, r.time, f"离开{area.name}", r.lon, r.lat, area.pk)
        if area.kind in (AreaKind.BERTH, AreaKind.ANCHORAGE) and arrived_at is not None:
            self._event(v, EventKind.BERTH_DEPARTURE, r.time, f"离开{area.name}", r.lon, r.lat, area.pk)


class _AreaGeom:
    __slots__ = ("pk", "name", "kind", "unit_id", "monitored", "polygon")

    def __init__(self, pk: int, name: str, kind: str, unit_id: int, monitored: bool, polygon: shapely.Geometry) -> None:
        self.pk, self.name, self.kind, self.unit_id, self.monitored, self.polygon = (
            pk, name, kind, unit_id, monitored, polygon,
        )  # fmt: skip


_cache: dict[str, tuple[Any, ...]] = {}


def _presence(by_id: dict[int, dict[str, Any]]) -> dict[tuple[int, int], dt.datetime | None]:
    """{(area id, vessel id): arrived at} of the batch's vessels, where no `PresenceCache` is used. "Who is inside
    now" is a small table: for a large batch it is read whole (one scan) rather than looked up vessel by vessel."""
    to_dt = _datetime_reader()
    table = AreaPresence._meta.db_table
    if len(by_id) > PRESENCE_SCAN_MIN:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT area_id, vessel_id, arrived_at FROM {table}")  # noqa: S608
            rows = cursor.fetchall()
        # rows of other vessels too: harmless, a batch looks up only its own
        return {(a, v): to_dt(arrived) for a, v, arrived in rows if v in by_id}
    sql = f"SELECT area_id, vessel_id, arrived_at FROM {table} WHERE {{where}}"  # noqa: S608
    return {(a, v): to_dt(arrived) for a, v, arrived in bulk_sql.select_in(sql, "vessel_id", sorted(by_id))}


def reload_presence(cache: PresenceCache) -> None:
    """Read "who is inside now" whole into the cache (PostgreSQL)."""
    result = bulk_sql.execute_binary(
        f"SELECT array_agg(id), array_agg(area_id), array_agg(vessel_id), array_agg(arrived_at) "  # noqa: S608
        f"FROM {AreaPresence._meta.db_table}",
        [],
        fetch=True,
        binary=True,
    )
    assert result is not None  # fetch=True
    rows = result[0]
    cache.reset()
    cache.bind()
    if rows[0]:
        cache.merge(*rows)


def _versions() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(count, last change) of the areas and of the sections, in one query."""
    a, s = WaterArea._meta.db_table, SectionLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {a}), (SELECT MAX(updated_at) FROM {a}), "  # noqa: S608
            f"(SELECT COUNT(*) FROM {s}), (SELECT MAX(updated_at) FROM {s})"
        )
        na, ma, ns, ms = cursor.fetchone()
    return (na, ma), (ns, ms)


def _active_areas(version: tuple[Any, ...]) -> list[_AreaGeom]:
    """Active areas with prepared polygons, rebuilt only when an area changed (`_versions`, once a batch)."""
    cached = _cache.get("areas")
    if cached and cached[0] == version:
        cached_areas: list[_AreaGeom] = cached[1]
        return cached_areas
    areas = []
    for a in WaterArea.objects.filter(is_active=True):
        try:
            areas.append(
                _AreaGeom(a.pk, a.name, a.kind, a.unit_id, a.monitored, geometry.polygon_from_geojson(a.geometry))
            )
        except Exception:  # a broken shape never stops the ingest; the form refuses new ones
            logger.warning("maritime area %s has an invalid geometry", a.pk)
    _cache["areas"] = (version, areas)
    return areas


def _active_sections(version: tuple[Any, ...]) -> list[tuple[int, np.ndarray, tuple[str, str, str]]]:
    cached = _cache.get("sections")
    if cached and cached[0] == version:
        cached_sections: list[tuple[int, np.ndarray, tuple[str, str, str]]] = cached[1]
        return cached_sections
    sections = [
        (s.pk, np.asarray(s.coordinates, dtype=np.float64), (s.forward_label, s.reverse_label, s.name))
        for s in SectionLine.objects.filter(is_active=True)
        if isinstance(s.coordinates, list) and len(s.coordinates) >= 2
    ]
    _cache["sections"] = (version, sections)
    return sections
