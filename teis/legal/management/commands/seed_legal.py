"""`manage.py seed_legal`: load the legal demo data (laws, violation codes, case causes, benchmarks).

Idempotent; `seed_demo` calls it at its end.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from teis.legal.demo.loader import load_demo


class Command(BaseCommand):
    help = "载入法律法规演示数据：9 部法律法规（节选）、约 150 个违章代码及其案由和自由裁量基准（可重复执行）。"

    def handle(self, *args, **options):
        started = time.perf_counter()
        created = load_demo(out=self.stdout.write)
        elapsed = time.perf_counter() - started
        if created:
            summary = "，".join(f"{k} {v}" for k, v in created.items())
            self.stdout.write(self.style.SUCCESS(f"法律法规演示数据已载入（{elapsed:.1f} 秒）：新增 {summary}。"))
        else:
            self.stdout.write(f"法律法规演示数据已存在，无需更新（{elapsed:.1f} 秒）。")
