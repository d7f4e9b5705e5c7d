"""The scaled mode: REDIS_URL switches cache, channel layer and job queue to Redis (one code path)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import asyncio
from django.conf import settings
from django.core.cache import cache
from channels.layers import get_channel_layer
from huey.contrib.djhuey import HUEY

print("huey", type(HUEY).__name__)
print("layer", type(get_channel_layer()).__name__)
cache.set("teis-probe", "ok", 5)
print("cache", cache.get("teis-probe"))

async def roundtrip():
    layer = get_channel_layer()
    name = await layer.new_channel()
    await layer.send(name, {"type": "probe", "n": 1})
    return (await layer.receive(name))["n"]

print("channel", asyncio.run(roundtrip()))
HUEY.flush()
print("queue", HUEY.pending_count())
"""


def redis_up() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_redis_url_switches_cache_channels_and_jobs():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(REDIS_URL="redis://127.0.0.1:6379/15", TEIS_TESTING="0", TEIS_VAR_DIR=str(ROOT / "var" / "test-scaled"))
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())
    assert lines == {"huey": "RedisHuey", "layer": "RedisChannelLayer", "cache": "ok", "channel": "1", "queue": "0"}
