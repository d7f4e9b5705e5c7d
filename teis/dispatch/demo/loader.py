"""Demo data of 指挥调度, run by `manage.py seed_demo`. Idempotent (keyed by plates, names and tag ids).

- each district brigade's 辖区 from the packaged district outline (when empty); 第一大队 (taxi, city centre)
  patrols 黄浦 + 静安 + 徐汇;
- vehicles and boats with JT/T 808 terminal phones (the simulator `jt808_simulate` drives them), a phone device
  for the demo officer, checkpoints and overload stations, a restricted fence and two key areas, NFC tags;
- 任务内容范本 and today's approved 每日勤务计划 of every unit with vehicles (a task per shift, the whole day), made
  through the duty services, with the sign-ins of the shifts begun: on the live map most vehicles drive cleared,
  a few (`UNASSIGNED_PLATES`, the brigade of `UNSIGNED_REGION`) raise 未登录行驶; a leader on duty;
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
    from teis.workflow.services import ensure_definitions, process_files

    ensure_definitions(None, [p for p in process_files() if p.name.startswith("dispatch_")])  # the approvals
    # 辖区
    filled = 0
    # `jurisdiction__isnull`: `jurisdiction=None` would match a JSON null, not an empty column
    for u in Unit.objects.filter(unit_type="district_brigade", jurisdiction__isnull=True).exclude(region_code=""):
        geom = district_geometry(u.region_code)
        if geom:
            u.jurisdiction = geom
            u.save(update_fields=["jurisdiction", "updated_at"])
            filled += 1
    first = _unit(units, "第一大队", "第一支队")  # the demo logins' brigade (第二支队 has a 第一大队 too)
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
    n = _orders(units)
    if n:
        counts["勤务指令"] = n
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
    """The unit by name under its parent's name (`units` is by name: several squads share the name 第一中队)."""
    from teis.org.models import Unit

    return Unit.objects.filter(name=name, parent__name=parent_name).order_by("path").first()


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


SHIFTS = (("夜班", 0), ("早班", 8), ("中班", 16))  # name, start hour; eight hours each: the whole day is covered
# Left off today's duty, so that the live map shows a few 未登录行驶: one 第一中队 car without a task, and the
# vehicles of one district brigade whose officers have not signed in yet.
UNASSIGNED_PLATES = ("沪A·Z0003",)
UNSIGNED_REGION = "310151"


def _duty(units, vehicles) -> int:
    """Today's approved 每日勤务计划 of every unit that has demo vehicles: a task per shift (夜班, 早班, 中班) with two
    officers of the unit and its vehicles, drafted by the unit's leader, submitted and approved through the duty
    services; the officers of the shifts begun so far have signed in. Keyed by unit, day and title."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from teis.core.services import generic_service

    from ..choices import TaskType
    from ..models import DutyPlan, DutyTemplate, LeaderOnDuty

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
        t = DutyTemplate.objects.filter(name=name, unit=squad).first()
        if t is None:
            t = generic_service.do_create(
                users.get("squad"), DutyTemplate, {"name": name, "task_type": kind, "unit": squad, "content": content}
            )
            n += 1
        templates[name] = t
    today = timezone.localdate()
    by_unit: dict[int, list] = {}
    for v in vehicles:
        if v.plate not in UNASSIGNED_PLATES:
            by_unit.setdefault(v.unit_id, []).append(v)
    for unit in sorted({v.unit for v in vehicles}, key=lambda u: u.path):
        if unit.pk not in by_unit:
            continue
        title = f"{today:%m月%d日}{unit.name}勤务计划"
        if DutyPlan.objects.filter(unit=unit, date=today, title=title).exists():
            continue
        if unit == squad:
            crew = _unit_crew(unit, first=[users["officer"], users.get("squad")])
            template, planner, approver = templates["火车站出租车秩序整治"], users.get("squad"), users.get("brigade")
        else:
            crew = _unit_crew(unit)
            planner = _leader(unit, "brigade_leader")
            approver = _leader(units.get("指挥中心"), "command_center")
            template = _patrol_template(unit, planner)
        if not crew or planner is None or approver is None or template is None:
            continue
        n += _plan_for(unit, title, today, template, crew, by_unit[unit.pk], planner, approver, users)
    if "brigade" in users and not LeaderOnDuty.objects.filter(unit=squad.parent, date=today, leader=users["brigade"]):
        generic_service.do_create(
            users["brigade"],
            LeaderOnDuty,
            {"unit": squad.parent, "date": today, "leader": users["brigade"], "remark": "带班检查火车站勤务"},
        )
        n += 1
    return n


def _orders(units) -> int:
    """勤务指令 of the command centre in different states, through the order services: one sent this morning to
    第一支队's two brigades (第二大队 acknowledged and reported, 第一大队 — the demo
    login `brigade` — still to acknowledge), one whose 签收期限 has
    passed (浦东 acknowledged late, 黄浦 not at all), and one 办结. Keyed by title."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from ..models import DutyOrder
    from ..services import orders

    command = get_user_model().objects.filter(username="command").first()
    centre = units.get("指挥中心")
    first, second = _unit(units, "第一大队", "第一支队"), _unit(units, "第二大队", "第一支队")
    pudong, huangpu = units.get("浦东新区交通执法大队"), units.get("黄浦区交通执法大队")
    if command is None or centre is None or None in (first, second, pudong, huangpu):
        return 0
    now = timezone.now()
    specs = [
        (
            "春运火车站客流保障指令",
            "上海站、上海南站晚高峰客流较大，请各大队加派力量整治出租车议价、拒载及非法客运，18:00 前反馈部署情况。",
            [first, second],
            now + dt.timedelta(hours=2),
            now + dt.timedelta(hours=8),
            [(second, "第二大队已部署两个中队在上海站南北广场巡查网约车。")],
            False,
        ),
        (
            "台风“海葵”防御期间水陆交通安全检查",
            "台风预警期间，请浦东、黄浦大队检查辖区渡口、客运码头停航情况，发现违规开航立即制止并报告。",
            [pudong, huangpu],
            now - dt.timedelta(hours=3),
            now + dt.timedelta(hours=3),
            [(pudong, "")],
            False,
        ),
        (
            "国庆长假旅游客运专项检查",
            "国庆长假期间开展旅游客运车辆专项检查，重点检查包车客运标志牌和驾驶员资质。",
            [first, pudong],
            now - dt.timedelta(days=5),
            now - dt.timedelta(days=3),
            [(first, "检查旅游客车 46 辆，查处无包车标志牌 2 起。"), (pudong, "检查旅游客车 31 辆，未发现违法。")],
            True,
        ),
    ]
    n = 0
    for title, content, targets, ack_deadline, deadline, answered, closed in specs:
        if DutyOrder.objects.filter(title=title).exists():
            continue
        order = orders.order_service.do_create(
            command,
            DutyOrder,
            {
                "unit": centre,
                "title": title,
                "content": content,
                "target_units": targets,
                "ack_deadline": ack_deadline,
                "deadline": deadline,
            },
        )
        for unit, feedback in answered:
            leader = _leader(unit, "brigade_leader")
            if leader is None:
                continue
            orders.do_acknowledge_order(leader, order)
            if feedback:
                orders.do_report_feedback(leader, order, feedback)
        if closed:
            orders.do_close_order(command, order)
        n += 1
    return n


def _plan_for(unit, title, today, template, crew, vehicles, planner, approver, users) -> int:
    """One unit's plan: create, a task per shift, submit, approve; then the sign-ins of the shifts begun."""
    from django.utils import timezone

    from teis.core.services import generic_service

    from ..choices import SignInMethod
    from ..models import DutyPlan
    from ..services import approvals, duty

    plan = generic_service.do_create(planner, DutyPlan, {"unit": unit, "date": today, "title": title})
    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(today, dt.time(0, 0)))
    current = max(i for i, (_, hour) in enumerate(SHIFTS) if now >= midnight + dt.timedelta(hours=hour))
    officers = list(crew)
    # the current shift gets the first two of the crew (the demo logins in 第一中队), the others the rest in turn
    order = [current] + [i for i in range(len(SHIFTS)) if i != current]
    shifts: dict[int, list] = {}
    for k, i in enumerate(order):
        shifts[i] = [officers[(2 * k + j) % len(officers)] for j in range(2)]
        shifts[i] = list(dict.fromkeys(shifts[i]))
    phone = [v for v in vehicles if v.kind == "phone"]
    fleet = [v for v in vehicles if v.kind != "phone"]
    for i, (_, hour) in enumerate(SHIFTS):
        start = midnight + dt.timedelta(hours=hour)
        duty.do_tasks_from_template(
            planner,
            plan,
            template,
            start_at=start,
            end_at=start + dt.timedelta(hours=8),
            officers=shifts[i],
            vehicles=fleet + (phone if i == current else []),
        )
    duty.do_submit_plan(planner, plan)
    # approved by whom the approval process offers it to (a squad's plan: its brigade leader)
    offered = approvals.approvers(plan)
    if offered:  # else it waits, as a plan nobody can approve would (the deadline check reports it)
        duty.do_decide_plan(approver if approver in offered else offered[0], plan, approve=True, opinion="同意")
    if unit.region_code == UNSIGNED_REGION:
        return 1 + len(SHIFTS)
    lon, lat = _centre(unit)
    for i, (_, hour) in enumerate(SHIFTS[: current + 1]):
        at = min(now, midnight + dt.timedelta(hours=hour, minutes=5))
        for officer in shifts[i]:
            duty.do_sign_in(officer, method=SignInMethod.MOBILE, lon=lon, lat=lat, at=at)
    return 1 + len(SHIFTS)


def _unit_crew(unit, first=()) -> list:
    """Field officers of the unit and its squads (by account name), after `first`."""
    from django.contrib.auth import get_user_model

    first = [u for u in first if u is not None]
    rest = (
        get_user_model()
        .objects.filter(officer__unit__path__startswith=unit.path, officer__roles__code="field_officer", is_active=True)
        .exclude(pk__in=[u.pk for u in first])
        .order_by("username")
        .distinct()[:6]
    )
    return first + list(rest)


def _leader(unit, role_code):
    from django.contrib.auth import get_user_model

    if unit is None:
        return None
    return (
        get_user_model()
        .objects.filter(officer__unit=unit, officer__roles__code=role_code, is_active=True)
        .order_by("username")
        .first()
    )


def _patrol_template(unit, actor):
    from teis.core.services import generic_service

    from ..choices import TaskType
    from ..models import DutyTemplate

    name = "辖区日常巡查"
    template = DutyTemplate.objects.filter(name=name, unit=unit).first()
    if template is None and actor is not None:
        template = generic_service.do_create(
            actor,
            DutyTemplate,
            {
                "name": name,
                "task_type": TaskType.DAILY,
                "unit": unit,
                "default_hours": 8,
                "content": f"巡查{unit.short_name or unit.name}辖区道路、客运站点、码头及重点区域，检查路政、非法客运、"
                "超限运输等违法行为，发现问题及时处置并反馈。",
            },
        )
    return template


def _centre(unit) -> tuple[float, float]:
    from shapely.geometry import shape

    from teis.org.models import Unit

    unit = Unit.objects.select_related("parent").get(pk=unit.pk)  # fresh: the 辖区 may have been filled just now
    area = unit.jurisdiction or (unit.parent.jurisdiction if unit.parent_id else None)
    if not area:
        return 121.47, 31.23
    point = shape(area).representative_point()
    return round(point.x, 6), round(point.y, 6)


def _tracks(vehicles) -> int:
    """A week of plausible patrols for up to six vehicles: loops around their area's centre, with stops, turning
    back at the area's edge (so that the history raises no 驶出执法区域 alarms of its own)."""
    import shapely
    from django.utils import timezone
    from shapely.geometry import shape

    from teis.org.models import Unit

    from ..fixes import Fix
    from ..services.positions import ingest_fixes

    rng = random.Random(808)
    total = 0
    now = timezone.now().replace(second=0, microsecond=0)
    chosen = [v for v in vehicles if v.terminal_phone][:6]
    for v in chosen:
        unit = Unit.objects.select_related("parent").get(pk=v.unit_id)  # `v.unit` predates the 辖区 filled above
        area = unit.jurisdiction or (unit.parent.jurisdiction if unit.parent else None)
        region = shape(area).buffer(-0.002) if area else None  # ~200 m inside the edge
        if region is not None and region.is_empty:
            region = shape(area)
        if region is not None:
            shapely.prepare(region)
        centre = region.representative_point() if region is not None else None
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
                x = lon + d * math.sin(math.radians(heading)) / math.cos(math.radians(lat))
                y = lat + d * math.cos(math.radians(heading))
                # stay near the centre (a patrol loop)
                x += (lon0 - x) * 0.05
                y += (lat0 - y) * 0.05
                if region is None or region.contains(shapely.Point(x, y)):
                    lon, lat = x, y
                else:  # the area's edge: turn back
                    heading = (heading + 180) % 360
                fixes.append(
                    Fix(v.terminal_phone, when, round(lon, 6), round(lat, 6), speed, int(heading), status_bits=0b10)
                )
        for i in range(0, len(fixes), 1000):
            total += ingest_fixes(fixes[i : i + 1000]).stored
    return total
