"""Bulk SQL of the telemetry pipelines (GPS fixes in `dispatch`, AIS in `maritime`): one statement per batch where
the backend allows it. Names and types come from the models, never from input.

PostgreSQL: rows are inserted with COPY (psycopg 3 `cursor.copy`), rows are updated with ONE
`UPDATE … FROM unnest(%s::type[], …)` (one array parameter per column, whatever the number of rows), and rows are
read by id or MMSI with `= ANY(%s)`. The COPY text and the array literals are built column by column with
`str.join` over `map` (C loops), not value by value by the driver's adapters: that was most of the client time.
The per-fix statements (the fixes' COPY, the latest-fix UPDATE, the cache check) go further: their values are in
PostgreSQL's binary format, built by numpy (`copy_binary`, `execute_binary`; see the section below), so neither
side formats or parses a float or a timestamp. A batch's small writes are prepared ahead and sent in one psycopg
pipeline (`Writes`).
SQLite: `executemany` of one prepared statement inside the caller's
transaction (the sqlite3 module runs it in C, without a round trip per row) and `IN (…)` in chunks.
Values must already be adapted for the backend (see `datetime_adapter`, `adapt`). The caller holds the
transaction.

Row upserts (the GPS pipeline's fixes, zone states, latest fixes): `insert` / `upsert` take row tuples in a
given column order with an ON CONFLICT clause, sent as `unnest` of binary arrays or, for many rows, from a session
staging table filled by COPY (`stage`); SQLite `executemany`.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model

SQLITE_CHUNK = 500  # SQLite's host-parameter limit is 32,766 since 3.32; stay far below it
CHUNK = 500  # rows per INSERT of bulk_create where the pipeline uses it (events, crossings, presences)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def datetime_adapter() -> Callable[[dt.datetime], Any]:
    """Aware datetime → the database parameter, fast: SQLite stores UTC as Django's str() of the naive value;
    psycopg takes the aware datetime itself."""
    if connection.vendor == "sqlite":
        utc = dt.UTC

        def adapt(value: dt.datetime) -> str:
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
            return int(row[0])
    from teis.core.codes import next_value

    return next_value(name)


_column_types: dict[tuple[Any, ...], list[str]] = {}


def column_types(model: type[Model], columns: Sequence[str]) -> list[str]:
    """The database types of `columns` (attnames) of `model`, for the casts of the array parameters (memoised)."""
    key = (connection.vendor, model, tuple(columns))
    types = _column_types.get(key)
    if types is None:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        types = [cast(str, fields[c].db_type(connection)).split("(")[0].replace(" check", "") for c in columns]
        _column_types[key] = types
    return types


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _array_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _strings(values: Sequence[Any], null: str, *, array: bool) -> list[str]:
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


def array_literal(values: Sequence[Any]) -> str:
    """A PostgreSQL array literal ('{1,2,NULL}') of Python values of one type, to be cast with %s::type[]."""
    return "{" + ",".join(_strings(values, "NULL", array=True)) + "}"


def copy_rows(table: str, columns: Sequence[str], column_values: Sequence[Sequence[Any]]) -> None:
    """COPY … FROM STDIN of columns of values (PostgreSQL), written as one text block."""
    cols = [_strings(values, "\\N", array=False) for values in column_values]
    text = "\n".join(map("\t".join, zip(*cols, strict=True))) + "\n"
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # noqa: S608
        copy.write(text)


def insert_rows(model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
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


def insert_columns(model: type[Model], columns: Sequence[str], column_values: Sequence[Sequence[Any]]) -> None:
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


def insert_ignore(objs: list[Any], unique: str, vary: Sequence[str] = ()) -> int:
    """INSERT unsaved model instances in one statement, skipping those whose `unique` column already exists (another
    listener may create the same row concurrently). With `vary`, only those fields differ between the instances:
    the others are prepared once, from the first. Returns the number of instances sent."""
    if not objs:
        return 0
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    table = model._meta.db_table
    cols = ", ".join(columns)
    if vary and is_postgres():
        # the same values for every row but `vary`: those once as plain parameters, `vary` as one array each
        first = [f.get_db_prep_save(getattr(objs[0], f.attname), connection) for f in fields]
        varying = [f for f in fields if f.attname in vary]
        types = column_types(model, [f.attname for f in varying])
        names = [f"v{i}" for i in range(len(varying))]
        select = ", ".join(
            f"v.v{varying.index(f)}" if f in varying else f"%s::{column_types(model, [f.attname])[0]}" for f in fields
        )
        args = ", ".join(f"%s::{t}[]" for t in types)
        arrays = [
            array_literal([f.get_db_prep_save(getattr(obj, f.attname), connection) for obj in objs]) for f in varying
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({cols}) SELECT {select} FROM unnest({args}) AS v({', '.join(names)}) "  # noqa: S608
                f"ON CONFLICT ({unique}) DO NOTHING",
                [*(v for f, v in zip(fields, first, strict=True) if f not in varying), *arrays],
            )
        return len(objs)
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


def update_rows(
    model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]], constants: dict[str, Any] | None = None
) -> None:
    """UPDATE many rows by primary key: each row is (*values of `columns`, id); `constants` are set to the same
    value on every row (one parameter)."""
    if not rows:
        return
    table = model._meta.db_table
    constants = constants or {}
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(*_update_rows_sql(model, columns, rows, constants))
        else:
            sets = ", ".join([*(f"{c} = %s" for c in columns), *(f"{c} = %s" for c in constants)])
            cursor.executemany(
                f"UPDATE {table} SET {sets} WHERE id = %s",  # noqa: S608
                [(*r[:-1], *constants.values(), r[-1]) for r in rows],
            )


def _update_rows_sql(
    model: type[Model], columns: Sequence[str], rows: list[tuple[Any, ...]], constants: dict[str, Any]
) -> tuple[str, list[Any]]:
    """`update_rows` on PostgreSQL: (statement, parameters)."""
    types = column_types(model, (*columns, "id"))
    arrays = [array_literal(col) for col in zip(*rows, strict=True)]
    args = ", ".join(f"%s::{t}[]" for t in types)
    sets = ", ".join([*(f"{c} = v.{c}" for c in columns), *(f"{c} = %s" for c in constants)])
    return (
        f"UPDATE {model._meta.db_table} AS t SET {sets} FROM unnest({args}) AS v({', '.join(columns)}, id) "  # noqa: S608
        "WHERE t.id = v.id",
        [*constants.values(), *arrays],
    )


def select_in(sql: str, column: str, values: Iterable[int]) -> list[tuple[Any, ...]]:
    """Run `sql` (a SELECT with the placeholder `{where}`) for every value of the integer `column`."""
    values = list(values)
    if not values:
        return []
    out: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(sql.format(where=f"{column} = ANY(%s::bigint[])"), ["{" + ",".join(map(str, values)) + "}"])
            out.extend(cursor.fetchall())
        else:
            for i in range(0, len(values), SQLITE_CHUNK):
                part = values[i : i + SQLITE_CHUNK]
                cursor.execute(sql.format(where=f"{column} IN ({', '.join(['%s'] * len(part))})"), part)
                out.extend(cursor.fetchall())
    return out


# --- PostgreSQL binary format, built with numpy ---------------------------------------------------------------
# The hot statements of the pipeline (the fixes' COPY, the latest-fix UPDATE, the cache check) take their values
# in PostgreSQL's binary format, built column-wise by numpy: no per-value Python on the client, no text parsing
# (floats, timestamps) on the server. A column is a `BinColumn`: fixed-width values (int2/int8/float8, or
# timestamptz as int64 microseconds since 2000-01-01 UTC) with an optional null mask, or text as one byte string
# per row. Rows are laid out at their widest (every value present, text padded) and the bytes of absent values
# and padding are dropped with one boolean mask.

PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)
_FIXED = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "float8": ">f8", "timestamptz": ">i8", "bool": "?"}
_ARRAY_OIDS = {
    "int2": (21, 1005), "int4": (23, 1007), "int8": (20, 1016), "float8": (701, 1022),
    "timestamptz": (1184, 1185), "text": (25, 1009), "bool": (16, 1000),
}  # fmt: skip
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


class BinColumn:
    """One column for `copy_binary_payload` / `binary_array`: `values` (numpy array, or a list of bytes for
    "text"), `null` (boolean array or None: no nulls)."""

    __slots__ = ("kind", "values", "null")

    def __init__(self, kind: str, values: Any, null: Any = None) -> None:
        self.kind, self.values, self.null = kind, values, null


def microseconds(values: Sequence[dt.datetime | None]) -> tuple[Any, Any]:
    """Aware datetimes → (int64 µs since 2000-01-01 UTC, null mask or None). A batch holds few distinct times
    (tag blocks have whole seconds), so each is converted once."""
    import numpy as np

    memo: dict[dt.datetime | None, int] = {v: (v - PG_EPOCH) // _ONE_US for v in set(values) if v is not None}
    if len(memo) < len(set(values)):  # None among them
        memo[None] = 0
        return np.fromiter(map(memo.__getitem__, values), np.int64, len(values)), np.fromiter(
            (v is None for v in values), bool, len(values)
        )
    return np.fromiter(map(memo.__getitem__, values), np.int64, len(values)), None


def nullable(values: Sequence[Any], kind: str) -> BinColumn:
    """A column of numbers where None means NULL → BinColumn (None and NaN both become NULL)."""
    import numpy as np

    arr = np.array(values, dtype=np.float64)  # None → nan
    null = np.isnan(arr)
    if kind != "float8":
        arr = np.where(null, 0, arr)
    return BinColumn(kind, arr, null if null.any() else None)


def _matrix(columns: Sequence[BinColumn], n: int, *, field_count: bool) -> bytes:
    """(bytes of the rows, row by row) for COPY (field count first) or one array's elements."""
    import numpy as np

    parts: list[Any] = []
    masks: list[Any] = []
    ragged = False
    if field_count:
        parts.append(np.full((n, 1), len(columns), dtype=">i2").view(np.uint8))
        masks.append(None)
    for col in columns:
        if col.kind == "text":
            values = col.values
            lengths = np.fromiter(map(len, values), np.int32, n)
            width = int(lengths.max()) if n else 0
            rec = np.empty(n, dtype=[("n", ">i4"), ("v", f"S{width}")] if width else [("n", ">i4")])
            rec["n"] = lengths
            if width:
                rec["v"] = values
            keep = None
            if width and (lengths != width).any():
                keep = np.ones((n, 4 + width), dtype=bool)
                keep[:, 4:] = np.arange(width) < lengths[:, None]
                ragged = True
        else:
            dtype = _FIXED[col.kind]
            width = np.dtype(dtype).itemsize
            rec = np.empty(n, dtype=[("n", ">i4"), ("v", dtype)])
            rec["n"] = width
            rec["v"] = col.values
            keep = None
            if col.null is not None:
                rec["n"][col.null] = -1
                keep = np.ones((n, 4 + width), dtype=bool)
                keep[col.null, 4:] = False
                ragged = True
        parts.append(rec.view(np.uint8).reshape(n, -1))
        masks.append(keep)
    rows = np.hstack(parts) if len(parts) > 1 else parts[0]
    if not ragged:
        return rows.tobytes()
    keep = np.hstack([m if m is not None else np.ones(p.shape, dtype=bool) for p, m in zip(parts, masks, strict=True)])
    return rows[keep].tobytes()


def copy_binary_payload(columns: Sequence[BinColumn], n: int) -> bytes:
    """The whole `COPY … FROM STDIN (FORMAT BINARY)` stream of n rows."""
    return _COPY_HEADER + _matrix(columns, n, field_count=True) + _COPY_TRAILER


class PgArray:
    """A one-dimensional PostgreSQL array already in binary form: a query parameter for `execute_binary`."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


def binary_array(column: BinColumn, n: int) -> PgArray:
    elem_oid, _ = _ARRAY_OIDS[column.kind]
    has_null = int(column.null is not None and bool(column.null.any()))
    if n == 0:
        return PgArray(b"".join(x.to_bytes(4, "big") for x in (0, 0, elem_oid)))
    header = b"".join(x.to_bytes(4, "big") for x in (1, has_null, elem_oid, n, 1))
    return PgArray(header + _matrix([column], n, field_count=False))


def _array_dumpers(raw: Any) -> None:
    """Let psycopg send `PgArray` parameters as they are (binary format, the array's own type oid)."""
    if getattr(raw, "_teis_pg_arrays", False):
        return
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class _Dumper(Dumper):
        format = Format.BINARY

        def dump(self, obj: PgArray) -> bytes:
            return obj.data

    raw.adapters.register_dumper(PgArray, _Dumper)
    raw._teis_pg_arrays = True


def execute_binary(
    sql: str, params: Sequence[Any], *, fetch: bool = False, binary: bool = False
) -> list[tuple[Any, ...]] | None:
    """Run one statement with server-side binding on the connection's psycopg connection (PostgreSQL), so `PgArray`
    parameters go in binary. `%b::type[]` casts in `sql` name the array types. With `binary`, the results come in
    binary too (no text parsing of timestamps and arrays). Logged like Django's queries."""
    import time

    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    _array_dumpers(raw)
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=False, binary=binary)
        rows = cursor.fetchall() if fetch else None
    _log(sql, started)
    return rows


def _log(sql: str, started: float) -> None:
    import time

    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


@contextmanager
def copy_binary(table: str, columns: Sequence[str], payload: bytes) -> Iterator[None]:
    """`with copy_binary(table, columns, payload):` starts a binary COPY and sends the whole payload; the body runs
    while the server stores the rows, so it must not use the database (the connection is busy with the COPY);
    the COPY ends, and its errors are raised, when the block exits."""
    import time

    import psycopg

    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor, cursor.copy(sql) as copy:
        copy.write(payload)
        yield
    _log(sql, started)


_insert_plans: dict[tuple[Any, bool], tuple[list[Any], str]] = {}


def insert_objects(objs: list[Any], *, ignore_conflicts: bool = False) -> None:
    """INSERT unsaved model instances of one model without returning ids, in one statement on PostgreSQL
    (`unnest` of one array literal per column; `pre_save` fills auto_now fields as in `bulk_create`). The
    pipeline's small per-batch inserts (events, crossings, presences): Django's `bulk_create` spent more time
    compiling and adapting than the server did inserting. Other backends: `bulk_create`."""
    if not objs:
        return
    model = type(objs[0])
    if not is_postgres():
        model.objects.bulk_create(objs, batch_size=CHUNK, ignore_conflicts=ignore_conflicts)
        return
    with connection.cursor() as cursor:
        cursor.execute(*_insert_objects_sql(objs, ignore_conflicts))


def _insert_objects_sql(objs: list[Any], ignore_conflicts: bool) -> tuple[str, list[Any]]:
    """`insert_objects` on PostgreSQL: (statement, parameters)."""
    model = type(objs[0])
    plan = _insert_plans.get((model, ignore_conflicts))
    if plan is None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        types = column_types(model, [f.attname for f in fields])
        sql = (
            f"INSERT INTO {model._meta.db_table} ({', '.join(f.column for f in fields)}) "  # noqa: S608
            f"SELECT * FROM unnest({', '.join(f'%s::{t}[]' for t in types)})"
            + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
        )
        plan = _insert_plans[(model, ignore_conflicts)] = (fields, sql)
    fields, sql = plan
    ops = connection
    columns = [[f.get_db_prep_save(f.pre_save(obj, True), ops) for obj in objs] for f in fields]
    return sql, [array_literal(col) for col in columns]


def delete_pairs(model: type[Model], first: str, second: str, pairs: list[tuple[int, int]]) -> None:
    """DELETE the rows whose (`first`, `second`) integer columns are among `pairs`: one statement on PostgreSQL."""
    if not pairs:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(*_delete_pairs_sql(model, first, second, pairs))
        else:
            cursor.executemany(f"DELETE FROM {table} WHERE {first} = %s AND {second} = %s", pairs)  # noqa: S608


def _delete_pairs_sql(
    model: type[Model], first: str, second: str, pairs: list[tuple[int, int]]
) -> tuple[str, list[Any]]:
    a, b = zip(*pairs, strict=True)
    return (
        f"DELETE FROM {model._meta.db_table} AS t USING unnest(%s::bigint[], %s::bigint[]) AS p(a, b) "  # noqa: S608
        f"WHERE t.{first} = p.a AND t.{second} = p.b",
        [array_literal(a), array_literal(b)],
    )


class Writes:
    """A batch's writes whose parameters are built ahead (the pipeline builds them while the server stores the
    fixes' COPY) and that are sent together by `run`: on PostgreSQL in one psycopg pipeline (one round trip for
    all of them, `PgArray` parameters in binary); elsewhere one after the other. Nothing is read back."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def update_rows(
        self,
        model: type[Model],
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        constants: dict[str, Any] | None = None,
    ) -> None:
        if not rows:
            return
        if is_postgres():
            self.items.append(_update_rows_sql(model, columns, rows, constants or {}))
        else:
            self.items.append(lambda: update_rows(model, columns, rows, constants))

    def insert_objects(self, objs: list[Any], *, ignore_conflicts: bool = False) -> None:
        if not objs:
            return
        if is_postgres():
            self.items.append(_insert_objects_sql(objs, ignore_conflicts))
        else:
            objs = list(objs)
            self.items.append(lambda: insert_objects(objs, ignore_conflicts=ignore_conflicts))

    def delete_pairs(self, model: type[Model], first: str, second: str, pairs: list[tuple[int, int]]) -> None:
        if not pairs:
            return
        if is_postgres():
            self.items.append(_delete_pairs_sql(model, first, second, pairs))
        else:
            self.items.append(lambda: delete_pairs(model, first, second, pairs))

    def execute_binary(self, sql: str, params: Sequence[Any]) -> None:
        """A statement for `execute_binary` (PostgreSQL)."""
        self.items.append((sql, params))

    def call(self, func: Callable[[], Any]) -> None:
        """Any other write, run in its turn (not pipelined)."""
        self.items.append(func)

    def run(self) -> None:
        items, self.items = self.items, []
        if not items:
            return
        if not is_postgres() or any(callable(item) for item in items):
            for item in items:
                item() if callable(item) else execute_binary(*item)
            return
        self._send(items).wait()

    def run_then_commit(self) -> DeferredCommit:
        """PostgreSQL, in a transaction the caller opened with autocommit off: send the writes and COMMIT in one
        pipeline and return at once; the server runs them while the caller goes on. `DeferredCommit.wait()` reads
        their results (and raises their error); until then nothing else may use the connection."""
        if any(callable(item) for item in self.items):
            self.run()
        items, self.items = self.items, []
        return self._send([*items, ("COMMIT", [])])

    def _send(self, items: list[Any]) -> DeferredCommit:
        import time

        import psycopg

        connection.ensure_connection()
        raw = connection.connection
        _array_dumpers(raw)
        started = time.monotonic()
        pipeline = raw.pipeline()  # a context manager, left open until `DeferredCommit.wait`
        with connection.wrap_database_errors:
            pipeline.__enter__()
            cursor = psycopg.Cursor(raw)
            try:
                for sql, params in items:
                    cursor.execute(sql, params, prepare=False)
            except BaseException as exc:
                _close_pipeline(pipeline, cursor, exc)
                raise
        return DeferredCommit(pipeline, cursor, [sql for sql, _ in items], started)


def _close_pipeline(pipeline: Any, cursor: Any, exc: BaseException | None) -> None:
    try:
        if exc is None:
            pipeline.__exit__(None, None, None)
        else:
            pipeline.__exit__(type(exc), exc, exc.__traceback__)
    finally:
        cursor.close()


class DeferredCommit:
    """Statements sent in a psycopg pipeline whose results are not read yet (`Writes._send`)."""

    def __init__(self, pipeline: Any, cursor: Any, sqls: list[str], started: float) -> None:
        self.pipeline, self.cursor, self.sqls, self.started = pipeline, cursor, sqls, started

    def wait(self) -> None:
        """Read the results (the pipeline's sync): raises the first statement's error, if one failed."""
        with connection.wrap_database_errors:
            _close_pipeline(self.pipeline, self.cursor, None)
        for sql in self.sqls:
            _log(sql, self.started)


# --- row upserts: INSERT … ON CONFLICT from rows in a column order (the GPS pipeline) -------------------------


def adapt(rows: list[tuple[Any, ...]], datetimes: tuple[int, ...]) -> Sequence[Sequence[Any]]:
    """Rows as the raw cursor takes them: SQLite stores naive UTC text (what the ORM writes), PostgreSQL takes
    aware datetimes as they are. `datetimes`: the positions of the datetime values in a row."""
    if connection.vendor == "postgresql":
        return rows
    adapt_value = connection.ops.adapt_datetimefield_value
    out: list[list[Any]] = []
    for row in rows:
        values = list(row)
        for i in datetimes:
            values[i] = adapt_value(values[i])
        out.append(values)
    return out


def columns_sql(columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def table_sql(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def insert(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    conflict: str,
    pg_cursor: Any = None,
    staged: str | None = None,
) -> None:
    """INSERT with an ON CONFLICT clause, one statement per batch: PostgreSQL from the staging table `staged`
    (see `stage`) or from `unnest` of one array per column (a single short statement whatever the row count;
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


def _array_of(field: Field[Any, Any], values: Any) -> list[Any]:
    """One column as a list psycopg can dump as one array: it refuses a list mixing int and float (a producer may
    build `Fix(speed_kmh=0)` and `Fix(speed_kmh=12.5)`), so numeric columns are made one Python type."""
    kind = field.get_internal_type()
    if kind == "FloatField":
        return [None if v is None else float(v) for v in values]
    if kind in ("IntegerField", "SmallIntegerField", "BigIntegerField", "PositiveIntegerField",
                "PositiveSmallIntegerField", "PositiveBigIntegerField"):  # fmt: skip
        return [None if v is None else int(v) for v in values]
    return list(values)


def upsert(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    keys: tuple[str, ...],
    pg_cursor: Any = None,
    staged: str | None = None,
) -> None:
    """`insert` … ON CONFLICT (`keys`) DO UPDATE SET every other column."""
    quote = connection.ops.quote_name
    update = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in columns if c not in keys)
    insert(model, columns, rows, f"ON CONFLICT ({columns_sql(keys)}) DO UPDATE SET {update}", pg_cursor, staged)


STAGE_MIN_ROWS = 32  # from this many rows an upsert reads a staging table filled by COPY (see `stage`)
_staging_ready: weakref.WeakKeyDictionary[Any, set[str]] = (
    weakref.WeakKeyDictionary()
)  # psycopg connection → tables created


def stage(
    pg: Any, model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], min_rows: int = STAGE_MIN_ROWS
) -> str | None:
    """PostgreSQL: COPY `rows` into a temporary table of `columns` shaped like `model`'s table and return its name
    (None for fewer than `min_rows` rows: arrays are cheaper then). COPY formats the rows in C; binary arrays are
    dumped element by element in Python, which for many rows costs more than the rest of a batch. The table lives
    as long as the session and is emptied at every commit (ON COMMIT DELETE ROWS); it is created in the batch's
    transaction and known to exist only once that transaction committed. `pg`: the psycopg connection."""
    if len(rows) < min_rows:
        return None
    import psycopg
    from django.db import transaction

    name = connection.ops.quote_name(f"teis_stage_{model._meta.db_table}")
    ready = _staging_ready.setdefault(pg, set())
    with psycopg.Cursor(pg) as cur:
        if name not in ready:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DELETE ROWS AS "  # noqa: S608 (names from the model)
                f"SELECT {columns_sql(columns)} FROM {table_sql(model)} WITH NO DATA"
            )
            transaction.on_commit(lambda: ready.add(name))
        if len(connection.atomic_blocks) > 1:  # inside a caller's transaction: earlier batches' rows are there
            cur.execute(f"DELETE FROM {name}")  # noqa: S608
        with cur.copy(f"COPY {name} ({columns_sql(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
    return name
