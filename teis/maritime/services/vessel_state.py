"""The vessel side of the AIS pipeline (`pipeline._Batch` mixes it in): the per-process cache of vessel state,
vessels looked up or created per batch, static data and its change events, every fix stored, the latest fix per
vessel, dangerous-goods records.

The cache (MMSI → the state columns as this process last read or wrote them) is reused by a batch only for rows
whose id and updated_at are unchanged (one query, `_stale_vessels`), so an edit elsewhere — registry import, the
vessel form, risk refresh, another listener process — is read again; anything that changes a cached column
without save() must set updated_at too (see risk.py). The cache is dropped when a batch fails.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np
from django.db import connection

from teis.maritime.ais.records import StaticRecord

from ..choices import AlertKind, EventKind, ship_category
from ..models import DangerousGoodsRecord, Vessel, VesselPosition
from . import bulk_sql

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


class VesselSteps:
    """Steps of a batch on vessels and fixes (state: by_mmsi, now, seq, result, live_rows)."""

    def load_vessels(self, mmsis: set[int], positions, statics) -> None:
        wanted = sorted(mmsis)
        cache = _vessel_cache()
        known = [m for m in wanted if m in cache]
        if known:  # reuse the cached state of the vessels whose row has not changed since (id and updated_at)
            stale = set(_stale_vessels(known, cache))
            for mmsi in known:
                if mmsi not in stale:
                    self.by_mmsi[mmsi] = cache[mmsi]
        self._fetch_vessels([m for m in wanted if m not in self.by_mmsi])
        missing = [m for m in wanted if m not in self.by_mmsi]
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

    def apply_statics(self, statics: list[StaticRecord]) -> None:
        """Static and voyage data (types 5, 24, 19, 21): later records win; a changed name, destination or
        draught becomes an event."""
        statics = sorted(statics, key=lambda r: r.time)
        changed: dict[int, dict] = defaultdict(dict)
        for rec in statics:
            v = self.by_mmsi[rec.mmsi]
            self.result.statics += 1
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
                if value in (None, ""):
                    continue
                current = changed[v["id"]]
                old = current[attr] if attr in current else v.get(attr)
                if old == value:
                    continue
                changed[v["id"]][attr] = value
                kind = {
                    "name": EventKind.NAME_CHANGE,
                    "destination": EventKind.DESTINATION_CHANGE,
                    "draught_m": EventKind.DRAUGHT_CHANGE,
                }.get(attr)
                if kind and old not in (None, ""):
                    self._event(v, kind, rec.time, f"{old} → {value}")
                if attr in v:
                    v[attr] = value
            if (
                v.get("registered_type")
                and rec.ship_type
                and "ship_type" in changed[v["id"]]
                and ship_category(rec.ship_type) != ship_category(v["registered_type"])
            ):
                self._alert(
                    v,
                    AlertKind.TYPE_MISMATCH,
                    rec.time,
                    f"{_label(v)} AIS报告船型 {rec.ship_type} 与登记船型 {v['registered_type']} 不符",
                )
        rows = []
        for v in self.by_mmsi.values():
            if changed.get(v["id"]):
                v["updated_at"] = self.now
                rows.append(
                    (*(v[c] for c in STATIC_COLUMNS), ship_category(v["ship_type"]), self.seq, self.now, v["id"])
                )
        if rows:
            adapt = bulk_sql.datetime_adapter()
            rows = [(*r[:8], adapt(r[8]) if r[8] else None, *r[9:11], adapt(r[11]), r[12]) for r in rows]
            bulk_sql.update_rows(Vessel, (*STATIC_COLUMNS, "category", "live_seq", "updated_at"), rows)

    def _store_fixes(self, positions, vid) -> None:
        """Every fix: COPY on PostgreSQL, one prepared INSERT run over the rows on SQLite."""
        _, times, lons, lats, sogs, cogs, headings, statuses, _, _, sources = zip(*positions, strict=True)
        if not bulk_sql.is_postgres():
            times = list(map(bulk_sql.datetime_adapter(), times))
        if any(len(s) > 30 for s in set(sources)):
            sources = [s[:30] for s in sources]
        bulk_sql.insert_columns(
            VesselPosition, FIX_COLUMNS, (vid.tolist(), times, lons, lats, sogs, cogs, headings, statuses, sources)
        )

    def _update_latest(self, positions, vid, last, by_id) -> None:
        adapt = bulk_sql.datetime_adapter()
        rows = []
        for i in np.nonzero(last)[0]:
            r = positions[i]
            v = by_id[int(vid[i])]
            if v["last_time"] is not None and v["last_time"] >= r.time:
                continue  # an older fix arriving late does not move the vessel back
            self.live_rows.append((v, r))
            v.update(last_time=r.time, last_lon=r.lon, last_lat=r.lat, ais_class=r.ais_class, updated_at=self.now)
            rows.append(
                (adapt(r.time), r.lon, r.lat, r.sog_kn, r.cog_deg, r.heading_deg, r.nav_status, r.ais_class, v["id"])
            )
        bulk_sql.update_rows(Vessel, LATEST_COLUMNS, rows, {"live_seq": self.seq, "updated_at": adapt(self.now)})

    # dangerous goods ----------------------------------------------------------------------------------------

    def _dangerous_goods(self, positions, vid, t, by_id) -> None:
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
        rows = []
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
_vessels: dict = {"key": None, "by_mmsi": {}}


def _stale_vessels(mmsis: list[int], cache: dict[int, dict]) -> list[int]:
    """The MMSIs whose cached state is out of date: the row is gone, or its id or updated_at differ."""
    if bulk_sql.is_postgres():
        entries = [cache[m] for m in mmsis]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.mmsi FROM unnest(%s::bigint[], %s::bigint[], %s::timestamptz[]) AS c(mmsi, id, ts) "  # noqa: S608
                f"LEFT JOIN {Vessel._meta.db_table} v ON v.mmsi = c.mmsi "
                "WHERE v.id IS DISTINCT FROM c.id OR v.updated_at IS DISTINCT FROM c.ts",
                [
                    bulk_sql.array_literal(mmsis),
                    bulk_sql.array_literal([e["id"] for e in entries]),
                    bulk_sql.array_literal([e["updated_at"] for e in entries]),
                ],
            )
            return [row[0] for row in cursor.fetchall()]
    to_dt = _datetime_reader()
    sql = f"SELECT mmsi, id, updated_at FROM {Vessel._meta.db_table} WHERE {{where}}"  # noqa: S608
    fresh = {
        mmsi
        for mmsi, pk, updated in bulk_sql.select_in(sql, "mmsi", mmsis)
        if cache[mmsi]["id"] == pk and cache[mmsi]["updated_at"] == to_dt(updated)
    }
    return [m for m in mmsis if m not in fresh]


def _vessel_cache() -> dict[int, dict]:
    key = (connection.alias, connection.settings_dict.get("NAME"))
    if _vessels["key"] != key or len(_vessels["by_mmsi"]) > VESSEL_CACHE_MAX:
        _vessels["key"], _vessels["by_mmsi"] = key, {}
    return _vessels["by_mmsi"]


def _datetime_reader():
    """A datetime column read with raw SQL → aware datetime (SQLite returns Django's text form of UTC)."""
    if connection.vendor == "sqlite":
        utc = dt.UTC

        def read(value):  # Django's sqlite3 converters give naive datetimes (UTC); text if no converter ran
            if value is None:
                return None
            if not isinstance(value, dt.datetime):
                value = dt.datetime.fromisoformat(value)
            return value if value.tzinfo else value.replace(tzinfo=utc)

        return read
    return lambda value: value


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    return value.replace("@", " ").strip() or None


def _label(v: dict) -> str:
    return f"{v.get('name') or '未知船名'}（MMSI {v['mmsi']}）"
