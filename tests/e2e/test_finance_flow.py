"""票证与罚没款 in a real browser: the cashier orders receipts printed, the leadership approves, the cashier receives
them (入库); the stock goes down 总队 → 支队 → 大队 → 中队 and the squad leader issues the officer's share on the
page (派发); the officer voids a spoilt receipt on 我的票证; the officer generates the 缴款码 of a decided fine; the
party pays at the simulated platform; the receivable is paid; the cashier imports the day's statement and the
对账 page shows no discrepancy; a second statement with a planted line shows one for handling."""

import re

import pytest
from django.utils import timezone

from teis.core.testing import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(browser, live_server, username):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-btn")
    page.wait_for_url(re.compile(r"/$"))
    return page


def act(page, name):
    page.locator(f'form[data-action="{name}"] button[type=submit]').click()
    page.wait_for_selector(".alert-success")


def test_print_issue_pay_and_reconcile(browser, live_server, make_user, tree, shots, tmp_path):
    from teis.finance.models import PrintRequest, StockRequest
    from teis.finance.services import platform, stock
    from teis.finance.services.statement import write_csv
    from teis.finance.tests._factories import decided_case, kind

    receipt = kind("fine_receipt")
    cashier = make_user("finance_officer", "corps", username="e2e_cashier")
    make_user("leadership", "corps", username="e2e_leader")
    det = make_user("brigade_leader", "det1", username="e2e_det")
    brigade = make_user("brigade_leader", "brigade1", username="e2e_brigade")
    squad = make_user("squad_leader", "squad1", username="e2e_squad")
    officer = make_user("field_officer", "squad1", username="e2e_officer", name="王队员")

    page = login(browser, live_server, "e2e_cashier")
    page.goto("/finance/printrequest/add/")
    page.select_option("#id_kind", label=receipt.name)
    page.select_option("#id_unit", label=tree["corps"].name)
    page.fill("#id_start_number", "1")
    page.fill("#id_quantity", "500")
    page.fill("#id_reason", "年度印制")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/finance/printrequest/\d+/$"))
    pk = PrintRequest.objects.get().pk

    leader = login(browser, live_server, "e2e_leader")
    leader.goto(f"/finance/printrequest/{pk}/")
    act(leader, "approve")
    page.goto(f"/finance/printrequest/{pk}/")
    act(page, "receive")
    assert PrintRequest.objects.get().status == "received"

    def request(applicant, unit, qty, approver, for_officer=None):
        req = stock.StockRequestService().do_create(
            applicant,
            StockRequest,
            {"kind": receipt, "unit": tree[unit], "for_officer": for_officer, "quantity": qty, "reason": "领用"},
        )
        if approver is not None:
            stock.do_decide_stock_request(approver, req, approve=True)
        return req

    request(det, "det1", 200, cashier)
    request(brigade, "brigade1", 100, det)
    request(squad, "squad1", 50, brigade)
    mine = request(officer, "squad1", 20, None, for_officer=officer)
    sq = login(browser, live_server, "e2e_squad")
    sq.goto(f"/finance/stockrequest/{mine.pk}/")
    act(sq, "approve")

    off = login(browser, live_server, "e2e_officer")
    off.goto("/finance/my-stock/")
    assert "20" in off.inner_text("#my-stock")
    off.select_option("#id_void-kind", label=receipt.name)
    off.fill("#id_void-number", "沪00000001")
    off.fill("#id_void-reason", "填写错误")
    off.locator("#void-form button").click()
    off.click("#teis-confirm-ok")  # 作废 asks first
    off.wait_for_selector("text=已作废")

    case = decided_case(tree["squad1"], 7, handler=officer)
    from teis.finance.services.fines import ensure_receivable

    rec = ensure_receivable(case)
    off.goto(f"/finance/receivable/{rec.pk}/")
    act(off, "create_order")
    off.goto(f"/finance/receivables/{rec.pk}/")
    code = off.inner_text(".payment-code").strip()
    assert code.isdigit(), code
    off.screenshot(path=f"{shots}/finance-receivable.png", full_page=True)

    party = browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    party.goto(f"/finance/sim/pay/?code={code}")
    assert party.inner_text("#sim-amount") == "200.00"
    party.click("#sim-confirm")
    party.wait_for_selector("#sim-paid")
    rec.refresh_from_db()
    assert rec.status == "paid"

    csv_file = tmp_path / "statement.csv"
    csv_file.write_bytes(write_csv(platform.statement_rows(timezone.localdate())))
    page.goto("/finance/reconciliation/")
    page.set_input_files("#id_st-file", str(csv_file))
    page.locator("#import-form button").click()
    page.wait_for_selector("text=匹配 1 笔")
    assert page.inner_text("#open-count") == "0"
    planted = [
        *platform.statement_rows(timezone.localdate()),
        {"txn_id": "T-PLANTED", "order_no": "P-X", "amount": "9.00", "paid_at": "2026-12-07 09:00:00"},
    ]
    csv_file.write_bytes(write_csv(planted))
    page.set_input_files("#id_st-file", str(csv_file))
    page.locator("#import-form button").click()
    page.wait_for_selector("#discrepancies >> text=T-PLANTED")
    assert page.inner_text("#open-count") == "1"
    page.screenshot(path=f"{shots}/finance-reconciliation.png", full_page=True)
