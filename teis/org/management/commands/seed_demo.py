"""`manage.py seed_demo`: load the demo organisation, dictionaries, officers, logins and todo items.

Idempotent: every record is looked up by its natural key (unit name + parent, dictionary type + code,
username, todo source key) before it is created, so a second run creates nothing and fails on nothing.
Writes go through the services (units, dictionaries and officers are audited like any other write). The
password hash is computed once and shared: hashing 300 passwords would take minutes.
"""

from __future__ import annotations

import datetime
import importlib
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from teis.core import notify
from teis.core.dictionaries import dictionary_service
from teis.core.models import DictionaryItem, DictionaryType, Notification
from teis.org import demo
from teis.org.choices import UnitType
from teis.org.models import Officer, PasswordHistory, Role, Unit
from teis.org.roles import ensure_roles
from teis.org.services import UnitService, do_create_officer

User = get_user_model()

OTHER_REGIONS = ("320102", "320506", "330106", "340104", "370102", "410105", "420106", "510107", "360102")


@dataclass
class OfficerSpec:
    username: str
    name: str
    unit: Unit
    role_code: str
    position: str
    lines: tuple[str, ...]
    male: bool
    demo: bool = False


class Seeder:
    def __init__(self, out=None):
        self.out = out
        self.created: dict[str, int] = {}
        self.unit_service = UnitService()

    def log(self, msg: str) -> None:
        if self.out is not None:
            self.out(msg)

    def count(self, what: str, n: int = 1) -> None:
        self.created[what] = self.created.get(what, 0) + n

    # --- dictionaries ---------------------------------------------------------------------------------
    def dictionaries(self) -> dict[str, DictionaryItem]:
        for type_code, name, description, rows in demo.DICTIONARIES:
            dict_type = DictionaryType.objects.filter(code=type_code).first()
            if dict_type is None:
                dict_type = dictionary_service.do_create(
                    None,
                    DictionaryType,
                    {"code": type_code, "name": name, "description": description, "is_system": True},
                )
                self.count("字典类型")
            existing = {i.code: i for i in DictionaryItem.objects.filter(dict_type=dict_type)}
            for order, (code, item_label, parent_code) in enumerate(rows, start=1):
                if code in existing:
                    continue
                existing[code] = dictionary_service.do_create(
                    None,
                    DictionaryItem,
                    {
                        "dict_type": dict_type,
                        "code": code,
                        "label": item_label,
                        "parent": existing.get(parent_code) if parent_code else None,
                        "order": order * 10,
                    },
                )
                self.count("字典项")
        return {i.code: i for i in DictionaryItem.objects.filter(dict_type__code="business_line")}

    # --- units ----------------------------------------------------------------------------------------
    def units(self, lines: dict[str, DictionaryItem]) -> list[tuple[Unit, demo.UnitDef, tuple[str, ...]]]:
        """Create the tree; return (unit, definition, effective business lines) in tree order."""
        out: list[tuple[Unit, demo.UnitDef, tuple[str, ...]]] = []

        def walk(d: demo.UnitDef, parent: Unit | None, order: int, inherited: tuple[str, ...]) -> None:
            unit = Unit.objects.filter(name=d.name, parent=parent).first()
            if unit is None:
                unit = self.unit_service.do_create(
                    None,
                    Unit,
                    {
                        "name": d.name,
                        "short_name": d.short_name,
                        "unit_type": d.unit_type,
                        "parent": parent,
                        "region_code": d.region_code or (parent.region_code if parent else ""),
                        "subject_code": d.subject_code,
                        "order": order,
                        "business_lines": [lines[c] for c in d.business_lines],
                    },
                )
                self.count("单位")
            effective = d.business_lines or inherited
            out.append((unit, d, effective))
            for i, child in enumerate(d.children, start=1):
                walk(child, unit, i * 10, effective)

        walk(demo.TREE, None, 0, ())
        return out

    # --- officers -------------------------------------------------------------------------------------
    def officer_specs(self, units) -> list[OfficerSpec]:
        """The deterministic list of seeded officers (same list on every run)."""
        from faker import Faker

        fake = Faker("zh_CN")
        fake.seed_instance(demo.FAKER_SEED)
        rng = random.Random(demo.FAKER_SEED)
        slots: list[tuple[Unit, str, str, tuple[str, ...]]] = []
        squads: list[tuple[Unit, int, tuple[str, ...]]] = []
        for unit, d, lines in units:
            if d.unit_type == UnitType.DEPARTMENT:
                staff = demo.DEPARTMENT_STAFF.get(d.name, [])
            else:
                staff = demo.LEADER_ROLES.get(d.unit_type, [])
            slots += [(unit, role, position, lines) for role, position in staff]
            if d.staff_weight:
                squads.append((unit, d.staff_weight, lines))
        remaining = demo.OFFICER_COUNT - len(slots)
        total_weight = sum(w for _, w, _ in squads)
        shares = [(remaining * w / total_weight, i) for i, (_, w, _) in enumerate(squads)]
        counts = [int(s) for s, _ in shares]
        for _, i in sorted(shares, key=lambda s: -(s[0] - int(s[0])))[: remaining - sum(counts)]:
            counts[i] += 1
        for (unit, _, lines), n in zip(squads, counts, strict=True):
            slots += [(unit, "field_officer", "执法队员", lines)] * n
        slots.sort(key=lambda s: s[0].path)
        specs = []
        for seq, (unit, role, position, lines) in enumerate(slots, start=1):
            male = rng.random() < 0.78
            name = fake.name_male() if male else fake.name_female()
            specs.append(OfficerSpec(f"zf{seq:05d}", name, unit, role, position, lines, male))
        return specs

    def profile(self, rng: random.Random, seq: int, unit: Unit, male: bool) -> dict:
        birth = datetime.date(1968, 1, 1) + datetime.timedelta(days=rng.randrange(32 * 365))
        region = rng.choice([c for _, c in demo.DISTRICTS] * 3 + list(OTHER_REGIONS))
        cert_region = unit.region_code or demo.SHANGHAI_REGION
        if seq % 37 == 0:  # a few expired certificates, so the warnings have something to show
            valid_until = datetime.date(2025, 1 + seq % 12, 1 + seq % 28)
        else:
            valid_until = datetime.date(2026 + seq % 4, 1 + seq % 12, 1 + seq % 28)
        return {
            "badge_number": f"ZF{seq:05d}",
            "certificate_number": f"{cert_region}{seq:06d}",
            "certificate_valid_until": valid_until,
            "id_number": demo.make_id_number(region, birth, rng.randrange(1000), male),
            "phone": demo.make_mobile(rng),
        }

    def officers(self, units, lines: dict[str, DictionaryItem]) -> None:
        roles = {r.code: r for r in Role.objects.all()}
        by_path = {}
        corps = None
        for unit, d, _ in units:
            if d.unit_type == UnitType.CORPS:
                corps = unit
        for unit, _, _ in units:
            if corps is not None and unit.path.startswith(corps.path):
                names = tuple(u.name for u in _lineage(unit, units))
                by_path[names] = unit
        unit_lines = {unit.pk: eff for unit, _, eff in units}
        specs = self.officer_specs(units)
        for dl in demo.DEMO_LOGINS:
            unit = by_path[(demo.CORPS_NAME, *dl.unit_path)]
            specs.append(
                OfficerSpec(dl.username, dl.name, unit, dl.role_code, dl.position, unit_lines[unit.pk], True, True)
            )
        existing = set(User.objects.filter(username__in=[s.username for s in specs]).values_list("username", flat=True))
        rng = random.Random(demo.FAKER_SEED + 1)
        password_hash = None
        new_users: list[int] = []
        through = []
        for seq, spec in enumerate(specs, start=1):
            profile = self.profile(rng, seq, spec.unit, spec.male)  # drawn for every spec: stable across runs
            if spec.username in existing:
                continue
            officer = do_create_officer(
                None,
                username=spec.username,
                password=None,  # an unusable password now; the shared hash is set below in one update
                name=spec.name,
                unit=spec.unit,
                roles=[roles[spec.role_code]],
                must_change_password=not spec.demo,
                position=spec.position,
                **profile,
            )
            new_users.append(officer.user_id)
            through += [
                Officer.business_lines.through(officer_id=officer.pk, dictionaryitem_id=lines[c].pk)
                for c in spec.lines
                if c in lines
            ]
        if new_users:
            password_hash = make_password(demo.DEMO_PASSWORD)
            User.objects.filter(pk__in=new_users).update(password=password_hash)
            PasswordHistory.objects.filter(user_id__in=new_users).update(password=password_hash)
            Officer.business_lines.through.objects.bulk_create(through, ignore_conflicts=True)
            self.count("人员", len(new_users))

    # --- notifications ---------------------------------------------------------------------------------------
    def welcome(self) -> None:
        """A welcome notice for each demo login. Todos and the other notifications are not seeded: the features
        that make them (workflow tasks, deadlines, alarms, inspections) make them from the demo records, so
        each points at a record that exists."""
        users = User.objects.filter(username__in=[d.username for d in demo.DEMO_LOGINS])
        title, body = WELCOME
        for user in users:
            if Notification.objects.filter(user=user, title=title).exists():
                continue
            notify.notify(user, title, body, level=Notification.Level.INFO)
            self.count("通知")

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            ensure_roles()
            lines = self.dictionaries()
            units = self.units(lines)
            self.officers(units, lines)
            self.welcome()
            for load_demo in app_demo_loaders():
                self.created.update(load_demo())
        return self.created


def app_demo_loaders():
    """`load_demo()` of every installed app that ships demo data in `<app>/demo/loader.py`, in app order.

    The organisation is seeded first; the domain apps add their data on top without org importing them.
    """
    from django.apps import apps

    loaders = []
    for app in apps.get_app_configs():
        if not app.name.startswith("teis."):
            continue
        try:
            module = importlib.import_module(f"{app.name}.demo.loader")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"{app.name}.demo", f"{app.name}.demo.loader"):
                raise
            continue
        loaders.append(module.load_demo)
    return loaders


def _lineage(unit: Unit, units) -> list[Unit]:
    by_pk = {u.pk: u for u, _, _ in units}
    chain = []
    node = unit
    while node is not None:
        chain.append(node)
        node = by_pk.get(node.parent_id)
    chain.reverse()
    # from the corps down (the commission above it is not part of the names)
    while chain and chain[0].unit_type != UnitType.CORPS:
        chain.pop(0)
    return chain


WELCOME = ("欢迎使用交通综合执法信息系统", "这是演示环境，数据均为虚构。")


class Command(BaseCommand):
    help = (
        "载入演示数据：执法总队组织机构、16 个区执法大队、数据字典、约 300 名执法人员和各角色演示账号（可重复执行）。"
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        seeder = Seeder(out=self.stdout.write)
        created = seeder.run()
        elapsed = time.perf_counter() - started
        if created:
            summary = "，".join(f"{k} {v}" for k, v in created.items())
            self.stdout.write(self.style.SUCCESS(f"演示数据已载入（{elapsed:.1f} 秒）：新增 {summary}。"))
        else:
            self.stdout.write(f"演示数据已存在，无需更新（{elapsed:.1f} 秒）。")
