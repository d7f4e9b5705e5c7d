"""Shared fixtures: a small unit tree, the standard roles, and users of each kind.

Expensive set-up is per test (inside the test transaction) but small; factories live in
`teis/core/testing.py` so app tests import them.
"""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's event loop in browser tests

import fnmatch  # noqa: E402

import pytest  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# No per-example deadline: CI shares two cores between xdist workers, and timing is not what
# property tests check (performance is measured by bench/, not by tests).
hypothesis_settings.register_profile("teis", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("teis")


@pytest.fixture(autouse=True)
def _clear_cache():
    """The cache holds the security policy, lockout and throttle counters: no test may see another's. The
    working-day calendar's snapshot and the settings records' copies are per process: a test's rows are rolled
    back with it."""
    from django.core.cache import cache

    from teis.core import settings_record, workdays

    cache.clear()
    workdays.forget()
    settings_record.forget_all()
    yield
    cache.clear()
    workdays.forget()
    settings_record.forget_all()


@pytest.fixture
def roles(db):
    from teis.org.roles import ensure_roles

    return ensure_roles()


@pytest.fixture
def tree(db):
    from teis.core.testing import make_tree

    return make_tree()


@pytest.fixture
def make_user(db, roles, tree):
    from teis.core.testing import make_officer_user

    def make(role_code="field_officer", unit="squad1", **kw):
        return make_officer_user(role_codes=[role_code] if role_code else [], unit=tree[unit], **kw)

    return make


@pytest.fixture
def sysadmin(make_user):
    return make_user("system_admin", "corps", username="sysadmin")


@pytest.fixture
def auditor(make_user):
    return make_user("audit_admin", "corps", username="auditor")


@pytest.fixture
def secadmin(make_user):
    return make_user("security_admin", "corps", username="secadmin")


# The embedded default (SQLite) is proven by a subset: the platform itself, every module whose SQL differs by
# database (bulk ingest, search, codes, the custom-query engine, the workflow engine), migrations, and one browser
# path through the live server. The whole suite runs on PostgreSQL (`make test`), which production uses.
EMBEDDED_PATHS = (
    "teis/core/tests/*",
    "teis/audit/tests/test_chain.py",
    "teis/audit/tests/test_tamper_resistance.py",  # triggers and checkpoints differ by database
    "teis/org/tests/test_login_policy.py",
    "teis/org/tests/test_scope.py",
    "teis/workflow/tests/test_engine.py",
    "teis/legal/tests/test_search.py",
    "teis/cases/tests/test_codes.py",
    "teis/cases/tests/test_intake.py",
    "teis/cases/tests/test_query.py",
    "teis/dispatch/tests/test_positions.py",
    "teis/dispatch/tests/test_jt808_bulk.py",
    "teis/maritime/tests/test_pipeline.py",
    "teis/maritime/tests/test_pipeline_deferred.py",
    "teis/maritime/tests/test_ais_perceptions.py",
    "teis/evidence/tests/test_big_resume.py",
    "teis/evidence/tests/test_ingest.py",
    "tests/test_live_server.py",
    "tests/test_backup_restore.py",  # SQLite online backup API vs pg_dump
    "tests/test_supervisor.py",
    "tests/e2e/test_main_paths.py",
)


def pytest_collection_modifyitems(config, items):
    root = str(config.rootpath) + "/"
    for item in items:
        rel = str(item.path).removeprefix(root)
        if any(fnmatch.fnmatch(rel, pattern) for pattern in EMBEDDED_PATHS) or item.get_closest_marker("embedded"):
            item.add_marker(pytest.mark.embedded)
