"""Demo data of 水上执法, run by `manage.py seed_demo`: Huangpu / Yangtze-estuary areas, a water-source zone,
berths, two sections, checkpoints, registered vessels with certificates, an hour of AIS tracks fed through the
pipeline (so crossings, presences and alarms are real), crews, ports, accidents and emergency information; then
checkpoint (卡口) perceptions where the demo ships pass the checkpoints — fused with their AIS tracks, with
snapshot images, alerts and non-site enforcement clues in several states (待筛选, 待审核, 审核通过, 不予处理).
Idempotent: each part is skipped when its data exist."""

from __future__ import annotations

import datetime as dt
import math
import random

from django.utils import timezone

BOX = lambda x0, y0, x1, y1: {  # noqa: E731
    "type": "Polygon",
    "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
}
# a simplified Huangpu course from Wusongkou (north) to the Bund and Xupu bridge (south)
HUANGPU = [
    (121.505, 31.390),
    (121.540, 31.330),
    (121.560, 31.290),
    (121.520, 31.255),
    (121.495, 31.240),
    (121.490, 31.225),
    (121.500, 31.205),
    (121.475, 31.190),
    (121.455, 31.170),
    (121.430, 31.120),
]
VESSELS = [
    (413761001, "沪航运101", "BHAA1", 70, "上海港航物流有限公司", False),
    (413761002, "长江油运16", "BHAA2", 80, "长江油运股份有限公司", True),
    (413761003, "浦江游览8", "BHAA3", 60, "上海浦江游览有限公司", False),
    (413761004, "苏货运2288", "BHAA4", 70, "江苏某船务有限公司", False),
    (413761005, "沪拖12", "BHAA5", 52, "上海港拖轮有限公司", False),
    (413761006, "皖化运68", "BHAA6", 84, "安徽化工船务有限公司", True),
    (413761007, "浙渔工99", "BHAA7", 30, "个体", False),
    (413761008, "沪建工3", "BHAA8", 33, "上海航道建设公司", False),
]


def _point(frac: float) -> tuple[float, float]:
    n = len(HUANGPU) - 1
    i = min(n - 1, int(frac * n))
    f = frac * n - i
    (x0, y0), (x1, y1) = HUANGPU[i], HUANGPU[i + 1]
    return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f


def load_demo() -> dict[str, int]:
    from teis.maritime.ais.records import AidRecord, BaseStationRecord, PositionRecord, StaticRecord
    from teis.maritime.models import (
        Checkpoint,
        CrewMember,
        EmergencyInfo,
        Port,
        SectionLine,
        Vessel,
        VesselCertificate,
        WaterAccident,
        WaterArea,
    )
    from teis.maritime.services.pipeline import process_records
    from teis.org.models import Unit

    if Vessel.objects.filter(mmsi=VESSELS[0][0], owner__gt="").exists():
        return load_checkpoint_demo()
    unit = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
    if unit is None:
        return {}
    WaterArea.objects.create(
        name="外滩重点水域", kind="key_area", unit=unit, geometry=BOX(121.485, 31.225, 121.515, 31.250), priority=1
    )
    WaterArea.objects.create(
        name="吴淞口重点水域", kind="key_area", unit=unit, geometry=BOX(121.49, 31.37, 121.53, 31.40)
    )
    WaterArea.objects.create(
        name="黄浦江上游水源保护区",
        kind="water_source_zone",
        unit=unit,
        geometry=BOX(121.42, 31.10, 121.47, 31.16),
        priority=1,
    )
    WaterArea.objects.create(name="十六铺码头", kind="berth", unit=unit, geometry=BOX(121.495, 31.228, 121.502, 31.234))
    WaterArea.objects.create(
        name="吴淞口锚地", kind="anchorage", unit=unit, geometry=BOX(121.56, 31.40, 121.62, 31.44), monitored=False
    )
    SectionLine.objects.create(
        name="外白渡桥断面",
        unit=unit,
        coordinates=[[121.480, 31.244], [121.520, 31.244]],
        forward_label="上行（出江）",
        reverse_label="下行（进江）",
    )
    SectionLine.objects.create(
        name="杨浦大桥断面",
        unit=unit,
        coordinates=[[121.525, 31.300], [121.585, 31.280]],
        forward_label="上行",
        reverse_label="下行",
    )
    # the checkpoints belong to the station that watches them (吴淞中队 of 黄浦江大队): its officers screen their
    # clues and its head (中队长) reviews them (BPMN `maritime_clue`, lane squad_leader, unit "self")
    station = Unit.objects.filter(name=STATION[1], parent__name=STATION[0]).order_by("path").first() or unit
    Checkpoint.objects.create(
        code="HP-KK01",
        name="外白渡桥卡口",
        unit=station,
        lon=121.497,
        lat=31.243,
        coverage=BOX(121.49, 31.238, 121.505, 31.248),
    )
    Checkpoint.objects.create(
        code="HP-KK02",
        name="徐浦大桥卡口",
        unit=station,
        lon=121.455,
        lat=31.170,
        coverage=BOX(121.445, 31.162, 121.465, 31.178),
    )
    today = timezone.localdate()
    for mmsi, name, _call_sign, ship_type, owner, dg in VESSELS:
        v, _ = Vessel.objects.get_or_create(mmsi=mmsi)
        v.owner, v.registry_port, v.registered_type, v.dangerous_goods = (
            owner,
            "上海" if "沪" in name else "南京",
            ship_type,
            dg,
        )
        v.owner_address, v.legal_representative, v.phone = "上海市黄浦区中山东二路88号", "王建国", "021-63210000"
        v.high_risk = mmsi == 413761004
        v.registry_source, v.registry_checked_at = "演示数据", timezone.now()
        v.save()
        VesselCertificate.objects.create(
            vessel=v,
            name="船舶国籍证书",
            number=f"GJ{mmsi}",
            valid_from=today - dt.timedelta(days=700),
            valid_until=today + dt.timedelta(days=300 if mmsi != 413761007 else -10),
        )
    # an hour of AIS: each ship sails along the Huangpu, half of them one way, half the other
    rnd = random.Random(7)
    start = timezone.now() - dt.timedelta(hours=1)
    statics = [
        StaticRecord(
            mmsi=m,
            time=start,
            name=n,
            call_sign=c,
            ship_type=t,
            length_m=60 + i * 10,
            width_m=12,
            draught_m=3.5,
            destination="SHANGHAI" if i % 2 else "NANTONG",
        )
        for i, (m, n, c, t, _o, _d) in enumerate(VESSELS)
    ]
    positions = []
    for i, (mmsi, *_rest) in enumerate(VESSELS):
        f0 = rnd.random() * 0.3 + (0.0 if i % 2 else 0.6)
        direction = 1 if i % 2 else -1
        for k in range(0, 361):
            frac = min(0.999, max(0.0, f0 + direction * k * 0.001))
            x, y = _point(frac)
            x2, y2 = _point(min(0.999, max(0.0, frac + direction * 0.001)))
            cog = (math.degrees(math.atan2(x2 - x, y2 - y)) + 360) % 360
            positions.append(
                PositionRecord(
                    mmsi=mmsi,
                    time=start + dt.timedelta(seconds=10 * k),
                    lon=x,
                    lat=y,
                    sog_kn=9.5,
                    cog_deg=round(cog, 1),
                    heading_deg=int(cog),
                )
            )
    process_records(statics)
    # aids to navigation (type 21) and a base station (type 4) along the Huangpu: the live map's 航标 / 基站 layers
    process_records(
        [
            AidRecord(994131001, start, 24, "HUANGPU NO 1 PORT BUOY", 121.4995, 31.2460, length_m=3, width_m=3),
            AidRecord(994131002, start, 25, "HUANGPU NO 2 STBD BUOY", 121.5060, 31.2520, length_m=3, width_m=3),
            AidRecord(994131003, start, 6, "WUSONGKOU LIGHT", 121.5100, 31.3920),
            AidRecord(994131004, start, 28, "VIRTUAL WRECK MARK", 121.5350, 31.2900, virtual=True),
            BaseStationRecord(4131001, start, 121.4900, 31.2400, start, 4, "demo"),
        ]
    )
    positions.sort(key=lambda r: r.time)
    for i in range(0, len(positions), 1000):
        process_records(positions[i : i + 1000])
    for i in range(30):
        CrewMember.objects.create(
            name=f"船员{i + 1:02d}",
            certificate_number=f"CY31{i:06d}",
            position=["船长", "大副", "轮机长", "水手"][i % 4],
            certificate_valid_until=today + dt.timedelta(days=30 * (i - 3)),
            vessel=Vessel.objects.get(mmsi=VESSELS[i % 8][0]),
        )
    for name, berths, dg in (
        ("外高桥港区", 20, True),
        ("洋山深水港", 30, True),
        ("十六铺客运码头", 6, False),
        ("吴淞客运中心", 8, False),
    ):
        Port.objects.create(
            name=name, berths=berths, dangerous_goods_allowed=dg, operator="上海国际港务（集团）股份有限公司"
        )
    WaterAccident.objects.create(
        title="黄浦江杨浦段两船轻微碰撞",
        occurred_at=timezone.now() - dt.timedelta(days=12),
        place="杨浦大桥下游500米",
        level="minor",
        description="两船会遇时避让不当，船体擦碰，无人员伤亡。",
    )
    WaterAccident.objects.create(
        title="苏州河驳船搁浅",
        occurred_at=timezone.now() - dt.timedelta(days=40),
        place="苏州河长寿路桥",
        level="general",
        casualties=0,
    )
    EmergencyInfo.objects.create(
        kind="weather_warning",
        title="大风蓝色预警",
        level="蓝色",
        valid_from=timezone.now(),
        valid_until=timezone.now() + dt.timedelta(hours=24),
        place="长江口、黄浦江",
        content="预计未来24小时沿江沿海风力6～7级。",
    )
    EmergencyInfo.objects.create(
        kind="resource",
        title="吴淞口应急救援船",
        place="吴淞口",
        contact="021-56780000",
        content="消防救助船2艘、溢油回收设备1套。",
    )
    return {"水上区域": 5, "断面": 2, "卡口": 2, "船舶": len(VESSELS), "AIS定位": len(positions)} | (
        load_checkpoint_demo()
    )


# (vessel MMSI or None = a ship without AIS, checkpoint, device-recognised name, AI flags, clue state)
STATION = ("黄浦江大队", "吴淞中队")  # (brigade, squad) of the demo checkpoints
SIGHTINGS = [
    (413761005, "HP-KK01", "沪拖12", {"cargo_uncovered": True}, "new"),  # a key vessel with a record
    (413761006, "HP-KK01", "皖化运68", {"no_life_jacket": True}, "screened"),
    (413761001, "HP-KK01", "沪航运101", {"overload": True}, "approved"),
    (413761008, "HP-KK01", "沪建工3", {"cargo_uncovered": True}, "rejected"),
    (413761003, "HP-KK01", "浦江游览8", {}, None),  # a plain sighting: no clue
    (413761007, "HP-KK01", "浙渔工99", {}, None),
    (None, "HP-KK02", "无名驳船", {}, "new"),  # no AIS near: an alert and a clue
]
# the record of 沪拖12: (days ago, alert kind, result)
RECORD = [(40, "zone_entry", "confirmed"), (15, "no_ais_sighting", "case")]


def _snapshot(text: str, size: tuple[int, int]) -> bytes:
    """A grey stand-in for a camera snapshot with the ship name drawn on it (JPEG)."""
    import io

    from PIL import Image, ImageDraw

    from teis.core.fonts import cjk_font

    img = Image.new("RGB", size, (96, 110, 122))
    draw = ImageDraw.Draw(img)
    draw.rectangle((size[0] // 6, size[1] // 2, size[0] * 5 // 6, size[1] * 4 // 5), fill=(40, 44, 52))
    font = cjk_font(max(14, size[1] // 12))
    shown = text if font is not None else text.encode("ascii", "replace").decode()  # the default font has no CJK
    draw.text((size[0] // 5, size[1] // 2 + 8), shown, fill="white", font=font)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70)
    return out.getvalue()


def load_checkpoint_demo() -> dict[str, int]:
    """Perceptions at the moments the demo ships pass a checkpoint (their own AIS fixes), fused as a device upload
    would be, with the alerts and clues that follow; the clues are then moved to several states."""
    from django.core.files.base import ContentFile

    from teis.core import crypto
    from teis.core.storage import get_storage
    from teis.maritime.models import Alert, Checkpoint, Clue, Perception, Vessel, VesselPosition
    from teis.maritime.services.checkpoints import _perception_alerts, fuse
    from teis.maritime.services.clues import clue_from_perception

    checkpoints = {c.code: c for c in Checkpoint.objects.filter(code__in=["HP-KK01", "HP-KK02"])}
    if len(checkpoints) < 2 or Perception.objects.filter(checkpoint__in=checkpoints.values()).exists():
        return {}
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.filter(is_active=True, officer__unit=checkpoints["HP-KK01"].unit)
    screener = staff.filter(officer__roles__code="field_officer").order_by("username").first()
    head = staff.filter(officer__roles__code="squad_leader").order_by("username").first()
    officer = screener or get_user_model().objects.filter(is_active=True, officer__isnull=False).order_by("pk").first()
    storage = get_storage()
    # 沪拖12 is a key vessel with two earlier violations: its sighting raises "重点船舶进入卡口", and the alert and
    # the clue say "重点关注：曾有 2 次违法/预警记录"
    tug = Vessel.objects.get(mmsi=413761005)
    Vessel.objects.filter(pk=tug.pk).update(is_key=True, updated_at=timezone.now())
    for days, kind, result in RECORD:
        when = timezone.now() - dt.timedelta(days=days)
        Alert.objects.create(
            kind=kind, vessel=tug, unit=checkpoints["HP-KK01"].unit, time=when, message=f"{tug}：历史记录",
            status="closed", result=result, closed_at=when,
        )  # fmt: skip
    fallback = timezone.now() - dt.timedelta(minutes=20)
    perceptions = clues = 0
    for mmsi, code, name, flags, state in SIGHTINGS:
        cp = checkpoints[code]
        when = fallback
        if mmsi is not None:  # the vessel's fix nearest to the checkpoint
            fixes = VesselPosition.objects.filter(vessel__mmsi=mmsi).values_list("time", "lon", "lat")
            best = min(fixes, key=lambda f: (f[1] - cp.lon) ** 2 + (f[2] - cp.lat) ** 2, default=None)
            if best is not None:
                when = best[0]
        p = Perception(checkpoint=cp, time=when, recognised_name=name, ai_flags=flags, ship_type_text="货船")
        for attr, size in (("full_image", (640, 360)), ("closeup_image", (320, 160))):
            content = _snapshot(name, size)
            key = storage.save(f"maritime/perceptions/demo/{code}-{perceptions}-{attr}.jpg", ContentFile(content))
            setattr(p, attr, key)
            setattr(p, f"{attr}_sm3", crypto.sm3_hex(content))
        fusion = fuse(cp, when, name=name, mmsi=None)
        p.vessel_id, p.confidence = fusion.vessel_id, fusion.confidence
        p.fusion_distance_m, p.fusion_dt_s = fusion.distance_m, fusion.dt_s
        p.save()
        perceptions += 1
        _perception_alerts(p, cp)
        clue = clue_from_perception(p)
        if clue is None or not state or state == "new":
            clues += clue is not None
            continue
        clues += 1
        notes = {
            "screened": "情况属实，提交审核",
            "approved": "情况属实；审核通过，推送办案",
            "rejected": "图像模糊，不予处理",
        }
        if screener is not None and head is not None and _move_clue(clue, state, screener, head, notes[state]):
            continue
        Clue.objects.filter(pk=clue.pk).update(
            status=state, screened_by=officer, summary=f"{clue.summary}\n办理意见：{notes[state]}"
        )
    return {"卡口感知": perceptions, "非现场执法线索": clues}


def _move_clue(clue, state: str, screener, head, note: str) -> bool:
    """Move a demo clue through the clue services as the station would: screened by one of its officers (the
    review then waits in the station head's inbox), approved by the head (pushed into case handling as a 非现场
    pre-registration with its images), or dismissed. False when a service refuses (the caller sets the state)."""
    from teis.core.services import ServiceError
    from teis.maritime.services import clues as clue_services

    try:
        if state == "rejected":
            clue_services.do_screen_clue(screener, clue, False, note)
            return True
        clue_services.do_screen_clue(screener, clue, True, note)
        if state == "approved":
            clue_services.do_review_clue(head, clue, "approve", "同意，推送办案")
    except ServiceError:
        return False
    return True
