"""Checkpoint (卡口) perceptions of the simulator scenario, posted to `/api/v1/maritime/perceptions/upload/`.

Two simulated checkpoints (`CHECKPOINTS`, created by the tests and meant for the demo data) see three ships:
- 外滩卡口: PUJIANG YOU 1 (the dangerous-goods tanker, name sent by the device, matches its AIS track) and
  HU JIANG 8, a ship with no AIS at all (no matching track: the "sighting without AIS" case), crew without life
  jackets;
- 吴淞口卡口: YUANYANG JZX 3 with cargo uncovered and NO name from the device — the name is painted on the
  close-up image so the server reads it by OCR.
Each is sent when the ship is nearest the checkpoint in scenario time, with a generated full view and close-up
(PNG, drawn with Pillow). Posting runs in a thread (urllib, multipart/form-data, `Authorization: Bearer`).
"""

from __future__ import annotations

import datetime
import io
import json
import math
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from .scenario import ScenarioShip, _metres

Point = tuple[float, float]


def _box(lon: float, lat: float, half: float = 0.004) -> list[list[float]]:
    return [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]


CHECKPOINTS = [
    {"code": "SIM-KK-BUND", "name": "外滩卡口（模拟）", "lon": 121.5010, "lat": 31.2430},
    {"code": "SIM-KK-WUSONG", "name": "吴淞口卡口（模拟）", "lon": 121.5060, "lat": 31.3880},
]
for _cp in CHECKPOINTS:
    _cp["coverage"] = {"type": "Polygon", "coordinates": [_box(_cp["lon"], _cp["lat"])]}


@dataclass
class ScenarioPerception:
    checkpoint: str
    mmsi: int | None  # the scenario ship it shows (None: a ship without AIS, placed at the checkpoint)
    painted_name: str  # the name on the hull (close-up image)
    send_name: bool  # whether the device sends the recognised name (else the server reads it by OCR)
    ship_type: str
    ai_flags: dict = field(default_factory=dict)
    at_s: float = 0.0  # scenario second (filled by `schedule`)


def perceptions() -> list[ScenarioPerception]:
    return [
        ScenarioPerception("SIM-KK-BUND", 413100003, "PUJIANG YOU 1", True, "油船", {"cargo_uncovered": False}),
        ScenarioPerception(
            "SIM-KK-BUND", None, "HU JIANG 8", True, "货船", {"no_life_jacket": True, "cargo_uncovered": False}
        ),
        ScenarioPerception("SIM-KK-WUSONG", 413100004, "YUANYANG JZX 3", False, "集装箱船", {"cargo_uncovered": True}),
    ]


def nearest_time(ship: ScenarioShip, point: Point, step: float = 2.0) -> float:
    """Scenario second at which the ship is closest to the point."""
    best_t, best_d = ship.start_s, math.inf
    t = ship.start_s
    while t <= ship.end_s():
        lon, lat, _, _ = ship.state(t)
        d = _metres((lon, lat), point)
        if d < best_d:
            best_t, best_d = t, d
        t += step
    return best_t


def schedule(ships: list[ScenarioShip]) -> list[ScenarioPerception]:
    """The perceptions with their times, in time order (a ship without AIS comes 300 s in)."""
    by_mmsi = {s.mmsi: s for s in ships}
    where = {c["code"]: (c["lon"], c["lat"]) for c in CHECKPOINTS}
    out = []
    for p in perceptions():
        ship = by_mmsi.get(p.mmsi) if p.mmsi else None
        p.at_s = nearest_time(ship, where[p.checkpoint]) if ship else 300.0
        out.append(p)
    return sorted(out, key=lambda p: p.at_s)


def images(name: str) -> tuple[bytes, bytes]:
    """(full view, close-up) PNGs: a hull on the water, and the painted name in large letters."""
    from PIL import Image, ImageDraw, ImageFont

    full = Image.new("RGB", (640, 360), (150, 190, 220))
    draw = ImageDraw.Draw(full)
    draw.rectangle((0, 220, 640, 360), fill=(60, 90, 120))
    draw.polygon([(140, 200), (500, 200), (460, 250), (180, 250)], fill=(40, 40, 40))
    draw.rectangle((300, 150, 380, 200), fill=(230, 230, 230))
    draw.text((200, 210), name, fill=(255, 255, 255), font=ImageFont.load_default(size=22))
    close = Image.new("RGB", (720, 160), (255, 255, 255))
    ImageDraw.Draw(close).text((30, 45), name, fill=(0, 0, 0), font=ImageFont.load_default(size=64))
    out = []
    for img in (full, close):
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        out.append(buf.getvalue())
    return out[0], out[1]


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, mime) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {mime}\r\n\r\n"
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _endpoint(api: str, path: str) -> str:
    if not api.startswith(("http://", "https://")):
        raise ValueError(f"接口地址应以 http:// 或 https:// 开头：{api!r}")
    return api.rstrip("/") + "/" + path


def api_token(api: str, username: str, password: str, timeout: float = 15.0) -> str:
    """A bearer token from /api/v1/auth/token/."""
    body = json.dumps({"username": username, "password": password}).encode()
    req = urllib.request.Request(  # noqa: S310 - http(s) only, checked by _endpoint
        _endpoint(api, "auth/token/"), data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the operator's own TEIS URL
        return json.loads(resp.read())["token"]


def post_perception(
    api: str, token: str, p: ScenarioPerception, when: datetime.datetime, timeout: float = 60.0
) -> tuple[int, dict]:
    """POST one perception; returns (HTTP status, JSON body). Never raises for HTTP or network errors."""
    full, close = images(p.painted_name)
    fields = {
        "checkpoint": p.checkpoint,
        "time": when.isoformat(),
        "ship_type": p.ship_type,
        "ai_flags": json.dumps(p.ai_flags),
    }
    if p.send_name:
        fields["ship_name"] = p.painted_name
    body, content_type = _multipart(
        fields, {"full_image": ("full.png", full, "image/png"), "closeup_image": ("closeup.png", close, "image/png")}
    )
    try:
        req = urllib.request.Request(  # noqa: S310 - http(s) only, checked by _endpoint
            _endpoint(api, "maritime/perceptions/upload/"),
            data=body,
            headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - the operator's own TEIS URL
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as err:
        try:
            return err.code, json.loads(err.read() or b"{}")
        except ValueError:
            return err.code, {}
    except (OSError, ValueError) as exc:
        return 0, {"message": str(exc)}
