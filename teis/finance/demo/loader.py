"""Demo data of 票证与罚没款, run by `manage.py seed_demo` after the cases (whose decided fines already have their
receivables, made by the workflow listener). Through the services and as the users each step belongs to:

- stock kinds (罚没款票据, two blank documents); print orders approved by the leadership and received into the
  corps' store by the cashier; 申领 / 派发 down 总队 → 第一支队 → 第一大队 → 第一中队 → the demo officer, and to the
  other 支队; numbers used, one voided, a pending write-off and a pending request;
- fines: some paid at the cashier's desk (paper receipts from the corps' store), some online through the simulator
  (order → party pays → signed notification → 电子票据), the rest unpaid (overdue ones carry 加处罚款);
- today's statement from the simulator imported (matching) plus a planted line (one open discrepancy); a 集中汇缴.

Idempotent: nothing is added when stock kinds exist. Under the test settings only a few payments are made.
"""

from __future__ import annotations

from django.conf import settings


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def _leader_of(unit, role="brigade_leader"):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(officer__unit=unit, officer__roles__code=role).order_by("pk").first()


def load_demo() -> dict[str, int]:
    from teis.finance.models import StockKind

    if StockKind.objects.exists():
        return {}
    officer = _user("officer")
    if officer is None:
        return {}
    from teis.org.demo import CORPS_NAME

    corps = officer.officer.unit
    while corps.parent_id and corps.name != CORPS_NAME:
        corps = corps.parent
    if corps is None:
        return {}
    out: dict[str, int] = {}
    cashier = _user("cashier")  # a demo login (teis.org.demo.DEMO_LOGINS)
    if cashier is None:
        return {}
    kinds = _kinds()
    out["票证种类"] = len(kinds)
    out["票证号段"] = _stock(corps, cashier, kinds)
    out.update(_fines(cashier, kinds["fine_receipt"]))
    return out


def _kinds():
    from teis.core.services import generic_service
    from teis.finance.models import StockKind

    rows = [
        ("fine_receipt", "罚没款票据", "receipt", "沪罚", 8, 100),
        ("blank_penalty_decision", "行政处罚决定书（空白套打）", "document", "沪交罚", 8, 50),
        ("blank_scene_record", "现场检查（勘验）笔录（空白）", "document", "沪交笔", 8, 50),
    ]
    return {
        code: generic_service.do_create(
            None,
            StockKind,
            {"code": code, "name": name, "category": cat, "prefix": prefix, "digits": digits, "low_threshold": low},
        )
        for code, name, cat, prefix, digits, low in rows
    }


def _issue(applicant, approver, kind, unit, quantity, for_officer=None, approve=True):
    from teis.finance.models import StockRequest
    from teis.finance.services import stock

    req = stock.StockRequestService().do_create(
        applicant,
        StockRequest,
        {"kind": kind, "unit": unit, "for_officer": for_officer, "quantity": quantity, "reason": "日常执法使用"},
    )
    if approve and approver is not None:
        stock.do_decide_stock_request(approver, req, approve=True, opinion="同意")
    return req


def _stock(corps, cashier, kinds) -> int:
    from teis.finance.models import PrintRequest, StockRange
    from teis.finance.services import stock
    from teis.org.models import Unit

    leader = _user("leader")
    for kind, qty in (
        (kinds["fine_receipt"], 5000),
        (kinds["blank_penalty_decision"], 2000),
        (kinds["blank_scene_record"], 2000),
    ):
        req = stock.PrintRequestService().do_create(
            cashier,
            PrintRequest,
            {"kind": kind, "unit": corps, "quantity": qty, "start_number": 1, "reason": "2026 年度印制"},
        )
        stock.do_decide_print(leader, req, approve=True, opinion="同意印制")
        stock.do_receive_print(cashier, req)
    stock.PrintRequestService().do_create(
        cashier,
        PrintRequest,
        {"kind": kinds["fine_receipt"], "unit": corps, "quantity": 5000, "start_number": 5001, "reason": "补充印制"},
    )  # waits for the leadership's approval
    officer, squad_leader, brigade_leader = _user("officer"), _user("squad"), _user("brigade")
    squad = officer.officer.unit
    brigade = squad.parent
    detachment = brigade.parent
    det_leader = _leader_of(detachment)
    for kind, sizes in (
        (kinds["fine_receipt"], (600, 300, 120, 30)),
        (kinds["blank_penalty_decision"], (300, 150, 60, 20)),
    ):
        _issue(det_leader, cashier, kind, detachment, sizes[0])
        _issue(brigade_leader, det_leader, kind, brigade, sizes[1])
        _issue(squad_leader, brigade_leader, kind, squad, sizes[2])
        _issue(officer, squad_leader, kind, squad, sizes[3], for_officer=officer)
    for other in Unit.objects.filter(parent=corps, unit_type="detachment").exclude(pk=detachment.pk):
        head = _leader_of(other)
        if head is not None:
            _issue(head, cashier, kinds["fine_receipt"], other, 400)
    _issue(squad_leader, None, kinds["fine_receipt"], squad, 100, approve=False)  # pending at the 大队
    _use(officer, squad, kinds)
    return StockRange.objects.count()


def _use(officer, squad, kinds) -> None:
    from teis.finance.models import StockRange, StockWriteOff
    from teis.finance.services import stock

    mine = StockRange.objects.filter(holder=officer, kind=kinds["blank_penalty_decision"], status="held").first()
    for n in range(mine.start, mine.start + 3):  # decisions printed on the blank stock (the documents app's use)
        stock.consume_number("blank_penalty_decision", n, officer, "行政处罚决定书（演示）")
    stock.do_void_number(officer, kinds["blank_penalty_decision"], str(mine.start + 3), "套打错位，作废")
    store = StockRange.objects.filter(
        unit=squad, holder__isnull=True, kind=kinds["fine_receipt"], status="held"
    ).first()
    stock.WriteOffService().do_create(
        _user("squad"),
        StockWriteOff,
        {
            "kind": kinds["fine_receipt"],
            "unit": squad,
            "start": store.end,
            "end": store.end,
            "reason_kind": "damaged",
            "reason": "雨淋损毁",
        },
    )


def _fines(cashier, receipt_kind) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from teis.finance.choices import ReceivableStatus
    from teis.finance.models import Payment, Receivable, Remittance, StockRange
    from teis.finance.services import ereceipts, fines, payments, platform, reconcile
    from teis.finance.services.statement import write_csv

    fines.refresh_late_fees()
    unpaid = list(Receivable.objects.exclude(status=ReceivableStatus.PAID).select_related("case").order_by("pk"))
    budget = 2 if getattr(settings, "TESTING", False) else 8
    store = StockRange.objects.filter(holder__isnull=True, unit=cashier.officer.unit, kind=receipt_kind, status="held")
    number = store.order_by("start").first().start
    made = 0
    for i, rec in enumerate(unpaid[:budget]):
        if i % 2 == 0:  # 现场缴款 with a paper receipt
            payments.do_record_offline_payment(
                cashier, rec, kind=receipt_kind, receipt_number=str(number), amount=fines.amount_due(rec)
            )
            number += 1
        else:  # online: order → the party pays at the simulator → signed notification
            with transaction.atomic():
                payments.do_create_order(_user("officer") or cashier, rec)
            order = rec.orders.order_by("-pk").first()
            payments.push_order(order.pk)
            order.refresh_from_db()
            platform.sim_pay(order.platform_code, deliver=False)
            platform.deliver_notice(order.order_no)
        made += 1
    for p in Payment.objects.filter(ereceipt__isnull=True):
        ereceipts.request_ereceipt(p.pk)
    rows = platform.statement_rows(timezone.localdate())
    if rows:
        planted = {**rows[0], "txn_id": "T-DEMO-UNKNOWN", "order_no": "P-DEMO-UNKNOWN", "amount": "50.00"}
        reconcile.do_import_statement(cashier, f"statement-{timezone.localdate()}.csv", write_csv([*rows, planted]))
    today = timezone.localdate()
    _, collected = reconcile.offline_collected(cashier.officer.unit, today, today)
    if collected:
        reconcile.RemittanceService().do_create(
            cashier,
            Remittance,
            {
                "unit": cashier.officer.unit,
                "period_start": today,
                "period_end": today,
                "amount": collected,
                "bank_reference": f"HB{today:%Y%m%d}01",
                "remitted_on": today,
            },
        )
    return {"罚没款应收": Receivable.objects.count(), "演示缴款": made}
