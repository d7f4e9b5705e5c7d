"""评议考核: the main path (batch → indicators → objects → case files drawn through the case sampling → scoring →
materials → publication → feedback → statistics), with the page and the API refusing alike, in Chinese."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from teis.analytics.choices import EvaluationStatus, TargetKind
from teis.analytics.models import EvaluationBatch, EvaluationTarget
from teis.analytics.services import evaluation as ev
from teis.audit.models import AuditRecord
from teis.cases.choices import CaseStatus
from teis.cases.models import CaseReview
from teis.cases.tests.test_query import make_case
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def setup(make_user, tree):
    o1 = make_user("field_officer", "squad1")
    o3 = make_user("field_officer", "squad3")
    legal = make_user("legal_reviewer", "corps")
    brigade = make_user("brigade_leader", "brigade1")
    other = make_user("brigade_leader", "brigade2")
    cases = [make_case(o1 if i % 2 else o3, title=f"结{i}", status=CaseStatus.CLOSED) for i in range(8)]
    make_case(o1, title="办理中", status=CaseStatus.INVESTIGATING)
    return {"tree": tree, "o1": o1, "legal": legal, "brigade": brigade, "other": other, "cases": cases}


def _prepared(s) -> EvaluationBatch:
    legal, tree = s["legal"], s["tree"]
    batch = ev.BatchService().do_create(legal, EvaluationBatch, {"name": "2025年度评议考核", "year": 2025})
    assert batch.unit == tree["corps"] and batch.status == EvaluationStatus.DRAFT
    batch = ev.do_add_indicator(legal, batch, name="办案质量", weight=60)
    batch = ev.do_add_indicator(legal, batch, name="程序规范", weight=40, description="程序合法")
    batch = ev.do_add_object(legal, batch, kind=TargetKind.UNIT, unit=tree["brigade1"])
    batch = ev.do_add_object(legal, batch, kind=TargetKind.OFFICER, officer=s["o1"].officer)
    return batch


def test_main_path(setup):
    s, legal = setup, setup["legal"]
    batch = _prepared(s)
    with pytest.raises(ServiceError, match="不能超过 100 分"):
        ev.do_add_indicator(legal, batch, name="多余", weight=1)
    # case files: a seeded random draw and a chosen one, both through the cases app's sampling
    batch = ev.do_draw_cases(legal, batch, mode="random", size=3, seed=7)
    chosen, second = s["cases"][0], s["cases"][1]
    type(chosen).objects.filter(pk=chosen.pk).update(case_code="310000202500001")
    batch = ev.do_draw_cases(legal, batch, mode="chosen", cases=f"310000202500001，{second.pk}")
    case_targets = batch.targets.filter(kind=TargetKind.CASE)
    assert case_targets.filter(case=chosen).exists() and case_targets.filter(case=second).exists()
    assert len(batch.sample_batches) == 2
    reviews = CaseReview.objects.filter(batch__in=batch.sample_batches)
    assert reviews.count() == 5  # every draw is a case-sampling batch with its reviews
    assert case_targets.count() == len(set(reviews.values_list("case_id", flat=True)))
    info = AuditRecord.objects.filter(object_type="cases.casereview", object_id=batch.sample_batches[0]).get()
    assert info.detail["seed"] == 7 and info.detail["purpose"] == "评议考核：2025年度评议考核"
    with pytest.raises(ServiceError, match="尚未结案"):
        ev.do_draw_cases(legal, batch, mode="chosen", cases=str(s["cases"][0].pk + 100000))
    with pytest.raises(ServiceError, match="统一案件编码不存在"):
        ev.do_draw_cases(legal, batch, mode="chosen", cases="NOSUCH")

    batch = ev.do_start(legal, batch)
    indicators = list(batch.indicators.all())
    with pytest.raises(ServiceError, match="尚有 .* 个考核对象未评分"):
        ev.do_publish(legal, batch)
    for t in batch.targets.all():
        ev.do_score(legal, t, scores={str(indicators[0].pk): 50, str(indicators[1].pk): "35.5"}, comments="好")
    case_target = batch.targets.filter(kind=TargetKind.CASE).first()
    assert case_target.total == Decimal("85.5")
    assert CaseReview.objects.get(pk=case_target.review_id).score == 86  # kept in step with the case sampling
    batch = ev.do_publish(legal, batch, "审定")
    assert batch.status == EvaluationStatus.PUBLISHED

    stats = ev.statistics(ev.visible_targets(legal, batch))
    assert stats["total"]["scored"] == stats["total"]["n"] and stats["total"]["avg"] == Decimal("85.5")
    assert {r["unit__name"] for r in stats["by_unit"]} >= {"第一大队"}
    assert any(r["who"] == s["o1"].officer.name for r in stats["by_officer"])


def test_score_over_weight_refused_alike_on_page_and_api(setup):
    s, legal = setup, setup["legal"]
    batch = ev.do_start(legal, _prepared(s))
    target = batch.targets.filter(kind=TargetKind.UNIT).get()
    i1, i2 = batch.indicators.all()
    client = logged_in_client(legal)
    resp = client.post(
        f"/api/v1/analytics/evaluationtargets/{target.pk}/score/",
        {"scores": json.dumps({str(i1.pk): 61, str(i2.pk): 10})},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert "“办案质量”的得分应在 0 到 60 分之间" in resp.json()["message"]
    page = client.post(
        f"/analytics/evaluation/{batch.pk}/",
        {"_op": "score", "target": target.pk, f"s-{i1.pk}": "61", f"s-{i2.pk}": "10"},
    )
    assert page.status_code == 400 and "“办案质量”的得分应在 0 到 60 分之间" in page.content.decode()
    target.refresh_from_db()
    assert target.total is None and not target.scores.exists()
    page = client.post(
        f"/analytics/evaluation/{batch.pk}/",
        {"_op": "score", "target": target.pk, f"s-{i1.pk}": "58", f"s-{i2.pk}": "39"},
    )
    assert page.status_code == 302
    target.refresh_from_db()
    assert target.total == Decimal("97.0")


def test_materials_by_the_evaluated_unit(setup):
    s = setup
    batch = ev.do_start(s["legal"], _prepared(s))
    target = batch.targets.filter(kind=TargetKind.UNIT).get()  # 第一大队
    client = logged_in_client(s["brigade"])
    page = client.get(f"/analytics/evaluation/{batch.pk}/")
    assert page.status_code == 200 and "提交材料" in page.content.decode()
    assert "保存评分" not in page.content.decode()  # not a reviewer
    i1, i2 = batch.indicators.all()
    ev.do_score(s["legal"], target, scores={str(i1.pk): 59, str(i2.pk): 38})
    html = client.get(f"/analytics/evaluation/{batch.pk}/").content.decode()
    assert "97.0" not in html and 'id="stats-unit"' not in html  # scores hidden before publication
    assert "total" not in client.get(f"/api/v1/analytics/evaluationtargets/{target.pk}/").json()
    bad = SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    resp = client.post(f"/api/v1/analytics/evaluationtargets/{target.pk}/materials/", {"files": [bad]})
    assert resp.status_code == 400 and "不允许上传" in resp.json()["message"]
    good = SimpleUploadedFile("自评报告.pdf", PDF, content_type="application/pdf")
    resp = client.post(f"/api/v1/analytics/evaluationtargets/{target.pk}/materials/", {"files": [good], "note": "自评"})
    assert resp.status_code == 201, resp.content
    material = target.materials.get()
    assert material.original_name == "自评报告.pdf" and len(material.sm3) == 64
    download = client.get(f"/analytics/evaluation/material/{material.pk}/")
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    page = client.post(
        f"/analytics/evaluation/{batch.pk}/",
        {"_op": "material", "target": target.pk, "files": [io.BytesIO(b"")]},
    )
    assert page.status_code == 400
    # another brigade: the object and its material are out of scope
    other = logged_in_client(s["other"])
    assert other.post(f"/api/v1/analytics/evaluationtargets/{target.pk}/materials/", {"files": []}).status_code == 404
    assert other.get(f"/analytics/evaluation/material/{material.pk}/").status_code == 404
    assert other.get(f"/analytics/evaluation/{batch.pk}/").status_code == 404
    # a field officer has no evaluation permission at all
    resp = logged_in_client(s["o1"]).post(f"/api/v1/analytics/evaluationtargets/{target.pk}/materials/", {})
    assert resp.status_code == 403


def test_pages_reached_from_the_menu(setup):
    s = setup
    batch = ev.do_start(s["legal"], _prepared(s))
    legal = logged_in_client(s["legal"])
    home = legal.get("/").content.decode()
    assert "/analytics/evaluationbatch/" in home
    detail = legal.get(f"/analytics/evaluationbatch/{batch.pk}/").content.decode()
    assert f"/analytics/evaluation/{batch.pk}/" in detail
    page = legal.get(f"/analytics/evaluation/{batch.pk}/").content.decode()
    assert "保存评分" in page and "办案质量" in page
    assert "/analytics/evaluationtarget/" in logged_in_client(s["brigade"]).get("/").content.decode()
    assert "/analytics/evaluation" not in logged_in_client(s["o1"]).get("/").content.decode()


def test_target_scope(setup):
    s = setup
    batch = _prepared(s)
    ev.do_add_object(s["legal"], batch, kind=TargetKind.UNIT, unit=s["tree"]["brigade2"])
    assert EvaluationTarget.objects.for_user(s["legal"]).count() == 3  # reviewers work corps-wide
    assert set(EvaluationTarget.objects.for_user(s["brigade"]).values_list("unit__name", flat=True)) == {
        "第一大队",
        "第一中队",
    }
    assert set(EvaluationTarget.objects.for_user(s["other"]).values_list("unit__name", flat=True)) == {"第二大队"}
