"""Tests of teis.core.masking: examples and the never-reveal-the-middle properties."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from teis.core.masking import MASK_CHAR, mask_generic, mask_id_number, mask_name, mask_phone

keeps = st.integers(min_value=0, max_value=8)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("310101199001011234", "310101********1234"),
        ("11010519491231002X", "110105********002X"),
        ("310101900101123", "310101*****1123"),  # 15-digit first-generation number
        ("1234567890", "**********"),  # too short to show 6 + 4 and hide anything
        ("", ""),
    ],
)
def test_mask_id_number(value, expected):
    assert mask_id_number(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("13812345678", "138****5678"), ("02112345678", "021****5678"), ("1234567", "*******"), ("", "")],
)
def test_mask_phone(value, expected):
    assert mask_phone(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [("张三", "张*"), ("李小明", "李**"), ("欧阳娜娜", "欧***"), ("张", "*"), ("", "")],
)
def test_mask_name(value, expected):
    assert mask_name(value) == expected


@pytest.mark.parametrize(
    "value, keep_start, keep_end, expected",
    [
        ("abcdef", 1, 1, "a****f"),
        ("abcdef", 0, 2, "****ef"),
        ("abcdef", 2, 0, "ab****"),
        ("abcdef", 0, 0, "******"),
        ("abcdef", 3, 3, "******"),
        ("abcdef", 5, 5, "******"),
    ],
)
def test_mask_generic(value, keep_start, keep_end, expected):
    assert mask_generic(value, keep_start, keep_end) == expected


def test_mask_generic_rejects_negative_keep():
    with pytest.raises(ValueError):
        mask_generic("abc", -1, 0)


@given(st.text(), keeps, keeps)
def test_length_is_preserved(value, keep_start, keep_end):
    assert len(mask_generic(value, keep_start, keep_end)) == len(value)


@given(st.text(), keeps, keeps)
def test_shows_only_the_ends(value, keep_start, keep_end):
    masked = mask_generic(value, keep_start, keep_end)
    if len(value) <= keep_start + keep_end:
        assert masked == MASK_CHAR * len(value)
    else:
        middle_end = len(value) - keep_end
        assert masked[:keep_start] == value[:keep_start]
        assert masked[middle_end:] == value[middle_end:]
        assert set(masked[keep_start:middle_end]) == {MASK_CHAR}


@given(st.text(min_size=1), keeps, keeps)
def test_never_returns_a_value_in_clear(value, keep_start, keep_end):
    assume(set(value) != {MASK_CHAR})
    assert mask_generic(value, keep_start, keep_end) != value


@given(st.text(min_size=11, max_size=30), st.text(min_size=1, max_size=1))
def test_middle_does_not_influence_output(value, replacement):
    # Two values that differ only inside the masked part mask identically.
    position = 6 + (len(value) - 10) // 2
    altered = value[:position] + replacement + value[position + 1 :]
    assert mask_id_number(value) == mask_id_number(altered)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_phone_shape(phone):
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]


@given(st.text(min_size=2, max_size=6))
def test_name_keeps_first_character_only(name):
    masked = mask_name(name)
    assert masked[0] == name[0]
    assert masked[1:] == MASK_CHAR * (len(name) - 1)
