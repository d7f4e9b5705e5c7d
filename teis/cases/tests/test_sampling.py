"""案件抽查: seeded random draws are reproducible, rules filter, scores 0–100, statistics."""

from __future__ import annotations

from decimal import Decimal

import pytest

from teis.audit.models import AuditRecord
from teis.cases.choices import CaseStatus, DecisionType
from teis.cases.models import CaseReview
from teis.cases.services import sampling
from teis.core.services import ServiceError
from teis.core.testing import logged_in_client

from .test_query import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_user):
    o1 = make_user("field_officer", "squad1")
    o3 = make_user("field_officer", "squad3")
    reviewer = make_user("legal_reviewer", "brigade1")
    for i in range(30):
        make_case(
            o1,
            title=f"结{i}",
            status=CaseStatus.CLOSED if i % 2 else CaseStatus.ARCHIVED,
            fine_amount=Decimal(100 * i),
            decision_type=DecisionType.PENALTY if i < 20 else DecisionType.NO_PENALTY,
        )
    make_case(o1, title="办理中", status=CaseStatus.INVESTIGATING)
    make_case(o3, title="他队", status=CaseStatus.CLOSED)
    return {"o1": o1, "o3": o3, "reviewer": reviewer}


def drawn(result):
    return sorted(r.case_id for r in result.reviews)


def test_seed_is_deterministic_and_recorded(setup):
    reviewer = setup["reviewer"]
    a = sampling.do_draw_sample(reviewer, size=5, seed=42)
    b = sampling.do_draw_sample(reviewer, size=5, seed=42)
    c = sampling.do_draw_sample(reviewer, size=5, seed=7)
    assert drawn(a) == drawn(b) != drawn(c)
    assert a.batch != b.batch and a.population == 30  # the other unit's and the running case are not eligible
    assert AuditRecord.objects.filter(object_id=a.batch).first().detail["seed"] == 42
    assert sampling.batch_info(a.batch)["seed"] == 42
    auto = sampling.do_draw_sample(reviewer, size=3)
    assert auto.seed is not None and sampling.batch_info(auto.batch)["seed"] == auto.seed


def test_rules(setup):
    reviewer = setup["reviewer"]
    r = sampling.do_draw_sample(reviewer, fine_min=Decimal("1500"), decision_type=DecisionType.PENALTY)
    assert len(r.reviews) == 5  # fines 1500..1900 with a penalty decision
    with pytest.raises(ServiceError) as err:
        sampling.do_draw_sample(reviewer, fine_min=Decimal("999999"))
    assert err.value.code == "empty_population"
    with pytest.raises(ServiceError):
        sampling.do_draw_sample(reviewer, size=0)


def test_review_scores_and_statistics(setup):
    reviewer = setup["reviewer"]
    batch = sampling.do_draw_sample(reviewer, size=3, seed=1, reviewer=reviewer)
    reviews = list(CaseReview.objects.filter(batch=batch.batch))
    with pytest.raises(ServiceError):
        sampling.do_review(reviewer, reviews[0], score=101)
    with pytest.raises(ServiceError):
        sampling.do_review(reviewer, reviews[0], score="abc")
    sampling.do_review(reviewer, reviews[0], score=90, comments="规范")
    sampling.do_review(reviewer, reviews[1], score=50, comments="文书不全")
    stats = sampling.batch_statistics(CaseReview.objects.filter(batch=batch.batch))
    assert stats["total"]["n"] == 3 and stats["total"]["reviewed"] == 2
    assert stats["total"]["avg"] == 70.0 and stats["total"]["passed"] == 1
    # the field officer cannot score
    with pytest.raises(ServiceError):
        sampling.do_review(setup["o1"], reviews[2], score=80)


def test_pages(setup):
    reviewer = setup["reviewer"]
    client = logged_in_client(reviewer)
    r = client.post("/cases/sampling/", {"mode": "random", "size": "4", "seed": "99"})
    assert r.status_code == 302
    batch = CaseReview.objects.values_list("batch", flat=True).first()
    page = client.get(r["Location"]).content.decode()
    assert batch in page and "99" in page
    review = CaseReview.objects.filter(batch=batch).first()
    client.post(f"/cases/sampling/review/{review.pk}/", {"score": "85", "comments": "好"})
    review.refresh_from_db()
    assert review.score == 85
    assert client.post("/cases/sampling/", {"mode": "random"}).status_code == 400
    assert logged_in_client(setup["o1"]).post("/cases/sampling/", {"mode": "rule"}).status_code == 403
