"""Payments: offline at the cashier's desk (paper receipt, its number written off), and online through the non-tax
payment platform (an order with its 缴款码, pushed by a job with backoff while the platform is unreachable; the
signed notification verified and applied exactly once).

Exactly once: a notification is applied in one transaction that inserts the payment with the platform's
transaction id (unique) and moves the receivable; a crash before the commit leaves nothing, and the platform's
redelivery (or 主动查询) applies it then; a second delivery finds the transaction id and is answered "duplicate".
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from teis.audit import services as audit
from teis.audit.choices import AuditAction
from teis.core.codes import next_value
from teis.core.services import ServiceError

from ..choices import NoticeOutcome, OrderStatus, PaymentChannel, ReceivableStatus
from ..models import Payment, PaymentNotice, PaymentOrder, Receivable, StockKind
from . import fines, platform
from .stock import consume_number

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60, 120)  # then every 2 hours; the officer sees attempts and the last error
MAX_ATTEMPTS = 12


def do_record_offline_payment(
    actor: User,
    rec: Receivable,
    *,
    kind: StockKind,
    receipt_number: str,
    amount: Decimal,
    paid_at: dt.datetime | None = None,
) -> Receivable:
    """现场缴款: a cashier takes the money and gives a paper receipt from the stock they hold (its number is
    written off in the same transaction: a refused payment uses no number)."""
    if not actor.has_perm("finance.record_payment"):
        raise ServiceError("forbidden", "没有登记缴款的权限")
    paid_at = paid_at or timezone.now()
    if paid_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError("invalid", "缴款时间不能晚于当前时间", {"paid_at": ["缴款时间不能晚于当前时间"]})
    with transaction.atomic():
        rec = Receivable.objects.select_for_update().select_related("case").get(pk=rec.pk)
        used_for = f"罚没款 {rec.case.file_number or rec.case.title}"[:200]
        use = consume_number(kind.code, receipt_number, actor, used_for)
        unit = getattr(getattr(actor, "officer", None), "unit", None)
        fines.apply_payment(
            actor, rec, amount, paid_at, channel=PaymentChannel.OFFLINE, unit=unit, receipt_number=use.number_text
        )
    return rec


# --- orders -------------------------------------------------------------------------------------------------------


def _order_no() -> str:
    return f"P{timezone.localtime():%Y%m%d}{next_value('finance.order'):010d}"


def do_create_order(actor: User, rec: Receivable) -> Receivable:
    """生成缴款码: an order for what is owed today; pushed to the platform by a job (retried while unreachable)."""
    with transaction.atomic():
        rec = Receivable.objects.select_for_update().get(pk=rec.pk)
        if rec.status == ReceivableStatus.PAID:
            raise ServiceError("bad_state", "罚没款已缴清")
        amount = fines.amount_due(rec)
        open_order = rec.orders.filter(status__in=(OrderStatus.PUSHING, OrderStatus.OPEN), amount=amount).first()
        if open_order is not None:
            raise ServiceError("order_exists", f"已有同金额的待缴订单 {open_order.order_no}")
        rec.orders.filter(status__in=(OrderStatus.PUSHING, OrderStatus.OPEN, OrderStatus.FAILED)).update(
            status=OrderStatus.CLOSED
        )
        order = PaymentOrder.objects.create(
            receivable=rec, unit_id=rec.unit_id, order_no=_order_no(), amount=amount, created_by=actor
        )
        audit.record(actor, AuditAction.CREATE, order, changes={"金额": [None, str(amount)]})
        audit.record(
            actor, AuditAction.UPDATE, rec, detail={"operation": "finance.create_order", "order": order.order_no}
        )
        transaction.on_commit(lambda: push_later(order.pk))
    return rec


def push_later(order_id: int) -> None:
    from ..tasks import push_order_task

    push_order_task(order_id)


def push_order(order_id: int) -> str:
    """Send an order to the platform. Unreachable: count the attempt, note the error and the next attempt time
    (backoff); the periodic job retries due orders."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().select_related("receivable").get(pk=order_id)
        if order.status not in (OrderStatus.PUSHING, OrderStatus.FAILED):
            return order.status
        order.attempts += 1
        try:
            code = platform.payment_platform().create_order(
                order.order_no, order.amount, order.receivable.payer, f"罚没款 {order.receivable}"[:200]
            )
        except platform.PlatformRefused as exc:
            order.status, order.last_error, order.next_attempt_at = OrderStatus.FAILED, str(exc)[:300], None
        except platform.PlatformUnavailable as exc:
            wait = BACKOFF_MINUTES[min(order.attempts, len(BACKOFF_MINUTES)) - 1]
            order.last_error = str(exc)[:300]
            order.next_attempt_at = (
                None if order.attempts >= MAX_ATTEMPTS else timezone.now() + dt.timedelta(minutes=wait)
            )
            if order.next_attempt_at is None:
                order.status = OrderStatus.FAILED
        else:
            if order.status != OrderStatus.PAID:
                order.status = OrderStatus.OPEN
            order.platform_code, order.last_error, order.next_attempt_at = code, "", None
        order.save()
    return order.status


def retry_due_orders(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    ids = list(
        PaymentOrder.objects.filter(status=OrderStatus.PUSHING, next_attempt_at__lte=now).values_list("pk", flat=True)
    )
    for pk in ids:
        push_order(pk)
    return len(ids)


def do_push_again(actor: User, order: PaymentOrder) -> PaymentOrder:
    """重新推送: the officer retries a failed or waiting order now."""
    with transaction.atomic():
        PaymentOrder.objects.filter(pk=order.pk, status=OrderStatus.FAILED).update(status=OrderStatus.PUSHING)
        audit.record(actor, AuditAction.UPDATE, order, detail={"operation": "finance.push_again"})
    push_order(order.pk)
    return PaymentOrder.objects.get(pk=order.pk)


def do_query_order(actor: User, order: PaymentOrder) -> PaymentOrder:
    """主动查询: ask the platform for the order's state; a payment the notification missed is applied."""
    try:
        state = platform.payment_platform().query_order(order.order_no)
    except (platform.PlatformUnavailable, platform.PlatformRefused) as exc:
        raise ServiceError("platform_error", f"查询失败：{exc}") from exc
    if state.paid:
        body = platform.dumps(
            {"order_no": order.order_no, "txn_id": state.txn_id, "amount": str(state.amount), "paid_at": state.paid_at}
        )
        apply_notice(json.loads(body), body, source="query")
    audit.record(actor, AuditAction.UPDATE, order, detail={"operation": "finance.query_order", "paid": state.paid})
    return PaymentOrder.objects.get(pk=order.pk)


# --- notifications --------------------------------------------------------------------------------------------------


def _log(
    outcome: str, body: bytes, data: dict[str, Any] | None = None, payment: Payment | None = None
) -> PaymentNotice:
    data = data or {}
    return PaymentNotice.objects.create(
        order_no=str(data.get("order_no", ""))[:64],
        txn_id=str(data.get("txn_id", ""))[:64],
        amount=str(data.get("amount", ""))[:20],
        outcome=outcome,
        body=body.decode(errors="replace")[:4000],
        payment=payment,
    )


def receive_notice(body: bytes, signature: str) -> tuple[str, int]:
    """A notification from the platform: (outcome, HTTP status). Every notification is logged with its outcome."""
    if not platform.verify(body, signature):
        _log(NoticeOutcome.BAD_SIGNATURE, body)
        return NoticeOutcome.BAD_SIGNATURE, 400
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or not data.get("order_no") or not data.get("txn_id"):
            raise ValueError
    except ValueError:
        _log(NoticeOutcome.MALFORMED, body)
        return NoticeOutcome.MALFORMED, 400
    outcome = apply_notice(data, body)
    ok = outcome in (NoticeOutcome.ACCEPTED, NoticeOutcome.DUPLICATE)
    return outcome, 200 if ok else 400


def before_commit_hook() -> None:
    """Tests replace this to crash between the payment's insert and its commit."""


def apply_notice(data: dict[str, Any], body: bytes, source: str = "notice") -> str:
    try:
        amount = Decimal(str(data.get("amount"))).quantize(Decimal("0.01"))
        paid_at = parse_datetime(str(data.get("paid_at") or "")) or timezone.now()
    except (InvalidOperation, ValueError):
        _log(NoticeOutcome.MALFORMED, body, data)
        return NoticeOutcome.MALFORMED
    if timezone.is_naive(paid_at):
        paid_at = timezone.make_aware(paid_at)
    txn = str(data["txn_id"])[:40]
    if Payment.objects.filter(txn_id=txn).exists():
        _log(NoticeOutcome.DUPLICATE, body, data, Payment.objects.get(txn_id=txn))
        return NoticeOutcome.DUPLICATE
    try:
        with transaction.atomic():
            order = (
                PaymentOrder.objects.select_for_update()
                .select_related("receivable")
                .filter(order_no=data["order_no"])
                .first()
            )
            if order is None:
                _log(NoticeOutcome.UNKNOWN_ORDER, body, data)
                return NoticeOutcome.UNKNOWN_ORDER
            if amount != order.amount:
                _log(NoticeOutcome.WRONG_AMOUNT, body, data)
                return NoticeOutcome.WRONG_AMOUNT
            if order.status == OrderStatus.PAID:
                _log(NoticeOutcome.ALREADY_PAID, body, data)
                return NoticeOutcome.ALREADY_PAID
            rec = Receivable.objects.select_for_update().get(pk=order.receivable_id)
            # the notice may arrive before the push's answer, or after the order was replaced: money received counts
            payment = fines.apply_payment(
                None, rec, amount, paid_at, channel=PaymentChannel.ONLINE, order=order, txn_id=txn
            )
            order.status, order.paid_at = OrderStatus.PAID, paid_at
            order.save(update_fields=["status", "paid_at", "updated_at"])
            _log(NoticeOutcome.ACCEPTED, body, data, payment)
            before_commit_hook()
    except IntegrityError:  # a concurrent delivery of the same transaction committed first
        _log(NoticeOutcome.DUPLICATE, body, data)
        return NoticeOutcome.DUPLICATE
    except ServiceError as err:  # e.g. more than is owed: refused and kept for reconciliation
        _log(NoticeOutcome.WRONG_AMOUNT, body, {**data, "error": err.message})
        return NoticeOutcome.WRONG_AMOUNT
    return NoticeOutcome.ACCEPTED
