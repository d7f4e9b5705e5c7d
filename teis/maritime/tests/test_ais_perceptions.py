"""The simulator's checkpoint perceptions over HTTP (live server, bearer token) while its AIS goes through the
listener and the pipeline: fused with the AIS track, a sighting without AIS, the name read by OCR, clues made."""

from __future__ import annotations

import asyncio
import datetime

import pytest
from django.db import connection
from django.utils import timezone

from teis.core.testing import TEST_PASSWORD
from teis.maritime.ais.ingest import IngestWorker, pipeline_sink
from teis.maritime.ais.listeners import AisListener
from teis.maritime.ais.perceptions import CHECKPOINTS, api_token, images, post_perception, schedule
from teis.maritime.ais.scenario import scenario_ships
from teis.maritime.ais.simulator import play
from teis.maritime.models import Checkpoint, Perception, Vessel

from .test_ais_end_to_end import make_geometry

SPEEDUP = 1000.0


def test_schedule_puts_each_ship_at_its_checkpoint():
    plan = {p.painted_name: p for p in schedule(scenario_ships())}
    assert [p.at_s for p in schedule(scenario_ships())] == sorted(p.at_s for p in plan.values())
    tanker = next(s for s in scenario_ships() if s.mmsi == 413100003)
    lon, lat, _, _ = tanker.state(plan["PUJIANG YOU 1"].at_s)
    cp = next(c for c in CHECKPOINTS if c["code"] == "SIM-KK-BUND")
    assert abs(lon - cp["lon"]) < 0.003 and abs(lat - cp["lat"]) < 0.003
    full, close = images("HU JIANG 8")
    assert full.startswith(b"\x89PNG") and close.startswith(b"\x89PNG")


def test_post_perception_reports_network_errors_without_raising():
    p = schedule(scenario_ships())[0]
    status, body = post_perception("http://127.0.0.1:9", "x", p, timezone.now(), timeout=2)
    assert status == 0 and body["message"]
    assert post_perception("ftp://x", "x", p, timezone.now())[0] == 0


def _setup(live_server, make_user, tree) -> tuple[str, str]:
    make_geometry(tree["corps"])
    for cp in CHECKPOINTS:
        Checkpoint.objects.create(unit=tree["corps"], **cp)
    make_user("command_center", "corps", username="kk_device")
    api = live_server.url + "/api/v1"
    return api, api_token(api, "kk_device", TEST_PASSWORD)


def _play(start, api: str = "", token: str = "") -> dict:
    worker = IngestWorker(pipeline_sink(), max_delay=0.05)

    async def run():
        listener = AisListener(worker, tick=0.02)
        await listener.start()
        _, port = await listener.tcp_server(0, "127.0.0.1")
        result = await play(
            f"tcp://127.0.0.1:{port}", duration=1600 / SPEEDUP, speedup=SPEEDUP, start=start, api=api, token=token
        )
        await asyncio.sleep(0.2)
        await listener.stop()
        return result

    return asyncio.run(run())


def _check_perceptions() -> None:
    by_name = {p.recognised_name or p.ocr_name: p for p in Perception.objects.all()}
    tanker = by_name["PUJIANG YOU 1"]
    assert tanker.vessel_id == Vessel.objects.get(mmsi=413100003).pk  # fused with the AIS track
    no_ais = by_name["HU JIANG 8"]
    assert no_ais.vessel_id is None and no_ais.clues.exists()  # a sighting without AIS becomes a clue
    ocr = Perception.objects.get(recognised_name="")  # the device sent no name: read from the close-up
    assert ocr.ocr_name.replace(" ", "") == "YUANYANGJZX3"
    assert ocr.clues.exists()  # cargo uncovered


@pytest.mark.django_db(transaction=True)
def test_perceptions_after_the_ais_fused_ocr_and_clues(live_server, make_user, tree):
    """AIS first, then the simulator's perceptions one by one (works on SQLite, whose in-memory test database
    cannot take writes from two threads at once)."""
    api, token = _setup(live_server, make_user, tree)
    start = (timezone.now() - datetime.timedelta(seconds=1700)).replace(microsecond=0)
    _play(start)
    statuses = [
        post_perception(api, token, p, start + datetime.timedelta(seconds=p.at_s), timeout=180)[0]
        for p in schedule(scenario_ships())
    ]
    assert statuses == [201, 201, 201]
    _check_perceptions()


@pytest.mark.django_db(transaction=True)
def test_simulator_posts_perceptions_while_playing(live_server, make_user, tree):
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writes from the live server and the pipeline thread need PostgreSQL")
    api, token = _setup(live_server, make_user, tree)
    start = (timezone.now() - datetime.timedelta(seconds=1700)).replace(microsecond=0)
    result = _play(start, api, token)
    assert [p["status"] for p in result["perceptions"]] == [201, 201, 201], result["perceptions"]
    _check_perceptions()
