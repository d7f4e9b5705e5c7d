"""Fixtures of the finance tests: the people of a small tree, stock kinds, stock issued down to an officer, and a
general-procedure case driven to its 执行 step (the receivable is then there)."""

from __future__ import annotations

import pytest

from teis.cases.tests._record import make_full_case
from teis.cases.tests.test_processes import FILES
from teis.cases.tests.test_record import walk_to
from teis.finance.models import StockKind
from teis.finance.services import stock
from teis.workflow import services as wf


@pytest.fixture
def people(make_user, roles):
    wf.ensure_definitions(None, FILES)
    return {
        "officer": make_user("field_officer", "squad1", username="fin_officer"),
        "squad": make_user("squad_leader", "squad1", username="fin_squad"),
        "brigade": make_user("brigade_leader", "brigade1", username="fin_brigade"),
        "det": make_user("brigade_leader", "det1", username="fin_det"),
        "legal": make_user("legal_reviewer", "corps", username="fin_legal"),
        "leader": make_user("leadership", "corps", username="fin_leader"),
        "cashier": make_user("finance_officer", "corps", username="fin_cashier"),
        "cashier_sq": make_user("finance_officer", "squad1", username="fin_cashier_sq"),
    }


@pytest.fixture
def kinds(db):
    from teis.core.services import generic_service

    receipt = generic_service.do_create(
        None,
        StockKind,
        {
            "code": "fine_receipt",
            "name": "罚没款票据",
            "category": "receipt",
            "prefix": "沪罚",
            "digits": 8,
            "low_threshold": 20,
        },
    )
    form = generic_service.do_create(
        None,
        StockKind,
        {
            "code": "blank_penalty_decision",
            "name": "行政处罚决定书（空白）",
            "category": "document",
            "prefix": "",
            "digits": 8,
            "low_threshold": 20,
        },
    )
    return {"receipt": receipt, "form": form}


def printed(people, tree, kind, start=1, quantity=1000):
    """A batch printed (approved by the leadership) and received into the corps' store."""
    req = stock.PrintRequestService().do_create(
        people["cashier"],
        __import__("teis.finance.models", fromlist=["PrintRequest"]).PrintRequest,
        {"kind": kind, "unit": tree["corps"], "quantity": quantity, "start_number": start, "reason": "年度印制"},
    )
    stock.do_decide_print(people["leader"], req, approve=True)
    return stock.do_receive_print(people["cashier"], req)


def issue(people, tree, kind, unit_key, quantity, approver, for_user=None, applicant=None):
    from teis.finance.models import StockRequest

    req = stock.StockRequestService().do_create(
        applicant or people["officer"],
        StockRequest,
        {"kind": kind, "unit": tree[unit_key], "for_officer": for_user, "quantity": quantity, "reason": "日常使用"},
    )
    return stock.do_decide_stock_request(approver, req, approve=True)


@pytest.fixture
def stocked(people, tree, kinds):
    """Receipts 1..1000 in the corps → 支队 200 → 大队 100 → 中队 50 → the officer 20 (and the squad cashier 10)."""
    kind = kinds["receipt"]
    printed(people, tree, kind)
    issue(people, tree, kind, "det1", 200, people["cashier"], applicant=people["det"])
    issue(people, tree, kind, "brigade1", 100, people["det"], applicant=people["brigade"])
    issue(people, tree, kind, "squad1", 50, people["brigade"], applicant=people["squad"])
    issue(people, tree, kind, "squad1", 20, people["squad"], for_user=people["officer"])
    issue(people, tree, kind, "squad1", 10, people["squad"], for_user=people["cashier_sq"])
    return kind


@pytest.fixture
def decided(people, tree):
    """A general-procedure case with a 300 元 fine, decided and served now, waiting at 执行."""
    case = make_full_case(tree["squad1"], people["officer"])
    wf.start_process(
        people["officer"],
        "case_general",
        case,
        case.unit,
        __import__("teis.cases.steps", fromlist=["x"]).start_data(case),
    )
    case.refresh_from_db()
    walk_to(case, people, "Task_Execution")
    case.refresh_from_db()
    return case
