"""The AIS pipeline: decoded records → vessel state, stored fixes, area / section / zone checks, alerts, live push.

`process_records(records)` is synchronous and takes one batch in one transaction. It is built for throughput
(the listener hands it thousands of records at a time): vessels are fetched and created per batch, fixes are
written with one COPY, the latest fix per vessel with one UPDATE, and the geometry runs on numpy arrays
(shapely 2 for polygons). Only the rare outcomes — an area entered, a section crossed, a name changed — are
handled row by row. Telemetry is not audited row by row (ARCHITECTURE.md rule 5); alerts and events are rows.

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
from .waters import WaterSteps, _versions

logger = logging.getLogger(__name__)

MAX_GAP_S = 3600  # consecutive fixes further apart than this are not joined into a move
MAX_SPEED_KN = 60  # a move faster than this is a bad fix, not a crossing


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
    positions: list[PositionRecord] = []
    statics: list[StaticRecord] = []
    for rec in records:
        if isinstance(rec, PositionRecord):
            if valid_position(rec):
                positions.append(rec)
            else:
                result.skipped += 1
        elif isinstance(rec, StaticRecord) and 0 < rec.mmsi <= 999_999_999:
            statics.append(rec)
        else:
            result.skipped += 1
    if not positions and not statics:
        return result
    try:
        _apply(result, positions, statics)
    except BaseException:
        _vessels["by_mmsi"] = {}  # the cached state may hold what was rolled back
        raise
    return result


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
        self.seq = bulk_sql.next_sequence_value("maritime.live")
        self.area_version, self.section_version = _versions()

    # positions ----------------------------------------------------------------------------------------------

    def apply_positions(self, positions: list[PositionRecord]) -> None:
        n = len(positions)
        vid = np.fromiter((self.by_mmsi[r.mmsi]["id"] for r in positions), dtype=np.int64, count=n)
        t = np.fromiter((r.time.timestamp() for r in positions), dtype=np.float64, count=n)
        order = np.lexsort((t, vid))
        positions = [positions[i] for i in order]
        vid, t = vid[order], t[order]
        lon = np.fromiter((r.lon for r in positions), dtype=np.float64, count=n)
        lat = np.fromiter((r.lat for r in positions), dtype=np.float64, count=n)
        self._store_fixes(positions, vid)
        self.result.positions += n

        first = np.ones(n, dtype=bool)
        first[1:] = vid[1:] != vid[:-1]
        last = np.ones(n, dtype=bool)
        last[:-1] = vid[1:] != vid[:-1]
        # the previous fix of each fix: within the batch, or the vessel's cached latest fix before the batch
        plon, plat, pt = np.roll(lon, 1), np.roll(lat, 1), np.roll(t, 1)
        by_id = {v["id"]: v for v in self.by_mmsi.values()}
        for i in np.nonzero(first)[0]:
            v = by_id[int(vid[i])]
            if v["last_time"] is not None and v["last_lon"] is not None:
                plon[i], plat[i], pt[i] = v["last_lon"], v["last_lat"], v["last_time"].timestamp()
            else:
                plon[i] = plat[i] = pt[i] = np.nan
        self._update_latest(positions, vid, last, by_id)

        dtime = t - pt
        with np.errstate(invalid="ignore"):
            dist_nm = np.hypot((lon - plon) * np.cos(np.radians(lat)), lat - plat) * 60.0
            moves = (dtime > 0) & (dtime <= MAX_GAP_S) & (dist_nm <= MAX_SPEED_KN * dtime / 3600.0 + 0.05)
        self._sections(positions, vid, lon, lat, plon, plat, t, pt, moves, by_id)
        self._areas(positions, vid, lon, lat, first, last, by_id)
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
            from .alerts import tracked_event_alerts

            self.alerts.extend(tracked_event_alerts(self.events, self.now))
            VesselEvent.objects.bulk_create(self.events, batch_size=bulk_sql.CHUNK)
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


def _push_live(seq: int, live_rows: list[tuple], alert_ids: list[int]) -> None:
    from .live import has_listeners, push_delta

    try:
        if has_listeners():
            push_delta(seq, live_rows, alert_ids)
    except Exception:  # the page also polls; a failed push must not break the ingest
        logger.exception("maritime live push failed")
