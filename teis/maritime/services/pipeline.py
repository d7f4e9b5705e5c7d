"""The AIS pipeline: decoded records → vessel state, stored fixes, area / section / zone checks, alerts, live push.

`process_records(records)` is synchronous and takes one batch in one transaction. It is built for throughput
(the listener hands it thousands of records at a time): vessels are fetched and created per batch, fixes are
written with one COPY, the latest fix per vessel with one UPDATE, and the geometry runs on numpy arrays
(shapely 2 for polygons). Only the rare outcomes — an area entered, a section crossed, a name changed — are
handled row by row. Telemetry is not audited row by row (ARCHITECTURE.md rule 5); alerts and events are rows.

A batch's fixes are handled as columns sorted by vessel and time, so a batch in any arrival order leaves what its
fixes one by one in time order would (`tests/test_pipeline_batches.py`). On PostgreSQL the COPY and the UPDATE
carry binary values built by numpy, and the client works out crossings, areas and latest fixes while the server
stores the COPY. Round trips of a steady-state batch: the start (live sequence, geometry versions, tracking
tasks), the cache check, who is inside the areas, the COPY, the latest-fix UPDATE, and one INSERT per kind of
outcome present (statics, crossings, presences, events, alerts).

By aggregate: `vessel_state.VesselSteps` (vessels, statics, fixes, latest fix, dangerous goods) and
`waters.WaterSteps` (sections, areas) are mixed into `_Batch`, which orders the steps, collects the events and
alerts and writes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from teis.maritime.ais.records import PositionRecord, StaticRecord

from ..models import Alert, VesselEvent
from . import bulk_sql
from .vessel_state import VesselSteps, _vessels
from .waters import WaterSteps, _active_areas, _active_sections, _presence, _versions

logger = logging.getLogger(__name__)

MAX_GAP_S = 3600  # consecutive fixes further apart than this are not joined into a move
MAX_SPEED_KN = 60  # a move faster than this is a bad fix, not a crossing
LIVE_SEQUENCE = "maritime.live"


@dataclass
class PipelineResult:
    positions: int = 0
    statics: int = 0
    skipped: int = 0
    alerts: int = 0
    crossings: int = 0
    events: int = 0
    vessels_created: int = 0
    alert_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "alert_ids"}


def valid_position(rec: PositionRecord) -> bool:
    lon, lat = rec.lon, rec.lat
    return (
        0 < rec.mmsi <= 999_999_999
        and lon is not None
        and lat is not None
        and -180.0 <= lon <= 180.0
        and -90.0 <= lat <= 90.0
        and not (lon == 0 and lat == 0)
        and rec.time is not None
    )


# --- entry point ---------------------------------------------------------------------------------------------


def process_records(records) -> PipelineResult:
    """Apply one batch of decoded AIS records. One transaction; pushes to the live map after commit."""
    result = PipelineResult()
    positions = [r for r in records if r.__class__ is PositionRecord]  # nearly every record: one C-speed pass
    statics = [r for r in records if r.__class__ is StaticRecord]
    if len(positions) + len(statics) == len(records):
        if statics and not all(0 < r.mmsi <= 999_999_999 for r in statics):
            valid_statics = [r for r in statics if 0 < r.mmsi <= 999_999_999]
            result.skipped += len(statics) - len(valid_statics)
            statics = valid_statics
    else:  # subclasses, or anything else (counted as skipped)
        positions, statics = [], []
        for rec in records:
            if isinstance(rec, PositionRecord):
                positions.append(rec)
            elif isinstance(rec, StaticRecord) and 0 < rec.mmsi <= 999_999_999:
                statics.append(rec)
            else:
                result.skipped += 1
    if positions:
        valid = _valid_positions(positions)
        result.skipped += len(positions) - len(valid)
        positions = valid
    if not positions and not statics:
        return result
    try:
        _apply(result, positions, statics)
    except BaseException:
        _vessels["by_mmsi"] = {}  # the cached state may hold what was rolled back
        raise
    return result


def _valid_positions(positions: list[PositionRecord]) -> list[PositionRecord]:
    """`valid_position` over the batch, column-wise."""
    n = len(positions)
    mmsi, times, lon, lat = list(zip(*positions, strict=True))[:4]
    try:
        m = np.fromiter(mmsi, np.int64, n)
        x = np.array(lon, dtype=np.float64)  # None → nan, which fails every comparison below
        y = np.array(lat, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return [r for r in positions if valid_position(r)]
    ok = (m > 0) & (m <= 999_999_999) & (x >= -180.0) & (x <= 180.0) & (y >= -90.0) & (y <= 90.0)
    ok &= (x != 0) | (y != 0)
    if None in times:
        ok &= np.fromiter((t is not None for t in times), bool, n)
    if ok.all():
        return positions
    return [positions[i] for i in np.flatnonzero(ok).tolist()]


def _apply(result: PipelineResult, positions, statics) -> None:
    with transaction.atomic():
        bulk_sql.relaxed_commit()
        batch = _Batch(result)
        batch.load_vessels({r.mmsi for r in positions} | {r.mmsi for r in statics}, positions, statics)
        if statics:
            batch.apply_statics(statics)
        if positions:
            batch.apply_positions(positions)
        batch.flush()
        live_rows = batch.live_rows
        transaction.on_commit(lambda: _push_live(batch.seq, live_rows, result.alert_ids))


class _Batch(VesselSteps, WaterSteps):
    def __init__(self, result: PipelineResult):
        self.result = result
        self.now = timezone.now()
        self.by_mmsi: dict[int, dict] = {}
        self.events: list[VesselEvent] = []
        self.alerts: list[Alert] = []
        self._root_unit = None
        self.live_rows: list[tuple] = []  # (vessel state dict, latest PositionRecord) for the push
        self.seq, self.area_version, self.section_version, self.tracking = _batch_start()

    # positions ----------------------------------------------------------------------------------------------

    def apply_positions(self, positions: list[PositionRecord]) -> None:
        """Every fix stored; then, on the fixes sorted by vessel and time, the latest fix per vessel, the section
        crossings and the area transitions. On PostgreSQL the fixes' COPY runs on the server while the client
        works out the rest (nothing in that window touches the database); the writes follow."""
        n = len(positions)
        mmsis, times = list(zip(*positions, strict=True))[:2]
        id_of = {m: v["id"] for m, v in self.by_mmsi.items()}
        vid = np.fromiter(map(id_of.__getitem__, mmsis), np.int64, n)
        stamp = {d: d.timestamp() for d in set(times)}  # few distinct times in a batch
        t = np.fromiter(map(stamp.__getitem__, times), np.float64, n)
        order = np.lexsort((t, vid))
        positions = [positions[i] for i in order.tolist()]
        vid, t = vid[order], t[order]
        columns = list(zip(*positions, strict=True))
        lon = np.array(columns[2], dtype=np.float64)
        lat = np.array(columns[3], dtype=np.float64)
        self.result.positions += n

        first = np.ones(n, dtype=bool)
        first[1:] = vid[1:] != vid[:-1]
        last = np.ones(n, dtype=bool)
        last[:-1] = vid[1:] != vid[:-1]
        by_id = {v["id"]: v for v in self.by_mmsi.values()}
        # read before the COPY: the geometry (cached), who is inside the areas now
        sections = _active_sections(self.section_version)
        areas = _active_areas(self.area_version)
        present = _presence(by_id) if areas else {}

        with self._store_fixes(columns, vid):
            # the previous fix of each fix: within the batch, or the vessel's cached latest fix before the batch
            starts = np.flatnonzero(first)
            vessels = [by_id[i] for i in vid[starts].tolist()]  # the batch's vessels, in the order of the arrays
            cached_t = _timestamps([v["last_time"] for v in vessels])
            cached_lon = np.array([v["last_lon"] for v in vessels], dtype=np.float64)
            cached_lat = np.array([v["last_lat"] for v in vessels], dtype=np.float64)
            known = ~np.isnan(cached_t) & ~np.isnan(cached_lon)
            plon, plat, pt = np.roll(lon, 1), np.roll(lat, 1), np.roll(t, 1)
            plon[starts] = np.where(known, cached_lon, np.nan)
            plat[starts] = np.where(known, cached_lat, np.nan)
            pt[starts] = np.where(known, cached_t, np.nan)
            latest = self._latest(positions, columns, vid, t, lon, lat, last, vessels, cached_t)

            dtime = t - pt
            with np.errstate(invalid="ignore"):
                dist_nm = np.hypot((lon - plon) * np.cos(np.radians(lat)), lat - plat) * 60.0
                moves = (dtime > 0) & (dtime <= MAX_GAP_S) & (dist_nm <= MAX_SPEED_KN * dtime / 3600.0 + 0.05)
            crossings = self._sections(sections, positions, vid, lon, lat, plon, plat, t, pt, moves, by_id)
            presence_changes = self._areas(areas, present, positions, vid, lon, lat, first, last, by_id)

        self._update_latest(*latest)
        if crossings:
            bulk_sql.insert_objects(crossings)
            self.result.crossings += len(crossings)
        self._write_presence(*presence_changes)
        self._dangerous_goods(positions, vid, t, by_id)

    # events and alerts --------------------------------------------------------------------------------------

    def _event(self, v, kind, time, detail, lon=None, lat=None, area_id=None) -> None:
        self.events.append(
            VesselEvent(
                vessel_id=v["id"],
                kind=kind,
                time=time,
                detail=detail[:300],
                lon=lon,
                lat=lat,
                area_id=area_id,
                created_at=self.now,
            )  # fmt: skip
        )

    def _alert(self, v, kind, time, message, rec=None, *, area=None) -> None:
        unit_id = area.unit_id if area is not None else self.root_unit_id()
        if unit_id is None:
            return
        self.alerts.append(
            Alert(
                kind=kind,
                vessel_id=v["id"],
                unit_id=unit_id,
                time=time,
                message=message[:300],
                lon=getattr(rec, "lon", None),
                lat=getattr(rec, "lat", None),
                area_id=area.pk if area is not None else None,
                repeat_offender=bool(v.get("repeat_offender")),
                created_at=self.now,
            )
        )

    def root_unit_id(self) -> int | None:
        if self._root_unit is None:
            from teis.org.models import Unit

            self._root_unit = (
                Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True).first()
            )
        return self._root_unit

    def flush(self) -> None:
        if self.events:
            if self.tracking:
                from .alerts import tracked_event_alerts

                self.alerts.extend(tracked_event_alerts(self.events, self.now))
            bulk_sql.insert_objects(self.events)
            self.result.events += len(self.events)
        if self.alerts:
            from .risk import flag_records

            flag_records(self.alerts)
            if connection.features.can_return_rows_from_bulk_insert:
                created = Alert.objects.bulk_create(self.alerts)
            else:  # pragma: no cover - both supported backends return ids
                created = [a for a in self.alerts if a.save() or True]
            self.result.alerts += len(created)
            self.result.alert_ids.extend(a.pk for a in created)


def _batch_start() -> tuple[int, tuple, tuple, bool]:
    """(live sequence value, area version, section version, whether any tracking task is active): one statement
    on PostgreSQL. The tracking tasks are asked about only when some task is active."""
    if bulk_sql.is_postgres():
        from teis.core.models import Sequence

        from ..models import SectionLine, TrackingTask, WaterArea

        a, s = WaterArea._meta.db_table, SectionLine._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH seq AS (UPDATE {Sequence._meta.db_table} SET value = value + 1 WHERE name = %s "  # noqa: S608
                "RETURNING value) "
                f"SELECT (SELECT value FROM seq), (SELECT COUNT(*) FROM {a}), (SELECT MAX(updated_at) FROM {a}), "
                f"(SELECT COUNT(*) FROM {s}), (SELECT MAX(updated_at) FROM {s}), "
                f"EXISTS (SELECT 1 FROM {TrackingTask._meta.db_table} WHERE is_active)",
                [LIVE_SEQUENCE],
            )
            seq, na, ma, ns, ms, tracking = cursor.fetchone()
        if seq is None:  # the sequence's first use creates its row
            seq = bulk_sql.next_sequence_value(LIVE_SEQUENCE)
        return seq, (na, ma), (ns, ms), tracking
    seq = bulk_sql.next_sequence_value(LIVE_SEQUENCE)
    area_version, section_version = _versions()
    return seq, area_version, section_version, True


def _timestamps(values: list) -> np.ndarray:
    """Datetimes (or None) → POSIX seconds (nan for None)."""
    stamp = {d: d.timestamp() for d in set(values) if d is not None}
    stamp[None] = np.nan
    return np.fromiter(map(stamp.__getitem__, values), np.float64, len(values))


def _push_live(seq: int, live_rows: list[tuple], alert_ids: list[int]) -> None:
    from .live import has_listeners, push_delta

    try:
        if has_listeners():
            push_delta(seq, live_rows, alert_ids)
    except Exception:  # the page also polls; a failed push must not break the ingest
        logger.exception("maritime live push failed")
