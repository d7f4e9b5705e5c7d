"""Database triggers that keep the audit trail append-only below the application.

The ORM already refuses `save()` on an existing record, `update()` and `delete()` (models.py); these
triggers refuse the same to any SQL sent through the application's database connection (an injected
statement, a careless `dbshell`):
- UPDATE of an audit record is always refused;
- DELETE is refused unless the record lies within an `AuditArchive` range, i.e. the retention job has
  written it to an archive file first (`services.archive_old_records` creates the archive row and deletes
  the records in one transaction).
A database owner can still drop the triggers; that is what the keyed chain and the signed checkpoints
exported outside the database (`checkpoints.py`) detect. PostgreSQL's TRUNCATE does not fire row triggers:
production revokes TRUNCATE from the application's role (docs/deploy.md).

SQLite has no session state a trigger can read, so its DELETE trigger asks the per-connection function
`teis_audit_flushing()`, which is true only while the test suite's `flush` empties every table (the
function is registered on each connection the application opens; a plain `sqlite3` shell lacks it, so
its DELETE fails too).
"""

from __future__ import annotations

import contextlib
import threading

UPDATE_REFUSED = "audit records are append-only: UPDATE refused"
DELETE_REFUSED = "audit records are deleted only by the retention job after archiving"

_PG_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION teis_audit_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit records are append-only: UPDATE refused' USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM audit_auditarchive a WHERE OLD.id BETWEEN a.first_id AND a.last_id) THEN
        RAISE EXCEPTION 'audit records are deleted only by the retention job after archiving'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN OLD;
    END $$;
    """,
    "DROP TRIGGER IF EXISTS audit_record_append_only ON audit_auditrecord;",
    """
    CREATE TRIGGER audit_record_append_only BEFORE UPDATE OR DELETE ON audit_auditrecord
    FOR EACH ROW EXECUTE FUNCTION teis_audit_record_guard();
    """,
]
_PG_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_record_append_only ON audit_auditrecord;",
    "DROP FUNCTION IF EXISTS teis_audit_record_guard();",
]
_SQLITE_INSTALL = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_record_no_update BEFORE UPDATE ON audit_auditrecord
    BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_record_no_delete BEFORE DELETE ON audit_auditrecord
    WHEN teis_audit_flushing() = 0
     AND NOT EXISTS (SELECT 1 FROM audit_auditarchive a WHERE OLD.id BETWEEN a.first_id AND a.last_id)
    BEGIN SELECT RAISE(ABORT, 'audit records are deleted only by the retention job after archiving'); END;
    """,
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_record_no_update;",
    "DROP TRIGGER IF EXISTS audit_record_no_delete;",
]

_state = threading.local()


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return _PG_INSTALL if install else _PG_REMOVE
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    return []  # other backends: the ORM guard and the checkpoints only


def install(connection) -> None:
    with connection.cursor() as cur:
        for sql in _statements(connection.vendor, True):
            cur.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cur:
        for sql in _statements(connection.vendor, False):
            cur.execute(sql)


@contextlib.contextmanager
def suspended(connection):
    """What a database owner can do: drop the triggers for a while (tests use it to simulate tampering)."""
    remove(connection)
    try:
        yield
    finally:
        install(connection)


def _flushing() -> int:
    return 1 if getattr(_state, "flushing", False) else 0


def register_sqlite_function(sender, connection, **kwargs) -> None:
    """`connection_created` handler: give each SQLite connection the function the DELETE trigger calls."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("teis_audit_flushing", 0, _flushing)


@contextlib.contextmanager
def flushing():
    _state.flushing = True
    try:
        yield
    finally:
        _state.flushing = False


def allow_test_flush() -> None:
    """Let the test suite's `flush` (SQLite: DELETE FROM every table) empty the audit table between tests."""
    # via .base: importing .operations first is a circular import inside Django
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush
    if getattr(original, "_teis_audit", False):
        return

    def execute_sql_flush(self, sql_list):
        with flushing():
            return original(self, sql_list)

    execute_sql_flush._teis_audit = True
    DatabaseOperations.execute_sql_flush = execute_sql_flush
