"""Generated tests of every declared action of 票证与罚没款 (teis.core.testing_mixins.GenericActionTests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from teis.core.testing_mixins import GenericActionTests
from teis.finance import models as m
from teis.finance.choices import ApprovalStatus, OrderStatus, ReceivableStatus

from ._factories import held, kind, order, receivable


def _print(unit, n, ready, state=ApprovalStatus.PENDING):
    status = state if ready else ApprovalStatus.REJECTED
    return m.PrintRequest.objects.create(
        kind=kind(), unit=unit, quantity=10, start_number=n * 100, reason=f"印制{n}", status=status
    )


class TestPrintApprove(GenericActionTests):
    model_label, action = "finance.printrequest", "approve"

    def make_object(self, unit, n, ready=True):
        return _print(unit, n, ready)

    def done(self, obj):
        return obj.status == ApprovalStatus.APPROVED


class TestPrintReject(GenericActionTests):
    model_label, action = "finance.printrequest", "reject"

    def make_object(self, unit, n, ready=True):
        return _print(unit, n, ready)

    def input_data(self, ctx, obj):
        return {"opinion": "数量过多"}

    def done(self, obj):
        return obj.status == ApprovalStatus.REJECTED


class TestPrintReceive(GenericActionTests):
    model_label, action = "finance.printrequest", "receive"

    def make_object(self, unit, n, ready=True):
        return _print(unit, n, ready, ApprovalStatus.APPROVED)

    def done(self, obj):
        return obj.status == ApprovalStatus.RECEIVED and m.StockRange.objects.filter(print_request=obj).exists()


def _stock_request(unit, n, ready):
    held(unit.parent, n * 100, n * 100 + 99)  # the level above has the numbers
    status = ApprovalStatus.PENDING if ready else ApprovalStatus.REJECTED
    return m.StockRequest.objects.create(kind=kind(), unit=unit, quantity=10, reason=f"申领{n}", status=status)


class TestStockRequestApprove(GenericActionTests):
    model_label, action = "finance.stockrequest", "approve"

    def make_object(self, unit, n, ready=True):
        return _stock_request(unit, n, ready)

    def done(self, obj):
        return obj.status == ApprovalStatus.APPROVED and obj.issued is not None and obj.issued.unit_id == obj.unit_id


class TestStockRequestReject(GenericActionTests):
    model_label, action = "finance.stockrequest", "reject"

    def make_object(self, unit, n, ready=True):
        return _stock_request(unit, n, ready)

    def input_data(self, ctx, obj):
        return {"opinion": "库存紧张"}

    def done(self, obj):
        return obj.status == ApprovalStatus.REJECTED


def _write_off(unit, n, ready):
    held(unit, n * 100, n * 100 + 9)
    status = ApprovalStatus.PENDING if ready else ApprovalStatus.APPROVED
    return m.StockWriteOff.objects.create(
        kind=kind(), unit=unit, start=n * 100, end=n * 100 + 1, reason_kind="lost", reason="遗失", status=status
    )


class TestWriteOffApprove(GenericActionTests):
    model_label, action = "finance.stockwriteoff", "approve"

    def make_object(self, unit, n, ready=True):
        return _write_off(unit, n, ready)

    def done(self, obj):
        return obj.status == ApprovalStatus.APPROVED and obj.uses.count() == 2


class TestWriteOffReject(GenericActionTests):
    model_label, action = "finance.stockwriteoff", "reject"

    def make_object(self, unit, n, ready=True):
        return _write_off(unit, n, ready)

    def input_data(self, ctx, obj):
        return {"opinion": "请先查找"}

    def done(self, obj):
        return obj.status == ApprovalStatus.REJECTED


def _receivable(unit, n, ready):
    rec = receivable(unit, n)
    if not ready:
        m.Receivable.objects.filter(pk=rec.pk).update(status=ReceivableStatus.PAID)
        rec.refresh_from_db()
    return rec


class TestRecordPayment(GenericActionTests):
    model_label, action = "finance.receivable", "record_payment"

    def make_object(self, unit, n, ready=True):
        return _receivable(unit, n, ready)

    def input_data(self, ctx, obj):
        # the permitted user (a cashier of 第一大队) takes a receipt from the 大队's store
        m.StockRange.objects.get_or_create(
            kind=kind(), start=obj.pk * 10, end=obj.pk * 10 + 9, unit=ctx.tree["brigade1"]
        )
        return {"kind": kind().pk, "receipt_number": f"沪{obj.pk * 10:08d}", "amount": "200.00"}

    def done(self, obj):
        return obj.status == ReceivableStatus.PAID and obj.payments.filter(receipt_number__startswith="沪").exists()


class TestCreateOrder(GenericActionTests):
    model_label, action = "finance.receivable", "create_order"

    def make_object(self, unit, n, ready=True):
        return _receivable(unit, n, ready)

    def done(self, obj):
        return obj.orders.filter(amount=Decimal("200.00")).exists()


class TestApplySchedule(GenericActionTests):
    model_label, action = "finance.receivable", "apply_schedule"

    def make_object(self, unit, n, ready=True):
        from teis.cases.models import CaseRequest

        rec = _receivable(unit, n, ready)
        CaseRequest.objects.create(
            case=rec.case,
            kind="instalments",
            reason="经济困难",
            instalments=2,
            status="approved",
            decided_at=timezone.now(),
        )
        return rec

    def done(self, obj):
        return obj.schedule_request_id is not None and obj.instalments.count() == 2


def _order(unit, n, ready, status=OrderStatus.OPEN):
    from teis.finance.models import SimOrder

    o = order(receivable(unit, n), n, status if ready else OrderStatus.CLOSED)
    SimOrder.objects.create(
        order_no=o.order_no, payment_code=o.platform_code, amount=o.amount, paid_at=timezone.now(), txn_id=f"TQ{n}"
    )
    return o


class TestQueryOrder(GenericActionTests):
    model_label, action = "finance.paymentorder", "query"

    def make_object(self, unit, n, ready=True):
        return _order(unit, n, ready)

    def done(self, obj):
        return obj.status == OrderStatus.PAID and obj.payments.count() == 1


class TestPushOrder(GenericActionTests):
    model_label, action = "finance.paymentorder", "push"

    def make_object(self, unit, n, ready=True):
        o = order(receivable(unit, n), n, OrderStatus.FAILED if ready else OrderStatus.PAID)
        m.PaymentOrder.objects.filter(pk=o.pk).update(platform_code="")
        o.refresh_from_db()
        return o

    def done(self, obj):
        return obj.status == OrderStatus.OPEN and obj.platform_code


class TestResolveDiscrepancy(GenericActionTests):
    model_label, action = "finance.discrepancy", "resolve"

    def make_object(self, unit, n, ready=True):
        return m.Discrepancy.objects.create(
            unit=unit,
            kind="known_unpaid",
            day=timezone.localdate(),
            txn_id=f"TR{n}",
            teis_amount=Decimal("5"),
            status="open" if ready else "resolved",
        )

    def input_data(self, ctx, obj):
        return {"resolution": "confirmed", "note": "平台次日补报"}

    def done(self, obj):
        return obj.status == "resolved" and obj.resolved_by_id is not None


class TestReconcileRemittance(GenericActionTests):
    model_label, action = "finance.remittance", "reconcile"

    def make_object(self, unit, n, ready=True):
        from ._factories import payment

        day = timezone.localdate() - dt.timedelta(days=n)
        p = payment(receivable(unit, n), n, channel="offline")
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
        m.Payment.objects.filter(pk=p.pk).update(paid_at=at)
        return m.Remittance.objects.create(
            unit=unit,
            period_start=day,
            period_end=day,
            amount=Decimal("10.00"),
            bank_reference=f"HB{n}",
            remitted_on=day,
            status="recorded" if ready else "reconciled",
        )

    def done(self, obj):
        return obj.status == "reconciled" and obj.payments.count() == 1
