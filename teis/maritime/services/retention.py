"""Retention of AIS positions: positions older than TEIS_MARITIME_POSITION_RETENTION_DAYS (default 400) go.

On PostgreSQL the position table is partitioned by month (migration 0006, `teis.core.telemetry.partitions`):
whole months older than the period are dropped and the default partition's old rows deleted; the daily job
`position_partitions` creates the months ahead. Elsewhere (SQLite) old rows are deleted in chunks."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from teis.core.telemetry import partitions

from ..models import VesselPosition

CHUNK = 20_000
TIME_COLUMN = "time"
DEFAULT_RETENTION_DAYS = 400


def retention_days() -> int:
    return int(getattr(settings, "TEIS_MARITIME_POSITION_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def purge_old_positions(now: dt.datetime | None = None, *, chunk: int = CHUNK) -> int:
    """Remove positions older than the retention period; returns the number removed (estimated for dropped
    months)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=retention_days())
    table = VesselPosition._meta.db_table
    if partitions.is_partitioned(table):
        return partitions.drop_months_before(table, TIME_COLUMN, cutoff).rows
    total = 0
    while True:
        ids = list(VesselPosition.objects.filter(time__lt=cutoff).order_by("time").values_list("pk", flat=True)[:chunk])
        if not ids:
            return total
        with transaction.atomic():
            total += VesselPosition.objects.filter(pk__in=ids).delete()[0]


def position_partitions(now: dt.datetime | None = None) -> list[str]:
    """PostgreSQL: create the position table's partitions of the current month and the next ones that are missing."""
    return partitions.ensure_months(VesselPosition._meta.db_table, TIME_COLUMN, now)
