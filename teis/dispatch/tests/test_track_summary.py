"""`tracks.summarise` finds the same stops as the plain walk over the whole rest of the track (its definition), and
a month of fixes (~45,000) is summarised in linear time (the plain walk was quadratic: seconds per month)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from teis.core.geo import EARTH_RADIUS_M
from teis.dispatch import conf
from teis.dispatch.services import tracks

pytestmark = pytest.mark.django_db


def _reference_stops(track, stop_min, radius) -> list[tuple[int, int]]:
    n, out, i = len(track), [], 0
    coslat = math.cos(math.radians(float(track.lat.mean())))
    while i < n - 1:
        dx = (track.lon[i + 1 :] - track.lon[i]) * coslat
        dy = track.lat[i + 1 :] - track.lat[i]
        far = np.nonzero(np.hypot(dx, dy) * math.radians(1) * EARTH_RADIUS_M > radius)[0]
        j = i + (far[0] if len(far) else n - 1 - i)
        if track.t[j] - track.t[i] >= stop_min:
            out.append((i, int(j)))
            i = j + 1
        else:
            i += 1
    return out


def _track(n, rng) -> tracks.Track:
    t = np.cumsum(rng.choice([1, 5, 10, 30, 60, 300], n)).astype(float) + 1.7e9
    step = rng.choice([0, 1e-5, 1e-4, 1e-3, 1e-2], n)
    lon = 121.4 + np.cumsum(step * rng.standard_normal(n))
    lat = 31.2 + np.cumsum(step * rng.standard_normal(n))
    return tracks.Track(None, None, None, t, lon, lat, np.zeros(n), np.zeros(n))


def test_the_stops_are_those_of_the_definition():
    rng = np.random.default_rng(21)
    stop_min, radius = conf.get("TEIS_DISPATCH_STOP_MIN_S"), conf.get("TEIS_DISPATCH_STOP_RADIUS_M")
    for _ in range(200):
        track = _track(int(rng.integers(1, 300)), rng)
        assert [(s.i0, s.i1) for s in tracks.summarise(track).stops] == _reference_stops(track, stop_min, radius)


def test_a_month_of_fixes_is_summarised_in_linear_time():
    n = 44_640  # a fix a minute for 31 days, driving a loop at ~30 km/h, stopped two hours in eight
    k = np.arange(n)
    kk = np.where((k // 120) % 4 == 0, (k // 120) * 120, k)
    lon, lat = 121.4 + 0.05 * np.sin(kk / 10), 31.2 + 0.04 * np.cos(kk / 10)
    track = tracks.Track(None, None, None, 1.7e9 + 60.0 * k, lon, lat, np.full(n, 30.0), np.zeros(n))
    started = time.perf_counter()
    s = tracks.summarise(track)
    assert time.perf_counter() - started < 2.0  # ~0.1 s; the quadratic walk took ~7 s
    assert len(s.stops) == -(-n // 480) and s.distance_km > 10_000  # one stop every eight hours
