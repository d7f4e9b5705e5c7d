"""Named sequences that never hand out the same number twice (rule 8), also under concurrency.

`next_value(name)` increments a `Sequence` row under a row lock (SELECT … FOR UPDATE on PostgreSQL; SQLite
serialises writers with its IMMEDIATE transactions). A number taken inside a transaction that later rolls
back is lost with it — codes are unique, not necessarily gap-free, like every official numbering that must
never reuse a number.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from .models import Sequence


def next_value(name: str) -> int:
    """The next number of sequence `name` (starting at 1)."""
    if not name or len(name) > 120:
        raise ValueError("sequence name must be 1..120 characters")
    # one statement when the sequence exists (perf: no savepoint, no read back): UPDATE … RETURNING (PostgreSQL,
    # SQLite ≥ 3.35), atomic on its own; the row stays locked to the end of the caller's transaction
    table = connection.ops.quote_name(Sequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE {table} SET "value" = "value" + 1 WHERE "name" = %s RETURNING "value"', [name])  # noqa: S608 (table name from model meta, the name is a parameter)
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    with transaction.atomic():
        updated = Sequence.objects.filter(name=name).update(value=F("value") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    Sequence.objects.create(name=name, value=1)
                    return 1
            except IntegrityError:  # another transaction created it first
                Sequence.objects.filter(name=name).update(value=F("value") + 1)
        return Sequence.objects.get(name=name).value


def next_code(name: str, template: str) -> str:
    """Format the next value with `template`, e.g. "沪交执罚〔{year}〕第{n:06d}号" (year filled by the caller)."""
    return template.format(n=next_value(name))
