"""The demo data of 评议考核: one batch for last year, being scored, some objects scored (idempotent)."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from teis.analytics.choices import EvaluationStatus, TargetKind
from teis.analytics.demo.loader import _case_drawer
from teis.analytics.models import EvaluationBatch
from teis.core.testing import logged_in_client

pytestmark = pytest.mark.django_db


def test_demo_batch():
    call_command("seed_demo", stdout=io.StringIO())
    users = get_user_model().objects
    batch = EvaluationBatch.objects.get()
    assert batch.year == timezone.localdate().year - 1 and batch.status == EvaluationStatus.SCORING
    assert sum(batch.indicators.values_list("weight", flat=True)) == 100
    kinds = set(batch.targets.values_list("kind", flat=True))
    assert {TargetKind.UNIT, TargetKind.OFFICER} <= kinds
    # case files are drawn by a 法制 reviewer whose scope holds closed cases: under the test settings the demo's
    # closed cases lie outside every reviewer's subtree, outside them (3,000 history cases) a district's do
    drawer = _case_drawer(users.get(username="legal"))
    assert (TargetKind.CASE in kinds) == (drawer is not None)
    scored = batch.targets.filter(total__isnull=False).count()
    assert 0 < scored < batch.targets.count()
    page = logged_in_client(users.get(username="legal")).get(f"/analytics/evaluation/{batch.pk}/")
    assert page.status_code == 200 and "保存评分" in page.content.decode()
    call_command("seed_demo", stdout=io.StringIO())
    assert EvaluationBatch.objects.count() == 1
