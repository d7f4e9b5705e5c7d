"""`manage.py ais_listen [--tcp-server PORT] [--tcp HOST:PORT] [--udp PORT] [--file PATH]`: AIS feeds → pipeline.

Without options it listens as a TCP server on settings.TEIS_AIS_PORT (10110). Options can be repeated and
combined. Decoded records go in batches (10,000 records or 200 ms) to
`teis.maritime.services.pipeline.process_records` in a worker thread. Counters per feed are logged every
`--stats-every` seconds and at the end. With only `--file` options the command exits when the files are read.
"""

from __future__ import annotations

import asyncio
import json
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from teis.core.process import tune_gc
from teis.maritime.ais.ingest import BATCH_SIZE, IngestWorker, pipeline_sink
from teis.maritime.ais.listeners import AisListener


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--tcp 应为 主机:端口，收到 {value!r}")
    return host, int(port)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) < 65536:
        raise CommandError(f"端口号无效：{value!r}")
    return int(value)


class Command(BaseCommand):
    help = "接收AIS报文（TCP客户端/服务端、UDP、记录文件），解码后送入船舶处理流水线"

    def add_arguments(self, parser):
        parser.add_argument("--tcp-server", action="append", default=[], metavar="PORT", help="作为TCP服务端监听")
        parser.add_argument("--tcp", action="append", default=[], metavar="HOST:PORT", help="连接TCP数据源(断线重连)")
        parser.add_argument("--udp", action="append", default=[], metavar="PORT", help="接收UDP报文")
        parser.add_argument("--file", action="append", default=[], metavar="PATH", help="回放记录文件(.gz 可)")
        parser.add_argument(
            "--bind",
            default=settings.TEIS_AIS_HOST,
            help="服务端/UDP 绑定地址（默认 TEIS_AIS_HOST，未设置时 127.0.0.1）",
        )
        parser.add_argument("--stats-every", type=float, default=30.0, help="统计输出间隔(秒)")
        parser.add_argument("--batch", type=int, default=BATCH_SIZE, help="每批最多记录数")

    def handle(self, *args, **opts):
        servers = [_port(p) for p in opts["tcp_server"]]
        clients = [_host_port(v) for v in opts["tcp"]]
        udps = [_port(p) for p in opts["udp"]]
        files = opts["file"]
        if opts["batch"] < 1:
            raise CommandError(f"--batch 应为正整数，收到 {opts['batch']}")
        if not (servers or clients or udps or files):
            servers = [settings.TEIS_AIS_PORT]
        try:
            asyncio.run(self._run(servers, clients, udps, files, opts))
        except KeyboardInterrupt:
            pass

    async def _run(self, servers, clients, udps, files, opts) -> None:
        tune_gc()
        worker = IngestWorker(pipeline_sink(), batch_size=opts["batch"])
        listener = AisListener(worker)
        await listener.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, listener.request_stop)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            for port in servers:
                feed, bound = await listener.tcp_server(port, opts["bind"])
                self.stdout.write(f"AIS TCP 服务端监听 {opts['bind']}:{bound}")
            for port in udps:
                feed, bound = await listener.udp(port, opts["bind"])
                self.stdout.write(f"AIS UDP 监听 {opts['bind']}:{bound}")
        except OSError as exc:
            await listener.stop()
            raise CommandError(f"无法监听端口：{exc}") from exc
        for host, port in clients:
            await listener.tcp_client(host, port)
            self.stdout.write(f"AIS TCP 客户端连接 {host}:{port}")
        stats_task = asyncio.create_task(self._stats_loop(listener, opts["stats_every"]))
        if files:
            for path in files:
                feed = await listener.replay_file(path)
                self.stdout.write(f"文件 {path} 读取完毕：{json.dumps(feed.counters.as_dict())}")
            if not (servers or clients or udps):
                listener.request_stop()
        await listener.wait_stopped()
        stats_task.cancel()
        await listener.stop()
        self.stdout.write(json.dumps(listener.stats(), ensure_ascii=False))

    async def _stats_loop(self, listener: AisListener, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            for feed in listener.stats()["feeds"]:
                self.stdout.write(json.dumps(feed, ensure_ascii=False))
