"""The fix table partitioned by month on PostgreSQL (migration 0004, teis.core.telemetry.partitions): months created
ahead by the job, old months dropped by the retention job, fixes far outside the months (late 盲区补报, a clock in
the future) stored in the default partition, never refused; SQLite keeps the plain table and the row purge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from teis.core.telemetry import partitions
from teis.dispatch.models import FixRecord
from teis.dispatch.services.positions import ingest_fixes
from teis.dispatch.services.retention import fix_partitions, purge_old_fixes

from .conftest import fix

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]
TABLE = FixRecord._meta.db_table
pg_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="partitioning is PostgreSQL's")


def _months():
    return [p.month for p in partitions.partitions(TABLE) if p.month is not None]


def _where(pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pg_only
def test_the_table_is_partitioned_with_the_months_ahead_and_a_default():
    assert partitions.is_partitioned(TABLE)
    current = partitions.Month.of(timezone.now())
    assert {current, current.shift(1), current.shift(2)} <= set(_months())
    assert any(p.month is None and p.name == f"{TABLE}_default" for p in partitions.partitions(TABLE))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = '{TABLE}'::regclass"
        )
        defs = dict(cursor.fetchall())
    assert defs["dispatch_fix_vehicle_time"] == 'UNIQUE (vehicle_id, "time")'  # Django's names kept
    assert any(d == 'PRIMARY KEY (id, "time")' for d in defs.values())


@pg_only
def test_the_job_creates_the_months_ahead():
    later = timezone.now() + dt.timedelta(days=200)
    created = fix_partitions(later)
    month = partitions.Month.of(later)
    assert created == [f"{TABLE}_{m.suffix()}" for m in (month, month.shift(1), month.shift(2))]
    assert fix_partitions(later) == []  # idempotent


@pg_only
def test_fixes_far_in_the_past_and_future_are_stored_in_the_default_partition_then_moved(fleet):
    now = timezone.now().replace(microsecond=0)
    past, future = now - dt.timedelta(days=3 * 365), now + dt.timedelta(days=5 * 365)
    result = ingest_fixes([fix(at=past), fix(at=future)])
    assert result.stored == 2 and result.flagged_reasons == {"too_old": 1, "future": 1}
    rows = dict(FixRecord.objects.values_list("time", "pk"))
    assert _where(rows[past]) == _where(rows[future]) == f"{TABLE}_default"
    # creating the future's month moves its row out of the default partition, keeping its id
    name = partitions.create_month(TABLE, "time", partitions.Month.of(future))
    assert _where(rows[future]) == name
    assert FixRecord.objects.get(pk=rows[future]).flag == "future"


@pg_only
def test_retention_drops_whole_old_months(fleet, settings):
    now = timezone.now()
    old = now - dt.timedelta(days=120)
    fix_partitions(old)  # the months of `old` exist
    ingest_fixes([fix(at=old.replace(microsecond=0)), fix(at=now.replace(microsecond=0) - dt.timedelta(minutes=5))])
    assert FixRecord.objects.count() == 2
    old_month = partitions.Month.of(old)
    assert old_month in _months()
    settings.TEIS_DISPATCH_FIX_RETENTION_DAYS = 60
    with connection.cursor() as cursor:  # the test's transaction still holds the deferred key checks of the inserts
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    purge_old_fixes(now)
    assert old_month not in _months()
    assert partitions.Month.of(now) in _months()
    assert list(FixRecord.objects.values_list("time", flat=True)) == [
        now.replace(microsecond=0) - dt.timedelta(minutes=5)
    ]


@pg_only
def test_retention_deletes_old_rows_of_the_default_partition(fleet, settings):
    now = timezone.now().replace(microsecond=0)
    ingest_fixes([fix(at=now - dt.timedelta(days=5 * 365)), fix(at=now - dt.timedelta(minutes=1))])
    settings.TEIS_DISPATCH_FIX_RETENTION_DAYS = 400
    assert purge_old_fixes(now) == 1
    assert FixRecord.objects.count() == 1


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="the plain table of the embedded database")
def test_sqlite_keeps_the_plain_table_and_the_row_purge(fleet, settings):
    assert not partitions.is_partitioned(TABLE)
    assert fix_partitions() == []
    now = timezone.now().replace(microsecond=0)
    ingest_fixes([fix(at=now - dt.timedelta(days=5 * 365)), fix(at=now - dt.timedelta(days=90)), fix(at=now)])
    settings.TEIS_DISPATCH_FIX_RETENTION_DAYS = 60
    assert purge_old_fixes(now, chunk=1) == 2
    assert FixRecord.objects.count() == 1
