"""The JT/T 808 gateway with the real dispatch services over TCP (register 8.4/8.5, authenticate 8.7, location
8.18, 文本信息下发 0x8300 and 终端通用应答 0x0001), and the simulator and its management command.

Transactional: the gateway calls the services from its own worker threads, each with its own connection."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from teis.core.geo import shanghai_districts
from teis.dispatch.choices import CommandStatus
from teis.dispatch.jt808 import Location
from teis.dispatch.jt808.framing import GMT8
from teis.dispatch.jt808.gateway import Gateway, GatewayConfig
from teis.dispatch.jt808.simulator import Simulator, SimVehicle, land_geometry
from teis.dispatch.jt808.sink import DjangoSink
from teis.dispatch.models import FixRecord, LatestFix, PatrolVehicle, TerminalCommand
from teis.dispatch.services import terminals

from .test_jt808_gateway import Term

pytestmark = pytest.mark.django_db(transaction=True)


def config(**kw) -> GatewayConfig:
    return GatewayConfig(**{"host": "127.0.0.1", "port": 0, "flush_ms": 20, "poll_s": 0.2, "login_threads": 1, **kw})


async def until(predicate, timeout=10.0):
    """Poll the database from a thread; the in-memory SQLite test database locks tables while the gateway's
    threads write (shared cache has no busy timeout), so a locked read just polls again."""

    def check():
        try:
            return predicate()
        except OperationalError:
            return False

    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.05)


def test_register_authenticate_and_report_through_the_services(fleet):
    car1, car2 = fleet["car1"], fleet["car2"]
    at = (timezone.now() - dt.timedelta(minutes=5)).replace(microsecond=0)

    async def main():
        gateway = Gateway(DjangoSink(), config())
        await gateway.start()
        try:
            t2013 = await Term.open(gateway.port, phone="013800000001")
            await t2013.login(plate="沪A12345")
            t2019 = await Term.open(gateway.port, phone="00000000013800000002", v2019=True)
            await t2019.login(plate="沪A22222")
            for i in range(3):
                loc = Location.build(lon=121.45, lat=31.25 + i * 0.0005, time=at + dt.timedelta(seconds=10 * i))
                await t2013.send(0x0200, loc.encode())
                await t2019.send(0x0200, loc.encode(True))
            await until(lambda: FixRecord.objects.count() == 6)
            unknown = await Term.open(gateway.port, phone="019999999999")
            await unknown.send(0x0100, b"\x00\x1f" + bytes(40))
            header, answer = await unknown.recv()
            assert header.msg_id == 0x8100 and answer.result == terminals.NO_SUCH_TERMINAL
        finally:
            await gateway.stop()
        return gateway

    gateway = asyncio.run(main())
    assert FixRecord.objects.filter(vehicle=car1).count() == 3
    assert FixRecord.objects.filter(vehicle=car2).count() == 3
    latest = LatestFix.objects.get(vehicle=car1)
    assert latest.time == at + dt.timedelta(seconds=20) and latest.lat == pytest.approx(31.251)
    assert gateway.stats["ingest_stored"] == 6, dict(gateway.stats)
    assert not PatrolVehicle.objects.get(pk=car1.pk).terminal_online  # marked offline on shutdown


def test_text_queued_with_queue_text_reaches_a_simulated_terminal_and_is_acked(fleet, make_user):
    commander = make_user("command_center", "corps")
    car1 = fleet["car1"]
    received = []

    async def main():
        gateway = Gateway(DjangoSink(), config())
        await gateway.start()
        sim = Simulator(
            [SimVehicle("013800000001", "沪A12345")],
            land_geometry(shanghai_districts()),
            port=gateway.port,
            interval=1.0,
            duration=8.0,
            blind_probability=0,
            on_text=lambda phone, text: received.append((phone, text)),
        )
        sim_task = asyncio.create_task(sim.run())
        try:
            await until(lambda: PatrolVehicle.objects.get(pk=car1.pk).terminal_online)
            command = await asyncio.to_thread(terminals.queue_text, commander, car1, "请立即返回大队")
            await until(lambda: TerminalCommand.objects.get(pk=command.pk).status == CommandStatus.ACKED)
            await until(lambda: FixRecord.objects.filter(vehicle=car1).exists())
            sim.stopping = True
            await sim_task
        finally:
            await gateway.stop()
        return command, sim

    command, sim = asyncio.run(main())
    assert received == [("013800000001", "请立即返回大队")]
    command = TerminalCommand.objects.get(pk=command.pk)
    assert command.sent_at is not None and command.acked_at is not None and command.attempts == 1
    assert sim.stats.registered == 1 and sim.stats.authenticated == 1 and sim.stats.texts == 1
    assert FixRecord.objects.filter(vehicle=car1).exists()


def test_simulate_command_against_a_running_gateway(fleet):
    loop = asyncio.new_event_loop()
    gateway = Gateway(DjangoSink(), config())
    loop.run_until_complete(gateway.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    out = io.StringIO()
    try:
        call_command(
            "jt808_simulate",
            vehicles=3,
            interval=0.5,
            duration=4,
            port=gateway.port,
            leave_area=1,
            blind=0.2,
            json=True,
            stdout=out,
        )
    finally:
        asyncio.run_coroutine_threadsafe(gateway.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    import json

    counts = json.loads(out.getvalue().strip().splitlines()[-1])
    assert counts["registered"] == 3 and counts["authenticated"] == 3 and counts["errors"] == 0
    assert counts["fixes"] >= 3 * 5
    stored = FixRecord.objects.count()
    # ingest_stored counts rows handed to the database; a resent duplicate (same vehicle and second) is dropped
    assert counts["fixes"] * 0.9 <= stored <= gateway.stats["ingest_stored"]
    assert counts["batches"] >= 1 and gateway.stats["batches"] == counts["batches"]
    # the accelerated fix clock (interval < 1 s) ends about now and never runs ahead of it
    newest = FixRecord.objects.order_by("-time").first().time
    assert newest <= timezone.now() + dt.timedelta(seconds=2)


def test_simulated_routes_stay_on_land_and_one_leaves_its_area():
    import random

    import shapely
    from shapely.geometry import Point, box

    from teis.dispatch.jt808.simulator import Route

    land = land_geometry(shanghai_districts())
    area = box(121.40, 31.20, 121.50, 31.30)
    leaving = Route(SimVehicle("1", "A", area=area, leaves=True), land, random.Random(1))
    staying = Route(SimVehicle("2", "B", area=area), land, random.Random(2))
    on_land, in_area = land.buffer(1e-7), area.buffer(1e-7)
    shapely.prepare(on_land)
    shapely.prepare(in_area)
    outside_seen = False
    for _ in range(2000):
        for route in (leaving, staying):
            route.step(10)
            assert on_land.contains(Point(route.lon, route.lat))
            assert 0 <= route.speed <= 60 and 0 <= route.heading < 360
        outside_seen |= not in_area.contains(Point(leaving.lon, leaving.lat))
        assert in_area.contains(Point(staying.lon, staying.lat))
    assert outside_seen
    assert isinstance(staying.location(dt.datetime(2025, 1, 1, tzinfo=GMT8)), Location)


@pytest.mark.django_db
def test_simulated_vehicles_resume_where_they_were_last_seen(fleet, t0):
    """Restarting the simulator must not teleport a vehicle (a 位置跳变 alarm on every restart of `make run`)."""
    import random

    from shapely.geometry import box

    from teis.dispatch.jt808.simulator import Route
    from teis.dispatch.management.commands.jt808_simulate import sim_vehicles
    from teis.dispatch.services.positions import ingest_fixes

    from .conftest import INSIDE, fix

    ingest_fixes([fix(at=t0, lonlat=INSIDE, mileage_km=1234.5)])
    seen = next(v for v in sim_vehicles(10, 0) if v.phone == "013800000001")
    assert seen.start == pytest.approx(INSIDE) and seen.mileage_km == pytest.approx(1234.5)
    route = Route(seen, land_geometry(shanghai_districts()), random.Random(3))
    assert (route.lon, route.lat) == pytest.approx(INSIDE) and route.mileage_km == pytest.approx(1234.5)
    # a last position off land (e.g. a boat's) is not a start for a land route
    offshore = SimVehicle("2", "B", area=box(121.40, 31.20, 121.50, 31.30), start=(122.5, 31.0))
    route = Route(offshore, land_geometry(shanghai_districts()), random.Random(4))
    assert (route.lon, route.lat) != (122.5, 31.0)


@pytest.mark.parametrize(
    "option", [("--batch-size", "0"), ("--flush-ms", "0"), ("--idle-timeout", "-1")], ids=lambda o: o[0]
)
def test_gateway_command_rejects_options_that_are_not_positive(option):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="须为正数"):
        call_command("jt808_gateway", *option)
