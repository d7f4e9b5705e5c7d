"""Demo data of 指挥调度, run by `manage.py seed_demo`. Idempotent (keyed by plates, names and tag ids).

- each district brigade's 辖区 from the packaged district outline (when empty); 第一大队 (taxi, city centre)
  patrols 黄浦 + 静安 + 徐汇;
- vehicles and boats with JT/T 808 terminal phones (the simulator `jt808_simulate` drives them), a phone device
  for the demo officer, checkpoints and overload stations, a restricted fence and two key areas, NFC tags;
- 任务内容范本, today's approved plan for 第一中队 with the demo officer and vehicle, a leader on duty;
- a week of tracks for six vehicles fed through `ingest_fixes` (so alarms and mileage come from the real
  pipeline), and the daily mileage computed from them.
"""

from __future__ import annotations

import datetime as dt
import math
import random


def load_demo() -> dict[str, int]:
    from django.utils import timezone

    from teis.core.geo import district_geometry
    from teis.org.models import Unit

    from ..models import DailyMileage, FixRecord, PatrolVehicle

    counts: dict[str, int] = {}
    units = {u.name: u for u in Unit.objects.all()}
    if not units:
        return counts
    # 辖区
    filled = 0
    for u in Unit.objects.filter(unit_type="district_brigade", jurisdiction=None).exclude(region_code=""):
        geom = district_geometry(u.region_code)
        if geom:
            u.jurisdiction = geom
            u.save(update_fields=["jurisdiction", "updated_at"])
            filled += 1
    first = units.get("第一大队")
    if first is not None and not first.jurisdiction:
        import shapely
        from shapely.geometry import mapping, shape

        parts = [district_geometry(c) for c in ("310101", "310106", "310104")]
        parts = [shape(p) for p in parts if p]
        if parts:
            first.jurisdiction = mapping(shapely.union_all(parts))
            first.save(update_fields=["jurisdiction", "updated_at"])
            filled += 1
    if filled:
        counts["辖区"] = filled
    before = PatrolVehicle.objects.count()
    vehicles = _vehicles(units)
    if PatrolVehicle.objects.count() > before:
        counts["车辆船艇"] = PatrolVehicle.objects.count() - before
    n = _static(units)
    if n:
        counts["检查站/围栏"] = n
    n = _duty(units, vehicles)
    if n:
        counts["勤务"] = n
    if not FixRecord.objects.exists():
        counts["定位"] = _tracks(vehicles)
        from ..services.stats import compute_daily_mileage

        today = timezone.localdate()
        for d in range(8):
            compute_daily_mileage(today - dt.timedelta(days=d))
        counts["日里程"] = DailyMileage.objects.count()
    from ..services import directory

    directory.invalidate()
    return counts


def _vehicles(units) -> list:
    from teis.core.models import DictionaryItem

    from ..models import PatrolVehicle

    lines = {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="business_line")}
    wanted = []
    squad = _unit(units, "第一中队", "第一大队")
    if squad is not None:
        for j in range(1, 4):
            wanted.append((f"沪A·Z000{j}", "car", squad, "taxi", f"01380000000{j}", ""))
        wanted.append(("执法手机·王晓明", "phone", squad, "taxi", "", "officer:officer"))
    for i, u in enumerate(
        sorted((u for u in units.values() if u.unit_type == "district_brigade"), key=lambda u: u.region_code)
    ):
        short = u.short_name or u.name[:2]
        for j in range(1, 3):
            wanted.append((f"沪A·{u.region_code[-2:]}{j:03d}", "car", u, "road_admin", f"0139{i:02d}00000{j}", ""))
        if u.region_code in ("310115", "310151", "310113"):
            wanted.append((f"{short}执法艇01", "boat", u, "waterway", f"0137{i:02d}000001", ""))
    out = []
    for plate, kind, unit, line, phone, device in wanted:
        v, _ = PatrolVehicle.objects.get_or_create(
            plate=plate,
            defaults={
                "kind": kind,
                "unit": unit,
                "business_line": lines.get(line),
                "terminal_phone": phone,
                "device_id": device,
            },
        )
        out.append(v)
    return out


def _unit(units, name, parent_name):
    for u in units.values():
        if u.name == name and u.parent and u.parent.name == parent_name:
            return u
    return None


def _static(units) -> int:
    from ..choices import CheckpointKind, GeofenceKind
    from ..models import Checkpoint, Geofence, NfcTag

    corps = units.get("上海市交通委员会执法总队")
    if corps is None:
        return 0
    n = 0
    points = [
        ("G2 京沪高速安亭检查站", CheckpointKind.CHECKPOINT, 121.158, 31.296),
        ("G60 沪昆高速枫泾检查站", CheckpointKind.CHECKPOINT, 121.009, 30.888),
        ("G15 沈海高速朱桥检查站", CheckpointKind.CHECKPOINT, 121.233, 31.473),
        ("S32 申嘉湖高速治超站", CheckpointKind.OVERLOAD_STATION, 121.32, 30.94),
        ("G1501 外环高速治超站", CheckpointKind.OVERLOAD_STATION, 121.58, 31.33),
        ("虹桥枢纽监测点", CheckpointKind.MONITORING, 121.32, 31.195),
    ]
    for name, kind, lon, lat in points:
        _, created = Checkpoint.objects.get_or_create(
            name=name, defaults={"kind": kind, "unit": corps, "lon": lon, "lat": lat}
        )
        n += created
    fences = [
        ("浦东机场禁行区", GeofenceKind.RESTRICTED, _square(121.805, 31.150, 0.02)),
        ("人民广场重点区域", GeofenceKind.KEY_AREA, _square(121.475, 31.232, 0.008)),
        ("虹桥火车站重点区域", GeofenceKind.KEY_AREA, _square(121.320, 31.195, 0.01)),
    ]
    for name, kind, geom in fences:
        _, created = Geofence.objects.get_or_create(
            name=name, defaults={"kind": kind, "unit": corps, "geometry": geom, "monthly_patrols": 4}
        )
        n += created
    squad = _unit(units, "第一中队", "第一大队")
    if squad is not None:
        for tag, place, lon, lat in (
            ("04A1B2C3D4", "第一中队营房", 121.47, 31.23),
            ("04A1B2C3D5", "人民广场执勤点", 121.475, 31.232),
        ):
            _, created = NfcTag.objects.get_or_create(
                tag_id=tag, defaults={"place": place, "unit": squad, "lon": lon, "lat": lat}
            )
            n += created
    return n


def _square(lon, lat, half):
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - half, lat - half],
                [lon + half, lat - half],
                [lon + half, lat + half],
                [lon - half, lat + half],
                [lon - half, lat - half],
            ]
        ],
    }


def _duty(units, vehicles) -> int:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ..choices import PlanStatus, TaskType
    from ..models import DutyPlan, DutyTask, DutyTemplate, LeaderOnDuty

    squad = _unit(units, "第一中队", "第一大队")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["officer", "squad", "brigade"])}
    if squad is None or "officer" not in users:
        return 0
    n = 0
    templates = {}
    for name, kind, content in (
        ("火车站出租车秩序整治", TaskType.DAILY, "检查出租车拒载、议价、不打表；网约车违规揽客；非法客运“黑车”。"),
        (
            "网约车合规专项检查",
            TaskType.SPECIAL,
            "核查网约车平台订单、车辆运输证和驾驶员证，查处未取得许可从事网约车经营。",
        ),
        ("突发大客流保障", TaskType.EMERGENCY, "配合交警、地铁做好大客流疏导，保障出租车供应，查处趁机议价。"),
    ):
        t, created = DutyTemplate.objects.get_or_create(
            name=name, defaults={"task_type": kind, "unit": squad, "content": content}
        )
        templates[name] = t
        n += created
    today = timezone.localdate()
    plan, created = DutyPlan.objects.get_or_create(
        unit=squad,
        date=today,
        title=f"{today:%m月%d日}第一中队勤务计划",
        defaults={
            "status": PlanStatus.APPROVED,
            "approved_by": users.get("brigade"),
            "approved_at": timezone.now(),
            "opinion": "同意",
        },
    )
    if created:
        n += 1
        start = timezone.make_aware(dt.datetime.combine(today, dt.time(7, 0)))
        tpl = templates["火车站出租车秩序整治"]
        task = DutyTask.objects.create(
            plan=plan,
            unit=squad,
            task_type=tpl.task_type,
            template=tpl,
            title=tpl.name,
            content=tpl.content,
            start_at=start,
            end_at=start + dt.timedelta(hours=14),
        )
        task.officers.set([u for k, u in users.items() if k in ("officer", "squad")])
        task.vehicles.set([v for v in vehicles if v.plate in ("沪A·Z0001", "沪A·Z0002")])
        n += 1
    if "brigade" in users:
        _, created = LeaderOnDuty.objects.get_or_create(
            unit=squad.parent, date=today, leader=users["brigade"], defaults={"remark": "带班检查火车站勤务"}
        )
        n += created
    return n


def _tracks(vehicles) -> int:
    """A week of plausible patrols for up to six vehicles: loops around their area's centre, with stops."""
    from django.utils import timezone
    from shapely.geometry import shape

    from ..fixes import Fix
    from ..services.positions import ingest_fixes

    rng = random.Random(808)
    total = 0
    now = timezone.now().replace(second=0, microsecond=0)
    chosen = [v for v in vehicles if v.terminal_phone][:6]
    for v in chosen:
        area = v.unit.jurisdiction or (v.unit.parent.jurisdiction if v.unit.parent else None)
        centre = shape(area).representative_point() if area else None
        lon0, lat0 = (centre.x, centre.y) if centre else (121.47, 31.23)
        fixes = []
        for day in range(7, -1, -1):
            t = timezone.localtime(now - dt.timedelta(days=day)).replace(hour=8, minute=0)
            if t > now:
                continue
            lon, lat, heading = lon0, lat0, rng.uniform(0, 360)
            for step in range(240):  # 8:00–12:00 every minute
                when = t + dt.timedelta(minutes=step)
                if when > now:
                    break
                stopped = 60 <= step < 90 or 170 <= step < 190
                speed = 0.0 if stopped else rng.uniform(20, 45)
                heading = (heading + rng.uniform(-25, 25)) % 360
                d = speed / 60 / 111.0  # degrees per minute
                lon += d * math.sin(math.radians(heading)) / math.cos(math.radians(lat))
                lat += d * math.cos(math.radians(heading))
                # stay near the centre (a patrol loop)
                lon += (lon0 - lon) * 0.05
                lat += (lat0 - lat) * 0.05
                fixes.append(
                    Fix(v.terminal_phone, when, round(lon, 6), round(lat, 6), speed, int(heading), status_bits=0b10)
                )
        for i in range(0, len(fixes), 1000):
            total += ingest_fixes(fixes[i : i + 1000]).stored
    return total
