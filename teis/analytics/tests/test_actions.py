"""The declared actions of 统计分析 (`analytics/tables.py`): 审核通过, 标记已报送, 重新生成 on a statutory report;
确认列入, 不予认定 on a 失信 candidate — each run by core's generated tests. Reports and candidates are corps-wide
(not unit-scoped), so "out of scope" there means: still reachable by whoever holds the permission."""

from __future__ import annotations

import pytest

from teis.analytics.choices import CandidateStatus, ReportStatus
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
