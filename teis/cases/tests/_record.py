"""Shared helpers of the case-record tests: a case with what 立案 needs (catalogue cause, a violation code with
a discretion benchmark, a party) and the facts each general-procedure step records when it is approved."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from teis.cases.models import EnforcementCase, Party
from teis.legal.models import CaseCause, DiscretionLevel
from teis.legal.tests._code_fixtures import make_benchmark, make_code


def legal_setup():
    """A catalogue cause and a violation code (200–2000 元) with its benchmark (轻微 200–500 …)."""
    cause = CaseCause.objects.filter(cause_code="1" * 20).first() or CaseCause.objects.create(
        cause_code="1" * 20, name="拒载", item_type="penalty"
    )
    code = make_code(None)
    bench = make_benchmark(code)
    return cause, code, bench


def make_full_case(unit, handler, *, legal=None, **kw) -> EnforcementCase:
    """A case ready for 立案: cause, violation code with a benchmark, facts, a party."""
    from teis.org.models import Unit

    cause, code, _ = legal or legal_setup()
    # 赋码 needs a region code up the unit's chain (the corps: 310000)
    top = unit
    while top.parent_id:
        top = top.parent
    Unit.objects.filter(pk=top.pk, region_code="").update(region_code="310000")
    unit.refresh_from_db()
    kw.setdefault("title", "出租汽车拒载案")
    kw.setdefault("facts", "驾驶员拒载乘客")
    case = EnforcementCase.objects.create(unit=unit, handler=handler, case_cause=cause, **kw)
    case.violation_codes.add(code)
    Party.objects.create(case=case, kind="person", name="张三")
    return case


def facts_only(messages: list[str]) -> list[str]:
    """The missing facts of `steps.missing_requirements`, without the missing documents (the documents app reports
    those through `steps.DOCUMENT_HOOK`)."""
    return [m for m in messages if not m.startswith("缺少文书：")]


def level_of(case, name: str = "轻微") -> DiscretionLevel:
    code = case.violation_codes.first()
    return DiscretionLevel.objects.get(benchmark__violation_code=code, name=name)


def step_facts(case: EnforcementCase, step: str) -> dict:
    """What a handler enters at `step` for a fine of 300 元 (within 轻微 200–500), dated now."""
    now = timezone.now()
    case.refresh_from_db()
    if step in MEASURE_STEPS:
        return measure_facts(case, step)
    if step == "Task_Register":
        return {
            "investigation": "经询问当事人、查看行车记录，拒载属实",
            "record_kind": "inquiry",
            "record_started_at": now - dt.timedelta(minutes=30),
            "record_place": "执法站",
            "record_interviewee": "张三",
            "record_qa": "问：你是否拒载？\n答：是的。",
        }
    if step == "Task_Finding":
        return {
            "decision_type": "penalty",
            "penalty_kinds": ["fine"],
            "fine_amount": "300",
            "violation_code": case.violation_codes.first(),
            "discretion_level": str(level_of(case).pk),
            "conditions_met": ["初次违法", "及时改正"],
            "legal_basis": "《测试条例》第1条",
            "notice_served_at": now,
        }
    if step == "Task_Statement":
        return {"statement_content": "当事人放弃陈述申辩"}
    if step == "Task_LegalReview":
        return {"legal_opinion": "事实清楚，证据确凿，适用法律正确，同意"}
    if step == "Task_Discussion":
        return {"discussion_minutes": "同意处罚"}
    if step == "Task_Decision":
        return {"decided_at": now, "served_at": now, "service_method": "direct", "service_recipient": "张三"}
    if step == "Task_Execution":
        return {"payment_amount": str(case.fine_amount or ""), "paid_at": now, "receipt_number": "PJ0001"}
    if step == "Task_Archive":
        return {"closing_kind": "executed", "closing_report": "罚款已缴清，处罚决定执行完毕"}
    if step == "Task_ArchiveReview":
        return {"archive_number": "2026-001", "archive_cabinet": "A1", "archive_box": "03", "archive_position": "上层"}
    if step == "Task_Remedy":
        return {"remedy_kind": "reconsideration", "remedy_filed_at": timezone.localdate(), "remedy_result": "pending"}
    if step == "Task_JudicialTransfer":
        return {"transfer_authority": "市公安局", "transfer_date": timezone.localdate(), "transfer_receipt": "回执001"}
    if step == "Task_Handover":
        from teis.org.models import Unit

        other = Unit.objects.filter(unit_type="squad").exclude(pk=case.unit_id).order_by("pk").first()
        return {"handover_unit": other.pk, "handover_reason": "违法行为发生地不属本中队管辖"}
    if step == "Task_Receive":
        from django.contrib.auth import get_user_model

        from teis.cases.models import CaseDecision

        unit = CaseDecision.objects.get(case=case).handover_unit
        officer = get_user_model().objects.filter(officer__unit=unit, officer__roles__code="field_officer").first()
        return {"receive_handler": officer.pk if officer else None}
    return {}


def as_form(data: dict) -> dict:
    """Step facts as a page or API client sends them (text values; times to the minute)."""
    out = {}
    for key, value in data.items():
        if isinstance(value, dt.datetime):
            out[key] = timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif hasattr(value, "pk"):
            out[key] = str(value.pk)
        else:
            out[key] = value
    return out


MEASURE_STEPS = {
    "Task_CoerciveApply",
    "Task_CoerciveDecision",
    "Task_CoerciveDuring",
    "Task_CoerciveRelease",
    "Task_ToPenalty",
    "Task_InspectionRegister",
}


def measure_facts(case: EnforcementCase, step: str) -> dict:
    """What an officer enters at the 行政强制 / 行政检查 steps: a seizure of two items for 30 days from today,
    released today; an inspection with a co-inspector of the unit, 合格."""
    now = timezone.now()
    if step == "Task_CoerciveApply":
        return {
            "measure_kind": "seize",
            "measure_basis": "《中华人民共和国行政强制法》第二十二条",
            "measure_reason": "涉嫌非法营运，需扣押车载计价设备",
            "measure_place": "虹桥枢纽东交通中心",
            "measure_objects": "计价器 1 台\n车载 POS 机 1 台",
        }
    if step == "Task_CoerciveDecision":
        return {
            "measure_number": f"沪交强扣〔2026〕{case.pk}号",
            "measure_decided_at": now,
            "measure_served_at": now,
            "measure_period": 30,
        }
    if step == "Task_CoerciveDuring":
        return {"measure_progress": "已询问当事人"}
    if step == "Task_CoerciveRelease":
        return {"release_at": now, "release_reason": "违法事实不成立，解除扣押"}
    if step == "Task_ToPenalty":
        return {"measure_result": "to_penalty", "result_note": "转入一般程序立案查处"}
    if step == "Task_InspectionRegister":
        from teis.cases.services.inspection import co_inspectors

        co = co_inspectors(case, case.handler).first()
        return {
            "inspection_party": "上海某运输有限公司",
            "inspection_place": "公司停车场",
            "inspection_at": now - dt.timedelta(hours=1),
            "inspection_co_inspector": co.pk if co else None,
            "inspection_items": "经营资质\n车辆技术状况",
            "inspection_result": "qualified",
            "inspection_handling": "none",
        }
    return {}
