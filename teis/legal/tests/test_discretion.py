"""Discretion benchmarks: levels validation, selection, deviation → legal-review todo → decision (Done when)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from teis.core.models import Notification, TodoItem, TodoStatus
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client
from teis.legal.choices import ApplicationStatus
from teis.legal.models import DiscretionApplication, DiscretionBenchmark
from teis.legal.services.discretion import (
    do_apply_discretion,
    do_decide_discretion,
    do_save_benchmark,
    select_benchmark,
    suggest_amount,
)

from ._code_fixtures import make_benchmark, make_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user):
    reviewer = make_user("legal_reviewer", "brigade1")  # chain of squad1
    far_reviewer = make_user("legal_reviewer", "brigade2")  # not in squad1's chain
    officer = make_user("field_officer", "squad1")
    code = make_code(reviewer, "DS0001", fine_min="200", fine_max="2000")
    bench = make_benchmark(code, reviewer)
    return reviewer, far_reviewer, officer, code, bench


def test_suggested_amount_rounds_midpoint_to_ten_within_range():
    assert suggest_amount(Decimal("200"), Decimal("500")) == Decimal("350")
    assert suggest_amount(Decimal("200"), Decimal("515")) == Decimal("360")  # 357.5 → 360
    assert suggest_amount(Decimal("5"), Decimal("5")) == Decimal("5")  # rounding would leave the range
    assert suggest_amount(None, Decimal("5")) is None


def test_select_benchmark(setup):
    _, _, _, code, bench = setup
    sel = select_benchmark("DS0001", "轻微")
    assert (sel.range_min, sel.range_max, sel.suggested_amount) == (Decimal("200"), Decimal("500"), Decimal("350"))
    assert sel.conditions == ["初次违法", "及时改正"]
    fixed = select_benchmark(code, str(bench.levels.get(name="严重").pk))
    assert fixed.range_min == fixed.range_max == fixed.suggested_amount == Decimal("2000")
    with pytest.raises(ServiceError) as exc:
        select_benchmark("DS0001", "特别严重")
    assert exc.value.code == "level_not_found" and "轻微" in exc.value.message
    with pytest.raises(ServiceError):
        select_benchmark("NOPE01", "轻微")


def test_within_benchmark_stands_without_review(setup):
    _, _, officer, code, bench = setup
    app = do_apply_discretion(
        officer, violation_code=code, level="轻微", amount="300", conditions_met=["初次违法", "及时改正"]
    )
    assert app.status == ApplicationStatus.WITHIN and app.unit.name == "第一中队" and app.deviation == ""
    assert not TodoItem.objects.filter(source_key=f"discretion:{app.pk}").exists()


def test_deviation_needs_reason_then_creates_todo_and_decision_is_recorded(setup):
    reviewer, far_reviewer, officer, code, bench = setup
    with pytest.raises(ServiceError) as exc:
        do_apply_discretion(
            officer, violation_code=code, level="轻微", amount="800", conditions_met=["初次违法", "及时改正"]
        )
    assert exc.value.code == "reason_required" and "理由" in exc.value.message and "reason" in exc.value.fields
    assert not DiscretionApplication.objects.exists()

    app = do_apply_discretion(
        officer,
        violation_code=code,
        level="轻微",
        amount="800",
        conditions_met=["初次违法"],
        reason="当事人多次违法，情节较重",
        case_reference="YDJ2025001",
    )
    assert app.status == ApplicationStatus.PENDING
    assert "800" in app.deviation and "及时改正" in app.deviation
    todos = TodoItem.objects.filter(source_key=f"discretion:{app.pk}")
    assert [t.user_id for t in todos] == [reviewer.pk]  # the chain's reviewer only
    assert todos[0].status == TodoStatus.OPEN and todos[0].url.endswith(f"/legal/discretionapplication/{app.pk}/")

    with pytest.raises(ServiceError) as exc:
        do_decide_discretion(officer, app, True, "同意")
    assert exc.value.code == "not_reviewer"
    with pytest.raises(ServiceError):
        do_decide_discretion(reviewer, app, False, "")  # a rejection needs an opinion

    do_decide_discretion(reviewer, app, True, "同意按 800 元处罚")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED and app.decided_by == reviewer
    assert app.decided_at is not None and app.decision_opinion == "同意按 800 元处罚"
    assert TodoItem.objects.get(source_key=f"discretion:{app.pk}").status == TodoStatus.DONE
    assert Notification.objects.filter(user=officer, title__contains="已批准").exists()
    with pytest.raises(ServiceError) as exc:
        do_decide_discretion(reviewer, app, False, "改主意")
    assert exc.value.code == "not_pending"


def test_falls_back_to_all_reviewers_when_chain_has_none(make_user):
    reviewer = make_user("legal_reviewer", "brigade2")
    officer = make_user("field_officer", "squad1")
    code = make_code(reviewer, "DS0002")
    make_benchmark(code, reviewer)
    app = do_apply_discretion(officer, violation_code=code, level="一般", amount="700", reason="理由")
    assert list(TodoItem.objects.filter(source_key=f"discretion:{app.pk}").values_list("user_id", flat=True)) == [
        reviewer.pk
    ]


def test_level_validation(setup):
    reviewer, _, _, code, bench = setup
    bad_levels = [
        {"order": 1, "name": "轻微", "fine_min": "100", "fine_max": "500"},  # below the code's 200
        {"order": 1, "name": "一般", "fine_min": "900", "fine_max": "500"},  # duplicate order, min > max
        {"order": 3, "name": "严重", "fixed_amount": "3000"},  # above 2000
    ]
    with pytest.raises(ServiceError) as exc:
        do_save_benchmark(reviewer, bench, {}, bad_levels)
    f = exc.value.fields
    assert "超出违章代码的罚款幅度" in f["levels.0"][0]
    assert any("重复" in m for m in f["levels.1"]) and any("不能小于下限" in m for m in f["levels.1"])
    assert "超出" in f["levels.2"][0]
    assert bench.levels.count() == 3  # unchanged


def test_benchmark_edit_page_with_levels(setup):
    reviewer, _, _, code, bench = setup
    client = logged_in_client(reviewer)
    url = reverse("legal:discretionbenchmark_edit", args=[bench.pk])
    page = client.get(url)
    assert page.status_code == 200 and "levels-TOTAL_FORMS" in page.content.decode()
    levels = list(bench.levels.order_by("order"))
    data = {
        "violation_code": code.pk,
        "name": "修订后的基准",
        "effective_from": "2025-01-01",
        "is_active": "on",
        "levels-TOTAL_FORMS": "4",
        "levels-INITIAL_FORMS": "3",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "1000",
    }
    rows = [
        (levels[0].pk, 2, "轻微", "初次违法\n及时改正", "200", "400", ""),
        (levels[1].pk, 1, "一般", "", "400", "800", ""),  # orders swapped
        (levels[2].pk, 3, "严重", "造成严重后果", "", "", "2000"),
        ("", 4, "特别严重", "多次", "1800", "5000", ""),  # above the code's maximum
    ]
    for i, (pk, order, name, cond, lo, hi, fixed) in enumerate(rows):
        data |= {
            f"levels-{i}-id": pk,
            f"levels-{i}-order": order,
            f"levels-{i}-name": name,
            f"levels-{i}-conditions": cond,
            f"levels-{i}-fine_min": lo,
            f"levels-{i}-fine_max": hi,
            f"levels-{i}-fixed_amount": fixed,
        }
    resp = client.post(url, data)
    assert resp.status_code == 400 and "超出违章代码的罚款幅度" in resp.content.decode()
    data["levels-3-fine_max"] = "2000"
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[-3000:]
    bench.refresh_from_db()
    assert bench.name == "修订后的基准"
    assert [(lv.order, lv.name) for lv in bench.levels.order_by("order")] == [
        (1, "一般"),
        (2, "轻微"),
        (3, "严重"),
        (4, "特别严重"),
    ]
    assert bench.levels.get(name="轻微").pk == levels[0].pk


def test_query_apply_and_decide_pages(setup):
    reviewer, _, officer, code, bench = setup
    client = logged_in_client(officer)
    page = client.get(reverse("legal:discretion_query"), {"code": "DS0001"}).content.decode()
    assert "轻微" in page and "200.00–500.00" in page and "350.00" in page
    lv = bench.levels.get(name="轻微")
    frag = client.get(reverse("legal:discretion_level"), {"code": "DS0001", "level": lv.pk}, HTTP_HX_REQUEST="true")
    assert "350.00" in frag.content.decode()
    url = reverse("legal:discretion_apply")
    page = client.get(url, {"code": "DS0001", "level": lv.pk}).content.decode()
    assert "及时改正" in page and "350.00" in page
    resp = client.post(url, {"code": "DS0001", "level": lv.pk, "amount": "900", "conditions_met": ["初次违法"]})
    assert resp.status_code == 400 and "须填写书面理由" in resp.content.decode()
    resp = client.post(url, {"code": "DS0001", "level": lv.pk, "amount": "900", "reason": "情节特殊"})
    assert resp.status_code == 302
    app = DiscretionApplication.objects.get()
    assert app.status == ApplicationStatus.PENDING
    rc = logged_in_client(reviewer)
    page_url = reverse("legal:discretionapplication_detail", args=[app.pk])
    page = rc.get(page_url).content.decode()
    assert 'value="approve"' in page and 'value="reject"' in page
    resp = rc.post(page_url, {"_action": "reject", "reject-opinion": "金额过高"})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED and app.decision_opinion == "金额过高"
    # the applicant sees the result
    assert "已驳回" in client.get(page_url).content.decode()


def test_api_select_apply_decide(setup):
    reviewer, _, officer, code, bench = setup
    client = logged_in_client(officer)
    resp = client.get("/api/v1/legal/discretion/select/", {"code": "DS0001", "level": "一般"})
    assert resp.status_code == 200 and resp.json()["suggested_amount"] == "750.00"
    resp = client.get("/api/v1/legal/discretion/select/", {"code": "DS0001"})
    assert resp.status_code == 400 and resp.json()["code"] == "level_required"
    resp = client.post(
        "/api/v1/legal/discretion/apply/",
        {"code": "DS0001", "level": "一般", "amount": "1500"},
        content_type="application/json",
    )
    assert resp.status_code == 400 and resp.json()["code"] == "reason_required" and "理由" in resp.json()["message"]
    resp = client.post(
        "/api/v1/legal/discretion/apply/",
        {"code": "DS0001", "level": "一般", "amount": "1500", "reason": "多次违法"},
        content_type="application/json",
    )
    assert resp.status_code == 201 and resp.json()["status"] == "pending"
    pk = resp.json()["id"]
    url = f"/api/v1/legal/discretionapplications/{pk}/"
    resp = client.post(url + "approve/", {}, content_type="application/json")
    assert resp.status_code == 403
    rc = logged_in_client(reviewer)
    resp = rc.post(url + "reject/", {"opinion": ""}, content_type="application/json")
    assert resp.status_code == 400 and "opinion" in resp.json()["fields"]
    resp = rc.post(url + "approve/", {"opinion": "同意"}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["status"] == "approved"


def test_benchmark_api_update_validates_code(setup):
    reviewer, _, _, code, bench = setup
    client = logged_in_client(reviewer)
    resp = client.patch(
        f"/api/v1/legal/discretionbenchmarks/{bench.pk}/", {"name": ""}, content_type="application/json"
    )
    assert resp.status_code == 400
    assert DiscretionBenchmark.objects.get(pk=bench.pk).name == bench.name


def test_lists_and_detail_pages_render(setup):
    reviewer, _, officer, code, bench = setup
    do_apply_discretion(officer, violation_code=code, level="一般", amount="700", conditions_met=["未造成后果"])
    client = logged_in_client(reviewer)
    resp = client.get(reverse("legal:discretionapplication_list"))
    assert resp.status_code == 200 and "DS0001" in resp.content.decode()
    detail = client.get(reverse("legal:discretionbenchmark_detail", args=[bench.pk])).content.decode()
    assert reverse("legal:discretion_apply") in detail
    assert client.get(reverse("legal:discretionbenchmark_add")).status_code == 200
    assert client.get(reverse("legal:discretionbenchmark_list")).status_code == 200
    # field officers may query and apply, not edit or review; they see their own applications only
    oc = logged_in_client(officer)
    assert oc.get(reverse("legal:discretionbenchmark_add")).status_code == 403
    other = do_apply_discretion(
        reviewer, violation_code=code, level="一般", amount="700", conditions_met=["未造成后果"]
    )
    listing = oc.get(reverse("legal:discretionapplication_list"))
    assert listing.status_code == 200
    assert oc.get(reverse("legal:discretionapplication_detail", args=[other.pk])).status_code == 404
