"""`manage.py generate_cases --count N [--batch 5000] [--seed S]`: realistic cases for demos and benchmarks.

Cases are spread over the units that have officers (handled by those officers), the business lines, the
procedures, statuses and matching workflow steps, with dates over the last two years, fines and payment
states, one party each (persons with encrypted 身份证号 / phone / address, or organisations) and a vehicle
for most. Rows go in with `bulk_create` in batches, one transaction per batch.

Speed: SM4 encryption is randomised, so each distinct personal value is encrypted once (a pool of
`PARTY_POOL` people) and the ready tokens and blind indexes are written as they are: while the command runs,
the encrypted fields' `get_prep_value` / `pre_save` of `Party` pass pre-encrypted values through.
Filed cases get unified case codes in the 赋码 format; the `core.codes` sequences are moved past the numbers
used, so codes given later by the case services never collide.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from contextlib import contextmanager
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from teis.core.workdays import local_date

PARTY_POOL = 2000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰文辉建国志红海燕鹏飞"
ORGS = ["运输有限公司", "物流有限公司", "出租汽车有限公司", "汽车租赁有限公司", "客运有限公司", "航运有限公司"]
DISTRICTS = ["浦东新区", "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区"]
PLACES = [
    "世纪大道",
    "延安高架",
    "中环路",
    "沪嘉高速",
    "虹桥枢纽",
    "浦东机场",
    "外滩",
    "南京东路",
    "G2 京沪高速",
    "S20 外环",
]
PLATE_LETTERS = "ABCDEFGHJKLMN"
FACTS = [
    "未取得道路运输经营许可，擅自从事道路运输经营",
    "驾驶员未按规定携带从业资格证",
    "网约车未取得运输证从事经营",
    "货运车辆超限运输",
    "出租汽车拒载、议价",
    "擅自占用、挖掘公路",
    "船舶未按规定配备船员",
]
# status -> (weight, current step, has decision, closed)
STATUSES = [
    ("pre_registered", 6, "案件预登记"),
    ("filing", 5, "立案审批"),
    ("investigating", 12, "调查取证"),
    ("deciding", 6, "法制审核"),
    ("decided", 5, "行政处罚决定"),
    ("enforcing", 6, "执行"),
    ("closed", 20, "结案归档"),
    ("archived", 36, ""),
    ("not_filed", 3, ""),
    ("transferred_out", 1, ""),
]
PROCEDURES = [("general", 70), ("simplified", 20), ("coercive", 6), ("inspection", 4)]
SOURCES = [("on_site", 55), ("complaint", 12), ("assigned", 5), ("transferred", 3), ("non_site", 15), ("detection", 10)]
FILED = {"investigating", "deciding", "decided", "enforcing", "closed", "archived", "transferred_out"}
DECIDED = {"decided", "enforcing", "closed", "archived"}


def _weighted(rng: random.Random, table):
    values = [t[0] for t in table]
    weights = [t[1] for t in table]
    return rng.choices(values, weights)[0]


@contextmanager
def pre_encrypted(model, names):
    """Let already-encrypted tokens through the model's encrypted fields (bulk load only)."""
    fields = [model._meta.get_field(n) for n in names]
    for f in fields:
        f.get_prep_value = lambda value: value or ""  # instance attribute shadows the method
        f.pre_save = lambda instance, add, _f=f: getattr(instance, _f.attname)
    try:
        yield
    finally:
        for f in fields:
            del f.get_prep_value
            del f.pre_save


class Command(BaseCommand):
    help = "生成演示/压测用案件数据（按单位、条线、状态和环节分布）"

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="案件数量")
        parser.add_argument("--batch", type=int, default=5000, help="每批写入条数")
        parser.add_argument("--seed", type=int, default=None, help="随机种子（可复现）")

    def handle(self, *args, count: int, batch: int, seed: int | None, **opts):
        if count < 1:
            raise CommandError("--count 应为正整数")
        if not 100 <= batch <= 50000:
            raise CommandError("--batch 应在 100 到 50000 之间")
        started = time.perf_counter()
        n = generate(count, batch=batch, seed=seed, log=lambda m: self.stdout.write(m))
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"已生成案件 {n} 件，用时 {elapsed:.1f} 秒（{n / elapsed:,.0f} 件/秒）"))


class RowWriter:
    """Inserts row dicts: PostgreSQL COPY with ids taken from the table's sequence (several times faster than
    bulk_create at a million rows); elsewhere `bulk_create`. Values are already in database form (the
    encrypted columns hold ready tokens); unspecified columns get the field default."""

    def __init__(self):
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.defaults: dict = {}

    def _columns(self, model):
        if model not in self.defaults:
            now = timezone.now()
            cols = []
            for f in model._meta.concrete_fields:
                if f.primary_key:
                    continue
                default = f.get_default()
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                    default = now
                cols.append((f.attname, f.column, default))
            self.defaults[model] = cols
        return self.defaults[model]

    def insert(self, model, rows: list[dict]) -> list[int]:
        if not rows:
            return []
        if not self.postgres:
            objs = model.objects.bulk_create([model(**r) for r in rows], batch_size=len(rows))
            return [o.pk for o in objs]
        table = model._meta.db_table
        cols = self._columns(model)
        with self.connection.cursor() as cur:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, len(rows)]
            )
            ids = [r[0] for r in cur.fetchall()]
            names = ", ".join(['"id"', *(f'"{c}"' for _, c, _ in cols)])
            with cur.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *(row.get(a, d) for a, _, d in cols)))
        return ids


def _pool(rng: random.Random) -> list[tuple]:
    """PARTY_POOL people: (name, id token, id index, phone token, phone index, address token)."""
    from teis.core import crypto

    people = []
    for _ in range(PARTY_POOL):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 40 * 365))
        body = f"310{rng.randrange(100, 120):03d}{birth:%Y%m%d}{rng.randrange(0, 999):03d}"
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
        id_number = body + check
        phone = f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}"
        address = f"上海市{rng.choice(DISTRICTS)}{rng.choice(PLACES)}{rng.randrange(1, 999)}号"
        people.append(
            (
                name,
                crypto.sm4_encrypt(id_number),
                crypto.blind_index(id_number),
                crypto.sm4_encrypt(phone),
                crypto.blind_index(phone),
                crypto.sm4_encrypt(address),
            )
        )
    return people


def _unit_codes(units: dict) -> dict[int, str]:
    """unit id -> case-code prefix without the item type and date (region + subject), with fallbacks."""
    from teis.cases.codes import nearest_unit_with

    out = {}
    for unit in units.values():
        region = nearest_unit_with(unit, "region_code")
        subject = nearest_unit_with(unit, "subject_code")
        r = region.region_code if region and len(region.region_code) == 6 else "310000"
        s = subject.subject_code if subject and len(subject.subject_code) == 2 else "99"
        out[unit.pk] = r + s
    return out


def generate(count: int, *, batch: int = 5000, seed: int | None = None, log=print) -> int:
    from teis.cases.models import CaseVehicle, EnforcementCase, Party
    from teis.core.models import DictionaryItem, Sequence
    from teis.org.models import Officer, Unit

    rng = random.Random(seed)
    staff = list(Officer.objects.filter(user__is_active=True).values_list("unit_id", "user_id"))
    if not staff:
        raise CommandError("没有执法人员：请先运行 seed_demo 或创建单位和人员")
    units = Unit.objects.in_bulk({u for u, _ in staff})
    unit_codes = _unit_codes(units)
    lines = list(
        DictionaryItem.objects.filter(dict_type__code="business_line", is_active=True).values_list("pk", flat=True)
    )
    people = _pool(rng)
    item_codes = {"general": "1", "simplified": "1", "coercive": "2", "inspection": "3"}
    existing = dict(Sequence.objects.filter(name__startswith="case_code:").values_list("name", "value"))
    sequences: dict[str, int] = {}
    now = timezone.now()
    span = 730 * 24 * 3600
    made = 0
    writer = RowWriter()
    with pre_encrypted(Party, ["id_number", "phone", "address"]):
        while made < count:
            size = min(batch, count - made)
            cases, extras = [], []
            for _ in range(size):
                unit_id, handler_id = rng.choice(staff)
                status = _weighted(rng, [(s, w) for s, w, _ in STATUSES])
                step = next(st for s, _, st in STATUSES if s == status)
                procedure = _weighted(rng, PROCEDURES)
                created = now - dt.timedelta(seconds=rng.randrange(0, span))
                discovered = created - dt.timedelta(hours=rng.randrange(0, 72))
                filed = created + dt.timedelta(days=rng.randrange(0, 5)) if status in FILED else None
                decided = filed + dt.timedelta(days=rng.randrange(5, 60)) if filed and status in DECIDED else None
                closed = (
                    decided + dt.timedelta(days=rng.randrange(1, 30))
                    if decided and status in ("closed", "archived")
                    else None
                )
                fine = Decimal(rng.choice((200, 500, 1000, 2000, 3000, 5000, 10000, 20000, 50000))) if decided else None
                code = None
                if filed is not None:
                    prefix = f"{unit_codes[unit_id]}{item_codes[procedure]}{timezone.localtime(filed):%y%m%d}"
                    if prefix not in sequences:
                        sequences[prefix] = existing.get(f"case_code:{prefix}", 0)
                    if sequences[prefix] < 999:
                        sequences[prefix] += 1
                        code = f"{prefix}{sequences[prefix]:03d}"
                payment = "none"
                if fine is not None:
                    payment = (
                        "paid"
                        if status in ("closed", "archived")
                        else rng.choice(("unpaid", "partial", "overdue", "paid"))
                    )
                facts = rng.choice(FACTS)
                plate = f"沪{rng.choice(PLATE_LETTERS)}{rng.randrange(10000, 99999)}"
                active = status in ("pre_registered", "filing", "investigating", "deciding", "decided", "enforcing")
                cases.append(
                    {
                        "created_at": created,
                        "case_code": code,
                        "title": f"{plate} {facts[:20]}",
                        "procedure": procedure,
                        "status": status,
                        "source": _weighted(rng, SOURCES),
                        "business_line_id": rng.choice(lines) if lines else None,
                        "unit_id": unit_id,
                        "handler_id": handler_id,
                        "created_by_id": handler_id,
                        "discovered_at": discovered,
                        "place": f"{rng.choice(DISTRICTS)}{rng.choice(PLACES)}",
                        "facts": facts,
                        "decision_type": "penalty" if fine else "",
                        "fine_amount": fine,
                        "decided_at": decided,
                        "payment_status": payment,
                        "paid_amount": fine if payment == "paid" else Decimal(0),
                        "filed_at": filed,
                        "deadline": local_date(filed + dt.timedelta(days=90))
                        if filed and procedure == "general"
                        else None,
                        "closed_at": closed,
                        "archived_at": closed + dt.timedelta(days=3) if closed and status == "archived" else None,
                        "current_step": step,
                        "step_due_at": created + dt.timedelta(days=rng.randrange(3, 20)) if active else None,
                        "is_major": rng.random() < 0.02,
                    }
                )
                extras.append(plate if rng.random() < 0.8 else None)
            with transaction.atomic():
                case_ids = writer.insert(EnforcementCase, cases)
                parties, vehicles = [], []
                for case_id, plate in zip(case_ids, extras, strict=True):
                    if rng.random() < 0.75:
                        p = rng.choice(people)
                        parties.append(
                            {
                                "case_id": case_id,
                                "kind": "person",
                                "name": p[0],
                                "id_number": p[1],
                                "id_number_index": p[2],
                                "phone": p[3],
                                "phone_index": p[4],
                                "address": p[5],
                            }
                        )
                    else:
                        org = f"上海{rng.choice(SURNAMES)}{rng.choice(GIVEN)}{rng.choice(ORGS)}"
                        parties.append(
                            {
                                "case_id": case_id,
                                "kind": "organisation",
                                "name": org,
                                "credit_code": f"91310{rng.randrange(10**12, 10**13)}",
                            }
                        )
                    if plate:
                        vehicles.append(
                            {
                                "case_id": case_id,
                                "plate": plate,
                                "vehicle_type": rng.choice(("小型轿车", "重型货车", "大型客车")),
                            }
                        )
                writer.insert(Party, parties)
                writer.insert(CaseVehicle, vehicles)
            made += size
            log(f"  {made:,}/{count:,}")
    # move the 赋码 sequences past the numbers used here
    with transaction.atomic():
        rows = {s.name: s for s in Sequence.objects.select_for_update().filter(name__startswith="case_code:")}
        new, changed = [], []
        for prefix, value in sequences.items():
            row = rows.get(f"case_code:{prefix}")
            if row is None:
                new.append(Sequence(name=f"case_code:{prefix}", value=value))
            elif row.value < value:
                row.value = value
                changed.append(row)
        Sequence.objects.bulk_create(new, batch_size=5000)
        Sequence.objects.bulk_update(changed, ["value"], batch_size=5000)
    return made
