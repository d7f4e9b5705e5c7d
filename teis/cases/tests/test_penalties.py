"""加处罚款 (行政处罚法 art. 72) and payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teis.audit.models import AuditRecord
from teis.cases.choices import PaymentStatus
from teis.cases.models import EnforcementCase
from teis.cases.services.penalties import do_record_payment, late_penalty
from teis.core.services import ServiceError

DUE = dt.date(2025, 3, 31)
fines = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
days = st.integers(min_value=-400, max_value=400)


@given(fine=fines, n=days)
def test_zero_on_or_before_the_due_date(fine, n):
    on = DUE + dt.timedelta(days=min(n, 0))
    assert late_penalty(fine, DUE, on) == Decimal("0.00")


@given(fine=fines, a=days, b=days)
def test_monotonic_in_days(fine, a, b):
    lo, hi = sorted((a, b))
    assert late_penalty(fine, DUE, DUE + dt.timedelta(days=lo)) <= late_penalty(fine, DUE, DUE + dt.timedelta(days=hi))


@given(fine=fines, n=st.integers(min_value=0, max_value=5000))
def test_never_above_the_principal(fine, n):
    penalty = late_penalty(fine, DUE, DUE + dt.timedelta(days=n))
    assert Decimal(0) <= penalty <= fine
    if n >= 34:  # 34 × 3% > 100%: capped
        assert penalty == fine


@given(fine=fines, n=st.integers(min_value=1, max_value=33))
def test_three_percent_a_day_before_the_cap(fine, n):
    expected = (fine * Decimal("0.03") * n).quantize(Decimal("0.01"))
    assert abs(late_penalty(fine, DUE, DUE + dt.timedelta(days=n)) - expected) <= Decimal("0.01")


def test_examples():
    assert late_penalty(Decimal("1000"), DUE, dt.date(2025, 4, 1)) == Decimal("30.00")  # day after the due date
    assert late_penalty(Decimal("1000"), DUE, dt.date(2025, 4, 10)) == Decimal("300.00")
    assert late_penalty(Decimal("1000"), DUE, dt.date(2025, 12, 31)) == Decimal("1000.00")
    assert late_penalty(Decimal("0"), DUE, dt.date(2025, 12, 31)) == Decimal("0.00")
    assert late_penalty(Decimal("1000"), DUE, dt.datetime(2025, 4, 2, 9, tzinfo=dt.UTC)) == Decimal("60.00")


@pytest.fixture
def case(make_user, tree):
    officer = make_user("field_officer", "squad1", username="payer_officer")
    return EnforcementCase.objects.create(
        title="货车超限案",
        unit=tree["squad1"],
        handler=officer,
        fine_amount=Decimal("1000"),
        payment_status=PaymentStatus.UNPAID,
        payment_due=DUE,
    )


def test_partial_then_full_payment_with_late_penalty(case):
    officer = case.handler
    case = do_record_payment(officer, case, "400", dt.datetime(2025, 3, 20, 10, tzinfo=dt.UTC))
    assert case.payment_status == PaymentStatus.PARTIAL and case.paid_amount == Decimal("400.00")
    # two days late: 1000 + 60 - 400 = 660 are due
    with pytest.raises(ServiceError) as exc:
        do_record_payment(officer, case, "661", dt.datetime(2025, 4, 2, 10, tzinfo=dt.UTC))
    assert exc.value.code == "invalid_amount" and "660" in exc.value.message
    case = do_record_payment(officer, case, "660", dt.datetime(2025, 4, 2, 10, tzinfo=dt.UTC))
    assert case.payment_status == PaymentStatus.PAID and case.late_penalty == Decimal("60.00")
    assert AuditRecord.objects.filter(object_id=str(case.pk), detail__operation="cases.record_payment").count() == 2
    with pytest.raises(ServiceError) as exc:
        do_record_payment(officer, case, "1")
    assert exc.value.code == "nothing_due"


@pytest.mark.parametrize("amount", ["0", "-5", "abc"])
def test_bad_amounts_are_refused_and_nothing_written(case, amount):
    with pytest.raises(ServiceError) as exc:
        do_record_payment(case.handler, case, amount)
    assert exc.value.code == "invalid_amount"
    case.refresh_from_db()
    assert case.paid_amount == 0 and case.payment_status == PaymentStatus.UNPAID
