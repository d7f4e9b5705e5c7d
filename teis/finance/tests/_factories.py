"""Fast factories of the finance tests: objects made directly (a decided case without walking its process)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from teis.finance.models import Payment, PaymentOrder, Receivable, StockKind, StockRange


def kind(code="fr", category="receipt") -> StockKind:
    return StockKind.objects.get_or_create(
        code=code, defaults={"name": f"票证{code}", "category": category, "prefix": "沪", "digits": 8}
    )[0]


def handler_of(unit):
    from teis.core.testing import make_officer_user

    return make_officer_user(role_codes=["field_officer"], unit=unit)


def decided_case(unit, n: int, fine="200.00", handler=None):
    from teis.cases.models import EnforcementCase, Party

    now = timezone.now()
    case = EnforcementCase.objects.create(
        unit=unit,
        handler=handler or handler_of(unit),
        title=f"测试案件{n}",
        file_number=f"沪交执罚〔2026〕第{n:06d}号",
        status="enforcing",
        decision_type="penalty",
        fine_amount=Decimal(fine),
        decided_at=now,
        served_at=now,
        payment_due=timezone.localdate() + dt.timedelta(days=15),
        payment_status="unpaid",
    )
    Party.objects.create(case=case, kind="person", name=f"当事人{n}")
    return case


def receivable(unit, n: int, **kw) -> Receivable:
    from teis.finance.services.fines import ensure_receivable

    return ensure_receivable(decided_case(unit, n, **kw))


def order(rec: Receivable, n: int, status="open") -> PaymentOrder:
    return PaymentOrder.objects.create(
        receivable=rec,
        unit=rec.unit,
        order_no=f"PT{n:012d}",
        amount=rec.principal,
        status=status,
        platform_code=f"9{n:017d}",
    )


def payment(rec: Receivable, n: int, channel="online") -> Payment:
    return Payment.objects.create(
        receivable=rec,
        unit=rec.unit,
        channel=channel,
        amount=Decimal("10.00"),
        paid_at=timezone.now(),
        txn_id=f"T{n:012d}" if channel == "online" else None,
        receipt_number="" if channel == "online" else f"沪{n:08d}",
    )


def held(unit, start: int, end: int, holder=None, code="fr") -> StockRange:
    return StockRange.objects.create(kind=kind(code), start=start, end=end, unit=unit, holder=holder)
