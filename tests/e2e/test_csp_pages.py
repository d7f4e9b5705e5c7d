"""Pages with inline data scripts and charts run under the Content-Security-Policy without a violation."""

import re

import pytest

from .test_main_paths import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "/cases/new/",
    "/petitions/dashboard/",
    "/petitions/stats/",
    "/dispatch/stats/",
    "/dispatch/coverage/",
    "/maritime/live/",
    "/legal/search/",
    "/inspections/statistics/",
]


def test_pages_run_without_csp_violations(page, make_user):
    make_user("leadership", "corps", username="leader1")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    login(page, "leader1")
    page.wait_for_url(re.compile(r"/$"))
    opened = 0
    for url in PAGES:
        response = page.goto(url)
        if response is None or response.status != 200:
            continue
        page.wait_for_load_state("networkidle")
        opened += 1
    assert opened >= 5, opened
    assert not violations, violations
