"""Helpers of the audit tests: writing records as if at another time."""

import contextlib
import types

import pytest

from teis.audit import services as audit


@contextlib.contextmanager
def frozen_audit_clock(at):
    """Make `audit.record()` stamp records with `at` (only the audit service's clock is moved)."""
    real = audit.timezone
    audit.timezone = types.SimpleNamespace(now=lambda: at, localtime=real.localtime)
    try:
        yield
    finally:
        audit.timezone = real


@pytest.fixture
def record_at():
    def write(at, actor, action, obj=None, **kw):
        with frozen_audit_clock(at):
            return audit.record(actor, action, obj, **kw)

    return write


@pytest.fixture
def archive_dir(settings, tmp_path):
    """Archives (and other files) go to a temporary media root."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGE_URL = ""
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def checkpoint_dir(settings, tmp_path):
    """Each test exports audit checkpoints to a directory of its own."""
    settings.TEIS_AUDIT_CHECKPOINT_DIR = tmp_path / "audit_checkpoints"
    return settings.TEIS_AUDIT_CHECKPOINT_DIR


@pytest.fixture
def as_dba():
    """Run raw SQL as a database owner would: with the append-only triggers dropped for the statement."""
    from django.db import connection

    from teis.audit import db_guard

    def run(sql, params=()):
        with db_guard.suspended(connection), connection.cursor() as cur:
            cur.execute(sql, params)

    return run
