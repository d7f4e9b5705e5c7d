"""Demo data of 统计分析, run by `manage.py seed_demo` after the domain apps' own demo data: enough history for every
report and board to show real numbers, the 失信 rules and their candidates, the daily aggregate, and last month's
statutory reports (generated as the monthly job does, with the todo to 法制科). Idempotent.

Outside the test settings the history is filled up with `generate_cases` (3,000 cases over two years, a tenth of
the freight ones weighed as 治超 checks) and about 150 非法客运 records through the cases app's service; under
the test settings a few records only, so seed_demo stays fast."""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.utils import timezone

HISTORY_CASES = 3000
RULES = [
    (
        "一年内受到行政处罚 3 次以上",
        "repeated",
        {"period_days": 365, "threshold": 3},
        "《交通运输部信用管理办法》严重失信行为认定：一年内多次违法",
    ),
    (
        "非法营运且罚款 1 万元以上",
        "serious_cause",
        {"min_fine": 10000, "cause_keywords": "未取得,非法,擅自"},
        "未取得经营许可擅自从事道路运输经营，情节严重",
    ),
    ("逾期 30 日不缴纳罚款", "unpaid", {"overdue_days": 30}, "拒不履行行政处罚决定"),
]


def load_demo() -> dict[str, int]:
    from teis.cases.models import EnforcementCase

    from ..models import DishonestyRule, StatutoryReport
    from ..services import aggregate, dishonesty, statutory

    out: dict[str, int] = {}
    testing = getattr(settings, "TESTING", False)
    if not testing and EnforcementCase.objects.count() < 1000:
        out["统计演示历史案件"] = _history()
    made = _illegal_transport(10 if testing else 150)
    if made:
        out["非法客运记录"] = made
    first_time = not DishonestyRule.objects.exists()
    if first_time:
        for name, kind, values, basis in RULES:
            DishonestyRule.objects.create(name=name, kind=kind, basis=basis, **values)
        out["失信认定规则"] = len(RULES)
    aggregate.rebuild()
    legal = _user("legal")
    if legal is not None and first_time:  # once: a run is audited, and seed_demo twice must change nothing
        result = dishonesty.do_run_rules(legal)
        if result["added"]:
            out["失信候选主体"] = result["added"]
    if not StatutoryReport.objects.exists():
        out["法定月报"] = len(statutory.generate_due(actor=None))
    if legal is not None:
        out.update(_evaluation(legal))
    return out


INDICATORS = [
    ("案件办理质量", 30, "事实清楚、证据确实充分"),
    ("执法程序规范", 25, "立案、调查、告知、决定、送达程序合法"),
    ("法律适用准确", 20, "定性准确，依据正确，裁量适当"),
    ("文书制作规范", 15, "文书齐全、格式规范、内容完整"),
    ("案卷归档完整", 10, "卷内材料齐全，按序装订归档"),
]


def _evaluation(legal) -> dict[str, int]:
    """One 评议考核 batch of last year: its indicators, two units, two officers and case files drawn through the
    case sampling, started, and about half of the objects scored (the rest left to the reviewers)."""
    from teis.core.services import ServiceError
    from teis.org.models import Officer, Unit

    from ..choices import TargetKind
    from ..models import EvaluationBatch
    from ..services import evaluation as ev

    year = timezone.localdate().year - 1
    if EvaluationBatch.objects.filter(year=year).exists():
        return {}
    unit = ev.organiser_unit(legal)
    if unit is None:
        return {}
    batch = ev._create(
        legal,
        {
            "name": f"{year}年度执法评议考核",
            "year": year,
            "description": "年度执法质量评议考核：单位、执法人员与案卷评查。",
        },
        unit,
    )
    for name, weight, text in INDICATORS:
        batch = ev.do_add_indicator(legal, batch, name=name, weight=weight, description=text)
    for u in Unit.objects.filter(path__startswith=unit.path, unit_type__in=("detachment", "brigade")).order_by("path")[
        :2
    ]:
        batch = ev.do_add_object(legal, batch, kind=TargetKind.UNIT, unit=u)
    officers = Officer.objects.filter(
        unit__path__startswith=unit.path, unit__unit_type="squad", roles__code="field_officer"
    ).order_by("unit__path", "pk")
    for officer in officers.distinct()[:2]:
        batch = ev.do_add_object(legal, batch, kind=TargetKind.OFFICER, officer=officer)
    # the case files are drawn by a reviewer whose data scope holds closed cases (the 法制科 account's subtree is the
    # department itself: it sees no case); a district brigade's 法制员 in the demo tree
    drawer = _case_drawer(legal)
    if drawer is not None:
        try:
            batch = ev.do_draw_cases(drawer, batch, mode="random", size=6, seed=year)
        except ServiceError:
            pass  # no closed case in scope: units and officers only
    batch = ev.do_start(legal, batch)
    rng = random.Random(year)
    indicators = list(batch.indicators.all())
    targets = list(batch.targets.order_by("pk"))
    for target in targets[: (len(targets) + 1) // 2]:
        scores = {str(i.pk): round(i.weight * rng.uniform(0.7, 1.0), 1) for i in indicators}
        ev.do_score(legal, target, scores=scores, comments="总体规范，个别文书填写不完整。")
    return {"评议考核批次": 1, "考核对象": len(targets)}


def _case_drawer(legal):
    from teis.cases.services import sampling
    from teis.org.models import Officer

    candidates = [legal] + [
        o.user
        for o in Officer.objects.filter(roles__code="legal_reviewer", user__is_active=True)
        .select_related("user")
        .order_by("unit__path")
    ]
    for user in candidates:
        if user.has_perm(sampling.PERMISSION) and sampling.eligible_cases(user).exists():
            return user
    return None


def _user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def _history() -> int:
    from decimal import Decimal

    from teis.cases.management.commands.generate_cases import generate
    from teis.cases.models import EnforcementCase

    first = EnforcementCase.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    n = generate(HISTORY_CASES, batch=1000, seed=20260101, log=lambda m: None)
    rng = random.Random(7)
    weighed = []
    for case in EnforcementCase.objects.filter(pk__gt=first, business_line__code__in=("freight", "overload")):
        if rng.random() < 0.5:
            limit = rng.choice((18000, 25000, 31000, 43000, 49000))
            ratio = rng.choice((0, 0, 0, 5, 12, 30, 55, 80, 110))
            case.axles = rng.choice((2, 3, 4, 5, 6))
            case.weight_limit_kg = limit
            case.gross_weight_kg = int(limit * (100 + ratio) / 100)
            case.overload_ratio = Decimal(ratio)
            weighed.append(case)
    EnforcementCase.objects.bulk_update(weighed, ["axles", "weight_limit_kg", "gross_weight_kg", "overload_ratio"])
    # generate_cases records the amount paid without its date: paid within three weeks of the decision
    for case in EnforcementCase.objects.filter(pk__gt=first, paid_amount__gt=0, paid_at=None, decided_at__isnull=False):
        case.paid_at = case.decided_at + dt.timedelta(days=rng.randrange(1, 21))
        weighed.append(case)
    EnforcementCase.objects.bulk_update([c for c in weighed if c.paid_at is not None], ["paid_at"], batch_size=1000)
    return n


def _illegal_transport(count: int) -> int:
    """非法客运 records over the last year, registered by the demo officers of several squads through the cases
    app's own service (the registry's writes)."""
    from teis.cases.models import IllegalTransportRecord
    from teis.core.registry import registry
    from teis.org.models import Officer

    if IllegalTransportRecord.objects.count() >= count:
        return 0
    by_unit: dict[int, object] = {}
    for officer in (
        Officer.objects.filter(user__is_active=True, unit__unit_type="squad", roles__code="field_officer")
        .select_related("user")
        .order_by("unit__path", "pk")
    ):
        by_unit.setdefault(officer.unit_id, officer)  # one officer per squad, all over the corps
    officers = list(by_unit.values())
    if not officers:
        return 0
    config = registry.get("cases.illegaltransportrecord")
    rng = random.Random(42)
    now = timezone.now()
    places = ["虹桥火车站", "浦东机场T2", "上海南站", "人民广场", "五角场", "莘庄地铁站", "松江大学城", "外高桥"]
    made = 0
    for i in range(count):
        officer = officers[i % len(officers)]
        when = now - dt.timedelta(days=rng.randrange(0, 365), hours=rng.randrange(0, 24))
        data = {
            "plate": f"沪{rng.choice('ABCDEFGHJK')}{rng.randrange(10000, 99999)}",
            "driver_name": rng.choice("王李张刘陈杨黄赵") + rng.choice(["强", "伟", "军", "磊", "涛"]),
            "driver_id_number": "",
            "occurred_at": when,
            "place": rng.choice(places),
            "passengers": rng.randrange(1, 6),
            "description": "无营运资质车辆在站点揽客，按里程议价收费",
        }
        config.service.do_create(officer.user, IllegalTransportRecord, data)
        made += 1
    return made
