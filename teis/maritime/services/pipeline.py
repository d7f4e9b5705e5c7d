"""The AIS pipeline: decoded records → vessel state, stored fixes, area / section / zone checks, alerts, live push.

`process_records(records)` is synchronous and takes one batch in one transaction. It is built for throughput
(the listener hands it thousands of records at a time): vessels are fetched and created per batch, fixes are
written with one COPY, the latest fix per vessel with one UPDATE, and the geometry runs on numpy arrays
(shapely 2 for polygons). Only the rare outcomes — an area entered, a section crossed, a name changed — are
handled row by row. Telemetry is not audited row by row (ARCHITECTURE.md rule 5); alerts and events are rows.

A batch's fixes are handled as columns sorted by vessel and time, so a batch in any arrival order leaves what its
fixes one by one in time order would (`tests/test_pipeline_batches.py`). On PostgreSQL the COPY and the UPDATE
carry binary values built by numpy, and while the server stores the COPY the client works out the static data,
latest fixes, crossings and areas, and builds the parameters of the writes that follow. Round trips of a
steady-state batch: BEGIN, the start statement (live sequence, geometry versions, tracking tasks, the cache check,
who is inside the areas), the COPY, the writes in one psycopg pipeline (statics and latest-fix UPDATEs, crossings,
presences, events: `bulk_sql.Writes`), COMMIT; alerts, when there are any, after the pipeline.

By aggregate: `vessel_state.VesselSteps` (vessels, statics, fixes, latest fix, dangerous goods) and
`waters.WaterSteps` (sections, areas) are mixed into `_Batch`, which orders the steps, collects the events and
alerts and writes them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from teis.core.telemetry import bulk_sql
from teis.core.telemetry import live as live_push
from teis.maritime.ais.records import AidRecord, BaseStationRecord, PositionRecord, StaticRecord

from ..models import Alert, VesselEvent
from .beacons import write_beacons
from .vessel_state import VesselSteps, _vessel_cache, _vessels
from .waters import (
    PRESENCE_SCAN_MIN,
    WaterSteps,
    _active_areas,
    _active_sections,
    _presence,
    _versions,
    presence_cache,
    reload_presence,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from .waters import _AreaGeom

    Beacon = AidRecord | BaseStationRecord

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
    aids: int = 0  # aids to navigation written (type 21), one per MMSI
    base_stations: int = 0  # base stations written (types 4, 11), one per MMSI
    alert_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
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


def process_records(records: Sequence[Any], *, defer_commit: bool = False) -> PipelineResult:
    """Apply one batch of decoded AIS records. One transaction; pushes to the live map after commit. With
    `defer_commit` (PostgreSQL, outside any transaction) the commit is not waited for (see `finish_deferred`)."""
    finish_deferred()
    result = PipelineResult()
    positions = [r for r in records if r.__class__ is PositionRecord]  # nearly every record: one C-speed pass
    statics = [r for r in records if r.__class__ is StaticRecord]
    beacons: list[
        Beacon
    ] = []  # aids to navigation and base stations: few, looked for only when the two kinds above are not all
    if len(positions) + len(statics) != len(records):
        beacons = [r for r in records if r.__class__ is AidRecord or r.__class__ is BaseStationRecord]
    if len(positions) + len(statics) + len(beacons) == len(records):
        if statics and not all(0 < r.mmsi <= 999_999_999 for r in statics):
            valid_statics = [r for r in statics if 0 < r.mmsi <= 999_999_999]
            result.skipped += len(statics) - len(valid_statics)
            statics = valid_statics
        if beacons:
            valid_beacons = [r for r in beacons if _valid_beacon(r)]
            result.skipped += len(beacons) - len(valid_beacons)
            beacons = valid_beacons
    else:  # subclasses, or anything else (counted as skipped)
        positions, statics, beacons = [], [], []
        for rec in records:
            if isinstance(rec, PositionRecord):
                positions.append(rec)
            elif isinstance(rec, StaticRecord) and 0 < rec.mmsi <= 999_999_999:
                statics.append(rec)
            elif isinstance(rec, AidRecord | BaseStationRecord) and _valid_beacon(rec):
                beacons.append(rec)
            else:
                result.skipped += 1
    columns = None
    if positions:
        valid, columns = _valid_positions(positions)
        result.skipped += len(positions) - len(valid)
        positions = valid
    if not positions and not statics and not beacons:
        return result
    try:
        _apply(result, positions, statics, columns, defer_commit, beacons)
    except BaseException:
        _drop_caches()
        raise
    return result


def _valid_positions(positions: list[PositionRecord]) -> tuple[list[PositionRecord], list[tuple[Any, ...]] | None]:
    """`valid_position` over the batch, column-wise: (the valid fixes, their columns, or None if not worked out)."""
    n = len(positions)
    columns = list(zip(*positions, strict=True))
    mmsi, times, lon, lat = columns[:4]
    try:
        m = np.fromiter(mmsi, np.int64, n)
        x = np.array(lon, dtype=np.float64)  # None → nan, which fails every comparison below
        y = np.array(lat, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return [r for r in positions if valid_position(r)], None
    ok = (m > 0) & (m <= 999_999_999) & (x >= -180.0) & (x <= 180.0) & (y >= -90.0) & (y <= 90.0)
    ok &= (x != 0) | (y != 0)
    if None in times:
        ok &= np.fromiter((t is not None for t in times), bool, n)
    if ok.all():
        return positions, columns
    return [positions[i] for i in np.flatnonzero(ok).tolist()], None


def _valid_beacon(rec: Beacon) -> bool:
    """An aid or base station record worth storing: a real MMSI and time; a position, if any, on the globe."""
    try:
        return (
            0 < rec.mmsi <= 999_999_999
            and rec.time is not None
            and (rec.lon is None or -180.0 <= rec.lon <= 180.0)
            and (rec.lat is None or -90.0 <= rec.lat <= 90.0)
        )
    except TypeError:
        return False


def _apply(
    result: PipelineResult,
    positions: list[PositionRecord],
    statics: list[StaticRecord],
    columns: list[Any] | None = None,
    defer_commit: bool = False,
    beacons: Sequence[Beacon] = (),
) -> None:
    if not (defer_commit and bulk_sql.is_postgres() and connection.get_autocommit()):
        with transaction.atomic():
            batch = _run_batch(result, positions, statics, columns, beacons)
            batch.writes.run()
            transaction.on_commit(batch.push)
        return
    # the transaction is ours (autocommit off, no atomic block: Django's inner atomic blocks neither commit nor
    # make savepoints); its last writes and the COMMIT are sent in one pipeline that is read by `finish_deferred`
    connection.set_autocommit(False)
    try:
        batch = _run_batch(result, positions, statics, columns, beacons)
        commit = batch.writes.run_then_commit()
    except BaseException:
        _end_own_transaction(rollback=True)
        raise
    _pending.commit = (commit, batch.push)


def _run_batch(
    result: PipelineResult,
    positions: list[PositionRecord],
    statics: list[StaticRecord],
    columns: list[Any] | None,
    beacons: Sequence[Beacon] = (),
) -> _Batch:
    """Everything of a batch but its last writes (`batch.writes`), which the caller runs and commits."""
    bulk_sql.relaxed_commit()
    mmsis = {r.mmsi for r in positions} | {r.mmsi for r in statics}
    batch = _Batch(result, mmsis)
    if mmsis:
        batch.load_vessels(mmsis, positions, statics)
    if positions:  # the statics are worked out while the server stores the fixes
        batch.apply_positions(positions, statics, columns)
    elif statics:
        batch.write_statics(batch.apply_statics(statics), batch.writes)
    if beacons:  # aids and base stations: no vessel, their own tables, with the batch's other writes
        result.aids, result.base_stations = write_beacons(beacons, batch.writes)
    batch.flush()
    return batch


# --- the deferred commit ---------------------------------------------------------------------------------------
# With `process_records(…, defer_commit=True)` (the listener's worker, the benchmark) a batch returns once its last
# writes and its COMMIT are sent: the server stores them while the caller decodes the next batch, and the next call
# (or `finish_deferred`, which the worker calls whenever its queue is empty) reads their results before anything
# else touches the connection. The live push of a batch follows its commit. A batch whose writes fail there is
# rolled back and logged; the caches that assumed it are dropped; the next batch goes on.

_pending = threading.local()


def finish_deferred() -> bool:
    """Wait for the deferred commit of this thread's last batch, if any, and push it live. False if it failed."""
    pending = getattr(_pending, "commit", None)
    if pending is None:
        return True
    _pending.commit = None
    commit, push = pending
    try:
        commit.wait()
    except Exception:
        _drop_caches()
        _end_own_transaction(rollback=True)
        logger.exception("AIS batch lost: its writes failed at commit")
        return False
    _end_own_transaction(rollback=False)
    push()
    return True


def _end_own_transaction(*, rollback: bool) -> None:
    try:
        if rollback:
            connection.rollback()
        connection.set_autocommit(True)
    except Exception:  # a broken connection: the next batch opens a new one
        logger.exception("AIS pipeline: closing a broken database connection")
        connection.close()


def _drop_caches() -> None:
    _vessels["by_mmsi"] = {}  # the cached state may hold what was rolled back
    presence_cache.reset()


class _Batch(VesselSteps, WaterSteps):
    def __init__(self, result: PipelineResult, mmsis: set[int]) -> None:
        self.result = result
        self.now = timezone.now()
        self.by_mmsi: dict[int, dict[str, Any]] = {}
        self.events: list[VesselEvent] = []
        self.alerts: list[Alert] = []
        self._root_unit: int | None = None
        self._copying = False  # inside the fixes' COPY: no database access
        self._deferred: list[int] = []  # indexes in `alerts` of those waiting for the root unit
        self._events_written = 0  # the first events, written with the fixes' other writes
        self.live_rows: list[tuple[Any, ...]] = []  # (vessel state dict, latest PositionRecord) for the push
        self.writes = bulk_sql.Writes()  # the batch's last writes, run (and committed) by `_apply`
        cache = _vessel_cache()
        self.known = list(mmsis & cache.keys())  # cached vessels: their rows are checked at the start
        self.whole_presence = len(mmsis) > PRESENCE_SCAN_MIN
        start = _batch_start(self.known, cache, self.whole_presence)
        self.seq, self.area_version, self.section_version, self.tracking, self.stale, self.presence = start

    # positions ----------------------------------------------------------------------------------------------

    def apply_positions(
        self, positions: list[PositionRecord], statics: Sequence[StaticRecord] = (), columns: list[Any] | None = None
    ) -> None:
        """Every fix stored; then the batch's static data (`apply_statics`) and, on the fixes sorted by vessel and
        time, the latest fix per vessel, the section crossings and the area transitions. On PostgreSQL the fixes'
        COPY runs on the server while the client works out the rest (nothing in that window touches the database:
        an alert that needs the root unit gets it after); the writes follow. `columns`: those of `positions`, if
        already transposed."""
        n = len(positions)
        if columns is None:
            columns = list(zip(*positions, strict=True))
        mmsis, times = columns[:2]
        id_of = {m: v["id"] for m, v in self.by_mmsi.items()}
        vid = np.fromiter(map(id_of.__getitem__, mmsis), np.int64, n)
        stamp = {d: d.timestamp() for d in set(times)}  # few distinct times in a batch
        t = np.fromiter(map(stamp.__getitem__, times), np.float64, n)
        order = np.lexsort((t, vid))
        if n > 1:  # reorder the records and each column (itemgetter: a C loop)
            take = itemgetter(*order.tolist())
            positions = list(take(positions))
            columns = [take(col) for col in columns]
        vid, t = vid[order], t[order]
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
        present, present_by_area = {}, None
        if areas and self.presence is not None:
            present, present_by_area = self.presence.present(), self.presence.by_area()
        elif areas:
            present = _presence(by_id)

        self._copying = True
        with self._store_fixes(columns, vid):
            static_rows = self.apply_statics(statics) if statics else None
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
            presence_changes = self._areas(
                areas, present, positions, vid, lon, lat, first, last, by_id, present_by_area
            )  # fmt: skip
            # the writes' parameters, still while the server stores the fixes
            writes = self.writes
            self.write_statics(static_rows, writes)
            self._update_latest(*latest, writes=writes)
            writes.insert_objects(crossings)
            self.result.crossings += len(crossings)
            self._write_presence(*presence_changes, writes=writes)
            writes.insert_objects(self.events)
            self._events_written = len(self.events)
        self._copying = False
        self._resolve_deferred_alerts()
        self._dangerous_goods(positions, vid, t, by_id)

    # events and alerts --------------------------------------------------------------------------------------

    def _event(
        self,
        v: dict[str, Any],
        kind: str,
        time: dt.datetime,
        detail: str,
        lon: float | None = None,
        lat: float | None = None,
        area_id: int | None = None,
    ) -> None:
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

    def _alert(
        self,
        v: dict[str, Any],
        kind: str,
        time: dt.datetime,
        message: str,
        rec: Any = None,
        *,
        area: _AreaGeom | None = None,
    ) -> None:
        if area is not None:
            unit_id = area.unit_id
        elif self._root_unit is None and self._copying:  # no query during the fixes' COPY: resolved after it
            self._deferred.append(len(self.alerts))
            unit_id = None
        else:
            unit_id = self.root_unit_id()
            if unit_id is None:
                return
        self.alerts.append(
            Alert(
                kind=kind,
                vessel_id=v["id"],
                # None only until `_resolve_deferred_alerts` sets it, before the insert
                unit_id=unit_id,  # type: ignore[misc]
                time=time,
                message=message[:300],
                lon=getattr(rec, "lon", None),
                lat=getattr(rec, "lat", None),
                area_id=area.pk if area is not None else None,
                repeat_offender=bool(v.get("repeat_offender")),
                created_at=self.now,
            )
        )

    def _resolve_deferred_alerts(self) -> None:
        """The root unit of the alerts made during the fixes' COPY; without a root unit they are dropped."""
        if not self._deferred:
            return
        unit_id = self.root_unit_id()
        deferred, self._deferred = set(self._deferred), []
        if unit_id is None:
            self.alerts = [a for i, a in enumerate(self.alerts) if i not in deferred]
            return
        for i in deferred:
            self.alerts[i].unit_id = unit_id

    def root_unit_id(self) -> int | None:
        if self._root_unit is None:
            from teis.org.models import Unit

            self._root_unit = (
                Unit.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", flat=True).first()
            )
        return self._root_unit

    def push(self) -> None:
        """The batch to the live map (after its commit)."""
        _push_live(self.seq, self.live_rows, self.result.alert_ids)

    def flush(self) -> None:
        if self.events:
            if self.tracking:
                from .alerts import tracked_event_alerts

                self.alerts.extend(tracked_event_alerts(self.events, self.now))
            bulk_sql.insert_objects(self.events[self._events_written :])  # those not written with the fixes
            self.result.events += len(self.events)
        if self.alerts:
            from .risk import flag_records

            flag_records(self.alerts)
            if connection.features.can_return_rows_from_bulk_insert:
                created = Alert.objects.bulk_create(self.alerts)
            else:  # pragma: no cover - both supported backends return ids
                for a in self.alerts:
                    a.save()
                created = list(self.alerts)
            self.result.alerts += len(created)
            self.result.alert_ids.extend(a.pk for a in created)


def _batch_start(known: list[int], cache: dict[int, dict[str, Any]], whole_presence: bool) -> tuple[Any, ...]:
    """(live sequence value, area version, section version, whether any tracking task is active, the MMSIs among
    `known` whose cached state is stale, "who is inside the areas" as a `PresenceCache` when `whole_presence`): one
    statement on PostgreSQL (no round trip for the cache check or the presence). Elsewhere the stale MMSIs and the
    presence are None (`load_vessels` and `_presence` ask themselves) and tracking tasks are always looked at."""
    if bulk_sql.is_postgres():
        from teis.core.models import Sequence

        from ..models import AreaPresence, SectionLine, TrackingTask, Vessel, WaterArea

        a, s, pt = WaterArea._meta.db_table, SectionLine._meta.db_table, AreaPresence._meta.db_table
        entries = [cache[m] for m in known]
        n = len(known)
        stamps, _ = bulk_sql.microseconds([e["updated_at"] for e in entries])
        presence = presence_cache.bind() if whole_presence else None
        presence_sql = (
            f"(SELECT count(*) AS n, count(arrived_at) AS na, COALESCE(sum(id), 0)::int8 AS s FROM {pt}) AS c, "  # noqa: S608
            "(SELECT array_agg(id) AS i, array_agg(area_id) AS a, array_agg(vessel_id) AS v, "
            f"array_agg(arrived_at) AS t FROM {pt} WHERE id > %s) AS p"
            if presence is not None
            else "(SELECT NULL::int8 AS n, NULL::int8 AS na, NULL::int8 AS s) AS c, "
            "(SELECT NULL::int8[] AS i, NULL::int8[] AS a, NULL::int8[] AS v, NULL::timestamptz[] AS t) AS p"
        )
        result = bulk_sql.execute_binary(
            f"WITH seq AS (UPDATE {Sequence._meta.db_table} SET value = value + 1 WHERE name = %s "  # noqa: S608
            "RETURNING value) "
            f"SELECT (SELECT value FROM seq), (SELECT COUNT(*) FROM {a}), (SELECT MAX(updated_at) FROM {a}), "
            f"(SELECT COUNT(*) FROM {s}), (SELECT MAX(updated_at) FROM {s}), "
            f"EXISTS (SELECT 1 FROM {TrackingTask._meta.db_table} WHERE is_active), "
            "(SELECT array_agg(c.mmsi) FROM unnest(%b::int8[], %b::int8[], %b::timestamptz[]) AS c(mmsi, id, ts) "
            f"LEFT JOIN {Vessel._meta.db_table} v ON v.mmsi = c.mmsi "
            "WHERE v.id IS DISTINCT FROM c.id OR v.updated_at IS DISTINCT FROM c.ts), "
            f"c.n, c.na, c.s, p.i, p.a, p.v, p.t FROM {presence_sql}",
            [
                LIVE_SEQUENCE,
                bulk_sql.binary_array(bulk_sql.BinColumn("int8", np.array(known, dtype=np.int64)), n),
                bulk_sql.binary_array(bulk_sql.BinColumn("int8", np.array([e["id"] for e in entries], np.int64)), n),
                bulk_sql.binary_array(bulk_sql.BinColumn("timestamptz", stamps), n),
                *([presence.max_id] if presence is not None else []),
            ],
            fetch=True,
            binary=True,
        )
        assert result is not None  # fetch=True
        seq, na, ma, ns, ms, tracking, stale, p_count, p_arrived, p_sum, *added = result[0]
        if seq is None:  # the sequence's first use creates its row
            seq = live_push.next_cursor(LIVE_SEQUENCE)
        if presence is not None:
            if added[0]:
                presence.merge(*added)
            if not presence.matches(p_count, p_arrived, p_sum):
                reload_presence(presence)
        return seq, (na, ma), (ns, ms), tracking, stale or [], presence
    seq = live_push.next_cursor(LIVE_SEQUENCE)
    area_version, section_version = _versions()
    return seq, area_version, section_version, True, None, None


def _timestamps(values: list[Any]) -> np.ndarray:
    """Datetimes (or None) → POSIX seconds (nan for None)."""
    stamp = {d: d.timestamp() for d in set(values) if d is not None}
    stamp[None] = np.nan
    return np.fromiter(map(stamp.__getitem__, values), np.float64, len(values))


def _push_live(seq: int, live_rows: list[tuple[Any, ...]], alert_ids: list[int]) -> None:
    from .live import has_listeners, push_delta

    try:
        if has_listeners():
            push_delta(seq, live_rows, alert_ids)
    except Exception:  # the page also polls; a failed push must not break the ingest
        logger.exception("maritime live push failed")
