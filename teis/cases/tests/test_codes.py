"""Unified case code (赋码) and file numbers: segments, validation of outside codes, never reused, concurrency."""

# ruff: noqa: F811 - the shared case fixtures are imported from test_intake

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from teis.core.models import Sequence
from teis.core.services import ServiceError

from ..choices import ItemTypeCode, Procedure
from ..codes import (
    PROVINCE_CODES,
    generate_case_code,
    next_file_number,
    parse_case_code,
    validate_case_code,
)
from ..models import EnforcementCase
from ..services import intake
from .test_intake import SAMPLE_KEY, case_data, case_setup, media, officer  # noqa: F401

DAY = dt.date(2025, 3, 9)


def a_case(tree, unit="squad1", procedure=Procedure.GENERAL, cause=None):
    return EnforcementCase(title="测试", unit=tree[unit], procedure=procedure, case_cause=cause)


# --- generation ---------------------------------------------------------------------------------------------


def test_segments_come_from_the_nearest_units_and_the_sequence_counts(case_setup):
    tree = case_setup["tree"]
    case = a_case(tree)
    assert generate_case_code(case, DAY) == "310000011250309001"
    assert generate_case_code(case, DAY) == "310000011250309002"
    # another day, another item type: their own sequences
    assert generate_case_code(case, DAY + dt.timedelta(days=1)) == "310000011250310001"
    assert generate_case_code(a_case(tree, procedure=Procedure.COERCIVE), DAY) == "310000012250309001"
    assert generate_case_code(a_case(tree, procedure=Procedure.INSPECTION), DAY) == "310000013250309001"
    # the district brigade has its own region and subject codes
    assert generate_case_code(a_case(tree, "district"), DAY) == "310115121250309001"
    # the cause's item type wins over the procedure
    cause = case_setup["cause"]
    cause.item_type = "coercion"
    assert generate_case_code(a_case(tree, cause=cause), DAY)[8] == ItemTypeCode.COERCION


def test_missing_region_or_subject_code_is_refused_naming_the_unit(tree):
    with pytest.raises(ServiceError) as exc:
        generate_case_code(a_case(tree), DAY)
    assert exc.value.code == "no_region_code" and "第一中队" in exc.value.message
    from teis.org.models import Unit

    Unit.objects.filter(pk=tree["corps"].pk).update(region_code="310000", subject_code="")
    tree["squad1"].refresh_from_db()
    case = a_case(tree)
    case.unit.parent.parent.parent.refresh_from_db()
    with pytest.raises(ServiceError) as exc:
        generate_case_code(EnforcementCase(title="x", unit=Unit.objects.get(pk=tree["squad1"].pk)), DAY)
    assert exc.value.code == "no_subject_code" and "第一中队" in exc.value.message


def test_a_sequence_overflowing_its_width_is_refused(case_setup):
    Sequence.objects.create(name="case_code:310000011250309", value=999)
    with pytest.raises(ServiceError) as exc:
        generate_case_code(a_case(case_setup["tree"]), DAY)
    assert exc.value.code == "sequence_exhausted"


def test_widths_are_configuration(case_setup, settings):
    settings.TEIS_CASE_CODE_WIDTHS = [6, 2, 1, 6, 4]
    code = generate_case_code(a_case(case_setup["tree"]), DAY)
    assert code == "3100000112503090001"
    validate_case_code(code)
    with pytest.raises(ValidationError):
        validate_case_code("310000011250309001")  # 18 digits no longer fit


# --- validation of codes from outside -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("", "required", "请填写"),
        ("31000001125030900", "invalid_length", "18 位"),
        ("31000001125030900A", "invalid_length", "18 位"),
        ("３１0000011250309001", "invalid_length", "18 位"),  # full-width digits
        ("990000011250309001", "invalid_region", "行政区划代码"),
        ("310001011250309001", "invalid_region", "行政区划代码"),
        ("310000001250309001", "invalid_subject", "执法主体编码"),
        ("310000019250309001", "invalid_item_type", "事项类型码"),
        ("310000011250230001", "invalid_date", "日期码"),
        ("310000011251301001", "invalid_date", "日期码"),
        ("310000011250309000", "invalid_sequence", "顺序号"),
    ],
)
def test_validation_names_the_bad_segment(value, code, words):
    with pytest.raises(ValidationError) as exc:
        validate_case_code(value)
    assert exc.value.code == code
    assert words in exc.value.messages[0]


def test_non_strings_are_refused():
    for value in (None, 310000011250309001, b"310000011250309001", ["x"]):
        with pytest.raises(ValidationError):
            validate_case_code(value)


def test_parse():
    assert parse_case_code("310115121250309042") == {
        "region": "310115",
        "subject": "12",
        "item_type": "1",
        "date": "250309",
        "sequence": "042",
    }


regions = st.builds(
    lambda p, c, d: f"{p}{c}{d}",
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(1, 99).map(lambda n: f"{n:02d}"),
    st.integers(0, 99).map(lambda n: f"{n:02d}"),
) | st.sampled_from(sorted(PROVINCE_CODES)).map(lambda p: p + "0000")


@given(
    region=regions,
    subject=st.integers(1, 99),
    item=st.sampled_from(ItemTypeCode.values),
    day=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)),
    seq=st.integers(1, 999),
)
def test_round_trip(region, subject, item, day, seq):
    code = f"{region}{subject:02d}{item}{day:%y%m%d}{seq:03d}"
    validate_case_code(code)
    parts = parse_case_code(code)
    assert parts["region"] == region and int(parts["sequence"]) == seq
    assert dt.date(2000 + int(parts["date"][:2]), int(parts["date"][2:4]), int(parts["date"][4:])) == day


@given(st.one_of(st.text(max_size=30), st.from_regex(r"\A[0-9]{18}\Z"), st.binary(max_size=20), st.integers()))
def test_fuzz_only_validation_errors(value):
    try:
        validate_case_code(value)
    except ValidationError as exc:
        assert exc.messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in exc.messages)


@pytest.mark.django_db
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(day=st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
def test_generated_codes_validate(case_setup, day):
    validate_case_code(generate_case_code(a_case(case_setup["tree"]), day))


# --- file numbers (文号) --------------------------------------------------------------------------------------


def test_file_numbers_per_subject_procedure_and_year(case_setup, settings):
    tree = case_setup["tree"]
    case = a_case(tree)
    assert next_file_number(case, DAY) == "沪交执罚〔2025〕第000001号"
    assert next_file_number(case, DAY) == "沪交执罚〔2025〕第000002号"
    assert next_file_number(case, dt.date(2026, 1, 2)) == "沪交执罚〔2026〕第000001号"
    assert next_file_number(a_case(tree, procedure=Procedure.COERCIVE), DAY) == "沪交执强〔2025〕第000001号"
    settings.TEIS_FILE_NUMBER_PREFIXES = {"12": "浦交执"}
    assert next_file_number(a_case(tree, "district"), DAY) == "浦交执罚〔2025〕第000001号"
    settings.TEIS_FILE_NUMBER_PATTERNS = {"general": "{prefix}〔{year}〕{n:04d}号"}
    assert next_file_number(case, DAY) == "沪交执〔2025〕0003号"
    settings.TEIS_FILE_NUMBER_PATTERNS = {"general": "{prefix}{unit}"}
    with pytest.raises(ServiceError) as exc:
        next_file_number(case, DAY)
    assert exc.value.code == "bad_config"


# --- concurrency (PostgreSQL) ----------------------------------------------------------------------------------

N = 50


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_creations_get_distinct_valid_codes(make_user, case_setup):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL")
    officer = make_user("field_officer", "squad1")
    setup = case_setup
    barrier = threading.Barrier(N)
    codes, errors = [], []
    lock = threading.Lock()

    def work(i):
        try:
            barrier.wait(timeout=60)
            case = intake.do_pre_register(
                officer,
                case_data(setup, title=f"并发案件{i}", case_cause=setup["cause"].cause_code),
                process_key=SAMPLE_KEY,
            )
            case = intake.do_file_case(officer, case, by_workflow=True)  # as 立案审批 approval files it
            with lock:
                codes.append(case.case_code)
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(codes) == N and len(set(codes)) == N
    for code in codes:
        validate_case_code(code)
    assert sorted(int(c[-3:]) for c in codes) == list(range(1, N + 1))
    assert set(EnforcementCase.objects.values_list("case_code", flat=True)) == set(codes)
