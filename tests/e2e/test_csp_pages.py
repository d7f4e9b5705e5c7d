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


def _object_pages(tree) -> list[str]:
    """Pages about one object (a vessel's track, a checkpoint's and a section's flow), with their objects made."""
    from teis.maritime.models import Checkpoint, Vessel
    from teis.maritime.tests.factories import section

    vessel = Vessel.objects.create(mmsi=413000901, name="沪测试1")
    checkpoint = Checkpoint.objects.create(code="CSP1", name="吴淞口卡口", unit=tree["corps"], lon=121.5, lat=31.3)
    line = section(tree["corps"])
    return [
        f"/maritime/vessels/{vessel.pk}/track/",
        f"/maritime/checkpoints/{checkpoint.pk}/stats/",
        f"/maritime/sections/{line.pk}/stats/",
        "/maritime/areas/map/",
        "/evidence/upload/",
    ]


def test_pages_run_without_csp_violations(page, make_user, tree):
    make_user("leadership", "corps", username="leader1")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    login(page, "leader1")
    page.wait_for_url(re.compile(r"/$"))
    opened = 0
    for url in PAGES + _object_pages(tree):
        response = page.goto(url)
        if response is None or response.status != 200:
            continue
        page.wait_for_load_state("networkidle")
        opened += 1
    assert opened >= 5, opened
    assert not violations, violations
