"""Django validators and normalisers for Chinese identifiers: ID numbers, credit codes, plates, phones.

Each `validate_*` raises `django.core.exceptions.ValidationError` with a Chinese message and a `code`, and
raises nothing else for any input. Validators are strict: they accept only the normalised form, because
that is the form stored and blind-indexed (a value with spaces or a lower-case "x" would index
differently). A value that is valid once normalised gets the code "not_normalised" and a message saying
what to fix; forms and serializers should apply the matching `normalise_*` in their clean step first.
Every `normalise_*` applies NFKC (full-width digits and letters typed with a Chinese IME become ASCII),
removes whitespace and separators and upper-cases; it never raises for a string.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from typing import Final

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.cn import ric, uscc

__all__ = [
    "CONTROL_CHARACTERS",
    "validate_json_text",
    "validate_plain_text",
    "clean_credit_code",
    "clean_id_number",
    "clean_phone",
    "clean_plate",
    "normalise_credit_code",
    "normalise_id_number",
    "normalise_landline",
    "normalise_mobile_phone",
    "normalise_plate",
    "validate_credit_code",
    "validate_id_number",
    "validate_landline",
    "validate_mobile_phone",
    "validate_plate",
]

_WHITESPACE: Final = re.compile(r"\s+")

# C0 control characters other than tab, line feed and carriage return, and DEL: never part of text a person
# types; NUL cannot even be stored by PostgreSQL.
CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_FIELD_MESSAGE: Final = "不能含有控制字符（如空字符 NUL），请删除后重试。"


def validate_plain_text(value: object) -> None:
    """Refuse text with NUL or another control character (a field-level message, next to the field)."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(CONTROL_FIELD_MESSAGE, code="control_characters")


def validate_json_text(value: object) -> None:
    """`validate_plain_text` for every key and string of a JSON value."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            validate_plain_text(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


def _require_text(value: object, label: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"请填写{label}", code="required")
    return value


def _strict(
    value: object,
    label: str,
    normalise: Callable[[str], str],
    check: Callable[[str], None],
    hint: str,
) -> None:
    """Run `check` on the normalised value; then insist that the value was given normalised."""
    text = _require_text(value, label)
    normalised = normalise(text)
    check(normalised)
    if normalised != text:
        raise ValidationError(f"{label}格式不规范：{hint}", code="not_normalised")


# --- 身份证号 (GB 11643) ---------------------------------------------------------------------------
#
# The check digit and the birth date come from stdnum.cn.ric. Its validate() also looks the first six digits up
# in a table of current county codes, which rejects real numbers issued under codes that have since been
# abolished (e.g. 310225, former 南汇县), cities without counties (441900 东莞) and the 81/82/83 residence
# permits of Hong Kong, Macao and Taiwan residents. So only the province part (GB/T 2260) is checked here.

# GB/T 2260 province-level codes by region: 华北, 东北, 华东, 中南, 西南, 西北; 71 台湾; 81-83 港澳台居住证.
_PROVINCE_CODES: Final = frozenset(
    str(code)
    for code in [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66)]
    + [71, 81, 82, 83]
)
_ID_SHAPE: Final = re.compile(r"[0-9]{17}[0-9X]")
_EARLIEST_BIRTH: Final = datetime.date(1900, 1, 1)


def normalise_id_number(value: str) -> str:
    """NFKC, no whitespace or hyphens, upper-case X: " 110105 19491231 002x" -> "11010519491231002X"."""
    return _WHITESPACE.sub("", _nfkc(value)).replace("-", "").upper()


def validate_id_number(value: object) -> None:
    """18-digit 公民身份号码 (GB 11643-1999): province code, a real past birth date, check digit."""
    _strict(value, "身份证号码", normalise_id_number, _check_id_number, "请去除空格，末位 X 使用大写")


def _check_id_number(number: str) -> None:
    if len(number) != 18:
        raise ValidationError("身份证号码应为 18 位", code="invalid_length")
    if not _ID_SHAPE.fullmatch(number):
        raise ValidationError("身份证号码前 17 位应为数字，末位为数字或 X", code="invalid_format")
    if number[:2] not in _PROVINCE_CODES:
        raise ValidationError("身份证号码的地区码不正确", code="invalid_region")
    try:
        birth = ric.get_birth_date(number)
    except ValueError as exc:  # stdnum's InvalidComponent is a ValueError
        raise ValidationError("身份证号码中的出生日期不正确", code="invalid_birth_date") from exc
    if not _EARLIEST_BIRTH <= birth <= timezone.localdate():
        raise ValidationError("身份证号码中的出生日期不正确", code="invalid_birth_date")
    if ric.calc_check_digit(number) != number[-1]:
        raise ValidationError("身份证号码校验位不正确，请核对", code="invalid_checksum")


# --- 统一社会信用代码 (GB 32100-2015) -----------------------------------------------------------
#
# The check digit comes from stdnum.cn.uscc. Its validate() also requires the first two characters to be
# digits, which rejects valid codes of registration authorities with letter codes (A 军队, N 农业, Y 其他);
# so the structure is checked here: 18 characters of the GB 32100 alphabet, characters 3-8 a region code.

_USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_SHAPE: Final = re.compile(rf"[{_USCC_ALPHABET}]{{2}}[0-9]{{6}}[{_USCC_ALPHABET}]{{10}}")


def normalise_credit_code(value: str) -> str:
    """NFKC, no whitespace or hyphens, upper-case."""
    return _WHITESPACE.sub("", _nfkc(value)).replace("-", "").upper()


def validate_credit_code(value: object) -> None:
    """18-character 统一社会信用代码 with a correct GB 32100 check character."""
    _strict(value, "统一社会信用代码", normalise_credit_code, _check_credit_code, "请去除空格并使用大写字母")


def _check_credit_code(code: str) -> None:
    if len(code) != 18:
        raise ValidationError("统一社会信用代码应为 18 位", code="invalid_length")
    if not _USCC_SHAPE.fullmatch(code):
        raise ValidationError(
            "统一社会信用代码含有无效字符（不使用 I、O、Z、S、V，第 3-8 位为数字）", code="invalid_format"
        )
    if uscc.calc_check_digit(code) != code[-1]:
        raise ValidationError("统一社会信用代码校验位不正确，请核对", code="invalid_checksum")


# --- 机动车号牌 (GA 36-2018) -------------------------------------------------------------------
#
# Accepted, after normalisation (no spaces or middle dots, upper-case):
#   ordinary, 7 chars:        province + authority letter + 5 of [A-Z0-9 without I, O]    沪A12345, 沪AB123C
#   special suffix, 7 chars:  province + authority letter + 4 of the same + 警/学/挂/领   京A0001警, 苏E1234挂
#                             粤Z + 4 + 港/澳 (Hong Kong and Macao vehicles)               粤Z1234港
#   new energy small, 8:      province + authority + energy letter + 1 of the same + 4 digits  沪AD12345, 沪AF1A234
#   new energy large, 8:      province + authority + 5 digits + energy letter                 粤B12345D
# The energy letter is D/A/B/C/E (battery electric) or F/G/H/J/K (other new energy). The authority letter
# is A-Z without I. Not covered: military, armed police, embassy (使), emergency (应急) and aviation plates.

_PROVINCES: Final = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_AUTHORITY: Final = "[A-HJ-Z]"
_SERIAL: Final = "[A-HJ-NP-Z0-9]"
_ENERGY: Final = "[A-HJK]"
_PLATE: Final = re.compile(
    "|".join(
        [
            rf"[{_PROVINCES}]{_AUTHORITY}{_SERIAL}{{5}}",
            rf"[{_PROVINCES}]{_AUTHORITY}{_SERIAL}{{4}}[警学挂领]",
            rf"粤Z{_SERIAL}{{4}}[港澳]",
            rf"[{_PROVINCES}]{_AUTHORITY}{_ENERGY}{_SERIAL}[0-9]{{4}}",
            rf"[{_PROVINCES}]{_AUTHORITY}[0-9]{{5}}{_ENERGY}",
        ]
    )
)
_PLATE_SEPARATORS: Final = re.compile(r"[\s·•・.\-]+")


def normalise_plate(value: str) -> str:
    """NFKC, no whitespace or separators (· • ・ . -), upper-case: "沪a·12345" -> "沪A12345"."""
    return _PLATE_SEPARATORS.sub("", _nfkc(value)).upper()


def validate_plate(value: object) -> None:
    """A civil motor-vehicle plate number in one of the shapes listed above."""
    _strict(value, "车牌号", normalise_plate, _check_plate, "请去除空格和间隔点，字母使用大写")


def _check_plate(plate: str) -> None:
    if not _PLATE.fullmatch(plate):
        raise ValidationError("车牌号格式不正确（例如：沪A12345、沪AD12345）", code="invalid_plate")


# --- telephone numbers ----------------------------------------------------------------------------

_MOBILE: Final = re.compile(r"1[3-9][0-9]{9}")
_MOBILE_PREFIX: Final = re.compile(r"^(?:\+86|0086|86)(?=1[0-9]{10}\Z)")
# Area codes 010 and 020-029 have three digits, all others (03xx-09xx) four; local numbers start with 2-9.
_AREA_CODE: Final = r"(?:0[12][0-9]|0[3-9][0-9]{2})"
_LANDLINE: Final = re.compile(rf"{_AREA_CODE}-[2-9][0-9]{{6,7}}(?:-[0-9]{{1,6}})?")
_LANDLINE_PARTS: Final = re.compile(rf"[(（]?({_AREA_CODE})[)）]?[\-]?([0-9]+)((?:-[0-9]+)?)")


def normalise_mobile_phone(value: str) -> str:
    """NFKC, no whitespace or hyphens, no +86 / 0086 / 86 prefix: "+86 138-1234-5678" -> "13812345678"."""
    compact = _WHITESPACE.sub("", _nfkc(value)).replace("-", "")
    return _MOBILE_PREFIX.sub("", compact, count=1)


def validate_mobile_phone(value: object) -> None:
    """Mainland mobile number: 11 digits, 1[3-9] followed by 9 digits."""
    _strict(value, "手机号码", normalise_mobile_phone, _check_mobile, "请去除空格、横线和 +86 前缀")


def _check_mobile(phone: str) -> None:
    if not _MOBILE.fullmatch(phone):
        raise ValidationError("手机号码应为以 1 开头的 11 位数字", code="invalid_mobile")


def normalise_landline(value: str) -> str:
    """NFKC, no whitespace, area code then one hyphen: "(021) 6234 5678" -> "021-62345678"."""
    text = _WHITESPACE.sub("", _nfkc(value))
    match = _LANDLINE_PARTS.fullmatch(text)
    if match is None:
        return text
    area, local, extension = match.groups()
    return f"{area}-{local}{extension}"


def validate_landline(value: object) -> None:
    """Fixed-line number with area code: "0AA(A)-NNNNNNN(N)", optional "-extension"."""
    _strict(value, "固定电话", normalise_landline, _check_landline, "格式应为“区号-号码”，如 021-62345678")


def _check_landline(phone: str) -> None:
    if not _LANDLINE.fullmatch(phone):
        raise ValidationError("固定电话格式不正确，应为“区号-号码”，如 021-62345678", code="invalid_landline")


# --- one entry point per kind of value ------------------------------------------------------------------
#
# Every form, service and API that takes one of these values calls the matching `clean_*`: it normalises
# (so "沪B·D1234", " 沪b d1234" and "沪BD1234" are one plate) and validates, returning the stored form or raising
# ValidationError with the one Chinese message for that kind. Empty input returns "" (optional fields).


def _clean(value: object, normalise: Callable[[str], str], validate: Callable[[object], None]) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    normalised = normalise(text)
    validate(normalised)
    return normalised


def clean_plate(value: object) -> str:
    return _clean(value, normalise_plate, validate_plate)


def clean_id_number(value: object) -> str:
    return _clean(value, normalise_id_number, validate_id_number)


def clean_credit_code(value: object) -> str:
    return _clean(value, normalise_credit_code, validate_credit_code)


def clean_phone(value: object) -> str:
    """A mobile number ("13812345678") or a landline with area code ("021-62345678")."""
    text = "" if value is None else str(value).strip()
    if not text:
        return ""
    mobile = normalise_mobile_phone(text)
    try:
        validate_mobile_phone(mobile)
        return mobile
    except ValidationError:
        pass
    landline = normalise_landline(text)
    try:
        validate_landline(landline)
    except ValidationError:
        raise ValidationError("联系电话应为手机号码或“区号-号码”格式的固定电话", code="invalid_phone") from None
    return landline
