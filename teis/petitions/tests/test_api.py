"""The petition API: register, detail (masked), every step (the declared actions on the generic endpoint), case
link, duplicates, query, stats, dashboard, 督察; refused requests are HTTP 400 with {"code","message","fields"} and
write nothing; 404 outside scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body
from teis.petitions.models import Petition, PetitionSupervision
from teis.petitions.services import supervision

from .conftest import petition_data

pytestmark = pytest.mark.django_db

BASE = "/api/v1/petitions/"
ACT = "/api/v1/petitions/petitions/"  # the declared actions: ACT/<pk>/<action>/
SUP = "/api/v1/petitions/petitionsupervisions/"


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_full_flow_through_the_api(people, make_user):
    from teis.cases.models import EnforcementCase

    reg, leader, squad = (logged_in_client(u) for u in (people.registrar, people.leader, people.squad1))
    resp = _post(reg, f"{BASE}register/", petition_data(people.categories))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    pk = body["id"]
    assert body["complainant"]["complainant_phone"] == "138****5678"
    assert body["tasks"][0]["step"] == "Task_Accept"
    assert _post(reg, f"{ACT}{pk}/accept/", {}).status_code == 200
    assert _post(leader, f"{ACT}{pk}/instruct/", {"instruction": "请核查"}).status_code == 200
    resp = _post(reg, f"{ACT}{pk}/dispatch/", {"unit": str(people.tree["squad1"].pk)})
    assert resp.status_code == 200 and resp.json()["status"] == "handling"
    resp = _post(squad, f"{ACT}{pk}/transfer/", {"unit": str(people.tree["squad3"].pk), "reason": "x"})
    assert_error_body(resp, 400, "unit_out_of_reach")
    assert _post(squad, f"{ACT}{pk}/handle/", {"result": "已处理"}).status_code == 200
    assert _post(reg, f"{ACT}{pk}/close/", {}).status_code == 200
    resp = _post(reg, f"{ACT}{pk}/visit/", {"satisfaction": "satisfied"})
    assert resp.status_code == 200 and resp.json()["status"] == "closed"
    case = EnforcementCase.objects.create(title="拒载案", unit=people.tree["squad1"], handler=people.squad1)
    resp = _post(reg, f"{BASE}{pk}/cases/", {"case": str(case.pk)})
    assert resp.status_code == 200 and resp.json()["cases"] == [case.pk]
    assert_error_body(_post(reg, f"{BASE}{pk}/cases/", {"case": "999999"}), 400, "case_not_found")


def test_register_bad_input_is_400_and_nothing_written(people):
    reg = logged_in_client(people.registrar)
    body = assert_error_body(_post(reg, f"{BASE}register/", {"title": ""}), 400, "invalid_petition")
    assert "category" in body["fields"] and "channel" in body["fields"]
    assert not Petition.objects.exists()
    assert_error_body(reg.post(f"{BASE}register/", "{bad", content_type="application/json"), 400, "parse_error")


def test_permissions_and_scope(people, register):
    p = register()
    assert_error_body(_post(logged_in_client(people.officer), f"{BASE}register/", {}), 403)
    assert_error_body(logged_in_client(people.squad3).get(f"{BASE}{p.pk}/"), 404)
    resp = _post(logged_in_client(people.squad1), f"{ACT}{p.pk}/accept/", {})
    assert resp.status_code == 404  # not in squad1's scope before dispatch
    resp = _post(logged_in_client(people.registrar), f"{ACT}{p.pk}/fly/", {})
    assert resp.status_code == 404
    body = assert_error_body(
        _post(logged_in_client(people.registrar), f"{ACT}{p.pk}/handle/", {"result": "x"}), 400, "bad_state"
    )
    assert body["message"] == "信访件当前不在承办处理环节。"
    # the right step, but not the actor's task: the engine's refusal
    body = assert_error_body(_post(logged_in_client(people.leader), f"{ACT}{p.pk}/accept/", {}), 400, "not_your_task")
    assert Petition.objects.get(pk=p.pk).accepted_at is None


def test_duplicates_query_stats_dashboard(people, register):
    p = register()
    client = logged_in_client(people.registrar)
    resp = client.get(f"{BASE}duplicates/", {"phone": "13812345678"})
    assert [r["id"] for r in resp.json()] == [p.pk]
    resp = _post(client, f"{BASE}query/", {"conditions": [{"field": "channel", "op": "eq", "value": "hotline"}]})
    assert resp.status_code == 200 and resp.json()["count"] == 1
    assert_error_body(_post(client, f"{BASE}query/", {"conditions": [{"field": "x"}]}), 400, "invalid_query")
    resp = client.get(f"{BASE}stats/", {"dimension": "channel"})
    assert resp.status_code == 200 and resp.json()["rows"][-1]["total"] == 1
    assert_error_body(client.get(f"{BASE}stats/", {"dimension": "x"}), 400, "invalid_dimension")
    resp = client.get(f"{BASE}dashboard/")
    assert resp.status_code == 200 and resp.json()["this_year"]["total"] >= 1
    assert_error_body(client.get(f"{BASE}dashboard/", {"month": "abc"}), 400, "invalid_period")


def test_supervise_api(people, register):
    p = register()
    supervision.check_deadlines(timezone.now() + dt.timedelta(days=40))
    sup = PetitionSupervision.objects.get(petition=p)
    url = f"{SUP}{sup.pk}/supervise/"
    send_back = f"{SUP}{sup.pk}/supervise-return/"
    explain = f"{SUP}{sup.pk}/explain/"
    leader, registrar = logged_in_client(people.leader), logged_in_client(people.registrar)
    # nothing to review before the supervised unit (here 指挥中心, still 待受理) has explained
    assert_error_body(_post(leader, url, {"opinion": "限期办结"}), 400, "bad_state")
    assert _post(logged_in_client(people.squad1), explain, {"explanation": "x"}).status_code == 404  # outside scope
    assert_error_body(_post(registrar, explain, {"explanation": " "}), 400, "invalid")
    resp = _post(registrar, explain, {"explanation": "来件集中，人手不足，已安排专人受理"})
    assert resp.status_code == 200 and resp.json()["status"] == "review"
    body = assert_error_body(_post(leader, url, {"opinion": ""}), 400, "invalid")
    assert body["fields"] == {"opinion": ["请填写督察意见"]}
    resp = _post(leader, send_back, {"opinion": "说明不具体"})
    assert resp.status_code == 200 and resp.json()["status"] == "open"
    assert _post(registrar, explain, {"explanation": "已于当日受理，后续每日清零"}).json()["status"] == "review"
    resp = _post(leader, url, {"opinion": "限期办结"})
    assert resp.status_code == 200 and resp.json()["status"] == "done"
    sup.refresh_from_db()
    assert sup.explanation_count == 2 and sup.explanation == "已于当日受理，后续每日清零"
