"""`manage.py ais_simulate --target tcp://host:port|udp://host:port --rate N [--duration S] [--speedup K]
[--scenario default]`: plays the Shanghai AIS scenario of `teis.maritime.ais.scenario` to a listener.

`--rate` is the wanted sentences per second (filler ships are added to reach it); `--speedup` runs scenario
time K times faster than the wall clock (each sentence's tag block carries its scenario time).
"""

from __future__ import annotations

import asyncio
import json
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from teis.maritime.ais.perceptions import api_token
from teis.maritime.ais.simulator import SCENARIOS, parse_target, play


class Command(BaseCommand):
    help = "AIS 模拟器：在黄浦江、长江口播放船舶场景（断面双向穿越、闯入水源保护区、AIS信号消失、危险品船、A/B类船）"

    def add_arguments(self, parser):
        parser.add_argument("--target", default=f"tcp://127.0.0.1:{settings.TEIS_AIS_PORT}", help="tcp://… 或 udp://…")
        parser.add_argument("--rate", type=float, default=0.0, help="目标发送速率(条/秒)，0 = 仅场景船舶")
        parser.add_argument("--duration", type=float, default=None, help="运行秒数(默认播放完整场景)")
        parser.add_argument("--speedup", type=float, default=10.0, help="场景时间加速倍数")
        parser.add_argument("--scenario", default="default", choices=SCENARIOS)
        parser.add_argument(
            "--api", default="", help="TEIS 接口地址，如 http://127.0.0.1:8000/api/v1（发送卡口感知数据）"
        )
        parser.add_argument("--token", default=os.environ.get("TEIS_API_TOKEN", ""), help="接口令牌(Bearer)")
        parser.add_argument("--username", default="", help="无令牌时用于获取令牌的账号（需 上报卡口感知 权限）")
        parser.add_argument("--password", default=os.environ.get("TEIS_API_PASSWORD", ""), help="账号密码")

    def handle(self, *args, **opts):
        try:
            parse_target(opts["target"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if opts["rate"] < 0 or opts["speedup"] <= 0 or (opts["duration"] is not None and opts["duration"] <= 0):
            raise CommandError("速率不能为负，加速倍数和时长必须为正数")
        if opts["api"] and not opts["api"].startswith(("http://", "https://")):
            raise CommandError("--api 应以 http:// 或 https:// 开头")
        token = opts["token"]
        if opts["api"] and not token:
            if not opts["username"]:
                raise CommandError("发送卡口感知数据需要 --token 或 --username/--password")
            try:
                token = api_token(opts["api"], opts["username"], opts["password"])
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"获取接口令牌失败：{exc}") from exc
        try:
            result = asyncio.run(
                play(
                    opts["target"],
                    rate=opts["rate"],
                    duration=opts["duration"],
                    speedup=opts["speedup"],
                    scenario=opts["scenario"],
                    progress=self.stdout.write,
                    api=opts["api"],
                    token=token,
                )
            )
        except ConnectionError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            return
        self.stdout.write(json.dumps(result, ensure_ascii=False))
