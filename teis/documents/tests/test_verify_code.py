"""The verification-code parser (hypothesis): a code round-trips through how people and scanners write it,
any text either parses to a well-formed code or to None (never an exception), one wrong character is caught."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teis.documents.codes import ALPHABET, BODY, display, new_verify_code, parse_verify_code

pytestmark = pytest.mark.embedded
codes = st.text(alphabet=ALPHABET, min_size=BODY, max_size=BODY).map(
    lambda body: body + __import__("teis.documents.codes", fromlist=["_check"])._check(body)
)


@given(codes)
def test_round_trip_through_display_lower_case_and_spaces(code):
    assert parse_verify_code(code) == code
    assert parse_verify_code(display(code)) == code
    assert parse_verify_code(" " + display(code).lower().replace("-", " ") + " ") == code


@given(st.one_of(st.text(max_size=80), st.binary(max_size=40), st.integers(), st.none()))
def test_any_input_parses_or_is_none(value):
    result = parse_verify_code(value)
    assert result is None or (len(result) == BODY + 1 and all(ch in ALPHABET for ch in result))


@given(codes, st.integers(min_value=0, max_value=BODY), st.sampled_from(ALPHABET))
def test_a_single_wrong_character_is_refused(code, position, replacement):
    if code[position] == replacement:
        return
    forged = code[:position] + replacement + code[position + 1 :]
    assert parse_verify_code(forged) is None


def test_new_codes_parse():
    for _ in range(50):
        code = new_verify_code()
        assert parse_verify_code(code) == code
