"""Bulk SQL for the AIS pipeline: one statement per batch where the backend allows it.

PostgreSQL: rows are inserted with COPY (psycopg 3 `cursor.copy`), rows are updated with ONE
`UPDATE … FROM unnest(%s::type[], …)` (one array parameter per column, whatever the number of rows), and rows are
read by id or MMSI with `= ANY(%s)`. The COPY text and the array literals are built column by column with
`str.join` over `map` (C loops), not value by value by the driver's adapters: that was most of the client time.
SQLite: `executemany` of one prepared statement inside the caller's
transaction (the sqlite3 module runs it in C, without a round trip per row) and `IN (…)` in chunks.
Values must already be adapted for the backend (see `datetime_adapter`). The caller holds the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection

SQLITE_CHUNK = 500  # SQLite's host-parameter limit is 32,766 since 3.32; stay far below it
CHUNK = 500  # rows per INSERT of bulk_create where the pipeline uses it (events, crossings, presences)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def datetime_adapter():
    """Aware datetime → the database parameter, fast: SQLite stores UTC as Django's str() of the naive value;
    psycopg takes the aware datetime itself."""
    if connection.vendor == "sqlite":
        utc = dt.UTC

        def adapt(value):
            return str(value.astimezone(utc).replace(tzinfo=None))

        return adapt
    if is_postgres():
        return lambda value: value
    return connection.ops.adapt_datetimefield_value  # pragma: no cover - only the two backends are supported


def relaxed_commit() -> None:
    """PostgreSQL: this connection's commits need not wait for the WAL flush (`synchronous_commit = off`, set once
    per connection). For telemetry: a crash may lose the last fraction of a second of batches, never leave one
    half-applied; the listener carries on with the next."""
    if not is_postgres():
        return
    raw = connection.connection
    if getattr(raw, "_teis_relaxed_commit", False):
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    raw._teis_relaxed_commit = True


def next_sequence_value(name: str) -> int:
    """`teis.core.codes.next_value` in one statement on PostgreSQL (UPDATE … RETURNING), where it exists."""
    if is_postgres():
        from teis.core.models import Sequence

        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Sequence._meta.db_table} SET value = value + 1 WHERE name = %s RETURNING value",  # noqa: S608
                [name],
            )
            row = cursor.fetchone()
        if row is not None:
            return row[0]
    from teis.core.codes import next_value

    return next_value(name)


def column_types(model, columns: Sequence[str]) -> list[str]:
    """The database types of `columns` (attnames) of `model`, for the casts of the array parameters."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    return [fields[c].db_type(connection).split("(")[0].replace(" check", "") for c in columns]


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _array_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _strings(values: Sequence, null: str, *, array: bool) -> list[str]:
    """One column as PostgreSQL text: for an array literal (`array`) or for COPY's text format."""
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return [null] * len(values)
    if isinstance(sample, bool):
        conv = {True: "t", False: "f"}.__getitem__
    elif isinstance(sample, (int, float)):
        conv = str
    elif isinstance(sample, dt.datetime):  # few distinct times in a batch (tag blocks have whole seconds)
        memo = {v: (f'"{v}"' if array else str(v)) for v in set(values) if v is not None}
        conv = memo.__getitem__
    elif isinstance(sample, dt.date):
        conv = str
    else:  # text: few distinct values in a batch (station ids, names), each quoted once
        quote = _array_quote if array else (lambda v: v.translate(_COPY_ESCAPES))
        memo = {v: quote(str(v)) for v in set(values) if v is not None}
        conv = memo.__getitem__
    if None in values:
        return [null if v is None else conv(v) for v in values]
    return list(map(conv, values))


def array_literal(values: Sequence) -> str:
    """A PostgreSQL array literal ('{1,2,NULL}') of Python values of one type, to be cast with %s::type[]."""
    return "{" + ",".join(_strings(values, "NULL", array=True)) + "}"


def copy_rows(table: str, columns: Sequence[str], column_values: Sequence[Sequence]) -> None:
    """COPY … FROM STDIN of columns of values (PostgreSQL), written as one text block."""
    cols = [_strings(values, "\\N", array=False) for values in column_values]
    text = "\n".join(map("\t".join, zip(*cols, strict=True))) + "\n"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608
        copy.write(text)


def insert_rows(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """INSERT many rows (no ids returned)."""
    if not rows:
        return
    table = model._meta.db_table
    cols = ", ".join(columns)
    if is_postgres():
        copy_rows(table, columns, list(zip(*rows, strict=True)))
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608


def insert_columns(model, columns: Sequence[str], column_values: Sequence[Sequence]) -> None:
    """INSERT many rows given column by column (no ids returned): COPY on PostgreSQL, executemany on SQLite."""
    if not column_values or not len(column_values[0]):
        return
    table = model._meta.db_table
    if is_postgres():
        copy_rows(table, columns, column_values)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
            list(zip(*column_values, strict=True)),
        )


def insert_ignore(objs: list, unique: str, vary: Sequence[str] = ()) -> int:
    """INSERT unsaved model instances in one statement, skipping those whose `unique` column already exists (another
    listener may create the same row concurrently). With `vary`, only those fields differ between the instances:
    the others are prepared once, from the first. Returns the number of instances sent."""
    if not objs:
        return 0
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    if vary:
        first = [f.get_db_prep_save(getattr(objs[0], f.attname), connection) for f in fields]
        varying = [(i, f) for i, f in enumerate(fields) if f.attname in vary]
        rows = []
        for obj in objs:
            row = first.copy()
            for i, f in varying:
                row[i] = f.get_db_prep_save(getattr(obj, f.attname), connection)
            rows.append(tuple(row))
    else:
        rows = [tuple(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields) for obj in objs]
    table = model._meta.db_table
    cols = ", ".join(columns)
    with connection.cursor() as cursor:
        if is_postgres():
            types = column_types(model, [f.attname for f in fields])
            args = ", ".join(f"%s::{t}[]" for t in types)
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT * FROM unnest({args}) ON CONFLICT ({unique}) DO NOTHING",  # noqa: S608
                [list(col) for col in zip(*rows, strict=True)],
            )
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT OR IGNORE INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608
    return len(objs)


def update_rows(model, columns: Sequence[str], rows: list[tuple], constants: dict | None = None) -> None:
    """UPDATE many rows by primary key: each row is (*values of `columns`, id); `constants` are set to the same
    value on every row (one parameter)."""
    if not rows:
        return
    table = model._meta.db_table
    constants = constants or {}
    with connection.cursor() as cursor:
        if is_postgres():
            types = column_types(model, (*columns, "id"))
            arrays = [array_literal(col) for col in zip(*rows, strict=True)]
            args = ", ".join(f"%s::{t}[]" for t in types)
            sets = ", ".join([*(f"{c} = v.{c}" for c in columns), *(f"{c} = %s" for c in constants)])
            cursor.execute(
                f"UPDATE {table} AS t SET {sets} FROM unnest({args}) AS v({', '.join(columns)}, id) "  # noqa: S608
                "WHERE t.id = v.id",
                [*constants.values(), *arrays],
            )
        else:
            sets = ", ".join([*(f"{c} = %s" for c in columns), *(f"{c} = %s" for c in constants)])
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608
                [(*r[:-1], *constants.values(), r[-1]) for r in rows],
            )


def select_in(sql: str, column: str, values: Iterable[int]) -> list[tuple]:
    """Run `sql` (a SELECT with the placeholder `{where}`) for every value of the integer `column`."""
    values = list(values)
    if not values:
        return []
    out: list[tuple] = []
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(sql.format(where=f"{column} = ANY(%s)"), [values])
            out.extend(cursor.fetchall())
        else:
            for i in range(0, len(values), SQLITE_CHUNK):
                part = values[i : i + SQLITE_CHUNK]
                cursor.execute(sql.format(where=f"{column} IN ({', '.join(['%s'] * len(part))})"), part)
                out.extend(cursor.fetchall())
    return out
