"""The declared actions of a 双随机 plan (`inspections/tables.py`): 冻结名单并生成种子承诺, 执行抽取, 公示结果 —
each run by core's generated tests (anonymous / without permission / permitted / out of scope / forbidden state,
on the API and the generic detail page), plus a test per action of the facts it writes (commitment, seed, tasks,
dates, who) and the plan board, whose buttons post the same actions."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from teis.audit.models import AuditRecord
from teis.core.testing import logged_in_client, make_officer_user
from teis.core.testing_mixins import GenericActionTests
from teis.inspections.choices import PlanStatus
from teis.inspections.models import DrawRecord, InspectionPlan, InspectionTask
from teis.inspections.services import plans as plan_services

from .factories import PUDONG, make_inspector, make_object


@pytest.fixture
def pool(roles, tree):
    """A city-wide pool: six objects and four inspectors, enough for any plan below; and whoever freezes and
    draws the plans that must be past a step (a brigade leader of the corps: every unit in scope)."""
    for n in range(1, 7):
        make_object(tree["squad1"], n=900 + n)
    for unit in ("squad1", "squad1", "squad2", "squad2"):
        make_inspector(make_officer_user(role_codes=["field_officer"], unit=tree[unit]), district=PUDONG)
    return make_officer_user(role_codes=["brigade_leader"], unit=tree["corps"])


class _PlanAction(GenericActionTests):
    model_label = "inspections.inspectionplan"
    ready_status = PlanStatus.DRAFT
    other_status = PlanStatus.DRAWN

    @pytest.fixture(autouse=True)
    def _pool(self, pool):
        self.drawer = pool

    def make_object(self, unit, n, ready=True):
        plan = InspectionPlan.objects.create(
            code=f"SJT{n:06d}", name=f"测试抽查计划{n}", level="city", unit=unit, year=2025, draw_count=2,
            inspectors_per_object=2,
        )  # fmt: skip
        target = self.ready_status if ready else self.other_status
        if target in (PlanStatus.FROZEN, PlanStatus.DRAWN, PlanStatus.PUBLISHED):
            plan_services.do_freeze(self.drawer, plan)
        if target in (PlanStatus.DRAWN, PlanStatus.PUBLISHED):
            plan_services.do_draw(self.drawer, plan)
        if target == PlanStatus.PUBLISHED:
            plan_services.do_publish(self.drawer, plan)
        return InspectionPlan.objects.get(pk=plan.pk)

    def run_api(self, ctx):
        plan = self.make_object(ctx.unit, 0)
        resp = logged_in_client(ctx.user).post(self.api_url(plan), {}, content_type="application/json")
        assert resp.status_code == 200, resp.content.decode()
        assert resp.json()["status"] == self.fresh(plan).status
        return self.fresh(plan), DrawRecord.objects.get(plan=plan)

    def operation(self, plan, name) -> AuditRecord:
        return AuditRecord.objects.filter(
            object_type="inspections.inspectionplan", object_id=str(plan.pk), detail__operation=name
        ).get()


class TestFreeze(_PlanAction):
    action = "freeze"

    def done(self, obj):
        return obj.status == PlanStatus.FROZEN and DrawRecord.objects.filter(plan=obj).exists()

    def test_facts(self, ctx):
        start = timezone.now()
        plan, record = self.run_api(ctx)
        assert record.frozen_by == ctx.user and record.frozen_at >= start
        assert len(record.seed_commitment) == 64 and record.seed_hex == "" and record.result is None
        assert len(record.candidates["objects"]) == 6 and len(record.candidates["inspectors"]) == 4
        assert self.operation(plan, "inspections.freeze").actor == ctx.user

    def test_infeasible_is_refused_and_nothing_written(self, ctx):
        plan = self.make_object(ctx.unit, 0)
        InspectionPlan.objects.filter(pk=plan.pk).update(inspectors_per_object=5)  # only four inspectors
        resp = logged_in_client(ctx.user).post(self.api_url(plan), {}, content_type="application/json")
        assert resp.status_code == 400 and resp.json()["code"] == "infeasible"
        assert self.fresh(plan).status == PlanStatus.DRAFT and not DrawRecord.objects.filter(plan=plan).exists()


class TestDraw(_PlanAction):
    action = "draw"
    ready_status = PlanStatus.FROZEN

    def done(self, obj):
        return obj.status == PlanStatus.DRAWN and obj.tasks.exists()

    def test_facts(self, ctx):
        start = timezone.now()
        plan, record = self.run_api(ctx)
        assert record.drawn_by == ctx.user and record.drawn_at >= start and len(record.seed_hex) == 64
        assert InspectionTask.objects.filter(plan=plan).count() == 2
        for task in InspectionTask.objects.filter(plan=plan):
            assert task.inspectors.count() == 2 and task.deadline > timezone.localdate()
        assert plan_services.verify_draw(plan)[0] is True
        assert self.operation(plan, "inspections.draw").detail["seed"] == record.seed_hex


class TestPublish(_PlanAction):
    action = "publish"
    ready_status = PlanStatus.DRAWN
    other_status = PlanStatus.FROZEN

    def done(self, obj):
        return obj.status == PlanStatus.PUBLISHED

    def test_facts(self, ctx):
        start = timezone.now()
        plan, record = self.run_api(ctx)
        assert record.published_at >= start
        assert self.operation(plan, "inspections.publish").actor == ctx.user

    def test_board_runs_the_actions_with_confirmation(self, ctx):
        """The plan board's buttons post the declared actions to the board: the same checks, the board's messages."""
        plan = self.make_object(ctx.unit, 0, ready=False)  # frozen
        client, board = logged_in_client(ctx.user), reverse("inspections:plan_board", args=[plan.pk])
        html = client.get(board).content.decode()
        assert 'value="draw"' in html and 'data-confirm="将用已承诺的种子随机抽取' in html
        denied = logged_in_client(ctx.denied)
        assert denied.post(board, {"_action": "draw"}).status_code == 403
        assert self.fresh(plan).status == PlanStatus.FROZEN
        resp = client.post(board, {"_action": "draw"}, follow=True)
        assert "抽取完成，检查任务已下发，随机种子已公开。" in resp.content.decode()
        resp = client.post(board, {"_action": "publish"}, follow=True)
        assert "抽取结果已公示。" in resp.content.decode() and self.fresh(plan).status == PlanStatus.PUBLISHED
        resp = client.post(board, {"_action": "publish"}, follow=True)  # twice: refused, nothing changes
        assert "不能公示结果" in resp.content.decode()
