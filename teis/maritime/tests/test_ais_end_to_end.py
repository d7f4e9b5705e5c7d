"""Simulator over TCP → listener → the real pipeline (worker thread, own DB connection): the section crossings
are counted with the right directions, the water-source zone alarm and the AIS-dark alert fire."""

from __future__ import annotations

import asyncio
import datetime
import time

import pytest
from django.utils import timezone

from teis.maritime.ais.ingest import IngestWorker, pipeline_sink
from teis.maritime.ais.listeners import AisListener
from teis.maritime.ais.scenario import BASE_STATIONS, GEOMETRY, SECTION_BUND
from teis.maritime.ais.simulator import play
from teis.maritime.choices import AlertKind, CrossingDirection
from teis.maritime.models import Alert, BaseStation, SectionCrossing, SectionLine, Vessel, WaterArea
from teis.maritime.services.alerts import check_vessel_states

SCENARIO_SECONDS = 2200.0
SPEEDUP = 1000.0


def side(point, line) -> float:
    """> 0: point left of the line's direction (first → second vertex)."""
    (ax, ay), (bx, by) = line[0], line[1]
    return (bx - ax) * (point[1] - ay) - (by - ay) * (point[0] - ax)


def make_geometry(unit) -> dict[str, SectionLine]:
    sections = {
        s["name"]: SectionLine.objects.create(
            name=s["name"], unit=unit, coordinates=[list(p) for p in s["coordinates"]]
        )
        for s in GEOMETRY["sections"]
    }
    for a in GEOMETRY["areas"]:
        WaterArea.objects.create(
            name=a["name"],
            kind=a["kind"],
            unit=unit,
            geometry={"type": "Polygon", "coordinates": [[list(p) for p in a["polygon"]]]},
        )
    return sections


@pytest.mark.django_db(transaction=True)
def test_simulator_to_pipeline_crossings_zone_alarm_and_dark_alert(tree):
    sections = make_geometry(tree["corps"])
    start = (timezone.now() - datetime.timedelta(seconds=SCENARIO_SECONDS + 60)).replace(microsecond=0)
    worker = IngestWorker(pipeline_sink(), max_delay=0.05)

    async def run():
        listener = AisListener(worker, tick=0.02)
        await listener.start()
        feed, port = await listener.tcp_server(0, "127.0.0.1")
        result = await play(
            f"tcp://127.0.0.1:{port}", duration=SCENARIO_SECONDS / SPEEDUP, speedup=SPEEDUP, start=start
        )
        deadline = time.monotonic() + 30
        while feed.counters.sentences < result["sentences"] and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await listener.stop()  # flushes the last batch and waits for the worker thread
        return feed, result

    feed, result = asyncio.run(run())
    assert feed.counters.sentences == result["sentences"] and feed.counters.garbage == 0
    c = feed.counters
    assert worker.stats.sink_errors == 0 and worker.stats.records == c.positions + c.statics + c.aids + c.base_stations
    # the scenario's shore stations and aids to navigation, stored apart from the vessels
    assert BaseStation.objects.count() == len(BASE_STATIONS) and not Vessel.objects.filter(mmsi__lt=10_000_000)

    # 外滩断面: 沪港货1 (down river) and 浦江油1 cross one way, 浦江货2 (up river) the other way
    bund = sections["外滩断面"]
    crossings = {
        c.vessel.mmsi: c.direction for c in SectionCrossing.objects.filter(section=bund).select_related("vessel")
    }
    # down river the ship comes from the north-east of the line; forward = from the line's right to its left
    down_from_left = side((121.5100, 31.2480), SECTION_BUND) > 0
    down = CrossingDirection.REVERSE if down_from_left else CrossingDirection.FORWARD
    up = CrossingDirection.FORWARD if down == CrossingDirection.REVERSE else CrossingDirection.REVERSE
    assert crossings.get(413100001) == down
    assert crossings.get(413100003) == down
    assert crossings.get(413100002) == up
    assert SectionCrossing.objects.filter(section=bund, vessel__mmsi=413100001).count() == 1
    # 吴淞口断面: the container ship from the estuary
    assert SectionCrossing.objects.filter(section=sections["吴淞口断面"], vessel__mmsi=413100004).exists()

    # the class B boat entered the water-source protection zone
    assert Alert.objects.filter(kind=AlertKind.ZONE_ENTRY, vessel__mmsi=413100005).exists()
    # statics from two-part type 5 and type 24 A/B arrived
    assert Vessel.objects.get(mmsi=413100003).name == "PUJIANG YOU 1"
    assert Vessel.objects.get(mmsi=413100005).name == "CHANGXING YU 5"

    # 长江散货6 went silent at scenario second 120 inside the monitored 吴淞口重点水域
    assert not Alert.objects.filter(kind=AlertKind.AIS_DARK).exists()
    check_vessel_states(now=start + datetime.timedelta(seconds=SCENARIO_SECONDS + 1))
    dark = set(Alert.objects.filter(kind=AlertKind.AIS_DARK).values_list("vessel__mmsi", flat=True))
    assert dark == {413100006}


@pytest.mark.django_db(transaction=True)
def test_zone_alarm_row_within_two_seconds_of_the_sentence(tree, monkeypatch):
    """Latency from the sentence on the wire to the live push of its committed alarm (what the map's socket gets).

    The clock stops when the pipeline hands the zone alarm to the live push, which it does only once the batch is
    committed (on PostgreSQL the commit is deferred to the worker's next batch or idle moment: this includes it).
    The row is read only after the listener has stopped: on SQLite (shared-cache in-memory test database) a
    second connection reading while the worker writes gets "database table is locked", so the test never reads
    concurrently with the writer.
    """
    import threading

    from pyais.encode import encode_dict

    from teis.maritime.services import live

    make_geometry(tree["corps"])
    inside = {"type": 18, "mmsi": 413999001, "lon": 121.63, "lat": 31.46, "speed": 6, "course": 45}
    outside = {**inside, "lon": 121.55, "lat": 31.42}
    worker = IngestWorker(pipeline_sink())  # default batching: 10,000 records or 200 ms
    pushed = threading.Event()
    alert_ids: list[int] = []

    def push_delta(seq, live_rows, ids) -> None:  # worker thread, after the batch's commit
        if ids:
            alert_ids.extend(ids)
            pushed.set()

    monkeypatch.setattr(live, "has_listeners", lambda: True)
    monkeypatch.setattr(live, "push_delta", push_delta)

    async def run():
        listener = AisListener(worker)
        await listener.start()
        feed, port = await listener.tcp_server(0, "127.0.0.1")
        _, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(encode_dict(outside, sentence_type="VDM")[0].encode() + b"\r\n")
        await w.drain()
        await asyncio.sleep(0.5)
        w.write(encode_dict(inside, sentence_type="VDM")[0].encode() + b"\r\n")
        await w.drain()
        # a generous wait, not a latency check (latency belongs in `bench/`, not in tests)
        seen = await asyncio.to_thread(pushed.wait, 15)
        w.close()
        await listener.stop()  # waits for the worker thread: nothing writes any more
        return seen

    assert asyncio.run(run()), "the zone alarm was never pushed to the live map"
    alert = Alert.objects.get(pk__in=alert_ids, kind=AlertKind.ZONE_ENTRY)
    assert alert.vessel.mmsi == 413999001


@pytest.mark.django_db(transaction=True)
def test_ais_listen_command_replays_a_file_into_the_pipeline(tree, tmp_path, monkeypatch):
    from django.core.management import call_command

    from teis.maritime.management.commands import ais_listen

    tuned = []  # the command tunes the collector of its process (not of the test run's)
    monkeypatch.setattr(ais_listen, "tune_gc", lambda: tuned.append(True))
    from pyais.encode import encode_dict

    from teis.maritime.ais.scenario import tag_block

    stamp = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=5)
    lines = [
        tag_block("file-st", stamp.timestamp())
        + encode_dict(
            {"type": 1, "mmsi": 413999101, "lon": 121.49, "lat": 31.23 + i / 1000, "speed": 5, "status": 0},
            sentence_type="VDM",
        )[0]
        for i in range(5)
    ]
    lines += encode_dict({"type": 5, "mmsi": 413999101, "shipname": "FILE REPLAY"}, sentence_type="VDM", seq_id=1)
    path = tmp_path / "recorded.nmea"
    path.write_text("\n".join(lines) + "\nrubbish\n")
    call_command("ais_listen", "--file", str(path), "--stats-every", "60")
    assert tuned == [True]
    vessel = Vessel.objects.get(mmsi=413999101)
    assert vessel.name == "FILE REPLAY"
    assert vessel.last_time == stamp
