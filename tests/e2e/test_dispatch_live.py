"""The live map in a real browser: vehicles fed through ingest_fixes appear and move (the page polls the delta
endpoint), an out-of-area alarm shows in the alarm panel, a text message is queued from the map; a track
replays with its speed chart."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from teis.core.testing import TEST_PASSWORD
from teis.dispatch.fixes import Fix

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AREA = {
    "type": "Polygon",
    "coordinates": [[[121.40, 31.20], [121.50, 31.20], [121.50, 31.30], [121.40, 31.30], [121.40, 31.20]]],
}


def _login(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))


@pytest.fixture
def fleet(tree, settings):
    from teis.dispatch.models import PatrolVehicle
    from teis.dispatch.services import directory

    settings.TEIS_DISPATCH_DWELL_S = 4
    settings.TEIS_DISPATCH_UNREGISTERED_S = 10**6
    tree["brigade1"].jurisdiction = AREA
    tree["brigade1"].save()
    cars = [
        PatrolVehicle.objects.create(plate=f"沪A·E000{i}", unit=tree["squad1"], terminal_phone=f"01380000010{i}")
        for i in range(1, 4)
    ]
    directory.invalidate()
    return cars


def feed(car, when, lon, lat, speed=30.0):
    from teis.dispatch.services.positions import ingest_fixes

    return ingest_fixes([Fix(car.terminal_phone, when, lon, lat, speed, 90, status_bits=0b10)])


def marker_box(page, car):
    return page.locator(f'[data-vehicle-id="{car.pk}"]').bounding_box()


def test_vehicles_appear_move_and_alarm(page, make_user, fleet, shots):
    make_user("command_center", "corps", username="zhihui")
    now = timezone.now()
    for car, lon in zip(fleet, (121.42, 121.497, 121.46), strict=True):
        feed(car, now - dt.timedelta(seconds=30), lon, 31.25)
    _login(page, "zhihui")
    page.goto("/dispatch/live/")
    for car in fleet:
        page.wait_for_selector(f'[data-vehicle-id="{car.pk}"]')
    assert page.locator('[data-state="moving"]').count() == 3
    before = marker_box(page, fleet[0])
    # the first car drives east: the page's 1-second poll moves its marker
    for k in range(1, 4):
        feed(fleet[0], now - dt.timedelta(seconds=30 - 5 * k), 121.42 + 0.004 * k, 31.25)
    page.wait_for_function(
        "([id, x]) => { const el = document.querySelector(`[data-vehicle-id='${id}']`);"
        " return el && el.getBoundingClientRect().x > x + 1; }",
        arg=[fleet[0].pk, before["x"]],
    )
    # the second car leaves the area; after the dwell the alarm is raised and pushed to the page (its latency is
    # measured by `python -m bench gps_ingest`, not asserted here)
    t = timezone.now()
    feed(fleet[1], t - dt.timedelta(seconds=10), 121.499, 31.25)
    feed(fleet[1], t - dt.timedelta(seconds=6), 121.502, 31.25)
    result = feed(fleet[1], t - dt.timedelta(seconds=1), 121.503, 31.25)
    assert result.alarms_raised == 1
    page.wait_for_selector('.alarm-item[data-alarm-kind="out_of_area"]', timeout=8_000)
    page.wait_for_selector(f'[data-vehicle-id="{fleet[1].pk}"][data-state="alarm"]')
    assert "驶出执法区域" in page.inner_text("#alarm-panel")
    page.screenshot(path=f"{shots}/dispatch_live.png", full_page=True)
    # click the third car and send a text message from its popup
    page.locator(f'[data-vehicle-id="{fleet[2].pk}"]').click()
    page.click(f'[data-text-vehicle="{fleet[2].pk}"]')
    page.fill("#text-body", "请前往人民广场支援")
    page.click("#text-send")
    page.wait_for_selector("#text-status")
    from teis.dispatch.models import TerminalCommand

    assert TerminalCommand.objects.get().text == "请前往人民广场支援"


def test_track_replays(page, make_user, fleet, shots):
    make_user("command_center", "corps", username="zhihui2")
    car = fleet[0]
    start = timezone.now() - dt.timedelta(hours=2)
    from teis.dispatch.services.positions import ingest_fixes

    fixes = [
        Fix(
            car.terminal_phone,
            start + dt.timedelta(seconds=20 * i),
            121.41 + 0.0008 * i,
            31.22 + 0.0004 * abs((i % 100) - 50),
            35.0 if i % 60 < 45 else 0.0,
            90,
            status_bits=0b10,
        )
        for i in range(180)
    ]
    ingest_fixes(fixes)
    _login(page, "zhihui2")
    local = timezone.localtime(start - dt.timedelta(minutes=5))
    page.goto(f"/dispatch/track/?vehicle={car.pk}&start={local:%Y-%m-%dT%H:%M}")
    page.wait_for_selector("#tot-points")
    assert page.inner_text("#tot-points") == "180"
    page.wait_for_selector("#t-play:not([disabled])")
    page.select_option("#t-speed", "1200")
    t_start = page.evaluate("() => +document.getElementById('t-clock').dataset.t")
    page.click("#t-play")
    # the marker moves along the track in fix time (1200×: 20 minutes of track in about a second)
    page.wait_for_function("(t0) => +document.getElementById('t-clock').dataset.t >= t0 + 600", arg=t_start)
    page.click("#t-pause")
    t_paused = page.evaluate("() => +document.getElementById('t-clock').dataset.t")
    page.wait_for_timeout(500)
    assert page.evaluate("() => +document.getElementById('t-clock').dataset.t") == t_paused  # paused
    assert page.locator("#t-chart canvas").count() == 1
    page.screenshot(path=f"{shots}/dispatch_track.png", full_page=True)
    with page.expect_download() as dl:
        page.click("text=GPX")
    assert dl.value.suggested_filename.endswith(".gpx")
