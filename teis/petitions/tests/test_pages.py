"""The petition pages: registration (HTMX duplicate check, errors re-rendered with 400), the petition page and its
step forms, case links shown on the case page, queries with export, statistics and the dashboard."""

from __future__ import annotations

import json

import pytest

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import xlsx_rows
from teis.petitions.models import Petition

from .conftest import petition_data

pytestmark = pytest.mark.django_db


def test_register_page(people):
    client = logged_in_client(people.registrar)
    assert client.get("/petitions/new/").status_code == 200
    resp = client.post("/petitions/new/", {"channel": "hotline", "title": ""})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "请填写事项摘要" in html and "请填写反映类别" in html
    data = petition_data(people.categories)
    resp = client.post("/petitions/new/", data)
    p = Petition.objects.get()
    assert resp.status_code == 302 and resp.url == f"/petitions/{p.pk}/"
    resp = client.post("/petitions/new/", {**data, "complainant_phone": "bad"})
    assert resp.status_code == 400 and "联系电话应为手机号码" in resp.content.decode()
    assert Petition.objects.count() == 1
    assert logged_in_client(people.squad1).get("/petitions/new/").status_code == 403


def test_duplicate_check_fragment(people, register):
    p = register()
    client = logged_in_client(people.registrar)
    html = client.post("/petitions/duplicates/", {"complainant_phone": "13812345678"}, HTTP_HX_REQUEST="true").content
    assert p.code in html.decode() and "疑似重复" in html.decode()
    html = client.post("/petitions/duplicates/", {"subject_plate": "沪Z00000"}).content.decode()
    assert "未发现疑似重复件" in html


def test_petition_page_and_steps(people, register):
    p = register()
    reg = logged_in_client(people.registrar)
    html = reg.get(f"/petitions/{p.pk}/").content.decode()
    assert "btn-accept" in html and "138****5678" in html and "13812345678" not in html
    url = f"/petitions/{p.pk}/"  # the page's forms post the declared actions to the page itself
    resp = reg.post(url, {"_action": "reject", "opinion": ""})
    assert resp.status_code == 400 and "请填写不予受理理由" in resp.content.decode()
    assert reg.post(url, {"_action": "accept"}).status_code == 302
    logged_in_client(people.leader).post(url, {"_action": "instruct", "instruction": "核查"})
    html = reg.get(f"/petitions/{p.pk}/").content.decode()
    assert "dispatch-unit" in html
    resp = reg.post(url, {"_action": "dispatch", "unit": people.tree["squad1"].pk})
    assert resp.status_code == 302
    squad = logged_in_client(people.squad1)
    html = squad.get(f"/petitions/{p.pk}/").content.decode()
    assert "btn-handle" in html and "btn-transfer" in html
    resp = squad.post(url, {"_action": "transfer", "unit": people.tree["squad3"].pk, "reason": "x"})
    assert resp.status_code == 400 and "不在您的转办范围内" in resp.content.decode()
    assert logged_in_client(people.squad3).get(f"/petitions/{p.pk}/").status_code == 404
    assert reg.post(url, {"_action": "nope"}).status_code == 404
    assert reg.post(url, {"_action": "explain", "supervision": "999999"}).status_code == 404


def test_case_page_shows_linked_petitions(people, register):
    from teis.cases.models import EnforcementCase

    p = register()
    case = EnforcementCase.objects.create(title="拒载案", unit=people.tree["corps"], handler=people.registrar)
    reg = logged_in_client(people.registrar)
    resp = reg.post(f"/petitions/{p.pk}/cases/", {"case": str(case.pk)})
    assert resp.status_code == 302 and list(p.cases.all()) == [case]
    html = reg.get(f"/cases/{case.pk}/").content.decode()
    assert "来源信访件" in html and p.code in html
    assert "拒载案" in reg.get(f"/petitions/{p.pk}/").content.decode()


def test_reveal_is_audited(people, register):
    from teis.audit.models import AuditRecord

    p = register()
    resp = logged_in_client(people.leader).post(f"/petitions/{p.pk}/reveal/complainant_phone/")
    assert resp.json() == {"value": "13812345678"}
    assert AuditRecord.objects.filter(action="reveal", object_id=str(p.pk)).exists()
    assert logged_in_client(people.registrar).post(f"/petitions/{p.pk}/reveal/complainant_phone/").status_code == 403


def test_queries_and_export(people, register):
    p = register()
    client = logged_in_client(people.registrar)
    html = client.get("/petitions/query/", {"channel": "hotline"}).content.decode()
    assert p.code in html
    resp = client.get("/petitions/query/", {"registered_at_from": "2099-01-01"})
    assert p.code not in resp.content.decode()
    rows = xlsx_rows(client.get("/petitions/query/", {"channel": "hotline", "export": "1"}).content)
    assert rows[1][0] == p.code
    cond = json.dumps([{"field": "title", "op": "contains", "value": "拒载"}])
    assert p.code in client.get("/petitions/query/custom/", {"conditions": cond}).content.decode()
    resp = client.get("/petitions/query/custom/", {"conditions": "[{"})
    assert resp.status_code == 400 and "格式无效" in resp.content.decode()
    resp = client.post("/petitions/query/save/", {"name": "拒载件", "conditions": cond})
    assert resp.status_code == 302
    assert p.code in client.get(resp.url).content.decode()


def test_stats_and_dashboard_pages(people, register):
    register()
    client = logged_in_client(people.registrar)
    html = client.get("/petitions/stats/", {"dimension": "channel"}).content.decode()
    assert "chart-volume" in html and "12345热线" in html
    assert client.get("/petitions/stats/", {"dimension": "channel", "date_from": "x"}).status_code == 400
    rows = xlsx_rows(client.get("/petitions/stats/", {"dimension": "unit", "export": "1"}).content)
    assert rows[0][0] == "承办单位"
    html = client.get("/petitions/dashboard/").content.decode()
    assert "chart-monthly" in html and "信访总量" in html
    assert client.get("/petitions/dashboard/", {"month": "13"}).status_code == 400
