"""综合查询 and 自定义查询: filters, scope, validation, saved and shared queries, export, API."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from teis.cases.choices import CaseStatus, PaymentStatus
from teis.cases.models import CaseVehicle, EnforcementCase, Party, SavedQuery
from teis.cases.services import query as q
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client

pytestmark = pytest.mark.django_db


def make_case(handler, unit=None, **kw) -> EnforcementCase:
    """A case straight through the ORM (the intake service is tested elsewhere)."""
    party = kw.pop("party", None)
    plate = kw.pop("plate", None)
    kw.setdefault("title", "测试案件")
    case = EnforcementCase.objects.create(handler=handler, unit=unit or handler.officer.unit, **kw)
    if party:
        Party.objects.create(case=case, kind="person", name=party[0], id_number=party[1])
    if plate:
        CaseVehicle.objects.create(case=case, plate=plate)
    return case


@pytest.fixture
def people(make_user, tree):
    return {
        "o1": make_user("field_officer", "squad1"),
        "o2": make_user("field_officer", "squad2"),
        "o3": make_user("field_officer", "squad3"),
        "lead1": make_user("squad_leader", "squad1"),
        "brigade": make_user("brigade_leader", "brigade1"),
        "boss": make_user("leadership", "corps"),
    }


def codes_of(qs):
    return sorted(c.title for c in qs)


def test_filters_and_scope(people, tree):
    o1, o2, o3 = people["o1"], people["o2"], people["o3"]
    make_case(
        o1,
        title="A",
        status=CaseStatus.CLOSED,
        fine_amount=Decimal("500"),
        plate="沪A12345",
        party=("张三", "110105194912310025"),
    )
    make_case(
        o2, title="B", status=CaseStatus.INVESTIGATING, fine_amount=Decimal("3000"), payment_status=PaymentStatus.UNPAID
    )
    make_case(o3, title="C", status=CaseStatus.CLOSED, fine_amount=Decimal("800"))
    brigade = people["brigade"]
    assert codes_of(q.search_cases(brigade, [])) == ["A", "B"]  # brigade1 subtree only, never C
    assert codes_of(q.search_cases(people["lead1"], [])) == ["A"]  # own unit
    assert codes_of(q.search_cases(o2, [])) == ["B"]  # own cases
    assert codes_of(q.search_cases(people["boss"], [])) == ["A", "B", "C"]
    cond = [{"field": "status", "op": "eq", "value": "closed"}]
    assert codes_of(q.search_cases(brigade, cond)) == ["A"]
    assert codes_of(q.search_cases(people["boss"], cond)) == ["A", "C"]
    assert codes_of(q.search_cases(brigade, [{"field": "fine_amount", "op": "between", "value": ["600", "5000"]}])) == [
        "B"
    ]
    assert codes_of(q.search_cases(brigade, [{"field": "fine_amount", "op": "gt", "value": "400"}])) == ["A", "B"]
    assert codes_of(
        q.search_cases(brigade, [{"field": "payment_status", "op": "in", "value": ["unpaid", "paid"]}])
    ) == ["B"]
    assert codes_of(q.search_cases(brigade, [{"field": "plate", "op": "contains", "value": "A123"}])) == ["A"]
    assert codes_of(q.search_cases(brigade, [{"field": "plate", "op": "empty", "value": True}])) == ["B"]
    assert codes_of(q.search_cases(brigade, [{"field": "party_name", "op": "contains", "value": "张"}])) == ["A"]
    # id number by blind index, exact and normalised
    assert codes_of(
        q.search_cases(brigade, [{"field": "party_id_number", "op": "eq", "value": "110105194912310025"}])
    ) == ["A"]
    assert (
        codes_of(q.search_cases(brigade, [{"field": "party_id_number", "op": "eq", "value": "110105194912310026"}]))
        == []
    )
    assert codes_of(q.search_cases(brigade, [{"field": "unit", "op": "eq", "value": tree["squad2"].pk}])) == ["B"]
    # a unit outside the scope gives nothing, not its cases
    assert codes_of(q.search_cases(brigade, [{"field": "unit", "op": "eq", "value": tree["squad3"].pk}])) == []
    assert codes_of(q.search_cases(brigade, [{"field": "handler", "op": "ne", "value": o1.pk}])) == ["B"]


def test_date_ranges_and_overdue(people):
    o1 = people["o1"]
    now = timezone.now()
    make_case(
        o1,
        title="old",
        discovered_at=now - dt.timedelta(days=40),
        step_due_at=now - dt.timedelta(days=1),
        status=CaseStatus.INVESTIGATING,
    )
    make_case(
        o1, title="new", discovered_at=now, step_due_at=now + dt.timedelta(days=3), status=CaseStatus.INVESTIGATING
    )
    today = timezone.localdate()
    start = (today - dt.timedelta(days=41)).isoformat()
    end = (today - dt.timedelta(days=39)).isoformat()
    assert codes_of(q.search_cases(o1, [{"field": "discovered_at", "op": "between", "value": [start, end]}])) == ["old"]
    assert codes_of(q.search_cases(o1, [{"field": "discovered_at", "op": "eq", "value": today.isoformat()}])) == ["new"]
    assert codes_of(q.search_cases(o1, [{"field": "overdue", "op": "eq", "value": "是"}])) == ["old"]
    assert codes_of(q.search_cases(o1, [{"field": "overdue", "op": "eq", "value": False}])) == ["new"]


@pytest.mark.parametrize(
    "bad, index, text",
    [
        ([{"field": "nope", "op": "eq", "value": 1}], 0, "不支持的查询字段"),
        (
            [{"field": "title", "op": "eq", "value": "x"}, {"field": "title", "op": "between", "value": "1,2"}],
            1,
            "不支持运算",
        ),
        ([{"field": "fine_amount", "op": "gt", "value": "abc"}], 0, "不是有效数字"),
        ([{"field": "filed_at", "op": "between", "value": ["2025-02-01", "2025-01-01"]}], 0, "起始值不能大于终止值"),
        ([{"field": "filed_at", "op": "eq", "value": "2025-13-01"}], 0, "不是有效日期"),
        ([{"field": "status", "op": "eq", "value": "flying"}], 0, "不是有效的案件状态"),
        ([{"field": "title", "op": "in", "value": []}], 0, "需要一个或多个值"),
        (["x"], 0, "格式错误"),
    ],
)
def test_condition_validation(bad, index, text):
    with pytest.raises(ServiceError) as err:
        q.check_conditions(bad)
    assert f"第 {index + 1} 个条件" in err.value.message and text in err.value.message
    assert f"conditions.{index}" in err.value.fields


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "field": st.text(max_size=8),
                "op": st.text(max_size=6),
                "value": st.one_of(st.none(), st.text(max_size=10), st.integers()),
            }
        ),
        max_size=4,
    )
)
def test_any_input_is_accepted_or_refused_in_chinese(raw):
    try:
        q.check_conditions(raw)
    except ServiceError as err:
        assert err.code in ("invalid_condition", "invalid_conditions") and "条件" in err.message


def test_capped_count(people, settings):
    o1 = people["o1"]
    for i in range(5):
        make_case(o1, title=f"c{i}")
    qs = q.search_cases(o1, [])
    assert q.capped_count(qs, cap=10) == (5, False)
    assert q.capped_count(qs, cap=3) == (3, True)
    assert q.count_label(3, True) == "3+"


def test_page_and_bad_input(people):
    o1 = people["o1"]
    make_case(o1, title="甲案", status=CaseStatus.CLOSED)
    make_case(o1, title="乙案")
    client = logged_in_client(people["lead1"])
    r = client.get("/cases/query/?status=closed")
    assert r.status_code == 200
    body = r.content.decode()
    assert "甲案" in body and "乙案" not in body and "共 1 件" in body
    r = client.get("/cases/query/?fine_amount_from=abc")
    assert r.status_code == 400 and "罚款金额" in r.content.decode()
    r = client.get("/cases/query/?" + "conditions=" + json.dumps([{"field": "bogus", "op": "eq", "value": 1}]))
    assert r.status_code == 400 and "第 1 个条件" in r.content.decode()
    # no permission: 403
    assert logged_in_client(make_nobody(people)).get("/cases/query/").status_code == 403


def make_nobody(people):
    from teis.core.testing import make_officer_user

    return make_officer_user(role_codes=[], unit=people["o1"].officer.unit)


def test_export_small_and_job(people, settings):
    o1 = people["o1"]
    for i in range(3):
        make_case(o1, title=f"导出{i}", status=CaseStatus.CLOSED)
    client = logged_in_client(people["lead1"])
    r = client.get("/cases/query/?status=closed&export=1")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    titles = sorted(row[1] for row in ws.iter_rows(min_row=2, values_only=True))
    assert titles == ["导出0", "导出1", "导出2"]
    settings.TEIS_EXPORT_SYNC_LIMIT = 2
    from teis.core.models import ExportJob

    r = client.get(
        "/cases/query/custom/?export=1&conditions=" + json.dumps([{"field": "status", "op": "eq", "value": "closed"}])
    )
    assert r.status_code == 302
    job = ExportJob.objects.get()
    assert job.total == 3  # huey runs immediately in tests (after commit)
    q._run_query_export(job.pk)
    job.refresh_from_db()
    assert job.status == "done" and job.file_name


def test_saved_and_shared_queries(people, make_user):
    o1, lead1, o3 = people["o1"], people["lead1"], people["o3"]
    make_case(o1, title="X", status=CaseStatus.CLOSED)
    cond = [{"field": "status", "op": "eq", "value": "closed"}]
    mine = q.do_save_query(lead1, name="已结案", definition=cond, shared=False)
    shared = q.do_save_query(lead1, name="共享-已结案", definition=cond, shared=True)
    assert set(q.visible_queries(lead1)) == {mine, shared}
    assert list(q.visible_queries(o1)) == [shared]  # same unit
    assert list(q.visible_queries(people["brigade"])) == [shared]  # superior of the creator's unit
    assert list(q.visible_queries(o3)) == []  # another branch
    with pytest.raises(ServiceError):
        q.do_save_query(o1, name="改", definition=cond, query=shared)  # not the owner
    with pytest.raises(ServiceError) as err:
        q.do_save_query(lead1, name="坏", definition=[{"field": "status", "op": "gt", "value": "x"}])
    assert "第 1 个条件" in err.value.message
    # run through the page and the API
    client = logged_in_client(o1)
    r = client.get(f"/cases/query/custom/{shared.pk}/")
    assert r.status_code == 200 and ">X<" in r.content.decode()
    assert logged_in_client(o3).get(f"/cases/query/custom/{shared.pk}/").status_code == 404
    r = client.get(f"/api/v1/cases/saved-queries/{shared.pk}/run/")
    assert r.status_code == 200 and [c["title"] for c in r.json()["results"]] == ["X"]


def test_api_query_and_saved_crud(people):
    o1 = people["o1"]
    make_case(o1, title="Q1", status=CaseStatus.CLOSED)
    make_case(people["o3"], title="Q3", status=CaseStatus.CLOSED)
    client = logged_in_client(people["brigade"])
    r = client.get("/api/v1/cases/query/?status=closed")
    assert r.status_code == 200
    data = r.json()
    assert [c["title"] for c in data["results"]] == ["Q1"] and data["count"] == 1 and not data["count_capped"]
    r = client.get(
        "/api/v1/cases/query/", {"conditions": json.dumps([{"field": "fine_amount", "op": "gt", "value": "x"}])}
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_condition" and "conditions.0" in r.json()["fields"]
    r = client.post(
        "/api/v1/cases/saved-queries/",
        {"name": "mine", "definition": [{"field": "title", "op": "contains", "value": "Q"}], "shared": True},
        content_type="application/json",
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    r = client.post(
        "/api/v1/cases/saved-queries/",
        {"name": "bad", "definition": [{"field": "title", "op": "zz", "value": "Q"}]},
        content_type="application/json",
    )
    assert r.status_code == 400 and "第 1 个条件" in r.json()["message"]
    r = client.put(f"/api/v1/cases/saved-queries/{pk}/", {"name": "renamed"}, content_type="application/json")
    assert r.status_code == 200 and SavedQuery.objects.get(pk=pk).name == "renamed"
    assert logged_in_client(o1).delete(f"/api/v1/cases/saved-queries/{pk}/").status_code == 400  # not owner
    assert client.delete(f"/api/v1/cases/saved-queries/{pk}/").status_code == 204
