"""Simulated JT/T 808 terminals (asyncio TCP clients) for `manage.py jt808_simulate` and the gps_ingest bench.

Each terminal registers (0x0100), authenticates (0x0102), reports its position (0x0200 with mileage, satellites
and signal items) every `interval` seconds — waiting for the platform's 0x8001 before the next, as terminals
do — heartbeats (0x0002), now and then drives through a blind area and uploads what it buffered there as a 0x0704
blind-area batch (sub-packaged when it exceeds one package), answers text messages (0x8300) with 0x0001 and logs
them, and logs out (0x0003) at the end.

Connections (`Link`): one per terminal by default; with `per_connection` > 1 several terminals of one edition
share a connection, as behind a relay platform. The terminals of a link report in the same slots, so one write
carries all their reports and one read brings all their answers; a report is packed straight from the route
(`Terminal._location_frame`) and its 0x8001 read without building message objects — the simulator is the load
of the gps_ingest bench and shares the machine with what it measures.

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
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import shapely
from shapely.geometry import LineString, Point

from .framing import GMT8, FrameError, FrameSplitter, bcd_encode, bcd_time_encode, check_code, unwrap
from .header import build_packet, encode_frame, encode_frames, parse_packet
from .location import STATUS_ACC, STATUS_POSITIONED, STATUS_SOUTH, STATUS_WEST, BatchLocation, Location, encode_item
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
    start: tuple[float, float] | None = None  # where it was last seen (lon, lat); None: somewhere in its area
    mileage_km: float | None = None  # its odometer when last seen


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
        resume = vehicle.start if vehicle.start and land.contains(Point(vehicle.start)) else None
        start = resume or (self._near_edge() if self.outside is not None else None)
        start = start or random_point_in(self.area, rng) or (121.47, 31.23)
        self.lon, self.lat = start
        self.target = self.lon, self.lat
        self.speed = 0.0
        self.heading = 0
        self.stop_left = 0.0
        self.legs = 0
        self.away = resume is not None and not self.area.contains(Point(resume))
        self.mileage_km = vehicle.mileage_km if vehicle.mileage_km is not None else rng.uniform(1000, 50000)

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


class Link:
    """One TCP connection to the platform, carried by one terminal or shared by several (`per_connection`; a
    relay or a vehicle gateway multiplexes terminals this way, and the gateway keeps a session per terminal).
    Frames written in the same loop iteration go out in one write; answers are dispatched by the terminal phone
    in their header, the frequent 0x8001 without building message objects."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.terminals: dict[bytes, Terminal] = {}  # phone BCD as in the header → terminal
        self.users = 0
        self.writer: asyncio.StreamWriter | None = None
        self._opening: asyncio.Future | None = None
        self._reader_task: asyncio.Task | None = None
        self._out: list[bytes] = []
        self._flush_scheduled = False
        self.splitter = FrameSplitter()
        # the terminals of a link report in the same slots (phase + k × interval), so that their reports share
        # writes and their answers share reads
        self.phase = sim.rng.uniform(0, sim.interval)
        self._reporting: dict[Terminal, None] = {}  # terminals reporting, in the order they joined
        self._slots: asyncio.Task | None = None

    def report(self, terminal: Terminal) -> None:
        """Let the link's slots drive the terminal's reports (see `Terminal.tick`)."""
        self._reporting[terminal] = None
        if self._slots is None or self._slots.done():
            self._slots = asyncio.create_task(self._run_slots())

    def unreport(self, terminal: Terminal) -> None:
        self._reporting.pop(terminal, None)

    def reporting_has(self, terminal: Terminal) -> bool:
        return terminal in self._reporting

    async def _run_slots(self) -> None:
        """At every slot, one report from each terminal that is due and has no report waiting for its answer:
        one write for all of them."""
        loop = asyncio.get_running_loop()
        interval = self.sim.interval
        while self._reporting:
            await asyncio.sleep(self.slot_delay(loop.time() + interval / 2))
            now = loop.time()
            for terminal in list(self._reporting):
                if terminal._in_flight is None and terminal._due <= now + 0.002:
                    terminal.tick(now)

    def slot_delay(self, target: float) -> float:
        """Seconds from now to the slot nearest to `target` (loop time); 0 when it has passed."""
        interval = self.sim.interval
        slot = self.phase + round((target - self.phase) / interval) * interval
        return max(0.0, slot - asyncio.get_running_loop().time())

    def attach(self, terminal: Terminal) -> None:
        self.terminals[terminal.phone_bcd] = terminal
        self.users += 1

    async def open(self) -> None:
        if self._opening is None:
            self._opening = asyncio.get_running_loop().create_future()
            try:
                reader, self.writer = await asyncio.open_connection(self.sim.host, self.sim.port)
            except BaseException as exc:
                self._opening.set_exception(exc)
                self._opening.exception()  # retrieved: the other terminals get it from `await` below
                raise
            # small send buffers: `drain()` then waits as soon as the gateway stops reading (a closed loop, like a
            # terminal that waits for its answers), instead of megabytes queueing in the kernel
            self.writer.transport.set_write_buffer_limits(high=4096 * max(1, len(self.terminals)))
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384 * max(1, min(16, len(self.terminals))))
            self.sim.stats.connected += 1
            self._reader_task = asyncio.create_task(self._reader(reader))
            self._opening.set_result(None)
        await self._opening

    def write(self, frame: bytes) -> None:
        self._out.append(frame)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        out, self._out = self._out, []
        if out and self.writer is not None and not self.writer.is_closing():
            self.writer.write(b"".join(out))

    async def drain(self) -> None:
        """Backpressure: a gateway that stops reading slows the terminals down."""
        if self.writer.transport.get_write_buffer_size() > 0:
            await self.writer.drain()

    def release(self) -> None:
        self.users -= 1
        if self.users <= 0 and self.writer is not None:
            self._flush()
            if self._reader_task is not None:
                self._reader_task.cancel()
            if self._slots is not None:
                self._slots.cancel()
            self.writer.close()

    async def _reader(self, reader: asyncio.StreamReader) -> None:
        stats = self.sim.stats
        terminals = self.terminals
        while True:
            data = await reader.read(65536)
            if not data:
                return
            for frame in self.splitter.feed(data):
                try:
                    raw = unwrap(frame)
                    if len(raw) < 12:
                        raise FrameError("truncated")
                    props = raw[2] << 8 | raw[3]
                    v2019 = props & 0x4000
                    phone = raw[5:15] if v2019 else raw[4:10]
                    terminal = terminals.get(phone)
                    if raw[0] == 0x80 and raw[1] == 0x01 and not props & 0x2000 and len(raw) == (22 if v2019 else 17):
                        if terminal is not None:  # 0x8001: reply serial, reply id, result after the header
                            terminal.on_ack(*_ACK_BODY.unpack_from(raw, len(raw) - 5))
                        stats.acks += 1
                        continue
                    packet = parse_packet(raw)
                    message = decode_body(packet.header, packet.body)
                except FrameError:
                    stats.errors += 1
                    continue
                if terminal is not None:
                    terminal.on_message(packet.header, message)


_ACK_BODY = struct.Struct(">HHB")
_LOCATION_BODY = struct.Struct(">IIIIHHH6sBBIBBBBBB")  # basic information, then items 0x01, 0x30, 0x31
_LOCATION_BODY_LENGTH = _LOCATION_BODY.size


class Terminal:
    """One simulated terminal on its link (its own TCP connection, or one shared with others)."""

    def __init__(self, vehicle: SimVehicle, sim: Simulator, rng: random.Random, link: Link | None = None) -> None:
        self.vehicle = vehicle
        self.sim = sim
        self.rng = rng
        self.route = Route(vehicle, sim.land, rng)
        self.serial = 0
        self.waiting: dict[int, asyncio.Future] = {}  # message id of the expected answer → future
        self.acks: dict[int, tuple[asyncio.Future, float]] = {}  # serial of a report → (its 0x8001, deadline)
        width = 10 if vehicle.version_2019 else 6
        self.phone_bcd = bcd_encode(vehicle.phone, width)
        # the 0x0200 header up to the serial, and its check code: a report costs one struct.pack
        prefix = build_packet(
            LOCATION, vehicle.phone, 0, b"\0" * _LOCATION_BODY_LENGTH, version_2019=vehicle.version_2019
        )
        self._location_prefix = prefix[: -2 - _LOCATION_BODY_LENGTH]
        self._location_prefix_code = check_code(self._location_prefix)
        self.link = link or Link(sim)
        self.link.attach(self)
        self._in_flight: tuple[int, int, float] | None = None

    @property
    def writer(self) -> asyncio.StreamWriter | None:
        return self.link.writer

    def _serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    async def _send(self, msg_id: int, body: bytes = b"") -> int:
        """Send (sub-packaged when needed); the serial of the last package."""
        v = self.vehicle.version_2019
        for frame in encode_frames(msg_id, self.vehicle.phone, self._serial(), body, version_2019=v):
            self.link.write(frame)
        if len(body) > 1023:  # the sub-packages took consecutive serials
            self.serial = (self.serial + (len(body) - 1) // 1023) & 0xFFFF
        await self.link.drain()  # backpressure: a gateway that stops reading slows the terminal down
        return self.serial

    async def _send_acked(self, msg_id: int, body: bytes = b"", timeout: float = 60.0) -> bool:
        """Send and wait for the platform's 0x8001 (logout, the blind-area upload at the end; the reports are
        driven by `tick`). Timeouts are swept once a second by the simulator."""
        future = asyncio.get_running_loop().create_future()
        serial = (self.serial + 1 + max(0, (len(body) - 1) // 1023)) & 0xFFFF
        self.acks[serial] = (future, time.monotonic() + timeout)
        try:
            await self._send(msg_id, body)
            if await future is None:
                self.sim.stats.ack_timeouts += 1
                return False
            return True
        finally:
            self.acks.pop(serial, None)

    def on_ack(self, reply_serial: int, reply_id: int, result: int) -> None:
        in_flight = self._in_flight
        if in_flight is not None and in_flight[0] == reply_serial:
            self._answered(result)
            return
        if reply_id == AUTHENTICATE:
            self._resolve(AUTHENTICATE, GeneralResponse(reply_serial, reply_id, result))
        entry = self.acks.get(reply_serial)
        if entry is not None and not entry[0].done():
            entry[0].set_result(result)

    def expire_acks(self, now: float) -> None:
        for future, deadline in list(self.acks.values()):
            if deadline < now and not future.done():
                future.set_result(None)
        if self._in_flight is not None and self._in_flight[2] < now:
            self._answered(None)

    def on_message(self, header, message) -> None:
        stats = self.sim.stats
        msg_id = header.msg_id
        if msg_id == REGISTER_RESPONSE:
            self._resolve(REGISTER_RESPONSE, message)
        elif msg_id == PLATFORM_RESPONSE:  # sub-packaged or otherwise unusual: the slow path of `Link._reader`
            stats.acks += 1
            self.on_ack(message.reply_serial, message.reply_id, message.result)
        elif msg_id == TEXT_MESSAGE:
            stats.texts += 1
            stats.texts_log.append((self.vehicle.phone, message.text))
            log.info("终端 %s 收到文本信息: %s", self.vehicle.phone, message.text)
            if self.sim.on_text is not None:
                self.sim.on_text(self.vehicle.phone, message.text)
            answer = GeneralResponse(header.serial, TEXT_MESSAGE, 0, platform=False)
            v = self.vehicle.version_2019
            self.link.write(
                encode_frame(TERMINAL_RESPONSE, self.vehicle.phone, self._serial(), answer.encode(), version_2019=v)
            )

    def _location_frame(self, wall: int) -> bytes:
        """The 0x0200 frame of the route's current position at fix time `wall` (seconds) with the items
        mileage, signal strength and satellites — the same bytes as `encode_frame(0x0200, …,
        self.route.location(…).encode())`, without the objects."""
        route, rng = self.route, self.rng
        lon, lat = round(route.lon, 6), round(route.lat, 6)
        status = STATUS_POSITIONED | STATUS_ACC
        if lat < 0:
            status |= STATUS_SOUTH
        if lon < 0:
            status |= STATUS_WEST
        tail = _SERIAL.pack(self._serial()) + _LOCATION_BODY.pack(
            0, status, round(abs(lat) * 1e6), round(abs(lon) * 1e6), 3 + int(rng.random() * 10),
            round(round(route.speed, 1) * 10), route.heading, self.sim.bcd_time(wall),
            0x01, 4, round(route.mileage_km / 0.1), 0x30, 1, 15 + int(rng.random() * 17), 0x31, 1,
            6 + int(rng.random() * 15),
        )  # fmt: skip
        raw = self._location_prefix + tail
        raw += bytes((self._location_prefix_code ^ check_code(tail),))
        return b"\x7e" + raw.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02") + b"\x7e"

    async def _request(self, msg_id: int, body: bytes, answer_id: int, timeout: float) -> object:
        future = asyncio.get_running_loop().create_future()
        self.waiting[answer_id] = future
        await self._send(msg_id, body)
        async with asyncio.timeout(timeout):
            return await future

    def _resolve(self, key: int, message: object) -> None:
        future = self.waiting.pop(key, None)
        if future is not None and not future.done():
            future.set_result(message)

    async def run(self) -> None:
        sim, stats, v = self.sim, self.sim.stats, self.vehicle
        await asyncio.sleep(self.rng.uniform(0, sim.ramp_s))  # a fleet does not log in within one millisecond
        try:
            await self.link.open()
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
            self.link.release()

    async def _report_loop(self, deadline: float) -> None:
        """Report until `deadline`: the terminal joins its link's slots (`Link.report`), which step the route and
        send the report of every terminal whose previous one was answered (`tick`); a terminal whose answer came
        after its slot reports as soon as it comes. Then what a blind area still holds is uploaded."""
        sim = self.sim
        # Fix time: BCD time has one-second resolution, so a report rate above 1/s (the bench) runs an accelerated
        # clock, one second per report, that starts in the past and reaches about now at the end of the run.
        reports = sim.duration / sim.interval
        self._clock_base = time.time() - max(0.0, reports * sim.clock_step - sim.duration + 10)  # ~10 s before now
        self._k = 0
        self._deadline = deadline
        self._blind: list[Location] = []
        self._blind_left = 0
        self._last_heartbeat = time.monotonic()
        self._was_outside = False
        self._in_flight: tuple[int, int, float] | None = None  # (serial, fixes it carries, answer deadline)
        loop = asyncio.get_running_loop()
        self._due = loop.time() + self.link.slot_delay(loop.time() + sim.interval / 2)  # spread by link
        self._done = loop.create_future()
        self.link.report(self)
        await self._done
        if self._blind:  # out of the blind area at the end of the run
            await self._upload_blind(self._blind)

    def tick(self, now: float) -> None:
        """One report (or one more fix buffered in a blind area) — called by the link when this terminal's slot
        came and its previous report was answered. `now`: loop time."""
        sim, stats = self.sim, self.sim.stats
        started = time.monotonic()
        if started >= self._deadline or sim.stopping:
            self.link.unreport(self)
            if not self._done.done():
                self._done.set_result(None)
            return
        self._due = now + self.link.slot_delay(now + sim.interval)
        route = self.route
        route.step(sim.clock_step)
        self._k += 1
        if sim.interval >= 1:
            wall = int(time.time())
        else:
            wall = int(min(self._clock_base + self._k * sim.clock_step, time.time()))
        if route.away != self._was_outside:
            self._was_outside = route.away
            stats.left_area += int(route.away)
        if self._blind_left == 0 and self.rng.random() < sim.blind_probability:
            self._blind_left = self.rng.randint(3, 30)
        if self._blind_left > 0:
            self._blind.append(route.location(datetime.datetime.fromtimestamp(wall, GMT8)))
            self._blind_left -= 1
            if self._blind_left == 0:
                body = BatchLocation(BatchLocation.BLIND_AREA, tuple(self._blind)).encode()
                v = self.vehicle.version_2019
                for frame in encode_frames(BATCH_LOCATION, self.vehicle.phone, self._serial(), body, version_2019=v):
                    self.link.write(frame)
                if len(body) > 1023:  # the sub-packages took consecutive serials
                    self.serial = (self.serial + (len(body) - 1) // 1023) & 0xFFFF
                self._in_flight = (self.serial, len(self._blind), started + 60.0)
                self._blind = []
        else:
            self.link.write(self._location_frame(wall))
            self._in_flight = (self.serial, 0, started + 60.0)
        if started - self._last_heartbeat >= sim.heartbeat_s:  # answered too; nothing waits for that answer
            self._last_heartbeat = started
            self.link.write(
                encode_frame(HEARTBEAT, self.vehicle.phone, self._serial(), version_2019=self.vehicle.version_2019)
            )
            stats.heartbeats += 1

    def _answered(self, result: int | None) -> None:
        """The in-flight report was answered (None: not within its timeout)."""
        _serial, batch, _deadline = self._in_flight
        self._in_flight = None
        stats = self.sim.stats
        if result is None:
            stats.ack_timeouts += 1
        elif batch:
            stats.batches += 1
            stats.batch_fixes += batch
            stats.fixes += batch
        else:
            stats.reports += 1
            stats.fixes += 1
        now = asyncio.get_running_loop().time()
        if self._due <= now and self.link.reporting_has(self):  # late: report at once, as a terminal does
            self.tick(now)

    async def _upload_blind(self, blind: list[Location]) -> None:
        """0x0704 type 1 (盲区补报) with what was buffered; sub-packaged when over 1,023 bytes."""
        stats = self.sim.stats
        if not await self._send_acked(BATCH_LOCATION, BatchLocation(BatchLocation.BLIND_AREA, tuple(blind)).encode()):
            return
        stats.batches += 1
        stats.batch_fixes += len(blind)
        stats.fixes += len(blind)


_SERIAL = struct.Struct(">H")


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
        per_connection: int = 1,
    ) -> None:
        self.vehicles = vehicles
        self.land = land
        self.host, self.port = host, port
        self.interval, self.duration = interval, duration
        self.heartbeat_s = heartbeat_s
        self.blind_probability = blind_probability
        self.rng = random.Random(seed)
        self.on_text = on_text
        self.per_connection = max(1, per_connection)
        self.stats = SimStats()
        self.stopping = False
        self.ramp_s = min(5.0, duration / 10)
        self.clock_step = max(1.0, interval)  # fix-time seconds per report
        self._bcd_times: dict[int, bytes] = {}

    def bcd_time(self, seconds: int) -> bytes:
        """BCD[6] GMT+8 time of a Unix second, cached (the fleet reports the same seconds)."""
        cached = self._bcd_times.get(seconds)
        if cached is None:
            if len(self._bcd_times) > 100_000:
                self._bcd_times.clear()
            cached = bcd_time_encode(datetime.datetime.fromtimestamp(seconds, GMT8))
            self._bcd_times[seconds] = cached
        return cached

    async def run(self) -> SimStats:
        # terminals of the same edition share links (the gateway answers each in its terminal's edition)
        terminals, filling = [], {}
        for v in self.vehicles:
            link = filling.get(v.version_2019)
            if link is None or len(link.terminals) >= self.per_connection:
                link = filling[v.version_2019] = Link(self)
            terminals.append(Terminal(v, self, random.Random(self.rng.random()), link))
        sweeper = asyncio.create_task(self._sweep(terminals))
        try:
            results = await asyncio.gather(*(t.run() for t in terminals), return_exceptions=True)
        finally:
            sweeper.cancel()
        errors = collections.Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
        self.stats.errors += sum(errors.values())
        for name, count in errors.items():
            log.warning("%d 个模拟终端异常结束: %s", count, name)
        return self.stats

    @staticmethod
    async def _sweep(terminals: list[Terminal]) -> None:
        """Once a second: reports whose 0x8001 did not come within their timeout count as unanswered."""
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for t in terminals:
                if t.acks or t._in_flight is not None:
                    t.expire_acks(now)


def land_geometry(districts: dict) -> shapely.Geometry:
    """The union of the packaged district outlines (Shanghai's land, islands included)."""
    from shapely.geometry import shape

    return shapely.union_all([shape(f["geometry"]).buffer(0) for f in districts["features"]])
