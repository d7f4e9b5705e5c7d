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
