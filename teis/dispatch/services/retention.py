"""Retention of machine telemetry: fixes older than TEIS_DISPATCH_FIX_RETENTION_DAYS are deleted in chunks
(so the purge never holds a long lock); on PostgreSQL with a time-partitioned fix table, dropping old
partitions replaces this (docs/dispatch.md)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .. import conf
from ..models import FixRecord, ZoneState

CHUNK = 20_000


def purge_old_fixes(now: dt.datetime | None = None, *, chunk: int = CHUNK) -> int:
    """Delete fixes older than the retention period. Returns the number deleted."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=conf.get("TEIS_DISPATCH_FIX_RETENTION_DAYS"))
    total = 0
    while True:
        ids = list(FixRecord.objects.filter(time__lt=cutoff).order_by("time").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        with transaction.atomic():
            total += FixRecord.objects.filter(pk__in=ids).delete()[0]
    ZoneState.objects.filter(last_time__lt=cutoff).delete()
    return total
