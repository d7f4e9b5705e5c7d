"""Location reports decoded in bulk: the ingest process of `sink.ProcessIngestSink` receives the raw 0x0200 bodies
(terminal phone, body, blind-area flag) from the gateway and turns a whole batch into `Fix` objects here.

The 28-byte basic information of every body is read at once with numpy (`frombuffer` on the concatenated blocks,
BCD time checked and converted as arrays); the additional items are read as arrays too for each group of bodies
that share one item layout (the same item ids and lengths at the same offsets, e.g. every report of a terminal
model), and one by one, as `Location.decode` does, for the rest. The result is exactly what the per-frame path
gives (`gateway.location_fix(phone, Location.decode(body), blind_area=…)`); tests compare the two.
"""

from __future__ import annotations

import datetime
import struct

import numpy as np

from teis.dispatch.fixes import Fix

from .framing import GMT8, FrameError
from .location import BASIC_LENGTH, ITEM_FORMATS, STATUS_SOUTH, STATUS_WEST, Location, items_end

BASIC = np.dtype(
    [("alarm", ">u4"), ("status", ">u4"), ("lat", ">u4"), ("lon", ">u4"), ("altitude", ">u2"), ("speed", ">u2"),
     ("heading", ">u2"), ("time", "u1", (6,))]
)  # fmt: skip
assert BASIC.itemsize == BASIC_LENGTH
_GMT8_OFFSET_S = 8 * 3600
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def check_location_body(body: bytes) -> None:
    """The structure checks of `Location.decode` (length, additional item chain) without decoding: FrameError."""
    if len(body) < BASIC_LENGTH:
        raise FrameError("body", "位置信息汇报消息体过短")
    n = items_end(body)  # zero padding after the items is ignored
    pos = BASIC_LENGTH
    while pos < n:
        if pos + 2 > n:
            raise FrameError("item", "附加信息项不完整")
        end = pos + 2 + body[pos + 1]
        if end > n:
            raise FrameError("item", f"附加信息 0x{body[pos]:02X} 长度越界")
        pos = end


def batch_location_bodies(body: bytes) -> tuple[int, list[bytes]]:
    """0x0704 → (type, the raw 0x0200 bodies), with the checks of `BatchLocation.decode`."""
    if len(body) < 3:
        raise FrameError("body", "批量上传消息体过短")
    count, kind = struct.unpack_from(">HB", body, 0)
    pos, n = 3, len(body)
    out = []
    for _ in range(count):
        if pos + 2 > n:
            raise FrameError("body", "批量上传数据项数少于声明")
        (length,) = struct.unpack_from(">H", body, pos)
        pos += 2
        if pos + length > n:
            raise FrameError("body", "批量上传数据项长度越界")
        item = body[pos : pos + length]
        check_location_body(item)
        out.append(item)
        pos += length
    if pos != n and body[pos:].count(0) != n - pos:  # zero padding after the items is ignored
        raise FrameError("body", "批量上传数据项数多于声明")
    return kind, out


def _times(raw: np.ndarray) -> np.ndarray:
    """BCD[6] GMT+8 times (n × 6 bytes) → Unix seconds, -1 where the time is not a valid date and time."""
    hi, lo = raw >> 4, raw & 0x0F
    digits_ok = ((hi <= 9) & (lo <= 9)).all(axis=1)
    value = (hi.astype(np.int64) * 10 + lo).T  # yy, mm, dd, hh, mi, ss
    year, month, day, hour, minute, second = value
    month_ok = (month >= 1) & (month <= 12)
    month0 = np.where(month_ok, month - 1, 0)
    first = ((year + 2000 - 1970) * 12 + month0).astype("datetime64[M]")
    days_in_month = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(np.int64)
    ok = digits_ok & month_ok & (day >= 1) & (day <= days_in_month) & (hour < 24) & (minute < 60) & (second < 60)
    days = first.astype("datetime64[D]").astype(np.int64) + day - 1
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - _GMT8_OFFSET_S
    return np.where(ok, seconds, -1)


def _item_value(item_id: int, raw: bytes):
    """One additional item as `Location.decoded` gives it: (name, value)."""
    spec = ITEM_FORMATS.get(item_id)
    if spec and len(raw) == struct.calcsize(spec[1]):
        name, fmt, scale = spec
        (value,) = struct.unpack(fmt, raw)
        return name, (round(value * scale, 1) if scale != 1 else value)
    return f"0x{item_id:02X}", raw.hex()


def _layout(body: bytes) -> tuple[tuple[int, int, int], ...]:
    """(offset of the value, id, length) of each additional item of a well-formed body."""
    out = []
    pos, n = BASIC_LENGTH, items_end(body)
    while pos < n:
        out.append((pos + 2, body[pos], body[pos + 1]))
        pos += 2 + body[pos + 1]
    return tuple(out)


def _extras(bodies: list[bytes], index: list[int], extras: list, mileage: list) -> None:
    """Fill `extras[i]` (decoded items without mileage) and `mileage[i]` for the bodies at `index`."""
    by_length: dict[int, list[int]] = {}
    for i in index:
        by_length.setdefault(len(bodies[i]), []).append(i)
    for length, rows in by_length.items():
        layout = _layout(bodies[rows[0]])
        block = np.frombuffer(b"".join(bodies[i] for i in rows), dtype=np.uint8).reshape(len(rows), length)
        same = np.ones(len(rows), dtype=bool)
        for offset, item_id, size in layout:
            same &= (block[:, offset - 2] == item_id) & (block[:, offset - 1] == size)
        end = layout[-1][0] + layout[-1][2] if layout else BASIC_LENGTH
        if end < length:  # the first body is zero-padded: so must the others be, else they have more items
            same &= ~block[:, end:].any(axis=1)
        ids = [item_id for _o, item_id, _s in layout]
        if len(set(ids)) != len(ids):  # a repeated id: the per-body path keeps the last one, as the dict does
            same[:] = False
        columns = []
        for offset, item_id, size in layout:
            spec = ITEM_FORMATS.get(item_id)
            if spec and size == struct.calcsize(spec[1]):
                name, fmt, scale = spec
                raw = block[:, offset : offset + size]
                value = np.zeros(len(rows), dtype=np.int64)
                for k in range(size):
                    value = (value << 8) | raw[:, k]
                values = value.tolist()
                if scale != 1:
                    values = [round(v * scale, 1) for v in values]
                columns.append((name, values))
            else:
                columns.append((f"0x{item_id:02X}", [bytes(r).hex() for r in block[:, offset : offset + size]]))
        same_list = same.tolist()
        for k, i in enumerate(rows):
            if same_list[k]:
                extra = {name: values[k] for name, values in columns}
            else:
                extra = dict(_item_value(item_id, raw) for item_id, raw in Location.decode(bodies[i]).items.items())
            mileage[i] = extra.pop("mileage_km", None)
            extras[i] = extra


def location_fixes(entries: list[tuple]) -> tuple[list[Fix], int]:
    """(phone, raw 0x0200 body checked by `check_location_body`, blind area[, received Unix seconds]) → (fixes,
    how many had no valid time and were dropped), in the order given. A report without a valid time is dated
    when it was received and flagged "no_time" (stored, never a position) when the entry says when that was
    (the gateway's entries do), else dropped."""
    if not entries:
        return [], 0
    bodies = [e[1] for e in entries]
    basic = np.frombuffer(b"".join(b[:BASIC_LENGTH] for b in bodies), dtype=BASIC)
    times = _times(basic["time"]).tolist()
    status = basic["status"].astype(np.int64)
    lat = np.where(status & STATUS_SOUTH, -1, 1) * basic["lat"].astype(np.int64) / 1e6
    lon = np.where(status & STATUS_WEST, -1, 1) * basic["lon"].astype(np.int64) / 1e6
    speed = basic["speed"].astype(np.int64) / 10
    heading = basic["heading"].astype(np.int64) % 360
    n = len(entries)
    extras: list = [None] * n
    mileage: list = [None] * n
    with_items = [i for i, b in enumerate(bodies) if len(b) > BASIC_LENGTH]
    if with_items:
        _extras(bodies, with_items, extras, mileage)
    moments: dict[int, datetime.datetime] = {}
    fixes = []
    invalid = 0
    columns = zip(
        entries, times, lon.tolist(), lat.tolist(), speed.tolist(), heading.tolist(), basic["altitude"].tolist(),
        basic["alarm"].tolist(), status.tolist(), mileage, extras, strict=True,
    )  # fmt: skip
    for entry, t, x, y, v, h, alt, alarm, st, km, extra in columns:
        phone, blind = entry[0], entry[2]
        flag = ""
        if t < 0:
            if len(entry) < 4:
                invalid += 1
                continue
            moment, flag = datetime.datetime.fromtimestamp(entry[3], GMT8), "no_time"
        else:
            moment = moments.get(t)
            if moment is None:
                moment = moments[t] = (_EPOCH + datetime.timedelta(seconds=t)).astimezone(GMT8)
        extra = {} if extra is None else extra
        if blind:
            extra["blind_area"] = True
        fixes.append(Fix(phone, moment, x, y, v, h, alt, alarm, st, km, "jt808", extra, flag))
    return fixes, invalid


def location_fix(phone: str, loc: Location, *, blind_area: bool = False, received: float | None = None) -> Fix | None:
    """A decoded location report → Fix. A report without a valid time is dated `received` (Unix seconds) and
    flagged "no_time" (stored, never a position); None when `received` is not given."""
    flag = ""
    moment = loc.time
    if moment is None:
        if received is None:
            return None
        moment, flag = datetime.datetime.fromtimestamp(received, GMT8), "no_time"
    extra = loc.decoded()
    mileage = extra.pop("mileage_km", None)
    if blind_area:
        extra["blind_area"] = True
    return Fix(
        device_id=phone,
        time=moment,
        lon=loc.lon,
        lat=loc.lat,
        speed_kmh=loc.speed_kmh,
        heading=loc.heading % 360,
        altitude_m=loc.altitude,
        alarm_bits=loc.alarm,
        status_bits=loc.status,
        mileage_km=mileage,
        source="jt808",
        extra=extra,
        flag=flag,
    )
