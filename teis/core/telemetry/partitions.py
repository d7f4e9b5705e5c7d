"""Telemetry tables partitioned by month on PostgreSQL (declarative `PARTITION BY RANGE (<time column>)`).

Django does not model partitioning: the model keeps `id` as its primary key field (ids stay unique: one identity
sequence feeds every partition) while the table's PRIMARY KEY is (id, <time column>), as PostgreSQL requires the
partition key in every unique constraint. `partition_by_month` converts a table in a migration (PostgreSQL only;
other backends keep the plain table), `ensure_months` creates the months ahead (a periodic job of the owning app),
`drop_months_before` is the retention: whole months are dropped instead of deleting rows.

A DEFAULT partition (`<table>_default`) takes every row outside the monthly partitions (a late 盲区补报 fix from
long ago, a clock in the future): such an insert never fails. When a month is created for which the default holds
rows, they are moved into the new month before it is attached.

Month bounds are midnights of the first of the month in the project's time zone (Asia/Shanghai). Names:
`<table>_pYYYYMM`. Table and column names come from the models, never from input.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

AHEAD_MONTHS = 2  # besides the current month
BACK_MONTHS = 13  # a conversion creates monthly partitions this far back for the rows it copies; older go to default


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, when: dt.datetime) -> Month:
        local = timezone.localtime(when, timezone.get_default_timezone())
        return cls(local.year, local.month)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=timezone.get_default_timezone())

    @property
    def end(self) -> dt.datetime:
        return self.shift(1).start

    def suffix(self) -> str:
        return f"p{self.year:04d}{self.month:02d}"


@dataclass
class Partition:
    name: str
    month: Month | None  # None: the default partition
    rows: int = 0  # planner's estimate (pg_class.reltuples), for reports


def _q(name: str, conn: BaseDatabaseWrapper | None = None) -> str:
    return (conn or default_connection).ops.quote_name(name)


def _lit(value: dt.datetime) -> str:
    return "'" + value.isoformat() + "'::timestamptz"


def is_postgres(conn: BaseDatabaseWrapper | None = None) -> bool:
    return (conn or default_connection).vendor == "postgresql"


def is_partitioned(table: str, conn: BaseDatabaseWrapper | None = None) -> bool:
    conn = conn or default_connection
    if not is_postgres(conn):
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None


def partitions(table: str, conn: BaseDatabaseWrapper | None = None) -> list[Partition]:
    """The partitions of `table`, monthly ones in time order, then the default."""
    conn = conn or default_connection
    pattern = re.compile(re.escape(table) + r"_p(\d{4})(\d{2})$")
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.reltuples::bigint FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s AND pg_table_is_visible(p.oid)",
            [table],
        )
        rows = cursor.fetchall()
    monthly, default = [], []
    for name, tuples in rows:
        m = pattern.match(name)
        if m:
            monthly.append(Partition(name, Month(int(m[1]), int(m[2])), max(tuples, 0)))
        else:
            default.append(Partition(name, None, max(tuples, 0)))
    monthly.sort(key=lambda p: (p.month.year, p.month.month) if p.month else (0, 0))
    return monthly + default


def _definitions(cursor: CursorWrapper, table: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(constraints (name, type, definition) other than CHECK, definitions of the other indexes) of `table`."""
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'x') ORDER BY contype, conname",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
        [table],
    )
    return constraints, [r[0] for r in cursor.fetchall()]


def _referenced(cursor: CursorWrapper, table: str) -> list[str]:
    cursor.execute(
        "SELECT conrelid::regclass::text FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f' "
        "AND conrelid <> confrelid",
        [table],
    )
    return [r[0] for r in cursor.fetchall()]


def _rebuild(
    cursor: CursorWrapper,
    conn: BaseDatabaseWrapper,
    table: str,
    column: str,
    pk: str,
    *,
    partitioned: bool,
    now: dt.datetime,
) -> None:
    """Recreate `table` (partitioned by month on `column`, or plain), keeping its columns, rows, ids, identity,
    constraints and indexes with their names; only the primary key changes: (pk, column) or (pk)."""

    def q(name: str) -> str:
        return _q(name, conn)

    referencing = _referenced(cursor, table)
    if referencing:
        raise RuntimeError(f"{table} is referenced by foreign keys of {', '.join(referencing)}: cannot partition it")
    constraints, indexes = _definitions(cursor, table)
    old = f"{table}__rebuild"
    cursor.execute(
        "SELECT a.attidentity FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attname = %s", [table, pk]
    )
    identity = (cursor.fetchone() or ("",))[0]
    cursor.execute(f"SELECT COALESCE(MAX({q(pk)}), 0) FROM {q(table)}")  # noqa: S608
    next_id = cursor.fetchone()[0] + 1
    cursor.execute(f"SELECT MIN({q(column)}) FROM {q(table)}")  # noqa: S608
    oldest = cursor.fetchone()[0]
    cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
    if identity:
        cursor.execute(f"ALTER TABLE {q(old)} ALTER COLUMN {q(pk)} DROP IDENTITY")
    like = f"(LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING STORAGE)"
    if partitioned:
        cursor.execute(f"CREATE TABLE {q(table)} {like} PARTITION BY RANGE ({q(column)})")
    else:
        cursor.execute(f"CREATE TABLE {q(table)} {like}")
    if identity:
        kind = "ALWAYS" if identity == "a" else "BY DEFAULT"
        cursor.execute(
            f"ALTER TABLE {q(table)} ALTER COLUMN {q(pk)} ADD GENERATED {kind} AS IDENTITY (START WITH {int(next_id)})"
        )
    else:  # a serial column: its sequence now belongs to the new table
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [old, pk])
        seq = cursor.fetchone()[0]
        if seq:
            cursor.execute(f"ALTER SEQUENCE {seq} OWNED BY {q(table)}.{q(pk)}")
    if partitioned:
        cursor.execute(f"CREATE TABLE {q(table + '_default')} PARTITION OF {q(table)} DEFAULT")
        first = Month.of(now)  # an empty table starts with the current month
        if oldest is not None:
            first = max(Month.of(oldest), first.shift(-BACK_MONTHS), key=lambda m: m.start)
            first = min(first, Month.of(now), key=lambda m: m.start)
        month, last = first, Month.of(now).shift(AHEAD_MONTHS)
        while month.start <= last.start:
            cursor.execute(
                f"CREATE TABLE {q(table + '_' + month.suffix())} PARTITION OF {q(table)} "
                f"FOR VALUES FROM ({_lit(month.start)}) TO ({_lit(month.end)})"
            )
            month = month.shift(1)
    overriding = " OVERRIDING SYSTEM VALUE" if identity == "a" else ""
    cursor.execute(f"INSERT INTO {q(table)}{overriding} SELECT * FROM {q(old)}")  # noqa: S608
    cursor.execute(f"DROP TABLE {q(old)}")
    for name, kind, definition in constraints:
        if kind == "p":
            definition = f"PRIMARY KEY ({q(pk)}, {q(column)})" if partitioned else f"PRIMARY KEY ({q(pk)})"
        cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
    for definition in indexes:
        cursor.execute(definition)
    cursor.execute(f"ANALYZE {q(table)}")


def partition_by_month(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str, pk: str = "id") -> None:
    """Migration step (RunPython): on PostgreSQL, recreate `table` partitioned by month on `column` (rows copied;
    the months from the oldest row, at most BACK_MONTHS back, to AHEAD_MONTHS ahead, plus the default partition).
    Other backends: nothing. Idempotent."""
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or is_partitioned(table, conn):
        return
    with conn.cursor() as cursor:
        _rebuild(cursor, conn, table, column, pk, partitioned=True, now=timezone.now())


def unpartition(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str, pk: str = "id") -> None:
    """The reverse of `partition_by_month` (a plain table again, primary key `pk`)."""
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or not is_partitioned(table, conn):
        return
    with conn.cursor() as cursor:
        _rebuild(cursor, conn, table, column, pk, partitioned=False, now=timezone.now())


def ensure_months(table: str, column: str, now: dt.datetime | None = None, ahead: int = AHEAD_MONTHS) -> list[str]:
    """Create the partitions of the current month and the `ahead` next ones that are missing (rows of those months
    that landed in the default partition are moved into them). Returns the names created. No-op unless `table` is
    partitioned (SQLite, or a PostgreSQL table not converted)."""
    if not is_partitioned(table):
        return []
    existing = {p.month for p in partitions(table) if p.month is not None}
    current = Month.of(now or timezone.now())
    created = []
    for k in range(ahead + 1):
        month = current.shift(k)
        if month not in existing:
            created.append(create_month(table, column, month))
    return created


def create_month(table: str, column: str, month: Month) -> str:
    """Create one monthly partition: a standalone table, filled with the default partition's rows of that month,
    then attached (attaching locks the parent more lightly than CREATE … PARTITION OF)."""
    q = _q
    name = f"{table}_{month.suffix()}"
    default = f"{table}_default"
    bounds = f"FOR VALUES FROM ({_lit(month.start)}) TO ({_lit(month.end)})"
    with transaction.atomic(), default_connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {q(name)} (LIKE {q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {q(default)} WHERE {q(column)} >= {_lit(month.start)} "  # noqa: S608
            f"AND {q(column)} < {_lit(month.end)} RETURNING *) INSERT INTO {q(name)} SELECT * FROM moved"
        )
        cursor.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {q(name)} {bounds}")
    return name


@dataclass
class Dropped:
    partitions: list[str]
    rows: int  # estimated rows of the dropped partitions plus the rows deleted from the default partition


def drop_months_before(table: str, column: str, cutoff: dt.datetime) -> Dropped:
    """Retention on a partitioned table: drop every monthly partition that ends at or before `cutoff` (a month
    holding a newer row is kept whole) and delete the default partition's rows older than `cutoff`."""
    q = _q
    dropped, rows = [], 0
    for p in partitions(table):
        if p.month is None or p.month.end > cutoff:
            continue
        with transaction.atomic(), default_connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {q(table)} DETACH PARTITION {q(p.name)}")
            cursor.execute(f"DROP TABLE {q(p.name)}")
        dropped.append(p.name)
        rows += p.rows
    with transaction.atomic(), default_connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {q(table + '_default')} WHERE {q(column)} < %s", [cutoff])  # noqa: S608
        rows += cursor.rowcount
    return Dropped(dropped, rows)
