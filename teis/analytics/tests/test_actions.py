"""The declared actions of 统计分析 (`analytics/tables.py`): 审核通过, 标记已报送, 重新生成 on a statutory report;
确认列入, 不予认定 on a 失信 candidate — each run by core's generated tests. Reports and candidates are corps-wide
(not unit-scoped), so "out of scope" there means: still reachable by whoever holds the permission."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from teis.analytics.choices import CandidateStatus, EvaluationStatus, ReportStatus
from teis.analytics.tests import _objects as o
from teis.core.testing import logged_in_client
from teis.core.testing_mixins import GenericActionTests


class _CorpsWide(GenericActionTests):
    def test_out_of_scope_is_404(self, ctx):
        pytest.skip("corps-wide record: not unit-scoped, so there is no out-of-scope object (see the models)")

    def test_visible_from_any_unit_with_the_permission(self, ctx):
        other = self.make_object(ctx.tree[self.out_of_scope_unit], 9999)
        assert logged_in_client(ctx.user).get(self.page_url(other)).status_code == 200


class TestReportReview(_CorpsWide):
    model_label, action = "analytics.statutoryreport", "review"

    def make_object(self, unit, n, ready=True):
        return o.report(unit, n, ReportStatus.GENERATED if ready else ReportStatus.SENT)

    def input_data(self, ctx, obj):
        return {"note": "核对无误"}

    def done(self, obj):
        return obj.status == ReportStatus.REVIEWED and obj.reviewed_by_id is not None


class TestReportMarkSent(_CorpsWide):
    model_label, action = "analytics.statutoryreport", "mark_sent"

    def make_object(self, unit, n, ready=True):
        return o.report(unit, n, ReportStatus.REVIEWED if ready else ReportStatus.GENERATED)

    def input_data(self, ctx, obj):
        return {"sent_to": "市信用中心", "note": "已通过前置机报送"}

    def done(self, obj):
        return obj.status == ReportStatus.SENT and obj.sent_to == "市信用中心" and obj.sent_at is not None


class TestReportRegenerate(_CorpsWide):
    model_label, action = "analytics.statutoryreport", "regenerate"

    def make_object(self, unit, n, ready=True):
        return o.report(unit, n, ReportStatus.REVIEWED if ready else ReportStatus.SENT)

    def input_data(self, ctx, obj):
        return {"reason": "补录案件后重新生成"}

    def done(self, obj):
        return obj.version == 2 and obj.versions.count() == 2 and obj.status == ReportStatus.GENERATED


class TestCandidateConfirm(_CorpsWide):
    model_label, action = "analytics.dishonestycandidate", "confirm"

    def make_object(self, unit, n, ready=True):
        return o.candidate(unit, n, CandidateStatus.PENDING if ready else CandidateStatus.REJECTED)

    def input_data(self, ctx, obj):
        return {"note": "符合严重失信认定标准"}

    def done(self, obj):
        return obj.status == CandidateStatus.CONFIRMED and obj.reviewed_by_id is not None


class TestCandidateReject(_CorpsWide):
    model_label, action = "analytics.dishonestycandidate", "reject"

    def make_object(self, unit, n, ready=True):
        return o.candidate(unit, n, CandidateStatus.PENDING if ready else CandidateStatus.CONFIRMED)

    def input_data(self, ctx, obj):
        return {"note": "已整改，情节轻微"}

    def done(self, obj):
        return obj.status == CandidateStatus.REJECTED and obj.review_note == "已整改，情节轻微"


# --- 评议考核 --------------------------------------------------------------------------------------------------------


class _Batch(_CorpsWide):
    model_label = "analytics.evaluationbatch"
    extra_permissions = ["cases.sample_enforcementcase"]


class TestBatchAddIndicator(_Batch):
    action = "add_indicator"

    def make_object(self, unit, n, ready=True):
        return o.batch(
            unit, n, EvaluationStatus.DRAFT if ready else EvaluationStatus.SCORING, indicators=[("质量", 60)]
        )

    def input_data(self, ctx, obj):
        return {"name": "程序规范", "weight": 40, "description": "程序合法"}

    def done(self, obj):
        return obj.indicators.filter(name="程序规范", weight=40).exists()


class TestBatchAddObject(_Batch):
    action = "add_object"

    def make_object(self, unit, n, ready=True):
        root = unit
        while root.parent_id:
            root = root.parent
        return o.batch(root, n, EvaluationStatus.DRAFT if ready else EvaluationStatus.PUBLISHED)

    def input_data(self, ctx, obj):
        return {"kind": "unit", "unit": ctx.unit.pk}

    def done(self, obj):
        return obj.targets.filter(kind="unit").exists()


class TestBatchDrawCases(_Batch):
    """抽取案卷 by naming a closed case of the actor's scope (the random draw is tested in test_evaluation.py)."""

    action = "draw_cases"

    def make_object(self, unit, n, ready=True):
        # the sample is drawn within the batch's unit, which must lie in the drawer's data scope
        return o.batch(unit, n, EvaluationStatus.DRAFT if ready else EvaluationStatus.SCORING)

    def input_data(self, ctx, obj):
        from teis.cases.choices import CaseStatus
        from teis.cases.tests.test_query import make_case

        case = make_case(ctx.user, unit=ctx.unit, title="评查案卷", status=CaseStatus.CLOSED)
        return {"mode": "chosen", "cases": str(case.pk)}

    def done(self, obj):
        return obj.targets.filter(kind="case").exists()


class TestBatchStart(_Batch):
    action = "start"

    def make_object(self, unit, n, ready=True):
        b = o.batch(unit, n, EvaluationStatus.DRAFT if ready else EvaluationStatus.SCORING)
        b.targets.create(kind="unit", unit=unit)
        return b

    def done(self, obj):
        return obj.status == EvaluationStatus.SCORING


class TestBatchPublish(_Batch):
    action = "publish"

    def make_object(self, unit, n, ready=True):
        b = o.batch(unit, n, EvaluationStatus.SCORING if ready else EvaluationStatus.DRAFT)
        b.targets.create(kind="unit", unit=unit, total=80)
        return b

    def input_data(self, ctx, obj):
        return {"note": "结果已审定"}

    def done(self, obj):
        return obj.status == EvaluationStatus.PUBLISHED and obj.published_at is not None


class TestTargetScore(_CorpsWide):
    """Reviewers score corps-wide (every object of the batches): out of the data scope is still reachable."""

    model_label, action = "analytics.evaluationtarget", "score"

    def make_object(self, unit, n, ready=True):
        return o.target(unit, n, EvaluationStatus.SCORING if ready else EvaluationStatus.PUBLISHED)

    def input_data(self, ctx, obj):
        ids = list(obj.batch.indicators.values_list("pk", flat=True))
        return {"scores": json.dumps({str(ids[0]): 55, str(ids[1]): "36.5"}), "comments": "规范"}

    def done(self, obj):
        return obj.total == Decimal("91.5") and obj.scores.count() == 2


class TestTargetFeedback(GenericActionTests):
    model_label, action = "analytics.evaluationtarget", "feedback"

    def make_object(self, unit, n, ready=True):
        return o.target(unit, n, EvaluationStatus.PUBLISHED if ready else EvaluationStatus.SCORING)

    def input_data(self, ctx, obj):
        return {"feedback": "对案卷评分无异议，已组织整改。"}

    def done(self, obj):
        return obj.feedback.startswith("对案卷评分无异议") and obj.feedback_at is not None
