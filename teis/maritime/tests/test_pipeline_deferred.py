"""The deferred commit (`process_records(…, defer_commit=True)`, the listener's worker): after `finish_deferred` the
database holds what the same batches leave without it; a batch whose last writes fail at commit is rolled back
whole, logged, its caches dropped, and the next batch goes on. PostgreSQL only defers; elsewhere the flag changes
nothing (checked too)."""

from __future__ import annotations

import itertools
import logging

import pytest
from django.db import DatabaseError, connection

from teis.maritime.models import AreaPresence, SectionCrossing, Vessel, VesselEvent, VesselPosition
from teis.maritime.services import pipeline
from teis.maritime.services.pipeline import finish_deferred, process_records

from .factories import area, pos, section, static

pytestmark = pytest.mark.django_db(transaction=True)

_mmsi = itertools.count(413_700_000, 10)
only_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL defers the commit")


def _route(mmsi: int) -> list:
    """West of the box → into it → north across the section → out west: an enter, a crossing and an exit (about
    100 m in 30 s: no jump)."""
    return [
        pos(mmsi, 0, 121.4795, 31.2390),
        pos(mmsi, 30, 121.4805, 31.2395),
        pos(mmsi, 60, 121.4805, 31.2405),
        pos(mmsi, 90, 121.4795, 31.2405),
    ]


def _state(mmsis: list[int]) -> list:
    vessels = Vessel.objects.filter(mmsi__in=mmsis)
    index = {v.pk: mmsis.index(v.mmsi) for v in vessels}
    return [
        sorted((index[v.pk], v.name, v.last_time, v.last_lon, v.last_lat) for v in vessels),
        sorted((index[f.vessel_id], f.time, f.lon) for f in VesselPosition.objects.filter(vessel_id__in=index)),
        sorted((index[c.vessel_id], c.direction, c.time) for c in SectionCrossing.objects.filter(vessel_id__in=index)),
        sorted((index[e.vessel_id], e.kind, e.time) for e in VesselEvent.objects.filter(vessel_id__in=index)),
        sorted((index[p.vessel_id], p.entered_at) for p in AreaPresence.objects.filter(vessel_id__in=index)),
    ]


def _run(defer: bool) -> list:
    """Two vessels, one fix of each per batch, and a static in the second batch."""
    mmsis = [next(_mmsi), next(_mmsi)]
    routes = [_route(m) for m in mmsis]
    for step in range(4):
        batch = [route[step] for route in routes]
        if step == 1:
            batch.append(static(mmsis[0], 31, name="沪延迟一号"))
        process_records(batch, defer_commit=defer)
    assert finish_deferred() is True
    return _state(mmsis)


def test_deferred_batches_leave_what_the_same_batches_leave_without(tree):
    section(tree["corps"])
    area(tree["brigade1"], kind="key_area", name="外滩水域")
    deferred, plain = _run(True), _run(False)
    assert deferred == plain
    vessels, fixes, crossings, events, presences = deferred
    assert len(fixes) == 8 and len(crossings) == 2 and len(events) == 6 and presences == []
    assert vessels[0][1] == "沪延迟一号"
    assert connection.get_autocommit()  # the connection is handed back as it was


@only_postgres
def test_a_batch_that_fails_at_its_deferred_commit_is_rolled_back_whole(tree, monkeypatch, caplog):
    """The failure shows either at `finish_deferred` (False, logged) or, when the server's answer comes back while
    the batch is still sending, as the batch's own exception: either way nothing of it stays."""
    area(tree["brigade1"], kind="key_area", name="外滩水域")
    mmsi = next(_mmsi)
    route = _route(mmsi)
    process_records(route[:1], defer_commit=True)
    assert finish_deferred() is True

    flush = pipeline._Batch.flush

    def flush_then_fail(batch):  # a last write that fails on the server, after the batch returned
        flush(batch)
        batch.writes.items.append(("SELECT 1/0", []))

    monkeypatch.setattr(pipeline._Batch, "flush", flush_then_fail)
    with caplog.at_level(logging.ERROR, logger=pipeline.logger.name):
        try:
            result = process_records(route[1:3], defer_commit=True)  # enters the box: a presence, an event
        except DatabaseError:  # the server answered with the error while the batch was still being sent
            pass
        else:
            assert result.positions == 2  # sent, not yet known to have failed
            assert finish_deferred() is False
            assert "AIS batch lost" in caplog.text
    monkeypatch.undo()
    assert pipeline._vessels["by_mmsi"] == {} and pipeline.presence_cache.key is None
    assert connection.get_autocommit()
    vessel = Vessel.objects.get(mmsi=mmsi)
    assert VesselPosition.objects.filter(vessel=vessel).count() == 1  # the COPY of that batch is gone too
    assert not AreaPresence.objects.filter(vessel=vessel).exists()
    assert vessel.last_lon == route[0].lon

    process_records(route[1:], defer_commit=True)  # the feed goes on
    assert finish_deferred() is True
    vessel.refresh_from_db()
    assert VesselPosition.objects.filter(vessel=vessel).count() == 4 and vessel.last_lon == route[3].lon
    assert VesselEvent.objects.filter(vessel=vessel).count() == 2  # enter, exit


@only_postgres
def test_a_deferred_batch_is_pushed_live_only_after_its_commit(tree, monkeypatch):
    pushed = []
    monkeypatch.setattr(pipeline, "_push_live", lambda seq, rows, alert_ids: pushed.append(len(rows)))
    mmsi = next(_mmsi)
    process_records([pos(mmsi, 0, 121.485, 31.225)], defer_commit=True)
    assert pushed == []
    process_records([pos(mmsi, 10, 121.485, 31.226)], defer_commit=True)  # waits for the first batch first
    assert pushed == [1]
    assert finish_deferred() is True and pushed == [1, 1]
    assert finish_deferred() is True and pushed == [1, 1]  # nothing left


def test_aids_and_base_stations_ride_with_the_deferred_commit(tree):
    """Aids and base stations go in the batch's pipeline (PostgreSQL) before its COMMIT, in a batch of their own or
    with fixes, and are stored once `finish_deferred` has read the commit."""
    import datetime as dt

    from teis.maritime.ais.records import AidRecord, BaseStationRecord
    from teis.maritime.models import AidToNavigation, BaseStation

    when = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    mmsi = next(_mmsi)
    process_records([AidRecord(994130077, when, 28, "ISOLATED DANGER", 121.49, 31.24)], defer_commit=True)
    process_records(
        [*_route(mmsi)[:2], BaseStationRecord(4130077, when, 121.55, 31.35, None, 4, "wusong")], defer_commit=True
    )
    assert finish_deferred() is True
    aid = AidToNavigation.objects.get(mmsi=994130077)
    station = BaseStation.objects.get(mmsi=4130077)
    assert (aid.name, aid.aid_type, aid.category, aid.lon, aid.lat) == (
        "ISOLATED DANGER",
        28,
        "浮动航标",
        121.49,
        31.24,
    )
    assert (station.lon, station.lat, station.source, station.name) == (121.55, 31.35, "wusong", "")
    assert Vessel.objects.get(mmsi=mmsi).last_lon == pytest.approx(121.4805)
