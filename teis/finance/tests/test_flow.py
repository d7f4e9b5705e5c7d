"""The main paths through the services: stock down the tree and numbers consumed once by their holder; a decided
fine's receivable; offline and online payment completing the 执行 step; notifications refused and recorded;
exactly once across a crash; reconciliation; 延期/分期."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from teis.core.services import ServiceError
from teis.finance.choices import DiscrepancyKind, NoticeOutcome, OrderStatus, RangeStatus, ReceivableStatus
from teis.finance.models import Discrepancy, Payment, PaymentNotice, Receivable, StockRange, StockUse
from teis.finance.services import payments, platform, reconcile, stock
from teis.finance.services.statement import write_csv

pytestmark = pytest.mark.django_db


def test_stock_moves_down_the_tree_keeping_every_holding(people, tree, stocked):
    mine = stock.on_hand(people["officer"])
    assert [(r.start, r.end, r.left) for r in mine] == [(1, 20, 20)]
    # every level keeps what it did not issue; the history rows are SPLIT
    held = {(r.unit.name, r.holder_id, r.start, r.end) for r in StockRange.objects.filter(status=RangeStatus.HELD)}
    assert ("第一中队", None, 31, 50) in held and ("第一大队", None, 51, 100) in held
    assert ("上海市交通委员会执法总队", None, 201, 1000) in held
    assert StockRange.objects.filter(status=RangeStatus.SPLIT).count() == 5


def test_a_number_is_used_once_and_only_by_its_holder(people, tree, stocked):
    use = stock.consume_number("fine_receipt", "沪罚00000003", people["officer"], "测试")
    assert use.number == 3 and use.unit == tree["squad1"]
    with pytest.raises(ServiceError) as exc:
        stock.consume_number("fine_receipt", "3", people["officer"], "再次使用")
    assert exc.value.code == "number_used"
    with pytest.raises(ServiceError) as exc:  # held by the officer, not by the squad leader
        stock.consume_number("fine_receipt", "4", people["squad"], "他人号码")
    assert exc.value.code == "not_holder" and "第一中队" in exc.value.message
    with pytest.raises(ServiceError) as exc:  # never printed
        stock.consume_number("fine_receipt", "5000", people["officer"], "未入库")
    assert exc.value.code == "not_holder"
    assert StockUse.objects.count() == 1


def test_request_refused_without_stock_and_by_the_wrong_level(people, tree, stocked):
    from teis.finance.models import StockRequest

    req = stock.StockRequestService().do_create(
        people["officer"],
        StockRequest,
        {"kind": stocked, "unit": tree["squad1"], "for_officer": people["officer"], "quantity": 500, "reason": "多领"},
    )
    with pytest.raises(ServiceError) as exc:
        stock.do_decide_stock_request(people["brigade"], req, approve=True)  # not the squad
    assert exc.value.code == "forbidden"
    with pytest.raises(ServiceError) as exc:
        stock.do_decide_stock_request(people["squad"], req, approve=True)
    assert exc.value.code == "no_stock"


def test_decision_creates_the_receivable_and_offline_payment_completes_execution(
    people, tree, stocked, decided, django_capture_on_commit_callbacks
):
    rec = Receivable.objects.get(case=decided)
    assert rec.principal == Decimal("300.00") and rec.status == ReceivableStatus.UNPAID
    assert rec.due_date == decided.payment_due and rec.payment_code.startswith("3100")
    assert rec.instalments.count() == 1
    with pytest.raises(ServiceError):  # the squad cashier does not hold 沪罚00000001 (the officer does)
        payments.do_record_offline_payment(people["cashier_sq"], rec, kind=stocked, receipt_number="1", amount="300")
    with django_capture_on_commit_callbacks(execute=True):
        payments.do_record_offline_payment(
            people["cashier_sq"], rec, kind=stocked, receipt_number="沪罚00000021", amount="300"
        )
    rec.refresh_from_db()
    decided.refresh_from_db()
    assert rec.status == ReceivableStatus.PAID and decided.payment_status == "paid"
    assert decided.current_step != "执行" and decided.process.tasks.filter(spec_name="Task_Archive").exists()
    assert StockUse.objects.get(number=21).used_for.startswith("罚没款")
    pay = Payment.objects.get(receivable=rec)
    assert pay.ereceipt.number  # 电子票据 requested after the payment


def _online(people, rec):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        payments.do_create_order(people["officer"], rec)
    order = rec.orders.get()
    assert order.status == OrderStatus.OPEN and order.platform_code
    return order


def _pay(order):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        platform.sim_pay(order.platform_code)


def test_online_payment_through_the_simulator(people, decided):
    rec = Receivable.objects.get(case=decided)
    order = _online(people, rec)
    _pay(order)  # the party pays; the notification is delivered (job, immediate)
    rec.refresh_from_db()
    order.refresh_from_db()
    assert rec.status == ReceivableStatus.PAID and order.status == OrderStatus.PAID
    assert PaymentNotice.objects.get().outcome == NoticeOutcome.ACCEPTED
    # the same notification again: one payment, answered duplicate
    from teis.finance.models import SimOrder

    body = platform.notice_body(SimOrder.objects.get(order_no=order.order_no))
    assert payments.receive_notice(body, platform.sign(body)) == (NoticeOutcome.DUPLICATE, 200)
    assert Payment.objects.filter(receivable=rec).count() == 1


def test_bad_notifications_are_refused_and_recorded(people, decided):
    rec = Receivable.objects.get(case=decided)
    order = _online(people, rec)

    def send(**kw):
        data = {
            "order_no": order.order_no,
            "txn_id": "TX1",
            "amount": str(order.amount),
            "paid_at": timezone.now().isoformat(),
        }
        body = platform.dumps({**data, **kw})
        return payments.receive_notice(body, platform.sign(body))

    body = platform.dumps({"order_no": order.order_no, "txn_id": "TX0", "amount": "300.00"})
    assert payments.receive_notice(body, "00" * 32)[0] == NoticeOutcome.BAD_SIGNATURE
    assert send(order_no="P-unknown")[0] == NoticeOutcome.UNKNOWN_ORDER
    assert send(amount="1.00")[0] == NoticeOutcome.WRONG_AMOUNT
    assert send()[0] == NoticeOutcome.ACCEPTED
    assert send(txn_id="TX2")[0] == NoticeOutcome.ALREADY_PAID  # a replay under another transaction id
    assert Payment.objects.count() == 1
    outcomes = set(PaymentNotice.objects.values_list("outcome", flat=True))
    assert {"bad_signature", "unknown_order", "wrong_amount", "accepted", "already_paid"} <= outcomes


def test_a_crash_before_commit_leaves_nothing_and_the_redelivery_pays_once(people, decided, monkeypatch):
    rec = Receivable.objects.get(case=decided)
    order = _online(people, rec)
    data = {
        "order_no": order.order_no,
        "txn_id": "TXC",
        "amount": str(order.amount),
        "paid_at": timezone.now().isoformat(),
    }
    body = platform.dumps(data)

    def crash():
        raise SystemExit("killed")

    monkeypatch.setattr(payments, "before_commit_hook", crash)
    with pytest.raises(SystemExit):
        payments.receive_notice(body, platform.sign(body))
    assert not Payment.objects.exists()
    rec.refresh_from_db()
    assert rec.status == ReceivableStatus.UNPAID
    monkeypatch.setattr(payments, "before_commit_hook", lambda: None)
    assert payments.receive_notice(body, platform.sign(body))[0] == NoticeOutcome.ACCEPTED
    assert payments.receive_notice(body, platform.sign(body))[0] == NoticeOutcome.DUPLICATE
    assert Payment.objects.count() == 1


def test_platform_unreachable_is_retried_with_backoff(people, decided, settings):
    from django.test import TestCase

    settings.FINANCE_PLATFORM_DOWN = True
    rec = Receivable.objects.get(case=decided)
    with TestCase.captureOnCommitCallbacks(execute=True):
        payments.do_create_order(people["officer"], rec)
    order = rec.orders.get()
    assert order.status == OrderStatus.PUSHING and order.attempts == 1 and order.next_attempt_at and order.last_error
    settings.FINANCE_PLATFORM_DOWN = False
    assert payments.retry_due_orders(timezone.now() + dt.timedelta(hours=1)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN and order.platform_code and order.attempts == 2


def test_reconciliation_matches_and_lists_discrepancies(people, decided):
    rec = Receivable.objects.get(case=decided)
    order = _online(people, rec)
    _pay(order)
    today = timezone.localdate()
    rows = platform.statement_rows(today)
    st = reconcile.do_import_statement(people["cashier"], "s.csv", write_csv(rows))
    assert (st.line_count, st.matched, st.discrepancies) == (1, 1, 0)
    planted = [*rows, {"txn_id": "TXX", "order_no": "P0", "amount": "50.00", "paid_at": rows[0]["paid_at"]}]
    st2 = reconcile.do_import_statement(people["cashier"], "s2.csv", write_csv(planted))
    assert st2.discrepancies == 1
    d = Discrepancy.objects.get()
    assert d.kind == DiscrepancyKind.PAID_UNKNOWN and d.platform_amount == Decimal("50.00")
    with pytest.raises(ServiceError):  # nothing to apply it to
        reconcile.do_resolve(people["cashier"], d, resolution="record_payment", note="补记")
    reconcile.do_resolve(people["cashier"], d, resolution="platform_error", note="已函告平台")
    d.refresh_from_db()
    assert d.status == "resolved"


def test_a_bad_statement_row_names_the_row_and_imports_nothing(people):
    from teis.finance.models import Statement

    content = "流水号,订单号,金额,缴款时间\nT1,P1,10.00,2026-12-01 10:00:00\nT2,P2,abc,2026-12-01 10:00:00\n".encode()
    with pytest.raises(ServiceError) as exc:
        reconcile.do_import_statement(people["cashier"], "bad.csv", content)
    assert "第 3 行" in exc.value.message and not Statement.objects.exists()


def test_deferral_and_instalments_from_an_approved_request(people, decided):
    from teis.cases.models import CaseRequest
    from teis.cases.services import requests
    from teis.finance.services import fines

    rec = Receivable.objects.get(case=decided)
    req = requests.request_service.do_create(
        people["officer"], CaseRequest, {"case": decided, "kind": "instalments", "reason": "经济困难", "instalments": 3}
    )
    requests.do_decide_request(people["brigade"], req, approve=True)
    fines.do_apply_schedule(people["officer"], rec)
    amounts = list(rec.instalments.values_list("amount", flat=True))
    assert amounts == [Decimal("100.00")] * 3
    with pytest.raises(ServiceError):
        fines.do_apply_schedule(people["officer"], rec)  # applied already
    # late: the first instalment 2 days overdue → 6 元
    first = rec.instalments.get(seq=1)
    assert fines.refresh_late_fees(first.due_date + dt.timedelta(days=2)) == 1
    rec.refresh_from_db()
    assert rec.late_fee == Decimal("6.00") and rec.status == ReceivableStatus.OVERDUE
