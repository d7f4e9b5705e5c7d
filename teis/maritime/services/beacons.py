"""Aids to navigation (AIS type 21) and base stations (types 4 / 11) in the AIS pipeline: one row per MMSI, the
latest report wins (a late, older report never moves a row back), written with the batch's other writes.

They are few (an aid reports every three minutes, a base station every ten seconds) and independent of vessels, so
each kind is one `INSERT … ON CONFLICT (mmsi) DO UPDATE … WHERE` per batch, sent in the batch's psycopg pipeline on
PostgreSQL (no extra round trip). What is not in a report does not wipe what is known: an aid without a position
(181 / 91) or an empty name keeps its last ones; a base station's name and coverage radius are ours (edited by hand).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import connection, models
from django.utils import timezone

from teis.core.telemetry import bulk_sql
from teis.maritime.ais.records import AidRecord, BaseStationRecord

from ..models import AidToNavigation, BaseStation

if TYPE_CHECKING:
    from django.db.models import Field

AID_COLUMNS = ("mmsi", "aid_type", "name", "lon", "lat", "virtual", "off_position", "length_m", "width_m",
               "last_time", "source")  # fmt: skip
STATION_COLUMNS = ("mmsi", "lon", "lat", "station_time", "last_time", "last_msg_type", "source")
# on conflict: column → its new value (`t` = the stored row, `excluded` = the report)
AID_UPDATES = {
    "aid_type": "excluded.aid_type",
    "name": "CASE WHEN excluded.name <> '' THEN excluded.name ELSE t.name END",
    "lon": "COALESCE(excluded.lon, t.lon)",
    "lat": "COALESCE(excluded.lat, t.lat)",
    "virtual": "excluded.virtual",
    "off_position": "excluded.off_position",
    "length_m": "COALESCE(excluded.length_m, t.length_m)",
    "width_m": "COALESCE(excluded.width_m, t.width_m)",
    "last_time": "excluded.last_time",
    "source": "excluded.source",
}
STATION_UPDATES = {
    "lon": "COALESCE(excluded.lon, t.lon)",
    "lat": "COALESCE(excluded.lat, t.lat)",
    "station_time": "COALESCE(excluded.station_time, t.station_time)",
    "last_time": "excluded.last_time",
    "last_msg_type": "excluded.last_msg_type",
    "source": "excluded.source",
}


def latest_by_mmsi(records: Sequence[Any]) -> list[Any]:
    """The latest report of each MMSI (an upsert may touch a row only once per statement)."""
    latest: dict[int, Any] = {}
    for rec in records:
        old = latest.get(rec.mmsi)
        if old is None or rec.time >= old.time:
            latest[rec.mmsi] = rec
    return [latest[m] for m in sorted(latest)]


def write_beacons(records: Sequence[Any], writes: bulk_sql.Writes) -> tuple[int, int]:
    """Upsert the batch's aids and base stations through `writes`; returns (aids, base stations) written."""
    aids = latest_by_mmsi([r for r in records if isinstance(r, AidRecord)])
    stations = latest_by_mmsi([r for r in records if isinstance(r, BaseStationRecord)])
    adapt = bulk_sql.datetime_adapter()
    if aids:
        rows: list[tuple[Any, ...]] = [
            (a.mmsi, a.aid_type, (a.name or "")[:40], a.lon, a.lat, a.virtual, a.off_position, a.length_m, a.width_m,
             adapt(a.time), (a.source or "")[:30])
            for a in aids
        ]  # fmt: skip
        _upsert(writes, AidToNavigation, AID_COLUMNS, rows, AID_UPDATES)
    if stations:
        rows = [
            (s.mmsi, s.lon, s.lat, adapt(s.station_time) if s.station_time else None, adapt(s.time), s.msg_type,
             (s.source or "")[:30])
            for s in stations
        ]  # fmt: skip
        # a new station gets the model's defaults for the columns that are ours (raw SQL has no Django defaults)
        ours = {
            f: cast("Field[Any, Any]", BaseStation._meta.get_field(f)).get_default() for f in ("name", "coverage_km")
        }
        _upsert(writes, BaseStation, STATION_COLUMNS, rows, STATION_UPDATES, ours)
    return len(aids), len(stations)


def _upsert(
    writes: bulk_sql.Writes,
    model: type[models.Model],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    updates: dict[str, Any],
    new: dict[str, Any] | None = None,
) -> None:
    sql, params = _upsert_sql(model, columns, rows, updates, new or {})
    if bulk_sql.is_postgres():
        writes.items.append((sql, params))  # into the batch's pipeline
        return

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    writes.call(run)


def _upsert_sql(
    model: type[models.Model],
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    updates: dict[str, Any],
    new: dict[str, Any],
) -> tuple[str, list[Any]]:
    """`INSERT … ON CONFLICT (mmsi) DO UPDATE … WHERE` the report is not older than the row (PostgreSQL and
    SQLite ≥ 3.24 both take it; the table is named `t` in the update). `new`: constant values of a new row only."""
    table = model._meta.db_table
    now = bulk_sql.datetime_adapter()(timezone.now())
    all_columns = (*columns, *new, "created_at", "updated_at")
    one = "(" + ", ".join(["%s"] * len(all_columns)) + ")"
    constants = (*new.values(), now, now)
    params = [value for row in rows for value in (*row, *constants)]
    sets = ", ".join(f"{column} = {value}" for column, value in updates.items())
    sql = (
        f"INSERT INTO {table} AS t ({', '.join(all_columns)}) VALUES {', '.join([one] * len(rows))} "  # noqa: S608
        f"ON CONFLICT (mmsi) DO UPDATE SET {sets}, updated_at = excluded.updated_at "
        "WHERE t.last_time IS NULL OR excluded.last_time >= t.last_time"
    )
    return sql, params
