"""A deterministic AIS scenario around Shanghai, encoded with pyais: used by `manage.py ais_simulate`, the
`ais_ingest` benchmark and the tests.

Geometry (WGS-84 lon/lat, simplified from the river banks; `GEOMETRY` below is what the demo data and the tests
create so the simulator's ships do something visible):
- 外滩断面 (SECTION_BUND): a line across the Huangpu between the Bund and Lujiazui. 沪港货1 goes down river
  (Yangpu → Lupu) and 浦江货2 up river, so the section sees one crossing each way; 浦江油1 (tanker, dangerous
  goods, ship type 81) crosses downstream too.
- 吴淞口断面 (SECTION_WUSONG): across the mouth of the Huangpu at Wusongkou; 远洋集装箱3 enters from the estuary.
- 青草沙水源保护区 (ZONE_QINGCAOSHA, a water-source protection zone north of Changxing Island): the class B
  boat 长兴渔5 heads into it.
- 吴淞口重点水域 (AREA_WUSONG, monitored waters): 长江散货6 is inside and stops transmitting (`dark_after_s`).
Class A ships send type 1/3 positions and two-part type 5 statics; class B send type 18 and 24 part A + part B.
Filler ships move up and down the same routes to reach a requested sentence rate. Like a real feed, two shore base
stations send type 4 every 10 s and five aids to navigation (`AIDS`) type 21 every 3 min (`beacons=False`: none).

Scenario time starts at `start` and runs `speedup` times faster than the wall clock when played; every sentence
carries a tag block (`\\s:teis-sim,c:<unix time>*hh\\`) with its scenario time, so the pipeline sees scenario time.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field
from functools import reduce
from operator import xor

from pyais.encode import encode_dict

Point = tuple[float, float]

SECTION_BUND: list[Point] = [(121.4990, 31.2478), (121.5050, 31.2382)]
SECTION_WUSONG: list[Point] = [(121.4960, 31.3930), (121.5140, 31.3835)]
ZONE_QINGCAOSHA: list[Point] = [
    (121.5600, 31.4300),
    (121.7000, 31.4300),
    (121.7000, 31.4900),
    (121.5600, 31.4900),
    (121.5600, 31.4300),
]
AREA_WUSONG: list[Point] = [
    (121.4800, 31.3700),
    (121.5600, 31.3700),
    (121.5600, 31.4200),
    (121.4800, 31.4200),
    (121.4800, 31.3700),
]

GEOMETRY = {
    "sections": [
        {"name": "外滩断面", "coordinates": SECTION_BUND},
        {"name": "吴淞口断面", "coordinates": SECTION_WUSONG},
    ],
    "areas": [
        {"name": "青草沙水源保护区", "kind": "water_source_zone", "polygon": ZONE_QINGCAOSHA},
        {"name": "吴淞口重点水域", "kind": "key_area", "polygon": AREA_WUSONG},
    ],
}

# Huangpu from Yangpu Bridge to Lupu Bridge (downstream = southwards here), Yangtze estuary into Wusongkou
HUANGPU_DOWN: list[Point] = [
    (121.5320, 31.2580),
    (121.5100, 31.2480),
    (121.4940, 31.2380),
    (121.4970, 31.2220),
    (121.5020, 31.2080),
    (121.4800, 31.1950),
]
HUANGPU_UP: list[Point] = list(reversed(HUANGPU_DOWN))
ESTUARY_IN: list[Point] = [(121.6000, 31.3800), (121.5600, 31.3950), (121.5200, 31.3950), (121.4950, 31.3800)]
TO_QINGCAOSHA: list[Point] = [(121.5200, 31.4000), (121.5500, 31.4200), (121.6000, 31.4500), (121.6300, 31.4600)]
WUSONG_ANCHOR: list[Point] = [(121.5300, 31.3950), (121.5400, 31.4000), (121.5450, 31.4050)]

KN = 1852.0 / 3600.0  # metres per second per knot


def _metres(a: Point, b: Point) -> float:
    """Equirectangular distance (good to well under 1 % over a few km)."""
    lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(lat) * 6_371_000
    dy = math.radians(b[1] - a[1]) * 6_371_000
    return math.hypot(dx, dy)


def _bearing(a: Point, b: Point) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    dx = (b[0] - a[0]) * math.cos(lat)
    dy = b[1] - a[1]
    return (math.degrees(math.atan2(dx, dy)) + 360.0) % 360.0


@dataclass
class ScenarioShip:
    mmsi: int
    name: str
    route: list[Point]
    speed_kn: float
    ais_class: str = "A"
    ship_type: int = 70
    call_sign: str = ""
    imo: int = 0
    length_m: int = 90
    width_m: int = 14
    draught_m: float = 4.5
    destination: str = "SHANGHAI"
    start_s: float = 0.0  # scenario second of its first report
    interval_s: float = 10.0  # position report interval (class A underway 10 s, class B 30 s)
    static_interval_s: float = 360.0
    dark_after_s: float | None = None  # stops transmitting after this scenario second
    ping_pong: bool = False  # filler ships go back and forth forever
    role: str = ""
    _legs: list[tuple[Point, Point, float]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._legs = [(a, b, _metres(a, b)) for a, b in zip(self.route, self.route[1:], strict=False)]

    @property
    def route_length_m(self) -> float:
        return sum(leg[2] for leg in self._legs)

    def state(self, t: float) -> tuple[float, float, float, float]:
        """(lon, lat, sog kn, cog deg) at scenario second t."""
        travelled = max(0.0, t - self.start_s) * self.speed_kn * KN
        total = self.route_length_m
        speed = self.speed_kn
        legs = self._legs
        if self.ping_pong and total > 0:
            lap = travelled % (2 * total)
            if lap > total:
                travelled = 2 * total - lap
                legs = [(b, a, d) for a, b, d in reversed(self._legs)]
                travelled = total - travelled
            else:
                travelled = lap
        elif travelled >= total:
            a, b, _ = legs[-1]
            return b[0], b[1], 0.0, _bearing(a, b)
        for a, b, d in legs:
            if travelled <= d or d == 0:
                f = travelled / d if d else 0.0
                return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, speed, _bearing(a, b)
            travelled -= d
        a, b, _ = legs[-1]
        return b[0], b[1], speed, _bearing(a, b)

    def end_s(self) -> float:
        return self.start_s + self.route_length_m / (self.speed_kn * KN)


def scenario_ships() -> list[ScenarioShip]:
    """The named ships of the default scenario."""
    return [
        ScenarioShip(
            413100001, "HUGANG HUO 1", HUANGPU_DOWN, 9.0, call_sign="BHG001", imo=9100001, role="下行穿越外滩断面"
        ),
        ScenarioShip(
            413100002,
            "PUJIANG HUO 2",
            HUANGPU_UP,
            8.0,
            call_sign="BPJ002",
            imo=9100002,
            start_s=20,
            role="上行穿越外滩断面",
        ),
        ScenarioShip(
            413100003,
            "PUJIANG YOU 1",
            HUANGPU_DOWN,
            7.0,
            ship_type=81,
            call_sign="BPY001",
            imo=9100003,
            length_m=110,
            width_m=18,
            draught_m=6.2,
            destination="CN SHG WGQ",
            start_s=60,
            role="危险品船",
        ),
        ScenarioShip(
            413100004,
            "YUANYANG JZX 3",
            ESTUARY_IN,
            12.0,
            ship_type=71,
            call_sign="BYY003",
            imo=9100004,
            length_m=260,
            width_m=40,
            draught_m=11.5,
            destination="CN SHA",
            role="进吴淞口",
        ),
        ScenarioShip(
            413100005,
            "CHANGXING YU 5",
            TO_QINGCAOSHA,
            8.0,
            ais_class="B",
            ship_type=30,
            length_m=18,
            width_m=5,
            interval_s=30.0,
            role="闯入水源保护区",
        ),
        ScenarioShip(
            413100006,
            "CHANGJIANG SH 6",
            WUSONG_ANCHOR,
            4.0,
            ship_type=70,
            call_sign="BCJ006",
            imo=9100006,
            dark_after_s=120.0,
            role="AIS信号消失",
        ),
        ScenarioShip(
            413100007,
            "YOUTING 7",
            HUANGPU_UP,
            10.0,
            ais_class="B",
            ship_type=37,
            length_m=12,
            width_m=4,
            interval_s=30.0,
            start_s=40,
            role="B类游艇上行",
        ),
    ]


# (MMSI, lon, lat) of the base stations; (MMSI, type code, name, name extension, lon, lat, virtual) of the aids
BASE_STATIONS = ((4131101, 121.5060, 31.3930), (4131102, 121.4960, 31.2420))
AIDS = (
    (994131101, 24, "HUANGPU NO 11 PORT H", "AND BUOY", 121.5010, 31.2480, False),
    (994131102, 25, "HUANGPU NO 12 STBD", "", 121.5075, 31.2530, False),
    (994131103, 6, "WUSONGKOU FRONT LIGH", "T", 121.5095, 31.3905, False),
    (994131104, 20, "QINGCAOSHA N CARDINA", "L BUOY", 121.6500, 31.4700, False),
    (994131105, 28, "ESTUARY WRECK", "", 121.6000, 31.3600, True),
)
BASE_STATION_INTERVAL_S = 10.0
AID_INTERVAL_S = 180.0


def filler_ships(count: int, seed: int = 7) -> list[ScenarioShip]:
    rng = random.Random(seed)
    routes = [HUANGPU_DOWN, HUANGPU_UP, ESTUARY_IN, TO_QINGCAOSHA[:2], WUSONG_ANCHOR]
    ships = []
    for i in range(count):
        class_b = rng.random() < 0.3
        ships.append(
            ScenarioShip(
                mmsi=413200000 + i,
                name=f"FILLER {i}",
                route=routes[i % len(routes)],
                speed_kn=rng.uniform(4, 14),
                ais_class="B" if class_b else "A",
                ship_type=rng.choice([30, 37, 52, 60, 70, 70, 70, 79, 80]),
                call_sign=f"BF{i:04d}",
                start_s=-rng.uniform(0, 3600),
                interval_s=30.0 if class_b else 10.0,
                ping_pong=True,
            )
        )
    return ships


def tag_block(station: str, unix_time: float) -> str:
    body = f"s:{station},c:{int(unix_time)}"
    return f"\\{body}*{reduce(xor, body.encode(), 0):02X}\\"


class Scenario:
    """Turns ships into sentences; `sentences(t0, t1)` = every sentence due in scenario seconds [t0, t1)."""

    def __init__(
        self,
        start: datetime.datetime,
        ships: list[ScenarioShip],
        *,
        station: str = "teis-sim",
        tag_blocks: bool = True,
        seed: int = 11,
        beacons: bool = True,
    ) -> None:
        self.start = start
        self.beacons = beacons
        self.ships = ships
        self.station = station
        self.tag_blocks = tag_blocks
        self._seq = 0
        self._rng = random.Random(seed)
        # jitter the phase of each ship so the reports spread over the interval
        self._phase = {s.mmsi: self._rng.uniform(0, s.interval_s) for s in ships}
        self._static_phase = {s.mmsi: self._rng.uniform(0, s.static_interval_s) for s in ships}
        self._beacon_phase = {m: self._rng.uniform(0, BASE_STATION_INTERVAL_S) for m, *_ in BASE_STATIONS} | {
            m: self._rng.uniform(0, AID_INTERVAL_S) for m, *_ in AIDS
        }

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) % 10
        return self._seq

    def _statics(self, ship: ScenarioShip, t: float) -> list[str]:
        channel = "B" if self._seq % 2 else "A"
        if ship.ais_class == "A":
            when = self.start + datetime.timedelta(seconds=t + 6 * 3600)
            data = {
                "type": 5, "mmsi": ship.mmsi, "imo": ship.imo, "callsign": ship.call_sign, "shipname": ship.name,
                "ship_type": ship.ship_type, "to_bow": ship.length_m * 2 // 3,
                "to_stern": ship.length_m - ship.length_m * 2 // 3, "to_port": ship.width_m // 2,
                "to_starboard": ship.width_m - ship.width_m // 2, "month": when.month, "day": when.day,
                "hour": when.hour, "minute": when.minute, "draught": ship.draught_m,
                "destination": ship.destination, "epfd": 1,
            }  # fmt: skip
            return encode_dict(data, sentence_type="VDM", radio_channel=channel, seq_id=self._next_seq())
        part_a = {"type": 24, "mmsi": ship.mmsi, "partno": 0, "shipname": ship.name}
        part_b = {
            "type": 24, "mmsi": ship.mmsi, "partno": 1, "ship_type": ship.ship_type, "callsign": ship.call_sign,
            "to_bow": ship.length_m // 2, "to_stern": ship.length_m - ship.length_m // 2,
            "to_port": ship.width_m // 2, "to_starboard": ship.width_m - ship.width_m // 2,
        }  # fmt: skip
        return encode_dict(part_a, sentence_type="VDM", radio_channel=channel) + encode_dict(
            part_b, sentence_type="VDM", radio_channel=channel
        )

    def _position(self, ship: ScenarioShip, t: float) -> list[str]:
        lon, lat, sog, cog = ship.state(t)
        channel = "A" if int(t / ship.interval_s) % 2 else "B"
        if ship.ais_class == "A":
            data = {
                "type": 1, "mmsi": ship.mmsi, "status": 0 if sog > 0.5 else 5, "speed": round(sog, 1),
                "lon": lon, "lat": lat, "course": round(cog, 1), "heading": int(round(cog)) % 360,
                "second": int(t) % 60,
            }  # fmt: skip
        else:
            data = {
                "type": 18, "mmsi": ship.mmsi, "speed": round(sog, 1), "lon": lon, "lat": lat,
                "course": round(cog, 1), "heading": int(round(cog)) % 360, "second": int(t) % 60,
            }  # fmt: skip
        return encode_dict(data, sentence_type="VDM", radio_channel=channel)

    def _base_station(self, mmsi: int, lon: float, lat: float, t: float) -> list[str]:
        when = self.start + datetime.timedelta(seconds=t)
        data = {
            "type": 4, "mmsi": mmsi, "year": when.year, "month": when.month, "day": when.day, "hour": when.hour,
            "minute": when.minute, "second": when.second, "accuracy": 1, "lon": lon, "lat": lat, "epfd": 7,
        }  # fmt: skip
        return encode_dict(data, sentence_type="VDM", radio_channel="A" if int(t) % 2 else "B")

    def _aid(self, mmsi, aid_type, name, name_ext, lon, lat, virtual, t: float) -> list[str]:
        data = {
            "type": 21, "mmsi": mmsi, "aid_type": aid_type, "name": name, "name_ext": name_ext, "lon": lon,
            "lat": lat, "to_bow": 2, "to_stern": 2, "to_port": 1, "to_starboard": 1, "epfd": 1,
            "second": int(t) % 60, "virtual_aid": virtual,
        }  # fmt: skip
        return encode_dict(data, sentence_type="VDM", radio_channel="B")

    def _beacon_sentences(self, t0: float, t1: float) -> list[tuple[float, str]]:
        out: list[tuple[float, str]] = []
        for interval, items, encode in (
            (BASE_STATION_INTERVAL_S, BASE_STATIONS, self._base_station),
            (AID_INTERVAL_S, AIDS, self._aid),
        ):
            for mmsi, *rest in items:
                phase = self._beacon_phase[mmsi]
                t = phase + math.ceil((t0 - phase) / interval) * interval
                while t < t1:
                    out.extend((t, s) for s in encode(mmsi, *rest, t))
                    t += interval
        return out

    def sentences(self, t0: float, t1: float) -> list[tuple[float, str]]:
        """(scenario second, line without newline) of every transmission in [t0, t1), in time order."""
        out: list[tuple[float, str]] = []
        base = self.start.timestamp()
        for ship in self.ships:
            phase = self._phase[ship.mmsi]
            begin = max(t0, ship.start_s if not ship.ping_pong else t0)
            end = t1 if ship.dark_after_s is None else min(t1, ship.dark_after_s)
            # position reports: t = phase + k · interval
            k = math.ceil((begin - phase) / ship.interval_s)
            t = phase + k * ship.interval_s
            while t < end:
                out.extend((t, s) for s in self._position(ship, t))
                t += ship.interval_s
            # statics: at the ship's start, then every static_interval_s
            first = max(ship.start_s, 0.0) if not ship.ping_pong else self._static_phase[ship.mmsi]
            k = max(0, math.ceil((begin - first) / ship.static_interval_s))
            t = first + k * ship.static_interval_s
            while t < end:
                out.extend((t, s) for s in self._statics(ship, t))
                t += ship.static_interval_s
        if self.beacons:
            out.extend(self._beacon_sentences(t0, t1))
        out.sort(key=lambda item: item[0])
        if self.tag_blocks:
            out = [(t, tag_block(self.station, base + t) + s) for t, s in out]
        return out

    def duration_s(self) -> float:
        named = [s for s in self.ships if not s.ping_pong]
        return max((s.end_s() for s in named), default=600.0) + 30.0

    def rate_per_scenario_second(self) -> float:
        return sum(1.0 / s.interval_s for s in self.ships)
