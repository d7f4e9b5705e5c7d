"""The home page (工作台) per role: the panels each role gets, every item a link to where it is handled, a fixed
number of queries whatever the data; the role-shaped menu."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from teis.core.testing import logged_in_client

ROLE_PANELS = {
    "field_officer": ["home-todos", "home-my_cases", "home-today_duty", "home-notifications"],
    "squad_leader": ["home-todos", "home-duty_approvals", "home-open_alarms", "home-cases_by_stage", "home-today_duty"],
    "brigade_leader": ["home-figures", "home-duty_approvals", "home-open_alarms", "home-cases_by_stage"],
    "leadership": ["home-figures", "chart-case_figures", "home-open_alarms", "home-orders"],
    "command_center": ["home-open_alarms", "home-orders", "home-today_duty", "home-due_petitions"],
    "system_admin": ["home-users"],
    "security_admin": ["home-security_events"],
    "audit_admin": ["home-audit_alerts"],
    "operations": ["home-jobs"],
}
UNIT_OF = {"field_officer": "squad1", "squad_leader": "squad1", "brigade_leader": "brigade1"}


def _home(user):
    response = logged_in_client(user).get("/")
    assert response.status_code == 200
    return response.content.decode()


def _fill(tree, officer, n: int) -> None:
    """n open cases handled by the officer, n duty tasks today with the officer, n alarms, n open orders."""
    from teis.cases.models import EnforcementCase
    from teis.dispatch.models import Alarm, DutyOrder, DutyPlan, DutyTask

    now = timezone.now()
    plan = DutyPlan.objects.create(unit=tree["squad1"], title=f"日常勤务{DutyPlan.objects.count()}")
    for i in range(n):
        EnforcementCase.objects.create(
            title=f"出租汽车拒载案{n}-{i}",
            unit=tree["squad1"],
            handler=officer,
            deadline=timezone.localdate() + dt.timedelta(days=i - 1),
        )
        task = DutyTask.objects.create(
            plan=plan, unit=tree["squad1"], title=f"火车站秩序整治{i}", start_at=now, end_at=now + dt.timedelta(hours=2)
        )
        task.officers.add(officer)
        Alarm.objects.create(kind="overspeed", unit=tree["squad1"], message=f"超速{i}")
        order = DutyOrder.objects.create(unit=tree["corps"], title=f"专项整治指令{i}", content="按时反馈")
        order.target_units.add(tree["squad1"])


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLE_PANELS))
def test_each_role_has_its_home(make_user, tree, role):
    user = make_user(role, UNIT_OF.get(role, "corps"))
    html = _home(user)
    for element in ROLE_PANELS[role]:
        assert f'id="{element}"' in html, (role, element)
    # the officer's home is not the leader's
    if role == "field_officer":
        assert 'id="home-figures"' not in html and 'id="home-users"' not in html


@pytest.mark.django_db
def test_officer_home_lists_open_cases_and_todays_duty_as_links(make_user, tree):
    officer = make_user("field_officer", "squad1")
    _fill(tree, officer, 2)
    html = _home(officer)
    from teis.cases.models import EnforcementCase
    from teis.dispatch.models import DutyTask

    case = EnforcementCase.objects.filter(handler=officer).order_by("deadline").first()
    assert reverse("cases:case_detail", args=[case.pk]) in html
    task = DutyTask.objects.filter(officers=officer).first()
    assert reverse("dispatch:dutytask_detail", args=[task.pk]) in html
    assert "火车站秩序整治" in html
    # the overdue case's deadline is marked
    assert "text-danger" in html


@pytest.mark.django_db
def test_squad_leader_sees_the_units_alarms_and_cases_by_stage(make_user, tree):
    officer = make_user("field_officer", "squad1")
    leader = make_user("squad_leader", "squad1")
    _fill(tree, officer, 2)
    html = _home(leader)
    from teis.dispatch.models import Alarm

    alarm = Alarm.objects.first()
    assert reverse("dispatch:alarm_detail", args=[alarm.pk]) in html
    assert "预登记" in html and "?status=pre_registered" in html


@pytest.mark.django_db
def test_leadership_figures_compare_with_the_same_part_of_last_month(make_user, tree):
    from teis.cases.models import EnforcementCase
    from teis.core.home import month_bounds, same_time_last_month

    officer = make_user("field_officer", "squad1")
    leader = make_user("leadership", "corps")
    now = timezone.now()
    last, this, _ = month_bounds()
    for i in range(3):
        EnforcementCase.objects.create(title=f"案{i}", unit=tree["squad1"], handler=officer, filed_at=now)
    # last month: one case within its first as many days as this month has had, one after (not compared)
    within = last + (now - this) / 2
    EnforcementCase.objects.create(title="上月同期案", unit=tree["squad1"], handler=officer, filed_at=within)
    late = this - dt.timedelta(minutes=1)
    EnforcementCase.objects.create(title="上月月底案", unit=tree["squad1"], handler=officer, filed_at=late)
    html = _home(leader)
    # (on the last day of a month longer than the one before, the whole of last month is the same part)
    expected = "+200%" if same_time_last_month(last, this, now) <= late else "+50%"
    assert "本月立案" in html and f"较上月同期 {expected}" in html
    assert "信访按期办结率" in html and "勤务覆盖率" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ROLE_PANELS))
def test_home_costs_a_fixed_number_of_queries(make_user, tree, role):
    officer = make_user("field_officer", "squad1")
    user = officer if role == "field_officer" else make_user(role, UNIT_OF.get(role, "corps"))
    client = logged_in_client(user)
    _fill(tree, officer, 1)
    client.get("/")  # warm the caches a first request fills (security policy, menu)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    _fill(tree, officer, 6)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/").status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries), role
    assert len(few.captured_queries) <= 40, role


# --- role-shaped menus --------------------------------------------------------------------------------------------


def _menu(user) -> list[str]:
    from teis.core.registry import registry

    return [e.url_name for _, _, entries in registry.menu_for(user) for e in entries]


@pytest.mark.django_db
def test_officer_menu_is_the_street_not_the_administration(make_user):
    menu = _menu(make_user("field_officer", "squad1"))
    assert 12 <= len(menu) <= 25, menu
    for expected in ("cases:pre_register", "cases:my_cases", "evidence:upload", "dispatch:sign_in", "legal:search"):
        assert expected in menu
    for hidden in (
        "dispatch:geofence_list",
        "core:dictionarytype_list",
        "core:dictionaryitem_list",
        "maritime:port_list",
    ):
        assert hidden not in menu


@pytest.mark.django_db
def test_squad_leader_menu_adds_supervision(make_user):
    officer_menu = _menu(make_user("field_officer", "squad1"))
    menu = _menu(make_user("squad_leader", "squad1"))
    assert len(officer_menu) < len(menu) <= 50
    for expected in (
        "dispatch:live",
        "dispatch:alarm_list",
        "dispatch:dutyplan_list",
        "petitions:petitionsupervision_list",
    ):
        assert expected in menu
    for hidden in ("dispatch:geofence_list", "core:dictionarytype_list"):
        assert hidden not in menu


@pytest.mark.django_db
def test_sysadmin_menu_is_administration(sysadmin):
    menu = _menu(sysadmin)
    for expected in ("org:unit_list", "org:officer_list", "org:role_list", "core:dictionarytype_list"):
        assert expected in menu
    assert not [m for m in menu if m.startswith(("cases:", "dispatch:", "evidence:"))]
    assert len(menu) <= 30


@pytest.mark.django_db
def test_menu_shown_in_the_page_keeps_the_filter_box(make_user):
    html = _home(make_user("field_officer", "squad1"))
    assert "查找菜单" in html
    assert reverse("cases:pre_register") in html
    assert not re.search(r'href="/core/dictionarytype/', html)
