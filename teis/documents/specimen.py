"""A specimen case record (realistic values for every placeholder) for the catalogue's pictures
(docs/documents/*.png), the benchmark and the template editor's 样张 — no database needed."""

from __future__ import annotations

import copy

from .sample import sample_facts

_SPECIMEN = {
    "authority": {"name": "上海市交通委员会执法总队"},
    "unit": {"name": "浦东大队第一中队", "short_name": "浦东一中"},
    "case": {
        "code": "310000011261207001",
        "title": "出租汽车驾驶员拒载案",
        "cause": "出租汽车驾驶员拒载",
        "source": "现场检查",
        "procedure": "一般程序",
        "business_line": "出租汽车",
        "facts": "2026年11月30日14时20分，当事人驾驶沪B·D1234号出租汽车在浦东国际机场T2出租车候客区，"
        "以目的地路程较近为由拒绝载客。",
        "investigation": "执法人员现场询问当事人及乘客，调取车载视频，当事人对拒载事实无异议。",
        "place": "浦东国际机场T2出租车候客区",
        "discovered_at": "2026年11月30日 14时20分",
        "filed_at": "2026年12月01日 09时10分",
        "deadline": "2027年03月01日",
        "decision_type": "给予行政处罚",
        "fine_amount": "500.00",
        "fine_upper": "伍佰元整",
        "confiscated_amount": "",
        "decided_at": "2026年12月20日",
        "served_at": "2026年12月20日 10时30分",
        "payment_due": "2027年01月04日",
        "paid_amount": "500.00",
        "closed_at": "2027年01月05日",
        "archive_location": "A1柜 03盒 上层",
        "handler": "王建军",
        "co_handler": "李明",
        "violation_codes": "1113001 出租汽车驾驶员拒载",
        "violated": "《上海市出租汽车管理条例》第二十八条第一款",
        "penalty_basis": "《上海市出租汽车管理条例》第四十五条第一款第（二）项",
        "overload": "",
    },
    "party": {
        "kind": "自然人",
        "name": "张三",
        "id_number": "310115198803021234",
        "phone": "13800138000",
        "address": "上海市浦东新区川沙路100弄5号",
        "credit_code": "",
        "legal_representative": "",
    },
    "vehicle": {
        "plate": "沪B·D1234",
        "type": "出租汽车",
        "licence": "沪交运管出字310115001234号",
        "driver": "张三",
        "driver_licence": "3101151988030212",
    },
    "decision": {
        "proposal_facts": "当事人于2026年11月30日在浦东国际机场拒绝载客，事实清楚。",
        "evidence_list": "询问笔录1份、现场照片3张、车载视频1段",
        "legal_basis": "《上海市出租汽车管理条例》第四十五条",
        "penalty_kinds": "罚款",
        "proposal": "建议对当事人处以罚款人民币500元。",
        "notice_served_at": "2026年12月10日 15时00分",
        "statement": "当事人放弃陈述申辩。",
        "statement_adopted": "",
        "hearing_requested_at": "",
        "hearing_notified_at": "2026年12月12日",
        "hearing_held_at": "2026年12月19日",
        "hearing_record": "听证会上当事人对事实无异议，请求从轻处罚。",
        "hearing_report": "经听证，案件事实清楚，建议维持拟处罚意见。",
        "legal_opinion": "事实清楚，证据确凿，适用依据正确，程序合法，同意。",
        "legal_reviewer": "赵法审",
        "discussion_minutes": "集体讨论一致同意处罚意见。",
        "discussion_at": "2026年12月18日 10时00分",
        "reason": "当事人违法行为轻微并及时改正，没有造成危害后果。",
        "service_method": "直接送达",
        "service_recipient": "张三",
        "installment_note": "同意当事人分两期缴纳，首期于2027年1月4日前缴纳250元。",
        "urged_at": "2027年01月10日",
        "court_applied_at": "",
        "transfer_authority": "上海市公安局浦东分局",
        "transfer_date": "2026年12月05日",
        "handover_unit": "闵行大队第二中队",
        "handover_reason": "违法行为发生地属闵行区管辖。",
        "closing_kind": "执行完毕",
        "closing_report": "当事人已于2027年1月3日缴清罚款，本案执行完毕，建议结案。",
        "archive_number": "2027-浦东-001",
        "archive_cabinet": "A1",
        "archive_box": "03",
        "archive_position": "上层",
        "road_damage": "",
        "road_damage_amount": "",
        "vessel": "",
    },
    "records": [
        {
            "kind": "询问笔录",
            "started_at": "2026年12月01日 10时00分",
            "ended_at": "2026年12月01日 10时40分",
            "place": "浦东机场执法点",
            "recorder": "李明",
            "interviewee": "张三",
            "content": "",
            "qa": [
                {
                    "q": "我们是上海市交通委员会执法总队的执法人员，这是我们的执法证件，你看清楚了吗？",
                    "a": "看清楚了。",
                },
                {"q": "2026年11月30日14时许，你是否在浦东机场T2候客区拒绝载客？", "a": "是的，乘客要去的地方太近了。"},
                {"q": "你对以上事实有无异议？", "a": "没有异议。"},
            ],
        },
        {
            "kind": "现场笔录",
            "started_at": "2026年11月30日 14时25分",
            "ended_at": "2026年11月30日 14时50分",
            "place": "浦东国际机场T2出租车候客区",
            "recorder": "王建军",
            "interviewee": "乘客孙某（见证人）",
            "content": "执法人员在候客区巡查时，发现沪B·D1234号出租汽车驾驶员拒绝载客，乘客孙某在场证明。",
            "qa": [],
        },
        {
            "kind": "勘验笔录",
            "started_at": "2026年11月30日 15时00分",
            "ended_at": "2026年11月30日 15时20分",
            "place": "浦东国际机场T2出租车候客区",
            "recorder": "王建军",
            "interviewee": "张三",
            "content": "对沪B·D1234号出租汽车计价器、车载视频设备进行勘验，设备工作正常。",
            "qa": [],
        },
        {
            "kind": "陈述申辩笔录",
            "started_at": "2026年12月11日 09时00分",
            "ended_at": "2026年12月11日 09时20分",
            "place": "浦东大队",
            "recorder": "李明",
            "interviewee": "张三",
            "content": "",
            "qa": [{"q": "你对拟作出的行政处罚有何陈述申辩？", "a": "我放弃陈述申辩。"}],
        },
        {
            "kind": "听证笔录",
            "started_at": "2026年12月19日 14时00分",
            "ended_at": "2026年12月19日 15时00分",
            "place": "总队听证室",
            "recorder": "周书记",
            "interviewee": "张三",
            "content": "听证主持人宣布听证开始，核对当事人身份，告知权利义务。",
            "qa": [{"q": "当事人有何意见？", "a": "请求从轻处罚。"}],
        },
    ],
    "evidence": [
        {
            "title": "现场照片（候客区）",
            "category": "照片",
            "captured_at": "2026年11月30日 14时22分",
            "place": "浦东国际机场T2",
            "description": "证明拒载发生的地点",
            "sm3": "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        },
        {
            "title": "车载视频",
            "category": "视频",
            "captured_at": "2026年11月30日 14时19分",
            "place": "沪B·D1234车内",
            "description": "证明驾驶员拒绝载客的过程",
            "sm3": "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732",
        },
    ],
    "payments": [{"amount": "500.00", "paid_at": "2027年01月03日 11时00分", "receipt_number": "PJ20270103001"}],
    "has": {"inquiry": "有", "scene": "有", "examination": "有", "statement": "有", "hearing": "有", "evidence": "有"},
    "documents": [
        {"name": "立案登记表", "number": "沪交执立〔2026〕00012号", "date": "2026-12-01", "page": "3"},
        {"name": "询问笔录", "number": "沪交执询〔2026〕00031号", "date": "2026-12-01", "page": "4"},
        {"name": "违法行为通知书", "number": "沪交执违通〔2026〕00008号", "date": "2026-12-10", "page": "6"},
        {"name": "行政处罚决定书", "number": "沪交执罚决〔2026〕00007号", "date": "2026-12-20", "page": "8"},
        {"name": "送达回证", "number": "沪交执送〔2026〕00019号", "date": "2026-12-20", "page": "9"},
        {"name": "结案报告", "number": "沪交执结〔2027〕00001号", "date": "2027-01-05", "page": "10"},
    ],
}


def specimen_facts() -> dict:
    """Every placeholder of SCHEMA with a realistic value (missing ones fall back to their labels)."""
    facts = sample_facts()
    for key, value in _SPECIMEN.items():
        if isinstance(value, dict):
            facts.setdefault(key, {}).update(value)
        else:
            facts[key] = copy.deepcopy(value)
    return facts
