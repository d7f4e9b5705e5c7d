"""The position pipeline: every producer (JT/T 808 gateway, officers' phones, OsmAnd/Traccar HTTP) hands a batch
of `Fix` objects to `ingest_fixes`.

`ingest_fixes` is synchronous and one transaction: it resolves devices to vehicles (unknown devices are counted
and skipped), filters invalid fixes and jumps by the rules in `conf`, stores the rest set-based (PostgreSQL
COPY, SQLite one `executemany`; no model instance per fix), checks the new fixes against the geofences
(vectorised with shapely 2, fences cached in memory with a version stamp), debounces enter / exit by a dwell
time measured in fix time, raises and ends alarms, updates the latest fix per vehicle with one upsert
(`INSERT … ON CONFLICT (vehicle_id) DO UPDATE`, from `unnest` of column arrays on PostgreSQL) and, after
commit, tells the live map (Channels group "dispatch-live"; the page also polls the delta endpoint, for
deployments whose channel layer does not cross processes).

Late and out-of-order fixes (older than the vehicle's latest fix) are stored in time order for the track but
never evaluated against fences or duty, so they cannot produce false enter / exit events.

Nothing a producer was told is stored is dropped: a fix that breaks a validity rule it can be stored with
(older than `MAX_AGE_DAYS`, outside the service bounding box, without a GNSS fix, in the future, too fast, a
jump, or flagged by its producer, e.g. a JT/T 808 report without a valid time) is stored with a `FixFlag` and,
like a late fix, never evaluated, never the latest fix, not drawn in tracks. Only what cannot be a row at all
(no vehicle for the device, coordinates or speed that are not numbers, no time) is refused and counted.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import abc, defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import shapely
from django.db import connection, models, transaction
from django.utils import timezone

from teis.core.codes import next_value
from teis.core.geo import EARTH_RADIUS_M, haversine_m
from teis.core.models import Sequence
from teis.core.telemetry import live as live_push
from teis.core.telemetry.bulk_sql import adapt as _adapt
from teis.core.telemetry.bulk_sql import columns_sql as _columns
from teis.core.telemetry.bulk_sql import insert as _insert
from teis.core.telemetry.bulk_sql import stage
from teis.core.telemetry.bulk_sql import table_sql as _table
from teis.core.telemetry.bulk_sql import upsert as _upsert

from .. import conf
from ..choices import AlarmKind
from ..fixes import Fix
from ..models import FixRecord, LatestFix, ZoneState, device_key
from . import alarms as alarm_services
from . import directory
from .alarms import AlarmBatch
from .directory import VehicleInfo

logger = logging.getLogger(__name__)

LIVE_GROUP = "dispatch-live"
LIVE_SEQUENCE = "dispatch.live"
AREA_ZONE = "area"
POSITIONED_BIT = 0b10  # JT/T 808 table 25, bit 1: 定位
SOS_BIT = 0b1  # JT/T 808 table 24, bit 0: 紧急报警
_M_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


@dataclass
class IngestResult:
    stored: int = 0  # rows handed to the database (resent duplicates of stored fixes are dropped by it)
    unknown_device: int = 0
    invalid: int = 0  # refused by the validity rules or as a jump
    late: int = 0  # older than the vehicle's latest fix: stored, not evaluated
    alarms_raised: int = 0
    alarms_ended: int = 0
    cursor: int = 0  # the live cursor this batch stamped on what it changed (0: nothing changed)
    invalid_reasons: dict[str, int] = field(default_factory=dict)
    invalid_time: int = 0  # raw JT/T 808 reports without a valid time (set by the gateway's sink, never stored)
    flagged: int = 0  # stored with a FixFlag (counted in `stored` too): never evaluated, never the latest fix
    flagged_reasons: dict[str, int] = field(default_factory=dict)


class Rules:
    """The filtering and alarm settings, read once per batch (`conf.get` per fix costs more than the rest)."""

    __slots__ = (
        "min_lon", "max_lon", "min_lat", "max_lat", "future", "too_old", "max_speed", "jump_min_m",
        "dwell_s", "moving_kmh", "unregistered",
    )  # fmt: skip

    def __init__(self, now: dt.datetime) -> None:
        g = conf.get
        self.min_lon, self.max_lon = g("TEIS_DISPATCH_MIN_LON"), g("TEIS_DISPATCH_MAX_LON")
        self.min_lat, self.max_lat = g("TEIS_DISPATCH_MIN_LAT"), g("TEIS_DISPATCH_MAX_LAT")
        self.future = now + dt.timedelta(seconds=g("TEIS_DISPATCH_FUTURE_TOLERANCE_S"))
        self.too_old = now - dt.timedelta(days=g("TEIS_DISPATCH_MAX_AGE_DAYS"))
        self.max_speed: float = g("TEIS_DISPATCH_MAX_SPEED_KMH")
        self.jump_min_m: float = g("TEIS_DISPATCH_JUMP_MIN_M")
        self.dwell_s = g("TEIS_DISPATCH_DWELL_S")
        self.moving_kmh = g("TEIS_DISPATCH_MOVING_KMH")
        self.unregistered = dt.timedelta(seconds=g("TEIS_DISPATCH_UNREGISTERED_S"))


def check_fix(fix: Fix, now: dt.datetime, rules: Rules | None = None) -> str:
    """'' when the fix may be stored, else the rule it breaks (counted per rule)."""
    r = rules or Rules(now)
    lon, lat = fix.lon, fix.lat
    if not (isinstance(lon, float | int) and isinstance(lat, float | int)) or not (
        math.isfinite(lon) and math.isfinite(lat)
    ):
        return "coordinates"
    if not (r.min_lon <= lon <= r.max_lon) or not (r.min_lat <= lat <= r.max_lat):
        return "out_of_bounds"
    t = fix.time
    if t is None or t.tzinfo is None or t.utcoffset() is None:
        return "time"
    if t > r.future:
        return "future"
    if t < r.too_old:
        return "too_old"
    if fix.source == "jt808" and not fix.status_bits & POSITIONED_BIT:
        return "not_positioned"
    speed = fix.speed_kmh
    if not isinstance(speed, float | int) or not math.isfinite(speed):
        return "speed_value"
    if speed < 0 or speed > r.max_speed:
        return "speed"
    return ""


# `check_fix` reasons under which the fix is stored flagged (the others cannot be a row: refused and counted)
FLAG_FOR = {
    "out_of_bounds": "out_of_region",
    "too_old": "too_old",
    "not_positioned": "no_fix",
    "future": "future",
    "speed": "speed",
}


def is_jump(prev_time: dt.datetime, prev_lon: float, prev_lat: float, fix: Fix, rules: Rules | None = None) -> bool:
    """A move from the previous accepted fix that no vehicle could drive (distance over time above the
    maximum speed), ignoring short moves that are GPS noise."""
    r = rules or Rules(timezone.now())
    # an upper bound first (along the meridian, then along a parallel: at most R·(|Δφ| + |Δλ|)): the moves between
    # consecutive fixes are mostly far below the minimum, and then the great circle is not needed
    if (abs(fix.lat - prev_lat) + abs(fix.lon - prev_lon)) * _M_PER_DEGREE < r.jump_min_m * 0.999:
        return False
    distance = haversine_m(prev_lon, prev_lat, fix.lon, fix.lat)
    if distance < r.jump_min_m:
        return False
    seconds = (fix.time - prev_time).total_seconds()
    if seconds <= 0:
        return True
    return distance / seconds * 3.6 > r.max_speed


def _count(result: IngestResult, reason: str) -> None:
    result.invalid += 1
    result.invalid_reasons[reason] = result.invalid_reasons.get(reason, 0) + 1


def _flag(result: IngestResult, flag: str) -> None:
    result.flagged += 1
    result.flagged_reasons[flag] = result.flagged_reasons.get(flag, 0) + 1


def _row(vid: int, fix: Fix, now: dt.datetime, flag: str = "") -> tuple[Any, ...]:
    """A fix row in FIX_COLUMNS order."""
    return (vid, fix.time, fix.lon, fix.lat, fix.speed_kmh, fix.heading % 360, fix.altitude_m, fix.alarm_bits,
            fix.status_bits, fix.mileage_km, fix.source, now, flag)  # fmt: skip


# (time, lon, lat, alarm_bits, moving_since) of the vehicle's latest fix, as read at the start of the batch (a row
# of the database driver: a list or a tuple)
_Latest = abc.Sequence[Any]


def ingest_fixes(fixes: list[Fix]) -> IngestResult:
    """Store a batch of fixes and run the live checks. One transaction; see the module docstring."""
    result = IngestResult()
    if not fixes:
        return result
    now = timezone.now()
    rules = Rules(now)
    d = directory.current()
    vehicles = d.vehicles
    by_vehicle: dict[int, list[Fix]] = defaultdict(list)
    infos: dict[int, VehicleInfo] = {}
    flagged_rows: list[tuple[Any, ...]] = []  # stored with ON CONFLICT DO NOTHING, never evaluated
    for fix in fixes:
        info = vehicles.get(device_key(fix.device_id))
        if info is None:
            result.unknown_device += 1
            continue
        reason = check_fix(fix, now, rules)
        if reason and reason not in FLAG_FOR:  # cannot be a row (no time, coordinates or speed not numbers)
            _count(result, reason)
            continue
        flag = fix.flag or FLAG_FOR.get(reason, "")
        if flag:
            _flag(result, flag)
            flagged_rows.append(_row(info.id, fix, now, flag))
            continue
        by_vehicle[info.id].append(fix)
        infos[info.id] = info
    if not by_vehicle and not flagged_rows:
        return result
    if connection.vendor == "postgresql":
        try:
            return _ingest_postgresql(result, d, by_vehicle, infos, now, rules, flagged_rows, copy=True)
        except _CopyCollision:
            logger.info("fix rows collided with stored ones; the batch is stored one conflict at a time")
            return _ingest_postgresql(result, d, by_vehicle, infos, now, rules, flagged_rows, copy=False)
    with transaction.atomic():
        result.cursor = live_push.next_cursor(LIVE_SEQUENCE)  # also serialises batches, so cursors commit in order
        latest: dict[int, _Latest] = {
            vid: rest
            for vid, *rest in LatestFix.objects.filter(vehicle_id__in=list(by_vehicle)).values_list(
                "vehicle_id", "time", "lon", "lat", "alarm_bits", "moving_since"
            )
        }
        fresh_rows, late_rows, fresh, jumps = _classify(result, by_vehicle, latest, now, rules)
        late_rows += flagged_rows
        _insert(FixRecord, FIX_COLUMNS, _adapt(fresh_rows + late_rows, FIX_DATETIMES), FIX_CONFLICT)
        result.stored = len(fresh_rows) + len(late_rows)
        tracker = alarm_services.AlarmBatch(result.cursor)
        _jump_alarms(tracker, jumps, infos)
        if fresh:
            states = _zone_states(fresh)
            zone_rows = _evaluate_zones(d, fresh, infos, tracker, rules, states)
            _upsert(ZoneState, ZONE_COLUMNS, _adapt(zone_rows, ZONE_DATETIMES), ("vehicle_id", "zone"))
            with connection.cursor() as cursor:
                cursor.execute(duty_stamp_sql())
                duty = _DutyView(d, tuple(cursor.fetchone()))
            latest_rows = _update_latest(fresh, latest, infos, tracker, now, result.cursor, rules, duty)
            transaction.on_commit(duty.remember)
            _upsert(LatestFix, LATEST_COLUMNS, _adapt(latest_rows, LATEST_DATETIMES), ("vehicle_id",))
        tracker.flush()
        result.alarms_raised, result.alarms_ended = tracker.raised, tracker.ended
        transaction.on_commit(partial(push_live, result.cursor))
    return result


class _CopyCollision(Exception):
    """COPY met a stored (vehicle, time): the transaction is rolled back and the batch taken the slow way."""


def _ingest_postgresql(
    result: IngestResult,
    d: directory.Directory,
    by_vehicle: dict[int, list[Fix]],
    infos: dict[int, VehicleInfo],
    now: dt.datetime,
    rules: Rules,
    flagged_rows: list[tuple[Any, ...]],
    *,
    copy: bool,
) -> IngestResult:
    """The same steps on PostgreSQL with few round trips (each one costs a wake-up of the database backend and
    of this process, which on a loaded machine is most of a batch's time):
    1. one pipeline: the live cursor (`UPDATE … RETURNING`, which also serialises batches), the vehicles' latest
       fixes and zone states;
    2. COPY of the fix rows after each vehicle's latest fix (no stored row can collide with them; should one
       collide all the same, the whole batch is rolled back and stored with ON CONFLICT DO NOTHING instead);
    3. one pipeline: the late rows (ON CONFLICT DO NOTHING), the zone states and the latest fixes (one
       `INSERT … SELECT FROM unnest(…) ON CONFLICT DO UPDATE` each, or from a staging table filled by COPY when
       there are many rows, see `_stage`); then the alarms, if any, and COMMIT."""
    import psycopg

    vids = list(by_vehicle)
    result = IngestResult(
        result.stored,
        result.unknown_device,
        result.invalid,
        0,
        0,
        0,
        0,
        dict(result.invalid_reasons),
        flagged=result.flagged,
        flagged_reasons=dict(result.flagged_reasons),
    )  # fmt: skip (a retry starts from the filtered counts)
    with transaction.atomic():
        connection.ensure_connection()
        pg = connection.connection
        seq_table = connection.ops.quote_name(Sequence._meta.db_table)
        # one cursor per statement, fetched after the pipeline; plain psycopg cursors: binary results use the C
        # loaders (Django's connection binds on the client, whose cursors cannot)
        seq, lat, duty_stamp, zst = (psycopg.Cursor(pg) for _ in range(4))
        with pg.pipeline():
            seq.execute(f"UPDATE {seq_table} SET value = value + 1 WHERE name = %s RETURNING value",  # noqa: S608
                             [LIVE_SEQUENCE])  # fmt: skip
            lat.execute(
                f"SELECT {_columns(('vehicle_id', *LATEST_READ))} FROM {_table(LatestFix)} "  # noqa: S608
                "WHERE vehicle_id = ANY(%s)",
                [vids],
                binary=True,
            )
            duty_stamp.execute(duty_stamp_sql())
            zst.execute(
                f"SELECT {_columns(ZONE_COLUMNS)} FROM {_table(ZoneState)} WHERE vehicle_id = ANY(%s)",  # noqa: S608
                [vids],
                binary=True,
            )
        row = seq.fetchone()
        result.cursor = row[0] if row else next_value(LIVE_SEQUENCE)  # the first batch ever creates the row
        latest: dict[int, _Latest] = {vid: rest for vid, *rest in lat.fetchall()}
        states = {(r[0], r[1]): _State(*r) for r in zst.fetchall()}
        fresh_rows, late_rows, fresh, jumps = _classify(result, by_vehicle, latest, now, rules)
        late_rows += flagged_rows
        if not copy:
            late_rows, fresh_rows = fresh_rows + late_rows, []
        if fresh_rows:
            try:
                with (
                    psycopg.Cursor(pg) as cur,
                    cur.copy(f"COPY {_table(FixRecord)} ({_columns(FIX_COLUMNS)}) FROM STDIN") as cp,
                ):
                    for r in fresh_rows:
                        cp.write_row(r)
            except psycopg.errors.UniqueViolation as exc:
                raise _CopyCollision from exc
        result.stored = len(fresh_rows) + len(late_rows)
        tracker = alarm_services.AlarmBatch(result.cursor)
        _jump_alarms(tracker, jumps, infos)
        zone_rows, latest_rows = [], []
        if fresh:
            zone_rows = _evaluate_zones(d, fresh, infos, tracker, rules, states)
            stamp_row = duty_stamp.fetchone()
            duty = _DutyView(d, tuple(stamp_row) if stamp_row is not None else None)
            latest_rows = _update_latest(fresh, latest, infos, tracker, now, result.cursor, rules, duty)
            transaction.on_commit(duty.remember)
        # many rows go to the upserts through COPY into session temp tables (C row formatting; binary arrays are
        # dumped element by element in Python, which cost more than the rest of the batch), few as arrays
        zone_staged = _stage(pg, ZoneState, ZONE_COLUMNS, zone_rows)
        latest_staged = _stage(pg, LatestFix, LATEST_COLUMNS, latest_rows)
        with psycopg.Cursor(pg) as cursor, pg.pipeline():
            _insert(FixRecord, FIX_COLUMNS, late_rows, FIX_CONFLICT, cursor)
            _upsert(ZoneState, ZONE_COLUMNS, zone_rows, ("vehicle_id", "zone"), cursor, staged=zone_staged)
            _upsert(LatestFix, LATEST_COLUMNS, latest_rows, ("vehicle_id",), cursor, staged=latest_staged)
        tracker.flush()
        result.alarms_raised, result.alarms_ended = tracker.raised, tracker.ended
        transaction.on_commit(partial(push_live, result.cursor))
    return result


def _classify(
    result: IngestResult, by_vehicle: dict[int, list[Fix]], latest: dict[int, _Latest], now: dt.datetime, rules: Rules
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[int, list[Fix]], list[tuple[int, Fix]]]:
    """Per vehicle, in time order: duplicates in the batch dropped, fixes at or before the latest stored one kept
    as late rows (stored, never evaluated), jumps refused; the rest are the fresh rows and fixes."""
    fresh_rows: list[tuple[Any, ...]] = []  # after the vehicle's latest fix: cannot collide with a stored row
    late_rows: list[tuple[Any, ...]] = []  # at or before it: may be a resent duplicate of a stored row
    fresh: dict[int, list[Fix]] = {}  # per vehicle: the new fixes (after the latest), in time order
    jumps: list[tuple[int, Fix]] = []
    for vid, vfixes in by_vehicle.items():
        if len(vfixes) > 1:
            vfixes.sort(key=_fix_time)
        lf = latest.get(vid)
        lf_time = lf[0] if lf else None
        prev: tuple[dt.datetime, float, float] | None = (lf[0], lf[1], lf[2]) if lf else None
        last_time = None
        new: list[Fix] = []
        for fix in vfixes:
            t = fix.time
            if t == last_time:  # sorted: duplicates are neighbours
                _count(result, "duplicate")
                continue
            last_time = t
            row = _row(vid, fix, now)
            if lf_time is not None and t <= lf_time:
                result.late += 1
                late_rows.append(row)
                continue
            if prev is not None and is_jump(*prev, fix, rules):
                _flag(result, "jump")  # stored flagged, never the latest fix
                late_rows.append(_row(vid, fix, now, "jump"))
                jumps.append((vid, fix))
                continue
            new.append(fix)
            prev = (t, fix.lon, fix.lat)
            fresh_rows.append(row)
        if new:
            fresh[vid] = new
    return fresh_rows, late_rows, fresh, jumps


def _jump_alarms(tracker: AlarmBatch, jumps: list[tuple[int, Fix]], infos: dict[int, VehicleInfo]) -> None:
    for vid, fix in jumps:
        tracker.instant(
            vid,
            infos[vid].unit_id,
            AlarmKind.POSITION_JUMP,
            fix.time,
            fix.lon,
            fix.lat,
            f"{infos[vid].plate} 定位跳变：上报位置不可能在该时间内到达",
            dedupe_minutes=10,
        )


def _fix_time(fix: Fix) -> dt.datetime:
    return fix.time


# --- set-based writes ------------------------------------------------------------------------------------

FIX_COLUMNS = (
    "vehicle_id", "time", "lon", "lat", "speed_kmh", "heading", "altitude_m", "alarm_bits", "status_bits",
    "mileage_km", "source", "received_at", "flag",
)  # fmt: skip
FIX_DATETIMES = (1, 11)
LATEST_COLUMNS = (
    "vehicle_id", "time", "lon", "lat", "speed_kmh", "heading", "status_bits", "alarm_bits", "mileage_km",
    "source", "moving_since", "seq",
)  # fmt: skip
LATEST_DATETIMES = (1, 10)
ZONE_COLUMNS = (
    "vehicle_id", "zone", "inside", "pending_inside", "pending_since", "pending_lon", "pending_lat", "last_time",
)  # fmt: skip
ZONE_DATETIMES = (4, 7)
ZONE_TOUCH = dt.timedelta(minutes=10)
LATEST_READ = ("time", "lon", "lat", "alarm_bits", "moving_since")  # `_Latest`
FIX_CONFLICT = 'ON CONFLICT ("vehicle_id", "time") DO NOTHING'


STAGE_MIN_ROWS = 32  # from this many rows an upsert reads a staging table filled by COPY (core `bulk_sql.stage`)


def _stage(pg: Any, model: type[models.Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str | None:
    return stage(pg, model, columns, rows, STAGE_MIN_ROWS)


def _zone_states(fresh: dict[int, list[Fix]]) -> dict[tuple[int, str], _State]:
    return {
        (row[0], row[1]): _State(*row)
        for row in ZoneState.objects.filter(vehicle_id__in=list(fresh)).values_list(*ZONE_COLUMNS)
    }


# --- geofences -----------------------------------------------------------------------------------------


class _State:
    """A ZoneState row while the batch works on it (a model instance per vehicle and zone costs more)."""

    __slots__ = ("vehicle_id", "zone", "inside", "pending_inside", "pending_since", "pending_lon", "pending_lat",
                 "last_time")  # fmt: skip

    def __init__(self, vehicle_id: int, zone: str, inside: bool | None = None, pending_inside: bool | None = None,
                 pending_since: dt.datetime | None = None, pending_lon: float | None = None,
                 pending_lat: float | None = None, last_time: dt.datetime | None = None) -> None:  # fmt: skip
        self.vehicle_id, self.zone, self.inside = vehicle_id, zone, inside
        self.pending_inside, self.pending_since = pending_inside, pending_since
        self.pending_lon, self.pending_lat, self.last_time = pending_lon, pending_lat, last_time

    def row(self) -> tuple[Any, ...]:
        return (self.vehicle_id, self.zone, self.inside, self.pending_inside, self.pending_since, self.pending_lon,
                self.pending_lat, self.last_time)  # fmt: skip


def _evaluate_zones(
    d: directory.Directory,
    fresh: dict[int, list[Fix]],
    infos: dict[int, VehicleInfo],
    tracker: AlarmBatch,
    rules: Rules,
    states: dict[tuple[int, str], _State],
) -> list[tuple[Any, ...]]:
    """Vectorised inside tests of every new fix against its vehicle's patrol area and the restricted fences
    that apply to it, then the dwell debounce per vehicle and zone, walking the fixes in time order (only
    where the batch may change something: a vehicle that stays on its confirmed side just moves on). `states`:
    the stored ZoneState rows of these vehicles by (vehicle, zone); returns the rows to upsert."""
    vids = list(fresh)
    counts = np.fromiter((len(fresh[vid]) for vid in vids), dtype=np.int64, count=len(vids))
    owner = np.repeat(np.arange(len(vids)), counts)
    flat = [f for vid in vids for f in fresh[vid]]
    xs = np.fromiter((f.lon for f in flat), dtype=np.float64, count=len(flat))
    ys = np.fromiter((f.lat for f in flat), dtype=np.float64, count=len(flat))
    inside: dict[str, np.ndarray] = {}
    applies: dict[str, np.ndarray] = {}
    area_inside = np.zeros(len(flat), dtype=bool)
    area_known = np.zeros(len(flat), dtype=bool)
    unit_of = np.fromiter((infos[vid].unit_id for vid in vids), dtype=np.int64, count=len(vids))[owner]
    for unit_id in np.unique(unit_of).tolist():
        area = d.areas.get(unit_id)
        if area is None:
            continue
        mask = unit_of == unit_id
        area_known |= mask
        area_inside[mask] = shapely.contains_xy(area, xs[mask], ys[mask])
    inside[AREA_ZONE], applies[AREA_ZONE] = area_inside, area_known
    fence_meta: dict[str, tuple[int, int | None, str]] = {}
    for fence_id, path, geom, dwell, name in d.restricted:
        under = np.fromiter((infos[vid].unit_path.startswith(path) for vid in vids), dtype=bool, count=len(vids))
        if not under.any():
            continue
        mask = under[owner]
        zone = f"fence:{fence_id}"
        res = np.zeros(len(flat), dtype=bool)
        res[mask] = shapely.contains_xy(geom, xs[mask], ys[mask])
        inside[zone], applies[zone] = res, mask
        fence_meta[zone] = (fence_id, dwell, name)
    if not any(a.any() for a in applies.values()):
        return []
    offsets = np.concatenate([[0], np.cumsum(counts)]).tolist()
    changed: list[tuple[Any, ...]] = []
    for zone, mask in applies.items():
        zone_fence_id, fence_dwell, name = fence_meta.get(zone, (None, None, ""))
        zone_dwell = dt.timedelta(seconds=fence_dwell if fence_dwell is not None else rules.dwell_s)
        zone_inside = inside[zone]
        # per vehicle: does the zone apply, are all its fixes inside, all outside
        applied = np.add.reduceat(mask.astype(np.int64), offsets[:-1]) > 0
        n_in = np.add.reduceat(zone_inside.astype(np.int64), offsets[:-1])
        all_in, all_out = (n_in == counts).tolist(), (n_in == 0).tolist()
        for i in np.flatnonzero(applied).tolist():
            vid = vids[i]
            lo, hi = offsets[i], offsets[i + 1]
            state = states.get((vid, zone))
            if state is None:
                state = _State(vid, zone)
            elif (
                state.inside is not None and state.pending_since is None and (all_in[i] if state.inside else all_out[i])
            ):
                # stays on its confirmed side: nothing to debounce; `last_time` only serves the retention purge
                # (late fixes are told by the latest fix), so it is refreshed at most every ZONE_TOUCH
                if state.last_time is None or flat[hi - 1].time - state.last_time >= ZONE_TOUCH:
                    state.last_time = flat[hi - 1].time
                    changed.append(state.row())
                continue
            for k in range(lo, hi):
                _debounce(
                    state, flat[k], bool(zone_inside[k]), zone_dwell, zone, zone_fence_id, name, infos[vid], tracker
                )
            changed.append(state.row())
    return changed


def _debounce(
    state: _State,
    fix: Fix,
    now_inside: bool,
    dwell: dt.timedelta,
    zone: str,
    fence_id: int | None,
    name: str,
    info: VehicleInfo,
    tracker: AlarmBatch,
) -> None:
    """One fix against one zone. The first fix ever sets the state without an event; a change counts once
    the fixes stayed on the new side for `dwell` (fix time), dated from the first fix on that side."""
    state.last_time = fix.time
    if state.inside is None:
        state.inside = now_inside
        if zone == AREA_ZONE and not now_inside or zone != AREA_ZONE and now_inside:
            state.pending_inside, state.pending_since = now_inside, fix.time  # confirm after the dwell too
            state.pending_lon, state.pending_lat = fix.lon, fix.lat
            state.inside = not now_inside
        return
    if now_inside == state.inside:
        state.pending_inside = state.pending_since = state.pending_lon = state.pending_lat = None
        return
    if state.pending_inside != now_inside or state.pending_since is None:
        state.pending_inside, state.pending_since = now_inside, fix.time
        state.pending_lon, state.pending_lat = fix.lon, fix.lat
    if fix.time - state.pending_since < dwell:
        return
    state.inside = now_inside
    since, lon, lat = state.pending_since, state.pending_lon, state.pending_lat
    state.pending_inside = state.pending_since = state.pending_lon = state.pending_lat = None
    if zone == AREA_ZONE:
        if not now_inside:
            tracker.open(info.id, info.unit_id, AlarmKind.OUT_OF_AREA, since, lon, lat, f"{info.plate} 驶出执法区域")
        else:
            tracker.close(info.id, AlarmKind.OUT_OF_AREA, since)
    elif now_inside:
        tracker.open(
            info.id,
            info.unit_id,
            AlarmKind.RESTRICTED_AREA,
            since,
            lon,
            lat,
            f"{info.plate} 驶入禁入区域「{name}」",
            fence_id=fence_id,
        )
    else:
        tracker.close(info.id, AlarmKind.RESTRICTED_AREA, since, fence_id=fence_id)


# --- latest fix, duty checks -----------------------------------------------------------------------------


def _update_latest(
    fresh: dict[int, list[Fix]],
    latest: dict[int, _Latest],
    infos: dict[int, VehicleInfo],
    tracker: AlarmBatch,
    now: dt.datetime,
    cursor: int,
    rules: Rules,
    duty: _DutyView,
) -> list[tuple[Any, ...]]:
    """The batch's LatestFix rows (returned, to upsert), SOS and 未登录行驶 alarms."""
    moving_kmh, unregistered = rules.moving_kmh, rules.unregistered
    rows = []
    long_moving = []
    for vid, vfixes in fresh.items():
        last = vfixes[-1]
        prev = latest.get(vid)
        moving_since = prev[4] if prev else None
        for f in vfixes:
            moving_since = (moving_since or f.time) if f.speed_kmh >= moving_kmh else None
        rows.append(
            (vid, last.time, last.lon, last.lat, last.speed_kmh, last.heading % 360, last.status_bits,
             last.alarm_bits, last.mileage_km, last.source, moving_since, cursor)
        )  # fmt: skip
        if moving_since is not None and last.time - moving_since >= unregistered:
            long_moving.append(vid)
        if last.alarm_bits & SOS_BIT:
            tracker.open(
                vid,
                infos[vid].unit_id,
                AlarmKind.TERMINAL_ALARM,
                last.time,
                last.lon,
                last.lat,
                f"{infos[vid].plate} 终端紧急报警",
            )
        elif prev is not None and prev[3] & SOS_BIT:
            tracker.close(vid, AlarmKind.TERMINAL_ALARM, last.time)
    if long_moving:
        cleared = duty.cleared(long_moving, now)
        for vid in long_moving:
            last = fresh[vid][-1]
            if not duty.changed(vid, vid in cleared):
                continue  # decided the same way moments ago: the alarm is already open (or ended)
            if vid in cleared:
                tracker.close(vid, AlarmKind.UNREGISTERED_DRIVING, last.time)
            else:
                tracker.open(
                    vid,
                    infos[vid].unit_id,
                    AlarmKind.UNREGISTERED_DRIVING,
                    last.time,
                    last.lon,
                    last.lat,
                    f"{infos[vid].plate} 未登录行驶：无勤务任务或无人员签到",
                )
    return rows


# --- 未登录行驶: who may drive, remembered between batches ------------------------------------------------------

DUTY_CACHE_S = 10.0  # a vehicle's clearance is re-read at least this often, and whenever the duty stamp changes
DECISION_KEEP_S = 60.0  # the same 未登录行驶 decision for a vehicle is not re-sent to the alarms within this


def duty_stamp_sql() -> str:
    """One query (also run inside the batch's first pipeline) whose result changes whenever anything that
    `vehicles_cleared_to_drive` reads changes: sign-ins, non-duty use, plans and tasks and their officers and
    vehicles (row counts, latest change, latest id of the link tables)."""
    from ..models import DutyPlan, DutyTask, NonDutyUse, SignIn

    parts = []
    for model in (SignIn, NonDutyUse, DutyPlan, DutyTask):
        table = _table(model)
        parts += [f"(SELECT COUNT(*) FROM {table})", f"(SELECT MAX(updated_at) FROM {table})"]  # noqa: S608
    for through in (DutyTask.officers.through, DutyTask.vehicles.through):
        table = _table(through)
        parts += [f"(SELECT COUNT(*) FROM {table})", f"(SELECT MAX(id) FROM {table})"]  # noqa: S608
    return "SELECT " + ", ".join(parts)


class _DutyMemory:
    """Per process, tied to one directory (a reload starts afresh): the clearance of vehicles as last read and
    the last 未登录行驶 decision sent per vehicle. Moving vehicles are checked on every batch; without this
    each batch would read the duty tables and look up the open alarms of the whole moving fleet."""

    def __init__(self, d: directory.Directory) -> None:
        self.directory = d
        self.stamp: tuple[Any, ...] | None = None
        self.read_at = 0.0
        self.cleared: dict[int, bool] = {}
        self.decided: dict[int, tuple[bool, float]] = {}


_duty_memory: _DutyMemory | None = None


class _DutyView:
    """What one batch sees of `_DutyMemory`; the decisions it makes are remembered once it commits."""

    def __init__(self, d: directory.Directory, stamp: tuple[Any, ...] | None) -> None:
        import time

        global _duty_memory
        if _duty_memory is None or _duty_memory.directory is not d:
            _duty_memory = _DutyMemory(d)
        self.memory = _duty_memory
        self.clock = time.monotonic()
        if stamp is None or stamp != self.memory.stamp:
            self.memory.decided = {}  # duty changed: every decision is taken again
        if stamp is None or stamp != self.memory.stamp or self.clock - self.memory.read_at > DUTY_CACHE_S:
            self.memory.cleared = {}  # tasks start and end with the clock: clearance is re-read now and then
            self.memory.stamp, self.memory.read_at = stamp, self.clock
        self.new_decisions: dict[int, bool] = {}

    def cleared(self, vehicle_ids: list[int], now: dt.datetime) -> set[int]:
        from .duty import vehicles_cleared_to_drive

        known = self.memory.cleared
        missing = [vid for vid in vehicle_ids if vid not in known]
        if missing:
            fresh = vehicles_cleared_to_drive(missing, now)
            for vid in missing:
                known[vid] = vid in fresh
        return {vid for vid in vehicle_ids if known[vid]}

    def changed(self, vehicle_id: int, cleared: bool) -> bool:
        last = self.memory.decided.get(vehicle_id)
        if last is not None and last[0] == cleared and self.clock - last[1] < DECISION_KEEP_S:
            return False
        self.new_decisions[vehicle_id] = cleared
        return True

    def remember(self) -> None:
        for vid, cleared in self.new_decisions.items():
            self.memory.decided[vid] = (cleared, self.clock)


def push_live(cursor: int) -> None:
    """Tell open live pages that something changed up to `cursor` (they fetch the delta in their scope): the core
    telemetry push (`teis.core.telemetry.live`), after commit, from sync code or a gateway's event loop."""
    live_push.push(LIVE_GROUP, {"type": "live.changed", "cursor": cursor})
