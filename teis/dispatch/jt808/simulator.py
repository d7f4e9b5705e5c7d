"""Simulated JT/T 808 terminals (asyncio TCP clients) for `manage.py jt808_simulate` and the gps_ingest bench.

Each terminal registers (0x0100), authenticates (0x0102), reports its position (0x0200 with mileage, satellites
and signal items) every `interval` seconds — waiting for the platform's 0x8001 before the next, as terminals
do — heartbeats (0x0002), now and then drives through a blind area and uploads what it buffered there as a 0x0704
blind-area batch (sub-packaged when it exceeds one package), answers text messages (0x8300) with 0x0001 and logs
them, and logs out (0x0003) at the end.

Routes: straight legs between random waypoints inside the vehicle's area, each leg inside Shanghai's land (the
union of the packaged district outlines), at 15–60 km/h with stops at some waypoints. A vehicle marked `leaves`
sets off, after a few legs, to a waypoint on land outside its area and comes back later. No Django here: the
management command builds the `SimVehicle` list (phones, plates and areas from the database).
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import logging
import math
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import shapely
from shapely.geometry import LineString, Point

from .framing import GMT8, FrameError, FrameSplitter
from .header import decode_frame, encode_frames
from .location import STATUS_ACC, STATUS_POSITIONED, BatchLocation, Location, encode_item
from .messages import (
    AUTHENTICATE,
    BATCH_LOCATION,
    HEARTBEAT,
    LOCATION,
    LOGOUT,
    PLATFORM_RESPONSE,
    REGISTER,
    REGISTER_RESPONSE,
    TERMINAL_RESPONSE,
    TEXT_MESSAGE,
    Authenticate,
    GeneralResponse,
    Register,
    RegisterResponse,
    decode_body,
)

log = logging.getLogger("teis.dispatch.jt808.simulator")
M_PER_DEG_LAT = 111_320.0
MAX_LEG_DEG = 0.03  # about 3 km: a few minutes between waypoints


@dataclass
class SimVehicle:
    phone: str
    plate: str
    area: shapely.Geometry | None = None  # where it patrols; None: anywhere on land
    leaves: bool = False  # goes outside its area now and then
    version_2019: bool = False
    plate_colour: int = 1  # 1 blue (JT/T 697.7)


@dataclass
class SimStats:
    connected: int = 0
    registered: int = 0
    register_refused: int = 0
    authenticated: int = 0
    auth_refused: int = 0
    fixes: int = 0
    reports: int = 0
    batches: int = 0
    batch_fixes: int = 0
    heartbeats: int = 0
    acks: int = 0
    texts: int = 0
    ack_timeouts: int = 0
    errors: int = 0
    left_area: int = 0
    texts_log: list = field(default_factory=list)  # (phone, text) of the text messages received

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "texts_log"}


def random_point_in(geom: shapely.Geometry, rng: random.Random, tries: int = 200) -> tuple[float, float] | None:
    minx, miny, maxx, maxy = geom.bounds
    for _ in range(tries):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if geom.contains(Point(x, y)):
            return x, y
    return None


class Route:
    """A vehicle's movement: legs between waypoints, each leg within land; `step(seconds)` advances it."""

    def __init__(self, vehicle: SimVehicle, land: shapely.Geometry, rng: random.Random) -> None:
        self.rng = rng
        self.land = land
        area = vehicle.area.intersection(land) if vehicle.area is not None else land
        if area.is_empty or area.area < 1e-6:
            area = land
        self.area = area
        shapely.prepare(self.area)
        shapely.prepare(self.land)
        outside = land.difference(vehicle.area) if vehicle.area is not None and vehicle.leaves else None
        self.outside = outside if outside is not None and not outside.is_empty else None
        if self.outside is not None:
            shapely.prepare(self.outside)
        start = (self._near_edge() if self.outside is not None else None) or random_point_in(self.area, rng)
        start = start or (121.47, 31.23)
        self.lon, self.lat = start
        self.target = self.lon, self.lat
        self.speed = 0.0
        self.heading = 0
        self.stop_left = 0.0
        self.legs = 0
        self.away = False
        self.mileage_km = rng.uniform(1000, 50000)

    def _near_edge(self) -> tuple[float, float] | None:
        """A start about 500 m inside the area's boundary, so that a leaving vehicle leaves within minutes."""
        centre = self.area.centroid
        for _ in range(20):
            edge = self.area.boundary.interpolate(self.rng.random(), normalized=True)
            dx, dy = centre.x - edge.x, centre.y - edge.y
            norm = math.hypot(dx, dy) or 1.0
            point = (edge.x + dx / norm * 0.005, edge.y + dy / norm * 0.005)
            if self.area.contains(Point(point)):
                return point
        return None

    def _next_target(self) -> None:
        self.legs += 1
        want_out = self.outside is not None and not self.away and self.legs % 3 == 1  # out on legs 1, 4, 7 …
        pool = self.outside if want_out else self.area
        for _ in range(30):
            point = random_point_in(pool, self.rng, tries=50)
            if point is None:
                break
            # a short leg keeps the route plausible; a leg must stay on land
            distance = math.dist(point, (self.lon, self.lat))
            if distance > MAX_LEG_DEG:
                point = (
                    self.lon + (point[0] - self.lon) * MAX_LEG_DEG / distance,
                    self.lat + (point[1] - self.lat) * MAX_LEG_DEG / distance,
                )
                if not pool.contains(Point(point)):
                    continue
            if self.land.contains(LineString([(self.lon, self.lat), point])):
                self.target = point
                self.away = want_out
                return
        self.target = self.lon, self.lat

    def step(self, seconds: float) -> None:
        if self.stop_left > 0:
            self.stop_left -= seconds
            self.speed = 0.0
            return
        dx = (self.target[0] - self.lon) * M_PER_DEG_LAT * math.cos(math.radians(self.lat))
        dy = (self.target[1] - self.lat) * M_PER_DEG_LAT
        remaining = math.hypot(dx, dy)
        if remaining < 1:
            if self.rng.random() < 0.3:
                self.stop_left = self.rng.uniform(30, 300)  # a stop at the waypoint
            self._next_target()
            self.speed = 0.0
            return
        self.speed = max(5.0, min(60.0, self.rng.gauss(38, 10)))
        move = min(remaining, self.speed / 3.6 * seconds)
        self.heading = int(math.degrees(math.atan2(dx, dy))) % 360
        self.lon += dx / remaining * move / (M_PER_DEG_LAT * math.cos(math.radians(self.lat)))
        self.lat += dy / remaining * move / M_PER_DEG_LAT
        self.mileage_km += move / 1000

    def location(self, moment: datetime.datetime) -> Location:
        items = {
            0x01: encode_item(0x01, self.mileage_km),
            0x30: bytes([self.rng.randint(15, 31)]),
            0x31: bytes([self.rng.randint(6, 20)]),
        }
        return Location.build(
            lon=round(self.lon, 6),
            lat=round(self.lat, 6),
            time=moment,
            speed_kmh=round(self.speed, 1),
            heading=self.heading,
            altitude=self.rng.randint(3, 12),
            status=STATUS_POSITIONED | STATUS_ACC,
            items=items,
        )


class Terminal:
    """One simulated terminal on one TCP connection."""

    def __init__(self, vehicle: SimVehicle, sim: Simulator, rng: random.Random) -> None:
        self.vehicle = vehicle
        self.sim = sim
        self.rng = rng
        self.route = Route(vehicle, sim.land, rng)
        self.serial = 0
        self.splitter = FrameSplitter()
        self.waiting: dict[int, asyncio.Future] = {}  # message id of the expected answer → future
        self.acks: dict[int, asyncio.Future] = {}  # serial of a report → its 0x8001
        self.writer: asyncio.StreamWriter | None = None

    def _serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    async def _send(self, msg_id: int, body: bytes = b"") -> int:
        """Send (sub-packaged when needed); the serial of the last package."""
        v = self.vehicle.version_2019
        for frame in encode_frames(msg_id, self.vehicle.phone, self._serial(), body, version_2019=v):
            self.writer.write(frame)
        if len(body) > 1023:  # the sub-packages took consecutive serials
            self.serial = (self.serial + (len(body) - 1) // 1023) & 0xFFFF
        await self.writer.drain()  # backpressure: a gateway that stops reading slows the terminal down
        return self.serial

    async def _send_acked(self, msg_id: int, body: bytes = b"", timeout: float = 60.0) -> bool:
        """Send and wait for the platform's 0x8001, as a terminal does before its next report (a closed loop:
        one report in flight per terminal, so the fleet never runs ahead of the gateway)."""
        future = asyncio.get_running_loop().create_future()
        serial = (self.serial + 1 + max(0, (len(body) - 1) // 1023)) & 0xFFFF
        self.acks[serial] = future
        await self._send(msg_id, body)
        try:
            async with asyncio.timeout(timeout):
                await future
            return True
        except TimeoutError:
            self.sim.stats.ack_timeouts += 1
            return False
        finally:
            self.acks.pop(serial, None)

    async def _request(self, msg_id: int, body: bytes, answer_id: int, timeout: float) -> object:
        future = asyncio.get_running_loop().create_future()
        self.waiting[answer_id] = future
        await self._send(msg_id, body)
        async with asyncio.timeout(timeout):
            return await future

    async def _reader(self, reader: asyncio.StreamReader) -> None:
        stats = self.sim.stats
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for frame in self.splitter.feed(data):
                try:
                    packet = decode_frame(frame)
                    message = decode_body(packet.header, packet.body)
                except FrameError:
                    stats.errors += 1
                    continue
                msg_id = packet.header.msg_id
                if msg_id == REGISTER_RESPONSE:
                    self._resolve(REGISTER_RESPONSE, message)
                elif msg_id == PLATFORM_RESPONSE:
                    stats.acks += 1
                    if message.reply_id == AUTHENTICATE:
                        self._resolve(AUTHENTICATE, message)
                    ack = self.acks.get(message.reply_serial)
                    if ack is not None and not ack.done():
                        ack.set_result(message)
                elif msg_id == TEXT_MESSAGE:
                    stats.texts += 1
                    stats.texts_log.append((self.vehicle.phone, message.text))
                    log.info("终端 %s 收到文本信息: %s", self.vehicle.phone, message.text)
                    if self.sim.on_text is not None:
                        self.sim.on_text(self.vehicle.phone, message.text)
                    answer = GeneralResponse(packet.header.serial, TEXT_MESSAGE, 0, platform=False)
                    await self._send(TERMINAL_RESPONSE, answer.encode())

    def _resolve(self, key: int, message: object) -> None:
        future = self.waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(message)

    async def run(self) -> None:
        sim, stats, v = self.sim, self.sim.stats, self.vehicle
        await asyncio.sleep(self.rng.uniform(0, sim.ramp_s))  # a fleet does not log in within one millisecond
        reader, self.writer = await asyncio.open_connection(sim.host, sim.port)
        # small send buffers: `drain()` then waits as soon as the gateway stops reading (a closed loop, like a
        # terminal that waits for its answers), instead of megabytes queueing in the kernel
        self.writer.transport.set_write_buffer_limits(high=4096)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        stats.connected += 1
        reader_task = asyncio.create_task(self._reader(reader))
        try:
            register = Register(31, 100, "TEISM", "SIM-808", f"S{v.phone[-6:]}", v.plate_colour, v.plate)
            answer = await self._request(REGISTER, register.encode(v.version_2019), REGISTER_RESPONSE, 120)
            assert isinstance(answer, RegisterResponse)
            if answer.result != 0:
                stats.register_refused += 1
                log.warning("终端 %s 注册被拒绝，结果 %s", v.phone, answer.result)
                return
            stats.registered += 1
            auth = Authenticate(answer.auth_code, imei=f"86{v.phone[-13:]:0>13}", software_version="SIM 1.0")
            answer = await self._request(AUTHENTICATE, auth.encode(v.version_2019), AUTHENTICATE, 120)
            if answer.result != 0:
                stats.auth_refused += 1
                return
            stats.authenticated += 1
            await self._report_loop(time.monotonic() + sim.duration)  # `duration` of reporting after login
            await self._send_acked(LOGOUT, timeout=10)
        finally:
            reader_task.cancel()
            self.writer.close()

    async def _report_loop(self, deadline: float) -> None:
        sim, stats = self.sim, self.sim.stats
        blind: list[Location] = []
        blind_left = 0
        last_heartbeat = time.monotonic()
        was_outside = False
        await asyncio.sleep(self.rng.uniform(0, sim.interval))  # spread the fleet over the interval
        # Fix time: BCD time has one-second resolution, so a report rate above 1/s (the bench) runs an accelerated
        # clock, one second per report, that starts in the past and reaches about now at the end of the run.
        reports = sim.duration / sim.interval
        clock_base = time.time() - max(0.0, reports * sim.clock_step - sim.duration + 10)  # ends ~10 s before now
        k = 0
        while time.monotonic() < deadline and not sim.stopping:
            started = time.monotonic()
            self.route.step(sim.clock_step)
            k += 1
            wall = time.time() if sim.interval >= 1 else min(clock_base + k * sim.clock_step, time.time())
            location = self.route.location(datetime.datetime.fromtimestamp(int(wall), GMT8))
            if self.route.away != was_outside:
                was_outside = self.route.away
                stats.left_area += int(was_outside)
            if blind_left == 0 and self.rng.random() < sim.blind_probability:
                blind_left = self.rng.randint(3, 30)
            if blind_left > 0:
                blind.append(location)
                blind_left -= 1
                if blind_left == 0:
                    await self._upload_blind(blind)
                    blind = []
            elif await self._send_acked(LOCATION, location.encode()):
                stats.reports += 1
                stats.fixes += 1
            if time.monotonic() - last_heartbeat >= sim.heartbeat_s:
                last_heartbeat = time.monotonic()
                await self._send_acked(HEARTBEAT)
                stats.heartbeats += 1
            await asyncio.sleep(max(0.0, sim.interval - (time.monotonic() - started)))
        if blind:  # out of the blind area at the end of the run
            await self._upload_blind(blind)

    async def _upload_blind(self, blind: list[Location]) -> None:
        """0x0704 type 1 (盲区补报) with what was buffered; sub-packaged when over 1,023 bytes."""
        stats = self.sim.stats
        if not await self._send_acked(BATCH_LOCATION, BatchLocation(BatchLocation.BLIND_AREA, tuple(blind)).encode()):
            return
        stats.batches += 1
        stats.batch_fixes += len(blind)
        stats.fixes += len(blind)


class Simulator:
    def __init__(
        self,
        vehicles: list[SimVehicle],
        land: shapely.Geometry,
        *,
        host: str = "127.0.0.1",
        port: int = 7808,
        interval: float = 5.0,
        duration: float = 60.0,
        heartbeat_s: float = 30.0,
        blind_probability: float = 0.01,
        seed: int = 808,
        on_text: Callable[[str, str], None] | None = None,
    ) -> None:
        self.vehicles = vehicles
        self.land = land
        self.host, self.port = host, port
        self.interval, self.duration = interval, duration
        self.heartbeat_s = heartbeat_s
        self.blind_probability = blind_probability
        self.rng = random.Random(seed)
        self.on_text = on_text
        self.stats = SimStats()
        self.stopping = False
        self.ramp_s = min(5.0, duration / 10)
        self.clock_step = max(1.0, interval)  # fix-time seconds per report

    async def run(self) -> SimStats:
        terminals = [Terminal(v, self, random.Random(self.rng.random())) for v in self.vehicles]
        results = await asyncio.gather(*(t.run() for t in terminals), return_exceptions=True)
        errors = collections.Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
        self.stats.errors += sum(errors.values())
        for name, count in errors.items():
            log.warning("%d 个模拟终端异常结束: %s", count, name)
        return self.stats


def land_geometry(districts: dict) -> shapely.Geometry:
    """The union of the packaged district outlines (Shanghai's land, islands included)."""
    from shapely.geometry import shape

    return shapely.union_all([shape(f["geometry"]).buffer(0) for f in districts["features"]])
