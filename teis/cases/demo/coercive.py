"""Demo 行政强制措施 and 行政检查 cases, made through the services as the real roles would (as `general.py` does,
on its demo clock): a seizure released with its property returned, a vehicle held, its period extended once with
the leadership's approval and turned into a penalty; an inspection found in order and one with a 责令改正.
Idempotent: nothing is made once a demo case of these procedures exists."""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.db import transaction
from django.utils import timezone

from teis.core.services import ServiceError

from .general import MARK, DemoClock, _handlers, _offences, _offered_user, _open_tasks, _organisation, _plate

logger = logging.getLogger(__name__)


def _measure_facts(step: str, story: str, case, plate: str, clock: DemoClock) -> dict:
    now = clock.at
    vehicle = story == "vehicle"
    if step == "Task_CoerciveApply":
        return {
            "measure_kind": "vehicle" if vehicle else "seize",
            "measure_basis": "《中华人民共和国行政强制法》第二十二条；《上海市出租汽车管理条例》第四十七条",
            "measure_reason": "涉嫌未取得经营许可从事客运经营，需暂扣车辆以查清事实"
            if vehicle
            else "涉嫌使用未经检定的计价器，需扣押相关设备",
            "measure_place": case.place or "虹桥枢纽 P9 停车场",
            "measure_objects": f"小型普通客车 {plate}" if vehicle else "出租汽车计价器 1 台\n车载 POS 机 1 台",
            "measure_plate": plate if vehicle else "",
        }
    if step == "Task_CoerciveDecision":
        return {
            "measure_number": f"沪交执强〔{now:%Y}〕{case.pk:04d}号",
            "measure_decided_at": now - dt.timedelta(minutes=10),
            "measure_served_at": now,
            "measure_period": 30,
        }
    if step == "Task_CoerciveDuring":
        from teis.cases.models import CoerciveMeasure

        m = CoerciveMeasure.objects.get(case=case)
        if vehicle and not m.extended and not m.extension_requested_at:
            return {"extend": True, "extension_days": 15, "extension_reason": "车辆营运记录需向平台调取，情况复杂"}
        if vehicle:
            return {"to_penalty": True, "measure_progress": "已调取平台订单记录，非法营运事实清楚"}
        return {"measure_progress": "计价器经计量检定合格"}
    if step == "Task_CoerciveRelease":
        return {"release_at": now, "release_reason": "经检定计价器合格，违法事实不成立，解除扣押并返还"}
    if step == "Task_ToPenalty":
        return {"measure_result": "to_penalty", "result_note": "非法营运事实清楚，转入一般程序立案查处，车辆继续扣押"}
    return {}


def _inspection_facts(step: str, story: str, case, handler, clock: DemoClock) -> dict:
    from teis.cases.services.inspection import co_inspectors

    if step != "Task_InspectionRegister":
        return {}
    co = co_inspectors(case, handler).first()
    rectify = story == "rectify"
    return {
        "inspection_party": case.parties.order_by("pk").first().name,
        "inspection_object": "经营场所及营运车辆",
        "inspection_place": case.place or "企业停车场",
        "inspection_at": clock.at - dt.timedelta(hours=2),
        "inspection_co_inspector": co.pk if co else None,
        "inspection_items": "道路运输经营许可\n营运车辆年审情况\n驾驶员从业资格\n安全生产管理制度",
        "inspection_result": "problems" if rectify else "qualified",
        "inspection_problems": "2 辆营运车辆未按期进行年度审验" if rectify else "",
        "inspection_handling": "rectify" if rectify else "none",
        "inspection_rectify_by": (clock.at + dt.timedelta(days=15)).date() if rectify else None,
    }


HOURS = {"Task_CoerciveDuring": 24 * 9, "Task_CoerciveRelease": 4, "Task_ToPenalty": 24}


def _make(procedure: str, story: str, handler, days_ago: int, rng: random.Random, offence) -> None:
    from teis.cases.services import intake
    from teis.workflow import services as wf
    from teis.workflow.choices import Decision

    start = (timezone.now() - dt.timedelta(days=days_ago)).replace(hour=10, minute=rng.randrange(0, 59))
    clock = DemoClock(start)
    party = _organisation(rng)
    plate = _plate(rng)
    label = "行政检查" if procedure == "inspection" else "行政强制措施"
    with clock.running(), transaction.atomic():
        case = intake.do_pre_register(
            handler,
            {
                "title": f"{party['name']}{label}{MARK}",
                "procedure": procedure,
                "source": "on_site",
                "case_cause": offence.cause.pk,
                "violation_codes": [offence.code.code],
                "facts": f"现场检查发现{party['name']}涉嫌违法经营。",
                "place": rng.choice(["虹桥枢纽 P9 停车场", "浦东机场 T2 到达层", "沪嘉高速收费站"]),
                "discovered_at": clock.at - dt.timedelta(hours=1),
                "parties": [party],
                "vehicles": [{"plate": plate, "vehicle_type": "小型普通客车"}],
            },
        )
        plate = case.vehicles.values_list("plate", flat=True).first() or plate
        for _ in range(20):  # a bound: a diagram change must not hang the seeding
            case.refresh_from_db()
            tasks = _open_tasks(case)
            if not tasks:
                return
            wt = tasks[0]
            user = _offered_user(wt, handler)
            if user is None:
                raise ServiceError("demo_nobody", f"演示数据：环节“{wt.name}”无人可办")
            clock.advance(HOURS.get(wt.spec_name, 3) * rng.uniform(0.8, 1.2))
            if procedure == "inspection":
                data = _inspection_facts(wt.spec_name, story, case, user, clock)
            else:
                data = _measure_facts(wt.spec_name, story, case, plate, clock)
            wf.complete_task(user, wt, Decision.APPROVE, "同意", data)


STORIES = [
    ("coercive", "released", 60),
    ("coercive", "vehicle", 80),
    ("inspection", "qualified", 30),
    ("inspection", "rectify", 12),
]


def load_coercive_inspection_demo() -> dict[str, int]:
    from teis.cases.models import EnforcementCase

    if EnforcementCase.objects.filter(procedure__in=("coercive", "inspection"), title__endswith=MARK).exists():
        return {}
    demo, _ = _handlers()
    offences = _offences("")
    if demo is None or not offences:
        return {}
    rng = random.Random(20261208)
    made = {"coercive": 0, "inspection": 0}
    for procedure, story, days_ago in STORIES:
        try:
            _make(procedure, story, demo, days_ago, rng, rng.choice(offences))
            made[procedure] += 1
        except ServiceError as err:
            logger.warning("demo %s case %s skipped: %s %s", procedure, story, err.message, err.fields)
    out = {"行政强制案件": made["coercive"], "行政检查案件": made["inspection"]}
    return {k: v for k, v in out.items() if v}
