"""The Content-Security-Policy holds on every page: scripts only from the application or with the response's
nonce, and no template carries an inline handler or a script block the policy would let through unmarked."""

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


def test_no_template_has_an_unmarked_inline_script_or_handler():
    problems = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for attrs in SCRIPT_TAG.findall(text):
            if "src=" in attrs or "application/json" in attrs or "csp_nonce" in attrs:
                continue
            problems.append(f"{path}: <script{attrs}> without src or nonce")
        for line_no, line in enumerate(text.splitlines(), 1):
            if INLINE_HANDLER.search(line) and "<" in line:
                problems.append(f"{path}:{line_no}: inline event handler")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_pages_carry_a_nonce_policy_and_the_nonce(make_user):
    client = logged_in_client(make_user("field_officer"))
    resp = client.get("/cases/new/")
    assert resp.status_code == 200
    csp = resp["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    script_src = next(d for d in csp.split("; ") if d.startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "object-src 'none'" in csp and "frame-ancestors 'self'" in csp
    for attrs in SCRIPT_TAG.findall(resp.content.decode()):
        assert "src=" in attrs or "application/json" in attrs or f'nonce="{nonce}"' in attrs, attrs
    assert client.get("/cases/new/")["Content-Security-Policy"] != csp  # a new nonce per response


@pytest.mark.django_db
def test_csrf_cookie_is_http_only_and_the_page_carries_the_token(client):
    resp = client.get("/login/")
    cookie = resp.cookies.get("csrftoken")
    assert cookie is not None and cookie["httponly"]
