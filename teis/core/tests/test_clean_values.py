"""One validation per kind of value: the clean_* entry points normalise, validate and say why in Chinese."""

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import uscc

from teis.core.validators import clean_credit_code, clean_id_number, clean_phone, clean_plate


@pytest.mark.parametrize("typed", ["沪B·D1234", "沪b d1234", " 沪BD1234 ", "沪B-D1234", "沪Ｂ·Ｄ１２３４"])
def test_plate_is_one_value_however_typed(typed):
    assert clean_plate(typed) == "沪BD1234"


def test_id_number_credit_code_and_phone():
    assert clean_id_number(" 11010519491231002x") == "11010519491231002X"
    base = "91310115MA1K4ABC1"
    code = base + uscc.calc_check_digit(base)
    assert clean_credit_code(f" {code[:8].lower()} {code[8:].lower()}") == code
    assert clean_phone("+86 138-1234-5678") == "13812345678"
    assert clean_phone("(021) 6234 5678") == "021-62345678"
    assert clean_plate("") == clean_phone(None) == clean_id_number("  ") == ""


@pytest.mark.parametrize(
    "clean, value, message",
    [
        (clean_plate, "沪12345", "车牌号格式不正确"),
        (clean_id_number, "110105194912310021", "校验位"),
        (clean_phone, "12345", "联系电话应为手机号码"),
        (clean_credit_code, "91310000710935100X", "统一社会信用代码"),
    ],
)
def test_bad_values_are_refused_with_a_chinese_message(clean, value, message):
    with pytest.raises(ValidationError) as exc:
        clean(value)
    assert message in exc.value.messages[0]
