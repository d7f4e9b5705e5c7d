"""Flow statistics of sections (per hour, day, type and direction) and traffic per checkpoint with a risk
forecast by hour of day and day of week from history (预警预测)."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractWeekDay, TruncDate, TruncHour
from django.utils import timezone

from ..choices import CrossingDirection, ShipCategory
from ..models import Alert, Checkpoint, Perception, SectionCrossing, SectionLine

CATEGORY_LABELS = dict(ShipCategory.choices)
WEEKDAYS = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"]  # ExtractWeekDay: 1 = Sunday


def section_flow(section: SectionLine, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Counts of the section's crossings in [start, end): by hour, day, category and direction."""
    tz = timezone.get_current_timezone()
    qs = SectionCrossing.objects.filter(section=section, time__gte=start, time__lt=end)
    labels: dict[str, str] = {
        CrossingDirection.FORWARD: section.forward_label,
        CrossingDirection.REVERSE: section.reverse_label,
    }
    by_hour: dict[str, Counter[Any]] = defaultdict(Counter)
    for row in qs.annotate(h=TruncHour("time", tzinfo=tz)).values("h", "direction").annotate(n=Count("pk")):
        by_hour[timezone.localtime(row["h"], tz).strftime("%Y-%m-%d %H:00")][row["direction"]] += row["n"]
    by_day: dict[str, Counter[Any]] = defaultdict(Counter)
    for row in qs.annotate(d=TruncDate("time", tzinfo=tz)).values("d", "direction").annotate(n=Count("pk")):
        by_day[row["d"].isoformat()][row["direction"]] += row["n"]
    by_category: dict[str, Counter[Any]] = defaultdict(Counter)
    for row in qs.values("category", "direction").annotate(n=Count("pk")):
        by_category[CATEGORY_LABELS.get(row["category"], row["category"])][row["direction"]] += row["n"]
    totals = Counter({labels[r["direction"]]: r["n"] for r in qs.values("direction").annotate(n=Count("pk"))})

    def table(counter_map: dict[str, Counter[Any]]) -> list[dict[str, Any]]:
        return [
            {"key": k, "forward": c[CrossingDirection.FORWARD], "reverse": c[CrossingDirection.REVERSE],
             "total": c[CrossingDirection.FORWARD] + c[CrossingDirection.REVERSE]}
            for k, c in sorted(counter_map.items())
        ]  # fmt: skip

    return {
        "forward_label": section.forward_label,
        "reverse_label": section.reverse_label,
        "total": sum(totals.values()),
        "by_direction": dict(totals),
        "forward_total": totals[section.forward_label],
        "reverse_total": totals[section.reverse_label],
        "by_hour": table(by_hour),
        "by_day": table(by_day),
        "by_category": table(by_category),
    }


def section_flow_xlsx(section: SectionLine, start: dt.datetime, end: dt.datetime) -> bytes:
    from openpyxl import Workbook

    flow = section_flow(section, start, end)
    wb = Workbook()
    wb.remove(wb.active)
    for title, key, head in (
        ("按小时", "by_hour", "小时"),
        ("按日", "by_day", "日期"),
        ("按船舶类别", "by_category", "类别"),
    ):
        ws = wb.create_sheet(title)
        ws.append([head, flow["forward_label"], flow["reverse_label"], "合计"])
        for row in flow[key]:
            ws.append([row["key"], row["forward"], row["reverse"], row["total"]])
    ws = wb.create_sheet("明细")
    ws.append(["穿越时间", "MMSI", "船名", "类别", "方向", "航速(节)", "经度", "纬度"])
    labels: dict[str, str] = {
        CrossingDirection.FORWARD: flow["forward_label"],
        CrossingDirection.REVERSE: flow["reverse_label"],
    }
    for c in (
        SectionCrossing.objects.filter(section=section, time__gte=start, time__lt=end)
        .select_related("vessel")
        .order_by("time")
        .iterator(chunk_size=2000)
    ):
        ws.append(
            [timezone.localtime(c.time).strftime("%Y-%m-%d %H:%M:%S"), c.vessel.mmsi, c.vessel.name,
             CATEGORY_LABELS.get(c.category, ""), labels[c.direction], c.sog, round(c.lon, 6), round(c.lat, 6)]
        )  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def checkpoint_traffic(checkpoint: Checkpoint, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """Perceptions per day and hour at a checkpoint, and the forecast: for each hour of day and weekday, the
    historical mean of perceptions and of alerts there, as a risk level (高/中/低 by tercile)."""
    tz = timezone.get_current_timezone()
    qs = Perception.objects.filter(checkpoint=checkpoint, time__gte=start, time__lt=end)
    by_day = {
        r["d"].isoformat(): r["n"]
        for r in qs.annotate(d=TruncDate("time", tzinfo=tz)).values("d").annotate(n=Count("pk")).order_by("d")
    }
    days = max(1, (end - start).days)
    weeks = max(1.0, days / 7)
    hist: Counter[tuple[int, int]] = Counter()
    for r in (
        qs.annotate(h=ExtractHour("time", tzinfo=tz), w=ExtractWeekDay("time", tzinfo=tz))
        .values("h", "w")
        .annotate(n=Count("pk"))
    ):
        hist[(r["w"], r["h"])] += r["n"]
    alerts: Counter[tuple[int, int]] = Counter()
    for r in (
        Alert.objects.filter(checkpoint=checkpoint, time__gte=start, time__lt=end)
        .annotate(h=ExtractHour("time", tzinfo=tz), w=ExtractWeekDay("time", tzinfo=tz))
        .values("h", "w")
        .annotate(n=Count("pk"))
    ):
        alerts[(r["w"], r["h"])] += r["n"]
    cells: list[dict[str, Any]] = []
    for w in range(1, 8):
        for h in range(24):
            traffic = hist[(w, h)] / weeks
            risk = traffic * 0.2 + alerts[(w, h)] / weeks
            cells.append(
                {
                    "weekday": WEEKDAYS[w - 1],
                    "w": w - 1,
                    "hour": h,
                    "traffic": round(traffic, 2),
                    "risk": round(risk, 2),
                }
            )
    risks = sorted(c["risk"] for c in cells)
    hi, mid = risks[int(len(risks) * 0.9)], risks[int(len(risks) * 0.6)]
    for c in cells:
        c["level"] = "高" if c["risk"] > 0 and c["risk"] >= hi else "中" if c["risk"] > 0 and c["risk"] >= mid else "低"
    by_hour = [sum(c["traffic"] for c in cells if c["hour"] == h) / 7 for h in range(24)]
    return {"total": qs.count(), "by_day": by_day, "forecast": cells, "by_hour": [round(x, 2) for x in by_hour]}
