"""Demo data of 涉案财物 / 停车, 治超 and 一超四罚, 黑名单 / 非法客运 and 简易程序, made through the services as
the demo people would (`officer` registers and decides, `squad` reviews and files, `evidence` keeps and disposes).
Idempotent: each part is skipped once its data exists. A refusal of one part is logged and the rest still loads."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from teis.core.services import ServiceError

logger = logging.getLogger(__name__)
CAR_PARK = "第一支队扣押车辆停车场"
OVERLOAD_TITLE = "六轴货车超限运输（沪D·62000）"
ID_NUMBERS = ("11010519491231002X", "310101198001010018", "310104199003030032")


def _user(username):
    return get_user_model().objects.filter(username=username).select_related("officer", "officer__unit").first()


def _part(name: str, counts: dict, func) -> None:
    try:
        with transaction.atomic():
            n = func()
    except ServiceError as err:
        logger.warning("demo %s skipped: %s %s", name, err.message, err.fields)
        return
    if n:
        counts[name] = counts.get(name, 0) + n


def load_side_demo() -> dict[str, int]:
    from ..models import BlacklistEntry, CarPark, EnforcementCase, OnSpotPenalty

    officer, squad, keeper = _user("officer"), _user("squad"), _user("evidence")
    if officer is None or squad is None or keeper is None:
        return {}
    counts: dict[str, int] = {}
    if not CarPark.objects.filter(name=CAR_PARK).exists():
        _part("涉案财物", counts, lambda: _property(officer, keeper))
    if not EnforcementCase.objects.filter(title=OVERLOAD_TITLE).exists():
        _part("治超案件", counts, lambda: _overload(officer))
    if not BlacklistEntry.objects.exists():
        _part("黑名单", counts, lambda: _blacklist(officer, squad))
    if not OnSpotPenalty.objects.exists():
        _part("简易程序案件", counts, lambda: _simplified(officer, squad))
    return counts


def _property(officer, keeper) -> int:
    from ..models import CarPark, CustodyPlace
    from ..services import intake, parking
    from ..services import property as svc

    det = keeper.officer.unit
    store = CustodyPlace.objects.create(name="第一支队涉案财物保管库", unit=det, address="沪青平公路 2000 号")
    park = CarPark.objects.create(
        name=CAR_PARK, unit=det, address="沪青平公路 2001 号", daily_tariff=Decimal("20"), capacity=120
    )
    CarPark.objects.create(name="第一支队临时停车点", unit=det, daily_tariff=Decimal("15"), capacity=20)
    plates = ("沪A·D1234", "沪B·K5678", "沪C·M9012")
    made = 0
    for i, plate in enumerate(plates):
        case = intake.do_pre_register(
            officer,
            {
                "title": f"非法营运车辆暂扣案（{plate}）",
                "procedure": "coercive",
                "place": "虹桥交通枢纽 P9 停车场",
                "facts": "当事人驾驶未取得道路运输证的小客车在虹桥枢纽揽客，按约定收取车费",
                "parties": [{"kind": "person", "name": ("顾某", "陆某", "沈某")[i], "id_number": ID_NUMBERS[i]}],
                "vehicles": [{"plate": plate, "vehicle_type": "小型轿车", "driver_name": ("顾某", "陆某", "沈某")[i]}],
            },
        )
        car = svc.do_register_property(
            officer, case, {"kind": "vehicle", "description": f"小型轿车 {plate}", "plate": plate}
        )
        licence = svc.do_register_property(officer, case, {"kind": "certificate", "description": "机动车行驶证"})
        svc.do_store_property(
            keeper, licence, "A 区 3 号柜", timezone.localdate() + dt.timedelta(days=25 - 10 * i), custody_place=store
        )
        parking.do_park_vehicle(keeper, car, park, space=f"A-{i + 1:02d}")
        made += 2
        if i == 2:  # released: the party paid the fine; the release document and the fee
            record = car.parking_records.get()
            record.entered_at = timezone.now() - dt.timedelta(days=6, hours=3)
            record.save(update_fields=["entered_at"])
            parking.do_release_vehicle(keeper, record, "沈某（身份证 3101**********0032）", "罚款缴清，返还车辆")
            svc.do_return_property(keeper, car, "罚款缴清，返还当事人")
    return made


def _overload(officer) -> int:
    from ..services import intake
    from ..services import overload as svc

    case = intake.do_pre_register(
        officer,
        {
            "title": OVERLOAD_TITLE,
            "procedure": "general",
            "business_line": "overload",
            "place": "G1501 公路超限检测站",
            "facts": "六轴半挂列车车货总重 62.0 吨，超过 GB 1589-2016 规定的 49 吨限值",
            "axles": 6,
            "gross_weight_kg": 62000,
            "parties": [{"kind": "organisation", "name": "上海某某物流有限公司", "credit_code": "91310000MA1FL0001R"}],
            "vehicles": [
                {
                    "plate": "沪D·62000",
                    "vehicle_type": "重型半挂牵引车",
                    "driver_name": "钱某",
                    "driver_licence": "310101198001010018",
                }
            ],
        },
    )
    svc.do_record_unloading(
        officer,
        case,
        {"method": "unload", "unloaded_kg": 13000, "place": "G1501 检测站卸货场", "receiver": "检测站卸载区"},
    )
    links = svc.do_generate_four_penalties(
        officer,
        case,
        {
            "driver": {"subject_name": "钱某", "identifier": "310101198001010018"},
            "loading_site": {
                "action": "copy_report",
                "subject_name": "某砂石料装载场",
                "copy_to": "松江区交通运输委员会",
            },
        },
    )
    return 1 + len(links)


def _blacklist(officer, squad) -> int:
    from ..models import BlacklistEntry, IllegalTransportRecord
    from ..services import blacklist as svc

    made = 0
    for plate, driver, place in (("沪E·11111", "钟某", "浦东机场 T2"), ("沪F·22222", "韩某", "上海火车站南广场")):
        record = svc.illegal_transport_service.do_create(
            officer,
            IllegalTransportRecord,
            {
                "plate": plate,
                "driver_name": driver,
                "place": place,
                "passengers": 3,
                "description": "无证揽客，按人收费",
            },
        )
        entry = svc.do_blacklist_from_record(officer, record, "一年内两次以上非法客运")
        svc.do_review_entry(squad, entry, True, "情况属实，列入黑名单")
        made += 2
    person = svc.blacklist_service.do_create(
        officer,
        BlacklistEntry,
        {"kind": "person", "name": "钟某", "id_number": ID_NUMBERS[2], "reason": "多次驾驶非法营运车辆"},
    )
    svc.do_review_entry(squad, person, True, "属实")
    removed = svc.blacklist_service.do_create(
        officer, BlacklistEntry, {"kind": "vehicle", "name": "沪G·33333", "plate": "沪G·33333", "reason": "非法客运"}
    )
    svc.do_review_entry(squad, removed, True, "属实")
    svc.do_remove_entry(squad, removed, "车辆已注销，移出黑名单")
    svc.blacklist_service.do_create(
        officer,
        BlacklistEntry,
        {"kind": "vehicle", "name": "沪H·44444", "plate": "沪H·44444", "reason": "疑似非法客运，待核实"},
    )
    return made + 3


def _simplified(officer, squad) -> int:
    from teis.legal.models import ViolationCode

    from ..services import simplified as svc

    code = (
        ViolationCode.objects.filter(is_current=True, fine_min__lte=100, fine_max__gte=100)
        .exclude(status="retired")
        .order_by("code")
        .first()
    )
    if code is None:
        return 0
    made = 0
    for name, kind, amount, collected, plate in (
        ("吴某", "fine", "100", True, "沪A·T1001"),
        ("郑某", "fine", "100", False, "沪A·T1002"),
        ("冯某", "warning", None, False, "沪A·T1003"),
    ):
        case = svc.do_on_spot_penalty(
            officer,
            {
                "facts": f"出租汽车驾驶员{name}{code.name}",
                "place": "南京东路步行街",
                "violation_codes": [code.code],
                "parties": [{"kind": "person", "name": name}],
                "vehicles": [{"plate": plate}],
                "penalty_kind": kind,
                "fine_amount": amount,
                "collected_on_spot": collected,
                "receipt_number": f"SH-{plate[-4:]}" if collected else "",
            },
        )
        svc.do_simplified_filing(squad, case, True, "同意备案")
        made += 1
    return made
