"""Small builders for inspections tests: the industry dictionary, objects with valid credit codes,
inspectors with a valid 执法证, check items and plans."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone
from stdnum.cn import uscc

from teis.core.models import DictionaryItem, DictionaryType

_serial = itertools.count(1)
PUDONG, XUHUI = "310115", "310104"


def credit_code(n: int, region: str = "310115") -> str:
    body = f"91{region}{n:09d}"
    return body + uscc.calc_check_digit(body)


def industries() -> dict[str, DictionaryItem]:
    t, _ = DictionaryType.objects.get_or_create(code="industry", defaults={"name": "行业类别"})
    out = {}
    for code, label in (("freight_general", "道路普通货物运输"), ("taxi_company", "出租汽车客运")):
        out[code], _ = DictionaryItem.objects.get_or_create(dict_type=t, code=code, defaults={"label": label})
    return out


def make_object(unit, *, industry=None, district=PUDONG, n=None, **kw):
    from ..models import InspectionObject

    n = n or next(_serial)
    industry = industry or industries()["freight_general"]
    return InspectionObject.objects.create(
        name=kw.pop("name", f"测试运输公司{n}"),
        credit_code=credit_code(n),
        industry=industry,
        district=district,
        unit=unit,
        address=f"测试路{n}号",
        **kw,
    )


def make_inspector(user, *, district="", industries_=(), certificate=True):
    from ..models import Inspector

    officer = user.officer
    if certificate:
        officer.certificate_number = officer.certificate_number or f"3100{officer.pk:08d}"
        officer.certificate_valid_until = timezone.localdate() + dt.timedelta(days=365)
        officer.save(update_fields=["certificate_number", "certificate_valid_until"])
    ins = Inspector.objects.create(officer=officer, district=district)
    if industries_:
        ins.industries.set(industries_)
    return ins


def make_check_item(code="JC001", industry=None):
    from ..models import CheckItem

    return CheckItem.objects.create(
        code=code,
        name=f"经营许可证件{code}",
        industry=industry,
        requirement="查验道路运输经营许可证",
        indicator="证照齐全",
    )


def make_plan(actor, unit, **kw):
    from ..models import InspectionPlan
    from ..services.plans import PlanService

    data = {"name": kw.pop("name", "2025年度货运企业双随机抽查"), "level": "city", "unit": unit, "year": 2025}
    data.update(kw)
    items = data.pop("check_items", [])
    plan = PlanService().do_create(actor, InspectionPlan, data)
    if items:
        plan.check_items.set(items)
    return plan
