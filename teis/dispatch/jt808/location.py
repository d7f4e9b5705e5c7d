"""0x0200 位置信息汇报 (2013 clause 8.18) and 0x0704 定位数据批量上传 (both editions, chapter 8).

Basic information: alarm DWORD (报警标志位定义), status DWORD (状态位定义), latitude DWORD and longitude DWORD
in 1e-6 degrees (hemisphere by status bits 2 and 3), altitude WORD metres, speed WORD 1/10 km/h, direction WORD
0–359, time BCD[6] YYMMDDhhmmss GMT+8. Then additional items (附加信息定义): id BYTE, length BYTE, value.
"""

from __future__ import annotations

import datetime
import struct
from dataclasses import dataclass, field

from .framing import FrameError, bcd_time_decode, bcd_time_encode

BASIC_LENGTH = 28
STATUS_ACC = 1 << 0
STATUS_POSITIONED = 1 << 1
STATUS_SOUTH = 1 << 2
STATUS_WEST = 1 << 3

# additional items decoded by name (附加信息定义): id → (name, struct format, scale)
ITEM_FORMATS: dict[int, tuple[str, str, float]] = {
    0x01: ("mileage_km", ">I", 0.1),  # DWORD, 1/10 km
    0x02: ("fuel_l", ">H", 0.1),  # WORD, 1/10 L
    0x03: ("recorder_speed_kmh", ">H", 0.1),  # WORD, 1/10 km/h
    0x04: ("manual_alarm_event_id", ">H", 1),  # WORD, id of an alarm event to be confirmed manually
    0x25: ("vehicle_signals", ">I", 1),  # DWORD, extended vehicle signal status (扩展车辆信号状态位)
    0x2A: ("io_status", ">H", 1),  # WORD, IO status (IO 状态位)
    0x30: ("signal_strength", ">B", 1),  # BYTE, wireless network signal strength
    0x31: ("satellites", ">B", 1),  # BYTE, GNSS satellites in view
}
ITEM_IDS = {name: item_id for item_id, (name, _fmt, _scale) in ITEM_FORMATS.items()}


def encode_item(item_id: int, value: float | int) -> bytes:
    """A known additional item from its engineering value (e.g. mileage 1234.5 km → DWORD 12345)."""
    name, fmt, scale = ITEM_FORMATS[item_id]
    raw = round(value / scale) if scale != 1 else int(value)
    try:
        packed = struct.pack(fmt, raw)
    except struct.error as exc:
        raise FrameError("item", f"附加信息 {name} 超出范围") from exc
    return packed


def items_end(body: bytes) -> int:
    """Where the additional items of a 0x0200 body end: its length, or the start of a zero padding after them.

    Some terminals pad a report with 0x00 bytes after the last additional item. Item id 0x00 is not defined
    (附加信息定义 starts at 0x01), so at an item boundary a run of zero bytes to the end of the body is padding,
    not an item: the report is kept and the padding ignored. An item whose length runs past the end of the body
    is still refused by the callers. The walk stops at the first boundary from which only zeros follow."""
    n = len(body)
    if n <= BASIC_LENGTH or body[-1]:
        return n
    stripped = len(body.rstrip(b"\x00"))
    if stripped <= BASIC_LENGTH:
        return BASIC_LENGTH
    pos = BASIC_LENGTH
    while pos < stripped:  # item boundaries up to the last non-zero byte
        if pos + 2 > n:
            return n
        pos += 2 + body[pos + 1]
    return pos if pos <= n else n


@dataclass(frozen=True, slots=True)
class Location:
    """One location report. Integers as on the wire; `lat`/`lon`/`speed_kmh`/`decoded()` give the values."""

    alarm: int
    status: int
    lat_e6: int  # unsigned, hemisphere in status bit 2
    lon_e6: int  # unsigned, hemisphere in status bit 3
    altitude: int
    speed_x10: int
    heading: int
    time: datetime.datetime | None  # None when the terminal sent an invalid time (e.g. all zeros before a fix)
    items: dict[int, bytes] = field(default_factory=dict)  # every additional item, raw, in order

    msg_id = 0x0200

    @property
    def lat(self) -> float:
        return (-1 if self.status & STATUS_SOUTH else 1) * self.lat_e6 / 1e6

    @property
    def lon(self) -> float:
        return (-1 if self.status & STATUS_WEST else 1) * self.lon_e6 / 1e6

    @property
    def speed_kmh(self) -> float:
        return self.speed_x10 / 10

    @property
    def positioned(self) -> bool:
        return bool(self.status & STATUS_POSITIONED)

    @classmethod
    def build(
        cls,
        *,
        lon: float,
        lat: float,
        time: datetime.datetime,
        speed_kmh: float = 0.0,
        heading: int = 0,
        altitude: int = 0,
        alarm: int = 0,
        status: int = STATUS_POSITIONED | STATUS_ACC,
        items: dict[int, bytes] | None = None,
    ) -> Location:
        status &= ~(STATUS_SOUTH | STATUS_WEST)
        if lat < 0:
            status |= STATUS_SOUTH
        if lon < 0:
            status |= STATUS_WEST
        return cls(
            alarm,
            status,
            round(abs(lat) * 1e6),
            round(abs(lon) * 1e6),
            altitude,
            round(speed_kmh * 10),
            heading,
            time,
            dict(items or {}),
        )

    def decoded(self) -> dict:
        """Known items by name with engineering values; unknown or odd-length items as {"0xNN": "hex"}."""
        out: dict = {}
        for item_id, raw in self.items.items():
            spec = ITEM_FORMATS.get(item_id)
            if spec and len(raw) == struct.calcsize(spec[1]):
                name, fmt, scale = spec
                (value,) = struct.unpack(fmt, raw)
                out[name] = round(value * scale, 1) if scale != 1 else value
            else:
                out[f"0x{item_id:02X}"] = raw.hex()
        return out

    def encode(self, version_2019: bool = False) -> bytes:
        try:
            body = struct.pack(
                ">IIIIHHH",
                self.alarm,
                self.status,
                self.lat_e6,
                self.lon_e6,
                self.altitude,
                self.speed_x10,
                self.heading,
            )
        except struct.error as exc:
            raise FrameError("body", "位置基本信息超出范围") from exc
        body += bcd_time_encode(self.time) if self.time else b"\x00" * 6
        for item_id, raw in self.items.items():
            if len(raw) > 255:
                raise FrameError("item", "附加信息过长")
            body += bytes([item_id, len(raw)]) + raw
        return body

    @classmethod
    def decode(cls, body: bytes) -> Location:
        if len(body) < BASIC_LENGTH:
            raise FrameError("body", "位置信息汇报消息体过短")
        alarm, status, lat, lon, altitude, speed, heading = struct.unpack_from(">IIIIHHH", body, 0)
        try:
            time = bcd_time_decode(body[22:28])
        except FrameError:
            time = None
        items: dict[int, bytes] = {}
        pos, n = BASIC_LENGTH, items_end(body)
        while pos < n:
            if pos + 2 > n:
                raise FrameError("item", "附加信息项不完整")
            item_id, length = body[pos], body[pos + 1]
            if pos + 2 + length > n:
                raise FrameError("item", f"附加信息 0x{item_id:02X} 长度越界")
            items[item_id] = body[pos + 2 : pos + 2 + length]
            pos += 2 + length
        return cls(alarm, status, lat, lon, altitude, speed, heading, time, items)


@dataclass(frozen=True, slots=True)
class BatchLocation:
    """0x0704: count WORD, type BYTE (0 正常位置批量汇报, 1 盲区补报), then per item: length WORD + 0x0200 body."""

    kind: int
    locations: tuple[Location, ...]

    msg_id = 0x0704
    NORMAL = 0
    BLIND_AREA = 1

    def encode(self, version_2019: bool = False) -> bytes:
        body = struct.pack(">HB", len(self.locations), self.kind)
        for loc in self.locations:
            raw = loc.encode()
            body += struct.pack(">H", len(raw)) + raw
        return body

    @classmethod
    def decode(cls, body: bytes) -> BatchLocation:
        if len(body) < 3:
            raise FrameError("body", "批量上传消息体过短")
        count, kind = struct.unpack_from(">HB", body, 0)
        pos, n = 3, len(body)
        locations = []
        for _ in range(count):
            if pos + 2 > n:
                raise FrameError("body", "批量上传数据项数少于声明")
            (length,) = struct.unpack_from(">H", body, pos)
            pos += 2
            if pos + length > n:
                raise FrameError("body", "批量上传数据项长度越界")
            locations.append(Location.decode(body[pos : pos + length]))
            pos += length
        if pos != n and body[pos:].count(0) != n - pos:  # zero padding after the items is ignored, as in 0x0200
            raise FrameError("body", "批量上传数据项数多于声明")
        return cls(kind, tuple(locations))
