"""勤务分析统计 (spec §2.1.2.4–5, §2.5.6.8): mileage and time per vehicle / unit / day (from the daily mileage
table, filled from the tracks with jitter filtered), 勤务报表 and 勤务汇总报表, 每日勤务快报 and its summary,
the monthly 勤务督查 (vehicles, 业户, per capita, overtime), mileage curves by month and year, and 区域监管
coverage of key areas. Every report is rows (list of dicts) + column labels, so pages, charts and Excel share it."""

from __future__ import annotations

import calendar
import datetime as dt
import io
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from ..choices import GeofenceKind, PlanStatus
from ..models import (
    Alarm,
    DailyMileage,
    DutyFeedback,
    DutyTask,
    FixRecord,
    Geofence,
    PatrolVehicle,
    SignIn,
)
from . import tracks

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.db.models import QuerySet

    from teis.org.models import Unit


def _day_range(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def compute_daily_mileage(day: dt.date, vehicle_ids: list[int] | None = None) -> int:
    """(Re)compute DailyMileage of `day` for the vehicles with fixes that day. Returns the rows written."""
    start, end = _day_range(day)
    fixes = FixRecord.objects.filter(time__gte=start, time__lt=end, flag="")
    if vehicle_ids is not None:
        fixes = fixes.filter(vehicle_id__in=vehicle_ids)
    ids = list(fixes.values_list("vehicle_id", flat=True).distinct())
    rows = []
    for vehicle in PatrolVehicle.objects.filter(pk__in=ids):
        s = tracks.summarise(tracks.load_track(vehicle, start, end - dt.timedelta(microseconds=1)))
        rows.append(
            DailyMileage(
                vehicle=vehicle,
                date=day,
                distance_km=round(s.distance_km, 3),
                moving_s=int(s.moving_s),
                stopped_s=int(s.stopped_s),
                max_speed=s.max_speed,
                points=s.points,
            )
        )
    with transaction.atomic():
        DailyMileage.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["vehicle", "date"],
            update_fields=["distance_km", "moving_s", "stopped_s", "max_speed", "points", "computed_at"],
        )
    return len(rows)


def _units(user: User) -> QuerySet[Unit]:
    from teis.org.models import Unit

    return Unit.objects.for_user(user)


def mileage_report(
    user: User, start: dt.date, end: dt.date, group: str = "vehicle"
) -> tuple[list[str], list[dict[str, Any]]]:
    """里程时间统计 grouped by vehicle, unit or day."""
    qs = DailyMileage.objects.for_user(user).filter(date__gte=start, date__lte=end)
    keys = {"vehicle": ["vehicle__plate", "vehicle__unit__name"], "unit": ["vehicle__unit__name"], "day": ["date"]}[
        group
    ]
    rows = (
        qs.values(*keys)
        .annotate(
            distance=Sum("distance_km"),
            moving=Sum("moving_s"),
            stopped=Sum("stopped_s"),
            vmax=Max("max_speed"),
            days=Count("date", distinct=True),
        )
        .order_by(*keys)
    )
    labels = {"vehicle__plate": "车辆", "vehicle__unit__name": "单位", "date": "日期"}
    columns = [labels[k] for k in keys] + ["里程(km)", "行驶时长(小时)", "停留时长(小时)", "最高速度", "出车天数"]
    out = []
    for r in rows:
        row = {labels[k]: r[k] for k in keys}
        row |= {
            "里程(km)": round(r["distance"] or 0, 2),
            "行驶时长(小时)": round((r["moving"] or 0) / 3600, 2),
            "停留时长(小时)": round((r["stopped"] or 0) / 3600, 2),
            "最高速度": round(r["vmax"] or 0, 1),
            "出车天数": r["days"],
        }
        out.append(row)
    return columns, out


def _num(x: float) -> int | float:
    """Counts as whole numbers, hours with one decimal."""
    x = round(float(x), 1)
    return int(x) if x.is_integer() else x


def duty_report(user: User, start: dt.date, end: dt.date) -> tuple[list[str], list[dict[str, Any]]]:
    """勤务报表 per unit (the last row is the 勤务汇总 total): plans, tasks by type, officer shifts, sign-ins,
    feedback counts, alarms."""
    t0, _ = _day_range(start)
    _, t1 = _day_range(end)
    tasks = DutyTask.objects.for_user(user).filter(plan__status=PlanStatus.APPROVED, start_at__gte=t0, start_at__lt=t1)
    per_unit: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(float))
    for r in tasks.values("unit__name", "task_type").annotate(n=Count("id", distinct=True), shifts=Count("officers")):
        u = per_unit[r["unit__name"]]
        u["任务数"] += r["n"]
        u[{"daily": "日常", "special": "专项", "emergency": "突发"}[r["task_type"]]] += r["n"]
        u["出勤人次"] += r["shifts"]
    for r in tasks.values("unit__name").annotate(v=Count("vehicles")):
        per_unit[r["unit__name"]]["出车次数"] += r["v"]
    fb = DutyFeedback.objects.for_user(user).filter(task__in=tasks)
    for r in fb.values("task__unit__name").annotate(
        n=Count("id"),
        cv=Sum("checked_vehicles"),
        co=Sum("checked_operators"),
        cf=Sum("cases_found"),
        ot=Sum("overtime_hours"),
    ):
        u = per_unit[r["task__unit__name"]]
        u["反馈数"] += r["n"]
        u["检查车辆"] += r["cv"] or 0
        u["检查业户"] += r["co"] or 0
        u["查处案件"] += r["cf"] or 0
        u["加班(小时)"] += float(r["ot"] or 0)
    for r in (
        SignIn.objects.for_user(user)
        .filter(signed_at__gte=t0, signed_at__lt=t1)
        .values("unit__name")
        .annotate(n=Count("id"))
    ):
        per_unit[r["unit__name"]]["签到"] += r["n"]
    for r in (
        Alarm.objects.for_user(user)
        .filter(started_at__gte=t0, started_at__lt=t1)
        .values("unit__name")
        .annotate(n=Count("id"))
    ):
        per_unit[r["unit__name"]]["告警"] += r["n"]
    metrics = [
        "任务数",
        "日常",
        "专项",
        "突发",
        "出勤人次",
        "出车次数",
        "签到",
        "反馈数",
        "检查车辆",
        "检查业户",
        "查处案件",
        "加班(小时)",
        "告警",
    ]
    rows: list[dict[str, Any]] = [
        {"单位": name, **{m: _num(vals.get(m, 0)) for m in metrics}} for name, vals in sorted(per_unit.items())
    ]
    if rows:
        rows.append({"单位": "合计", **{m: _num(sum(r[m] for r in rows)) for m in metrics}})
    return ["单位", *metrics], rows


def daily_brief(user: User, day: dt.date) -> tuple[list[str], list[dict[str, Any]]]:
    """每日勤务快报 of one day (its last row is the 快报汇总)."""
    return duty_report(user, day, day)


def monthly_inspection(user: User, year: int, month: int) -> tuple[list[str], list[dict[str, Any]]]:
    """勤务督查 of a month per unit: vehicles in use and their mileage, 业户 checked, cases per officer on duty,
    overtime, tasks whose feedback is missing."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    _, rows = duty_report(user, first, last)
    mileage = {
        r["vehicle__unit__name"]: r
        for r in DailyMileage.objects.for_user(user)
        .filter(date__gte=first, date__lte=last)
        .values("vehicle__unit__name")
        .annotate(km=Sum("distance_km"), vehicles=Count("vehicle", distinct=True))
    }
    t0, _ = _day_range(first)
    _, t1 = _day_range(last)
    tasks = DutyTask.objects.for_user(user).filter(plan__status=PlanStatus.APPROVED, start_at__gte=t0, start_at__lt=t1)
    missing = dict(
        tasks.filter(feedbacks=None).values("unit__name").annotate(n=Count("id")).values_list("unit__name", "n")
    )
    people = dict(
        tasks.values("unit__name").annotate(n=Count("officers", distinct=True)).values_list("unit__name", "n")
    )
    out = []
    for r in rows:
        if r["单位"] == "合计":
            continue
        m = mileage.get(r["单位"], {})
        n_people = people.get(r["单位"], 0)
        out.append(
            {
                "单位": r["单位"],
                "出车辆数": m.get("vehicles", 0),
                "车辆里程(km)": round(m.get("km") or 0, 1),
                "检查业户": r["检查业户"],
                "查处案件": r["查处案件"],
                "执勤人数": n_people,
                "人均查处": round(r["查处案件"] / n_people, 2) if n_people else 0,
                "加班(小时)": r["加班(小时)"],
                "未反馈任务": missing.get(r["单位"], 0),
            }
        )
    return [
        "单位",
        "出车辆数",
        "车辆里程(km)",
        "检查业户",
        "查处案件",
        "执勤人数",
        "人均查处",
        "加班(小时)",
        "未反馈任务",
    ], out


def mileage_curves(user: User, years: list[int]) -> dict[str, Any]:
    """巡查里程专题: monthly mileage per year, one series per year (ECharts)."""
    series = []
    for year in years:
        by_month = dict(
            DailyMileage.objects.for_user(user)
            .filter(date__year=year)
            .values_list("date__month")
            .annotate(km=Sum("distance_km"))
            .values_list("date__month", "km")
        )
        series.append({"name": f"{year}年", "data": [round(by_month.get(m, 0) or 0, 1) for m in range(1, 13)]})
    return {"months": [f"{m}月" for m in range(1, 13)], "series": series}


def key_area_coverage(user: User, year: int, month: int) -> list[dict[str, Any]]:
    """区域监管: for each key area, the patrols in the month (distinct vehicle-days with a fix inside), against
    the monthly requirement; `covered` is False when the area needs a warning."""
    first = dt.date(year, month, 1)
    t0, _ = _day_range(first)
    _, t1 = _day_range(dt.date(year, month, calendar.monthrange(year, month)[1]))
    vehicles = PatrolVehicle.objects.for_user(user).values_list("pk", flat=True)
    out = []
    for area in (
        Geofence.objects.for_user(user).filter(kind=GeofenceKind.KEY_AREA, is_active=True).select_related("unit")
    ):
        from .directory import _geometry

        geom = _geometry(area.geometry)
        visits = 0
        if geom is not None:
            x0, y0, x1, y1 = geom.bounds
            rows = list(
                FixRecord.objects.filter(
                    flag="",
                    vehicle_id__in=vehicles,
                    time__gte=t0,
                    time__lt=t1,
                    lon__gte=x0,
                    lon__lte=x1,
                    lat__gte=y0,
                    lat__lte=y1,
                ).values_list("vehicle_id", "time", "lon", "lat")
            )
            if rows:
                xs = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
                ys = np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows))
                inside = shapely.contains_xy(geom, xs, ys)
                visits = len(
                    {(r[0], timezone.localtime(r[1]).date()) for r, ok in zip(rows, inside, strict=True) if ok}
                )
        out.append(
            {
                "id": area.pk,
                "name": area.name,
                "unit": area.unit.name,
                "required": area.monthly_patrols,
                "visits": visits,
                "covered": visits >= area.monthly_patrols,
                "geometry": area.geometry,
            }
        )
    return out


def to_xlsx(title: str, columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:30]
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.get(c) if not isinstance(r.get(c), dt.date) else r[c].isoformat() for c in columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
