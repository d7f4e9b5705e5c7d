"""Demo data of 投诉信访, run by `manage.py seed_demo`: the 反映类别 dictionary, the deadline rules, the petition
process definitions, about 320 archived petitions of the last two years (imported history: closed, with visit
results, no running process) and about 20 live petitions driven through the real services to every step, one of
them overdue and supervised (the deadline job run with an explicit clock; its 情况说明 submitted) and one reopened
after a 不满意 visit. Idempotent: nothing is added when
petitions exist."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

SUBJECTS = {
    "refusal": ("出租车拒载", "乘客在{place}打车，驾驶员以交班为由拒载。"),
    "detour": ("出租车绕道", "乘客从{place}出发，驾驶员故意绕行，多收车费。"),
    "overcharge": ("议价收费", "驾驶员在{place}不打表，一口价收费。"),
    "ride_hailing": ("网约车投诉", "网约车在{place}接单后临时加价，车辆与平台登记不符。"),
    "illegal_transport": ("非法客运", "{place}附近有私家车长期揽客载客。"),
    "bus": ("公交服务", "公交车在{place}站不停靠，驾驶员态度恶劣。"),
    "road_admin": ("路政问题", "{place}路段有施工占道未设置警示标志。"),
    "water": ("水上问题", "{place}水域有船舶违规停泊、夜间作业噪声扰民。"),
    "attitude": ("服务态度", "驾驶员在{place}辱骂乘客。"),
    "other": ("其他反映", "反映{place}周边交通运输秩序问题。"),
}
PLACES = [
    "虹桥火车站",
    "浦东机场T2",
    "人民广场",
    "上海南站",
    "徐家汇",
    "陆家嘴",
    "五角场",
    "外滩",
    "黄浦江杨浦段",
    "吴淞口",
]
PLATE_LETTERS = "ABCDEFGHJK"


def _plate(rng) -> str:
    return f"沪{rng.choice(PLATE_LETTERS)}{rng.randrange(10000, 99999)}"


def _phone(rng) -> str:
    return f"13{rng.randrange(10**9):09d}"


def load_demo() -> dict[str, int]:
    from django.contrib.auth import get_user_model

    from teis.org.models import Unit
    from teis.workflow.services import ensure_definitions, process_files

    from ..models import DeadlineRule, Petition
    from ..services.intake import ensure_categories

    out: dict[str, int] = {}
    created = ensure_categories()
    if created:
        out["反映类别"] = created
    ensure_definitions(None, [p for p in process_files() if p.name.startswith("petition_")])
    from ..choices import Channel

    for channel in Channel.values:
        DeadlineRule.objects.get_or_create(channel=channel)
    if Petition.objects.exists():
        return out
    User = get_user_model()
    registrar = User.objects.filter(username="command").first()
    if registrar is None or not hasattr(registrar, "officer"):
        return out
    squads = list(Unit.objects.filter(unit_type="squad", is_active=True).order_by("path")[:40])
    brigades = list(Unit.objects.filter(unit_type__in=("brigade", "district_brigade"), is_active=True)[:20])
    if not squads:
        return out
    rng = random.Random(20251)
    out["历史信访件"] = _history(rng, registrar, squads + brigades)
    out["在办信访件"] = _live(rng, registrar, squads)
    return out


def _history(rng, registrar, units) -> int:
    from teis.core import crypto
    from teis.core.codes import next_value
    from teis.core.models import DictionaryItem
    from teis.core.workdays import add_workdays

    from ..choices import Channel, PetitionKind, PetitionStatus, Satisfaction
    from ..models import CATEGORY_DICT, Petition

    cats = {c.code: c for c in DictionaryItem.objects.filter(dict_type__code=CATEGORY_DICT)}
    weights = {
        "refusal": 8,
        "detour": 6,
        "overcharge": 5,
        "ride_hailing": 7,
        "illegal_transport": 5,
        "bus": 4,
        "road_admin": 3,
        "water": 2,
        "attitude": 4,
        "other": 2,
    }
    channel_weights = {"hotline": 10, "phone": 4, "web": 3, "letter": 2, "visit": 1, "superior": 2}
    now = timezone.now()
    intake_unit = registrar.officer.unit
    rows = []
    for _ in range(320):
        days_ago = rng.randint(20, 640)
        registered = now - dt.timedelta(days=days_ago, hours=rng.randint(0, 10))
        code = rng.choices(list(weights), weights=list(weights.values()))[0]
        channel = rng.choices(list(channel_weights), weights=list(channel_weights.values()))[0]
        title, text = SUBJECTS[code]
        place = rng.choice(PLACES)
        day = timezone.localtime(registered).date()
        accept_due, finish_due = add_workdays(day, 15), add_workdays(day, 60)
        not_accepted = rng.random() < 0.05
        accepted = registered + dt.timedelta(days=rng.randint(0, 3))
        handled_days = rng.randint(5, 95)
        closed = registered + dt.timedelta(days=handled_days)
        if closed > now:
            closed = now - dt.timedelta(days=1)
        in_time = timezone.localtime(closed).date() <= finish_due
        anonymous = rng.random() < 0.1
        satisfaction = (
            ""
            if not_accepted
            else (
                Satisfaction.UNREACHABLE
                if anonymous
                else rng.choices(
                    [Satisfaction.SATISFIED, Satisfaction.BASIC, Satisfaction.UNSATISFIED, Satisfaction.UNREACHABLE],
                    weights=[60, 22, 12, 6],
                )[0]
            )
        )
        year = timezone.localtime(registered).year
        phone = "" if anonymous else _phone(rng)
        rows.append(
            Petition(
                code=f"XF{year}{next_value(f'petition:{year}'):06d}",
                kind=PetitionKind.PETITION if channel in (Channel.LETTER, Channel.VISIT) else PetitionKind.COMPLAINT,
                channel=channel,
                external_ref=f"GD{year}{rng.randrange(10**7):07d}" if channel == Channel.HOTLINE else "",
                category=cats[code],
                title=f"{title}（{place}）",
                content=text.format(place=place),
                is_anonymous=anonymous,
                complainant_name=""
                if anonymous
                else rng.choice("张王李赵刘陈杨黄周吴") + rng.choice(["先生", "女士", "伟", "芳", "敏"]),
                complainant_phone=phone,
                complainant_phone_index=crypto.blind_index(phone) if phone else "",
                subject_plate="" if code in ("road_admin", "water", "other") else _plate(rng),
                subject_ship=f"沪航{rng.randrange(1000, 9999)}" if code == "water" else "",
                place=place,
                occurred_at=registered - dt.timedelta(hours=rng.randint(1, 48)),
                registered_at=registered,
                created_at=registered,
                registered_by=registrar,
                created_by=registrar,
                intake_unit=intake_unit,
                unit=intake_unit if not_accepted else rng.choice(units),
                status=PetitionStatus.NOT_ACCEPTED if not_accepted else PetitionStatus.CLOSED,
                accept_due=accept_due,
                finish_due=finish_due,
                accepted_at=None if not_accepted else accepted,
                dispatched_at=None if not_accepted else accepted + dt.timedelta(days=1),
                handling_result="" if not_accepted else "经核查，情况属实，已依法处理并答复反映人。",
                handled_at=None if not_accepted else closed - dt.timedelta(days=1),
                closed_at=None if not_accepted else closed,
                closed_in_time=None if not_accepted else in_time,
                satisfaction=satisfaction,
                visited_at=None if not satisfaction else closed + dt.timedelta(days=2),
            )
        )
    Petition.objects.bulk_create(rows, batch_size=200)
    return len(rows)


def _live(rng, registrar, squads) -> int:
    from django.contrib.auth import get_user_model

    from ..services import flow
    from ..services.intake import categories, do_register
    from ..services.supervision import check_deadlines

    User = get_user_model()
    leader = User.objects.filter(username="leader").first()
    cats = list(categories())
    # squads whose squad leader exists, so the handling step has someone to do it
    from teis.workflow.services import role_holders

    handling = [(s, role_holders("squad_leader", s)) for s in squads[:12]]
    handling = [(s, users[0]) for s, users in handling if users]
    if leader is None or not handling:
        return 0
    targets = (
        ["registered"] * 4
        + ["instructing"] * 3
        + ["dispatching"] * 3
        + ["handling"] * 4
        + ["closing"] * 2
        + ["visiting"] * 2
        + ["closed"] * 2
        + ["reopened"]
    )
    now = timezone.now()
    n = 0
    for i, target in enumerate(targets):
        cat = cats[i % len(cats)]
        title, text = SUBJECTS.get(cat.code, SUBJECTS["other"])
        place = rng.choice(PLACES)
        # the first one is an old, still unhandled complaint: the deadline job supervises it below
        when = now - dt.timedelta(days=100) if i == 0 else now - dt.timedelta(days=rng.randint(0, 12), hours=i)
        data = {
            "channel": rng.choice(["hotline", "phone", "web", "letter", "superior"]),
            "category": cat.pk,
            "title": f"{title}（{place}）",
            "content": text.format(place=place),
            "complainant_name": "市民" + "甲乙丙丁戊己庚辛"[i % 8],
            "complainant_phone": _phone(rng),
            "subject_plate": _plate(rng) if cat.code not in ("road_admin", "water", "other") else "",
            "subject_ship": "沪航3121" if cat.code == "water" else "",
            "place": place,
        }
        p = do_register(registrar, data, now=when)
        n += 1
        if target == "registered":
            continue
        p = flow.do_accept(registrar, p, accept=True)
        if target == "instructing":
            continue
        p = flow.do_instruct(leader, p, instruction="请相关单位依法核查处理，按期答复。")
        if target == "dispatching":
            continue
        squad, squad_leader = handling[i % len(handling)]
        p = flow.do_dispatch(registrar, p, unit=squad)
        if target == "handling":
            continue
        p = flow.do_handle(squad_leader, p, result="已调查核实，对驾驶员依法处理，并电话答复反映人。")
        if p.process.definition.key == "petition_water":
            from teis.workflow.services import role_holders as holders

            from ..steps import WATER_REVIEW, handling_target

            unit, role = handling_target(p, WATER_REVIEW)
            reviewers = holders(role, unit)
            if not reviewers:
                continue
            p = flow.do_review(reviewers[0], p, approve=True)
        if target == "closing":
            continue
        p = flow.do_close(registrar, p, approve=True)
        if target == "visiting":
            continue
        if target == "reopened":  # 不满意: back to 承办处理 (重办)
            flow.do_visit(registrar, p, satisfaction="unsatisfied", note="反映人认为问题未解决，要求重新处理。")
            continue
        flow.do_visit(registrar, p, satisfaction="satisfied", note="反映人对处理结果表示满意。")
    check_deadlines(now)
    # the supervised one (still 待受理): 指挥中心 has submitted its 情况说明, awaiting the 督察审核
    from ..choices import SupervisionStatus
    from ..models import PetitionSupervision
    from ..services.supervision import can_explain, do_explain

    for sup in PetitionSupervision.objects.filter(status=SupervisionStatus.OPEN)[:1]:
        if can_explain(registrar, sup):
            do_explain(registrar, sup, explanation="登记后因来件集中未及时受理，已安排专人当日受理并每日清理积压。")
    return n
