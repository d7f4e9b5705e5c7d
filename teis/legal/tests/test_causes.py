"""Case-cause catalogue: the 20-digit code (segment-naming messages, fuzzed) and the outbox on every write."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from teis.core.models import OutboxMessage
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.legal.choices import CodeStatus
from teis.legal.models import CaseCause
from teis.legal.services.codes import do_cancel_cause, do_create_cause, do_update_cause
from teis.legal.validators import validate_cause_code

from ._code_fixtures import make_code, make_law

GOOD = "310115000123" + "07" + "000001"


def test_valid_code_passes():
    assert validate_cause_code(f" {GOOD} ") == GOOD


@pytest.mark.parametrize(
    "value, fragment",
    [
        ("3101150001230700000", "当前为 19 位"),
        (GOOD + "1", "当前为 21 位"),
        ("31011500012X" + "07" + "000001", "第 1–12 位（基本编码）应为数字"),
        ("000000000000" + "07" + "000001", "第 1–12 位（基本编码）不能全为 0"),
        ("310115000123" + "0A" + "000001", "第 13–14 位（案由代码）应为数字"),
        ("310115000123" + "00" + "000001", "第 13–14 位（案由代码）应在 01–99 之间"),
        ("310115000123" + "07" + "00000x", "第 15–20 位（附加码）应为数字"),
        ("310115000123" + "07" + "00000１", "第 15–20 位（附加码）应为数字"),  # full-width digit
        ("", "请填写"),
    ],
)
def test_wrong_segment_message_names_the_segment(value, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_cause_code(value)
    assert fragment in exc.value.messages[0]


@given(
    st.one_of(st.text(max_size=30), st.text(alphabet="0123456789", min_size=18, max_size=22), st.integers(), st.none())
)
def test_fuzz_only_validation_error(value):
    try:
        result = validate_cause_code(value)
    except ValidationError as err:
        assert err.messages and "案由目录编码" in err.messages[0] or "请填写" in err.messages[0]
    else:
        assert len(result) == 20 and result.isascii() and result.isdigit()


@given(st.text(alphabet="0123456789", min_size=20, max_size=20))
def test_fuzz_twenty_digits_accept_unless_segment_rule(value):
    ok = value[:12] != "0" * 12 and value[12:14] != "00"
    try:
        validate_cause_code(value)
    except ValidationError:
        assert not ok
    else:
        assert ok


@pytest.fixture
def reviewer(make_user):
    return make_user("legal_reviewer", "corps")


def _outbox(cause_code):
    return list(OutboxMessage.objects.filter(topic="case_cause", object_key=cause_code).order_by("id"))


@pytest.mark.django_db
def test_create_update_cancel_write_the_outbox(reviewer):
    _, _, p = make_law()
    code = make_code(reviewer, "CC0001")
    cause = do_create_cause(
        reviewer,
        {
            "cause_code": GOOD,
            "name": "未取得道路运输经营许可擅自从事道路运输经营",
            "item_type": "penalty",
            "item_code": "330217001000",
            "exercise_levels": ["city", "district"],
            "basis_provisions": [p["a1"]],
            "penalty_provisions": [p["a2"], p["a2p1"]],
            "violation_codes": [code],
            "status": "active",
        },
    )
    [msg] = _outbox(GOOD)
    assert (msg.target, msg.operation, msg.status) == ("city_platform", "create", "pending")
    payload = msg.payload
    assert payload["记录唯一标识"] == str(cause.pk)
    assert payload["案由名称"] == cause.name and payload["案由目录编码"] == GOOD
    assert payload["事项类型"] == "行政处罚" and payload["行使层级"] == "市级,区县级"
    assert payload["是否已删除"] == "0" and payload["所属事项编码"] == "330217001000"
    assert payload["事项状态"] == "启用" and payload["修改时间"]
    assert payload["设立依据/违法行为依据"] == [p["a1"].stable_id]
    assert payload["处罚依据"] == [p["a2"].stable_id, p["a2p1"].stable_id]

    do_update_cause(reviewer, cause, {"name": "改名"})
    do_cancel_cause(reviewer, cause)
    msgs = _outbox(GOOD)
    assert [m.operation for m in msgs] == ["create", "update", "cancel"]
    assert msgs[1].payload["案由名称"] == "改名"
    assert msgs[2].payload["是否已删除"] == "1" and msgs[2].payload["事项状态"] == "停用"
    cause.refresh_from_db()
    assert cause.is_deleted and cause.status == CodeStatus.RETIRED
    with pytest.raises(ServiceError):
        do_update_cause(reviewer, cause, {"name": "再改"})


@pytest.mark.django_db
def test_bad_cause_writes_nothing(reviewer):
    with pytest.raises(ServiceError) as exc:
        do_create_cause(reviewer, {"cause_code": "310115000123" + "00" + "000001", "name": "x", "item_type": "penalty"})
    assert "案由代码" in exc.value.fields["cause_code"][0]
    with pytest.raises(ServiceError) as exc:
        do_create_cause(
            reviewer, {"cause_code": GOOD, "name": "x", "item_type": "penalty", "exercise_levels": ["moon"]}
        )
    assert "exercise_levels" in exc.value.fields
    assert not CaseCause.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_pages_and_api_use_the_service(reviewer):
    client = logged_in_client(reviewer)
    form = {
        "cause_code": "310115000123" + "0A" + "000001",
        "name": "页面案由",
        "item_type": "penalty",
        "status": "active",
    }
    resp = client.post(reverse("legal:casecause_add"), form)
    assert resp.status_code == 400 and "第 13–14 位（案由代码）应为数字" in resp.content.decode()
    form["cause_code"] = GOOD
    form["exercise_levels"] = ["city"]
    resp = client.post(reverse("legal:casecause_add"), form)
    assert resp.status_code == 302, resp.content.decode()[-2000:]
    cause = CaseCause.objects.get(cause_code=GOOD)
    assert cause.exercise_levels == ["city"]
    resp = client.post(reverse("legal:casecause_delete", args=[cause.pk]))
    assert resp.status_code == 302
    assert CaseCause.objects.filter(pk=cause.pk, is_deleted=True).exists()

    other = "310115000123" + "08" + "000001"
    resp = client.post(
        "/api/v1/legal/casecauses/",
        {"cause_code": other[:-1] + "x", "name": "接口", "item_type": "penalty"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and "附加码" in resp.json()["fields"]["cause_code"][0]
    resp = client.post(
        "/api/v1/legal/casecauses/",
        {"cause_code": other, "name": "接口", "item_type": "penalty", "exercise_levels": ["province"]},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    pk = resp.json()["id"]
    resp = client.patch(f"/api/v1/legal/casecauses/{pk}/", {"name": "接口改"}, content_type="application/json")
    assert resp.status_code == 200
    assert client.delete(f"/api/v1/legal/casecauses/{pk}/").status_code == 204
    assert CaseCause.objects.filter(pk=pk, is_deleted=True).exists()
    assert [m.operation for m in _outbox(other)] == ["create", "update", "cancel"]
