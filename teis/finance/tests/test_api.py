"""The API as a hostile user: a status in the body is ignored, another unit's id is refused (400) or not found
(404), an action without its permission is 403 — with the page's Chinese message; the notification endpoint;
the pages render."""

from __future__ import annotations

import pytest
from django.test import Client

from teis.core.testing import logged_in_client
from teis.core.testing_mixins import assert_error_body
from teis.finance.choices import ApprovalStatus
from teis.finance.models import PaymentNotice, StockRequest
from teis.finance.services import platform

from ._factories import held, kind, receivable

pytestmark = pytest.mark.django_db


def test_status_in_the_body_is_ignored(make_user, tree):
    officer = make_user("field_officer", "squad1")
    client = logged_in_client(officer)
    body = {
        "kind": kind().pk,
        "unit": tree["squad1"].pk,
        "for_officer": officer.pk,
        "quantity": 5,
        "reason": "领用",
        "status": "approved",
        "issued": 1,
        "decided_by": officer.pk,
    }
    resp = client.post("/api/v1/finance/stockrequests/", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    req = StockRequest.objects.get(pk=resp.json()["id"])
    assert req.status == ApprovalStatus.PENDING and req.issued is None and req.decided_by is None


def test_another_units_ids_are_refused(make_user, tree):
    officer = make_user("field_officer", "squad1")
    client = logged_in_client(officer)
    body = {"kind": kind().pk, "unit": tree["squad3"].pk, "quantity": 5, "reason": "领用"}
    resp = client.post("/api/v1/finance/stockrequests/", body, content_type="application/json")
    assert_error_body(resp, 400)
    outside = receivable(tree["squad3"], 1)
    resp = client.post(f"/api/v1/finance/receivables/{outside.pk}/create-order/", {}, content_type="application/json")
    assert_error_body(resp, 404, "not_found")


def test_an_action_without_its_permission_is_403_and_its_refusal_is_the_pages(make_user, tree):
    officer = make_user("field_officer", "squad1")
    rec = receivable(tree["squad1"], 2, handler=officer)
    client = logged_in_client(officer)
    body = {"kind": kind().pk, "receipt_number": "沪00000001", "amount": "200.00"}
    resp = client.post(f"/api/v1/finance/receivables/{rec.pk}/record-payment/", body, content_type="application/json")
    assert_error_body(resp, 403, "permission_denied")
    cashier = make_user("finance_officer", "squad1")
    client = logged_in_client(cashier)
    resp = client.post(f"/api/v1/finance/receivables/{rec.pk}/record-payment/", body, content_type="application/json")
    api = assert_error_body(resp, 400)  # the number is in nobody's stock
    page = client.post(
        f"/finance/receivable/{rec.pk}/",
        {"_action": "record_payment", **{f"record_payment-{k}": v for k, v in body.items()}},
    )
    assert page.status_code == 400 and api["message"] in page.content.decode()
    held(tree["squad1"], 1, 10)
    resp = client.post(f"/api/v1/finance/receivables/{rec.pk}/record-payment/", body, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "paid"
    resp = client.post(f"/api/v1/finance/receivables/{rec.pk}/record-payment/", body, content_type="application/json")
    assert_error_body(resp, 400, "bad_state")


@pytest.mark.embedded
def test_notification_endpoint_verifies_the_signature(tree):
    client = Client()
    body = platform.dumps({"order_no": "PX", "txn_id": "TX", "amount": "1.00"})
    resp = client.post("/finance/platform/notify/", body, content_type="application/json", HTTP_X_SIGNATURE="bad")
    assert resp.status_code == 400 and resp.json()["result"] == "bad_signature"
    resp = client.post(
        "/finance/platform/notify/", body, content_type="application/json", HTTP_X_SIGNATURE=platform.sign(body)
    )
    assert resp.status_code == 400 and resp.json()["result"] == "unknown_order"
    assert PaymentNotice.objects.count() == 2


def test_pages_render(make_user, tree):
    cashier = make_user("finance_officer", "corps")
    officer = make_user("field_officer", "squad1")
    rec = receivable(tree["squad1"], 3, handler=officer)
    held(tree["squad1"], 1, 10, holder=officer)
    client = logged_in_client(cashier)
    for url in (
        "/finance/stock/",
        "/finance/stock/stats/",
        "/finance/stock/stats/?export=1",
        "/finance/collections/",
        "/finance/reconciliation/",
        f"/finance/receivables/{rec.pk}/",
        f"/cases/{rec.case_id}/",
        "/",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
    assert "罚没款" in client.get(f"/cases/{rec.case_id}/").content.decode()
    mine = logged_in_client(officer).get("/finance/my-stock/").content.decode()
    assert "沪00000001–沪00000010" in mine
    resp = logged_in_client(officer).post(
        "/finance/my-stock/", {"void-kind": kind().pk, "void-number": "2", "void-reason": "填写错误"}
    )
    assert resp.status_code == 302
    assert Client().get("/finance/sim/pay/?code=nope").status_code == 404
