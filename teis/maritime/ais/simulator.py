"""Plays a `Scenario` to a TCP or UDP target at a chosen rate (`manage.py ais_simulate`)."""

from __future__ import annotations

import asyncio
import datetime
import logging
import random
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from .listeners import backoff_delay
from .perceptions import post_perception, schedule
from .scenario import Scenario, filler_ships, scenario_ships

log = logging.getLogger("teis.maritime.ais")

SCENARIOS = ("default",)
UDP_DATAGRAM_BYTES = 1400


@dataclass
class Target:
    scheme: str  # tcp / udp
    host: str
    port: int


def parse_target(target: str) -> Target:
    """`tcp://host:port` or `udp://host:port`; raises ValueError with a Chinese message otherwise."""
    parts = urllib.parse.urlsplit(target)
    if parts.scheme not in ("tcp", "udp"):
        raise ValueError(f"目标地址应为 tcp://主机:端口 或 udp://主机:端口，收到 {target!r}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or not port:
        raise ValueError(f"目标地址缺少主机或端口：{target!r}")
    return Target(parts.scheme, parts.hostname, port)


def build_scenario(
    name: str = "default", *, rate: float = 0.0, speedup: float = 10.0, start: datetime.datetime | None = None
) -> Scenario:
    """The named scenario plus enough filler ships that it sends about `rate` sentences per wall second."""
    if name not in SCENARIOS:
        raise ValueError(f"未知场景 {name!r}，可选：{', '.join(SCENARIOS)}")
    ships = scenario_ships()
    named_rate = sum(1.0 / s.interval_s for s in ships) * speedup
    per_filler = (0.7 / 10.0 + 0.3 / 30.0 + 2 / 360.0) * speedup  # sentences per wall second of one filler
    count = max(0, int((rate - named_rate) / per_filler)) if rate else 0
    start = start or datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    return Scenario(start, ships + filler_ships(count))


class _Sender:
    """Keeps a TCP connection (reconnecting with backoff) or a UDP socket."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.writer: asyncio.StreamWriter | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.reconnects = 0
        self._rng = random.Random()

    async def open(self, deadline: float) -> None:
        if self.target.scheme == "udp":
            loop = asyncio.get_running_loop()
            self.transport, _ = await loop.create_datagram_endpoint(
                asyncio.DatagramProtocol, remote_addr=(self.target.host, self.target.port)
            )
            return
        attempt = 0
        while True:
            try:
                _, self.writer = await asyncio.open_connection(self.target.host, self.target.port)
                return
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise ConnectionError(f"无法连接 {self.target.host}:{self.target.port}：{exc}") from exc
                delay = backoff_delay(attempt, 0.2, 5.0, self._rng)
                attempt += 1
                await asyncio.sleep(delay)

    async def send(self, lines: list[str], deadline: float) -> None:
        if not lines:
            return
        if self.transport is not None:
            datagram = b""
            for line in lines:
                raw = line.encode() + b"\r\n"
                if datagram and len(datagram) + len(raw) > UDP_DATAGRAM_BYTES:
                    self.transport.sendto(datagram)
                    datagram = b""
                datagram += raw
            if datagram:
                self.transport.sendto(datagram)
            return
        payload = ("\r\n".join(lines) + "\r\n").encode()
        while True:
            try:
                assert self.writer is not None
                self.writer.write(payload)
                await self.writer.drain()
                return
            except (ConnectionError, OSError):
                self.reconnects += 1
                log.warning("AIS simulator: connection lost, reconnecting")
                await self.open(deadline)

    async def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass


async def _post_later(api: str, token: str, p, when: datetime.datetime, lag: float = 0.5) -> tuple[int, dict]:
    # a device uploads a moment after its snapshot; the AIS fixes around it are in by then
    await asyncio.sleep(lag)
    return await asyncio.to_thread(post_perception, api, token, p, when, 180.0)


async def play(
    target: str,
    *,
    rate: float = 0.0,
    duration: float | None = None,
    speedup: float = 10.0,
    scenario: str = "default",
    start: datetime.datetime | None = None,
    tick: float = 0.1,
    progress: Callable[[str], None] | None = None,
    api: str = "",
    token: str = "",
) -> dict:
    """Send the scenario for `duration` wall seconds (default: until its named ships have finished). With `api`
    (e.g. http://127.0.0.1:8000/api/v1) and a bearer `token`, the checkpoint perceptions are posted too."""
    dest = parse_target(target)
    play_scenario = build_scenario(scenario, rate=rate, speedup=speedup, start=start)
    due = schedule([s for s in play_scenario.ships if not s.ping_pong]) if api else []
    posting: list[asyncio.Task] = []
    if duration is None:
        duration = play_scenario.duration_s() / speedup
    sender = _Sender(dest)
    began = time.monotonic()
    await sender.open(began + 30)
    sent = 0
    scenario_t = 0.0
    next_report = began + 5
    try:
        while True:
            now = time.monotonic()
            elapsed = now - began
            if elapsed >= duration:
                break
            upto = min(elapsed + tick, duration) * speedup
            batch = play_scenario.sentences(scenario_t, upto)
            scenario_t = upto
            await sender.send([line for _, line in batch], began + duration + 30)
            sent += len(batch)
            while due and due[0].at_s < scenario_t:
                p = due.pop(0)
                when = play_scenario.start + datetime.timedelta(seconds=p.at_s)
                posting.append(asyncio.create_task(_post_later(api, token, p, when)))
            if progress and now >= next_report:
                progress(f"已发送 {sent} 条语句，场景时间 {scenario_t:.0f} 秒")
                next_report = now + 5
            wait = began + scenario_t / speedup - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
    finally:
        await sender.close()
    posted = await asyncio.gather(*posting)
    for status, body in posted:
        if status != 201:
            log.warning("AIS simulator: perception refused (%s): %s", status, body)
    elapsed = time.monotonic() - began
    return {
        "sentences": sent,
        "seconds": round(elapsed, 2),
        "rate": round(sent / elapsed, 1) if elapsed else 0.0,
        "scenario_seconds": round(scenario_t, 1),
        "ships": len(play_scenario.ships),
        "reconnects": sender.reconnects,
        "perceptions": [{"status": status, **body} for status, body in posted],
    }
