"""Rules without the database: 加处罚款 (hypothesis), instalment split, the payment code's check digits, and the
statement parser (hypothesis: any valid file parses to its rows; any single bad row is named)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teis.finance.services import rules
from teis.finance.services.statement import HEADER, StatementError, parse_rows

pytestmark = pytest.mark.embedded

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


@given(amounts, days, st.integers(min_value=-400, max_value=400))
def test_late_fee_is_zero_until_due_then_3_percent_a_day_never_above_the_amount(amount, due, offset):
    on = due + dt.timedelta(days=offset)
    fee = rules.late_fee(amount, due, on)
    assert Decimal(0) <= fee <= amount
    if offset <= 0:
        assert fee == 0
    elif offset <= 33:
        assert fee == (amount * Decimal("0.03") * offset).quantize(Decimal("0.01"))
    if offset >= 34:
        assert fee == amount


@given(amounts, days, st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=100))
def test_late_fee_grows_with_time_and_stops_when_paid(amount, due, a, b):
    early, late = sorted((due + dt.timedelta(days=a), due + dt.timedelta(days=b)))
    assert rules.late_fee(amount, due, early) <= rules.late_fee(amount, due, late)
    assert rules.late_fee(amount, due, late, paid_on=early) == rules.late_fee(amount, due, early)


@given(amounts, st.integers(min_value=1, max_value=12), days)
def test_split_sums_to_the_principal_monthly(principal, n, first):
    lines = rules.split(principal, n, first)
    assert len(lines) == n and sum(x.amount for x in lines) == principal
    assert all(x.amount >= 0 for x in lines) and lines[0].due == first
    assert all((b.due - a.due).days == 30 for a, b in zip(lines, lines[1:], strict=False))


def test_schedule_fee_sums_each_instalment():
    due = dt.date(2026, 1, 1)
    lines = [rules.Line(Decimal("100"), due), rules.Line(Decimal("100"), due + dt.timedelta(days=30))]
    assert rules.schedule_late_fee(lines, due + dt.timedelta(days=2)) == Decimal("6.00")


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_payment_codes_check(n):
    code = rules.payment_code("3100", n)
    assert len(code) == 18 and rules.valid_payment_code(code)
    wrong = code[:-3] + str((int(code[-3]) + 1) % 10) + code[-2:]
    assert not rules.valid_payment_code(wrong)


row = st.tuples(
    st.text(alphabet="ABCDEFGHT0123456789", min_size=1, max_size=20),
    st.text(alphabet="P0123456789", min_size=1, max_size=20),
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999"), places=2),
    st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
)


@given(st.lists(row, max_size=30, unique_by=lambda r: r[0]))
def test_valid_statements_parse_to_their_rows(rows):
    text = [list(HEADER)] + [[t, o, str(a), d.strftime("%Y-%m-%d %H:%M:%S")] for t, o, a, d in rows]
    parsed = parse_rows(text)
    assert [(p.txn_id, p.order_no, p.amount, p.paid_at) for p in parsed] == list(rows)
    assert [p.row for p in parsed] == list(range(2, len(rows) + 2))


BAD_CELLS = [
    ("", 0),
    ("x" * 41, 0),
    ("中文", 0),
    ("abc", 2),
    ("-1", 2),
    ("0", 2),
    ("1.234", 2),
    ("NaN", 2),
    ("2026-13-01 00:00:00", 3),
    ("昨天", 3),
]


@given(st.lists(row, min_size=1, max_size=10, unique_by=lambda r: r[0]), st.data())
def test_one_bad_row_is_named(rows, data):
    text = [list(HEADER)] + [[t, o, str(a), d.strftime("%Y-%m-%d %H:%M:%S")] for t, o, a, d in rows]
    bad_index = data.draw(st.integers(min_value=1, max_value=len(rows)))
    value, column = data.draw(st.sampled_from(BAD_CELLS))
    text[bad_index][column] = value
    with pytest.raises(StatementError) as exc:
        parse_rows(text)
    assert exc.value.row == bad_index + 1 and f"第 {bad_index + 1} 行" in exc.value.message


def test_duplicate_transactions_and_bad_header_are_refused():
    with pytest.raises(StatementError) as exc:
        parse_rows([["a", "b"], ["T1", "P1", "1.00", "2026-01-01 00:00:00"]])
    assert exc.value.row == 1
    rows = [list(HEADER), ["T1", "P1", "1.00", "2026-01-01 00:00:00"], ["T1", "P2", "2.00", "2026-01-01 00:00:00"]]
    with pytest.raises(StatementError) as exc:
        parse_rows(rows)
    assert exc.value.row == 3 and "重复" in exc.value.message
