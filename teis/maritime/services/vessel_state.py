"""The vessel side of the AIS pipeline (`pipeline._Batch` mixes it in): the per-process cache of vessel state,
vessels looked up or created per batch, static data and its change events, every fix stored, the latest fix per
vessel, dangerous-goods records.

The cache (MMSI → the state columns as this process last read or wrote them) is reused by a batch only for rows
whose id and updated_at are unchanged (checked by the batch's start statement on PostgreSQL, `_stale_vessels`
elsewhere), so an edit elsewhere — registry import, the vessel form, risk refresh, another listener process — is
read again; anything that changes a cached column without save() must set updated_at too (see risk.py). The cache
is dropped when a batch fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db import connection

from teis.core.telemetry import bulk_sql
from teis.maritime.ais.records import PositionRecord, StaticRecord

from ..choices import AlertKind, EventKind, ship_category, ship_type_text
from ..models import DangerousGoodsRecord, Vessel, VesselPosition

if TYPE_CHECKING:
    from .pipeline import PipelineResult
    from .waters import _AreaGeom

DG_RECORD_INTERVAL_S = 60
FIX_COLUMNS = ("vessel_id", "time", "lon", "lat", "sog", "cog", "heading", "nav_status", "source")
LATEST_COLUMNS = (
    "last_time", "last_lon", "last_lat", "last_sog", "last_cog", "last_heading", "last_nav_status", "ais_class",
)  # fmt: skip
STATIC_COLUMNS = ("name", "call_sign", "imo", "ship_type", "length_m", "width_m", "draught_m", "destination", "eta")
VESSEL_STATE_COLUMNS = (
    "id", "mmsi", *STATIC_COLUMNS, "registered_type", "ais_class", "last_time", "last_lon", "last_lat",
    "dangerous_goods", "high_risk", "is_key", "repeat_offender", "updated_at",
)  # fmt: skip
VESSEL_CACHE_MAX = 200_000
_CHANGE_EVENTS = {
    "name": EventKind.NAME_CHANGE,
    "destination": EventKind.DESTINATION_CHANGE,
    "draught_m": EventKind.DRAUGHT_CHANGE,
}


class BatchMakers:
    """What the steps' mixins call on their batch (`pipeline._Batch` makes events and alerts), declared once for
    the type checker; nothing at run time."""

    if TYPE_CHECKING:

        def _event(
            self,
            v: dict[str, Any],
            kind: str,
            time: dt.datetime,
            detail: str,
            lon: float | None = None,
            lat: float | None = None,
            area_id: int | None = None,
        ) -> None: ...

        def _alert(
            self,
            v: dict[str, Any],
            kind: str,
            time: dt.datetime,
            message: str,
            rec: Any = None,
            *,
            area: _AreaGeom | None = None,
        ) -> None: ...


class VesselSteps(BatchMakers):
    """Steps of a batch on vessels and fixes (state: by_mmsi, now, seq, result, live_rows)."""

    if TYPE_CHECKING:  # the batch's state (`pipeline._Batch`)
        known: list[int]
        stale: list[int] | None
        by_mmsi: dict[int, dict[str, Any]]
        now: dt.datetime
        seq: int
        result: PipelineResult
        live_rows: list[tuple[Any, ...]]

    def load_vessels(self, mmsis: set[int], positions: list[PositionRecord], statics: list[StaticRecord]) -> None:
        cache = _vessel_cache()
        known = self.known  # the batch's vessels in the cache when the batch started
        if known:  # reuse the cached state of the vessels whose row has not changed since (id and updated_at)
            stale = set(self.stale if self.stale is not None else _stale_vessels(known, cache))
            by_mmsi = self.by_mmsi
            for mmsi in known:
                if mmsi not in stale:
                    by_mmsi[mmsi] = cache[mmsi]
        unknown = mmsis - self.by_mmsi.keys()
        if unknown:
            self._fetch_vessels(sorted(unknown))
        missing = sorted(m for m in unknown if m not in self.by_mmsi)
        if missing:
            class_of = {r.mmsi: r.ais_class for r in positions}
            bulk_sql.insert_ignore(  # another listener may create the same vessel concurrently: ON CONFLICT
                [
                    Vessel(mmsi=m, ais_class=class_of.get(m, "A"), created_at=self.now, updated_at=self.now)
                    for m in missing
                ],
                "mmsi",
                vary=("mmsi", "ais_class"),
            )
            self._fetch_vessels(missing)
            self.result.vessels_created += len(missing)

    def _fetch_vessels(self, mmsis: list[int]) -> None:
        """The state columns of these vessels, in one query on PostgreSQL (raw SQL: no model instances)."""
        cols = VESSEL_STATE_COLUMNS
        sql = f"SELECT {', '.join(cols)} FROM {Vessel._meta.db_table} WHERE {{where}}"  # noqa: S608
        to_dt = _datetime_reader()
        cache = _vessel_cache()
        for row in bulk_sql.select_in(sql, "mmsi", mmsis):
            v = dict(zip(cols, row, strict=True))
            v["eta"], v["last_time"], v["updated_at"] = to_dt(v["eta"]), to_dt(v["last_time"]), to_dt(v["updated_at"])
            self.by_mmsi[v["mmsi"]] = cache[v["mmsi"]] = v

    def apply_statics(self, statics: Sequence[StaticRecord]) -> list[tuple[Any, ...]] | None:
        """Static and voyage data (types 5, 24, 19, 21): later records win; a changed name, destination or
        draught becomes an event. The cached state follows at once; the rows to write are returned for
        `write_statics` (no database access: it runs during the fixes' COPY)."""
        statics = sorted(statics, key=lambda r: r.time)
        changed: dict[int, dict[str, Any]] = {}  # vessel id → {column: new value}
        touched: dict[int, dict[str, Any]] = {}  # vessel id → its state
        for rec in statics:
            v = self.by_mmsi[rec.mmsi]
            self.result.statics += 1
            current = changed.get(v["id"])
            for attr, value in (
                ("name", _clean(rec.name)),
                ("call_sign", _clean(rec.call_sign)),
                ("imo", rec.imo or None),
                ("ship_type", rec.ship_type or None),
                ("length_m", rec.length_m or None),
                ("width_m", rec.width_m or None),
                ("draught_m", rec.draught_m or None),
                ("destination", _clean(rec.destination)),
                ("eta", rec.eta),
            ):
                if value is None or value == "":
                    continue
                old = current[attr] if current is not None and attr in current else v.get(attr)
                if old == value:
                    continue
                if current is None:
                    current = changed[v["id"]] = {}
                    touched[v["id"]] = v
                current[attr] = value
                kind = _CHANGE_EVENTS.get(attr)
                if kind and old not in (None, ""):
                    self._event(v, kind, rec.time, f"{old} → {value}")
                if attr in v:
                    v[attr] = value
            if (
                current is not None
                and v.get("registered_type")
                and rec.ship_type
                and "ship_type" in current
                and ship_category(rec.ship_type) != ship_category(v["registered_type"])
            ):
                self._alert(
                    v,
                    AlertKind.TYPE_MISMATCH,
                    rec.time,
                    f"{_label(v)} AIS报告船型 {ship_type_text(rec.ship_type)} 与登记船型 "
                    f"{ship_type_text(v['registered_type'])} 不符",
                )
        rows: list[tuple[Any, ...]] = []
        for v in touched.values():
            v["updated_at"] = self.now
            rows.append((*(v[c] for c in STATIC_COLUMNS), ship_category(v["ship_type"]), self.seq, self.now, v["id"]))
        if not rows:
            return None
        adapt = bulk_sql.datetime_adapter()
        return [(*r[:8], adapt(r[8]) if r[8] else None, *r[9:11], adapt(r[11]), r[12]) for r in rows]

    def write_statics(self, rows: list[tuple[Any, ...]] | None, writes: bulk_sql.Writes) -> None:
        """The static data worked out by `apply_statics`, to `writes` (one UPDATE)."""
        if rows:
            writes.update_rows(Vessel, (*STATIC_COLUMNS, "category", "live_seq", "updated_at"), rows)

    @contextmanager
    def _store_fixes(self, columns: list[Any], vid: np.ndarray) -> Iterator[None]:
        """Every fix, from the batch's columns (sorted by vessel and time). PostgreSQL: one binary COPY, and the
        body of the `with` runs while the server stores the rows. SQLite: one prepared INSERT run over the rows."""
        _, times, lons, lats, sogs, cogs, headings, statuses, _, _, sources = columns
        if any(len(s) > 30 for s in set(sources)):
            sources = [s[:30] for s in sources]
        if not bulk_sql.is_postgres():
            times = list(map(bulk_sql.datetime_adapter(), times))
            bulk_sql.insert_columns(
                VesselPosition, FIX_COLUMNS, (vid.tolist(), times, lons, lats, sogs, cogs, headings, statuses, sources)
            )
            yield
            return
        n = len(vid)
        us, _ = bulk_sql.microseconds(times)
        encoded = {s: s.encode() for s in set(sources)}
        payload = bulk_sql.copy_binary_payload(
            [
                bulk_sql.BinColumn("int8", vid),
                bulk_sql.BinColumn("timestamptz", us),
                bulk_sql.BinColumn("float8", np.array(lons, dtype=np.float64)),
                bulk_sql.BinColumn("float8", np.array(lats, dtype=np.float64)),
                bulk_sql.nullable(sogs, "float8"),
                bulk_sql.nullable(cogs, "float8"),
                bulk_sql.nullable(headings, "int2"),
                bulk_sql.nullable(statuses, "int2"),
                bulk_sql.BinColumn("text", list(map(encoded.__getitem__, sources))),
            ],
            n,
        )
        self._fix_us = us
        with bulk_sql.copy_binary(VesselPosition._meta.db_table, FIX_COLUMNS, payload):
            yield

    def _latest(
        self,
        positions: list[PositionRecord],
        columns: list[Any],
        vid: np.ndarray,
        t: np.ndarray,
        lon: np.ndarray,
        lat: np.ndarray,
        last: np.ndarray,
        vessels: list[dict[str, Any]],
        cached_t: np.ndarray,
    ) -> tuple[list[Any] | None]:
        """The latest fix of each vessel of the batch, unless the vessel already has a later one (an older fix
        arriving late does not move the vessel back): the cached state follows at once, the rows to write are
        returned for `_update_latest`. No database access (it runs during the fixes' COPY)."""
        ends = np.flatnonzero(last)
        with np.errstate(invalid="ignore"):
            newer = np.isnan(cached_t) | (t[ends] > cached_t)
        picked = np.flatnonzero(newer)
        idx = ends[picked]
        if not len(idx):
            return (None,)
        updated = [vessels[k] for k in picked.tolist()]
        records = [positions[i] for i in idx.tolist()]
        now = self.now
        for v, r in zip(updated, records, strict=True):
            v["last_time"], v["last_lon"], v["last_lat"], v["ais_class"], v["updated_at"] = (
                r.time, r.lon, r.lat, r.ais_class, now,
            )  # fmt: skip
        self.live_rows.extend(zip(updated, records, strict=True))
        if not bulk_sql.is_postgres():
            adapt = bulk_sql.datetime_adapter()
            rows = [
                (adapt(r.time), r.lon, r.lat, r.sog_kn, r.cog_deg, r.heading_deg, r.nav_status, r.ais_class, v["id"])
                for r, v in zip(records, updated, strict=True)
            ]
            return (rows,)
        k = len(idx)
        take = idx.tolist()
        classes = [columns[9][i] for i in take]
        arrays = [
            bulk_sql.BinColumn("timestamptz", self._fix_us[idx]),
            bulk_sql.BinColumn("float8", lon[idx]),
            bulk_sql.BinColumn("float8", lat[idx]),
            bulk_sql.nullable([columns[4][i] for i in take], "float8"),
            bulk_sql.nullable([columns[5][i] for i in take], "float8"),
            bulk_sql.nullable([columns[6][i] for i in take], "int2"),
            bulk_sql.nullable([columns[7][i] for i in take], "int2"),
            bulk_sql.BinColumn("text", [c.encode() for c in classes]),
            bulk_sql.BinColumn("int8", vid[idx]),
        ]
        return ([bulk_sql.binary_array(a, k) for a in arrays],)

    def _update_latest(self, rows: list[Any] | None, *, writes: bulk_sql.Writes) -> None:
        """The latest fixes worked out by `_latest`, to `writes` (one UPDATE), stamping the batch's live sequence."""
        if rows is None:
            return
        if not bulk_sql.is_postgres():
            adapt = bulk_sql.datetime_adapter()
            writes.update_rows(Vessel, LATEST_COLUMNS, rows, {"live_seq": self.seq, "updated_at": adapt(self.now)})
            return
        table = Vessel._meta.db_table
        types = ("timestamptz", "float8", "float8", "float8", "float8", "int2", "int2", "text", "int8")
        sets = ", ".join(f"{c} = v.{c}" for c in LATEST_COLUMNS)
        writes.execute_binary(
            f"UPDATE {table} AS t SET {sets}, live_seq = %s, updated_at = %s "  # noqa: S608
            f"FROM unnest({', '.join(f'%b::{x}[]' for x in types)}) AS v({', '.join(LATEST_COLUMNS)}, id) "
            "WHERE t.id = v.id",
            [self.seq, self.now, *rows],
        )

    # dangerous goods ----------------------------------------------------------------------------------------

    def _dangerous_goods(
        self, positions: list[PositionRecord], vid: np.ndarray, t: np.ndarray, by_id: dict[int, dict[str, Any]]
    ) -> None:
        dg_ids = {v["id"] for v in by_id.values() if v["dangerous_goods"]}
        if not dg_ids:
            return
        from django.db.models import Max

        last_t = {
            row["vessel_id"]: row["m"].timestamp()
            for row in DangerousGoodsRecord.objects.filter(vessel_id__in=dg_ids)
            .values("vessel_id")
            .annotate(m=Max("time"))
        }
        rows: list[DangerousGoodsRecord] = []
        for i in np.nonzero(np.isin(vid, list(dg_ids)))[0]:
            vessel_id = int(vid[i])
            if t[i] - last_t.get(vessel_id, -np.inf) < DG_RECORD_INTERVAL_S:
                continue
            r = positions[i]
            rows.append(DangerousGoodsRecord(vessel_id=vessel_id, time=r.time, lon=r.lon, lat=r.lat, sog=r.sog_kn))
            last_t[vessel_id] = t[i]
        DangerousGoodsRecord.objects.bulk_create(rows, batch_size=bulk_sql.CHUNK)


# MMSI → the state columns of the vessel as this process last read or wrote them. A batch reuses an entry only
# when the row's id and updated_at are still the same (one narrow query), so an edit elsewhere (registry import,
# the vessel form, another listener process) is read again; anything that changes a cached column without
# save() must set updated_at too (see risk.py). Dropped when a batch fails.
_vessels: dict[str, Any] = {"key": None, "by_mmsi": {}}


def _stale_vessels(mmsis: list[int], cache: dict[int, dict[str, Any]]) -> list[int]:
    """The MMSIs whose cached state is out of date: the row is gone, or its id or updated_at differ."""
    if bulk_sql.is_postgres():
        entries = [cache[m] for m in mmsis]
        n = len(mmsis)
        stamps, _ = bulk_sql.microseconds([e["updated_at"] for e in entries])
        rows = bulk_sql.execute_binary(
            f"SELECT c.mmsi FROM unnest(%b::int8[], %b::int8[], %b::timestamptz[]) AS c(mmsi, id, ts) "  # noqa: S608
            f"LEFT JOIN {Vessel._meta.db_table} v ON v.mmsi = c.mmsi "
            "WHERE v.id IS DISTINCT FROM c.id OR v.updated_at IS DISTINCT FROM c.ts",
            [
                bulk_sql.binary_array(bulk_sql.BinColumn("int8", np.array(mmsis, dtype=np.int64)), n),
                bulk_sql.binary_array(bulk_sql.BinColumn("int8", np.array([e["id"] for e in entries], np.int64)), n),
                bulk_sql.binary_array(bulk_sql.BinColumn("timestamptz", stamps), n),
            ],
            fetch=True,
        )
        return [row[0] for row in rows or ()]  # fetch=True: always a list
    to_dt = _datetime_reader()
    sql = f"SELECT mmsi, id, updated_at FROM {Vessel._meta.db_table} WHERE {{where}}"  # noqa: S608
    fresh = {
        mmsi
        for mmsi, pk, updated in bulk_sql.select_in(sql, "mmsi", mmsis)
        if cache[mmsi]["id"] == pk and cache[mmsi]["updated_at"] == to_dt(updated)
    }
    return [m for m in mmsis if m not in fresh]


def _vessel_cache() -> dict[int, dict[str, Any]]:
    key = (connection.alias, connection.settings_dict.get("NAME"))
    if _vessels["key"] != key or len(_vessels["by_mmsi"]) > VESSEL_CACHE_MAX:
        _vessels["key"], _vessels["by_mmsi"] = key, {}
    cache: dict[int, dict[str, Any]] = _vessels["by_mmsi"]
    return cache


def _datetime_reader() -> Callable[[Any], dt.datetime | None]:
    """A datetime column read with raw SQL → aware datetime (SQLite returns Django's text form of UTC)."""
    if connection.vendor == "sqlite":
        utc = dt.UTC

        # Django's sqlite3 converters give naive datetimes (UTC); text if no converter ran
        def read(value: Any) -> dt.datetime | None:
            if value is None:
                return None
            when: dt.datetime = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
            return when if when.tzinfo else when.replace(tzinfo=utc)

        return read
    return lambda value: value


def _clean(value: str | None) -> str | None:
    """A text of a static record: "@" is AIS padding ("no character"), so the text ends at the first one."""
    if value is None:
        return None
    return value.split("@", 1)[0].strip() or None


def _label(v: dict[str, Any]) -> str:
    return f"{v.get('name') or '未知船名'}（MMSI {v['mmsi']}）"
