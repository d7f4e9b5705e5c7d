"""Fines after the decision: 加处罚款 for late payment, recording payments, marking unpaid cases overdue.

行政处罚法 art. 72: a party who does not pay the fine when due is charged 3% of the fine for every day
(natural days, from the day after the due date), and the charge never exceeds the fine itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.services import ServiceError
from teis.core.workdays import local_date

from ..choices import PaymentStatus
from ..models import EnforcementCase

logger = logging.getLogger(__name__)

DAILY_RATE = Decimal("0.03")
CENT = Decimal("0.01")
UNPAID_STATUSES = (PaymentStatus.UNPAID, PaymentStatus.PARTIAL)


def late_penalty(fine, due_date: dt.date, on_date: dt.date) -> Decimal:
    """加处罚款 owed on `on_date` for a fine due on `due_date`: 3% of the fine per natural day after the due
    date, rounded to the cent, never above the fine. Zero on or before the due date."""
    fine = Decimal(fine or 0)
    if fine <= 0 or due_date is None:
        return Decimal("0.00")
    days = (local_date(on_date) - local_date(due_date)).days
    if days <= 0:
        return Decimal("0.00")
    return min(fine * DAILY_RATE * days, fine).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_due(case: EnforcementCase, on_date: dt.date | None = None) -> Decimal:
    """Fine plus 加处罚款 on `on_date`, less what was paid."""
    on_date = on_date or timezone.localdate()
    fine = case.fine_amount or Decimal(0)
    penalty = late_penalty(fine, case.payment_due, on_date) if case.payment_due else Decimal(0)
    return max(Decimal(0), fine + penalty - (case.paid_amount or Decimal(0))).quantize(CENT)


def do_record_payment(actor, case: EnforcementCase, amount, paid_at=None) -> EnforcementCase:
    """Record a payment (罚没款缴纳). Refuses amounts that are not positive or exceed what is due. The case is
    PAID once the fine and the 加处罚款 accrued by the payment day are covered. One transaction; audited."""
    try:
        amount = Decimal(str(amount)).quantize(CENT)
    except (ArithmeticError, ValueError) as exc:
        raise ServiceError("invalid_amount", "缴款金额格式不正确", {"amount": ["缴款金额格式不正确"]}) from exc
    if amount <= 0:
        raise ServiceError("invalid_amount", "缴款金额必须大于零", {"amount": ["缴款金额必须大于零"]})
    paid_at = paid_at or timezone.now()
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().get(pk=case.pk)
        if not case.fine_amount or case.payment_status in (PaymentStatus.NONE, PaymentStatus.PAID):
            raise ServiceError("nothing_due", "该案件没有待缴罚款")
        day = local_date(paid_at)
        due = amount_due(case, day)
        if amount > due:
            raise ServiceError("invalid_amount", f"缴款金额超过应缴金额 {due} 元", {"amount": [f"应缴金额为 {due} 元"]})
        old_status, old_paid = case.payment_status, case.paid_amount
        case.paid_amount = (case.paid_amount or Decimal(0)) + amount
        case.paid_at = paid_at
        if case.payment_due:
            case.late_penalty = late_penalty(case.fine_amount, case.payment_due, day)
        if amount == due:
            case.payment_status = PaymentStatus.PAID
        elif case.payment_status == PaymentStatus.UNPAID:
            case.payment_status = PaymentStatus.PARTIAL
        case.save(update_fields=["paid_amount", "paid_at", "late_penalty", "payment_status", "updated_at"])
        audit.record(
            actor,
            AuditAction.UPDATE,
            case,
            changes={
                "已缴金额": [str(old_paid), str(case.paid_amount)],
                "缴款状态": [PaymentStatus(old_status).label, case.get_payment_status_display()],
            },
            detail={"operation": "cases.record_payment", "amount": str(amount)},
        )
    return case


def do_mark_overdue(actor=None, today: dt.date | None = None) -> dict[str, int]:
    """Mark every unpaid case past its payment due date OVERDUE, update its 加处罚款 and start the overdue
    process (催告 → 申请法院强制执行) for it. Each case in its own transaction; audited. Idempotent."""
    from teis.workflow.services import start_process

    from ..steps import OVERDUE, start_data

    today = today or timezone.localdate()
    marked = started = 0
    ids = list(
        EnforcementCase.objects.filter(
            payment_status__in=UNPAID_STATUSES, payment_due__lt=today, fine_amount__gt=0
        ).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            case = EnforcementCase.objects.select_for_update().select_related("unit").get(pk=pk)
            if case.payment_status not in UNPAID_STATUSES:
                continue
            old = case.get_payment_status_display()
            case.payment_status = PaymentStatus.OVERDUE
            case.late_penalty = late_penalty(case.fine_amount, case.payment_due, today)
            case.save(update_fields=["payment_status", "late_penalty", "updated_at"])
            audit.record(
                actor,
                AuditAction.UPDATE,
                case,
                changes={
                    "缴款状态": [old, case.get_payment_status_display()],
                    "加处罚款": [None, str(case.late_penalty)],
                },
                detail={"operation": "cases.mark_overdue"},
            )
            marked += 1
            start_process(
                actor, OVERDUE, case, case.unit, start_data(case), subject_label=f"逾期催缴：{case.title}"[:200]
            )
            started += 1
    return {"marked": marked, "started": started}
