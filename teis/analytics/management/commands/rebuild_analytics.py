"""`manage.py rebuild_analytics [--from YYYY-MM-DD] [--to YYYY-MM-DD]`: recompute the daily aggregate."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "重算统计日汇总（全部或指定日期区间）"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", default=None, help="起始日期 YYYY-MM-DD")
        parser.add_argument("--to", dest="end", default=None, help="截止日期 YYYY-MM-DD")

    def handle(self, *args, start=None, end=None, **opts):
        from teis.analytics.services import aggregate

        try:
            lo = dt.date.fromisoformat(start) if start else None
            hi = dt.date.fromisoformat(end) if end else None
        except ValueError:
            raise CommandError("日期格式应为 YYYY-MM-DD") from None
        t0 = time.perf_counter()
        result = aggregate.rebuild(lo, hi)
        self.stdout.write(
            self.style.SUCCESS(
                f"已重算 {result['days']} 天，写入 {result['rows']} 行，用时 {time.perf_counter() - t0:.1f} 秒"
            )
        )
