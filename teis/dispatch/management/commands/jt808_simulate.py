"""`manage.py jt808_simulate --vehicles N --interval S [--host --port --duration --leave-area K]`: simulated
JT/T 808 terminals for the vehicles that have a terminal phone (see `teis.dispatch.jt808.simulator`)."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from teis.core.geo import shanghai_districts
from teis.dispatch.choices import VehicleStatus
from teis.dispatch.jt808.gateway import run
from teis.dispatch.jt808.simulator import Simulator, SimVehicle, land_geometry
from teis.dispatch.models import LatestFix, PatrolVehicle
from teis.dispatch.services import directory


def sim_vehicles(limit: int, leave: int, v2019_every: int = 4) -> list[SimVehicle]:
    """The first `limit` vehicles with a terminal phone, with their patrol areas; the first `leave` of them
    leave their area now and then; every `v2019_every`-th speaks JT/T 808-2019 (all with a phone over 12 digits)."""
    d = directory.current(force=True)
    qs = (
        PatrolVehicle.objects.exclude(terminal_phone="")
        .exclude(status=VehicleStatus.RETIRED)
        .order_by("pk")
        .values_list("pk", "terminal_phone", "plate", "unit_id")
    )[:limit]
    # a vehicle resumes where it was last seen, so restarting the simulator raises no 位置跳变
    latest = {
        vehicle_id: ((lon, lat), mileage)
        for vehicle_id, lon, lat, mileage in LatestFix.objects.filter(
            vehicle_id__in=[row[0] for row in qs]
        ).values_list("vehicle_id", "lon", "lat", "mileage_km")
    }
    out = []
    for i, (pk, phone, plate, unit_id) in enumerate(qs):
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not digits or len(digits) > 20:
            continue
        out.append(
            SimVehicle(
                phone=digits,
                plate=plate,
                area=d.areas.get(unit_id),
                leaves=i < leave,
                start=latest.get(pk, (None, None))[0],
                mileage_km=latest.get(pk, (None, None))[1],
                version_2019=len(digits) > 12 or (v2019_every > 0 and i % v2019_every == v2019_every - 1),
            )
        )
    return out


class Command(BaseCommand):
    help = "模拟 JT/T 808 车载终端：注册、鉴权、心跳并沿上海市内路线上报位置"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--vehicles", type=int, default=10, help="模拟车辆数（取有终端手机号的车辆）")
        parser.add_argument("--interval", type=float, default=5.0, help="每车上报间隔秒数")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.TEIS_JT808_PORT)
        parser.add_argument("--duration", type=float, default=300.0, help="每个终端鉴权后上报的秒数")
        parser.add_argument("--leave-area", type=int, default=1, help="会驶出本单位辖区的车辆数")
        parser.add_argument("--blind", type=float, default=0.01, help="每次上报进入盲区（随后 0x0704 补报）的概率")
        parser.add_argument("--heartbeat", type=float, default=30.0, help="心跳间隔秒数")
        parser.add_argument("--seed", type=int, default=808)
        parser.add_argument(
            "--per-connection", type=int, default=1, help="每条 TCP 连接承载的终端数（模拟转发平台；默认每终端一条）"
        )
        parser.add_argument("--json", action="store_true", help="结束时以 JSON 输出计数")

    def handle(self, *args, **options) -> None:
        if options["interval"] <= 0 or options["vehicles"] <= 0 or options["duration"] <= 0:
            raise CommandError("车辆数、上报间隔和运行时长须为正数。")
        vehicles = sim_vehicles(options["vehicles"], options["leave_area"])
        if not vehicles:
            raise CommandError("没有配置终端手机号的车辆：请先在「执法车辆/船艇」中填写终端手机号，或运行 seed_demo。")
        if len(vehicles) < options["vehicles"]:
            self.stderr.write(f"只有 {len(vehicles)} 辆车配置了终端手机号，按 {len(vehicles)} 辆模拟。")
        logging.getLogger("teis.dispatch.jt808.simulator").setLevel(logging.INFO)
        sim = Simulator(
            vehicles,
            land_geometry(shanghai_districts()),
            host=options["host"],
            port=options["port"],
            interval=options["interval"],
            duration=options["duration"],
            heartbeat_s=options["heartbeat"],
            blind_probability=options["blind"],
            seed=options["seed"],
            per_connection=options["per_connection"],
            on_text=lambda phone, text: self.stdout.write(f"终端 {phone} 收到文本信息：{text}"),
        )
        self.stdout.write(
            f"模拟 {len(vehicles)} 个终端 → {options['host']}:{options['port']}，每 {options['interval']} 秒上报，"
            f"运行 {options['duration']} 秒"
        )
        try:
            stats = run(sim.run())
        except KeyboardInterrupt:
            stats = sim.stats
        counts = stats.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
        else:
            labels = {
                "connected": "连接",
                "registered": "注册成功",
                "register_refused": "注册被拒",
                "authenticated": "鉴权成功",
                "auth_refused": "鉴权被拒",
                "fixes": "定位条数",
                "reports": "0x0200 上报",
                "batches": "0x0704 补报",
                "batch_fixes": "补报定位条数",
                "heartbeats": "心跳",
                "acks": "平台应答",
                "texts": "收到文本信息",
                "ack_timeouts": "应答超时",
                "errors": "错误",
                "left_area": "驶出辖区次数",
            }
            self.stdout.write("，".join(f"{labels[k]} {v}" for k, v in counts.items()))
