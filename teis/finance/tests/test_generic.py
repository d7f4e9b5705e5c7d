"""Four-user generic tests of every registered model of 票证与罚没款 (teis.core.testing_mixins)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from teis.core.testing_mixins import GenericModelTests
from teis.finance import models as m

from ._factories import held, kind, order, payment, receivable


class TestStockKind(GenericModelTests):
    model_label = "finance.stockkind"
    unique_column = "name"
    scoped = False

    def make_object(self, unit, n):
        return m.StockKind.objects.create(code=f"k{n}", name=f"种类{n}", category="document", digits=8)

    def form_data(self, ctx, n):
        return {
            "code": f"nk{n}",
            "name": f"新种类{n}",
            "category": "receipt",
            "prefix": "沪",
            "digits": 8,
            "low_threshold": 30,
            "is_active": "on",
        }


class TestPrintRequest(GenericModelTests):
    model_label = "finance.printrequest"
    unique_column = "reason"
    lookup_field = "reason"

    def make_object(self, unit, n):
        return m.PrintRequest.objects.create(
            kind=kind(), unit=unit, quantity=10, start_number=n * 100, reason=f"印制{n}"
        )

    def form_data(self, ctx, n):
        return {
            "kind": kind().pk,
            "unit": ctx.tree["squad1"].pk,
            "start_number": n * 100 + 50,
            "quantity": 10,
            "reason": f"新印制{n}",
        }


class TestStockRange(GenericModelTests):
    model_label = "finance.stockrange"
    unique_column = "note"

    def make_object(self, unit, n):
        return m.StockRange.objects.create(kind=kind(), start=n * 10, end=n * 10 + 9, unit=unit, note=f"号段{n}")


class TestStockRequest(GenericModelTests):
    model_label = "finance.stockrequest"
    unique_column = "reason"
    lookup_field = "reason"

    def make_object(self, unit, n):
        return m.StockRequest.objects.create(kind=kind(), unit=unit, quantity=5, reason=f"申领{n}")

    def form_data(self, ctx, n):
        return {
            "kind": kind().pk,
            "unit": ctx.tree["squad1"].pk,
            "for_officer": "",
            "quantity": 5,
            "reason": f"新申领{n}",
        }


class TestStockWriteOff(GenericModelTests):
    model_label = "finance.stockwriteoff"
    unique_column = "reason"
    lookup_field = "reason"

    def make_object(self, unit, n):
        return m.StockWriteOff.objects.create(
            kind=kind(), unit=unit, start=n, end=n, reason_kind="lost", reason=f"遗失{n}"
        )

    def form_data(self, ctx, n):
        held(ctx.tree["squad1"], n * 10, n * 10 + 9)
        return {
            "kind": kind().pk,
            "unit": ctx.tree["squad1"].pk,
            "start": n * 10,
            "end": n * 10 + 1,
            "reason_kind": "damaged",
            "reason": f"损毁{n}",
        }


class TestStockUse(GenericModelTests):
    model_label = "finance.stockuse"
    unique_column = "number_text"

    def make_object(self, unit, n):
        return m.StockUse.objects.create(kind=kind(), number=n, number_text=f"沪{n:08d}", unit=unit, used_for="测试")


class TestReceivable(GenericModelTests):
    model_label = "finance.receivable"
    unique_column = "payment_code"

    def make_object(self, unit, n):
        return receivable(unit, n)


class TestPaymentOrder(GenericModelTests):
    model_label = "finance.paymentorder"
    unique_column = "order_no"

    def make_object(self, unit, n):
        return order(receivable(unit, n), n)


class TestPayment(GenericModelTests):
    model_label = "finance.payment"
    unique_column = "txn_id"

    def make_object(self, unit, n):
        return payment(receivable(unit, n), n)


class TestEReceipt(GenericModelTests):
    model_label = "finance.ereceipt"
    unique_column = "number"

    def make_object(self, unit, n):
        return m.EReceipt.objects.create(payment=payment(receivable(unit, n), n), number=f"E{n:010d}", status="issued")


class TestStatement(GenericModelTests):
    model_label = "finance.statement"
    unique_column = "file_name"

    def make_object(self, unit, n):
        return m.Statement.objects.create(unit=unit, statement_date=timezone.localdate(), file_name=f"st{n}.csv")


class TestDiscrepancy(GenericModelTests):
    model_label = "finance.discrepancy"
    unique_column = "txn_id"

    def make_object(self, unit, n):
        return m.Discrepancy.objects.create(
            unit=unit, kind="paid_unknown", day=timezone.localdate(), txn_id=f"TD{n}", platform_amount=Decimal("5")
        )


class TestRemittance(GenericModelTests):
    model_label = "finance.remittance"
    unique_column = "bank_reference"
    lookup_field = "bank_reference"

    def make_object(self, unit, n):
        day = timezone.localdate()
        return m.Remittance.objects.create(
            unit=unit,
            period_start=day - dt.timedelta(days=7),
            period_end=day,
            amount=Decimal("100"),
            bank_reference=f"HB{n}",
            remitted_on=day,
        )

    def form_data(self, ctx, n):
        return {
            "unit": ctx.tree["squad1"].pk,
            "period_start": "2026-11-01",
            "period_end": "2026-11-30",
            "amount": "1000.00",
            "bank_reference": f"NB{n}",
            "remitted_on": "2026-12-01",
        }
