"""Rule 13 for 统计分析: the generic pages and API of the statutory reports and the 失信 candidates (read-only there:
written by their services and actions) and of the 失信 rules (edited by the legal department). Reports and
candidates are corps-wide documents (permission-gated, not unit-scoped)."""

from __future__ import annotations

import pytest

from teis.analytics.tests import _objects as o
from teis.core.testing_mixins import GenericModelTests

pytestmark = pytest.mark.django_db


class TestStatutoryReportGeneric(GenericModelTests):
    model_label = "analytics.statutoryreport"
    unique_column = "year"
    scoped = False
    query_count_objects = 50

    def make_object(self, unit, n):
        return o.report(unit, n)


class TestDishonestyCandidateGeneric(GenericModelTests):
    model_label = "analytics.dishonestycandidate"
    unique_column = "name"
    scoped = False
    query_count_objects = 50

    def make_object(self, unit, n):
        return o.candidate(unit, n)


class TestDishonestyRuleGeneric(GenericModelTests):
    model_label = "analytics.dishonestyrule"
    unique_column = "name"
    lookup_field = "name"
    scoped = False
    query_count_objects = 50

    def make_object(self, unit, n):
        return o.rule(n)

    def form_data(self, ctx, n):
        return {
            "name": f"新规则{n}",
            "kind": "repeated",
            "period_days": 365,
            "threshold": 3,
            "min_fine": "0",
            "cause_keywords": "",
            "overdue_days": 30,
            "is_active": True,
            "basis": "信用管理办法",
        }


class TestEvaluationBatchGeneric(GenericModelTests):
    model_label = "analytics.evaluationbatch"
    unique_column = "name"
    scoped = False
    query_count_objects = 50

    def make_object(self, unit, n):
        return o.batch(unit, n)

    def form_data(self, ctx, n):
        return {"name": f"{2020 + n % 5}年度评议考核{n}", "year": 2020 + n % 5, "description": "年度考核"}


class TestEvaluationTargetGeneric(GenericModelTests):
    model_label = "analytics.evaluationtarget"
    unique_column = "unit"
    query_count_objects = 50

    def make_object(self, unit, n):
        return o.target(unit, n)


class TestPerformanceSchemeGeneric(GenericModelTests):
    model_label = "analytics.performancescheme"
    unique_column = "name"
    scoped = False
    query_count_objects = 50

    def make_object(self, unit, n):
        from teis.analytics.models import PerformanceScheme

        return PerformanceScheme.objects.create(name=f"绩效方案{n}", signins_weight=10 + n % 20)

    def form_data(self, ctx, n):
        return {
            "name": f"新方案{n}",
            "is_active": True,
            "signins_weight": "25.0",
            "signins_target": 22,
            "cases_filed_weight": "20.0",
            "cases_filed_target": 4,
            "cases_closed_weight": "35.0",
            "cases_closed_target": 4,
            "documents_weight": "20.0",
            "documents_target": 6,
            "warning_penalty": "2.0",
            "complaint_penalty": "5.0",
        }
