"""Every static file the shell refers to exists (no favicon 404 on every page), and the shell carries the
menu button, the favicon and the error/confirmation script."""

import re

import pytest
from django.contrib.staticfiles import finders

from teis.core.testing import logged_in_client

pytestmark = pytest.mark.django_db


def static_paths(html: str) -> list[str]:
    return sorted(set(re.findall(r'(?:href|src)="/static/([^"?#]+)', html)))


def test_shell_static_files_exist(make_user, client):
    user = make_user("field_officer", "squad1")
    pages = [client.get("/login/").content.decode(), logged_in_client(user).get("/").content.decode()]
    for html in pages:
        paths = static_paths(html)
        assert "teis/favicon.svg" in paths and "teis/teis.js" in paths
        missing = [p for p in paths if finders.find(p) is None]
        assert not missing, missing
    home = pages[1]
    assert 'id="menu-toggle"' in home and 'data-bs-target="#side-menu"' in home and "offcanvas-md" in home
