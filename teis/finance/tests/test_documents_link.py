"""Documents and finance meet: the 行政处罚决定书 carries the 缴款码 of the case's receivable, and a document printed
on the corps' numbered blank paper (套打) writes that number off from the issuing officer's stock when it is issued —
refused, with nothing issued, when the number is not theirs or already used; the page and the API say the same."""

from __future__ import annotations

import pytest

from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.documents.models import Document
from teis.documents.services import issuing
from teis.finance.models import Receivable, StockUse

from .conftest import issue, printed

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(people, tree, kinds):
    """Blank 行政处罚决定书 1..100 printed; 1..10 held by the officer."""
    kind = kinds["form"]
    printed(people, tree, kind, quantity=100)
    issue(people, tree, kind, "det1", 50, people["cashier"], applicant=people["det"])
    issue(people, tree, kind, "brigade1", 30, people["det"], applicant=people["brigade"])
    issue(people, tree, kind, "squad1", 20, people["brigade"], applicant=people["squad"])
    issue(people, tree, kind, "squad1", 10, people["squad"], for_user=people["officer"])
    return kind


def test_the_decision_carries_the_payment_code_and_writes_off_its_paper(people, tree, decided, paper):
    code = Receivable.objects.get(case=decided).payment_code
    doc = issuing.issue_document(people["officer"], decided, "penalty_decision", paper_number="00000003")
    assert doc.paper_number == "00000003"
    assert doc.facts["payment"]["code"] == code
    use = StockUse.objects.get(kind=paper, number=3)
    assert use.holder == people["officer"] and doc.number in use.used_for
    assert issuing.paper_stock_of(doc.doc_type) == paper


def test_paper_not_held_or_used_twice_is_refused_and_nothing_is_issued(people, tree, decided, paper):
    issuing.issue_document(people["officer"], decided, "penalty_decision", paper_number="00000004")
    before = Document.objects.count()
    for number, words in (("00000004", "已使用"), ("00000050", "不在您的持有号段内")):
        with pytest.raises(ServiceError) as exc:
            issuing.issue_document(people["officer"], decided, "penalty_decision", paper_number=number)
        assert words in exc.value.message and "paper_number" in exc.value.fields
    assert Document.objects.count() == before
    with pytest.raises(ServiceError, match="不使用编号空白文书"):  # no numbered paper kept for this type
        issuing.issue_document(people["officer"], decided, "service_receipt", paper_number="00000005")

    client = logged_in_client(people["officer"])
    body = client.post(
        "/api/v1/documents/issue/",
        {"case": decided.pk, "type": "penalty_decision", "paper_number": "00000050"},
        content_type="application/json",
    )
    assert body.status_code == 400 and "不在您的持有号段内" in body.json()["message"]
    assert Document.objects.count() == before
    page = client.post(
        f"/documents/case/{decided.pk}/issue/penalty_decision/", {"paper_number": "00000050"}, follow=True
    ).content.decode()
    assert "不在您的持有号段内" in page and Document.objects.count() == before
