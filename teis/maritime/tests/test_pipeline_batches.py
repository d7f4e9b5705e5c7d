"""A batch is the same as its records one at a time: the pipeline sorts a batch's fixes by vessel and time, so a
batch in any arrival order must leave the same latest fix, crossings (with directions and interpolated times),
area events, zone alarms and presences as the same fixes processed one by one in time order."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teis.maritime.models import (
    Alert,
    AreaPresence,
    SectionCrossing,
    SectionLine,
    Vessel,
    VesselEvent,
    VesselPosition,
    WaterArea,
)
from teis.maritime.services import pipeline, waters
from teis.maritime.services.pipeline import process_records

from .factories import T0, area, pos, section, static

pytestmark = pytest.mark.django_db

_mmsi = itertools.count(413_500_000, 10)  # fresh vessels for every example (the test transaction is shared)

# a random walk around the factories' section (lat 31.24, lon 121.48–121.50) and box (31.23–31.25, 121.48–121.50)
steps = st.lists(
    st.tuples(
        st.integers(1, 40),  # seconds since the vessel's previous fix
        st.floats(-0.003, 0.003, allow_nan=False),
        st.floats(-0.003, 0.003, allow_nan=False),
        st.sampled_from([None, 0.0, 7.5]),  # speed (None: not available)
        st.sampled_from([None, 0, 359]),  # heading
        st.sampled_from(["", "AIS-1", "吴淞口基站"]),  # receiver station
    ),
    min_size=1,
    max_size=12,
)
walks = st.lists(
    st.tuples(st.floats(121.476, 121.504), st.floats(31.226, 31.254), st.integers(0, 30), steps),
    min_size=1,
    max_size=4,
)


def _fixes(mmsis, walk_specs):
    out = []
    for k, (mmsi, (lon, lat, start, walk)) in enumerate(zip(mmsis, walk_specs, strict=True)):
        t = start
        for seconds, dx, dy, sog, heading, source in walk:
            t += seconds
            lon, lat = round(lon + dx, 6), round(lat + dy, 6)
            b = k == 2
            out.append(
                pos(mmsi, t, lon, lat, sog=sog, heading=heading, source=source, ais_class="B" if b else "A")._replace(
                    nav_status=None if b else 0
                )
            )
    return out


def _outcome(mmsis):
    """What the pipeline left for these vessels, with the vessel given by its index in `mmsis`."""
    index = {v.pk: mmsis.index(v.mmsi) for v in Vessel.objects.filter(mmsi__in=mmsis)}
    vessels = sorted(
        (index[v.pk], v.last_time, v.last_lon, v.last_lat, v.last_sog, v.ais_class)
        for v in Vessel.objects.filter(pk__in=index)
    )
    crossings = sorted(
        (index[c.vessel_id], c.section_id, c.direction, c.time, round(c.lon, 9), round(c.lat, 9), c.sog)
        for c in SectionCrossing.objects.filter(vessel_id__in=index)
    )
    events = sorted(
        (index[e.vessel_id], e.kind, e.time, e.detail, e.area_id)
        for e in VesselEvent.objects.filter(vessel_id__in=index)
    )
    alerts = sorted((index[a.vessel_id], a.kind, a.time, a.area_id) for a in Alert.objects.filter(vessel_id__in=index))
    presences = sorted(
        (index[p.vessel_id], p.area_id, p.entered_at) for p in AreaPresence.objects.filter(vessel_id__in=index)
    )
    fixes = sorted(
        (index[f.vessel_id], f.time, f.lon, f.lat, f.sog, f.cog, f.heading, f.nav_status, f.source)
        for f in VesselPosition.objects.filter(vessel_id__in=index)
    )
    return vessels, crossings, events, alerts, presences, fixes


@pytest.mark.parametrize("scan_min", [200, 0], ids=["presence-by-vessel", "presence-whole-table"])
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=walks, batch=walks, seed=st.integers(0, 2**32 - 1))
def test_a_shuffled_batch_equals_its_fixes_one_at_a_time(tree, monkeypatch, scan_min, before, batch, seed):
    # scan_min 0: every batch takes "who is inside now" from the whole table (`PresenceCache` on PostgreSQL)
    monkeypatch.setattr(waters, "PRESENCE_SCAN_MIN", scan_min)
    monkeypatch.setattr(pipeline, "PRESENCE_SCAN_MIN", scan_min)
    if not SectionLine.objects.exists():  # once per test: the examples share its transaction
        section(tree["corps"])
        area(tree["brigade1"], kind="water_source_zone", name="黄浦江上游水源保护区")
        area(tree["brigade1"], kind="berth", name="十六铺码头", geometry={
            "type": "Polygon",
            "coordinates": [[[121.485, 31.235], [121.495, 31.235], [121.495, 31.245], [121.485, 31.245],
                             [121.485, 31.235]]],
        })  # fmt: skip
    assert WaterArea.objects.count() == 2
    n = max(len(before), len(batch))
    runs = []
    for one_by_one in (False, True):
        mmsis = [next(_mmsi) for _ in range(n)]
        # the same history before the batch, in order: the batch's first fixes join the cached latest fix
        first = _fixes(mmsis[: len(before)], before)
        process_records(first)
        later = max(r.time for r in first)
        shift = dt.timedelta(seconds=(later - T0).total_seconds() + 1)
        fixes = [r._replace(time=r.time + shift) for r in _fixes(mmsis[: len(batch)], batch)]
        if one_by_one:
            for r in sorted(fixes, key=lambda r: r.time):
                process_records([r])
        else:
            random.Random(seed).shuffle(fixes)
            process_records([static(mmsis[0], 0, name="沪测试"), *fixes])  # a mixed batch
        runs.append(_outcome(mmsis))
        if not one_by_one:  # every fix stored as it came
            sent = [*first, *fixes]
            expected = sorted(
                (mmsis.index(r.mmsi), r.time, r.lon, r.lat, r.sog_kn, r.cog_deg, r.heading_deg, r.nav_status, r.source)
                for r in sent
            )
            assert runs[0][-1] == expected
    batched, single = runs
    for part, a, b in zip(("vessels", "crossings", "events", "alerts", "presences", "fixes"), batched, single):
        assert a == b, part
