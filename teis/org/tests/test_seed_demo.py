"""`manage.py seed_demo`: idempotent, the Shanghai tree, valid personal data, working demo logins."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from teis.audit.models import AuditRecord
from teis.core.models import DictionaryItem, DictionaryType, Notification, TodoItem
from teis.core.validators import validate_id_number, validate_mobile_phone
from teis.org import demo
from teis.org.choices import UnitType
from teis.org.models import Officer, Role, Unit
from teis.org.roles import all_role_defs

# the tests share one seeded database: keep them on one xdist worker, so that it is seeded once
pytestmark = pytest.mark.xdist_group("seed_demo")

REGION_CODES = {
    "黄浦区": "310101",
    "徐汇区": "310104",
    "长宁区": "310105",
    "静安区": "310106",
    "普陀区": "310107",
    "虹口区": "310109",
    "杨浦区": "310110",
    "闵行区": "310112",
    "宝山区": "310113",
    "嘉定区": "310114",
    "浦东新区": "310115",
    "金山区": "310116",
    "松江区": "310117",
    "青浦区": "310118",
    "奉贤区": "310120",
    "崇明区": "310151",
}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One `seed_demo` (20–45 s on CI) for the read-only checks below, rolled back after them; each test still runs
    in a savepoint of its own (pytest-django's `db`), so what one test writes (logins) the next does not see."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed()
        yield
        transaction.set_rollback(True)


def counts() -> dict:
    models = [
        Unit,
        Officer,
        Role,
        get_user_model(),
        DictionaryType,
        DictionaryItem,
        TodoItem,
        Notification,
        AuditRecord,
    ]
    return {m.__name__: m.objects.count() for m in models} | {
        "unit_lines": Unit.business_lines.through.objects.count(),
        "officer_lines": Officer.business_lines.through.objects.count(),
        "officer_roles": Officer.roles.through.objects.count(),
    }


@pytest.mark.django_db
def test_seed_twice_changes_nothing():
    first = seed()
    assert "演示数据已载入" in first
    before = counts()
    assert 290 <= before["Officer"] <= 320
    assert before["Unit"] > 90
    second = seed()
    assert "无需更新" in second
    assert counts() == before


@pytest.mark.django_db
def test_tree_districts_dictionaries_and_personal_data(seeded):
    commission = Unit.objects.get(name="上海市交通委员会", parent=None)
    corps = Unit.objects.get(name="上海市交通委员会执法总队", parent=commission)
    assert corps.unit_type == UnitType.CORPS and corps.subject_code == "01"
    assert Unit.objects.filter(parent=corps, unit_type=UnitType.DETACHMENT, name="水上执法支队").exists()
    assert Unit.objects.filter(parent=corps, unit_type=UnitType.DIRECT_BRIGADE).count() >= 3
    assert set(Unit.objects.filter(parent=corps, unit_type=UnitType.DEPARTMENT).values_list("name", flat=True)) >= {
        "办公室",
        "法制科",
        "指挥中心",
        "信息科",
    }
    squad = Unit.objects.filter(unit_type=UnitType.SQUAD, parent__parent__parent=corps).first()
    assert squad is not None and squad.path.startswith(corps.path) and squad.depth == corps.depth + 3

    districts = Unit.objects.filter(unit_type=UnitType.DISTRICT_BRIGADE)
    assert districts.count() == 16
    assert {u.name: u.region_code for u in districts} == {
        demo.district_brigade_name(d): code for d, code in REGION_CODES.items()
    }
    for unit in districts:
        assert unit.parent_id == corps.pk
        assert len(unit.subject_code) == 2 and unit.subject_code.isdigit(), unit.subject_code
        assert unit.children.filter(unit_type=UnitType.SQUAD).count() == 2
    assert len({u.subject_code for u in districts}) == 16

    lines = DictionaryType.objects.get(code="business_line")
    assert lines.is_system
    assert {"出租汽车", "网约车", "公交", "治超", "路政", "水上", "码头", "海事"} <= set(
        lines.items.values_list("label", flat=True)
    )
    for code in ("industry", "certificate_type", "vehicle_type", "ship_type", "petition_category"):
        assert DictionaryType.objects.get(code=code).is_system
        assert DictionaryItem.objects.filter(dict_type__code=code).count() >= 5
    assert DictionaryItem.objects.get(dict_type__code="vehicle_type", code="K1").parent.code == "K"
    assert corps.business_lines.count() >= 10

    officers = list(Officer.objects.select_related("unit", "user"))
    for o in officers:
        validate_id_number(o.id_number)
        validate_mobile_phone(o.phone)
        assert o.certificate_number and o.certificate_valid_until and o.roles.exists()
    assert len({o.certificate_number for o in officers}) == len(officers)
    assert len({o.id_number for o in officers}) == len(officers)
    squads_with_staff = {o.unit_id for o in officers if o.unit.unit_type == UnitType.SQUAD}
    assert len(squads_with_staff) == Unit.objects.filter(unit_type=UnitType.SQUAD).count()
    # every squad has a squad leader
    for unit_id in squads_with_staff:
        assert Officer.objects.filter(unit_id=unit_id, roles__code="squad_leader").exists()


@pytest.mark.django_db
def test_every_role_has_a_demo_login_that_works(seeded):
    by_role = {d.role_code: d for d in demo.DEMO_LOGINS}
    assert set(by_role) == {r.code for r in all_role_defs()}  # the platform's roles and the apps' own (财务收款员)
    for d in demo.DEMO_LOGINS:
        officer = Officer.objects.get(user__username=d.username)
        assert not officer.must_change_password
        assert list(officer.roles.values_list("code", flat=True)) == [d.role_code]
        client = Client()
        response = client.post("/login/", {"username": d.username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, (d.username, response.content.decode()[:500])
        assert response["Location"] == "/", d.username
        home = client.get("/")
        assert home.status_code == 200
        assert Notification.objects.filter(user=officer.user).exists()  # the welcome notice


@pytest.mark.django_db
def test_seeded_todos_and_notifications_point_at_records_that_exist(seeded):
    """No made-up inbox: every todo (and every warning) comes from a feature and links to its page."""
    from django.urls import resolve

    for title in ("备份完成", "执法证即将到期提醒", "本周执法数据周报已生成", "行政处罚决定书"):
        assert not Notification.objects.filter(title__contains=title).exists(), title
        assert not TodoItem.objects.filter(title__contains=title).exists(), title
    for todo in TodoItem.objects.all():
        assert todo.url, todo.title
        resolve(todo.url.split("?")[0])
    for note in Notification.objects.exclude(level=Notification.Level.INFO):
        assert note.url, note.title
        resolve(note.url.split("?")[0])


@pytest.mark.django_db
def test_ordinary_officers_must_change_password_and_scope_is_the_subtree(seeded):
    ordinary = Officer.objects.exclude(user__username__in=[d.username for d in demo.DEMO_LOGINS])
    assert ordinary.filter(must_change_password=False).count() == 0
    client = Client()
    response = client.post("/login/", {"username": "zf00010", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/password/"

    brigade = get_user_model().objects.get(username="brigade")
    unit = brigade.officer.unit
    visible = Officer.objects.for_user(brigade)
    assert visible.count() == Officer.objects.filter(unit__path__startswith=unit.path).count() >= 20
    assert not visible.exclude(unit__path__startswith=unit.path).exists()


# Hand-written list pages (not the generic list, which has its own generated test): (demo login, URL name, query).
HAND_WRITTEN_LISTS = [
    ("officer", "cases:my_cases", ""),
    ("squad", "cases:monitor", ""),
    ("squad", "cases:dispatch", ""),
    ("squad", "cases:vehicles_held", ""),
    ("secadmin", "login_attempts", ""),
    ("officer", "workflow:inbox", "tab=todo"),
    ("officer", "workflow:inbox", "tab=done"),
    ("officer", "workflow:inbox", "tab=started"),
    ("officer", "core:todo_list", ""),
    ("officer", "core:notification_list", ""),
    ("command", "petitions:query", ""),
]


@pytest.mark.django_db
@pytest.mark.parametrize("login, name, query", HAND_WRITTEN_LISTS)
def test_hand_written_lists_cost_the_same_queries_at_10_and_50_rows(seeded, login, name, query):
    """On the demo organisation's data, a page of 50 rows costs what a page of 10 does: nothing is read per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from teis.core.testing import logged_in_client

    client = logged_in_client(get_user_model().objects.get(username=login))
    url = reverse(name) + "?" + (query + "&" if query else "")
    assert client.get(url + "per_page=10").status_code == 200  # warm the per-process caches (policy, menu)
    counts = {}
    for size in (10, 50):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{url}per_page={size}")
        assert response.status_code == 200, (url, response.status_code)
        counts[size] = len(queries.captured_queries)
    assert counts[10] == counts[50], (url, counts)


@pytest.mark.django_db
def test_the_api_shows_every_registered_model_as_drf_would(seeded):
    """The API's quick representation of plain columns (`ScopedModelSerializer._represent`) gives exactly what
    DRF's own `to_representation` gives, for every registered model's demo rows, with the many-to-many ids read in
    bulk as the list views read them."""
    from rest_framework import serializers
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from teis.core.api.serializers import attach_many_ids, serializer_for
    from teis.core.registry import registry

    compared = 0
    for username in ("leader", "sysadmin"):
        user = get_user_model().objects.get(username=username)
        request = Request(APIRequestFactory().get("/api/v1/"))
        request.user = user
        for label, config in registry.configs.items():
            rows = list(config.api_queryset_for(user)[:20])
            attach_many_ids(config.model, rows, config.api_exclude)
            child = serializer_for(config)(rows, many=True, context={"request": request}).child
            for row in rows:
                assert child._represent(row) == serializers.ModelSerializer.to_representation(child, row), label
                compared += 1
    assert compared > 500
