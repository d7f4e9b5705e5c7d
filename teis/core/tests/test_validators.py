"""Tests of teis.core.validators: known valid and invalid identifiers, and fuzzing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from teis.core import validators as v

# --- independent implementations of the check characters, to build valid test numbers -------------


def id_check_digit(first17: str) -> str:
    """GB 11643-1999: weights 2^(17-i) mod 11; the remainder maps through "10X98765432"."""
    total = sum(int(digit) * (2 ** (17 - i) % 11) for i, digit in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id(first17: str) -> str:
    return first17 + id_check_digit(first17)


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015: weights 3^i mod 31; check = 31 - (sum mod 31), where 31 means 0."""
    total = sum(USCC_ALPHABET.index(c) * (3**i % 31) for i, c in enumerate(first17))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def error_code(validator, value) -> str | None:
    try:
        validator(value)
    except ValidationError as exc:
        return exc.code
    return None


# --- ID numbers ---------------------------------------------------------------------------------


def test_independent_check_digit_matches_published_example():
    assert id_check_digit("11010519491231002") == "X"  # the example number in GB 11643


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",
        make_id("31010119900101123"),
        make_id("31022519800307461"),  # former 南汇县 code: abolished, still on real cards
        make_id("44190019881111001"),  # 东莞, a city without counties
        make_id("81000019950505123"),  # Hong Kong residents' residence permit
        make_id("83000020000229123"),  # Taiwan residents' residence permit; a leap day
    ],
)
def test_valid_id_numbers(number):
    v.validate_id_number(number)


@pytest.mark.parametrize(
    "number, code",
    [
        ("110105194912310021", "invalid_checksum"),
        ("11010519491231002", "invalid_length"),
        ("1101051949123100211", "invalid_length"),
        ("110105194912310", "invalid_length"),  # first-generation 15-digit numbers are not accepted
        ("11010519491231002Y", "invalid_format"),
        ("1101051949123100AX", "invalid_format"),
        (make_id("99010519491231002"), "invalid_region"),
        (make_id("00010519491231002"), "invalid_region"),
        (make_id("11010519490231002"), "invalid_birth_date"),  # 31 February
        (make_id("11010519491331002"), "invalid_birth_date"),
        (make_id("11010518991231002"), "invalid_birth_date"),
        ("11010519491231002x", "not_normalised"),
        (" 11010519491231002X", "not_normalised"),
        ("110105 19491231 002X", "not_normalised"),
        ("１１０１０５１９４９１２３１００２Ｘ", "not_normalised"),  # full-width, as typed with an IME
        ("", "required"),
        (None, "required"),
        (11010519491231002, "required"),
    ],
)
def test_invalid_id_numbers(number, code):
    assert error_code(v.validate_id_number, number) == code


def test_id_number_born_in_the_future_is_invalid():
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    number = make_id(f"110105{tomorrow:%Y%m%d}002")
    assert error_code(v.validate_id_number, number) == "invalid_birth_date"
    today = make_id(f"110105{timezone.localdate():%Y%m%d}002")
    v.validate_id_number(today)


def test_normalise_id_number():
    assert v.normalise_id_number(" 110105 19491231-002x\n") == "11010519491231002X"
    assert v.normalise_id_number("１１０１０５１９４９１２３１００２ｘ") == "11010519491231002X"


def test_messages_are_chinese():
    with pytest.raises(ValidationError) as info:
        v.validate_id_number("110105194912310021")
    assert "校验位" in info.value.messages[0]


@given(
    st.from_regex(
        r"[1-6][1-5][0-9]{4}(19[0-9]{2}|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
        fullmatch=True,
    )
)
def test_generated_ids_with_right_check_digit_are_valid(first17):
    if first17[:2] not in v._PROVINCE_CODES:
        assert error_code(v.validate_id_number, make_id(first17)) == "invalid_region"
        return
    number = make_id(first17)
    v.validate_id_number(number)
    wrong = "0123456789X".replace(number[-1], "")
    for check in wrong:
        assert error_code(v.validate_id_number, first17 + check) == "invalid_checksum"


# --- credit codes -------------------------------------------------------------------------------


def test_independent_uscc_check_matches_published_example():
    assert uscc_check_char("91110000600037341") == "L"


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",
        make_uscc("91310115MA1K3Y4P2"),
        make_uscc("12100000400000000"),  # 事业单位 (机构编制)
        make_uscc("N2330102MF0000000"),  # 农村集体经济组织: a letter registration authority
        make_uscc("Y1440300MB2C00000"),
    ],
)
def test_valid_credit_codes(code):
    v.validate_credit_code(code)


@pytest.mark.parametrize(
    "code, expected",
    [
        ("91110000600037341M", "invalid_checksum"),
        ("91110000600037341", "invalid_length"),
        ("91110000600037341LL", "invalid_length"),
        ("91110000600037341I", "invalid_format"),  # I is not in the alphabet
        ("9111000O600037341L", "invalid_format"),  # region code must be digits
        ("91110000S00037341L", "invalid_format"),
        ("91110000600037341l", "not_normalised"),
        ("9111 0000 6000 3734 1L", "not_normalised"),
        ("", "required"),
    ],
)
def test_invalid_credit_codes(code, expected):
    assert error_code(v.validate_credit_code, code) == expected


@given(st.from_regex(rf"[{USCC_ALPHABET}]{{2}}[0-9]{{6}}[{USCC_ALPHABET}]{{9}}", fullmatch=True))
def test_generated_credit_codes(first17):
    code = make_uscc(first17)
    v.validate_credit_code(code)
    for wrong in USCC_ALPHABET.replace(code[-1], "")[:5]:
        assert error_code(v.validate_credit_code, first17 + wrong) == "invalid_checksum"


# --- plates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plate",
    [
        "沪A12345",
        "京N8P8F8",
        "川A0000Z",
        "沪AD1234",  # an ordinary plate whose serial starts with D
        "沪AD12345",  # small new-energy, battery electric
        "沪AFA1234",  # small new-energy, other; second serial character a letter
        "浙AA12345",
        "浙AK12345",
        "粤B12345D",  # large new-energy
        "粤B12345F",
        "京A0001警",
        "粤B1234学",
        "苏E1234挂",
        "沪A1234领",
        "粤Z1234港",
        "粤ZA123澳",
        "新A12345",
        "蒙A12345",
    ],
)
def test_valid_plates(plate):
    v.validate_plate(plate)


@pytest.mark.parametrize(
    "plate, code",
    [
        ("沪A1234", "invalid_plate"),
        ("沪A1234567", "invalid_plate"),
        ("沪I12345", "invalid_plate"),  # no authority letter I
        ("沪AO1234", "invalid_plate"),  # serials use neither O ...
        ("沪A1I234", "invalid_plate"),  # ... nor I
        ("沪AD1234A", "invalid_plate"),  # small new-energy ends in four digits
        ("沪AX12345", "invalid_plate"),  # X is not an energy letter
        ("沪AI12345", "invalid_plate"),
        ("沪A12345X", "invalid_plate"),
        ("沪A12345警", "invalid_plate"),
        ("粤A1234港", "invalid_plate"),  # 港/澳 only under 粤Z
        ("港A12345", "invalid_plate"),
        ("A12345", "invalid_plate"),
        ("沪12345", "invalid_plate"),
        ("沪a12345", "not_normalised"),
        ("沪A·12345", "not_normalised"),
        ("沪A 12345", "not_normalised"),
        ("沪ＡＤ１２３４５", "not_normalised"),
        ("", "required"),
        (None, "required"),
    ],
)
def test_invalid_plates(plate, code):
    assert error_code(v.validate_plate, plate) == code


def test_normalise_plate():
    assert v.normalise_plate(" 沪a·12345 ") == "沪A12345"
    assert v.normalise_plate("粤b-12345d") == "粤B12345D"
    assert v.normalise_plate("沪ＡＤ１２３４５") == "沪AD12345"


# --- telephones ---------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["13812345678", "19912345678", "16612345678", "14712345678"])
def test_valid_mobile_phones(phone):
    v.validate_mobile_phone(phone)


@pytest.mark.parametrize(
    "phone, code",
    [
        ("12812345678", "invalid_mobile"),
        ("1381234567", "invalid_mobile"),
        ("138123456789", "invalid_mobile"),
        ("23812345678", "invalid_mobile"),
        ("1381234567a", "invalid_mobile"),
        ("+8613812345678", "not_normalised"),
        ("138 1234 5678", "not_normalised"),
        ("138-1234-5678", "not_normalised"),
        ("", "required"),
    ],
)
def test_invalid_mobile_phones(phone, code):
    assert error_code(v.validate_mobile_phone, phone) == code


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("+86 138-1234-5678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("868613812345678", "868613812345678"),  # only a leading prefix is removed
        ("１３８１２３４５６７８", "13812345678"),
        ("13812345678", "13812345678"),
    ],
)
def test_normalise_mobile_phone(raw, expected):
    assert v.normalise_mobile_phone(raw) == expected


@pytest.mark.parametrize("phone", ["021-62345678", "010-87654321", "0755-8765432", "0571-87654321-8001"])
def test_valid_landlines(phone):
    v.validate_landline(phone)


@pytest.mark.parametrize(
    "phone, code",
    [
        ("021-0234567", "invalid_landline"),
        ("21-12345678", "invalid_landline"),
        ("021-123456", "invalid_landline"),
        ("021-12345678", "invalid_landline"),  # local numbers start with 2-9
        ("0755-123456789", "invalid_landline"),
        ("13812345678", "invalid_landline"),
        ("02162345678", "not_normalised"),
        ("(021) 6234 5678", "not_normalised"),
        ("075587654321", "not_normalised"),
    ],
)
def test_invalid_landlines(phone, code):
    assert error_code(v.validate_landline, phone) == code


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("02112345678", "021-12345678"),
        ("(021) 1234 5678", "021-12345678"),
        ("（0755）87654321", "0755-87654321"),
        ("075587654321", "0755-87654321"),
        ("021-12345678-123", "021-12345678-123"),
    ],
)
def test_normalise_landline(raw, expected):
    assert v.normalise_landline(raw) == expected


# --- fuzzing ------------------------------------------------------------------------------------

VALIDATORS = [
    v.validate_id_number,
    v.validate_credit_code,
    v.validate_plate,
    v.validate_mobile_phone,
    v.validate_landline,
]
NORMALISERS = [
    v.normalise_id_number,
    v.normalise_credit_code,
    v.normalise_plate,
    v.normalise_mobile_phone,
    v.normalise_landline,
]
anything = st.one_of(
    st.text(),
    st.text(alphabet="0123456789Xx -·沪粤京ADF警港+()（）\n\t"),
    st.none(),
    st.integers(),
    st.binary(),
    st.floats(),
    st.lists(st.text(), max_size=2),
)


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda f: f.__name__)
@given(value=anything)
def test_validators_only_raise_validation_error(validator, value):
    try:
        validator(value)
    except ValidationError as exc:
        assert exc.code
        assert all(message for message in exc.messages)


@pytest.mark.parametrize(
    "validator, normalise", list(zip(VALIDATORS, NORMALISERS, strict=True)), ids=lambda f: f.__name__
)
@given(value=st.text())
def test_normalisers_never_raise_and_their_valid_output_validates(validator, normalise, value):
    normalised = normalise(value)
    assert isinstance(normalised, str)
    # A normalised value is never refused for not being normalised.
    assert error_code(validator, normalised) != "not_normalised"
