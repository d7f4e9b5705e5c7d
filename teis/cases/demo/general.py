"""Demo general-procedure cases (一般程序), made through the services as the real roles would: each case is
pre-registered by a field officer (`intake.do_pre_register`), and every step of its process is completed by a user
the engine offered it to (the task's todo), with the facts that step records (`services.record`).

Cases are written on a demo clock (`DemoClock`): the services run as if at a moment in the past and the clock
moves on between steps, so dates are spread over the last year and in order (filing, notice, hearing seven days
after its notice, decision, service, payment, archive) and the audit trail, deadlines and durations read like real
work. Audit rows keep their own insertion time (`default=timezone.now` is not the clock): the audit log tells the
truth about when the demo was seeded.

`STORIES` lists what is made: archived cases with their full record (major cases with a 集体讨论, hearings, a
deviation from the benchmark approved at 法制审核, 不予处罚, 行政复议, the 路政 / 水上 / 海事 variants), cases
stopped at every step of the procedure, one not filed and one transferred to the judicial authority.
Idempotent: nothing is made once a case titled with the demo mark exists.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

from teis.core.services import ServiceError

logger = logging.getLogger(__name__)

MARK = "（演示）"
ARCHIVED = "archived"


@dataclass(frozen=True)
class Story:
    """One demo case: where it stops (`stop` = the step left open; ARCHIVED = the whole procedure) and how it goes."""

    stop: str
    days_ago: int
    line: str = ""
    major: bool = False
    hearing: bool = False
    deviation: bool = False
    no_penalty: bool = False
    remedy: bool = False
    reject_filing: bool = False
    criminal: bool = False
    by_demo_officer: bool = False


def _archived() -> list[Story]:
    out = []
    lines = ["", "", "road_admin", "", "waterway", "", "maritime", "", "", "road_admin", "", "waterway"]
    for i in range(24):
        out.append(
            Story(
                ARCHIVED,
                days_ago=340 - i * 13,
                line=lines[i % len(lines)],
                major=i % 6 == 1,
                hearing=i % 6 == 1 or i % 8 == 3,
                deviation=i % 9 == 4,
                no_penalty=i % 11 == 7,
                remedy=i % 10 == 5,
                by_demo_officer=i % 3 == 0,
            )
        )
    return out


def _open() -> list[Story]:
    steps = [
        ("Task_PreRegister", 2),
        ("Task_FilingApproval", 3),
        ("Task_Register", 6),
        ("Task_CaseApproval", 9),
        ("Task_Finding", 12),
        ("Task_Statement", 14),
        ("Task_DeptApproval", 16),
        ("Task_LegalReview", 18),
        ("Task_LeaderApproval", 21),
        ("Task_Decision", 24),
        ("Task_Execution", 30),
        ("Task_Archive", 45),
        ("Task_ArchiveReview", 50),
    ]
    out = [Story(step, days, by_demo_officer=True) for step, days in steps]
    out += [
        Story("Task_FilingApproval", 1),
        Story("Task_Register", 4, line="road_admin"),
        Story("Task_LegalReview", 20, deviation=True, by_demo_officer=True),
        Story("Task_Hearing", 26, hearing=True, by_demo_officer=True),
        Story("Task_Discussion", 28, major=True),
        Story("Task_Execution", 60, by_demo_officer=True),  # unpaid past its due date: 加处罚款 accrues
        Story("Task_Register", 8, line="maritime"),
        Story("Task_Finding", 10, line="waterway"),
        Story("none", 40, reject_filing=True),
        Story("none", 70, criminal=True),
    ]
    return out


STORIES: list[Story] = _archived() + _open()
# Under the test settings `seed_demo` (run by several tests) makes only these; `test_demo_cases` makes them all.
TEST_SAMPLE = (0, 1, 24, 31, 34)


def demo_stories() -> list[Story]:
    from django.conf import settings

    if getattr(settings, "TESTING", False):
        return [STORIES[i] for i in TEST_SAMPLE]
    return STORIES


class DemoClock:
    """`timezone.now()` for the services while the demo is written: starts in the past, moves forward by
    `advance`, never beyond the real present."""

    def __init__(self, start: dt.datetime):
        self.real = timezone.now
        self.at = start

    def now(self) -> dt.datetime:
        return self.at

    def advance(self, hours: float) -> dt.datetime:
        limit = self.real() - dt.timedelta(minutes=2)
        self.at = min(self.at + dt.timedelta(hours=hours), limit)
        return self.at

    @contextmanager
    def running(self):
        with mock.patch("django.utils.timezone.now", self.now):
            yield self


# --- people ---------------------------------------------------------------------------------------------------


def _handlers():
    """Field officers who register cases: the demo `officer` and the field officers of other squads."""
    from django.contrib.auth import get_user_model

    from teis.org.choices import UnitType

    users = list(
        get_user_model()
        .objects.filter(
            is_active=True,
            officer__roles__code="field_officer",
            officer__unit__unit_type=UnitType.SQUAD,
        )
        .select_related("officer__unit")
        .distinct()
        .order_by("officer__unit__path", "pk")
    )
    demo = next((u for u in users if u.username == "officer"), None)
    others = [u for u in users if u.username != "officer"]
    return demo, others


def _offered_user(wt, handler):
    """Who completes the task: its assignee, else the handler when the engine offered it to them, else the first
    user the engine posted its todo to."""
    from teis.core.models import TodoItem, TodoStatus

    if wt.assignee_id:
        return wt.assignee
    users = [
        t.user
        for t in TodoItem.objects.filter(source_key=f"wf:{wt.pk}", status=TodoStatus.OPEN)
        .select_related("user")
        .order_by("pk")
    ]
    if handler in users:
        return handler
    return users[0] if users else None


# --- legal data -----------------------------------------------------------------------------------------------


@dataclass
class Offence:
    cause: object
    code: object
    level: object  # DiscretionLevel with a fine range


def _offences(line: str) -> list[Offence]:
    from teis.legal.models import CaseCause, DiscretionLevel

    levels = (
        DiscretionLevel.objects.filter(
            benchmark__is_active=True,
            benchmark__violation_code__is_current=True,
            benchmark__violation_code__status="active",
            fine_min__isnull=False,
            fine_max__gte=200,
        )
        .select_related("benchmark__violation_code__business_line")
        .order_by("benchmark__violation_code__code", "order")
    )
    if line:
        levels = levels.filter(benchmark__violation_code__business_line__code=line)
    out = []
    for level in levels[:120]:
        code = level.benchmark.violation_code
        cause = CaseCause.objects.filter(violation_codes=code, status="active", is_deleted=False).first()
        if cause is not None and level.name.startswith("一般"):
            out.append(Offence(cause, code, level))
    return out


# --- what each step records -------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国志红"
PLACES = [
    "世纪大道与东方路路口",
    "延安高架入口",
    "虹桥枢纽 P9 停车场",
    "浦东机场 T2 到达层",
    "外滩陈毅广场",
    "沪嘉高速收费站",
]
WATER_PLACES = ["黄浦江十六铺码头", "苏州河长寿路桥下", "大治河船闸", "吴淞口锚地"]


def _person(rng: random.Random) -> dict:
    from stdnum.cn import ric

    birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 35))
    body = f"310115{birth:%Y%m%d}{rng.randrange(100, 999)}"
    return {
        "kind": "person",
        "name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
        "id_number": body + ric.calc_check_digit(body + "0"),  # the check digit of the first 17
        "phone": f"139{rng.randrange(10000000, 99999999)}",
        "address": f"上海市浦东新区{rng.choice(['张杨路', '浦电路', '锦绣路'])}{rng.randrange(1, 999)}号",
    }


def _organisation(rng: random.Random) -> dict:
    from stdnum.cn import uscc

    body = f"91310115MA1F{rng.randrange(10000, 99999)}"
    return {
        "kind": "organisation",
        "name": f"上海{rng.choice(['通达', '顺远', '申航', '海港'])}{rng.choice(['运输', '物流', '航运'])}有限公司",
        "credit_code": body + uscc.calc_check_digit(body + "0"),
        "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN),
    }


def _plate(rng: random.Random) -> str:
    return f"沪{rng.choice('ABDEFGHJKL')}·{rng.randrange(10000, 99999)}"


def _pre_register_data(story: Story, offence: Offence, rng: random.Random, clock: DemoClock) -> dict:
    water = story.line in ("waterway", "maritime")
    party = _organisation(rng) if water or rng.random() < 0.3 else _person(rng)
    data = {
        "title": f"{party['name']}{offence.code.name[:40]}{MARK}",
        "source": rng.choice(["on_site", "on_site", "complaint", "assigned", "non_site"]),
        "business_line": story.line or (offence.code.business_line.code if offence.code.business_line_id else ""),
        "case_cause": offence.cause.pk,
        "violation_codes": [offence.code.code],
        "facts": f"经现场检查，{party['name']}{offence.code.name}，违反相关规定。",
        "place": rng.choice(WATER_PLACES if water else PLACES),
        "discovered_at": clock.at - dt.timedelta(hours=2),
        "is_major": story.major,
        "parties": [party],
    }
    if not water:
        data["vehicles"] = [{"plate": _plate(rng), "vehicle_type": "小型普通客车"}]
    return data


def _fine(story: Story, offence: Offence) -> Decimal:
    """Mid-range of the chosen level; a deviation goes above the level, within the statutory maximum."""
    level = offence.level
    if story.deviation and offence.code.fine_max and offence.code.fine_max > level.fine_max:
        return min(level.fine_max * 2, offence.code.fine_max).quantize(Decimal("1"))
    return ((level.fine_min + level.fine_max) / 2).quantize(Decimal("1"))


def _legal_basis(case) -> str:
    from teis.cases.services.case import legal_basis

    rows = legal_basis(case)
    return "；".join("、".join(row["violated"] + row["penalty"]) or row["legacy"] for row in rows)[:1000]


def _register_facts(case, offence: Offence, name: str, now: dt.datetime) -> dict:
    return {
        "investigation": f"经询问当事人、调取现场照片和视频，{offence.code.name}事实清楚。",
        "record_kind": "inquiry",
        "record_started_at": now - dt.timedelta(hours=1),
        "record_place": "执法大队询问室",
        "record_interviewee": name,
        "record_qa": (
            "问：我们是交通执法人员，现依法对你进行询问，你是否听清楚？\n答：听清楚了。\n"
            f"问：请陈述当时的情况。\n答：{offence.code.name[:30]}，是我的责任。\n"
            "问：以上记录是否属实？\n答：属实。"
        ),
    }


def _variant_facts(case, rng: random.Random) -> dict:
    """What the 路政 and 水上 / 海事 diagrams' own 案件登记 forms add."""
    if case.process_key == "case_general_road":
        damaged = rng.random() < 0.7
        return {
            "record_kind": "examination",
            "record_content": "对受损护栏、标志牌进行勘验，拍照取证。",
            "road_damage_settlement": rng.choice(["paid", "agreed"]) if damaged else "none",
            "road_damage": f"波形护栏损坏 {rng.randrange(2, 12)} 米，交通标志牌 1 块" if damaged else "",
            "road_damage_amount": str(rng.randrange(800, 9000)) if damaged else "",
        }
    if case.process_key in ("case_general_water", "case_general_maritime"):
        return {
            "record_kind": "scene",
            "record_content": "登轮检查，船舶证书、船员配备情况已核对。",
            "vessel_name": rng.choice(["沪航", "申港", "浦江", "吴淞"]) + f"{rng.randrange(1, 999)}",
            "vessel_number": f"CN20{rng.randrange(10, 25)}{rng.randrange(10**6, 10**7)}",
            "vessel_mmsi": f"41{rng.randrange(10**6, 10**7)}",
        }
    return {}


def _facts(step: str, story: Story, case, offence: Offence, rng: random.Random, clock: DemoClock) -> dict:
    """The facts a step records, dated by the clock (which has just moved to the step's moment)."""
    from teis.cases.models import CaseDecision

    now = clock.at
    party = case.parties.first()
    name = party.name if party else "当事人"
    if step == "Task_Register":
        return {**_register_facts(case, offence, name, now), **_variant_facts(case, rng), "criminal": story.criminal}
    if step == "Task_CaseApproval":
        return {"criminal": story.criminal}
    if step == "Task_Finding":
        if story.no_penalty:
            return {
                "decision_type": "no_penalty",
                "decision_reason": "违法行为轻微并及时改正，没有造成危害后果（行政处罚法第三十三条）",
                "notice_served_at": now,
            }
        level = offence.level
        data = {
            "decision_type": "penalty",
            "penalty_kinds": ["fine"],
            "fine_amount": str(_fine(story, offence)),
            "violation_code": offence.code,
            "discretion_level": str(level.pk),
            "conditions_met": list(level.conditions or []),
            "legal_basis": _legal_basis(case),
            "proposal_facts": case.facts,
            "evidence_list": "1. 询问笔录；2. 现场照片 3 张；3. 执法记录仪视频 1 段",
            "proposal": "建议依法给予罚款处罚",
            "notice_served_at": now,
            "hearing": story.hearing,
        }
        if story.deviation:
            data["discretion_reason"] = "当事人多次违法且拒不改正，社会影响恶劣，拟从重处罚"
        if story.hearing:
            data["hearing_requested_at"] = timezone.localtime(now).date()
        return data
    if step == "Task_Statement":
        adopted = rng.random() < 0.3
        return {
            "statement_content": f"{name}称系初次违法，请求从轻处罚。" if rng.random() < 0.6 else "当事人放弃陈述申辩",
            "statement_adopted": ("adopted" if adopted else "rejected") if rng.random() < 0.6 else "",
            "statement_reason": "当事人所述情况与调查事实相符" if adopted else "所述理由不能成立",
        }
    if step == "Task_Hearing":
        rec = CaseDecision.objects.get(case=case)
        notified = rec.hearing_requested_at
        return {
            "hearing_notified_at": notified,
            "hearing_held_at": timezone.localtime(now).date(),
            "hearing_record": f"听证主持人宣布听证开始……{name}的代理人陈述意见……",
            "hearing_report": "经听证，案件事实清楚，证据确凿，建议维持拟作出的处罚决定。",
        }
    if step == "Task_LegalReview":
        data = {"legal_opinion": "事实清楚，证据确凿，程序合法，适用法律正确，裁量适当，同意。"}
        if story.deviation:
            data["discretion_verdict"] = "approve"
            data["legal_opinion"] = "偏离裁量基准的理由充分，同意从重处罚。"
        return data
    if step == "Task_Discussion":
        return {"discussion_minutes": "同意承办机构的处理意见"}
    if step == "Task_Decision":
        return {
            "decided_at": now - dt.timedelta(hours=3),
            "served_at": now,
            "service_method": rng.choice(["direct", "direct", "post", "left"]),
            "service_recipient": name,
            "remedy": story.remedy,
        }
    if step == "Task_Remedy":
        return {
            "remedy_kind": "reconsideration",
            "remedy_filed_at": timezone.localtime(now).date(),
            "remedy_result": "upheld",
            "remedy_effect": "复议机关维持原处罚决定，继续执行",
        }
    if step == "Task_Execution":
        if story.no_penalty or not case.fine_amount:
            return {}
        return {
            "payment_amount": str(case.fine_amount),
            "paid_at": now,
            "receipt_number": f"沪罚票{rng.randrange(10**7, 10**8)}",
        }
    if step == "Task_Archive":
        return {
            "closing_kind": "no_penalty" if story.no_penalty else "executed",
            "closing_report": "案件事实清楚，处罚决定已执行完毕，建议结案归档。"
            if not story.no_penalty
            else "经调查，依法不予行政处罚，建议结案归档。",
        }
    if step == "Task_ArchiveReview":
        year = timezone.localtime(now).year
        return {
            "archive_number": f"{year}-XZCF-{case.pk:04d}",
            "archive_cabinet": f"A{1 + case.pk % 4}",
            "archive_box": f"{1 + case.pk % 30:02d}",
            "archive_position": rng.choice(["上层", "中层", "下层"]),
        }
    if step == "Task_JudicialTransfer":
        return {
            "transfer_authority": "上海市公安局浦东分局",
            "transfer_date": timezone.localtime(now).date(),
            "transfer_receipt": f"沪公浦受字〔{timezone.localtime(now).year}〕{case.pk}号",
        }
    return {}


# How long each step takes in the demo (hours the clock moves before the step is completed).
STEP_HOURS = {
    "Task_PreRegister": 1,
    "Task_FilingApproval": 20,
    "Task_Register": 70,
    "Task_CaseApproval": 24,
    "Task_Finding": 30,
    "Task_Statement": 80,
    "Task_Hearing": 10 * 24,  # held at least seven days after its notice
    "Task_DeptApproval": 22,
    "Task_LegalReview": 30,
    "Task_Discussion": 48,
    "Task_LeaderApproval": 20,
    "Task_Decision": 26,
    "Task_Remedy": 5 * 24,
    "Task_Execution": 6 * 24,
    "Task_Archive": 48,
    "Task_ArchiveReview": 30,
}


def _open_tasks(case):
    from teis.workflow.choices import TaskStatus
    from teis.workflow.models import WorkTask

    return list(
        WorkTask.objects.filter(instance_id=case.process_id, status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED])
        .select_related("assignee")
        .order_by("pk")
    )


def _walk(story: Story, case, offence: Offence, handler, rng: random.Random, clock: DemoClock) -> None:
    from teis.workflow import services as wf
    from teis.workflow.choices import Decision

    for _ in range(60):  # a bound on the loop: a diagram change must not hang the seeding
        case.refresh_from_db()
        tasks = _open_tasks(case)
        if not tasks or tasks[0].spec_name == story.stop:
            return
        for wt in tasks:
            step = wt.spec_name
            user = _offered_user(wt, handler)
            if user is None:
                raise ServiceError("demo_nobody", f"演示数据：环节“{wt.name}”无人可办")
            clock.advance(STEP_HOURS.get(step, 24) * rng.uniform(0.8, 1.3))
            if step == "Task_FilingApproval" and story.reject_filing:
                wf.complete_task(user, wt, Decision.REJECT, "证据不足，不予立案", {})
                continue
            data = _facts(step, story, case, offence, rng, clock)
            wf.complete_task(user, wt, Decision.APPROVE, "同意", data)


def _make(story: Story, handler, rng: random.Random, catalogue: dict[str, list[Offence]]) -> bool:
    from teis.cases.services import intake

    for line in (story.line, ""):
        if line not in catalogue:
            catalogue[line] = _offences(line)
    offences = catalogue[story.line] or catalogue[""]
    if not offences:
        return False
    offence = rng.choice(offences)
    start = timezone.now() - dt.timedelta(days=story.days_ago, hours=rng.randrange(0, 6))
    start = start.replace(hour=9, minute=rng.randrange(0, 59))
    clock = DemoClock(start)
    with clock.running(), transaction.atomic():
        case = intake.do_pre_register(handler, _pre_register_data(story, offence, rng, clock))
        _walk(story, case, offence, handler, rng, clock)
    return True


def load_general_demo(stories: list[Story] | None = None) -> dict[str, int]:
    from teis.cases.models import EnforcementCase

    if EnforcementCase.objects.filter(title__endswith=MARK).exists():
        return {}
    demo, others = _handlers()
    if demo is None:
        return {}
    stories = stories if stories is not None else demo_stories()
    by_line = {
        line: [u for u in others if u.officer.unit.business_lines.filter(code=line).exists()]
        for line in {s.line for s in stories if s.line}
    }
    rng = random.Random(20261207)
    catalogue: dict[str, list[Offence]] = {}
    made = 0
    for i, story in enumerate(stories):
        pool = by_line.get(story.line) or others
        handler = demo if (story.by_demo_officer and not story.line) or not pool else pool[i % len(pool)]
        try:
            made += _make(story, handler, rng, catalogue)
        except ServiceError as err:
            logger.warning("demo case %s skipped: %s %s", i, err.message, err.fields)
    return {"一般程序案件": made} if made else {}
