"""综合查询 / 自定义查询: the condition language, blind-index matching, scope, saved queries."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from teis.core.services import ServiceError
from teis.petitions.services import flow
from teis.petitions.services import query as q

pytestmark = pytest.mark.django_db


def _codes(user, conditions):
    return {p.code for p in q.search(user, q.check_conditions(conditions))}


def test_conditions(people, register):
    a = register()
    b = register(
        channel="letter",
        complainant_phone="13900002222",
        complainant_id_number="",
        subject_plate="沪C11111",
        title="网约车加价",
        category=people.categories["ride_hailing"].pk,
    )
    u = people.registrar
    assert _codes(u, [{"field": "channel", "op": "eq", "value": "letter"}]) == {b.code}
    assert _codes(u, [{"field": "title", "op": "contains", "value": "网约"}]) == {b.code}
    assert _codes(u, [{"field": "complainant_phone", "op": "eq", "value": "13812345678"}]) == {a.code}
    assert _codes(u, [{"field": "complainant_id_number", "op": "eq", "value": "310101199001011234"}]) == {a.code}
    assert _codes(u, [{"field": "category", "op": "in", "value": [people.categories["ride_hailing"].pk]}]) == {b.code}
    assert _codes(u, [{"field": "channel", "op": "ne", "value": "letter"}]) == {a.code}
    assert _codes(u, [{"field": "subject_plate", "op": "eq", "value": "沪c11111"}]) == {b.code}
    assert _codes(u, [{"field": "closed_at", "op": "empty"}]) == {a.code, b.code}
    day = timezone.localtime(a.registered_at).date().isoformat()  # the local day, not UTC's
    assert _codes(u, [{"field": "registered_at", "op": "between", "value": [day, day]}]) >= {a.code}
    assert _codes(u, [{"field": "unit", "op": "eq", "value": people.tree["corps"].pk}]) == {a.code, b.code}
    assert _codes(u, [{"field": "overdue", "op": "eq", "value": "false"}]) == {a.code, b.code}


def test_scope(people, register):
    p = register()
    p = flow.do_accept(people.registrar, p, accept=True)
    p = flow.do_instruct(people.leader, p, instruction="核查")
    flow.do_dispatch(people.registrar, p, unit=people.tree["squad1"])
    register(title="另一件")
    assert _codes(people.squad1, []) == {p.code}
    assert _codes(people.squad3, []) == set()


@pytest.mark.parametrize(
    "conditions, text",
    [
        ("x", "列表"),
        ([{"field": "secret", "op": "eq", "value": 1}], "不支持的查询字段"),
        ([{"field": "channel", "op": "contains", "value": "a"}], "不支持"),
        ([{"field": "channel", "op": "eq", "value": "fax"}], "有效取值"),
        ([{"field": "registered_at", "op": "between", "value": ["2025-02-01", "2025-01-01"]}], "起始值"),
        ([{"field": "registered_at", "op": "eq", "value": "昨天"}], "日期"),
        ([{"field": "supervised", "op": "eq", "value": "也许"}], "是"),
    ],
)
def test_bad_conditions(conditions, text):
    with pytest.raises(ServiceError) as err:
        q.check_conditions(conditions)
    assert text in err.value.message


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["field", "op", "value"]), st.one_of(st.text(max_size=8), st.integers(), st.none())
        ),
        max_size=4,
    )
)
def test_check_conditions_only_raises_service_errors(raw):
    try:
        q.check_conditions(raw)
    except ServiceError:
        pass


def test_saved_queries(people, register):
    register()
    cond = [{"field": "channel", "op": "eq", "value": "hotline"}]
    mine = q.do_save_query(people.registrar, name="热线件", definition=cond)
    shared = q.do_save_query(people.registrar, name="共享", definition=cond, shared=True)
    assert set(q.visible_queries(people.squad1)) == {shared}
    with pytest.raises(ServiceError):
        q.do_save_query(people.registrar, name="", definition=cond)
    with pytest.raises(ServiceError):
        q.do_save_query(people.registrar, name="空", definition=[])
    with pytest.raises(ServiceError):
        q.do_delete_query(people.squad1, shared)
    q.do_delete_query(people.registrar, mine)
    assert list(q.visible_queries(people.registrar)) == [shared]
