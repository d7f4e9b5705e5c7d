"""Retention of machine telemetry: fixes older than TEIS_DISPATCH_FIX_RETENTION_DAYS go.

On PostgreSQL the fix table is partitioned by month (migration 0004, `teis.core.telemetry.partitions`): whole
months older than the period are dropped (a month is kept while it holds a fix inside the period) and the default
partition's old rows deleted; `fix_partitions` (a daily job) creates the months ahead. Elsewhere (SQLite) the old
rows are deleted in chunks, so the purge never holds a long lock."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from teis.core.telemetry import partitions

from .. import conf
from ..models import FixRecord, ZoneState

CHUNK = 20_000
TIME_COLUMN = "time"


def purge_old_fixes(now: dt.datetime | None = None, *, chunk: int = CHUNK) -> int:
    """Remove fixes older than the retention period. Returns the number removed (on a partitioned table the
    dropped months count with the planner's row estimate)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=conf.get("TEIS_DISPATCH_FIX_RETENTION_DAYS"))
    table = FixRecord._meta.db_table
    if partitions.is_partitioned(table):
        total = partitions.drop_months_before(table, TIME_COLUMN, cutoff).rows
    else:
        total = 0
        while True:
            ids = list(FixRecord.objects.filter(time__lt=cutoff).order_by("time").values_list("pk", flat=True)[:chunk])
            if not ids:
                break
            with transaction.atomic():
                total += FixRecord.objects.filter(pk__in=ids).delete()[0]
    ZoneState.objects.filter(last_time__lt=cutoff).delete()
    return total


def fix_partitions(now: dt.datetime | None = None) -> list[str]:
    """PostgreSQL: create the fix table's partitions of the current month and the next ones that are missing."""
    return partitions.ensure_months(FixRecord._meta.db_table, TIME_COLUMN, now)
