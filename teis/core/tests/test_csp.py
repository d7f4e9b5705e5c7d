"""The Content-Security-Policy holds on every page: scripts only from the application's own files; no template
carries an inline script or an inline handler (the policy would block them: `script-src 'self'`, no nonce)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from teis.core.testing import logged_in_client

TEMPLATE_ROOT = Path(settings.BASE_DIR) / "teis"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def _templates():
    return sorted(p for p in TEMPLATE_ROOT.rglob("*.html") if "static" not in p.parts)


def test_no_template_has_an_inline_script_or_handler():
    problems = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for attrs in SCRIPT_TAG.findall(text):
            if "src=" in attrs or "application/json" in attrs:
                continue
            problems.append(f"{path}: inline <script{attrs}>")
        for line_no, line in enumerate(text.splitlines(), 1):
            if INLINE_HANDLER.search(line) and "<" in line:
                problems.append(f"{path}:{line_no}: inline event handler")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_pages_allow_only_the_applications_scripts(make_user):
    client = logged_in_client(make_user("field_officer"))
    resp = client.get("/cases/new/")
    assert resp.status_code == 200
    csp = resp["Content-Security-Policy"]
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert script_src == "script-src 'self'"  # no nonce, no 'unsafe-inline', no 'unsafe-eval'
    assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    for attrs in SCRIPT_TAG.findall(resp.content.decode()):
        assert "src=" in attrs or "application/json" in attrs, attrs


@pytest.mark.django_db
def test_csrf_cookie_is_http_only_and_the_page_carries_the_token(client):
    resp = client.get("/login/")
    cookie = resp.cookies.get("csrftoken")
    assert cookie is not None and cookie["httponly"]
