"""The shared condition engine (`teis.core.query`): checking with Chinese messages, generic filters on real
tables (ExportJob for dates, Unit for refs / units / booleans), form parameters, the JSON round trip, and that
no input makes it raise anything but a ServiceError."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teis.core.models import ExportJob
from teis.core.query import (
    OPS,
    Condition,
    ConditionEngine,
    Messages,
    QueryField,
    choices_of,
    conditions_to_json,
    day_bounds,
)
from teis.core.services import ServiceError
from teis.org.choices import UnitType
from teis.org.models import Unit

JOB_FIELDS = {
    "label": QueryField("模型", "text", "model_label"),
    "status": QueryField("状态", "choice", "status", choices=choices_of(ExportJob.Status)),
    "total": QueryField("总数", "number", "total"),
    "created": QueryField("创建时间", "date", "created_at"),
    "user": QueryField("用户", "ref", "user"),
}
JOBS = ConditionEngine(JOB_FIELDS, model=ExportJob)

UNIT_FIELDS = {
    "name": QueryField("名称", "text", "name"),
    "unit_type": QueryField("单位类型", "choice", "unit_type", choices=choices_of(UnitType)),
    "parent": QueryField("上级单位", "ref", "parent"),
    "under": QueryField("上级单位（含下级）", "unit", "parent"),
    "active": QueryField("启用", "bool", "is_active"),
    "order": QueryField("排序", "number", "order", ("eq", "between", "gt")),
    "flagged": QueryField("标记", "flag", "", ("eq",)),
}


class UnitEngine(ConditionEngine):
    def special_q(self, c, f):
        from django.db.models import Q

        if f.kind == "flag":  # an app kind: parsed as a bool (scalar_kinds), filtered here
            return Q(order__gt=0) if c.value else Q(order=0)
        return None


UNITS = UnitEngine(UNIT_FIELDS, model=Unit, scalar_kinds={"flag": "bool"})

# A second dialect: other wording, one error code, unindexed error fields, a default op, no JSON strings.
TERSE = ConditionEngine(
    JOB_FIELDS,
    model=ExportJob,
    ops={**OPS, "gt": "晚于", "lt": "早于"},
    messages=Messages(unknown_field="没有字段“{name}”", not_list=("须为列表", "须为列表")),
    condition_code="invalid_query",
    list_code="invalid_query",
    indexed_errors=False,
    json_strings=False,
    none_is_empty=True,
    default_op="eq",
    max_text=5,
)


def refused(engine, raw) -> ServiceError:
    with pytest.raises(ServiceError) as err:
        engine.check(raw)
    return err.value


# --- checking ----------------------------------------------------------------------------------------------


def test_values_are_typed():
    got = JOBS.check(
        [
            {"field": "created", "op": "between", "value": "2025-01-01，2025-01-31"},
            {"field": "total", "op": "gt", "value": " 12.50 "},
            {"field": "status", "op": "in", "value": "done, failed,"},
            {"field": "user", "op": "eq", "value": "7"},
            {"field": "label", "op": "contains", "value": "  cases "},
            {"field": "label", "op": "empty", "value": ""},
            {"field": "created", "op": "eq", "value": "2025-03-04T10:00:00"},
        ]
    )
    assert got == [
        Condition("created", "between", [dt.date(2025, 1, 1), dt.date(2025, 1, 31)]),
        Condition("total", "gt", Decimal("12.50")),
        Condition("status", "in", ["done", "failed"]),
        Condition("user", "eq", 7),
        Condition("label", "contains", "cases"),
        Condition("label", "empty", True),
        Condition("created", "eq", dt.date(2025, 3, 4)),
    ]
    assert UNITS.check([{"field": "active", "op": "eq", "value": "否"}, {"field": "flagged", "op": "eq", "value": 1}])[
        1
    ] == Condition("flagged", "eq", True)


def test_fields_get_their_kinds_operators():
    assert JOBS.fields["label"].ops == ("eq", "ne", "contains", "in", "empty")
    assert JOBS.fields["created"].ops == ("eq", "ne", "between", "gt", "lt", "empty")
    assert UNITS.fields["order"].ops == ("eq", "between", "gt")  # declared ops win
    with pytest.raises(ValueError):
        ConditionEngine({"x": QueryField("X", "text", "x", ("eq", "like"))}, model=Unit)


@pytest.mark.parametrize(
    "bad, index, text",
    [
        ([{"field": "nope", "op": "eq", "value": 1}], 0, "不支持的查询字段“nope”"),
        (
            [{"field": "label", "op": "eq", "value": "x"}, {"field": "label", "op": "gt", "value": "x"}],
            1,
            "字段“模型”不支持运算“大于”，可用：等于、不等于、包含、属于、为空",
        ),
        ([{"field": "label", "op": ["eq"], "value": "x"}], 0, "不支持运算“['eq']”"),
        ([{"field": "total", "op": "gt", "value": "abc"}], 0, "“abc”不是有效数字"),
        ([{"field": "total", "op": "gt", "value": "1e12"}], 0, "“1e12”超出范围"),
        ([{"field": "total", "op": "gt", "value": "NaN"}], 0, "超出范围"),
        ([{"field": "total", "op": "gt", "value": True}], 0, "不是有效数字"),
        ([{"field": "created", "op": "between", "value": ["2025-02-01", "2025-01-01"]}], 0, "起始值不能大于终止值"),
        ([{"field": "created", "op": "between", "value": ["2025-02-01"]}], 0, "“介于”需要两个值（起、止）"),
        ([{"field": "created", "op": "eq", "value": "2025-13-01"}], 0, "“2025-13-01”不是有效日期（格式 YYYY-MM-DD）"),
        ([{"field": "status", "op": "eq", "value": "flying"}], 0, "“flying”不是有效的状态，可选：排队中、导出中"),
        ([{"field": "status", "op": "in", "value": []}], 0, "“属于”需要一个或多个值"),
        ([{"field": "status", "op": "in", "value": ["done"] * 201}], 0, "“属于”最多 200 个值"),
        ([{"field": "user", "op": "eq", "value": "x"}], 0, "“x”不是有效的编号"),
        ([{"field": "user", "op": "eq", "value": 2**70}], 0, "不是有效的编号"),
        ([{"field": "user", "op": "eq", "value": float("inf")}], 0, "不是有效的编号"),
        ([{"field": "label", "op": "eq", "value": " "}], 0, "请填写条件值"),
        ([{"field": "label", "op": "eq", "value": "x" * 101}], 0, "条件值过长（最多 100 字）"),
        ([{"field": "label", "op": "empty", "value": "也许"}], 0, "“也许”应为“是”或“否”"),
        ([{"field": "label", "op": "eq", "value": "x"}, "x"], 1, "格式错误，应包含 field、op、value"),
    ],
)
def test_refusals_name_the_condition(bad, index, text):
    err = refused(JOBS, bad)
    assert err.code == "invalid_condition"
    assert err.message.startswith(f"第 {index + 1} 个条件：") and text in err.message
    assert text.split("，可选")[0] in err.fields[f"conditions.{index}"][0]


def test_list_level_refusals_and_json_strings():
    assert JOBS.check("") == [] and JOBS.check("  ") == []
    assert JOBS.check(json.dumps([{"field": "user", "op": "eq", "value": 3}])) == [Condition("user", "eq", 3)]
    for raw, message in [
        ("[{", "查询条件格式错误，应为 JSON 列表。"),
        ("[" * 100_000, "查询条件格式错误，应为 JSON 列表。"),  # too deep for the parser: refused, not a crash
        ({"field": "x"}, "查询条件应为列表。"),
        (None, "查询条件应为列表。"),
        ([{"field": "user", "op": "eq", "value": 1}] * 31, "查询条件过多（最多 30 个）。"),
    ]:
        err = refused(JOBS, raw)
        assert (err.code, err.message) == ("invalid_conditions", message)


def test_a_second_dialect_keeps_its_wording_and_codes():
    assert TERSE.check(None) == [] and TERSE.check("") == []
    assert TERSE.check([{"field": "user", "value": "4"}]) == [Condition("user", "eq", 4)]  # op defaults to eq
    err = refused(TERSE, "[]")
    assert (err.code, err.message, err.fields) == ("invalid_query", "须为列表", {"conditions": ["须为列表"]})
    err = refused(TERSE, [{"field": "user", "value": 1}, {"field": "zz"}])
    assert (err.code, err.message, err.fields) == (
        "invalid_query",
        "第 2 个条件：没有字段“zz”",
        {"conditions": ["没有字段“zz”"]},
    )
    err = refused(TERSE, [{"field": "label", "op": "gt", "value": "x"}])
    assert "不支持运算“晚于”" in err.message
    assert "条件值过长（最多 5 字）" in refused(TERSE, [{"field": "label", "value": "abcdef"}]).message


# --- filtering ---------------------------------------------------------------------------------------------


def _aware(y, m, d, hh=0, mm=0):
    return timezone.make_aware(dt.datetime(y, m, d, hh, mm))


@pytest.fixture
def jobs(django_user_model):
    user = django_user_model.objects.create(username="q-engine")
    other = django_user_model.objects.create(username="q-engine-2")

    def job(name, at, **kw):
        return ExportJob.objects.create(user=kw.pop("user", user), model_label=name, created_at=at, **kw)

    job("a", _aware(2025, 3, 1, 0, 0), total=5, status="done")
    job("b", _aware(2025, 3, 1, 23, 59), total=50, status="failed")
    job("c", _aware(2025, 3, 2, 0, 0), total=500, user=other)
    job("", _aware(2025, 2, 28, 23, 59), total=0)
    return {"user": user, "other": other}


def names(engine, raw, model=ExportJob):
    return sorted(
        getattr(o, "model_label", None) or getattr(o, "name", "")
        for o in model.objects.filter(engine.build_q(engine.check(raw)))
    )


@pytest.mark.django_db
def test_datetime_columns_compare_by_local_day(jobs):
    day = [{"field": "created", "op": "eq", "value": "2025-03-01"}]
    assert names(JOBS, day) == ["a", "b"]
    assert names(JOBS, [{"field": "created", "op": "ne", "value": "2025-03-01"}]) == ["", "c"]
    assert names(JOBS, [{"field": "created", "op": "gt", "value": "2025-03-01"}]) == ["c"]
    assert names(JOBS, [{"field": "created", "op": "lt", "value": "2025-03-01"}]) == [""]
    assert names(JOBS, [{"field": "created", "op": "between", "value": ["2025-02-28", "2025-03-01"]}]) == ["", "a", "b"]
    # the first and last representable days are open bounds, not an overflow
    assert names(JOBS, [{"field": "created", "op": "between", "value": ["0001-01-01", "9999-12-31"]}]) == [
        "",
        "a",
        "b",
        "c",
    ]
    assert names(JOBS, [{"field": "created", "op": "gt", "value": "9999-12-31"}]) == []
    assert names(JOBS, [{"field": "created", "op": "lt", "value": "0001-01-01"}]) == []
    assert names(JOBS, [{"field": "created", "op": "empty", "value": False}]) == ["", "a", "b", "c"]
    assert day_bounds(dt.date.max)[1] is None and day_bounds(dt.date.min)[0] is None


@pytest.mark.django_db
def test_text_choice_number_and_ref_filters(jobs):
    assert names(JOBS, [{"field": "label", "op": "contains", "value": "A"}]) == ["a"]  # case-insensitive
    assert names(JOBS, [{"field": "label", "op": "ne", "value": "a"}]) == ["", "b", "c"]
    assert names(JOBS, [{"field": "label", "op": "in", "value": "a,c"}]) == ["a", "c"]
    assert names(JOBS, [{"field": "label", "op": "empty"}]) == [""]
    assert names(JOBS, [{"field": "label", "op": "empty", "value": "否"}]) == ["a", "b", "c"]
    assert names(JOBS, [{"field": "status", "op": "in", "value": ["done", "failed"]}]) == ["a", "b"]
    assert names(JOBS, [{"field": "status", "op": "ne", "value": "pending"}]) == ["a", "b"]
    assert names(JOBS, [{"field": "total", "op": "between", "value": ["5", "50"]}]) == ["a", "b"]
    assert names(JOBS, [{"field": "total", "op": "ne", "value": "5"}]) == ["", "b", "c"]
    assert names(JOBS, [{"field": "total", "op": "lt", "value": "5"}]) == [""]
    other = jobs["other"].pk
    assert names(JOBS, [{"field": "user", "op": "eq", "value": other}]) == ["c"]
    assert names(JOBS, [{"field": "user", "op": "ne", "value": other}]) == ["", "a", "b"]
    assert names(JOBS, [{"field": "user", "op": "in", "value": [other, jobs["user"].pk]}]) == ["", "a", "b", "c"]
    assert names(JOBS, [{"field": "user", "op": "empty"}]) == []
    # conditions are ANDed
    both = [{"field": "created", "op": "eq", "value": "2025-03-01"}, {"field": "total", "op": "gt", "value": 10}]
    assert names(JOBS, both) == ["b"]


@pytest.mark.django_db
def test_unit_subtree_bool_and_app_kind(tree):
    squads = ["第一中队", "第三中队", "第二中队"]
    assert names(UNITS, [{"field": "under", "op": "eq", "value": tree["brigade1"].pk}], Unit) == squads[::2]
    assert names(
        UNITS, [{"field": "under", "op": "in", "value": [tree["brigade1"].pk, tree["brigade2"].pk]}], Unit
    ) == (squads)
    assert names(UNITS, [{"field": "under", "op": "eq", "value": 10**9}], Unit) == []  # no such unit: nothing
    assert names(UNITS, [{"field": "parent", "op": "empty"}], Unit) == ["上海市交通委员会执法总队"]
    assert len(names(UNITS, [{"field": "active", "op": "eq", "value": "是"}], Unit)) == len(tree)
    Unit.objects.filter(pk=tree["squad3"].pk).update(order=3)
    assert names(UNITS, [{"field": "flagged", "op": "eq", "value": "true"}], Unit) == ["第三中队"]


# --- the form and JSON ----------------------------------------------------------------------------------------


def test_params_to_conditions():
    params = {
        "label": " cases ",
        "status": "",
        "created_from": "2025-01-01",
        "total_to": "9",
        "more": json.dumps([{"field": "user", "op": "in", "value": "1，2"}]),
    }
    simple = {"label": ("label", "contains"), "status": ("status", "eq")}
    got = JOBS.params_to_conditions(params, simple, ("created", "total"), extra="more")
    assert got == [
        {"field": "label", "op": "contains", "value": "cases"},
        {"field": "created", "op": "between", "value": ["2025-01-01", "9999-12-31"]},
        {"field": "total", "op": "between", "value": ["0", "9"]},
        {"field": "user", "op": "in", "value": [1, 2]},
    ]
    assert JOBS.check(got)[1].value == [dt.date(2025, 1, 1), dt.date(9999, 12, 31)]
    with pytest.raises(ServiceError):
        JOBS.params_to_conditions({"more": "[{"}, simple, extra="more")


def test_json_round_trip():
    raw = [
        {"field": "created", "op": "between", "value": "2025-01-01,2025-02-01"},
        {"field": "total", "op": "gt", "value": "1.50"},
        {"field": "status", "op": "in", "value": ["done"]},
        {"field": "label", "op": "empty", "value": None},
    ]
    checked = JOBS.check(raw)
    as_json = conditions_to_json(checked)
    assert json.loads(json.dumps(as_json)) == as_json
    assert as_json[0]["value"] == ["2025-01-01", "2025-02-01"] and as_json[1]["value"] == "1.50"
    assert JOBS.check(as_json) == checked
    assert JOBS.ensure_checked(checked) is checked and JOBS.ensure_checked(raw) == checked


# --- no input makes it raise anything but a ServiceError ------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.dates().map(dt.date.isoformat)
    | st.decimals(allow_nan=False).map(str),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from([*JOB_FIELDS, "", "nope"]) | st.text(max_size=5) | json_values
op_names = st.sampled_from([*OPS, "like", ""]) | json_values
conditions = st.lists(
    st.fixed_dictionaries({"field": field_names, "op": op_names, "value": json_values})
    | st.dictionaries(st.sampled_from(["field", "op", "value"]), json_values)
    | json_values,
    max_size=4,
)


@given(raw=json_values | conditions)
def test_arbitrary_json_parses_or_is_refused(raw):
    for engine in (JOBS, TERSE, UNITS):
        for given_raw in (raw, json.dumps(raw)):
            try:
                checked = engine.check(given_raw)
            except ServiceError as err:
                assert err.code in ("invalid_condition", "invalid_conditions", "invalid_query") and err.message
                continue
            assert all(isinstance(c, Condition) for c in checked)
            assert engine.check(conditions_to_json(checked)) == checked


@pytest.mark.django_db
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.lists(
        st.fixed_dictionaries(
            {
                "field": st.sampled_from(list(JOB_FIELDS)),
                "op": st.sampled_from(list(OPS)),
                "value": json_values | st.lists(st.dates().map(dt.date.isoformat), min_size=2, max_size=2),
            }
        ),
        max_size=3,
    )
)
def test_checked_conditions_always_run(raw):
    try:
        checked = JOBS.check(raw)
    except ServiceError:
        return
    ExportJob.objects.filter(JOBS.build_q(checked)).count()  # no database error for any checked value
