"""The facts a document prints, read from the case record (nothing is typed twice), and the placeholder
schema a template may use.

`case_facts(case)` returns plain values only (strings and lists of dicts of strings): a template edited by an
administrator sees no model object and can call no method. `SCHEMA` names every placeholder with its Chinese
label; `*` stands for the items of a list (`{% for r in records %}{{ r.place }}` → `records.*.place`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

SCHEMA: dict[str, str] = {
    "authority.name": "执法机关名称",
    "unit.name": "承办单位",
    "unit.short_name": "承办单位简称",
    "case.code": "统一案件编码",
    "case.title": "案件名称",
    "case.cause": "案由",
    "case.source": "案件来源",
    "case.procedure": "程序",
    "case.business_line": "业务条线",
    "case.facts": "违法事实",
    "case.investigation": "调查情况",
    "case.place": "发现地点",
    "case.discovered_at": "发现时间",
    "case.filed_at": "立案时间",
    "case.deadline": "办案期限",
    "case.decision_type": "处理决定类型",
    "case.fine_amount": "罚款金额（元）",
    "case.fine_upper": "罚款金额（大写）",
    "case.confiscated_amount": "没收违法所得（元）",
    "case.decided_at": "决定时间",
    "case.served_at": "送达时间",
    "case.payment_due": "缴款期限",
    "case.paid_amount": "已缴金额（元）",
    "case.closed_at": "结案时间",
    "case.archive_location": "归档位置",
    "case.handler": "主办人",
    "case.co_handler": "协办人",
    "case.violation_codes": "违章代码",
    "case.violated": "违反条款",
    "case.penalty_basis": "处罚依据",
    "case.overload": "治超称重数据",
    "payment.code": "缴款码（非税收入电子缴款）",
    "party.kind": "当事人类型",
    "party.name": "当事人姓名/名称",
    "party.id_number": "身份证号",
    "party.phone": "联系电话",
    "party.address": "住址",
    "party.credit_code": "统一社会信用代码",
    "party.legal_representative": "法定代表人",
    "vehicle.plate": "车牌号",
    "vehicle.type": "车辆类型",
    "vehicle.licence": "道路运输证号",
    "vehicle.driver": "驾驶员",
    "vehicle.driver_licence": "从业资格证号",
    "decision.proposal_facts": "认定的违法事实",
    "decision.evidence_list": "证据清单",
    "decision.legal_basis": "法律依据",
    "decision.penalty_kinds": "处罚种类",
    "decision.proposal": "处理意见",
    "decision.notice_served_at": "事先告知送达时间",
    "decision.statement": "陈述申辩内容",
    "decision.statement_adopted": "陈述申辩是否采纳",
    "decision.hearing_requested_at": "听证申请日期",
    "decision.hearing_notified_at": "听证通知日期",
    "decision.hearing_held_at": "听证举行日期",
    "decision.hearing_record": "听证笔录",
    "decision.hearing_report": "听证报告",
    "decision.legal_opinion": "法制审核意见",
    "decision.legal_reviewer": "法制审核人",
    "decision.discussion_minutes": "集体讨论记录",
    "decision.discussion_at": "集体讨论时间",
    "decision.reason": "不予处罚或撤销立案理由",
    "decision.service_method": "送达方式",
    "decision.service_recipient": "受送达人",
    "decision.installment_note": "分期/延期说明",
    "decision.urged_at": "催告日期",
    "decision.court_applied_at": "申请法院强制执行日期",
    "decision.transfer_authority": "移送接收机关",
    "decision.transfer_date": "移送日期",
    "decision.handover_unit": "移交接收单位",
    "decision.handover_reason": "移交理由",
    "decision.closing_kind": "结案方式",
    "decision.closing_report": "结案报告",
    "decision.archive_number": "档案号",
    "decision.archive_cabinet": "档案柜",
    "decision.archive_box": "档案盒",
    "decision.archive_position": "档案位置",
    "decision.road_damage": "路产损失情况",
    "decision.road_damage_amount": "路产损失赔偿金额",
    "decision.vessel": "涉案船舶",
    "records.*.kind": "笔录类型",
    "records.*.started_at": "笔录开始时间",
    "records.*.ended_at": "笔录结束时间",
    "records.*.place": "笔录地点",
    "records.*.recorder": "记录人",
    "records.*.interviewee": "被询问人/见证人",
    "records.*.content": "笔录内容",
    "records.*.qa.*.q": "问",
    "records.*.qa.*.a": "答",
    "evidence.*.title": "证据名称",
    "evidence.*.category": "证据类别",
    "evidence.*.captured_at": "取证时间",
    "evidence.*.place": "取证地点",
    "evidence.*.description": "证明内容",
    "evidence.*.sm3": "证据 SM3 摘要",
    "has.inquiry": "询问笔录（案件记录）",
    "has.scene": "现场笔录（案件记录）",
    "has.examination": "勘验笔录（案件记录）",
    "has.statement": "陈述申辩笔录（案件记录）",
    "has.hearing": "听证笔录（案件记录）",
    "has.evidence": "关联证据",
    "payments.*.amount": "缴款金额",
    "payments.*.paid_at": "缴款时间",
    "payments.*.receipt_number": "票据号",
    "documents.*.name": "文书名称",
    "documents.*.number": "文号",
    "documents.*.date": "文书日期",
    "documents.*.page": "卷内页码",
    "doc.name": "文书名称",
    "doc.number": "文号",
    "doc.date": "签发日期",
    "doc.issued_by": "签发人",
    "doc.verify_url": "验证网址",
    "doc.verify_code": "验证码",
    "doc.qr": "验证二维码（图像）",
    "doc.case_qr": "一案一码（图像）",
    "doc.seal": "电子印章（图像）",
    "doc.copy": "副本标记",
    "doc.parts": "各联",
    "doc.preview": "预览标记",
    "part": "联次名称",
}
# Loop variables the base template itself uses.
SCHEMA_ROOTS = {key.split(".")[0] for key in SCHEMA}


def label(key: str) -> str:
    return SCHEMA.get(key, key)


def _d(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y年%m月%d日 %H时%M分")
    if isinstance(value, dt.date):
        return value.strftime("%Y年%m月%d日")
    return str(value)


def _day(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return value.strftime("%Y年%m月%d日")


def _amount(value) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_SECTIONS = ["", "万", "亿", "万亿"]


def rmb_upper(value) -> str:
    """人民币大写, e.g. 1200.50 → 壹仟贰佰元伍角整? (no: 壹仟贰佰元伍角); 200 → 贰佰元整."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    if amount < 0:
        return "负" + rmb_upper(-amount)
    yuan = int(amount)
    jiao, fen = int(amount * 10) % 10, int(amount * 100) % 10
    out = _integer_upper(yuan) + "元" if yuan else ("" if (jiao or fen) else "零元")
    if not jiao and not fen:
        return out + "整"
    if jiao:
        out += _DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += _DIGITS[fen] + "分"
    return out


def _integer_upper(n: int) -> str:
    sections = []
    while n:
        sections.append(n % 10000)
        n //= 10000
    out = ""
    zero_pending = False
    for i in range(len(sections) - 1, -1, -1):
        sec = sections[i]
        if sec == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or sec < 1000):
            out += "零"
        zero_pending = False
        text, gap = "", False
        for pos in range(3, -1, -1):
            digit = sec // (10**pos) % 10
            if digit:
                if gap and text:
                    text += "零"
                text += _DIGITS[digit] + _UNITS[pos]
                gap = False
            else:
                gap = True
        out += text + _SECTIONS[i]
    return out


def _person(user) -> str:
    if user is None:
        return ""
    officer = getattr(user, "officer", None)
    return getattr(officer, "name", "") or user.username


def _authority(unit) -> str:
    """The enforcement authority named on documents: the enforcement subject whose seal they carry."""
    from .services.seals import seal_unit

    return seal_unit(unit).name


def payment_code_of(case) -> str:
    """The 缴款码 the finance app gave the case's fine (the decision carries it, §2.6.3.6)."""
    from teis.finance.services.fines import payment_code_of as finance_code

    return finance_code(case)


def case_facts(case) -> dict:
    """Every placeholder's value for `case` (see SCHEMA), from the case record."""
    from teis.cases.models import CaseDecision
    from teis.cases.services.case import legal_basis

    rec = CaseDecision.objects.filter(case=case).select_related("legal_reviewer__officer", "handover_unit").first()
    party = case.parties.order_by("id").first()
    vehicle = case.vehicles.order_by("id").first()
    basis = legal_basis(case)
    codes = [f"{row['code'].code} {row['code'].name}" for row in basis]
    violated = [c for row in basis for c in (row["violated"] or ([row["legacy"]] if row["legacy"] else []))]
    penalty = [c for row in basis for c in row["penalty"]]
    facts = {
        "authority": {"name": _authority(case.unit)},
        "unit": {"name": case.unit.name, "short_name": case.unit.short_name or case.unit.name},
        "case": {
            "code": case.case_code or "",
            "title": case.title,
            "cause": case.case_cause.name if case.case_cause_id else "",
            "source": case.get_source_display(),
            "procedure": case.get_procedure_display(),
            "business_line": case.business_line.label if case.business_line_id else "",
            "facts": case.facts,
            "investigation": case.investigation,
            "place": case.place,
            "discovered_at": _d(case.discovered_at),
            "filed_at": _d(case.filed_at),
            "deadline": _d(case.deadline),
            "decision_type": case.get_decision_type_display() if case.decision_type else "",
            "fine_amount": _amount(case.fine_amount),
            "fine_upper": rmb_upper(case.fine_amount),
            "confiscated_amount": _amount(case.confiscated_amount),
            "decided_at": _day(case.decided_at),
            "served_at": _d(case.served_at),
            "payment_due": _d(case.payment_due),
            "paid_amount": _amount(case.paid_amount) if case.paid_amount else "",
            "closed_at": _day(case.closed_at),
            "archive_location": case.archive_location,
            "handler": _person(case.handler),
            "co_handler": _person(case.co_handler),
            "violation_codes": "；".join(codes),
            "violated": "；".join(violated),
            "penalty_basis": "；".join(penalty),
            "overload": (
                f"{case.axles} 轴，车货总重 {case.gross_weight_kg} 千克，限重 {case.weight_limit_kg} 千克，"
                f"超限率 {case.overload_ratio}%"
                if case.gross_weight_kg
                else ""
            ),
        },
        "party": _party(party),
        "vehicle": {
            "plate": vehicle.plate if vehicle else "",
            "type": vehicle.vehicle_type if vehicle else "",
            "licence": vehicle.operating_licence if vehicle else "",
            "driver": vehicle.driver_name if vehicle else "",
            "driver_licence": vehicle.driver_licence if vehicle else "",
        },
        "decision": _decision(rec),
        "records": [_record(r) for r in case.records.select_related("recorder__officer").order_by("started_at", "id")],
        "evidence": _evidence(case),
        "payments": [
            {"amount": _amount(p.amount), "paid_at": _d(p.paid_at), "receipt_number": p.receipt_number}
            for p in case.payments.all()
        ],
        "payment": {"code": payment_code_of(case)},
    }
    kinds = {r.kind for r in case.records.all()}
    facts["has"] = {k: "有" if k in kinds else "" for k in ("inquiry", "scene", "examination", "statement", "hearing")}
    facts["has"]["evidence"] = "有" if facts["evidence"] else ""
    # without provisions linked to the violation code, the basis the handler wrote at 处罚认定
    written = facts["decision"].get("legal_basis", "")
    facts["case"]["violated"] = facts["case"]["violated"] or written
    facts["case"]["penalty_basis"] = facts["case"]["penalty_basis"] or written
    return facts


def _party(party) -> dict:
    if party is None:
        return dict.fromkeys(
            ("kind", "name", "id_number", "phone", "address", "credit_code", "legal_representative"), ""
        )
    return {
        "kind": party.get_kind_display(),
        "name": party.name,
        "id_number": party.id_number or "",
        "phone": party.phone or "",
        "address": party.address or "",
        "credit_code": party.credit_code,
        "legal_representative": party.legal_representative,
    }


def _decision(rec) -> dict:
    keys = [k.split(".", 1)[1] for k in SCHEMA if k.startswith("decision.")]
    if rec is None:
        return dict.fromkeys(keys, "")
    adopted = (
        {True: "采纳", False: "不予采纳"}.get(rec.statement_adopted, "") if rec.statement_adopted is not None else ""
    )
    return {
        "proposal_facts": rec.proposal_facts,
        "evidence_list": rec.evidence_list,
        "legal_basis": rec.legal_basis,
        "penalty_kinds": "、".join(rec.penalty_kind_labels()),
        "proposal": rec.proposal,
        "notice_served_at": _d(rec.notice_served_at),
        "statement": rec.statement_content,
        "statement_adopted": adopted,
        "hearing_requested_at": _d(rec.hearing_requested_at),
        "hearing_notified_at": _d(rec.hearing_notified_at),
        "hearing_held_at": _d(rec.hearing_held_at),
        "hearing_record": rec.hearing_record,
        "hearing_report": rec.hearing_report,
        "legal_opinion": rec.legal_opinion,
        "legal_reviewer": _person(rec.legal_reviewer),
        "discussion_minutes": rec.discussion_minutes,
        "discussion_at": _d(rec.discussion_at),
        "reason": rec.decision_reason,
        "service_method": rec.get_service_method_display() if rec.service_method else "",
        "service_recipient": rec.service_recipient,
        "installment_note": rec.installment_note,
        "urged_at": _d(rec.urged_at),
        "court_applied_at": _d(rec.court_applied_at),
        "transfer_authority": rec.transfer_authority,
        "transfer_date": _d(rec.transfer_date),
        "handover_unit": rec.handover_unit.name if rec.handover_unit_id else "",
        "handover_reason": rec.handover_reason,
        "closing_kind": rec.get_closing_kind_display() if rec.closing_kind else "",
        "closing_report": rec.closing_report,
        "archive_number": rec.archive_number,
        "archive_cabinet": rec.archive_cabinet,
        "archive_box": rec.archive_box,
        "archive_position": rec.archive_position,
        "road_damage": rec.road_damage,
        "road_damage_amount": _amount(rec.road_damage_amount),
        "vessel": " ".join(x for x in (rec.vessel_name, rec.vessel_number, rec.vessel_mmsi) if x),
    }


def _record(r) -> dict:
    return {
        "kind": r.get_kind_display(),
        "started_at": _d(r.started_at),
        "ended_at": _d(r.ended_at),
        "place": r.place,
        "recorder": _person(r.recorder),
        "interviewee": r.interviewee,
        "content": r.content,
        "qa": [{"q": str(x.get("q", "")), "a": str(x.get("a", ""))} for x in (r.qa or []) if isinstance(x, dict)],
    }


def _evidence(case) -> list[dict]:
    links = case.evidence_links.select_related("item").order_by("linked_at", "id")
    return [
        {
            "title": link.item.title,
            "category": link.item.get_category_display(),
            "captured_at": _d(link.item.captured_at),
            "place": link.item.place,
            "description": link.description or link.item.description,
            "sm3": link.item.sm3,
        }
        for link in links
    ]


def lookup(facts: dict, key: str):
    """The value of a dotted key (no `*`) in `facts`; "" when absent."""
    value = facts
    for part in key.split("."):
        if not isinstance(value, dict):
            return ""
        value = value.get(part, "")
    return value


def missing_facts(facts: dict, required: list[str]) -> list[str]:
    """Chinese labels of the required facts that are empty (a list fact: no item)."""
    return [label(key) for key in required if not lookup(facts, key)]
