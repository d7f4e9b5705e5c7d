"""Shared fixtures: a small unit tree, the standard roles, and users of each kind.

Expensive set-up is per test (inside the test transaction) but small; factories live in
`teis/core/testing.py` so app tests import them.
"""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's event loop in browser tests

import pytest  # noqa: E402
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

# No per-example deadline: CI shares two cores between xdist workers, and timing is not what
# property tests check (performance is measured by bench/, not by tests).
hypothesis_settings.register_profile("teis", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("teis")


@pytest.fixture(autouse=True)
def _clear_cache():
    """The cache holds the security policy, lockout and throttle counters: no test may see another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
