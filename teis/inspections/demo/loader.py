"""Demo data of 双随机一公开: ~300 inspection objects across the districts, every field officer and squad
leader with a valid 执法证 in the inspector pool, check items, yearly quotas, a city-level plan drawn and
published by the demo legal reviewer (法制科, `legal`) and a draft district-level plan of 第一大队 (`brigade`).
Idempotent: objects by credit code, inspectors by officer, plans by name."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.db import transaction
from stdnum.cn import uscc

from teis.core.models import DictionaryItem
from teis.org.choices import OfficerStatus
from teis.org.models import Officer, Unit

from ..choices import CreditRating, ObjectKind, RiskLevel
from ..models import CheckItem, InspectionObject, InspectionPlan, Inspector, RequiredCheckQuota, district_choices
from ..services.plans import PlanService, do_draw, do_freeze, do_publish
from ..services.pools import unit_district

SEED = 20251
N_OBJECTS = 300
CITY_PLAN = "2025年第四季度道路运输企业双随机抽查"
DISTRICT_PLAN = "第一大队2025年出租汽车企业专项抽查"
INDUSTRY_CODES = ["passenger", "taxi_company", "freight_general", "freight_dangerous", "repair", "driving_school"]
NAME_PARTS = ["申通", "浦江", "东方", "申城", "海港", "长江", "金桥", "外高桥", "虹桥", "临港", "松江", "嘉定"]
SUFFIX = {
    "passenger": "客运有限公司",
    "taxi_company": "出租汽车有限公司",
    "freight_general": "物流有限公司",
    "freight_dangerous": "危险品运输有限公司",
    "repair": "汽车维修有限公司",
    "driving_school": "驾驶员培训有限公司",
}
CHECK_ITEMS = [
    ("SJ-01", "经营许可证件", None, "查验道路运输经营许可证及有效期", "证照齐全有效"),
    ("SJ-02", "车辆技术档案", None, "抽查营运车辆技术档案与年审记录", "档案完整率 100%"),
    ("SJ-03", "从业人员资格", None, "核对驾驶员从业资格证", "持证上岗率 100%"),
    ("SJ-04", "安全生产制度", None, "检查安全生产责任制及教育培训记录", "制度健全、记录完整"),
    ("SJ-05", "危险货物运输单据", "freight_dangerous", "查验电子运单及押运人员", "运单完整"),
    ("SJ-06", "计价器与服务标志", "taxi_company", "检查计价器检定和顶灯标志", "检定合格"),
]


def _credit_code(n: int, region: str) -> str:
    body = f"91{region}{n:09d}"
    return body + uscc.calc_check_digit(body)


def load_demo() -> dict[str, int]:
    created = {"检查对象": 0, "检查人员": 0, "抽查计划": 0}
    industries = {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="industry", code__in=INDUSTRY_CODES)}
    if len(industries) < 2:
        return {}
    with transaction.atomic():
        created["检查对象"] = _objects(industries)
        created["检查人员"] = _inspectors()
        items = _check_items(industries)
        _quotas(industries)
        created["抽查计划"] = _plans(industries, items)
    return {k: v for k, v in created.items() if v}


def _objects(industries) -> int:
    rng = random.Random(SEED)
    brigades = {u.region_code: u for u in Unit.objects.filter(unit_type="district_brigade").exclude(region_code="")}
    corps = Unit.objects.filter(unit_type="corps").first()
    brigade1 = Unit.objects.filter(name="第一大队").first()
    districts = [c for c, _ in district_choices()]
    existing = set(InspectionObject.objects.values_list("credit_code", flat=True))
    new = []
    for n in range(1, N_OBJECTS + 1):
        district = districts[n % len(districts)]
        code = _credit_code(n, district)
        industry = industries.get(INDUSTRY_CODES[rng.randrange(len(INDUSTRY_CODES))]) or next(iter(industries.values()))
        risk = rng.choices(RiskLevel.values, weights=[6, 3, 1])[0]
        credit = rng.choices(CreditRating.values, weights=[6, 3, 1, 0.5])[0]
        kind = ObjectKind.INDIVIDUAL if n % 11 == 0 else ObjectKind.ENTERPRISE
        unit = brigade1 if n % 5 == 0 and brigade1 else brigades.get(district, corps)
        name = f"上海{NAME_PARTS[n % len(NAME_PARTS)]}{SUFFIX.get(industry.code, '有限公司')}（{n:03d}）"
        if code in existing or unit is None:
            continue
        new.append(
            InspectionObject(
                name=name if kind == ObjectKind.ENTERPRISE else f"个体运输户{n:03d}",
                credit_code=code,
                kind=kind,
                industry=industry,
                district=district,
                address=f"上海市{dict(district_choices())[district]}示范路{n}号",
                unit=unit,
                credit_rating=credit,
                risk_level=risk,
            )
        )
    InspectionObject.objects.bulk_create(new)
    return len(new)


def _inspectors() -> int:
    have = set(Inspector.objects.values_list("officer_id", flat=True))
    officers = (
        Officer.objects.filter(status=OfficerStatus.ACTIVE, roles__code__in=["field_officer", "squad_leader"])
        .exclude(certificate_number="")
        .select_related("unit")
        .distinct()
    )
    new = []
    districts: dict[int, str] = {}
    for o in officers:
        if o.pk in have or not o.certificate_valid:
            continue
        if o.unit_id not in districts:
            districts[o.unit_id] = unit_district(o.unit)
        new.append(Inspector(officer=o, district=districts[o.unit_id]))
    Inspector.objects.bulk_create(new)
    return len(new)


def _check_items(industries) -> list[CheckItem]:
    out = []
    for code, name, industry, requirement, indicator in CHECK_ITEMS:
        item, _ = CheckItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "industry": industries.get(industry) if industry else None,
                "requirement": requirement,
                "indicator": indicator,
            },
        )
        out.append(item)
    return out


def _quotas(industries) -> None:
    for unit in Unit.objects.filter(unit_type="district_brigade")[:16]:
        for code in ("freight_general", "taxi_company"):
            if code in industries:
                RequiredCheckQuota.objects.get_or_create(
                    year=2025, unit=unit, industry=industries[code], defaults={"required_count": 40}
                )


def _plans(industries, items) -> int:
    User = get_user_model()
    n = 0
    legal = User.objects.filter(username="legal").first()
    if legal and not InspectionPlan.objects.filter(name=CITY_PLAN).exists():
        legal_unit = legal.officer.unit
        plan = PlanService().do_create(
            legal,
            InspectionPlan,
            {
                "name": CITY_PLAN,
                "level": "city",
                "unit": legal_unit,
                "year": 2025,
                "draw_percent": 10,
                "weight_attribute": "risk_level",
                "class_weights": {"high": 3, "medium": 2, "low": 1},
                "exclude_inspected_months": 6,
            },
        )
        plan.check_items.set(items)
        do_freeze(legal, plan)
        do_draw(legal, plan)
        do_publish(legal, plan)
        n += 1
    brigade = User.objects.filter(username="brigade").first()
    if brigade and "taxi_company" in industries and not InspectionPlan.objects.filter(name=DISTRICT_PLAN).exists():
        plan = PlanService().do_create(
            brigade,
            InspectionPlan,
            {"name": DISTRICT_PLAN, "level": "district", "unit": brigade.officer.unit, "year": 2025, "draw_count": 3},
        )
        plan.industries.set([industries["taxi_company"]])
        plan.check_items.set([i for i in items if i.industry_id in (None, industries["taxi_company"].pk)])
        n += 1
    return n
