"""水上执法 in a real browser: ships fed through the pipeline move on the live map (the page polls the delta
endpoint every second), a water-source alarm appears in the alert feed and is disposed of on its page (declared
actions), and the track plays back."""

import re

import pytest

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))


def marker_positions(page) -> dict:
    return page.evaluate(
        """() => { const out = {}; window.TEIS_LIVE.markers.forEach((m, id) => {
             const ll = m.getLatLng(); out[id] = [ll.lat, ll.lng]; }); return out; }"""
    )


def test_ships_move_on_the_live_map(page, make_user, tree, shots):
    import datetime as dt

    from django.utils import timezone

    from teis.maritime.ais.records import PositionRecord, StaticRecord
    from teis.maritime.models import Vessel, WaterArea
    from teis.maritime.services.pipeline import process_records

    make_user("command_center", "corps", username="command_e2e")
    WaterArea.objects.create(
        name="黄浦江水源保护区",
        kind="water_source_zone",
        unit=tree["corps"],
        geometry={"type": "Polygon", "coordinates": [[[121.50, 31.225], [121.515, 31.225], [121.515, 31.235],
                                                      [121.50, 31.235], [121.50, 31.225]]]},
    )  # fmt: skip
    now = timezone.now()
    ships = {413000301: (121.470, 31.230, "沪航运1号", 70), 413000302: (121.480, 31.245, "长江油运8", 80),
             413000303: (121.490, 31.215, "浦江游览3", 60)}  # fmt: skip
    process_records(
        [StaticRecord(mmsi=m, time=now, name=n, ship_type=t) for m, (_, _, n, t) in ships.items()]
        + [PositionRecord(mmsi=m, time=now, lon=x, lat=y, sog_kn=9.0, cog_deg=90.0, heading_deg=90)
           for m, (x, y, _, _) in ships.items()]
    )  # fmt: skip
    login(page, "command_e2e")
    page.goto("/maritime/live/")
    page.wait_for_function("() => window.TEIS_LIVE && window.TEIS_LIVE.markers.size === 3")
    before = marker_positions(page)
    page.screenshot(path=f"{shots}/maritime-live-before.png")

    # the ships steam east; the first one enters the water-source zone
    for step in range(1, 4):
        t = now + dt.timedelta(seconds=10 * step)
        process_records(
            [PositionRecord(mmsi=m, time=t, lon=x + 0.012 * step, lat=y, sog_kn=9.0, cog_deg=90.0, heading_deg=90)
             for m, (x, y, _, _) in ships.items()]
        )  # fmt: skip
    # the last batch moved ship 1 into the zone: its alarm is pushed to the page (latency: `bench/`)
    page.wait_for_selector("#alert-feed a", timeout=8000)
    assert "水源保护地" in page.inner_text("#alert-feed")
    page.wait_for_function(
        "(b) => { let moved = 0; window.TEIS_LIVE.markers.forEach((m, id) => {"
        " if (Math.abs(m.getLatLng().lng - b[id][1]) > 0.03) moved++; }); return moved === 3; }",
        arg=before,
        timeout=8000,
    )
    page.screenshot(path=f"{shots}/maritime-live-after.png")

    # the alert opens its page; 记录处置 and 办结 are the alert's declared actions (posted to that page)
    live_url = page.url
    page.click("#alert-feed a")
    page.wait_for_selector('form[data-action="handle"]')
    page.fill("#id_handle-note", "已通知船方驶离水源保护区")
    page.click('form[data-action="handle"] button[type="submit"]')
    page.wait_for_selector("text=已通知船方驶离水源保护区")
    page.select_option("#id_close-result", "confirmed")
    page.click('form[data-action="close"] button[type="submit"]')
    page.wait_for_selector("text=属实，已处置")
    assert page.query_selector('form[data-action="close"]') is None
    page.screenshot(path=f"{shots}/maritime-alert-closed.png")
    page.goto(live_url)

    # search and the vessel card
    page.fill("#search-q", "长江油运")
    page.click("#search-form button")
    page.click("#search-results a")
    page.wait_for_selector(".vessel-card")
    assert "413000302" in page.inner_text("#vessel-card")

    # track playback of one ship
    vessel = Vessel.objects.get(mmsi=413000301)
    page.goto(f"/maritime/vessels/{vessel.pk}/track/")
    page.wait_for_function("() => document.getElementById('track-info').textContent.includes('4')")
    page.screenshot(path=f"{shots}/maritime-track.png")
