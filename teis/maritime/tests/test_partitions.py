"""The AIS position table partitioned by month on PostgreSQL (migration 0006, teis.core.telemetry.partitions): months
created ahead by the job, old months dropped by the retention job, positions far outside the months stored in the
default partition; SQLite keeps the plain table and the row purge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from teis.core.telemetry import partitions
from teis.maritime import tasks
from teis.maritime.models import Vessel, VesselPosition
from teis.maritime.services.retention import position_partitions, purge_old_positions

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]
TABLE = VesselPosition._meta.db_table
pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="partitioning is PostgreSQL's")


def _positions(vessel, *times):
    VesselPosition.objects.bulk_create(VesselPosition(vessel=vessel, time=t, lon=121.49, lat=31.24) for t in times)


def _months():
    return [p.month for p in partitions.partitions(TABLE) if p.month is not None]


@pg_only
def test_positions_anywhere_in_time_are_stored_and_old_months_dropped(settings):
    now = timezone.now().replace(microsecond=0)
    vessel = Vessel.objects.create(mmsi=413000901, name="沪货9")
    old = now - dt.timedelta(days=150)
    assert position_partitions(old)  # the job's months for `old`
    _positions(vessel, now - dt.timedelta(days=6 * 365), old, now, now + dt.timedelta(days=4 * 365))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, count(*) FROM {TABLE} GROUP BY 1")  # noqa: S608
        where = dict(cursor.fetchall())
    assert where[f"{TABLE}_default"] == 2
    settings.TEIS_MARITIME_POSITION_RETENTION_DAYS = 90
    purge_old_positions(now)
    assert partitions.Month.of(old) not in _months()
    assert sorted(VesselPosition.objects.values_list("time", flat=True)) == [now, now + dt.timedelta(days=4 * 365)]


@pg_only
def test_the_job_creates_the_months_ahead():
    current = partitions.Month.of(timezone.now())
    assert {current, current.shift(1), current.shift(2)} <= set(_months())
    assert "新建分区 0 个" in tasks.position_partitions.call_local()


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="the plain table of the embedded database")
def test_sqlite_keeps_the_plain_table_and_the_row_purge(settings):
    now = timezone.now().replace(microsecond=0)
    vessel = Vessel.objects.create(mmsi=413000902, name="沪货8")
    _positions(vessel, now - dt.timedelta(days=500), now)
    assert position_partitions() == []
    settings.TEIS_MARITIME_POSITION_RETENTION_DAYS = 400
    assert purge_old_positions(now, chunk=1) == 1
    assert list(VesselPosition.objects.values_list("time", flat=True)) == [now]
