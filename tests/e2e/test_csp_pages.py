"""Pages with data blocks, charts and maps run under the Content-Security-Policy without a violation and without
a script error: their scripts are files of TEIS (no inline script)."""

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
    "/",
    "/cases/query/custom/",
    "/finance/stock/stats/",
    "/analytics/cases/",
    "/analytics/illegal/",
    "/analytics/boards/cases/",
    "/analytics/boards/gis/",
    "/analytics/screen/",
    "/analytics/summary/",
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
