"""`manage.py jt808_gateway [--host H] [--port P]`: the JT/T 808 TCP gateway (runs until SIGINT / SIGTERM)."""

from __future__ import annotations

import asyncio
import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from teis.core.process import tune_gc
from teis.dispatch.jt808.gateway import Gateway, GatewayConfig, run
from teis.dispatch.jt808.sink import DjangoSink, ProcessIngestSink

log = logging.getLogger("teis.dispatch.jt808")


class Command(BaseCommand):
    help = "JT/T 808 车载终端接入网关（TCP）"

    def add_arguments(self, parser) -> None:
        defaults = GatewayConfig()
        parser.add_argument(
            "--host",
            default=settings.TEIS_JT808_HOST,
            help="监听地址（默认 TEIS_JT808_HOST，未设置时仅本机 127.0.0.1）",
        )
        parser.add_argument("--port", type=int, default=settings.TEIS_JT808_PORT, help="监听端口")
        parser.add_argument("--idle-timeout", type=float, default=defaults.idle_timeout_s, help="空闲断开秒数")
        parser.add_argument("--batch-size", type=int, default=defaults.batch_size, help="每批入库定位条数")
        parser.add_argument("--flush-ms", type=float, default=defaults.flush_ms, help="批次最长等待毫秒")
        parser.add_argument("--stats-every", type=float, default=60.0, help="统计输出间隔秒数（0 不输出）")
        parser.add_argument(
            "--in-process-ingest", action="store_true", help="在网关进程内入库（默认另起入库进程，避免争用 GIL）"
        )

    def handle(self, *args, **options) -> None:
        if options["batch_size"] < 1 or options["flush_ms"] <= 0 or options["idle_timeout"] <= 0:
            raise CommandError("--batch-size、--flush-ms 和 --idle-timeout 须为正数。")
        config = GatewayConfig(
            login_threads=1 if connection.vendor == "sqlite" else 4,
            host=options["host"],
            port=options["port"],
            idle_timeout_s=options["idle_timeout"],
            batch_size=options["batch_size"],
            flush_ms=options["flush_ms"],
            journal_dir=settings.TEIS_JT808_JOURNAL_DIR or None,
        )
        sink = DjangoSink() if options["in_process_ingest"] else ProcessIngestSink()
        if config.journal_dir:
            self.stdout.write(f"定位预写日志：{config.journal_dir}（已应答的定位先落盘，重启时补存）")
        tune_gc()
        run(self._run(sink, config, options["stats_every"]))

    async def _run(self, sink: DjangoSink, config: GatewayConfig, stats_every: float) -> None:
        gateway = Gateway(sink, config)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await gateway.start()
        self.stdout.write(f"JT/T 808 网关已启动：{config.host}:{gateway.port}")
        reporter = asyncio.create_task(self._report(gateway, stats_every)) if stats_every > 0 else None
        await stop.wait()
        self.stdout.write("正在停止 JT/T 808 网关…")
        if reporter is not None:
            reporter.cancel()
        await gateway.stop()
        self.stdout.write(f"JT/T 808 网关已停止：{dict(sorted(gateway.stats.items()))}")

    async def _report(self, gateway: Gateway, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.stdout.write(f"在线连接 {len(gateway.connections)}，统计 {dict(sorted(gateway.stats.items()))}")
