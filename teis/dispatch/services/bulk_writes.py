"""Set-based writes of the position pipeline: one INSERT … ON CONFLICT per batch, from arrays (`unnest`, bound in
binary) or a COPY-filled staging table on PostgreSQL, `executemany` on SQLite. Names and types come from the
model, never from input."""

from __future__ import annotations

from django.db import connection


def adapt(rows: list[tuple], datetimes: tuple[int, ...]) -> list[tuple]:
    """Rows as the raw cursor takes them: SQLite stores naive UTC text (what the ORM writes), PostgreSQL takes
    aware datetimes as they are."""
    if connection.vendor == "postgresql":
        return rows
    adapt = connection.ops.adapt_datetimefield_value
    out = []
    for row in rows:
        row = list(row)
        for i in datetimes:
            row[i] = adapt(row[i])
        out.append(row)
    return out


def columns_sql(columns) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def table_sql(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def insert(model, columns, rows: list[tuple], conflict: str, pg_cursor=None, staged: str | None = None) -> None:
    """INSERT with an ON CONFLICT clause, one statement per batch: PostgreSQL from the staging table `staged`
    (see `positions._stage`) or from `unnest` of one array per column (a single short statement whatever the row count;
    `pg_cursor`: a psycopg cursor, e.g. in a pipeline), SQLite `executemany` of one prepared statement (rows
    adapted by `adapt`)."""
    if not rows:
        return
    head = f"INSERT INTO {table_sql(model)} ({columns_sql(columns)}) "
    if staged is not None:
        sql = head + f"SELECT {columns_sql(columns)} FROM {staged} " + conflict  # noqa: S608 (names from the model)
        if pg_cursor is not None:
            pg_cursor.execute(sql)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        return
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.executemany(head + "VALUES (" + ", ".join(["%s"] * len(columns)) + ") " + conflict, rows)
        return
    import psycopg

    fields = {f.column: f for f in model._meta.concrete_fields}
    # `%b`: the arrays go in binary (server-side binding), four times cheaper than text arrays, which psycopg
    # quotes element by element; Django's own cursors bind on the client, so a plain psycopg cursor is used
    arrays = ", ".join(f"%b::{fields[c].db_type(connection)}[]" for c in columns)
    sql = head + f"SELECT * FROM unnest({arrays}) " + conflict  # noqa: S608 (names and types from the model)
    params = [_array_of(fields[c], col) for c, col in zip(columns, zip(*rows, strict=True), strict=True)]
    if pg_cursor is not None:
        pg_cursor.execute(sql, params)
        return
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)


def _array_of(field, values) -> list:
    """One column as a list psycopg can dump as one array: it refuses a list mixing int and float (a producer may
    build `Fix(speed_kmh=0)` and `Fix(speed_kmh=12.5)`), so numeric columns are made one Python type."""
    kind = field.get_internal_type()
    if kind == "FloatField":
        return [None if v is None else float(v) for v in values]
    if kind in ("IntegerField", "SmallIntegerField", "BigIntegerField", "PositiveIntegerField",
                "PositiveSmallIntegerField", "PositiveBigIntegerField"):  # fmt: skip
        return [None if v is None else int(v) for v in values]
    return list(values)


def upsert(model, columns, rows: list[tuple], keys: tuple[str, ...], pg_cursor=None, staged: str | None = None):
    quote = connection.ops.quote_name
    update = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in keys)
    insert(model, columns, rows, f"ON CONFLICT ({columns_sql(keys)}) DO UPDATE SET {update}", pg_cursor, staged)
